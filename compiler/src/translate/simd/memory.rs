//! `v128` loads and stores: whole vectors, extending loads, splat and zero
//! loads, and single-lane loads and stores.
//!
//! They share the scalar accesses' address computation and bounds checks
//! (`heap_address`), so both bounds-check modes hold for them unchanged:
//! the access size passed there is the number of bytes actually touched.

use super::FuncTranslator;
use cranelift_codegen::ir::{types::*, InstBuilder, MemFlagsData, Type, Value};
use wasmparser::{MemArg, Operator as O};

/// An extending load: reads 8 bytes and widens each half-width lane.
type ExtendLoad = fn(&mut FuncTranslator<'_, '_>, MemFlagsData, Value, i32) -> Value;

impl FuncTranslator<'_, '_> {
    /// Load `mem` (a scalar type) from the address on the stack.
    fn load_scalar(&mut self, arg: &MemArg, mem: Type) -> Value {
        let (addr, off) = self.heap_address(arg, mem.bytes());
        let flags = self.heap_flags();
        self.b.ins().load(mem, flags, addr, off)
    }

    fn load_extend(&mut self, arg: &MemArg, f: ExtendLoad) {
        let (addr, off) = self.heap_address(arg, 8);
        let v = f(self, self.heap_flags(), addr, off);
        self.push_v(v);
    }

    /// `v128.loadN_splat`: one scalar copied to every lane of `ty`.
    fn load_splat(&mut self, arg: &MemArg, ty: Type) {
        let x = self.load_scalar(arg, ty.lane_type());
        let v = self.b.ins().splat(ty, x);
        self.push_v(v);
    }

    /// `v128.loadN_zero`: one scalar in lane 0, the other lanes zero.
    fn load_zero(&mut self, arg: &MemArg, ty: Type) {
        let x = self.load_scalar(arg, ty.lane_type());
        let v = self.b.ins().scalar_to_vector(ty, x);
        self.push_v(v);
    }

    /// `v128.loadN_lane`: replace lane `lane` of the vector on the stack.
    fn load_lane(&mut self, arg: &MemArg, lane: u8, ty: Type) {
        let vec = self.pop_v(ty);
        let x = self.load_scalar(arg, ty.lane_type());
        let v = self.b.ins().insertlane(vec, x, lane);
        self.push_v(v);
    }

    /// `v128.storeN_lane`: store lane `lane` of the vector on the stack.
    fn store_lane(&mut self, arg: &MemArg, lane: u8, ty: Type) {
        let vec = self.pop_v(ty);
        let x = self.b.ins().extractlane(vec, lane);
        let (addr, off) = self.heap_address(arg, ty.lane_type().bytes());
        let flags = self.heap_flags();
        self.b.ins().store(flags, x, addr, off);
    }

    /// Translate a SIMD memory operator; false if `op` is not one.
    pub(super) fn simd_memory_op(&mut self, op: &O<'_>) -> bool {
        match op {
            O::V128Load { memarg } => {
                let v = self.load_scalar(memarg, I8X16);
                self.push(v);
            }
            O::V128Store { memarg } => {
                let v = self.pop_v(I8X16);
                let (addr, off) = self.heap_address(memarg, 16);
                let flags = self.heap_flags();
                self.b.ins().store(flags, v, addr, off);
            }
            O::V128Load8x8S { memarg } => {
                self.load_extend(memarg, |t, f, a, o| t.b.ins().sload8x8(f, a, o))
            }
            O::V128Load8x8U { memarg } => {
                self.load_extend(memarg, |t, f, a, o| t.b.ins().uload8x8(f, a, o))
            }
            O::V128Load16x4S { memarg } => {
                self.load_extend(memarg, |t, f, a, o| t.b.ins().sload16x4(f, a, o))
            }
            O::V128Load16x4U { memarg } => {
                self.load_extend(memarg, |t, f, a, o| t.b.ins().uload16x4(f, a, o))
            }
            O::V128Load32x2S { memarg } => {
                self.load_extend(memarg, |t, f, a, o| t.b.ins().sload32x2(f, a, o))
            }
            O::V128Load32x2U { memarg } => {
                self.load_extend(memarg, |t, f, a, o| t.b.ins().uload32x2(f, a, o))
            }
            O::V128Load8Splat { memarg } => self.load_splat(memarg, I8X16),
            O::V128Load16Splat { memarg } => self.load_splat(memarg, I16X8),
            O::V128Load32Splat { memarg } => self.load_splat(memarg, I32X4),
            O::V128Load64Splat { memarg } => self.load_splat(memarg, I64X2),
            O::V128Load32Zero { memarg } => self.load_zero(memarg, I32X4),
            O::V128Load64Zero { memarg } => self.load_zero(memarg, I64X2),
            O::V128Load8Lane { memarg, lane } => self.load_lane(memarg, *lane, I8X16),
            O::V128Load16Lane { memarg, lane } => self.load_lane(memarg, *lane, I16X8),
            O::V128Load32Lane { memarg, lane } => self.load_lane(memarg, *lane, I32X4),
            O::V128Load64Lane { memarg, lane } => self.load_lane(memarg, *lane, I64X2),
            O::V128Store8Lane { memarg, lane } => self.store_lane(memarg, *lane, I8X16),
            O::V128Store16Lane { memarg, lane } => self.store_lane(memarg, *lane, I16X8),
            O::V128Store32Lane { memarg, lane } => self.store_lane(memarg, *lane, I32X4),
            O::V128Store64Lane { memarg, lane } => self.store_lane(memarg, *lane, I64X2),
            _ => return false,
        }
        true
    }
}
