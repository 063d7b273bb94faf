//! Every trap the translator raises, each followed by successful calls on
//! the same instance in the same job: the store keeps working and state
//! written before the trap (memory, globals) is still there.

use basalt_tests::*;
use Value::{I32, I64};

const TRAPPY: &str = r#"
(module
  (memory 1 1)
  (global $g (mut i32) (i32.const 0))
  ;; the "still alive" probe: reads memory and bumps a global
  (func (export "probe") (result i32 i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.load (i32.const 0)) (global.get $g))
  (func (export "poke") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "unreachable") (unreachable))
  ;; side effects before a trap stay
  (func (export "set_then_trap") (param i32)
    (i32.store (i32.const 8) (local.get 0))
    (global.set $g (i32.const 1000))
    (unreachable))
  (func (export "peek8") (result i32) (i32.load (i32.const 8)))
  (func $deep (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (call $deep (i32.sub (local.get 0) (i32.const 1))))
      (else (unreachable))))
  (func (export "trap_deep") (result i32) (call $deep (i32.const 50)))
  (func (export "i32.div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "i32.div_u") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "i32.rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "i32.rem_u") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "i64.div_s") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "i64.div_u") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "i64.rem_s") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "i64.rem_u") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
  (func (export "i32.trunc_f32_s") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "i32.trunc_f32_u") (param f32) (result i32) (i32.trunc_f32_u (local.get 0)))
  (func (export "i32.trunc_f64_s") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "i32.trunc_f64_u") (param f64) (result i32) (i32.trunc_f64_u (local.get 0)))
  (func (export "i64.trunc_f32_s") (param f32) (result i64) (i64.trunc_f32_s (local.get 0)))
  (func (export "i64.trunc_f32_u") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
  (func (export "i64.trunc_f64_s") (param f64) (result i64) (i64.trunc_f64_s (local.get 0)))
  (func (export "i64.trunc_f64_u") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))
)"#;

/// `(probe)` after `n` earlier probes, with `word` at address 0.
fn alive(word: i32, n: i32) -> Outcome {
    ok(&[I32(word), I32(n)])
}

#[test]
fn unreachable_and_division_traps_leave_the_instance_usable() {
    let w = 0x5eed_f00du32 as i32;
    check(
        TRAPPY,
        &[
            ("poke", &[I32(0), I32(w)], ok(&[])),
            ("unreachable", &[], trap(Trap::UnreachableCodeReached)),
            ("probe", &[], alive(w, 1)),
            (
                "set_then_trap",
                &[I32(77)],
                trap(Trap::UnreachableCodeReached),
            ),
            ("peek8", &[], ok(&[I32(77)])),
            // The global was set to 1000 before the trap.
            ("probe", &[], alive(w, 1001)),
            ("trap_deep", &[], trap(Trap::UnreachableCodeReached)),
            ("probe", &[], alive(w, 1002)),
            (
                "i32.div_s",
                &[I32(1), I32(0)],
                trap(Trap::IntegerDivisionByZero),
            ),
            ("probe", &[], alive(w, 1003)),
            (
                "i32.div_u",
                &[I32(-1), I32(0)],
                trap(Trap::IntegerDivisionByZero),
            ),
            ("i32.div_u", &[I32(-1), I32(2)], ok(&[I32(i32::MAX)])),
            (
                "i32.rem_s",
                &[I32(5), I32(0)],
                trap(Trap::IntegerDivisionByZero),
            ),
            ("i32.rem_s", &[I32(5), I32(-3)], ok(&[I32(2)])),
            (
                "i32.rem_u",
                &[I32(0), I32(0)],
                trap(Trap::IntegerDivisionByZero),
            ),
            ("i32.rem_u", &[I32(5), I32(3)], ok(&[I32(2)])),
            (
                "i64.div_s",
                &[I64(1), I64(0)],
                trap(Trap::IntegerDivisionByZero),
            ),
            (
                "i64.div_u",
                &[I64(1), I64(0)],
                trap(Trap::IntegerDivisionByZero),
            ),
            (
                "i64.rem_s",
                &[I64(i64::MIN), I64(0)],
                trap(Trap::IntegerDivisionByZero),
            ),
            (
                "i64.rem_u",
                &[I64(-1), I64(0)],
                trap(Trap::IntegerDivisionByZero),
            ),
            ("probe", &[], alive(w, 1004)),
            // Signed overflow traps in div_s, but rem_s of MIN by -1 is 0.
            (
                "i32.div_s",
                &[I32(i32::MIN), I32(-1)],
                trap(Trap::IntegerOverflow),
            ),
            ("i32.rem_s", &[I32(i32::MIN), I32(-1)], ok(&[I32(0)])),
            (
                "i64.div_s",
                &[I64(i64::MIN), I64(-1)],
                trap(Trap::IntegerOverflow),
            ),
            ("i64.rem_s", &[I64(i64::MIN), I64(-1)], ok(&[I64(0)])),
            ("i32.div_s", &[I32(i32::MIN), I32(1)], ok(&[I32(i32::MIN)])),
            ("probe", &[], alive(w, 1005)),
        ],
    );
}

#[test]
fn float_to_int_traps_overflow_and_nan() {
    let w = 0x0bad_cafe;
    let (f, d) = (f32v, f64v);
    let overflow = || trap(Trap::IntegerOverflow);
    let nan = || trap(Trap::BadConversionToInteger);
    check(
        TRAPPY,
        &[
            ("poke", &[I32(0), I32(w)], ok(&[])),
            // Out of range, just past each edge.
            ("i32.trunc_f32_s", &[f(2147483648.0)], overflow()),
            ("probe", &[], alive(w, 1)),
            ("i32.trunc_f32_s", &[f(-2147483904.0)], overflow()),
            ("i32.trunc_f32_u", &[f(4294967296.0)], overflow()),
            ("i32.trunc_f32_u", &[f(-1.0)], overflow()),
            ("i32.trunc_f64_s", &[d(2147483648.0)], overflow()),
            ("i32.trunc_f64_s", &[d(-2147483649.0)], overflow()),
            ("i32.trunc_f64_u", &[d(4294967296.0)], overflow()),
            ("i32.trunc_f64_u", &[d(-1.0)], overflow()),
            ("i64.trunc_f32_s", &[f(9223372036854775808.0)], overflow()),
            ("i64.trunc_f32_u", &[f(18446744073709551616.0)], overflow()),
            ("i64.trunc_f64_s", &[d(9223372036854775808.0)], overflow()),
            ("i64.trunc_f64_s", &[d(-9223372036854777856.0)], overflow()),
            ("i64.trunc_f64_u", &[d(18446744073709551616.0)], overflow()),
            ("i64.trunc_f64_u", &[d(-1.0)], overflow()),
            ("i32.trunc_f32_s", &[f(f32::INFINITY)], overflow()),
            ("i64.trunc_f64_u", &[d(f64::NEG_INFINITY)], overflow()),
            ("probe", &[], alive(w, 2)),
            // The in-range neighbours of those edges convert.
            ("i32.trunc_f64_s", &[d(-2147483648.9)], ok(&[I32(i32::MIN)])),
            ("i32.trunc_f64_u", &[d(-0.9)], ok(&[I32(0)])),
            (
                "i64.trunc_f64_s",
                &[d(-9223372036854775808.0)],
                ok(&[I64(i64::MIN)]),
            ),
            // NaN, of either sign and any payload.
            ("i32.trunc_f32_s", &[F32_NAN], nan()),
            ("i32.trunc_f32_u", &[Value::F32(0xffa0_0001)], nan()),
            ("i32.trunc_f64_s", &[F64_NAN], nan()),
            ("i32.trunc_f64_u", &[F64_NAN], nan()),
            ("i64.trunc_f32_s", &[F32_NAN], nan()),
            ("i64.trunc_f32_u", &[F32_NAN], nan()),
            (
                "i64.trunc_f64_s",
                &[Value::F64(0xfff8_0000_0000_0001)],
                nan(),
            ),
            ("i64.trunc_f64_u", &[F64_NAN], nan()),
            ("probe", &[], alive(w, 3)),
        ],
    );
}

const BOUNDS: &str = r#"
(module
  (memory 1 1)
  (data (i32.const 65528) "\01\02\03\04\05\06\07\08")
  (func (export "i32.load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "i32.load8_u") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "i32.load16_s") (param i32) (result i32) (i32.load16_s (local.get 0)))
  (func (export "i64.load") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "i64.load32_u") (param i32) (result i64) (i64.load32_u (local.get 0)))
  (func (export "f32.load") (param i32) (result f32) (f32.load (local.get 0)))
  (func (export "f64.load") (param i32) (result f64) (f64.load (local.get 0)))
  (func (export "i32.store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "i32.store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "i64.store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "i64.store16") (param i32 i64) (i64.store16 (local.get 0) (local.get 1)))
  (func (export "f64.store") (param i32 f64) (f64.store (local.get 0) (local.get 1)))
  ;; offset immediates that push the access past the end
  (func (export "load_off_65532") (param i32) (result i32) (i32.load offset=65532 (local.get 0)))
  (func (export "load8_off_65535") (param i32) (result i32) (i32.load8_u offset=65535 (local.get 0)))
  (func (export "store_off_65528") (param i32 i64) (i64.store offset=65528 (local.get 0) (local.get 1)))
  (func (export "load_off_max") (param i32) (result i32) (i32.load8_u offset=0xffffffff (local.get 0)))
  (func (export "store_off_max") (param i32) (i32.store offset=0xffffffff (local.get 0) (i32.const 1)))
)"#;

#[test]
fn out_of_bounds_accesses_trap_at_every_edge() {
    let oob = || trap(Trap::MemoryOutOfBounds);
    let tail = i64::from_le_bytes([1, 2, 3, 4, 5, 6, 7, 8]);
    check(
        BOUNDS,
        &[
            // Loads: last valid position OK, one past traps.
            ("i32.load8_u", &[I32(65535)], ok(&[I32(8)])),
            ("i32.load8_u", &[I32(65536)], oob()),
            ("i64.load", &[I32(65528)], ok(&[I64(tail)])),
            ("i32.load16_s", &[I32(65534)], ok(&[I32(0x0807)])),
            ("i32.load16_s", &[I32(65535)], oob()),
            ("i32.load", &[I32(65532)], ok(&[I32(0x0807_0605)])),
            ("i32.load", &[I32(65533)], oob()),
            ("i64.load", &[I32(65529)], oob()),
            ("i64.load32_u", &[I32(65532)], ok(&[I64(0x0807_0605)])),
            ("i64.load32_u", &[I32(65533)], oob()),
            ("f32.load", &[I32(65533)], oob()),
            ("f64.load", &[I32(65528)], ok(&[Value::F64(tail as u64)])),
            ("f64.load", &[I32(65529)], oob()),
            // Addresses that would wrap if computed in 32 bits.
            ("i32.load", &[I32(-1)], oob()),
            ("i32.load", &[I32(-4)], oob()),
            ("i64.load", &[I32(i32::MIN)], oob()),
            // Offset immediates.
            ("load_off_65532", &[I32(0)], ok(&[I32(0x0807_0605)])),
            ("load_off_65532", &[I32(1)], oob()),
            ("load8_off_65535", &[I32(0)], ok(&[I32(8)])),
            ("load8_off_65535", &[I32(1)], oob()),
            ("load8_off_65535", &[I32(-1)], oob()),
            ("load_off_max", &[I32(0)], oob()),
            ("load_off_max", &[I32(-1)], oob()),
            // Stores: one past traps and writes nothing (not even the part
            // that would fit).
            ("i32.store", &[I32(65533), I32(-1)], oob()),
            ("i64.load", &[I32(65528)], ok(&[I64(tail)])),
            ("i64.store", &[I32(65529), I64(-1)], oob()),
            ("i64.store16", &[I32(65535), I64(-1)], oob()),
            ("f64.store", &[I32(65529), f64v(1.0)], oob()),
            ("store_off_65528", &[I32(1), I64(-1)], oob()),
            ("store_off_max", &[I32(0)], oob()),
            ("i32.store8", &[I32(65536), I32(1)], oob()),
            ("i32.store", &[I32(-1), I32(1)], oob()),
            ("i64.load", &[I32(65528)], ok(&[I64(tail)])),
            // Last valid stores succeed.
            ("i32.store8", &[I32(65535), I32(0x99)], ok(&[])),
            ("i64.store16", &[I32(65534), I64(0x1234_aabb)], ok(&[])),
            ("i32.store", &[I32(65528), I32(0x0d0c_0b0a)], ok(&[])),
            (
                "i64.load",
                &[I32(65528)],
                ok(&[I64(0xaabb_0605_0d0c_0b0au64 as i64)]),
            ),
            ("store_off_65528", &[I32(0), I64(42)], ok(&[])),
            ("i64.load", &[I32(65528)], ok(&[I64(42)])),
            ("f64.store", &[I32(65528), f64v(-1.5)], ok(&[])),
            ("f64.load", &[I32(65528)], ok(&[f64v(-1.5)])),
        ],
    );
}

#[test]
fn stack_overflow_traps_and_the_stack_recovers() {
    check(
        r#"(module
          (memory 1)
          (func $down (param i64) (result i64)
            (i64.add (call $down (i64.add (local.get 0) (i64.const 1))) (i64.const 1)))
          (func (export "runaway") (result i64) (call $down (i64.const 0)))
          ;; a fatter frame: many live locals across the call
          (func $fat (param f64 f64 f64 f64 i64 i64 i64 i64) (result f64)
            (local f64 f64 f64 f64)
            (local.set 8 (f64.add (local.get 0) (local.get 1)))
            (local.set 9 (f64.add (local.get 2) (local.get 3)))
            (f64.add (f64.add (local.get 8) (local.get 9))
              (call $fat (local.get 1) (local.get 2) (local.get 3) (local.get 0)
                         (local.get 5) (local.get 6) (local.get 7) (local.get 4))))
          (func (export "runaway_fat") (result f64)
            (call $fat (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4)
                       (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4)))
          (func $depth (param i32) (result i32)
            (if (result i32) (local.get 0)
              (then (i32.add (i32.const 1) (call $depth (i32.sub (local.get 0) (i32.const 1)))))
              (else (i32.const 0))))
          (func (export "depth") (param i32) (result i32) (call $depth (local.get 0)))
          (func (export "store") (param i32) (i32.store (i32.const 0) (local.get 0)))
          (func (export "load") (result i32) (i32.load (i32.const 0))))"#,
        &[
            ("store", &[I32(0x7777)], ok(&[])),
            ("runaway", &[], trap(Trap::StackOverflow)),
            ("load", &[], ok(&[I32(0x7777)])),
            // Bounded recursion still works after the overflow.
            ("depth", &[I32(1000)], ok(&[I32(1000)])),
            ("runaway_fat", &[], trap(Trap::StackOverflow)),
            ("runaway", &[], trap(Trap::StackOverflow)),
            ("depth", &[I32(2000)], ok(&[I32(2000)])),
            ("load", &[], ok(&[I32(0x7777)])),
        ],
    );
}
