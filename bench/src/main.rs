//! `cargo run --release -p basalt-bench`: build the kernels, run every peer
//! on the board under `-icount`, measure the footprint and compile speed,
//! and write `BENCHMARKS.md` and `bench/benchmarks.svg`. `basalt-bench size`
//! measures only the runtime's code size.

use basalt_bench::report::{self, Figures, Settings};
use basalt_bench::wasmtime_peer::{self, Flavor};
use basalt_bench::{
    build_kernels, compile_mode, compile_throughput, repo_root, run_board_with, text_sizes, Size,
};
use basalt_compiler::BoundsChecks;
use basalt_qemu::{Firmware, Machine};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("basalt-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    // `basalt-bench size`: only the runtime's code size (bench/size-probe),
    // a minute instead of the whole run.
    if std::env::args().nth(1).as_deref() == Some("size") {
        let size = basalt_bench::size::measure()?;
        println!(
            "runtime .text {} B ({:.1} KiB) = firmware {} - baseline {} - guest {}; .rodata +{} B",
            size.runtime_text(),
            size.runtime_text() as f64 / 1024.0,
            size.firmware_text,
            size.baseline_text,
            size.guest,
            size.runtime_rodata()
        );
        return Ok(());
    }
    eprintln!("basalt-bench: building the kernels for wasm32 (scalar and simd128)");
    let wasm = build_kernels()?;
    eprintln!("basalt-bench: measuring compile throughput on the host");
    let compile = compile_throughput(&wasm.scalar, 5, |w| compile_mode(w, BoundsChecks::Guard))?;
    let wasmtime_compile = compile_throughput(&wasm.scalar, 5, |w| {
        wasmtime_peer::precompile(w, Flavor::Native)
    })?;
    eprintln!("basalt-bench: running every peer on the board under -icount");
    let board = run_board_with(&wasm, Size::Bench)?;
    eprintln!("basalt-bench: signature checks and Spectre hardening on the board");
    let security = basalt_bench::security::run_board(&wasm, Size::Bench)?;
    // The runtime's size in the firmware the tests use (no peers linked);
    // the peers' in the benchmark build.
    let firmware = |kind| {
        basalt_qemu::firmware(Machine::Virt, kind)
            .map(|image| image.elf)
            .map_err(|e| e.to_string())
    };
    let text = text_sizes(&firmware(Firmware::Test)?)?;
    let peers_text = text_sizes(&firmware(Firmware::Bench)?)?;
    eprintln!("basalt-bench: building the size probe (bench/size-probe)");
    let size = basalt_bench::size::measure()?;
    let rustc = Command::new("rustc")
        .current_dir(repo_root())
        .arg("--version")
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "rustc".into());
    let figures = Figures {
        board,
        text,
        peers_text,
        size,
        compile,
        wasmtime_compile,
        settings: Settings {
            rustc,
            wasm_bytes: wasm.scalar.len(),
            simd_wasm_bytes: wasm.simd.len(),
        },
    };
    let chart = "bench/benchmarks.svg";
    let mut md = report::markdown(&figures, chart);
    md.push('\n');
    md.push_str(&basalt_bench::security::markdown(&security));
    let root = repo_root();
    std::fs::write(root.join(chart), report::svg(&figures.board))
        .map_err(|e| format!("cannot write {chart}: {e}"))?;
    std::fs::write(root.join("BENCHMARKS.md"), &md)
        .map_err(|e| format!("cannot write BENCHMARKS.md: {e}"))?;
    print!("{md}");
    Ok(())
}
