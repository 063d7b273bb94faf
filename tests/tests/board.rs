//! The board's job runner itself: the layout self-check, W^X on loaded
//! code, refused invokes that do not stop the script, and the driver's
//! timeout for a guest that never returns.

use basalt_qemu::QemuError;
use basalt_tests::*;
use std::time::Duration;
use Value::{F64, I32, I64};

const SIMPLE: &str = r#"(module
  (memory 1)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "mixed") (param i64 f64) (result f64)
    (f64.add (f64.convert_i64_s (local.get 0)) (local.get 1)))
  (export "mem" (memory 0))
  (func (export "spin") (loop (br 0))))"#;

#[test]
fn layout_check_reports_every_fact() {
    let mut job = Job::new(compile(SIMPLE));
    job.invoke("add", &[I32(1), I32(2)]);
    job.check_layout();
    job.invoke("add", &[I32(3), I32(4)]);
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(r.status, 0, "{}", r.console);
    let n = basalt::vm::LAYOUT_FACTS.len();
    assert!(n > 10);
    assert!(
        r.console.lines().any(|l| l == format!("layout ok {n}")),
        "{}",
        r.console
    );
    assert!(!r.console.contains("layout mismatch"), "{}", r.console);
    assert_eq!(r.outcomes, vec![ok(&[I32(3)]), ok(&[I32(7)])]);
}

#[test]
fn writing_to_loaded_code_crashes_the_board() {
    let mut job = Job::new(compile(SIMPLE));
    job.invoke("add", &[I32(20), I32(22)]);
    job.poke_code();
    job.invoke("add", &[I32(1), I32(1)]);
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(r.status, 101, "{}", r.console);
    assert!(r.console.contains("poke-code: writing to"), "{}", r.console);
    assert!(r.console.contains("crash: data abort"), "{}", r.console);
    assert!(!r.console.contains("write succeeded"), "{}", r.console);
    // The invoke before ran; the one after never did.
    assert_eq!(r.outcomes, vec![ok(&[I32(42)]), Outcome::Missing]);
}

#[test]
fn refused_invokes_report_errors_and_the_script_goes_on() {
    let mut job = Job::new(compile(SIMPLE));
    job.invoke("nope", &[]);
    job.invoke("add", &[I32(1), I32(2)]);
    job.invoke("mem", &[]);
    job.invoke("add", &[I32(1)]);
    job.invoke("add", &[I32(1), I32(2), I32(3)]);
    job.invoke("add", &[I32(1), I64(2)]);
    job.invoke("mixed", &[F64(0), I64(1)]);
    job.invoke("ADD", &[I32(1), I32(2)]);
    job.invoke("mixed", &[I64(-3), f64v(0.5)]);
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(r.status, 0, "{}", r.console);
    let err = |s: &str| Outcome::Error(s.to_string());
    assert_eq!(
        r.outcomes,
        vec![
            err("unknown export \"nope\""),
            ok(&[I32(3)]),
            // A memory export is not a function.
            err("unknown export \"mem\""),
            err("wrong number of arguments: expected 2, given 1"),
            err("wrong number of arguments: expected 2, given 3"),
            err("argument 1 has type i64, expected i32"),
            err("argument 0 has type f64, expected i64"),
            // Names are case-sensitive.
            err("unknown export \"ADD\""),
            ok(&[f64v(-2.5)]),
        ],
        "{}",
        r.console
    );
}

#[test]
fn an_infinite_loop_hits_the_driver_timeout() {
    let mut job = Job::new(compile(SIMPLE));
    job.invoke("add", &[I32(5), I32(6)]);
    job.invoke("spin", &[]);
    job.invoke("add", &[I32(1), I32(1)]);
    let opts = RunOptions {
        timeout: Duration::from_secs(3),
        ..RunOptions::default()
    };
    let start = std::time::Instant::now();
    match job.run(&opts) {
        Err(QemuError::Timeout { after, console }) => {
            assert_eq!(after, Duration::from_secs(3));
            // The invoke before the loop completed; nothing after it did.
            let r = job.report(-1, console);
            assert_eq!(
                r.outcomes,
                vec![ok(&[I32(11)]), Outcome::Missing, Outcome::Missing],
                "{}",
                r.console
            );
        }
        Err(e) => panic!("expected a timeout, got {e}"),
        Ok(r) => panic!(
            "expected a timeout, got status {}:\n{}",
            r.status, r.console
        ),
    }
    let took = start.elapsed();
    assert!(took >= Duration::from_secs(3), "{took:?}");
    assert!(took < Duration::from_secs(30), "{took:?}");
}
