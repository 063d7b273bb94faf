//! Every benchmark kernel runs on the board on every peer (native, Basalt
//! guard, guard on the simd128 build and explicit, wasmtime, Pulley, wasmi)
//! at a small size, each checking its own result, and the peers agree; plus
//! the call-cost and instantiation commands of Basalt and wasmtime. Fast
//! (no `-icount`): the measurement itself is
//! `cargo run --release -p basalt-bench`.

use basalt_bench::{build_kernels, run_board, run_pool_board, security, Size, KERNELS, PEERS};

#[test]
fn every_kernel_runs_on_every_peer() {
    let figures = run_board(Size::Smoke).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(figures.kernels.len(), KERNELS.len());
    for run in &figures.kernels {
        // run_board already checked that every peer returned native's checksum.
        assert!(run.peers.iter().all(|p| p.0 == run.peers[0].0), "{run:?}");
        assert_eq!(run.peers.len(), PEERS.len());
    }
    assert!(
        figures.basalt.instantiate > 0 && figures.basalt_arena > 0,
        "{figures:?}"
    );
    // wasmtime allocates the 64 KiB memory on the heap.
    assert!(
        figures.wasmtime.instantiate > 0 && figures.wasmtime.heap >= 65536,
        "{:?}",
        figures.wasmtime
    );
    // Without -icount the counter is wall-clock time: only check it moved.
    let (to_wasm, round_trip, _) = figures.wasmtime.calls;
    assert!(to_wasm > 0.0 && round_trip > 0.0, "{:?}", figures.wasmtime);
}

/// The pooled instantiation job: the slot's first use builds its
/// translation tables on the heap, its reuse takes only the instance's own
/// state; neither puts the memory in the store's arena.
#[test]
fn pooled_instantiation_runs() {
    let p = run_pool_board(Size::Smoke).unwrap_or_else(|e| panic!("{e}"));
    assert!(p.cold.heap > p.warm.heap && p.warm.heap > 0, "{p:?}");
    assert!(p.warm.arena > 0 && p.warm.arena < 65536, "{p:?}");
    assert_eq!(p.cold.arena, p.warm.arena, "{p:?}");
    assert!(p.store.1 > 0, "{p:?}");
}

/// The security section's job: signature checks of four signed artifacts on
/// a board that trusts their key, and every kernel in the four Spectre
/// builds (whose checksums `security::run_board` compares).
#[test]
fn signature_checks_and_spectre_builds_run_on_the_board() {
    let wasm = build_kernels().unwrap_or_else(|e| panic!("{e}"));
    let f = security::run_board(&wasm, Size::Smoke).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.verify.len(), 4);
    assert!(f.verify.iter().all(|v| v.instructions > 0), "{f:?}");
    assert!(f.verify[0].bytes < f.verify[3].bytes, "{f:?}");
    assert_eq!(f.spectre.len(), KERNELS.len());
    let md = security::markdown(&f);
    assert!(md.contains("per KiB of artifact"), "{md}");
}
