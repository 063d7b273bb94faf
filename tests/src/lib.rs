//! Helpers for the end-to-end tests: compile on the host, run on the board.

pub mod spec;
pub mod wasi;

pub use basalt::Trap;
pub use basalt_qemu::{Job, JobReport, Outcome, RunOptions, Value};

/// Compile `.wat` text with default options, panicking with the compiler's message.
pub fn compile(wat: &str) -> Vec<u8> {
    basalt_compiler::compile(wat.as_bytes(), &Default::default())
        .unwrap_or_else(|e| panic!("compile: {e}"))
}

/// Boot the board once with `wat` and the given calls; returns the report.
pub fn run(wat: &str, calls: &[(&str, &[Value])]) -> JobReport {
    let mut job = Job::new(compile(wat));
    for (name, args) in calls {
        job.invoke(name, args);
    }
    job.run(&RunOptions::default())
        .unwrap_or_else(|e| panic!("qemu: {e}"))
}

/// Shorthand for an `Outcome::Values`.
pub fn ok(vals: &[Value]) -> Outcome {
    Outcome::Values(vals.to_vec())
}

/// An `f32` argument or result, by its bits.
pub fn f32v(x: f32) -> Value {
    Value::F32(x.to_bits())
}

/// An `f64` argument or result, by its bits.
pub fn f64v(x: f64) -> Value {
    Value::F64(x.to_bits())
}

/// The canonical `f32` NaN; as an *expected* value it matches any NaN
/// (Wasm leaves the payload of a computed NaN nondeterministic). Any other
/// expected NaN bit pattern must match exactly.
pub const F32_NAN: Value = Value::F32(0x7fc0_0000);
/// The canonical `f64` NaN; as an expected value it matches any NaN.
pub const F64_NAN: Value = Value::F64(0x7ff8_0000_0000_0000);

fn val_matches(expected: &Value, got: &Value) -> bool {
    match (expected, got) {
        (&F32_NAN, Value::F32(g)) => f32::from_bits(*g).is_nan(),
        (&F64_NAN, Value::F64(g)) => f64::from_bits(*g).is_nan(),
        _ => expected == got,
    }
}

/// Whether `got` is `expected`: [`F32_NAN`]/[`F64_NAN`] match any NaN of
/// their type, every other value must match bit for bit.
pub fn outcome_matches(expected: &Outcome, got: &Outcome) -> bool {
    match (expected, got) {
        (Outcome::Values(e), Outcome::Values(g)) => {
            e.len() == g.len() && e.iter().zip(g).all(|(e, g)| val_matches(e, g))
        }
        _ => expected == got,
    }
}

/// One invoke and what it must give.
pub type Case<'a> = (&'a str, &'a [Value], Outcome);

/// Boot once with `wat`, run every case in order on the same instance and
/// assert each outcome (see [`outcome_matches`]) and a clean exit. Reports
/// every mismatch at once, with the console.
pub fn check(wat: &str, cases: &[Case<'_>]) -> JobReport {
    check_job(Job::new(compile(wat)), cases, &RunOptions::default())
}

/// [`check`] for a prepared job (artifacts instantiated, instance 0 the
/// one to call) run with `options`: other compile settings, pools, boards.
pub fn check_job(mut job: Job, cases: &[Case<'_>], options: &RunOptions) -> JobReport {
    let lines: Vec<usize> = cases
        .iter()
        .map(|(name, args, _)| job.invoke_on(0, name, args))
        .collect();
    let r = job.run(options).unwrap_or_else(|e| panic!("qemu: {e}"));
    assert_eq!(r.status, 0, "board exit status\n{}", r.console);
    let mut bad = String::new();
    for (i, ((name, args, want), line)) in cases.iter().zip(lines).enumerate() {
        let got = r.result(line);
        if !outcome_matches(want, got) {
            bad.push_str(&format!(
                "case {i}: {name}{args:?}: expected {want:?}, got {got:?}\n"
            ));
        }
    }
    assert!(bad.is_empty(), "{bad}--- console ---\n{}", r.console);
    r
}

/// Shorthand for an `Outcome::Trap`.
pub fn trap(t: Trap) -> Outcome {
    Outcome::Trap(t)
}

/// A module exporting one function per `(op, params, result)`, named after
/// the operator, whose body applies the operator to its parameters.
pub fn op_module(ops: &[(&str, &str, &str)]) -> String {
    let mut m = String::from("(module\n");
    for (op, params, result) in ops {
        let gets: String = (0..params.split_whitespace().count())
            .map(|i| format!(" (local.get {i})"))
            .collect();
        m.push_str(&format!(
            "  (func (export \"{op}\") (param {params}) (result {result}) ({op}{gets}))\n"
        ));
    }
    m.push(')');
    m
}
