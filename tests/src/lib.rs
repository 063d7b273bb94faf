//! Helpers for the end-to-end tests: compile on the host, run on the board.

pub use basalt::{Trap, Val};
pub use basalt_qemu::{Job, JobReport, Outcome, RunOptions};

/// Compile `.wat` text with default options, panicking with the compiler's message.
pub fn compile(wat: &str) -> Vec<u8> {
    basalt_compiler::compile(wat.as_bytes(), &Default::default())
        .unwrap_or_else(|e| panic!("compile: {e}"))
}

/// Boot the board once with `wat` and the given calls; returns the report.
pub fn run(wat: &str, calls: &[(&str, &[Val])]) -> JobReport {
    let mut job = Job::new(compile(wat));
    for (name, args) in calls {
        job.invoke(name, args);
    }
    job.run(&RunOptions::default())
        .unwrap_or_else(|e| panic!("qemu: {e}"))
}

/// Shorthand for an `Outcome::Values`.
pub fn ok(vals: &[Val]) -> Outcome {
    Outcome::Values(vals.to_vec())
}
