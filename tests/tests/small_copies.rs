//! `memory.copy` of a few bytes (`tests/data/small_copies.wast`): both
//! modes copy 1 to 8 bytes inline (`compiler/src/translate/bulk.rs`),
//! explicit mode after checking both ranges; both must agree with the spec on
//! overlap, on the last bytes of memory and on copies one byte out of
//! bounds, which trap and write nothing.

use basalt_cli::wast::{run_file, WastOptions};
use basalt_compiler::BoundsChecks;
use std::path::PathBuf;

fn run(opts: &WastOptions) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/small_copies.wast");
    let report = run_file(&path, opts).expect("runs");
    assert!(
        report.failed == 0 && report.passed >= 345,
        "{} passed, {} failed:\n{}",
        report.passed,
        report.failed,
        report.failures.join("\n")
    );
}

#[test]
fn small_copies_guard_mode() {
    let mut opts = WastOptions::default();
    opts.compile.settings.bounds_checks = BoundsChecks::Guard;
    run(&opts);
}

#[test]
fn small_copies_explicit_mode() {
    run(&WastOptions::default());
}
