//! Operators that change the lane shape: narrowing, widening, extended
//! multiplies and pairwise adds, the dot product, and int/float conversions.

use super::{vconst, FuncTranslator};
use cranelift_codegen::ir::{types::*, InstBuilder, Type, Value};
use wasmparser::Operator as O;

/// Which half of the input lanes an operator widens.
#[derive(Clone, Copy)]
enum Half {
    Low,
    High,
}

impl FuncTranslator<'_, '_> {
    /// Widen one half of `x`'s lanes to twice their width.
    fn widen(&mut self, x: Value, half: Half, signed: bool) -> Value {
        let ins = self.b.ins();
        match (half, signed) {
            (Half::Low, true) => ins.swiden_low(x),
            (Half::High, true) => ins.swiden_high(x),
            (Half::Low, false) => ins.uwiden_low(x),
            (Half::High, false) => ins.uwiden_high(x),
        }
    }

    fn extend(&mut self, from: Type, half: Half, signed: bool) {
        self.vunop(from, |t, x| t.widen(x, half, signed));
    }

    /// `extmul`: widen the same half of both operands, then multiply, which
    /// cannot overflow in the wide lanes (NEON `smull`/`umull`).
    fn extmul(&mut self, from: Type, half: Half, signed: bool) {
        self.vbinop(from, |t, a, b| {
            let a = t.widen(a, half, signed);
            let b = t.widen(b, half, signed);
            t.b.ins().imul(a, b)
        });
    }

    /// `extadd_pairwise`: sums of adjacent lane pairs at twice the width.
    /// `iadd_pairwise(lo, hi)` sums pairs of `lo` into the low result lanes
    /// and pairs of `hi` into the high ones, so widening both halves first
    /// gives exactly Wasm's order (NEON `saddlp`/`uaddlp`).
    fn extadd_pairwise(&mut self, from: Type, signed: bool) {
        self.vunop(from, |t, x| {
            let lo = t.widen(x, Half::Low, signed);
            let hi = t.widen(x, Half::High, signed);
            t.b.ins().iadd_pairwise(lo, hi)
        });
    }

    /// `f64x2` to `i32x4` with saturation, the upper two lanes zero:
    /// convert to saturated `i64` lanes, then narrow them with saturation
    /// against a zero vector, which also saturates to the `i32` range.
    fn trunc_sat_zero(&mut self, signed: bool) {
        let zero = vconst(&mut self.b, 0);
        let zero = self.view(zero, I64X2);
        self.vunop(F64X2, |t, x| {
            if signed {
                let wide = t.b.ins().fcvt_to_sint_sat(I64X2, x);
                t.b.ins().snarrow(wide, zero)
            } else {
                let wide = t.b.ins().fcvt_to_uint_sat(I64X2, x);
                t.b.ins().uunarrow(wide, zero)
            }
        });
    }

    /// Translate a shape-changing operator; false if `op` is not one.
    pub(super) fn simd_convert_op(&mut self, op: &O<'_>) -> bool {
        match op {
            // `snarrow` saturates signed input to the signed range, `unarrow`
            // signed input to the unsigned range, as Wasm's narrow_s/_u.
            O::I8x16NarrowI16x8S => self.vbinop(I16X8, |t, a, b| t.b.ins().snarrow(a, b)),
            O::I8x16NarrowI16x8U => self.vbinop(I16X8, |t, a, b| t.b.ins().unarrow(a, b)),
            O::I16x8NarrowI32x4S => self.vbinop(I32X4, |t, a, b| t.b.ins().snarrow(a, b)),
            O::I16x8NarrowI32x4U => self.vbinop(I32X4, |t, a, b| t.b.ins().unarrow(a, b)),

            O::I16x8ExtendLowI8x16S => self.extend(I8X16, Half::Low, true),
            O::I16x8ExtendHighI8x16S => self.extend(I8X16, Half::High, true),
            O::I16x8ExtendLowI8x16U => self.extend(I8X16, Half::Low, false),
            O::I16x8ExtendHighI8x16U => self.extend(I8X16, Half::High, false),
            O::I32x4ExtendLowI16x8S => self.extend(I16X8, Half::Low, true),
            O::I32x4ExtendHighI16x8S => self.extend(I16X8, Half::High, true),
            O::I32x4ExtendLowI16x8U => self.extend(I16X8, Half::Low, false),
            O::I32x4ExtendHighI16x8U => self.extend(I16X8, Half::High, false),
            O::I64x2ExtendLowI32x4S => self.extend(I32X4, Half::Low, true),
            O::I64x2ExtendHighI32x4S => self.extend(I32X4, Half::High, true),
            O::I64x2ExtendLowI32x4U => self.extend(I32X4, Half::Low, false),
            O::I64x2ExtendHighI32x4U => self.extend(I32X4, Half::High, false),

            O::I16x8ExtMulLowI8x16S => self.extmul(I8X16, Half::Low, true),
            O::I16x8ExtMulHighI8x16S => self.extmul(I8X16, Half::High, true),
            O::I16x8ExtMulLowI8x16U => self.extmul(I8X16, Half::Low, false),
            O::I16x8ExtMulHighI8x16U => self.extmul(I8X16, Half::High, false),
            O::I32x4ExtMulLowI16x8S => self.extmul(I16X8, Half::Low, true),
            O::I32x4ExtMulHighI16x8S => self.extmul(I16X8, Half::High, true),
            O::I32x4ExtMulLowI16x8U => self.extmul(I16X8, Half::Low, false),
            O::I32x4ExtMulHighI16x8U => self.extmul(I16X8, Half::High, false),
            O::I64x2ExtMulLowI32x4S => self.extmul(I32X4, Half::Low, true),
            O::I64x2ExtMulHighI32x4S => self.extmul(I32X4, Half::High, true),
            O::I64x2ExtMulLowI32x4U => self.extmul(I32X4, Half::Low, false),
            O::I64x2ExtMulHighI32x4U => self.extmul(I32X4, Half::High, false),

            O::I16x8ExtAddPairwiseI8x16S => self.extadd_pairwise(I8X16, true),
            O::I16x8ExtAddPairwiseI8x16U => self.extadd_pairwise(I8X16, false),
            O::I32x4ExtAddPairwiseI16x8S => self.extadd_pairwise(I16X8, true),
            O::I32x4ExtAddPairwiseI16x8U => self.extadd_pairwise(I16X8, false),

            // Products of lane pairs in 32 bits, then adjacent products
            // summed; the one overflowing sum (all four lanes -32768) wraps
            // in Wasm as it does here.
            O::I32x4DotI16x8S => self.vbinop(I16X8, |t, a, b| {
                let lo = {
                    let (a, b) = (t.b.ins().swiden_low(a), t.b.ins().swiden_low(b));
                    t.b.ins().imul(a, b)
                };
                let hi = {
                    let (a, b) = (t.b.ins().swiden_high(a), t.b.ins().swiden_high(b));
                    t.b.ins().imul(a, b)
                };
                t.b.ins().iadd_pairwise(lo, hi)
            }),

            // NEON `fcvtzs`/`fcvtzu` saturate and map NaN to 0, as Wasm's
            // trunc_sat does.
            O::I32x4TruncSatF32x4S => {
                self.vunop(F32X4, |t, x| t.b.ins().fcvt_to_sint_sat(I32X4, x))
            }
            O::I32x4TruncSatF32x4U => {
                self.vunop(F32X4, |t, x| t.b.ins().fcvt_to_uint_sat(I32X4, x))
            }
            O::I32x4TruncSatF64x2SZero => self.trunc_sat_zero(true),
            O::I32x4TruncSatF64x2UZero => self.trunc_sat_zero(false),
            O::F32x4ConvertI32x4S => self.vunop(I32X4, |t, x| t.b.ins().fcvt_from_sint(F32X4, x)),
            O::F32x4ConvertI32x4U => self.vunop(I32X4, |t, x| t.b.ins().fcvt_from_uint(F32X4, x)),
            // Every `i32` is exact in `f64`: widen to 64-bit lanes, convert.
            O::F64x2ConvertLowI32x4S => self.vunop(I32X4, |t, x| {
                let wide = t.b.ins().swiden_low(x);
                t.b.ins().fcvt_from_sint(F64X2, wide)
            }),
            O::F64x2ConvertLowI32x4U => self.vunop(I32X4, |t, x| {
                let wide = t.b.ins().uwiden_low(x);
                t.b.ins().fcvt_from_uint(F64X2, wide)
            }),
            // `fvdemote` zeroes the upper two lanes, as `demote_f64x2_zero`.
            O::F32x4DemoteF64x2Zero => self.vunop(F64X2, |t, x| t.b.ins().fvdemote(x)),
            O::F64x2PromoteLowF32x4 => self.vunop(F32X4, |t, x| t.b.ins().fvpromote_low(x)),
            _ => return false,
        }
        true
    }
}
