//! `cargo run --release -p basalt-bench -- kernels`: only the
//! kernels on native and Basalt (guard and explicit) plus Basalt's call
//! costs, under `-icount` as in the full run, printed as a table instead of
//! regenerating `BENCHMARKS.md`. For iterating on code generation: it skips
//! the other peers, the footprint and the compile-speed runs.

use crate::{
    compile_mode, line_values, KernelsWasm, CALLS_WAT, CALL_REPEAT, INSTRUCTIONS_PER_TICK, KERNELS,
};
use basalt_compiler::BoundsChecks;
use basalt_qemu::{Firmware, Job, RunOptions};
use std::fmt::Write;
use std::time::Duration;

/// Run the kernels on native, guard and explicit and return the table.
pub fn run(wasm: &KernelsWasm) -> Result<String, String> {
    let mut job = Job::empty();
    let a_guard = job.add_artifact(compile_mode(&wasm.scalar, BoundsChecks::Guard)?);
    let a_explicit = job.add_artifact(compile_mode(&wasm.scalar, BoundsChecks::Explicit)?);
    let a_calls = job.add_artifact(compile_mode(CALLS_WAT.as_bytes(), BoundsChecks::Guard)?);
    job.instantiate_required(a_guard, 0);
    job.instantiate_required(a_explicit, 1);
    job.command_line(&format!("bench-instantiate {a_calls} 3"));
    let l_calls = job.command_line(&format!("bench-calls 3 {CALL_REPEAT}"));
    let lines: Vec<[usize; 3]> = KERNELS
        .iter()
        .map(|k| {
            let (name, n) = (k.name, k.bench_n);
            [
                job.command_line(&format!("bench-native {name} {n}")),
                job.command_line(&format!("bench-call 0 {name} {n}")),
                job.command_line(&format!("bench-call 1 {name} {n}")),
            ]
        })
        .collect();
    let opts = RunOptions {
        icount: true,
        timeout: Duration::from_secs(3600),
        firmware: Firmware::Bench,
        ..RunOptions::default()
    };
    let report = job.run(&opts).map_err(|e| e.to_string())?;
    let mut out = String::from("| kernel | native | guard | explicit | guard/native | explicit/native |\n|---|--:|--:|--:|--:|--:|\n");
    let (mut log_g, mut log_e) = (0.0, 0.0);
    for (k, peer_lines) in KERNELS.iter().zip(&lines) {
        let mut figures = [0u64; 3];
        for (slot, &line) in figures.iter_mut().zip(peer_lines) {
            let v = line_values(&job, &report, line)?;
            *slot = v[1] * INSTRUCTIONS_PER_TICK;
        }
        let [native, guard, explicit] = figures.map(|f| f as f64);
        log_g += (guard / native).ln();
        log_e += (explicit / native).ln();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.2} | {:.2} |",
            k.name,
            figures[0],
            figures[1],
            figures[2],
            guard / native,
            explicit / native
        );
    }
    let n = KERNELS.len() as f64;
    let _ = writeln!(
        out,
        "| geometric mean | | | | {:.2} | {:.2} |",
        (log_g / n).exp(),
        (log_e / n).exp()
    );
    let c = line_values(&job, &report, l_calls)?;
    let per_call = |ticks: u64| (ticks * INSTRUCTIONS_PER_TICK) as f64 / f64::from(CALL_REPEAT);
    let _ = writeln!(
        out,
        "\ncalls (guard): host -> Wasm {:.0}, round trip {:.0}, Wasm -> host {:.0}",
        per_call(c[0]),
        per_call(c[1]),
        per_call(c[2].saturating_sub(c[3]))
    );
    Ok(out)
}
