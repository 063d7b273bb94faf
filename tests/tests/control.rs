//! Structured control flow: block/loop/if with values and multi-value
//! params/results, br/br_if/br_table, return, select, drop, and code after
//! an unconditional branch.

use basalt_tests::*;
use Value::{F32, F64, I32, I64};

const CONTROL: &str = r#"
(module
  (type $pair (func (param i32 i32) (result i32 i32)))
  (type $i_to_i (func (param i32) (result i32)))
  ;; block with a value; br carries the value out of two levels
  (func (export "block_value") (param i32) (result i32)
    (block $outer (result i32)
      (block $inner (result i32)
        (br_if $outer (i32.const 100) (i32.eqz (local.get 0)))
        (br $inner (i32.const 7)))
      (i32.add (i32.const 1))))
  ;; br_if leaves its value on the stack when not taken
  (func (export "br_if_fallthrough") (param i32) (result i32)
    (block (result i32)
      (br_if 0 (i32.const 5) (local.get 0))
      (i32.const 10)
      (i32.mul)))
  ;; loop: sum 1..n
  (func (export "sum_to") (param i32) (result i32) (local $acc i32)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get 0)))
        (local.set $acc (i32.add (local.get $acc) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $top)))
    (local.get $acc))
  ;; loop with a parameter and a result: n! as i64
  (func (export "loop_fact") (param i64) (result i64)
    (i64.const 1)
    (loop $l (param i64) (result i64)
      (i64.mul (local.get 0))
      (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
      (br_if $l (i64.gt_s (local.get 0) (i64.const 0)))))
  ;; if/else with a result, nested
  (func (export "sign") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 0))
      (then (i32.const -1))
      (else (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 0))))))
  ;; if without else and without result, mutating a local
  (func (export "abs") (param i32) (result i32)
    (if (i32.lt_s (local.get 0) (i32.const 0))
      (then (local.set 0 (i32.sub (i32.const 0) (local.get 0)))))
    (local.get 0))
  ;; multi-value block with params: swap two values, then subtract
  (func (export "swap_sub") (param i32 i32) (result i32)
    (local.get 0) (local.get 1)
    (block (type $pair) (param i32 i32) (result i32 i32)
      (local.set 0) (local.set 1) (local.get 0) (local.get 1))
    (i32.sub))
  ;; if with params and two results
  (func (export "if_params") (param i32 i32 i32) (result i32 i32)
    (local.get 0) (local.get 1)
    (if (type $pair) (param i32 i32) (result i32 i32) (local.get 2)
      (then (i32.add) (i32.const 1))
      (else (i32.sub) (i32.const 0))))
  ;; br out of a multi-value block from inside a nested block
  (func (export "br_multi") (param i32) (result i64 f64)
    (block $b (result i64 f64)
      (block
        (br_if $b (i64.const 1) (f64.const 1.5) (local.get 0))
        (drop) (drop))
      (i64.const 2) (f64.const -2.5)))
  ;; br_table: 0,1,2 pick a branch; anything else (incl. huge) is the default
  (func (export "table") (param i32) (result i32)
    (block $default
      (block $two
        (block $one
          (block $zero
            (br_table $zero $one $two $default (local.get 0)))
          (return (i32.const 100)))
        (return (i32.const 101)))
      (return (i32.const 102)))
    (i32.const 999))
  ;; br_table carrying a value to the chosen block
  (func (export "table_value") (param i32) (result i32)
    (block $a (result i32)
      (block $b (result i32)
        (block $c (result i32)
          (br_table $a $b $c $b (i32.mul (local.get 0) (i32.const 10)) (local.get 0)))
        (return (i32.add (i32.const 3))))
      (return (i32.add (i32.const 2))))
    (i32.add (i32.const 1)))
  ;; return from deep inside loops and blocks
  (func (export "first_multiple") (param i32 i32) (result i32) (local $i i32)
    (local.set $i (i32.const 1))
    (loop $l
      (block
        (br_if 0 (i32.rem_u (local.get $i) (local.get 0)))
        (if (i32.gt_u (local.get $i) (local.get 1)) (then (return (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))
    (unreachable))
  ;; code after br/return is dead and must still compile (nested frames)
  (func (export "dead_code") (param i32) (result i32)
    (block (result i32)
      (br 0 (local.get 0))
      (block (loop (br 0)))
      (if (result i32) (i32.const 1) (then (i32.const 1)) (else (unreachable)))
      (drop)
      (i32.const 99))
    (return)
    (i32.const 77))
  ;; select on every value type; drop discards
  (func (export "select_i32") (param i32 i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select_i64") (param i64 i64 i32) (result i64)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select_f32") (param f32 f32 i32) (result f32)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select_f64") (param f64 f64 i32) (result f64)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "drop") (param i32) (result i32)
    (drop (i32.const 5)) (drop (f64.const 1)) (local.get 0))
  ;; a function returning several values of every type
  (func (export "multi") (param i32) (result i32 i64 f32 f64)
    (local.get 0)
    (i64.extend_i32_s (local.get 0))
    (f32.convert_i32_s (local.get 0))
    (f64.convert_i32_s (i32.mul (local.get 0) (i32.const 2))))
  ;; and a caller that consumes them
  (func $swap (param i32 i64) (result i64 i32) (local.get 1) (local.get 0))
  (func (export "call_multi") (param i32 i64) (result i64)
    (call $swap (local.get 0) (local.get 1))
    (i64.extend_i32_u)
    (i64.sub))
)"#;

#[test]
fn blocks_loops_ifs_and_branches() {
    check(
        CONTROL,
        &[
            ("block_value", &[I32(0)], ok(&[I32(100)])),
            ("block_value", &[I32(1)], ok(&[I32(8)])),
            ("br_if_fallthrough", &[I32(1)], ok(&[I32(5)])),
            ("br_if_fallthrough", &[I32(0)], ok(&[I32(50)])),
            ("sum_to", &[I32(100)], ok(&[I32(5050)])),
            ("sum_to", &[I32(0)], ok(&[I32(0)])),
            ("loop_fact", &[I64(20)], ok(&[I64((1..=20i64).product())])),
            ("loop_fact", &[I64(1)], ok(&[I64(1)])),
            ("sign", &[I32(-5)], ok(&[I32(-1)])),
            ("sign", &[I32(0)], ok(&[I32(0)])),
            ("sign", &[I32(9)], ok(&[I32(1)])),
            ("abs", &[I32(-42)], ok(&[I32(42)])),
            ("abs", &[I32(42)], ok(&[I32(42)])),
            ("abs", &[I32(i32::MIN)], ok(&[I32(i32::MIN)])),
            ("swap_sub", &[I32(10), I32(3)], ok(&[I32(3 - 10)])),
            (
                "if_params",
                &[I32(10), I32(3), I32(1)],
                ok(&[I32(13), I32(1)]),
            ),
            (
                "if_params",
                &[I32(10), I32(3), I32(0)],
                ok(&[I32(7), I32(0)]),
            ),
            ("br_multi", &[I32(1)], ok(&[I64(1), f64v(1.5)])),
            ("br_multi", &[I32(0)], ok(&[I64(2), f64v(-2.5)])),
            ("table", &[I32(0)], ok(&[I32(100)])),
            ("table", &[I32(1)], ok(&[I32(101)])),
            ("table", &[I32(2)], ok(&[I32(102)])),
            ("table", &[I32(3)], ok(&[I32(999)])),
            ("table", &[I32(-1)], ok(&[I32(999)])),
            ("table", &[I32(0x7fff_ffff)], ok(&[I32(999)])),
            ("table_value", &[I32(0)], ok(&[I32(1)])),
            ("table_value", &[I32(1)], ok(&[I32(12)])),
            ("table_value", &[I32(2)], ok(&[I32(23)])),
            ("table_value", &[I32(3)], ok(&[I32(32)])),
            ("table_value", &[I32(77)], ok(&[I32(772)])),
            ("first_multiple", &[I32(7), I32(50)], ok(&[I32(56)])),
            ("first_multiple", &[I32(1), I32(0)], ok(&[I32(1)])),
            ("dead_code", &[I32(5)], ok(&[I32(5)])),
        ],
    );
}

#[test]
fn select_drop_and_multi_value_returns() {
    check(
        CONTROL,
        &[
            ("select_i32", &[I32(1), I32(2), I32(1)], ok(&[I32(1)])),
            ("select_i32", &[I32(1), I32(2), I32(0)], ok(&[I32(2)])),
            ("select_i32", &[I32(1), I32(2), I32(-256)], ok(&[I32(1)])),
            (
                "select_i64",
                &[I64(-1), I64(i64::MAX), I32(0)],
                ok(&[I64(i64::MAX)]),
            ),
            (
                "select_i64",
                &[I64(-1), I64(i64::MAX), I32(7)],
                ok(&[I64(-1)]),
            ),
            (
                "select_f32",
                &[f32v(1.5), f32v(-0.0), I32(0)],
                ok(&[f32v(-0.0)]),
            ),
            (
                "select_f32",
                &[F32(0x7fa0_0001), f32v(2.0), I32(1)],
                ok(&[F32(0x7fa0_0001)]),
            ),
            (
                "select_f64",
                &[f64v(1.5), f64v(-0.0), I32(1)],
                ok(&[f64v(1.5)]),
            ),
            (
                "select_f64",
                &[f64v(1.5), F64(0x7ff0_0000_0000_0001), I32(0)],
                ok(&[F64(0x7ff0_0000_0000_0001)]),
            ),
            ("drop", &[I32(3)], ok(&[I32(3)])),
            (
                "multi",
                &[I32(-3)],
                ok(&[I32(-3), I64(-3), f32v(-3.0), f64v(-6.0)]),
            ),
            (
                "multi",
                &[I32(i32::MAX)],
                ok(&[
                    I32(i32::MAX),
                    I64(i32::MAX as i64),
                    f32v(i32::MAX as f32),
                    f64v(i32::MAX.wrapping_mul(2) as f64),
                ]),
            ),
            (
                "call_multi",
                &[I32(-1), I64(1 << 40)],
                ok(&[I64((1i64 << 40) - 0xffff_ffff)]),
            ),
        ],
    );
}

#[test]
fn locals_start_at_zero_and_tee() {
    check(
        r#"(module
          (func (export "zeros") (result i32 i64 f32 f64)
            (local i32 i64 f32 f64)
            (local.get 0) (local.get 1) (local.get 2) (local.get 3))
          ;; locals are zero on every call, even after a call that set them
          (func (export "set_then_read") (param i32) (result i32) (local $x i32)
            (i32.add (local.get $x) (local.tee $x (local.get 0))))
          (func (export "tee_chain") (param i64) (result i64) (local i64 i64)
            (i64.add (local.tee 1 (local.tee 2 (i64.mul (local.get 0) (i64.const 3))))
                     (local.get 2))))"#,
        &[
            ("zeros", &[], ok(&[I32(0), I64(0), f32v(0.0), f64v(0.0)])),
            ("set_then_read", &[I32(5)], ok(&[I32(5)])),
            ("set_then_read", &[I32(7)], ok(&[I32(7)])),
            ("tee_chain", &[I64(7)], ok(&[I64(42)])),
            ("zeros", &[], ok(&[I32(0), I64(0), f32v(0.0), f64v(0.0)])),
        ],
    );
}

#[test]
fn globals_keep_state_across_invokes() {
    check(
        r#"(module
          (global $count (mut i32) (i32.const 0))
          (global $big (mut i64) (i64.const 0x7fffffffffffffff))
          (global $acc (mut f64) (f64.const -0.5))
          (global $k f32 (f32.const 2.5))
          (global $fl (mut f32) (f32.const -1))
          (global $neg i32 (i32.const -5))
          (global $kk i64 (i64.const -9))
          (func (export "bump") (result i32)
            (global.set $count (i32.add (global.get $count) (i32.const 1)))
            (global.get $count))
          (func (export "big_add") (param i64) (result i64)
            (global.set $big (i64.add (global.get $big) (local.get 0)))
            (global.get $big))
          (func (export "acc") (param f64) (result f64)
            (global.set $acc (f64.add (global.get $acc) (local.get 0)))
            (global.get $acc))
          (func (export "consts") (result f32 i64 i32) (global.get $k) (global.get $kk) (global.get $neg))
          (func (export "fl") (param f32) (result f32)
            (global.set $fl (f32.mul (global.get $fl) (local.get 0)))
            (global.get $fl)))"#,
        &[
            ("bump", &[], ok(&[I32(1)])),
            ("bump", &[], ok(&[I32(2)])),
            ("big_add", &[I64(1)], ok(&[I64(i64::MIN)])),
            ("acc", &[f64v(0.25)], ok(&[f64v(-0.25)])),
            ("acc", &[f64v(1e100)], ok(&[f64v(-0.25 + 1e100)])),
            ("big_add", &[I64(5)], ok(&[I64(i64::MIN + 5)])),
            ("bump", &[], ok(&[I32(3)])),
            ("consts", &[], ok(&[f32v(2.5), I64(-9), I32(-5)])),
            ("fl", &[f32v(3.0)], ok(&[f32v(-3.0)])),
            ("fl", &[f32v(0.5)], ok(&[f32v(-1.5)])),
            ("big_add", &[I64(0)], ok(&[I64(i64::MIN + 5)])),
        ],
    );
}

#[test]
fn branches_to_loops_with_params_and_wasm_side_multi_results() {
    check(
        r#"(module
          (type $i (func (param i32) (result i32)))
          ;; br_if back to a loop that takes a parameter: count down by 3
          (func (export "loop_br_if") (param i32) (result i32) (local $steps i32)
            (local.get 0)
            (loop $l (param i32) (result i32)
              (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
              (i32.sub (i32.const 3))
              (local.set 0)
              (br_if $l (local.get 0) (i32.gt_s (local.get 0) (i32.const 0)))
              (drop)
              (i32.add (i32.mul (local.get $steps) (i32.const 1000)) (local.get 0))))
          ;; br_table that jumps back to a loop with a value, or out of it
          (func (export "loop_table") (param i32) (result i32) (local $acc i32)
            (block $out (result i32)
              (local.get 0)
              (loop $l (param i32) (result i32)
                (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
                (local.set 0)
                (i32.sub (local.get 0) (i32.const 1))
                (br_table $l $out (i32.le_s (local.get 0) (i32.const 1)))))
            (drop)
            (local.get $acc))
          ;; if/else where one arm branches out of the function
          (func (export "early") (param i32) (result i32)
            (if (local.get 0) (then (return (i32.const 11))) (else (nop)))
            (block (result i32)
              (if (result i32) (i32.const 0) (then (br 1 (i32.const 5))) (else (i32.const 6)))))
          ;; an if with params and no else passes its params through
          (func (export "if_no_else") (param i32 i32) (result i32)
            (local.get 0)
            (if (type $i) (param i32) (result i32) (local.get 1)
              (then (i32.mul (i32.const 10))))
            (i32.add (i32.const 1)))
          ;; 12 results returned to a Wasm caller (more than fit in registers)
          (func $twelve (param i64) (result i64 i64 i64 i64 i64 i64 f64 f64 f64 f64 f64 f64)
            (local.get 0) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6)
            (f64.const 7) (f64.const 8) (f64.const 9) (f64.const 10) (f64.const 11)
            (f64.convert_i64_s (local.get 0)))
          (func (export "sum_twelve") (param i64) (result i64)
            (local f64 f64 f64 f64 f64 f64 i64)
            (call $twelve (local.get 0))
            (local.set 1) (local.set 2) (local.set 3) (local.set 4) (local.set 5) (local.set 6)
            ;; weight each integer result by its position
            (i64.mul (i64.const 6)) (local.set 7)
            (i64.mul (i64.const 5)) (local.get 7) (i64.add) (local.set 7)
            (i64.mul (i64.const 4)) (local.get 7) (i64.add) (local.set 7)
            (i64.mul (i64.const 3)) (local.get 7) (i64.add) (local.set 7)
            (i64.mul (i64.const 2)) (local.get 7) (i64.add) (local.set 7)
            (local.get 7) (i64.add)
            (i64.trunc_f64_s
              (f64.add (f64.mul (local.get 6) (f64.const 7))
              (f64.add (f64.mul (local.get 5) (f64.const 8))
              (f64.add (f64.mul (local.get 4) (f64.const 9))
              (f64.add (f64.mul (local.get 3) (f64.const 10))
              (f64.add (f64.mul (local.get 2) (f64.const 11))
                       (f64.mul (local.get 1) (f64.const 12))))))))
            (i64.add)))"#,
        &[
            // 10 → 7 → 4 → 1 → -2: four steps, ends at -2.
            ("loop_br_if", &[I32(10)], ok(&[I32(4 * 1000 - 2)])),
            ("loop_br_if", &[I32(0)], ok(&[I32(1000 - 3)])),
            // The body runs with 5, 4, 3, 2, 1 and leaves after 1.
            ("loop_table", &[I32(5)], ok(&[I32(5)])),
            ("loop_table", &[I32(-7)], ok(&[I32(1)])),
            ("early", &[I32(1)], ok(&[I32(11)])),
            ("early", &[I32(0)], ok(&[I32(6)])),
            ("if_no_else", &[I32(4), I32(1)], ok(&[I32(41)])),
            ("if_no_else", &[I32(4), I32(0)], ok(&[I32(5)])),
            (
                "sum_twelve",
                &[I64(100)],
                ok(&[I64((100 + 2 * 2 + 3 * 3 + 4 * 4 + 5 * 5 + 6 * 6)
                    + (7 * 7 + 8 * 8 + 9 * 9 + 10 * 10 + 11 * 11 + 12 * 100))]),
            ),
        ],
    );
}
