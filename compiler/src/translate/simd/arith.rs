//! Lane-wise arithmetic: bitwise operators, integer and float arithmetic,
//! shifts, comparisons and the vector-to-`i32` reductions.

use super::FuncTranslator;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types::*, InstBuilder, Type, Value};
use wasmparser::Operator as O;

impl FuncTranslator<'_, '_> {
    /// Lane-wise integer comparison: all ones where `cc` holds, else zeros
    /// (Cranelift's vector `icmp` already yields such a mask).
    fn vicmp(&mut self, ty: Type, cc: IntCC) {
        self.vbinop(ty, |t, a, b| t.b.ins().icmp(cc, a, b));
    }

    /// Lane-wise float comparison, as a mask of the same lane width.
    fn vfcmp(&mut self, ty: Type, cc: FloatCC) {
        self.vbinop(ty, |t, a, b| t.b.ins().fcmp(cc, a, b));
    }

    /// Shift every lane by the `i32` on top of the stack; Cranelift takes
    /// the amount modulo the lane width, as Wasm does.
    fn vshift(&mut self, ty: Type, f: fn(&mut Self, Value, Value) -> Value) {
        let amount = self.pop();
        let x = self.pop_v(ty);
        let v = f(self, x, amount);
        self.push_v(v);
    }

    /// A reduction to an `i32` flag (`any_true`, `all_true`).
    fn vtest(&mut self, ty: Type, f: fn(&mut Self, Value) -> Value) {
        let x = self.pop_v(ty);
        let flag = f(self, x);
        let v = self.b.ins().uextend(I32, flag);
        self.push(v);
    }

    /// `bitmask`: the top bit of each lane, lane 0 in bit 0.
    fn vbitmask(&mut self, ty: Type) {
        let x = self.pop_v(ty);
        let v = self.b.ins().vhigh_bits(I32, x);
        self.push(v);
    }

    /// `pmin`/`pmax`: `pmin(a, b) = b < a ? b : a` and `pmax(a, b) =
    /// a < b ? b : a`, lane-wise. Unlike `fmin`/`fmax` these return an
    /// operand unchanged (NaNs and signed zeros included), so they are a
    /// comparison and a bit select, not NEON's `fmin`/`fmax`.
    fn pseudo_minmax(&mut self, ty: Type, max: bool) {
        self.vbinop(ty, |t, a, b| {
            let mask = if max {
                t.b.ins().fcmp(FloatCC::LessThan, a, b)
            } else {
                t.b.ins().fcmp(FloatCC::LessThan, b, a)
            };
            let mask = t.view(mask, ty);
            t.b.ins().bitselect(mask, b, a)
        });
    }

    /// Translate an arithmetic, comparison or reduction operator; false if
    /// `op` is not one.
    pub(super) fn simd_arith_op(&mut self, op: &O<'_>) -> bool {
        match op {
            O::V128Not => self.vunop(I8X16, |t, x| t.b.ins().bnot(x)),
            O::V128And => self.vbinop(I8X16, |t, a, b| t.b.ins().band(a, b)),
            O::V128AndNot => self.vbinop(I8X16, |t, a, b| t.b.ins().band_not(a, b)),
            O::V128Or => self.vbinop(I8X16, |t, a, b| t.b.ins().bor(a, b)),
            O::V128Xor => self.vbinop(I8X16, |t, a, b| t.b.ins().bxor(a, b)),
            // Wasm's operands are (v1, v2, c); Cranelift's are (c, v1, v2).
            O::V128Bitselect => {
                let c = self.pop_v(I8X16);
                self.vbinop(I8X16, |t, a, b| t.b.ins().bitselect(c, a, b));
            }
            O::V128AnyTrue => self.vtest(I8X16, |t, x| t.b.ins().vany_true(x)),
            O::I8x16AllTrue => self.vtest(I8X16, |t, x| t.b.ins().vall_true(x)),
            O::I16x8AllTrue => self.vtest(I16X8, |t, x| t.b.ins().vall_true(x)),
            O::I32x4AllTrue => self.vtest(I32X4, |t, x| t.b.ins().vall_true(x)),
            O::I64x2AllTrue => self.vtest(I64X2, |t, x| t.b.ins().vall_true(x)),
            O::I8x16Bitmask => self.vbitmask(I8X16),
            O::I16x8Bitmask => self.vbitmask(I16X8),
            O::I32x4Bitmask => self.vbitmask(I32X4),
            O::I64x2Bitmask => self.vbitmask(I64X2),

            O::I8x16Eq => self.vicmp(I8X16, IntCC::Equal),
            O::I8x16Ne => self.vicmp(I8X16, IntCC::NotEqual),
            O::I8x16LtS => self.vicmp(I8X16, IntCC::SignedLessThan),
            O::I8x16LtU => self.vicmp(I8X16, IntCC::UnsignedLessThan),
            O::I8x16GtS => self.vicmp(I8X16, IntCC::SignedGreaterThan),
            O::I8x16GtU => self.vicmp(I8X16, IntCC::UnsignedGreaterThan),
            O::I8x16LeS => self.vicmp(I8X16, IntCC::SignedLessThanOrEqual),
            O::I8x16LeU => self.vicmp(I8X16, IntCC::UnsignedLessThanOrEqual),
            O::I8x16GeS => self.vicmp(I8X16, IntCC::SignedGreaterThanOrEqual),
            O::I8x16GeU => self.vicmp(I8X16, IntCC::UnsignedGreaterThanOrEqual),
            O::I16x8Eq => self.vicmp(I16X8, IntCC::Equal),
            O::I16x8Ne => self.vicmp(I16X8, IntCC::NotEqual),
            O::I16x8LtS => self.vicmp(I16X8, IntCC::SignedLessThan),
            O::I16x8LtU => self.vicmp(I16X8, IntCC::UnsignedLessThan),
            O::I16x8GtS => self.vicmp(I16X8, IntCC::SignedGreaterThan),
            O::I16x8GtU => self.vicmp(I16X8, IntCC::UnsignedGreaterThan),
            O::I16x8LeS => self.vicmp(I16X8, IntCC::SignedLessThanOrEqual),
            O::I16x8LeU => self.vicmp(I16X8, IntCC::UnsignedLessThanOrEqual),
            O::I16x8GeS => self.vicmp(I16X8, IntCC::SignedGreaterThanOrEqual),
            O::I16x8GeU => self.vicmp(I16X8, IntCC::UnsignedGreaterThanOrEqual),
            O::I32x4Eq => self.vicmp(I32X4, IntCC::Equal),
            O::I32x4Ne => self.vicmp(I32X4, IntCC::NotEqual),
            O::I32x4LtS => self.vicmp(I32X4, IntCC::SignedLessThan),
            O::I32x4LtU => self.vicmp(I32X4, IntCC::UnsignedLessThan),
            O::I32x4GtS => self.vicmp(I32X4, IntCC::SignedGreaterThan),
            O::I32x4GtU => self.vicmp(I32X4, IntCC::UnsignedGreaterThan),
            O::I32x4LeS => self.vicmp(I32X4, IntCC::SignedLessThanOrEqual),
            O::I32x4LeU => self.vicmp(I32X4, IntCC::UnsignedLessThanOrEqual),
            O::I32x4GeS => self.vicmp(I32X4, IntCC::SignedGreaterThanOrEqual),
            O::I32x4GeU => self.vicmp(I32X4, IntCC::UnsignedGreaterThanOrEqual),
            O::I64x2Eq => self.vicmp(I64X2, IntCC::Equal),
            O::I64x2Ne => self.vicmp(I64X2, IntCC::NotEqual),
            O::I64x2LtS => self.vicmp(I64X2, IntCC::SignedLessThan),
            O::I64x2GtS => self.vicmp(I64X2, IntCC::SignedGreaterThan),
            O::I64x2LeS => self.vicmp(I64X2, IntCC::SignedLessThanOrEqual),
            O::I64x2GeS => self.vicmp(I64X2, IntCC::SignedGreaterThanOrEqual),
            O::F32x4Eq => self.vfcmp(F32X4, FloatCC::Equal),
            O::F32x4Ne => self.vfcmp(F32X4, FloatCC::NotEqual),
            O::F32x4Lt => self.vfcmp(F32X4, FloatCC::LessThan),
            O::F32x4Gt => self.vfcmp(F32X4, FloatCC::GreaterThan),
            O::F32x4Le => self.vfcmp(F32X4, FloatCC::LessThanOrEqual),
            O::F32x4Ge => self.vfcmp(F32X4, FloatCC::GreaterThanOrEqual),
            O::F64x2Eq => self.vfcmp(F64X2, FloatCC::Equal),
            O::F64x2Ne => self.vfcmp(F64X2, FloatCC::NotEqual),
            O::F64x2Lt => self.vfcmp(F64X2, FloatCC::LessThan),
            O::F64x2Gt => self.vfcmp(F64X2, FloatCC::GreaterThan),
            O::F64x2Le => self.vfcmp(F64X2, FloatCC::LessThanOrEqual),
            O::F64x2Ge => self.vfcmp(F64X2, FloatCC::GreaterThanOrEqual),

            O::I8x16Abs => self.vunop(I8X16, |t, x| t.b.ins().iabs(x)),
            O::I16x8Abs => self.vunop(I16X8, |t, x| t.b.ins().iabs(x)),
            O::I32x4Abs => self.vunop(I32X4, |t, x| t.b.ins().iabs(x)),
            O::I64x2Abs => self.vunop(I64X2, |t, x| t.b.ins().iabs(x)),
            O::I8x16Neg => self.vunop(I8X16, |t, x| t.b.ins().ineg(x)),
            O::I16x8Neg => self.vunop(I16X8, |t, x| t.b.ins().ineg(x)),
            O::I32x4Neg => self.vunop(I32X4, |t, x| t.b.ins().ineg(x)),
            O::I64x2Neg => self.vunop(I64X2, |t, x| t.b.ins().ineg(x)),
            O::I8x16Popcnt => self.vunop(I8X16, |t, x| t.b.ins().popcnt(x)),
            O::I8x16Add => self.vbinop(I8X16, |t, a, b| t.b.ins().iadd(a, b)),
            O::I16x8Add => self.vbinop(I16X8, |t, a, b| t.b.ins().iadd(a, b)),
            O::I32x4Add => self.vbinop(I32X4, |t, a, b| t.b.ins().iadd(a, b)),
            O::I64x2Add => self.vbinop(I64X2, |t, a, b| t.b.ins().iadd(a, b)),
            O::I8x16Sub => self.vbinop(I8X16, |t, a, b| t.b.ins().isub(a, b)),
            O::I16x8Sub => self.vbinop(I16X8, |t, a, b| t.b.ins().isub(a, b)),
            O::I32x4Sub => self.vbinop(I32X4, |t, a, b| t.b.ins().isub(a, b)),
            O::I64x2Sub => self.vbinop(I64X2, |t, a, b| t.b.ins().isub(a, b)),
            O::I16x8Mul => self.vbinop(I16X8, |t, a, b| t.b.ins().imul(a, b)),
            O::I32x4Mul => self.vbinop(I32X4, |t, a, b| t.b.ins().imul(a, b)),
            O::I64x2Mul => self.vbinop(I64X2, |t, a, b| t.b.ins().imul(a, b)),
            O::I8x16AddSatS => self.vbinop(I8X16, |t, a, b| t.b.ins().sadd_sat(a, b)),
            O::I8x16AddSatU => self.vbinop(I8X16, |t, a, b| t.b.ins().uadd_sat(a, b)),
            O::I16x8AddSatS => self.vbinop(I16X8, |t, a, b| t.b.ins().sadd_sat(a, b)),
            O::I16x8AddSatU => self.vbinop(I16X8, |t, a, b| t.b.ins().uadd_sat(a, b)),
            O::I8x16SubSatS => self.vbinop(I8X16, |t, a, b| t.b.ins().ssub_sat(a, b)),
            O::I8x16SubSatU => self.vbinop(I8X16, |t, a, b| t.b.ins().usub_sat(a, b)),
            O::I16x8SubSatS => self.vbinop(I16X8, |t, a, b| t.b.ins().ssub_sat(a, b)),
            O::I16x8SubSatU => self.vbinop(I16X8, |t, a, b| t.b.ins().usub_sat(a, b)),
            O::I8x16MinS => self.vbinop(I8X16, |t, a, b| t.b.ins().smin(a, b)),
            O::I8x16MinU => self.vbinop(I8X16, |t, a, b| t.b.ins().umin(a, b)),
            O::I8x16MaxS => self.vbinop(I8X16, |t, a, b| t.b.ins().smax(a, b)),
            O::I8x16MaxU => self.vbinop(I8X16, |t, a, b| t.b.ins().umax(a, b)),
            O::I16x8MinS => self.vbinop(I16X8, |t, a, b| t.b.ins().smin(a, b)),
            O::I16x8MinU => self.vbinop(I16X8, |t, a, b| t.b.ins().umin(a, b)),
            O::I16x8MaxS => self.vbinop(I16X8, |t, a, b| t.b.ins().smax(a, b)),
            O::I16x8MaxU => self.vbinop(I16X8, |t, a, b| t.b.ins().umax(a, b)),
            O::I32x4MinS => self.vbinop(I32X4, |t, a, b| t.b.ins().smin(a, b)),
            O::I32x4MinU => self.vbinop(I32X4, |t, a, b| t.b.ins().umin(a, b)),
            O::I32x4MaxS => self.vbinop(I32X4, |t, a, b| t.b.ins().smax(a, b)),
            O::I32x4MaxU => self.vbinop(I32X4, |t, a, b| t.b.ins().umax(a, b)),
            // Rounding average `(a + b + 1) >> 1` without overflow (NEON `urhadd`).
            O::I8x16AvgrU => self.vbinop(I8X16, |t, a, b| t.b.ins().avg_round(a, b)),
            O::I16x8AvgrU => self.vbinop(I16X8, |t, a, b| t.b.ins().avg_round(a, b)),
            // Saturating rounding Q15 multiply: NEON `sqrdmulh`, which also
            // saturates the one overflowing case (-32768 * -32768).
            O::I16x8Q15MulrSatS => self.vbinop(I16X8, |t, a, b| t.b.ins().sqmul_round_sat(a, b)),

            O::I8x16Shl => self.vshift(I8X16, |t, x, n| t.b.ins().ishl(x, n)),
            O::I16x8Shl => self.vshift(I16X8, |t, x, n| t.b.ins().ishl(x, n)),
            O::I32x4Shl => self.vshift(I32X4, |t, x, n| t.b.ins().ishl(x, n)),
            O::I64x2Shl => self.vshift(I64X2, |t, x, n| t.b.ins().ishl(x, n)),
            O::I8x16ShrS => self.vshift(I8X16, |t, x, n| t.b.ins().sshr(x, n)),
            O::I16x8ShrS => self.vshift(I16X8, |t, x, n| t.b.ins().sshr(x, n)),
            O::I32x4ShrS => self.vshift(I32X4, |t, x, n| t.b.ins().sshr(x, n)),
            O::I64x2ShrS => self.vshift(I64X2, |t, x, n| t.b.ins().sshr(x, n)),
            O::I8x16ShrU => self.vshift(I8X16, |t, x, n| t.b.ins().ushr(x, n)),
            O::I16x8ShrU => self.vshift(I16X8, |t, x, n| t.b.ins().ushr(x, n)),
            O::I32x4ShrU => self.vshift(I32X4, |t, x, n| t.b.ins().ushr(x, n)),
            O::I64x2ShrU => self.vshift(I64X2, |t, x, n| t.b.ins().ushr(x, n)),

            O::F32x4Abs => self.vunop(F32X4, |t, x| t.b.ins().fabs(x)),
            O::F64x2Abs => self.vunop(F64X2, |t, x| t.b.ins().fabs(x)),
            O::F32x4Neg => self.vunop(F32X4, |t, x| t.b.ins().fneg(x)),
            O::F64x2Neg => self.vunop(F64X2, |t, x| t.b.ins().fneg(x)),
            O::F32x4Sqrt => self.vunop(F32X4, |t, x| t.b.ins().sqrt(x)),
            O::F64x2Sqrt => self.vunop(F64X2, |t, x| t.b.ins().sqrt(x)),
            O::F32x4Ceil => self.vunop(F32X4, |t, x| t.b.ins().ceil(x)),
            O::F64x2Ceil => self.vunop(F64X2, |t, x| t.b.ins().ceil(x)),
            O::F32x4Floor => self.vunop(F32X4, |t, x| t.b.ins().floor(x)),
            O::F64x2Floor => self.vunop(F64X2, |t, x| t.b.ins().floor(x)),
            O::F32x4Trunc => self.vunop(F32X4, |t, x| t.b.ins().trunc(x)),
            O::F64x2Trunc => self.vunop(F64X2, |t, x| t.b.ins().trunc(x)),
            O::F32x4Nearest => self.vunop(F32X4, |t, x| t.b.ins().nearest(x)),
            O::F64x2Nearest => self.vunop(F64X2, |t, x| t.b.ins().nearest(x)),
            O::F32x4Add => self.vbinop(F32X4, |t, a, b| t.b.ins().fadd(a, b)),
            O::F64x2Add => self.vbinop(F64X2, |t, a, b| t.b.ins().fadd(a, b)),
            O::F32x4Sub => self.vbinop(F32X4, |t, a, b| t.b.ins().fsub(a, b)),
            O::F64x2Sub => self.vbinop(F64X2, |t, a, b| t.b.ins().fsub(a, b)),
            O::F32x4Mul => self.vbinop(F32X4, |t, a, b| t.b.ins().fmul(a, b)),
            O::F64x2Mul => self.vbinop(F64X2, |t, a, b| t.b.ins().fmul(a, b)),
            O::F32x4Div => self.vbinop(F32X4, |t, a, b| t.b.ins().fdiv(a, b)),
            O::F64x2Div => self.vbinop(F64X2, |t, a, b| t.b.ins().fdiv(a, b)),
            // NEON `fmin`/`fmax` propagate NaN and order -0 below +0, as
            // Wasm's `min`/`max` require.
            O::F32x4Min => self.vbinop(F32X4, |t, a, b| t.b.ins().fmin(a, b)),
            O::F64x2Min => self.vbinop(F64X2, |t, a, b| t.b.ins().fmin(a, b)),
            O::F32x4Max => self.vbinop(F32X4, |t, a, b| t.b.ins().fmax(a, b)),
            O::F64x2Max => self.vbinop(F64X2, |t, a, b| t.b.ins().fmax(a, b)),
            O::F32x4PMin => self.pseudo_minmax(F32X4, false),
            O::F64x2PMin => self.pseudo_minmax(F64X2, false),
            O::F32x4PMax => self.pseudo_minmax(F32X4, true),
            O::F64x2PMax => self.pseudo_minmax(F64X2, true),
            _ => return false,
        }
        true
    }
}
