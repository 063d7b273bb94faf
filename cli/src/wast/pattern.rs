//! Wast values: arguments become board [`Value`]s, expected results become
//! [`Pattern`]s that a board value either matches or not.

use basalt_qemu::Value;
use std::fmt;
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

/// Quiet bit and exponent of an `f32` NaN.
const F32_QUIET_NAN: u64 = 0x7fc0_0000;
/// Quiet bit and exponent of an `f64` NaN.
const F64_QUIET_NAN: u64 = 0x7ff8_0000_0000_0000;

/// An expected float result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FloatPattern {
    /// Exactly these bits (also for NaNs written with a payload).
    Bits(u64),
    /// `nan:canonical`: the quiet NaN with no other payload bit, either sign.
    Canonical,
    /// `nan:arithmetic`: any NaN with the quiet bit set, either sign.
    Arithmetic,
}

impl FloatPattern {
    fn from_wast<T>(p: &NanPattern<T>, bits: impl Fn(&T) -> u64) -> Self {
        match p {
            NanPattern::CanonicalNan => FloatPattern::Canonical,
            NanPattern::ArithmeticNan => FloatPattern::Arithmetic,
            NanPattern::Value(v) => FloatPattern::Bits(bits(v)),
        }
    }

    /// Whether `got` matches, for a float whose sign bit is `sign` and whose
    /// exponent plus quiet bit is `quiet`.
    fn matches(self, got: u64, sign: u64, quiet: u64) -> bool {
        match self {
            FloatPattern::Bits(b) => got == b,
            FloatPattern::Canonical => got & !sign == quiet,
            FloatPattern::Arithmetic => got & quiet == quiet,
        }
    }
}

/// An expected `v128`: exact bits, or one pattern per float lane (so each
/// lane may be `nan:canonical`, `nan:arithmetic` or exact on its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum V128Lanes {
    /// Integer lanes: exactly these bits, lane 0 least significant.
    Bits(u128),
    /// Four `f32` lanes.
    F32([FloatPattern; 4]),
    /// Two `f64` lanes.
    F64([FloatPattern; 2]),
}

impl V128Lanes {
    fn from_wast(p: &V128Pattern) -> Self {
        let bits = |lanes: &[u64], width: u32| {
            lanes.iter().enumerate().fold(0u128, |acc, (i, &l)| {
                let mask = (1u128 << width) - 1;
                acc | ((u128::from(l) & mask) << (i as u32 * width))
            })
        };
        match p {
            V128Pattern::I8x16(l) => V128Lanes::Bits(bits(&l.map(|x| x as u64), 8)),
            V128Pattern::I16x8(l) => V128Lanes::Bits(bits(&l.map(|x| x as u64), 16)),
            V128Pattern::I32x4(l) => V128Lanes::Bits(bits(&l.map(|x| x as u64), 32)),
            V128Pattern::I64x2(l) => V128Lanes::Bits(bits(&l.map(|x| x as u64), 64)),
            V128Pattern::F32x4(l) => V128Lanes::F32(
                l.each_ref()
                    .map(|p| FloatPattern::from_wast(p, |f| f.bits.into())),
            ),
            V128Pattern::F64x2(l) => {
                V128Lanes::F64(l.each_ref().map(|p| FloatPattern::from_wast(p, |f| f.bits)))
            }
        }
    }

    fn matches(self, got: u128) -> bool {
        match self {
            V128Lanes::Bits(b) => got == b,
            V128Lanes::F32(ps) => ps.iter().enumerate().all(|(i, p)| {
                let lane = (got >> (32 * i)) as u32;
                p.matches(lane.into(), 1 << 31, F32_QUIET_NAN)
            }),
            V128Lanes::F64(ps) => ps.iter().enumerate().all(|(i, p)| {
                let lane = (got >> (64 * i)) as u64;
                p.matches(lane, 1 << 63, F64_QUIET_NAN)
            }),
        }
    }
}

/// An expected result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pattern {
    I32(i32),
    I64(i64),
    F32(FloatPattern),
    F64(FloatPattern),
    /// A `v128`.
    V128(V128Lanes),
    /// `ref.null func`.
    NullFunc,
    /// `ref.null extern`.
    NullExtern,
    /// `ref.null` without a type: a null of either kind.
    NullAny,
    /// A non-null funcref. Function identity is opaque on the host, so
    /// `(ref.func $f)` only checks for non-null.
    Func,
    /// `(ref.extern n)`, or any non-null externref for `(ref.extern)`.
    Extern(Option<u32>),
    /// `(either ...)`: any one of them.
    Either(Vec<Pattern>),
}

impl Pattern {
    /// Whether the board's value `got` satisfies this pattern.
    pub(crate) fn matches(&self, got: &Value) -> bool {
        match (self, *got) {
            (Pattern::I32(e), Value::I32(g)) => *e == g,
            (Pattern::I64(e), Value::I64(g)) => *e == g,
            (Pattern::F32(p), Value::F32(g)) => p.matches(g.into(), 1 << 31, F32_QUIET_NAN),
            (Pattern::F64(p), Value::F64(g)) => p.matches(g, 1 << 63, F64_QUIET_NAN),
            (Pattern::V128(p), Value::V128(g)) => p.matches(g),
            (Pattern::NullFunc, Value::FuncRef(None))
            | (Pattern::NullExtern, Value::ExternRef(None))
            | (Pattern::NullAny, Value::FuncRef(None) | Value::ExternRef(None))
            | (Pattern::Func, Value::FuncRef(Some(_))) => true,
            (Pattern::Extern(e), Value::ExternRef(Some(g))) => e.is_none_or(|e| e == g),
            (Pattern::Either(ps), _) => ps.iter().any(|p| p.matches(got)),
            _ => false,
        }
    }
}

/// Convert an invoke argument; `Err` names what the board cannot take.
pub(crate) fn arg(a: &WastArg<'_>) -> Result<Value, String> {
    let WastArg::Core(a) = a else {
        return Err("component-model arguments are not supported".into());
    };
    Ok(match a {
        WastArgCore::I32(v) => Value::I32(*v),
        WastArgCore::I64(v) => Value::I64(*v),
        WastArgCore::F32(f) => Value::F32(f.bits),
        WastArgCore::F64(f) => Value::F64(f.bits),
        WastArgCore::RefNull(ty) => match null_kind(ty) {
            Some(Pattern::NullFunc) => Value::FuncRef(None),
            Some(Pattern::NullExtern) => Value::ExternRef(None),
            _ => return Err(format!("unsupported argument (ref.null {ty:?})")),
        },
        WastArgCore::RefExtern(n) => Value::ExternRef(Some(*n)),
        WastArgCore::V128(v) => Value::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefHost(_) => return Err("ref.host arguments are not supported".into()),
    })
}

/// Convert an expected result; `Err` names what cannot be checked.
pub(crate) fn ret(r: &WastRet<'_>) -> Result<Pattern, String> {
    let WastRet::Core(r) = r else {
        return Err("component-model results are not supported".into());
    };
    ret_core(r)
}

fn ret_core(r: &WastRetCore<'_>) -> Result<Pattern, String> {
    Ok(match r {
        WastRetCore::I32(v) => Pattern::I32(*v),
        WastRetCore::I64(v) => Pattern::I64(*v),
        WastRetCore::F32(p) => Pattern::F32(FloatPattern::from_wast(p, |f| f.bits.into())),
        WastRetCore::F64(p) => Pattern::F64(FloatPattern::from_wast(p, |f| f.bits)),
        WastRetCore::RefNull(None) => Pattern::NullAny,
        WastRetCore::RefNull(Some(ty)) => {
            null_kind(ty).ok_or_else(|| format!("unsupported result (ref.null {ty:?})"))?
        }
        WastRetCore::RefExtern(n) => Pattern::Extern(*n),
        WastRetCore::RefFunc(_) => Pattern::Func,
        WastRetCore::Either(alts) => {
            Pattern::Either(alts.iter().map(ret_core).collect::<Result<_, _>>()?)
        }
        WastRetCore::V128(p) => Pattern::V128(V128Lanes::from_wast(p)),
        other => return Err(format!("unsupported result {other:?}")),
    })
}

/// The null pattern for a heap type of the Wasm 2.0 reference types.
fn null_kind(ty: &HeapType<'_>) -> Option<Pattern> {
    match ty {
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Func | AbstractHeapType::NoFunc,
        } => Some(Pattern::NullFunc),
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern,
        } => Some(Pattern::NullExtern),
        _ => None,
    }
}

fn float(f: &mut fmt::Formatter<'_>, ty: &str, p: FloatPattern, value: f64) -> fmt::Result {
    match p {
        FloatPattern::Bits(b) => write!(f, "({ty}.const {value} [{b:#x}])"),
        FloatPattern::Canonical => write!(f, "({ty}.const nan:canonical)"),
        FloatPattern::Arithmetic => write!(f, "({ty}.const nan:arithmetic)"),
    }
}

impl fmt::Display for Pattern {
    /// In the wast syntax it came from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::I32(v) => write!(f, "(i32.const {v})"),
            Pattern::I64(v) => write!(f, "(i64.const {v})"),
            Pattern::F32(p) => {
                let v = f32::from_bits(match p {
                    FloatPattern::Bits(b) => *b as u32,
                    _ => 0,
                });
                float(f, "f32", *p, v.into())
            }
            Pattern::F64(p) => {
                let v = f64::from_bits(match p {
                    FloatPattern::Bits(b) => *b,
                    _ => 0,
                });
                float(f, "f64", *p, v)
            }
            Pattern::V128(V128Lanes::Bits(b)) => f.write_str(&v128_text(*b)),
            Pattern::V128(V128Lanes::F32(ps)) => {
                f.write_str("(v128.const f32x4")?;
                for p in ps {
                    lane(f, *p, |b| f32::from_bits(b as u32).into())?;
                }
                f.write_str(")")
            }
            Pattern::V128(V128Lanes::F64(ps)) => {
                f.write_str("(v128.const f64x2")?;
                for p in ps {
                    lane(f, *p, f64::from_bits)?;
                }
                f.write_str(")")
            }
            Pattern::NullFunc => f.write_str("(ref.null func)"),
            Pattern::NullExtern => f.write_str("(ref.null extern)"),
            Pattern::NullAny => f.write_str("(ref.null)"),
            Pattern::Func => f.write_str("(ref.func)"),
            Pattern::Extern(Some(n)) => write!(f, "(ref.extern {n})"),
            Pattern::Extern(None) => f.write_str("(ref.extern)"),
            Pattern::Either(ps) => {
                f.write_str("(either")?;
                for p in ps {
                    write!(f, " {p}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// One float lane of a `v128` pattern.
fn lane(f: &mut fmt::Formatter<'_>, p: FloatPattern, value: impl Fn(u64) -> f64) -> fmt::Result {
    match p {
        FloatPattern::Bits(b) => write!(f, " {} [{b:#x}]", value(b)),
        FloatPattern::Canonical => f.write_str(" nan:canonical"),
        FloatPattern::Arithmetic => f.write_str(" nan:arithmetic"),
    }
}

/// A `v128` as four hex `i32` lanes, lane 0 first.
fn v128_text(bits: u128) -> String {
    let lanes: Vec<String> = (0..4)
        .map(|i| format!("{:#010x}", (bits >> (32 * i)) as u32))
        .collect();
    format!("(v128.const i32x4 {})", lanes.join(" "))
}

/// A board value in wast syntax, bits shown for floats.
pub(crate) fn show(v: &Value) -> String {
    match *v {
        Value::I32(x) => format!("(i32.const {x})"),
        Value::I64(x) => format!("(i64.const {x})"),
        Value::F32(b) => format!("(f32.const {} [{b:#x}])", f32::from_bits(b)),
        Value::F64(b) => format!("(f64.const {} [{b:#x}])", f64::from_bits(b)),
        Value::V128(b) => v128_text(b),
        Value::FuncRef(None) => "(ref.null func)".into(),
        Value::FuncRef(Some(r)) => format!("(ref.func [{r:#x}])"),
        Value::ExternRef(None) => "(ref.null extern)".into(),
        Value::ExternRef(Some(n)) => format!("(ref.extern {n})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FloatPattern::{Arithmetic, Bits, Canonical};

    #[test]
    fn canonical_nan_is_the_quiet_nan_of_either_sign() {
        let p = Pattern::F32(Canonical);
        assert!(p.matches(&Value::F32(0x7fc0_0000)));
        assert!(p.matches(&Value::F32(0xffc0_0000)));
        assert!(!p.matches(&Value::F32(0x7fc0_0001)));
        assert!(!p.matches(&Value::F32(0x7fa0_0000)));
        assert!(!p.matches(&Value::F32(0x7f80_0000)));
        assert!(!p.matches(&Value::F64(0x7ff8_0000_0000_0000)));
        let p = Pattern::F64(Canonical);
        assert!(p.matches(&Value::F64(0xfff8_0000_0000_0000)));
        assert!(!p.matches(&Value::F64(0x7ff8_0000_0000_0001)));
        assert!(!p.matches(&Value::F64(0x7ff4_0000_0000_0000)));
    }

    #[test]
    fn arithmetic_nan_is_any_quiet_nan() {
        let p = Pattern::F32(Arithmetic);
        assert!(p.matches(&Value::F32(0x7fc0_0000)));
        assert!(p.matches(&Value::F32(0xffc0_1234)));
        // Signalling NaN and infinity are not arithmetic NaNs.
        assert!(!p.matches(&Value::F32(0x7fa0_0000)));
        assert!(!p.matches(&Value::F32(0x7f80_0000)));
        let p = Pattern::F64(Arithmetic);
        assert!(p.matches(&Value::F64(0x7fff_ffff_ffff_ffff)));
        assert!(!p.matches(&Value::F64(0x7ff4_0000_0000_0000)));
    }

    #[test]
    fn exact_values_compare_bits() {
        assert!(Pattern::F32(Bits(0x8000_0000)).matches(&Value::F32(0x8000_0000)));
        assert!(!Pattern::F32(Bits(0x8000_0000)).matches(&Value::F32(0)));
        assert!(Pattern::F32(Bits(0x7fa0_0000)).matches(&Value::F32(0x7fa0_0000)));
        assert!(!Pattern::F32(Bits(0x7fa0_0000)).matches(&Value::F32(0x7fc0_0000)));
        assert!(Pattern::I32(-1).matches(&Value::I32(-1)));
        assert!(!Pattern::I32(-1).matches(&Value::I64(-1)));
    }

    #[test]
    fn v128_lanes() {
        let text = "(assert_return (invoke \"f\" (v128.const i16x8 1 2 3 4 5 6 7 -1)) \
                    (v128.const i8x16 1 0 2 0 3 0 4 0 5 0 6 0 7 0 -1 -1) \
                    (v128.const f32x4 nan:canonical 1.0 nan:arithmetic -0.0))";
        let buf = wast::parser::ParseBuffer::new(text).unwrap();
        let wast = wast::parser::parse::<wast::Wast<'_>>(&buf).unwrap();
        let wast::WastDirective::AssertReturn {
            exec: wast::WastExecute::Invoke(inv),
            results,
            ..
        } = &wast.directives[0]
        else {
            panic!("not an assert_return")
        };
        let bits = 0xffff_0007_0006_0005_0004_0003_0002_0001u128;
        assert_eq!(arg(&inv.args[0]).unwrap(), Value::V128(bits));
        assert!(ret(&results[0]).unwrap().matches(&Value::V128(bits)));
        assert!(!ret(&results[0]).unwrap().matches(&Value::V128(bits ^ 1)));
        let floats = ret(&results[1]).unwrap();
        let lanes = |l: [u32; 4]| {
            Value::V128(
                l.iter()
                    .rev()
                    .fold(0, |acc, &x| (acc << 32) | u128::from(x)),
            )
        };
        assert!(floats.matches(&lanes([0xffc0_0000, 0x3f80_0000, 0x7fc0_0001, 0x8000_0000])));
        assert!(!floats.matches(&lanes([0x7fc0_0001, 0x3f80_0000, 0x7fc0_0001, 0x8000_0000])));
        assert!(!floats.matches(&lanes([0x7fc0_0000, 0x3f80_0000, 0x7f80_0001, 0x8000_0000])));
        assert!(!floats.matches(&lanes([0x7fc0_0000, 0x3f80_0000, 0x7fc0_0000, 0])));
        assert_eq!(
            floats.to_string(),
            "(v128.const f32x4 nan:canonical 1 [0x3f800000] nan:arithmetic -0 [0x80000000])"
        );
    }

    #[test]
    fn references() {
        assert!(Pattern::NullFunc.matches(&Value::FuncRef(None)));
        assert!(!Pattern::NullFunc.matches(&Value::ExternRef(None)));
        assert!(Pattern::NullAny.matches(&Value::ExternRef(None)));
        assert!(Pattern::Func.matches(&Value::FuncRef(Some(8))));
        assert!(!Pattern::Func.matches(&Value::FuncRef(None)));
        assert!(Pattern::Extern(Some(3)).matches(&Value::ExternRef(Some(3))));
        assert!(!Pattern::Extern(Some(3)).matches(&Value::ExternRef(Some(4))));
        assert!(Pattern::Extern(None).matches(&Value::ExternRef(Some(4))));
        assert!(!Pattern::Extern(None).matches(&Value::ExternRef(None)));
        let either = Pattern::Either(vec![Pattern::I32(1), Pattern::I32(2)]);
        assert!(either.matches(&Value::I32(2)));
        assert!(!either.matches(&Value::I32(3)));
    }

    #[test]
    fn parsed_from_wast() {
        let text = "(assert_return (invoke \"f\" (i32.const -1) (f32.const nan:0x200000) \
                    (ref.null extern) (ref.extern 7) (ref.null func)) \
                    (f64.const nan:canonical) (ref.null func) (ref.extern 7) (ref.func 0) (i64.const 5))";
        let buf = wast::parser::ParseBuffer::new(text).unwrap();
        let wast = wast::parser::parse::<wast::Wast<'_>>(&buf).unwrap();
        let wast::WastDirective::AssertReturn {
            exec: wast::WastExecute::Invoke(inv),
            results,
            ..
        } = &wast.directives[0]
        else {
            panic!("not an assert_return")
        };
        let args: Vec<Value> = inv.args.iter().map(|a| arg(a).unwrap()).collect();
        assert_eq!(
            args,
            [
                Value::I32(-1),
                Value::F32(0x7fa0_0000),
                Value::ExternRef(None),
                Value::ExternRef(Some(7)),
                Value::FuncRef(None)
            ]
        );
        let rets: Vec<Pattern> = results.iter().map(|r| ret(r).unwrap()).collect();
        assert_eq!(
            rets,
            [
                Pattern::F64(Canonical),
                Pattern::NullFunc,
                Pattern::Extern(Some(7)),
                Pattern::Func,
                Pattern::I64(5)
            ]
        );
        assert_eq!(rets[0].to_string(), "(f64.const nan:canonical)");
    }
}
