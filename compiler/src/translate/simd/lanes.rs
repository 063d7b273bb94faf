//! Building and taking apart vectors: constants, splats, lane access,
//! shuffles and swizzles.

use super::{vconst, FuncTranslator};
use cranelift_codegen::ir::{types::*, ConstantData, InstBuilder, Type};
use wasmparser::Operator as O;

impl FuncTranslator<'_, '_> {
    /// The scalar operand for a lane of `ty`: Wasm passes 8- and 16-bit
    /// lanes as `i32`, so those are truncated to the lane width first.
    fn lane_scalar(&mut self, ty: Type) -> cranelift_codegen::ir::Value {
        let x = self.pop();
        let lane = ty.lane_type();
        if self.b.func.dfg.value_type(x) == lane {
            x
        } else {
            self.b.ins().ireduce(lane, x)
        }
    }

    fn splat(&mut self, ty: Type) {
        let x = self.lane_scalar(ty);
        let v = self.b.ins().splat(ty, x);
        self.push_v(v);
    }

    fn replace_lane(&mut self, ty: Type, lane: u8) {
        let x = self.lane_scalar(ty);
        let vec = self.pop_v(ty);
        let v = self.b.ins().insertlane(vec, x, lane);
        self.push_v(v);
    }

    /// Extract a lane; 8- and 16-bit lanes widen to `i32` (`signed` picks
    /// the extension), wider lanes are pushed as they are.
    fn extract_lane(&mut self, ty: Type, lane: u8, signed: bool) {
        let vec = self.pop_v(ty);
        let x = self.b.ins().extractlane(vec, lane);
        let x = match (ty.lane_bits(), signed) {
            (8 | 16, true) => self.b.ins().sextend(I32, x),
            (8 | 16, false) => self.b.ins().uextend(I32, x),
            _ => x,
        };
        self.push(x);
    }

    /// Translate a lane or shuffle operator; false if `op` is not one.
    pub(super) fn simd_lane_op(&mut self, op: &O<'_>) -> bool {
        match op {
            O::V128Const { value } => {
                let v = vconst(&mut self.b, value.i128() as u128);
                self.push(v);
            }
            // Cranelift's `shuffle` has Wasm's semantics: mask byte i < 16
            // picks lane i of `a`, 16..32 lane i - 16 of `b` (validation
            // has checked the range).
            O::I8x16Shuffle { lanes } => self.vbinop(I8X16, |t, a, b| {
                let mask = t.b.func.dfg.immediates.push(ConstantData::from(&lanes[..]));
                t.b.ins().shuffle(a, b, mask)
            }),
            // `swizzle` yields 0 for an index of 16 or more, as Wasm's
            // does (NEON `tbl` behaves the same way).
            O::I8x16Swizzle => self.vbinop(I8X16, |t, a, b| t.b.ins().swizzle(a, b)),
            O::I8x16Splat => self.splat(I8X16),
            O::I16x8Splat => self.splat(I16X8),
            O::I32x4Splat => self.splat(I32X4),
            O::I64x2Splat => self.splat(I64X2),
            O::F32x4Splat => self.splat(F32X4),
            O::F64x2Splat => self.splat(F64X2),
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, *lane, true),
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, *lane, false),
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, *lane, true),
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, *lane, false),
            O::I32x4ExtractLane { lane } => self.extract_lane(I32X4, *lane, false),
            O::I64x2ExtractLane { lane } => self.extract_lane(I64X2, *lane, false),
            O::F32x4ExtractLane { lane } => self.extract_lane(F32X4, *lane, false),
            O::F64x2ExtractLane { lane } => self.extract_lane(F64X2, *lane, false),
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8X16, *lane),
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16X8, *lane),
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32X4, *lane),
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64X2, *lane),
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32X4, *lane),
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64X2, *lane),
            _ => return false,
        }
        true
    }
}
