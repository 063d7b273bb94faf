//! The sampling profiler on the board: samples from the timer interrupt,
//! mapped to Wasm functions, repeatable under -icount.

use basalt_tests::*;

/// `hot` loops nine times as long as `cold`; both are called from `main`.
const HOT_AND_COLD: &str = r#"
(module
  (func $hot (param $n i32) (result i32)
    (local $acc i32)
    (local.set $n (i32.mul (local.get $n) (i32.const 9)))
    (loop $l
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $acc))
  (func $cold (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $acc))
  (func $main (export "main") (param $n i32) (result i32)
    (i32.add (call $cold (local.get $n)) (call $hot (local.get $n)))))
"#;

fn profile_once() -> Vec<(String, u64)> {
    let mut job = Job::new(compile(HOT_AND_COLD));
    job.profile_start(50);
    job.invoke("main", &[Value::I32(100_000)]);
    let report_line = job.profile_report();
    let report = job
        .run(&RunOptions {
            icount: true,
            ..RunOptions::default()
        })
        .expect("qemu");
    assert!(
        matches!(report.outcomes[0], Outcome::Values(_)),
        "{}",
        report.console
    );
    assert_eq!(report.result(report_line), &ok(&[]), "{}", report.console);
    assert_eq!(report.profile_dropped, 0);
    report.profile
}

#[test]
fn hot_function_comes_first_and_runs_repeat_exactly() {
    let profile = profile_once();
    let count = |stack: &str| {
        profile
            .iter()
            .find(|(s, _)| s == stack)
            .map_or(0, |(_, n)| *n)
    };
    let (hot, cold) = (count("main;hot"), count("main;cold"));
    let total: u64 = profile.iter().map(|(_, n)| n).sum();
    // 1M loop iterations of a few instructions, one sample per 50 000
    // instructions: dozens of samples, about nine hot to one cold.
    assert!(cold > 0 && hot > 5 * cold, "{profile:?}");
    assert!(hot + cold >= total * 9 / 10, "{profile:?}");
    let mut ranked = profile.clone();
    ranked.sort_by_key(|s| std::cmp::Reverse(s.1));
    assert_eq!(ranked[0].0, "main;hot");
    // Under -icount the timer interrupts the same instructions every run.
    assert_eq!(profile_once(), profile);
}
