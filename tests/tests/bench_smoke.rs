//! Every benchmark kernel runs on the board on every peer (native, Basalt
//! guard and explicit modes, wasmi) at a small size, each checking its own
//! result, and the peers agree; plus the call-cost and instantiation
//! commands. Fast (no `-icount`): the measurement itself is
//! `cargo run --release -p basalt-bench`.

use basalt_bench::{run_board, Size, KERNELS};

#[test]
fn every_kernel_runs_on_every_peer() {
    let figures = run_board(Size::Smoke).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(figures.kernels.len(), KERNELS.len());
    for run in &figures.kernels {
        // run_board already checked that every peer returned native's checksum.
        assert!(run.peers.iter().all(|p| p.0 == run.peers[0].0), "{run:?}");
    }
    let (ticks, arena, _heap) = figures.instantiate;
    assert!(ticks > 0 && arena > 0, "{:?}", figures.instantiate);
}
