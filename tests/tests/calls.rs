//! Direct calls: recursion, mutual recursion, many mixed-type parameters
//! (past the argument registers) and many results.

use basalt_compiler::{compile as compile_with, BoundsChecks, CompileOptions};
use basalt_tests::*;
use Value::{F32, F64, I32, I64};

const CALLS: &str = r#"
(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $fact (export "fact") (param i64) (result i64)
    (if (result i64) (i64.le_s (local.get 0) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fact (i64.sub (local.get 0) (i64.const 1)))))))
  (func $even (export "even") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 1))
      (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))
  (func $odd (export "odd") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (call $even (i32.sub (local.get 0) (i32.const 1))))))
  ;; 12 mixed parameters: sum of p_k * (k + 1), in f64
  (func $mix12 (export "mix12")
    (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64) (result f64)
    (f64.add (f64.add (f64.add
      (f64.add (f64.add (f64.add
        (f64.mul (f64.convert_i32_s (local.get 0)) (f64.const 1))
        (f64.mul (f64.convert_i64_s (local.get 1)) (f64.const 2)))
        (f64.add (f64.mul (f64.promote_f32 (local.get 2)) (f64.const 3))
                 (f64.mul (local.get 3) (f64.const 4))))
        (f64.add (f64.mul (f64.convert_i32_s (local.get 4)) (f64.const 5))
                 (f64.mul (f64.convert_i64_s (local.get 5)) (f64.const 6))))
      (f64.add (f64.mul (f64.promote_f32 (local.get 6)) (f64.const 7))
               (f64.mul (local.get 7) (f64.const 8))))
      (f64.add (f64.mul (f64.convert_i32_s (local.get 8)) (f64.const 9))
               (f64.mul (f64.convert_i64_s (local.get 9)) (f64.const 10))))
      (f64.add (f64.mul (f64.promote_f32 (local.get 10)) (f64.const 11))
               (f64.mul (local.get 11) (f64.const 12)))))
  ;; 12 parameters back in reverse order: every argument and result slot
  (func (export "rev12")
    (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64)
    (result f64 f32 i64 i32 f64 f32 i64 i32 f64 f32 i64 i32)
    (local.get 11) (local.get 10) (local.get 9) (local.get 8)
    (local.get 7) (local.get 6) (local.get 5) (local.get 4)
    (local.get 3) (local.get 2) (local.get 1) (local.get 0))
  ;; Wasm-to-Wasm call with 20 parameters (stack-passed ones included)
  (func $weigh20 (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
                        f64 f64 f64 f64 f64 f64 f64 f64 f64 f64) (result i64)
    (local $i i32) (local $acc i64)
    (i64.add (i64.add (i64.add (i64.add (i64.add
      (i64.mul (local.get 0) (i64.const 1)) (i64.mul (local.get 1) (i64.const 2)))
      (i64.add (i64.mul (local.get 2) (i64.const 3)) (i64.mul (local.get 3) (i64.const 4))))
      (i64.add (i64.mul (local.get 4) (i64.const 5)) (i64.mul (local.get 5) (i64.const 6))))
      (i64.add (i64.mul (local.get 6) (i64.const 7)) (i64.mul (local.get 7) (i64.const 8))))
      (i64.add (i64.mul (local.get 8) (i64.const 9)) (i64.mul (local.get 9) (i64.const 10))))
    (i64.trunc_f64_s (f64.add (f64.add (f64.add (f64.add (f64.add
      (f64.mul (local.get 10) (f64.const 11)) (f64.mul (local.get 11) (f64.const 12)))
      (f64.add (f64.mul (local.get 12) (f64.const 13)) (f64.mul (local.get 13) (f64.const 14))))
      (f64.add (f64.mul (local.get 14) (f64.const 15)) (f64.mul (local.get 15) (f64.const 16))))
      (f64.add (f64.mul (local.get 16) (f64.const 17)) (f64.mul (local.get 17) (f64.const 18))))
      (f64.add (f64.mul (local.get 18) (f64.const 19)) (f64.mul (local.get 19) (f64.const 20)))))
    (i64.add))
  (func (export "call20") (param i64) (result i64)
    (call $weigh20
      (local.get 0) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
      (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9) (i64.const 10)
      (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4) (f64.const 5)
      (f64.const 6) (f64.const 7) (f64.const 8) (f64.const 9) (f64.convert_i64_s (local.get 0))))
  ;; the 12-parameter function called from Wasm too
  (func (export "call_mix12") (result f64)
    (call $mix12 (i32.const 1) (i64.const 2) (f32.const 3) (f64.const 4)
                 (i32.const 5) (i64.const 6) (f32.const 7) (f64.const 8)
                 (i32.const 9) (i64.const 10) (f32.const 11) (f64.const 12.5)))
)"#;

fn fib(n: i32) -> i32 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

#[test]
fn recursion_and_many_parameters() {
    // mix12 of (1, 2, 3.0, 4.0, ..., 12.5): all products and sums are exact.
    let mix = |p: [f64; 12]| -> f64 {
        p.iter()
            .enumerate()
            .map(|(k, v)| v * (k as f64 + 1.0))
            .sum()
    };
    let args12 = [
        I32(-1),
        I64(-2),
        f32v(0.5),
        f64v(0.25),
        I32(100),
        I64(1 << 40),
        f32v(-3.0),
        f64v(1e6),
        I32(i32::MIN),
        I64(-7),
        f32v(2.0),
        f64v(-0.125),
    ];
    let as_f64 = [
        -1.0,
        -2.0,
        0.5,
        0.25,
        100.0,
        (1u64 << 40) as f64,
        -3.0,
        1e6,
        i32::MIN as f64,
        -7.0,
        2.0,
        -0.125,
    ];
    let w20 = |x: i64| -> i64 {
        let ints: i64 = [x, 2, 3, 4, 5, 6, 7, 8, 9, 10]
            .iter()
            .enumerate()
            .map(|(k, v)| v * (k as i64 + 1))
            .sum();
        let floats: f64 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, x as f64]
            .iter()
            .enumerate()
            .map(|(k, v)| v * (k as f64 + 11.0))
            .sum();
        ints + floats as i64
    };
    check(
        CALLS,
        &[
            ("fib", &[I32(0)], ok(&[I32(0)])),
            ("fib", &[I32(1)], ok(&[I32(1)])),
            ("fib", &[I32(20)], ok(&[I32(fib(20))])),
            ("fact", &[I64(20)], ok(&[I64(2_432_902_008_176_640_000)])),
            (
                "fact",
                &[I64(21)],
                ok(&[I64((1..=21i64).fold(1i64, |a, b| a.wrapping_mul(b)))]),
            ),
            ("even", &[I32(1000)], ok(&[I32(1)])),
            ("odd", &[I32(1001)], ok(&[I32(1)])),
            ("even", &[I32(777)], ok(&[I32(0)])),
            ("mix12", &args12, ok(&[f64v(mix(as_f64))])),
            (
                "rev12",
                &args12,
                ok(&[
                    f64v(-0.125),
                    f32v(2.0),
                    I64(-7),
                    I32(i32::MIN),
                    f64v(1e6),
                    f32v(-3.0),
                    I64(1 << 40),
                    I32(100),
                    f64v(0.25),
                    f32v(0.5),
                    I64(-2),
                    I32(-1),
                ]),
            ),
            (
                "rev12",
                &[
                    I32(1),
                    I64(2),
                    F32(3),
                    F64(4),
                    I32(5),
                    I64(6),
                    F32(7),
                    F64(8),
                    I32(9),
                    I64(10),
                    F32(11),
                    F64(12),
                ],
                ok(&[
                    F64(12),
                    F32(11),
                    I64(10),
                    I32(9),
                    F64(8),
                    F32(7),
                    I64(6),
                    I32(5),
                    F64(4),
                    F32(3),
                    I64(2),
                    I32(1),
                ]),
            ),
            (
                "call_mix12",
                &[],
                ok(&[f64v(mix([
                    1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11., 12.5,
                ]))]),
            ),
            ("call20", &[I64(1)], ok(&[I64(w20(1))])),
            ("call20", &[I64(-1000)], ok(&[I64(w20(-1000))])),
        ],
    );
}

/// A host function called by Wasm of one store calls Wasm of a second,
/// never-entered store on the same stack (board/src/runner/two_stores_job.rs):
/// that store's endless recursion must trap as `call stack exhausted` (its
/// stack limit was set by the nested entry), and a normal call must return.
#[test]
fn a_host_function_enters_a_second_store() {
    let outer = r#"(module
      (import "host" "inner" (func $inner (result i32)))
      (func (export "run") (result i32) (call $inner)))"#;
    let inner = r#"(module
      (func $recurse (export "recurse") (call $recurse))
      (func (export "value") (result i32) (i32.const 42)))"#;
    let mut job = Job::empty();
    let a = job.add_artifact(compile(outer));
    let b = job.add_artifact(compile(inner));
    let line = job.command_line(&format!("two-stores {a} {b}"));
    let report = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(
        report.result(line),
        &Outcome::Values(vec![I32(1042)]),
        "{}",
        report.console
    );
}

/// Typed host functions (`Func::wrap` closures, entered through slots read
/// straight into their arguments) get every value kind and return several
/// results in order (the `host` functions of board/src/runner/job.rs).
#[test]
fn typed_host_functions_pass_every_value_kind() {
    let wat = r#"(module
      (import "host" "mix" (func $mix (param i32 i64 f32 f64) (result f64 f32 i64 i32)))
      (import "host" "unsigned" (func $unsigned (param i32 i64) (result i64)))
      (import "host" "not128" (func $not128 (param v128) (result v128)))
      (func (export "mix") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
        (call $mix (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
      (func (export "unsigned") (param i32 i64) (result i64)
        (call $unsigned (local.get 0) (local.get 1)))
      (func (export "not128") (param v128) (result v128)
        (call $not128 (local.get 0))))"#;
    let v = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210_u128;
    check(
        wat,
        &[
            (
                "mix",
                &[I32(-7), I64(1 << 40), f32v(1.5), f64v(-0.25)],
                ok(&[f64v(-0.5), f32v(3.0), I64(3 << 40), I32(-6)]),
            ),
            ("unsigned", &[I32(-1), I64(1)], ok(&[I64(0x1_0000_0000)])),
            ("not128", &[Value::V128(v)], ok(&[Value::V128(!v)])),
        ],
    );
}

/// A call followed by `unreachable` (it never returns: Rust's panics) passes
/// its arguments through a stack slot, an `i32` constant as the `i64`
/// constant of its bits (`compiler/src/translate/calls.rs`, `spill`). The
/// callee writes what it received to memory, the caller then traps, and the
/// memory shows every value intact: constants of each type (negative ones
/// too), computed values, a `v128`, and more arguments than registers.
#[test]
fn calls_that_never_return_pass_their_arguments_intact() {
    let wat = r#"(module
      (memory 1)
      (func $sink (param i32 i32 i64 i64 f32 f64 v128 i32 i32 i32 i32 i32 i32 i32 i32)
        (i32.store (i32.const 0) (local.get 0))
        (i32.store (i32.const 4) (local.get 1))
        (i64.store (i32.const 8) (local.get 2))
        (i64.store (i32.const 16) (local.get 3))
        (f32.store (i32.const 24) (local.get 4))
        (f64.store (i32.const 32) (local.get 5))
        (v128.store (i32.const 48) (local.get 6))
        (i32.store (i32.const 64) (i32.add (i32.add (i32.add (local.get 7) (local.get 8))
          (i32.add (local.get 9) (local.get 10)))
          (i32.add (i32.add (local.get 11) (local.get 12))
            (i32.add (local.get 13) (local.get 14))))))
      (func (export "panic") (param $x i32) (param $y i64)
        (if (i32.lt_u (local.get $x) (i32.const 16)) (then return))
        (call $sink (i32.const -7) (local.get $x) (i64.const -9) (local.get $y)
          (f32.const -1.5) (f64.const 2.25) (v128.const i32x4 1 -2 3 -4)
          (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
          (i32.const 5) (i32.const 6) (i32.const 7) (local.get $x))
        unreachable)
      (func (export "i32") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "i64") (param i32) (result i64) (i64.load (local.get 0)))
      (func (export "f32") (param i32) (result f32) (f32.load (local.get 0)))
      (func (export "f64") (param i32) (result f64) (f64.load (local.get 0))))"#;
    let unreachable = trap(Trap::UnreachableCodeReached);
    let cases: Vec<Case> = vec![
        ("panic", &[I32(3), I64(5)], ok(&[])),
        ("i32", &[I32(0)], ok(&[I32(0)])),
        ("panic", &[I32(1000), I64(-123_456_789_012)], unreachable),
        ("i32", &[I32(0)], ok(&[I32(-7)])),
        ("i32", &[I32(4)], ok(&[I32(1000)])),
        ("i64", &[I32(8)], ok(&[I64(-9)])),
        ("i64", &[I32(16)], ok(&[I64(-123_456_789_012)])),
        ("f32", &[I32(24)], ok(&[f32v(-1.5)])),
        ("f64", &[I32(32)], ok(&[f64v(2.25)])),
        ("i32", &[I32(48)], ok(&[I32(1)])),
        ("i32", &[I32(52)], ok(&[I32(-2)])),
        ("i32", &[I32(56)], ok(&[I32(3)])),
        ("i32", &[I32(60)], ok(&[I32(-4)])),
        (
            "i32",
            &[I32(64)],
            ok(&[I32(1 + 2 + 3 + 4 + 5 + 6 + 7 + 1000)]),
        ),
    ];
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let mut options = CompileOptions::default();
        options.settings.bounds_checks = mode;
        let bytes = compile_with(wat.as_bytes(), &options).expect("compiles");
        check_job(Job::new(bytes), &cases, &RunOptions::default());
    }
}
