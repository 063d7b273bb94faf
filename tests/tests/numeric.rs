//! MVP numeric operators on the board: integer arithmetic and bit ops,
//! comparisons, float arithmetic with its signed-zero/NaN/rounding edge
//! cases. Expected values come from Rust's own (IEEE/two's complement)
//! arithmetic or are written by hand from the Wasm spec.

use basalt_tests::*;
use Value::{I32, I64};

fn b(x: bool) -> Value {
    I32(x as i32)
}

#[test]
fn i32_arithmetic_and_bits() {
    let ops = [
        "i32.add",
        "i32.sub",
        "i32.mul",
        "i32.div_s",
        "i32.div_u",
        "i32.rem_s",
        "i32.rem_u",
        "i32.and",
        "i32.or",
        "i32.xor",
        "i32.shl",
        "i32.shr_s",
        "i32.shr_u",
        "i32.rotl",
        "i32.rotr",
    ]
    .map(|o| (o, "i32 i32", "i32"));
    let un = ["i32.clz", "i32.ctz", "i32.popcnt", "i32.eqz"].map(|o| (o, "i32", "i32"));
    let wat = op_module(&[&ops[..], &un[..]].concat());
    let (min, max) = (i32::MIN, i32::MAX);
    let u = |x: u32| I32(x as i32);
    check(
        &wat,
        &[
            ("i32.add", &[I32(max), I32(1)], ok(&[I32(min)])),
            ("i32.add", &[I32(-1), I32(-1)], ok(&[I32(-2)])),
            ("i32.sub", &[I32(min), I32(1)], ok(&[I32(max)])),
            ("i32.sub", &[I32(0), I32(min)], ok(&[I32(min)])),
            ("i32.mul", &[I32(0x10000), I32(0x10000)], ok(&[I32(0)])),
            (
                "i32.mul",
                &[I32(0x1234_5678), I32(0x09ab_cdef)],
                ok(&[I32(0x1234_5678i32.wrapping_mul(0x09ab_cdef))]),
            ),
            ("i32.mul", &[I32(min), I32(-1)], ok(&[I32(min)])),
            ("i32.div_s", &[I32(-7), I32(2)], ok(&[I32(-3)])),
            ("i32.div_s", &[I32(7), I32(-2)], ok(&[I32(-3)])),
            ("i32.div_s", &[I32(min), I32(2)], ok(&[I32(min / 2)])),
            ("i32.div_u", &[I32(-7), I32(2)], ok(&[u(0xffff_fff9 / 2)])),
            ("i32.div_u", &[I32(min), I32(-1)], ok(&[I32(0)])),
            (
                "i32.rem_s",
                &[I32(-7), I32(2)],
                ok(&[I32((-7i32).wrapping_rem(2))]),
            ),
            ("i32.rem_s", &[I32(7), I32(-2)], ok(&[I32(1)])),
            // The spec defines rem_s of MIN by -1 as 0, not a trap.
            ("i32.rem_s", &[I32(min), I32(-1)], ok(&[I32(0)])),
            ("i32.rem_u", &[I32(-7), I32(2)], ok(&[u(0xffff_fff9 % 2)])),
            ("i32.rem_u", &[I32(min), I32(-1)], ok(&[I32(min)])),
            (
                "i32.and",
                &[u(0xff00_ff00), u(0x0ff0_0ff0)],
                ok(&[u(0x0f00_0f00)]),
            ),
            (
                "i32.or",
                &[u(0xff00_ff00), u(0x0ff0_0ff0)],
                ok(&[u(0xfff0_fff0)]),
            ),
            (
                "i32.xor",
                &[u(0xff00_ff00), u(0x0ff0_0ff0)],
                ok(&[u(0xf0f0_f0f0)]),
            ),
            // Shift and rotate counts are taken modulo 32.
            ("i32.shl", &[I32(1), I32(31)], ok(&[I32(min)])),
            ("i32.shl", &[I32(1), I32(33)], ok(&[I32(2)])),
            ("i32.shl", &[I32(1), I32(-1)], ok(&[I32(min)])),
            ("i32.shl", &[I32(5), I32(32)], ok(&[I32(5)])),
            ("i32.shr_s", &[I32(min), I32(31)], ok(&[I32(-1)])),
            ("i32.shr_s", &[I32(-8), I32(33)], ok(&[I32(-4)])),
            ("i32.shr_u", &[I32(min), I32(31)], ok(&[I32(1)])),
            ("i32.shr_u", &[I32(-1), I32(32)], ok(&[I32(-1)])),
            ("i32.shr_u", &[I32(-8), I32(33)], ok(&[u(0xffff_fff8 >> 1)])),
            ("i32.rotl", &[u(0x8000_0001), I32(1)], ok(&[I32(3)])),
            (
                "i32.rotl",
                &[u(0x1234_5678), I32(36)],
                ok(&[u(0x1234_5678u32.rotate_left(4))]),
            ),
            ("i32.rotr", &[I32(1), I32(1)], ok(&[I32(min)])),
            (
                "i32.rotr",
                &[u(0x1234_5678), I32(-4)],
                ok(&[u(0x1234_5678u32.rotate_right(28))]),
            ),
            ("i32.clz", &[I32(0)], ok(&[I32(32)])),
            ("i32.clz", &[I32(1)], ok(&[I32(31)])),
            ("i32.clz", &[I32(min)], ok(&[I32(0)])),
            ("i32.clz", &[I32(0x0000_8000)], ok(&[I32(16)])),
            ("i32.ctz", &[I32(0)], ok(&[I32(32)])),
            ("i32.ctz", &[I32(min)], ok(&[I32(31)])),
            ("i32.ctz", &[I32(0x0001_0000)], ok(&[I32(16)])),
            ("i32.popcnt", &[I32(-1)], ok(&[I32(32)])),
            ("i32.popcnt", &[I32(0)], ok(&[I32(0)])),
            ("i32.popcnt", &[u(0x5555_5555)], ok(&[I32(16)])),
            ("i32.eqz", &[I32(0)], ok(&[I32(1)])),
            ("i32.eqz", &[I32(min)], ok(&[I32(0)])),
        ],
    );
}

#[test]
fn i32_comparisons_signed_and_unsigned() {
    let ops = [
        "i32.eq", "i32.ne", "i32.lt_s", "i32.lt_u", "i32.gt_s", "i32.gt_u", "i32.le_s", "i32.le_u",
        "i32.ge_s", "i32.ge_u",
    ]
    .map(|o| (o, "i32 i32", "i32"));
    let wat = op_module(&ops);
    let pairs: [(i32, i32); 5] = [
        (-1, 1),
        (1, -1),
        (i32::MIN, i32::MAX),
        (7, 7),
        (0, i32::MIN),
    ];
    let mut cases: Vec<(&str, Vec<Value>, Outcome)> = Vec::new();
    for (x, y) in pairs {
        let (ux, uy) = (x as u32, y as u32);
        let expect = [
            x == y,
            x != y,
            x < y,
            ux < uy,
            x > y,
            ux > uy,
            x <= y,
            ux <= uy,
            x >= y,
            ux >= uy,
        ];
        for ((op, _, _), e) in ops.iter().zip(expect) {
            cases.push((op, vec![I32(x), I32(y)], ok(&[b(e)])));
        }
    }
    // Sanity: the signed and unsigned views really disagree on these inputs.
    assert!(cases
        .iter()
        .any(|(op, a, o)| *op == "i32.lt_s" && a[0] == I32(-1) && *o == ok(&[I32(1)])));
    assert!(cases
        .iter()
        .any(|(op, a, o)| *op == "i32.lt_u" && a[0] == I32(-1) && *o == ok(&[I32(0)])));
    let cases: Vec<Case> = cases
        .iter()
        .map(|(n, a, o)| (*n, &a[..], o.clone()))
        .collect();
    check(&wat, &cases);
}

#[test]
fn i64_arithmetic_bits_and_comparisons() {
    let ops = [
        "i64.add",
        "i64.sub",
        "i64.mul",
        "i64.div_s",
        "i64.div_u",
        "i64.rem_s",
        "i64.rem_u",
        "i64.and",
        "i64.or",
        "i64.xor",
        "i64.shl",
        "i64.shr_s",
        "i64.shr_u",
        "i64.rotl",
        "i64.rotr",
    ]
    .map(|o| (o, "i64 i64", "i64"));
    let un = ["i64.clz", "i64.ctz", "i64.popcnt"].map(|o| (o, "i64", "i64"));
    let cmp = [
        "i64.eq", "i64.lt_s", "i64.lt_u", "i64.gt_s", "i64.ge_u", "i64.le_s",
    ]
    .map(|o| (o, "i64 i64", "i32"));
    let wat = op_module(&[&ops[..], &un[..], &cmp[..], &[("i64.eqz", "i64", "i32")]].concat());
    let (min, max) = (i64::MIN, i64::MAX);
    let u = |x: u64| I64(x as i64);
    let big = 0x0123_4567_89ab_cdefi64;
    check(
        &wat,
        &[
            ("i64.add", &[I64(max), I64(1)], ok(&[I64(min)])),
            (
                "i64.add",
                &[u(0xffff_ffff), I64(1)],
                ok(&[I64(0x1_0000_0000)]),
            ),
            ("i64.sub", &[I64(min), I64(1)], ok(&[I64(max)])),
            (
                "i64.mul",
                &[I64(big), I64(big)],
                ok(&[I64(big.wrapping_mul(big))]),
            ),
            (
                "i64.mul",
                &[I64(0x1_0000_0000), I64(0x1_0000_0000)],
                ok(&[I64(0)]),
            ),
            ("i64.div_s", &[I64(-7), I64(2)], ok(&[I64(-3)])),
            ("i64.div_s", &[I64(min), I64(2)], ok(&[I64(min / 2)])),
            (
                "i64.div_u",
                &[I64(-7), I64(2)],
                ok(&[u(u64::MAX.wrapping_sub(6) / 2)]),
            ),
            ("i64.rem_s", &[I64(-7), I64(2)], ok(&[I64(-1)])),
            ("i64.rem_s", &[I64(min), I64(-1)], ok(&[I64(0)])),
            (
                "i64.rem_u",
                &[I64(-7), I64(3)],
                ok(&[u((-7i64 as u64) % 3)]),
            ),
            ("i64.and", &[I64(big), I64(-256)], ok(&[I64(big & -256)])),
            ("i64.or", &[I64(big), I64(0xff)], ok(&[I64(big | 0xff)])),
            ("i64.xor", &[I64(big), I64(-1)], ok(&[I64(!big)])),
            // Counts modulo 64: 65 shifts by 1, 64 by 0.
            ("i64.shl", &[I64(1), I64(63)], ok(&[I64(min)])),
            ("i64.shl", &[I64(1), I64(65)], ok(&[I64(2)])),
            ("i64.shl", &[I64(3), I64(64)], ok(&[I64(3)])),
            ("i64.shl", &[I64(1), I64(32)], ok(&[I64(0x1_0000_0000)])),
            ("i64.shr_s", &[I64(min), I64(63)], ok(&[I64(-1)])),
            ("i64.shr_s", &[I64(-16), I64(66)], ok(&[I64(-4)])),
            ("i64.shr_u", &[I64(min), I64(63)], ok(&[I64(1)])),
            ("i64.shr_u", &[I64(-1), I64(-1)], ok(&[I64(1)])),
            (
                "i64.rotl",
                &[u(0x8000_0000_0000_0001), I64(1)],
                ok(&[I64(3)]),
            ),
            (
                "i64.rotl",
                &[I64(big), I64(68)],
                ok(&[I64(big.rotate_left(4))]),
            ),
            ("i64.rotr", &[I64(1), I64(1)], ok(&[I64(min)])),
            (
                "i64.rotr",
                &[I64(big), I64(-8)],
                ok(&[I64(big.rotate_right(56))]),
            ),
            ("i64.clz", &[I64(0)], ok(&[I64(64)])),
            ("i64.clz", &[I64(1)], ok(&[I64(63)])),
            ("i64.clz", &[I64(0x1_0000_0000)], ok(&[I64(31)])),
            ("i64.ctz", &[I64(0)], ok(&[I64(64)])),
            ("i64.ctz", &[I64(min)], ok(&[I64(63)])),
            ("i64.ctz", &[I64(0x1_0000_0000)], ok(&[I64(32)])),
            ("i64.popcnt", &[I64(-1)], ok(&[I64(64)])),
            (
                "i64.popcnt",
                &[I64(big)],
                ok(&[I64(big.count_ones() as i64)]),
            ),
            ("i64.eqz", &[I64(0)], ok(&[I32(1)])),
            ("i64.eqz", &[I64(0x1_0000_0000)], ok(&[I32(0)])),
            ("i64.eq", &[I64(0x1_0000_0001), I64(1)], ok(&[I32(0)])),
            ("i64.lt_s", &[I64(-1), I64(1)], ok(&[I32(1)])),
            ("i64.lt_u", &[I64(-1), I64(1)], ok(&[I32(0)])),
            ("i64.gt_s", &[I64(max), I64(min)], ok(&[I32(1)])),
            ("i64.ge_u", &[I64(min), I64(max)], ok(&[I32(1)])),
            ("i64.le_s", &[I64(min), I64(min)], ok(&[I32(1)])),
        ],
    );
}

fn float_ops(t: &str) -> Vec<(String, &'static str, &'static str)> {
    let (bin, un, cmp): (&str, &str, &str) = if t == "f32" {
        ("f32 f32", "f32", "i32")
    } else {
        ("f64 f64", "f64", "i32")
    };
    let mut v = Vec::new();
    for op in ["add", "sub", "mul", "div", "min", "max", "copysign"] {
        v.push((format!("{t}.{op}"), bin, un));
    }
    for op in ["sqrt", "abs", "neg", "ceil", "floor", "trunc", "nearest"] {
        v.push((format!("{t}.{op}"), un, un));
    }
    for op in ["eq", "ne", "lt", "gt", "le", "ge"] {
        v.push((format!("{t}.{op}"), bin, cmp));
    }
    v
}

fn float_module(t: &str) -> String {
    let ops = float_ops(t);
    let ops: Vec<(&str, &str, &str)> = ops.iter().map(|(o, p, r)| (o.as_str(), *p, *r)).collect();
    op_module(&ops)
}

#[test]
fn f32_arithmetic_is_bit_exact() {
    let f = f32v;
    let inf = f32::INFINITY;
    let nan = F32_NAN;
    check(
        &float_module("f32"),
        &[
            ("f32.add", &[f(0.1), f(0.2)], ok(&[f(0.1f32 + 0.2f32)])),
            ("f32.add", &[f(f32::MAX), f(f32::MAX)], ok(&[f(inf)])),
            ("f32.add", &[f(inf), f(-inf)], ok(&[nan])),
            ("f32.add", &[f(-0.0), f(-0.0)], ok(&[f(-0.0)])),
            ("f32.sub", &[f(1.0), f(1.0)], ok(&[f(0.0)])),
            ("f32.sub", &[f(1.0), f(1e-8)], ok(&[f(1.0f32 - 1e-8f32)])),
            ("f32.mul", &[f(1.1), f(3.3)], ok(&[f(1.1f32 * 3.3f32)])),
            ("f32.mul", &[f(-0.0), f(5.0)], ok(&[f(-0.0)])),
            ("f32.mul", &[f(0.0), f(inf)], ok(&[nan])),
            ("f32.div", &[f(1.0), f(3.0)], ok(&[f(1.0f32 / 3.0f32)])),
            ("f32.div", &[f(1.0), f(0.0)], ok(&[f(inf)])),
            ("f32.div", &[f(-1.0), f(0.0)], ok(&[f(-inf)])),
            ("f32.div", &[f(0.0), f(0.0)], ok(&[nan])),
            ("f32.sqrt", &[f(2.0)], ok(&[f(2.0f32.sqrt())])),
            ("f32.sqrt", &[f(-0.0)], ok(&[f(-0.0)])),
            ("f32.sqrt", &[f(-1.0)], ok(&[nan])),
            // min/max: -0 orders below +0 whatever the operand order; NaN wins.
            ("f32.min", &[f(-0.0), f(0.0)], ok(&[f(-0.0)])),
            ("f32.min", &[f(0.0), f(-0.0)], ok(&[f(-0.0)])),
            ("f32.max", &[f(-0.0), f(0.0)], ok(&[f(0.0)])),
            ("f32.max", &[f(0.0), f(-0.0)], ok(&[f(0.0)])),
            ("f32.min", &[nan, f(1.0)], ok(&[nan])),
            ("f32.min", &[f(1.0), nan], ok(&[nan])),
            ("f32.max", &[f(-inf), nan], ok(&[nan])),
            ("f32.max", &[nan, f(inf)], ok(&[nan])),
            ("f32.min", &[f(-inf), f(3.0)], ok(&[f(-inf)])),
            ("f32.max", &[f(-inf), f(3.0)], ok(&[f(3.0)])),
            // nearest rounds ties to even and keeps the sign of zero.
            ("f32.nearest", &[f(0.5)], ok(&[f(0.0)])),
            ("f32.nearest", &[f(1.5)], ok(&[f(2.0)])),
            ("f32.nearest", &[f(2.5)], ok(&[f(2.0)])),
            ("f32.nearest", &[f(-0.5)], ok(&[f(-0.0)])),
            ("f32.nearest", &[f(-3.5)], ok(&[f(-4.0)])),
            ("f32.nearest", &[f(8388609.0)], ok(&[f(8388609.0)])),
            ("f32.ceil", &[f(-0.5)], ok(&[f(-0.0)])),
            ("f32.ceil", &[f(1.2)], ok(&[f(2.0)])),
            ("f32.floor", &[f(-0.5)], ok(&[f(-1.0)])),
            ("f32.floor", &[f(1.9)], ok(&[f(1.0)])),
            ("f32.trunc", &[f(-1.7)], ok(&[f(-1.0)])),
            ("f32.trunc", &[f(-0.3)], ok(&[f(-0.0)])),
            // abs/neg/copysign only touch the sign bit, even of a NaN.
            ("f32.abs", &[f(-0.0)], ok(&[f(0.0)])),
            (
                "f32.abs",
                &[Value::F32(0xffc0_0001)],
                ok(&[Value::F32(0x7fc0_0001)]),
            ),
            ("f32.neg", &[f(0.0)], ok(&[f(-0.0)])),
            (
                "f32.neg",
                &[Value::F32(0x7fa0_0002)],
                ok(&[Value::F32(0xffa0_0002)]),
            ),
            ("f32.copysign", &[f(1.5), f(-0.0)], ok(&[f(-1.5)])),
            ("f32.copysign", &[f(-2.0), f(3.0)], ok(&[f(2.0)])),
            (
                "f32.copysign",
                &[Value::F32(0x7fc0_0003), f(-1.0)],
                ok(&[Value::F32(0xffc0_0003)]),
            ),
            (
                "f32.copysign",
                &[f(inf), Value::F32(0xffc0_0000)],
                ok(&[f(-inf)]),
            ),
            ("f32.eq", &[nan, nan], ok(&[I32(0)])),
            ("f32.ne", &[nan, nan], ok(&[I32(1)])),
            ("f32.eq", &[f(-0.0), f(0.0)], ok(&[I32(1)])),
            ("f32.lt", &[f(-0.0), f(0.0)], ok(&[I32(0)])),
            ("f32.le", &[f(-0.0), f(0.0)], ok(&[I32(1)])),
            ("f32.lt", &[f(1.0), nan], ok(&[I32(0)])),
            ("f32.gt", &[nan, f(1.0)], ok(&[I32(0)])),
            ("f32.ge", &[f(inf), f(f32::MAX)], ok(&[I32(1)])),
            ("f32.gt", &[f(-1.0), f(-2.0)], ok(&[I32(1)])),
        ],
    );
}

#[test]
fn f64_arithmetic_is_bit_exact() {
    let f = f64v;
    let inf = f64::INFINITY;
    let nan = F64_NAN;
    check(
        &float_module("f64"),
        &[
            ("f64.add", &[f(0.1), f(0.2)], ok(&[f(0.1 + 0.2)])),
            ("f64.add", &[f(1e308), f(1e308)], ok(&[f(inf)])),
            ("f64.add", &[f(-inf), f(inf)], ok(&[nan])),
            ("f64.sub", &[f(0.3), f(0.1)], ok(&[f(0.3 - 0.1)])),
            ("f64.mul", &[f(1e-200), f(1e-200)], ok(&[f(0.0)])),
            ("f64.mul", &[f(-1e-200), f(1e-200)], ok(&[f(-0.0)])),
            ("f64.mul", &[f(1.1), f(3.3)], ok(&[f(1.1 * 3.3)])),
            ("f64.div", &[f(1.0), f(3.0)], ok(&[f(1.0 / 3.0)])),
            ("f64.div", &[f(-0.0), f(0.0)], ok(&[nan])),
            ("f64.div", &[f(1.0), f(-0.0)], ok(&[f(-inf)])),
            ("f64.div", &[f(5e-324), f(2.0)], ok(&[f(0.0)])),
            ("f64.sqrt", &[f(2.0)], ok(&[f(2f64.sqrt())])),
            ("f64.sqrt", &[f(-inf)], ok(&[nan])),
            ("f64.min", &[f(-0.0), f(0.0)], ok(&[f(-0.0)])),
            ("f64.min", &[f(0.0), f(-0.0)], ok(&[f(-0.0)])),
            ("f64.max", &[f(-0.0), f(0.0)], ok(&[f(0.0)])),
            ("f64.max", &[f(0.0), f(-0.0)], ok(&[f(0.0)])),
            ("f64.min", &[nan, f(0.0)], ok(&[nan])),
            ("f64.max", &[f(1.0), nan], ok(&[nan])),
            ("f64.min", &[f(2.0), f(-3.0)], ok(&[f(-3.0)])),
            ("f64.max", &[f(2.0), f(-3.0)], ok(&[f(2.0)])),
            ("f64.nearest", &[f(0.5)], ok(&[f(0.0)])),
            ("f64.nearest", &[f(1.5)], ok(&[f(2.0)])),
            ("f64.nearest", &[f(2.5)], ok(&[f(2.0)])),
            ("f64.nearest", &[f(-2.5)], ok(&[f(-2.0)])),
            ("f64.nearest", &[f(-0.49)], ok(&[f(-0.0)])),
            (
                "f64.nearest",
                &[f(4503599627370497.0)],
                ok(&[f(4503599627370497.0)]),
            ),
            ("f64.ceil", &[f(-0.9)], ok(&[f(-0.0)])),
            ("f64.floor", &[f(-0.1)], ok(&[f(-1.0)])),
            ("f64.floor", &[f(-0.0)], ok(&[f(-0.0)])),
            ("f64.trunc", &[f(2.999)], ok(&[f(2.0)])),
            ("f64.trunc", &[f(-inf)], ok(&[f(-inf)])),
            (
                "f64.abs",
                &[Value::F64(0xfff8_0000_0000_0005)],
                ok(&[Value::F64(0x7ff8_0000_0000_0005)]),
            ),
            ("f64.abs", &[f(-inf)], ok(&[f(inf)])),
            ("f64.neg", &[f(-0.0)], ok(&[f(0.0)])),
            (
                "f64.neg",
                &[Value::F64(0x7ff4_0000_0000_0001)],
                ok(&[Value::F64(0xfff4_0000_0000_0001)]),
            ),
            ("f64.copysign", &[f(3.0), f(-0.0)], ok(&[f(-3.0)])),
            (
                "f64.copysign",
                &[f(-3.0), Value::F64(0x7ff8_0000_0000_0000)],
                ok(&[f(3.0)]),
            ),
            (
                "f64.copysign",
                &[Value::F64(0x7ff8_0000_0000_0009), f(-1.0)],
                ok(&[Value::F64(0xfff8_0000_0000_0009)]),
            ),
            ("f64.eq", &[nan, nan], ok(&[I32(0)])),
            ("f64.ne", &[nan, f(1.0)], ok(&[I32(1)])),
            ("f64.eq", &[f(0.0), f(-0.0)], ok(&[I32(1)])),
            ("f64.lt", &[f(-inf), f(f64::MIN)], ok(&[I32(1)])),
            ("f64.le", &[nan, nan], ok(&[I32(0)])),
            ("f64.gt", &[f(0.0), f(-0.0)], ok(&[I32(0)])),
            ("f64.ge", &[f(0.0), f(-0.0)], ok(&[I32(1)])),
        ],
    );
}

/// Byte swaps written with masks, rotations and shifts (the translator
/// turns them into `rev`) and near misses that must keep their own
/// meaning: expected values are the same formulas in Rust.
#[test]
fn byte_swaps_and_near_misses() {
    let wat = include_str!("../data/byte_swaps.wat");
    let u = |x: u32| I32(x as i32);
    let mut cases: Vec<(&str, Vec<Value>, Outcome)> = Vec::new();
    for x in [0x1234_5678u32, 0x80ff_0001, 0xdead_beef, 0, u32::MAX] {
        let (rot, m) = (|v: u32, k: u32| v.rotate_right(k), 0x00ff_00ffu32);
        cases.push(("rot32", vec![u(x)], ok(&[u(x.swap_bytes())])));
        cases.push(("shift32", vec![u(x)], ok(&[u(x.swap_bytes())])));
        let wide = (u64::from(x) << 32) | u64::from(!x.rotate_left(5));
        cases.push((
            "shift64",
            vec![I64(wide as i64)],
            ok(&[I64(wide.swap_bytes() as i64)]),
        ));
        let near = [
            (
                "mask_off_by_one",
                rot(x & m, 8) | (rot(x, 24) & 0x00ff_00fe),
            ),
            ("rot_by_16", rot(x & m, 8) | (rot(x, 16) & m)),
            (
                "shift_by_7",
                (x << 24) | ((x & 0xff00) << 7) | ((x >> 8) & 0xff00) | (x >> 24),
            ),
            (
                "signed_shift",
                (x << 24) | ((x & 0xff00) << 8) | ((x >> 8) & 0xff00) | ((x as i32) >> 24) as u32,
            ),
            (
                "overlap",
                (x << 24) | ((x & 0xff00) << 8) | ((x >> 8) & 0xff00) | (x >> 16),
            ),
        ];
        for (name, want) in near {
            cases.push((name, vec![u(x)], ok(&[u(want)])));
        }
        let y = x.rotate_left(11) ^ 0x5a5a_5a5a;
        cases.push((
            "two_sources",
            vec![u(x), u(y)],
            ok(&[u(rot(x & m, 8) | (rot(y, 24) & m))]),
        ));
    }
    let cases: Vec<Case<'_>> = cases
        .iter()
        .map(|(n, a, o)| (*n, a.as_slice(), o.clone()))
        .collect();
    check(wat, &cases);
}
