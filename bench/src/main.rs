//! `cargo run --release -p basalt-bench`: build the kernels, run every peer
//! on the board under `-icount`, measure the footprint and compile speed,
//! and write `BENCHMARKS.md` and `bench/benchmarks.svg`.
//!
//! For a quick look at one part, printed and without touching
//! `BENCHMARKS.md`, name it: `cargo run --release -p basalt-bench -- PART`
//! with `kernels` (native, guard and explicit only, see `quick.rs`),
//! `calls` (the call-cost probes), `pool` (pooled instantiation) or `size`
//! (the runtime's code size, from `bench/size-probe`).

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
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("size") => {
            let size = basalt_bench::size::measure()?;
            println!(
                "runtime .text {} B ({:.1} KiB) = firmware {} - platform baseline {} - guest {}; \
                 with the board's Platform {} B ({:.1} KiB) = firmware - baseline {}; \
                 .rodata +{} B",
                size.runtime_text(),
                size.runtime_text() as f64 / 1024.0,
                size.firmware_text,
                size.platform_baseline_text,
                size.guest,
                size.runtime_and_platform_text(),
                size.runtime_and_platform_text() as f64 / 1024.0,
                size.baseline_text,
                size.runtime_rodata()
            );
            return Ok(());
        }
        Some("pool") => {
            let pool = basalt_bench::run_pool_board(Size::Bench)?;
            println!("{pool:#?}");
            return Ok(());
        }
        Some("calls") => return calls(),
        Some("kernels") => {
            let wasm = build_kernels()?;
            eprintln!("basalt-bench: kernels on native, guard and explicit only");
            println!("{}", basalt_bench::quick::run(&wasm)?);
            return Ok(());
        }
        Some(other) => {
            return Err(format!(
                "unknown part `{other}`: expected kernels, calls, pool or size (or nothing, for everything)"
            ))
        }
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
    eprintln!("basalt-bench: instantiating from a memory pool on the board");
    let pool = basalt_bench::run_pool_board(Size::Bench)?;
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
        pool,
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

/// `basalt-bench calls`: only the call-cost probes, printed,
/// BENCHMARKS.md untouched (a board run of a minute instead of ten).
fn calls() -> Result<(), String> {
    let (basalt, wasmtime) = basalt_bench::run_call_costs()?;
    let figures = [
        ("host -> Wasm", basalt.0, wasmtime.0),
        ("host -> Wasm -> host", basalt.1, wasmtime.1),
        ("Wasm -> host", basalt.2, wasmtime.2),
    ];
    println!(
        "{:<22} {:>8} {:>9}",
        "call (instructions)", "Basalt", "wasmtime"
    );
    for (what, b, w) in figures {
        println!("{what:<22} {b:>8.0} {w:>9.0}");
    }
    Ok(())
}
