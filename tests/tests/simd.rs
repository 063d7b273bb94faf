//! `v128` values through everything that carries values: parameters and
//! results of the host's calls (array-call trampolines), direct and
//! indirect calls (incl. more vector arguments than registers and several
//! vector results), block parameters, `select`, locals and globals; and
//! the SIMD dot-product example against its scalar version.

use basalt_tests::{check, ok, Value};

const LANES: u128 = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100;

#[test]
fn v128_flows_through_calls_blocks_and_globals() {
    let wat = r#"(module
      (type $vv (func (param v128 v128) (result v128 v128)))
      (table funcref (elem $swap))
      (global $g (mut v128) (v128.const i64x2 -1 7))
      (func $swap (type $vv) (local.get 1) (local.get 0))
      ;; Ten vector arguments: the last two go on the stack.
      (func $sum10 (param v128 v128 v128 v128 v128 v128 v128 v128 v128 v128) (result v128)
        (i8x16.add (local.get 0) (i8x16.add (local.get 1) (i8x16.add (local.get 2)
        (i8x16.add (local.get 3) (i8x16.add (local.get 4) (i8x16.add (local.get 5)
        (i8x16.add (local.get 6) (i8x16.add (local.get 7)
        (i8x16.add (local.get 8) (local.get 9)))))))))))
      (func (export "id") (param v128) (result v128) (local.get 0))
      (func (export "swap") (param v128 v128) (result v128 v128)
        (call_indirect (type $vv) (local.get 0) (local.get 1) (i32.const 0)))
      (func (export "sum10") (param v128) (result v128)
        (call $sum10 (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0)
                     (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0)))
      (func (export "pick") (param v128 v128 i32) (result v128)
        (select (local.get 0) (local.get 1) (local.get 2)))
      (func (export "block") (param v128) (result v128)
        (local.get 0)
        (block (param v128) (result v128)
          (i32x4.add (v128.const i32x4 1 1 1 1)))
        (loop (param v128) (result v128) (f32x4.abs)))
      (func (export "get") (result v128) (global.get $g))
      (func (export "set") (param v128) (global.set $g (local.get 0)))
    )"#;
    let v = Value::V128(LANES);
    let w = Value::V128(!LANES);
    let ten = (0..16).fold(0u128, |acc, i| acc | ((10 * i) << (8 * i)));
    check(
        wat,
        &[
            ("id", &[v], ok(&[v])),
            ("swap", &[v, w], ok(&[w, v])),
            ("sum10", &[v], ok(&[Value::V128(ten)])),
            ("pick", &[v, w, Value::I32(1)], ok(&[v])),
            ("pick", &[v, w, Value::I32(0)], ok(&[w])),
            // Each i32 lane plus 1, then the f32 sign bits cleared:
            // lane 3 becomes -1.0 (0xbf800000), then 1.0.
            (
                "block",
                &[Value::V128(0xbf7f_ffff_0000_0001_0000_0000_8000_0000)],
                ok(&[Value::V128(0x3f80_0000_0000_0002_0000_0001_0000_0001)]),
            ),
            (
                "get",
                &[],
                ok(&[Value::V128(0x0000_0000_0000_0007_ffff_ffff_ffff_ffff)]),
            ),
            ("set", &[v], ok(&[])),
            ("get", &[], ok(&[v])),
        ],
    );
}

#[test]
fn simd_dot_product_example_matches_scalar() {
    let wat = include_str!("../../examples/dot.wat");
    let n = [Value::I32(4096)];
    let eight = [Value::I32(8)];
    // Sum over i < 4096 of (i % 7 - 3) * (i % 5 - 2); for the first 8 lanes
    // (-3 -2 -1 0 1 2 3 -3) * (-2 -1 0 1 2 -2 -1 0).
    check(
        wat,
        &[
            ("dot_scalar", &n, ok(&[Value::I32(6)])),
            ("dot_simd", &n, ok(&[Value::I32(6)])),
            ("dot_scalar", &eight, ok(&[Value::I32(3)])),
            ("dot_simd", &eight, ok(&[Value::I32(3)])),
        ],
    );
}
