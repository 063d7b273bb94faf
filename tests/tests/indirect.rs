//! `call_indirect` through frozen tables (`tests/data/frozen_tables.wast`):
//! own, imported and host callees, tables with 32- and 64-bit masks, one
//! whose every element matches, and one that `table.set` writes (the
//! general path); every trap in its order. In each bounds-check mode and
//! with Spectre hardening off, since the index clamp differs.

use basalt_cli::wast::{run_file, WastOptions};
use basalt_compiler::BoundsChecks;
use std::path::PathBuf;

fn run(opts: &WastOptions) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/frozen_tables.wast");
    let report = run_file(&path, opts).expect("runs");
    assert!(
        report.failed == 0 && report.passed >= 42,
        "{} passed, {} failed:\n{}",
        report.passed,
        report.failed,
        report.failures.join("\n")
    );
}

#[test]
fn frozen_tables_guard_mode() {
    let mut opts = WastOptions::default();
    opts.compile.settings.bounds_checks = BoundsChecks::Guard;
    run(&opts);
}

#[test]
fn frozen_tables_explicit_mode() {
    run(&WastOptions {
        contiguous_memories: true,
        ..WastOptions::default()
    });
}

#[test]
fn frozen_tables_spectre_off() {
    let mut opts = WastOptions::default();
    opts.compile.settings.spectre = false;
    opts.compile.settings.bounds_checks = BoundsChecks::Guard;
    run(&opts);
}
