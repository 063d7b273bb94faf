//! Conversions: wrap/extend, trapping and saturating float→int, int→float
//! rounding, demote/promote, reinterpret and the sign-extension operators.
//! Expected values use Rust's `as`, which rounds int→float to nearest-even
//! and saturates float→int exactly as Wasm's `trunc_sat` does.

use basalt_tests::*;
use Value::{I32, I64};

#[test]
fn integer_width_conversions_and_sign_extension() {
    let wat = op_module(&[
        ("i32.wrap_i64", "i64", "i32"),
        ("i64.extend_i32_s", "i32", "i64"),
        ("i64.extend_i32_u", "i32", "i64"),
        ("i32.extend8_s", "i32", "i32"),
        ("i32.extend16_s", "i32", "i32"),
        ("i64.extend8_s", "i64", "i64"),
        ("i64.extend16_s", "i64", "i64"),
        ("i64.extend32_s", "i64", "i64"),
    ]);
    check(
        &wat,
        &[
            (
                "i32.wrap_i64",
                &[I64(0x1_2345_6789)],
                ok(&[I32(0x2345_6789)]),
            ),
            ("i32.wrap_i64", &[I64(-1)], ok(&[I32(-1)])),
            (
                "i32.wrap_i64",
                &[I64(0xffff_ffff_0000_0000u64 as i64)],
                ok(&[I32(0)]),
            ),
            ("i64.extend_i32_s", &[I32(-1)], ok(&[I64(-1)])),
            (
                "i64.extend_i32_s",
                &[I32(i32::MIN)],
                ok(&[I64(i32::MIN as i64)]),
            ),
            ("i64.extend_i32_u", &[I32(-1)], ok(&[I64(0xffff_ffff)])),
            (
                "i64.extend_i32_u",
                &[I32(i32::MIN)],
                ok(&[I64(0x8000_0000)]),
            ),
            ("i32.extend8_s", &[I32(0x80)], ok(&[I32(-128)])),
            ("i32.extend8_s", &[I32(0x7f)], ok(&[I32(127)])),
            ("i32.extend8_s", &[I32(0x1234_5680)], ok(&[I32(-128)])),
            ("i32.extend16_s", &[I32(0x8000)], ok(&[I32(-32768)])),
            ("i32.extend16_s", &[I32(0x7fff_7fff)], ok(&[I32(0x7fff)])),
            ("i64.extend8_s", &[I64(0xff)], ok(&[I64(-1)])),
            (
                "i64.extend8_s",
                &[I64(0x0123_4567_89ab_cd7f)],
                ok(&[I64(0x7f)]),
            ),
            (
                "i64.extend16_s",
                &[I64(0xffff_0000_0000_8001u64 as i64)],
                ok(&[I64(0x8001u16 as i16 as i64)]),
            ),
            (
                "i64.extend32_s",
                &[I64(0x8000_0000)],
                ok(&[I64(i32::MIN as i64)]),
            ),
            (
                "i64.extend32_s",
                &[I64(0x1_7fff_ffff)],
                ok(&[I64(0x7fff_ffff)]),
            ),
        ],
    );
}

#[test]
fn trapping_float_to_int_in_range() {
    let wat = op_module(&[
        ("i32.trunc_f32_s", "f32", "i32"),
        ("i32.trunc_f32_u", "f32", "i32"),
        ("i32.trunc_f64_s", "f64", "i32"),
        ("i32.trunc_f64_u", "f64", "i32"),
        ("i64.trunc_f32_s", "f32", "i64"),
        ("i64.trunc_f32_u", "f32", "i64"),
        ("i64.trunc_f64_s", "f64", "i64"),
        ("i64.trunc_f64_u", "f64", "i64"),
    ]);
    let (f, d) = (f32v, f64v);
    // Largest f32 below 2^31 and below 2^32; largest f64 below 2^63, 2^64.
    let f32_below_2_31 = f32::from_bits((2147483648.0f32).to_bits() - 1);
    let f32_below_2_32 = f32::from_bits((4294967296.0f32).to_bits() - 1);
    let f64_below_2_63 = f64::from_bits((9223372036854775808.0f64).to_bits() - 1);
    let f64_below_2_64 = f64::from_bits((18446744073709551616.0f64).to_bits() - 1);
    check(
        &wat,
        &[
            ("i32.trunc_f32_s", &[f(-1.9)], ok(&[I32(-1)])),
            ("i32.trunc_f32_s", &[f(-2147483648.0)], ok(&[I32(i32::MIN)])),
            (
                "i32.trunc_f32_s",
                &[f(f32_below_2_31)],
                ok(&[I32(f32_below_2_31 as i32)]),
            ),
            (
                "i32.trunc_f32_u",
                &[f(f32_below_2_32)],
                ok(&[I32(f32_below_2_32 as u32 as i32)]),
            ),
            ("i32.trunc_f32_u", &[f(-0.9)], ok(&[I32(0)])),
            ("i32.trunc_f64_s", &[d(-2147483648.9)], ok(&[I32(i32::MIN)])),
            ("i32.trunc_f64_s", &[d(2147483647.9)], ok(&[I32(i32::MAX)])),
            ("i32.trunc_f64_u", &[d(4294967295.9)], ok(&[I32(-1)])),
            ("i32.trunc_f64_u", &[d(-0.99)], ok(&[I32(0)])),
            (
                "i64.trunc_f32_s",
                &[f(-9.2e18)],
                ok(&[I64(-9.2e18f32 as i64)]),
            ),
            (
                "i64.trunc_f32_u",
                &[f(1.8e19)],
                ok(&[I64(1.8e19f32 as u64 as i64)]),
            ),
            (
                "i64.trunc_f64_s",
                &[d(f64_below_2_63)],
                ok(&[I64(f64_below_2_63 as i64)]),
            ),
            (
                "i64.trunc_f64_s",
                &[d(-9223372036854775808.0)],
                ok(&[I64(i64::MIN)]),
            ),
            (
                "i64.trunc_f64_u",
                &[d(f64_below_2_64)],
                ok(&[I64(f64_below_2_64 as u64 as i64)]),
            ),
            (
                "i64.trunc_f64_u",
                &[d(1e10 + 0.5)],
                ok(&[I64(10_000_000_000)]),
            ),
        ],
    );
}

#[test]
fn saturating_float_to_int() {
    let ops = [
        ("i32.trunc_sat_f32_s", "f32", "i32"),
        ("i32.trunc_sat_f32_u", "f32", "i32"),
        ("i32.trunc_sat_f64_s", "f64", "i32"),
        ("i32.trunc_sat_f64_u", "f64", "i32"),
        ("i64.trunc_sat_f32_s", "f32", "i64"),
        ("i64.trunc_sat_f32_u", "f32", "i64"),
        ("i64.trunc_sat_f64_s", "f64", "i64"),
        ("i64.trunc_sat_f64_u", "f64", "i64"),
    ];
    let wat = op_module(&ops);
    let f32s = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        3e9,
        -3e9,
        -1.5,
        1.5,
        1e20,
        -1e20,
    ];
    let f64s = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        5e9,
        -2147483648.5,
        -0.5,
        2147483647.5,
        1e300,
        -1e19,
    ];
    let mut cases: Vec<(&str, Vec<Value>, Outcome)> = Vec::new();
    for x in f32s {
        cases.push(("i32.trunc_sat_f32_s", vec![f32v(x)], ok(&[I32(x as i32)])));
        cases.push((
            "i32.trunc_sat_f32_u",
            vec![f32v(x)],
            ok(&[I32(x as u32 as i32)]),
        ));
        cases.push(("i64.trunc_sat_f32_s", vec![f32v(x)], ok(&[I64(x as i64)])));
        cases.push((
            "i64.trunc_sat_f32_u",
            vec![f32v(x)],
            ok(&[I64(x as u64 as i64)]),
        ));
    }
    for x in f64s {
        cases.push(("i32.trunc_sat_f64_s", vec![f64v(x)], ok(&[I32(x as i32)])));
        cases.push((
            "i32.trunc_sat_f64_u",
            vec![f64v(x)],
            ok(&[I32(x as u32 as i32)]),
        ));
        cases.push(("i64.trunc_sat_f64_s", vec![f64v(x)], ok(&[I64(x as i64)])));
        cases.push((
            "i64.trunc_sat_f64_u",
            vec![f64v(x)],
            ok(&[I64(x as u64 as i64)]),
        ));
    }
    // A few spelled out by hand, so the table is not only `as`.
    cases.push(("i32.trunc_sat_f32_s", vec![F32_NAN], ok(&[I32(0)])));
    cases.push(("i32.trunc_sat_f32_u", vec![f32v(-1.0)], ok(&[I32(0)])));
    cases.push(("i32.trunc_sat_f64_u", vec![f64v(5e9)], ok(&[I32(-1)])));
    cases.push((
        "i64.trunc_sat_f64_s",
        vec![f64v(f64::NEG_INFINITY)],
        ok(&[I64(i64::MIN)]),
    ));
    cases.push(("i64.trunc_sat_f64_u", vec![f64v(1e300)], ok(&[I64(-1)])));
    let cases: Vec<Case> = cases
        .iter()
        .map(|(n, a, o)| (*n, &a[..], o.clone()))
        .collect();
    check(&wat, &cases);
}

#[test]
fn int_to_float_rounds_to_nearest_even() {
    let wat = op_module(&[
        ("f32.convert_i32_s", "i32", "f32"),
        ("f32.convert_i32_u", "i32", "f32"),
        ("f32.convert_i64_s", "i64", "f32"),
        ("f32.convert_i64_u", "i64", "f32"),
        ("f64.convert_i32_s", "i32", "f64"),
        ("f64.convert_i32_u", "i32", "f64"),
        ("f64.convert_i64_s", "i64", "f64"),
        ("f64.convert_i64_u", "i64", "f64"),
    ]);
    // 0x8000_0080_0000_0001 needs the sticky bit to round up correctly
    // (a naive u64→f64→f32 double rounding gets it wrong).
    let tricky_u64 = 0x8000_0080_0000_0001u64;
    let tricky_i64 = 0x0020_0000_2000_0001i64;
    check(
        &wat,
        &[
            ("f32.convert_i32_s", &[I32(-1)], ok(&[f32v(-1.0)])),
            (
                "f32.convert_i32_s",
                &[I32(16_777_217)],
                ok(&[f32v(16_777_216.0)]),
            ),
            (
                "f32.convert_i32_s",
                &[I32(16_777_219)],
                ok(&[f32v(16_777_220.0)]),
            ),
            (
                "f32.convert_i32_s",
                &[I32(i32::MIN)],
                ok(&[f32v(-2147483648.0)]),
            ),
            ("f32.convert_i32_u", &[I32(-1)], ok(&[f32v(4294967296.0)])),
            (
                "f32.convert_i32_u",
                &[I32(i32::MIN)],
                ok(&[f32v(2147483648.0)]),
            ),
            (
                "f32.convert_i64_s",
                &[I64(i64::MAX)],
                ok(&[f32v(i64::MAX as f32)]),
            ),
            (
                "f32.convert_i64_s",
                &[I64(tricky_i64)],
                ok(&[f32v(tricky_i64 as f32)]),
            ),
            (
                "f32.convert_i64_u",
                &[I64(-1)],
                ok(&[f32v(u64::MAX as f32)]),
            ),
            (
                "f32.convert_i64_u",
                &[I64(tricky_u64 as i64)],
                ok(&[f32v(tricky_u64 as f32)]),
            ),
            (
                "f64.convert_i32_s",
                &[I32(i32::MIN)],
                ok(&[f64v(-2147483648.0)]),
            ),
            ("f64.convert_i32_u", &[I32(-1)], ok(&[f64v(4294967295.0)])),
            (
                "f64.convert_i64_s",
                &[I64(i64::MIN)],
                ok(&[f64v(-9223372036854775808.0)]),
            ),
            (
                "f64.convert_i64_s",
                &[I64(9_007_199_254_740_993)],
                ok(&[f64v(9_007_199_254_740_992.0)]),
            ),
            (
                "f64.convert_i64_u",
                &[I64(-1)],
                ok(&[f64v(18446744073709551616.0)]),
            ),
            (
                "f64.convert_i64_u",
                &[I64(0x8000_0000_0000_0c01u64 as i64)],
                ok(&[f64v(0x8000_0000_0000_0c01u64 as f64)]),
            ),
        ],
    );
}

#[test]
fn demote_promote_and_reinterpret() {
    let mut wat = op_module(&[
        ("f32.demote_f64", "f64", "f32"),
        ("f64.promote_f32", "f32", "f64"),
        ("i32.reinterpret_f32", "f32", "i32"),
        ("i64.reinterpret_f64", "f64", "i64"),
        ("f32.reinterpret_i32", "i32", "f32"),
        ("f64.reinterpret_i64", "i64", "f64"),
    ]);
    wat.pop();
    // Round trips through the float type, so a NaN payload must survive.
    wat.push_str(
        r#"(func (export "rt32") (param i32) (result i32) (i32.reinterpret_f32 (f32.reinterpret_i32 (local.get 0))))
           (func (export "rt64") (param i64) (result i64) (i64.reinterpret_f64 (f64.reinterpret_i64 (local.get 0)))))"#,
    );
    let smallest_sub = f32::from_bits(1);
    check(
        &wat,
        &[
            ("f32.demote_f64", &[f64v(0.1)], ok(&[f32v(0.1f64 as f32)])),
            ("f32.demote_f64", &[f64v(1e300)], ok(&[f32v(f32::INFINITY)])),
            ("f32.demote_f64", &[f64v(-1e-300)], ok(&[f32v(-0.0)])),
            ("f32.demote_f64", &[f64v(f64::NAN)], ok(&[F32_NAN])),
            (
                "f32.demote_f64",
                &[f64v(smallest_sub as f64)],
                ok(&[f32v(smallest_sub)]),
            ),
            ("f64.promote_f32", &[f32v(0.1)], ok(&[f64v(0.1f32 as f64)])),
            ("f64.promote_f32", &[f32v(-0.0)], ok(&[f64v(-0.0)])),
            (
                "f64.promote_f32",
                &[f32v(f32::NEG_INFINITY)],
                ok(&[f64v(f64::NEG_INFINITY)]),
            ),
            ("f64.promote_f32", &[F32_NAN], ok(&[F64_NAN])),
            ("i32.reinterpret_f32", &[f32v(-0.0)], ok(&[I32(i32::MIN)])),
            ("i32.reinterpret_f32", &[f32v(1.0)], ok(&[I32(0x3f80_0000)])),
            (
                "i64.reinterpret_f64",
                &[f64v(-2.0)],
                ok(&[I64(0xc000_0000_0000_0000u64 as i64)]),
            ),
            (
                "f32.reinterpret_i32",
                &[I32(0x4049_0fdb)],
                ok(&[Value::F32(0x4049_0fdb)]),
            ),
            ("f64.reinterpret_i64", &[I64(1)], ok(&[Value::F64(1)])),
            ("rt32", &[I32(0x7fa0_0001)], ok(&[I32(0x7fa0_0001)])),
            (
                "rt32",
                &[I32(0xffc1_2345u32 as i32)],
                ok(&[I32(0xffc1_2345u32 as i32)]),
            ),
            (
                "rt64",
                &[I64(0x7ff0_0000_0000_0001)],
                ok(&[I64(0x7ff0_0000_0000_0001)]),
            ),
            (
                "rt64",
                &[I64(0xfff8_dead_beef_0001u64 as i64)],
                ok(&[I64(0xfff8_dead_beef_0001u64 as i64)]),
            ),
        ],
    );
}
