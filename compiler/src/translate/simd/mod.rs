//! 128-bit SIMD: every `v128` operator of Wasm 2.0, lowered by Cranelift's
//! aarch64 backend to Advanced SIMD (NEON), which every Armv8-A core has.
//!
//! A `v128` is kept as Cranelift `I8X16` wherever it can meet another one:
//! on the value stack, in locals, block parameters, globals and signatures.
//! One canonical type lets values computed under different lane views flow
//! into the same local or block parameter. Each operator bitcasts its
//! operands to the lane type it works on and its result back; the bitcasts
//! cost nothing, as all views live in the same register.
//!
//! Cranelift's vector instructions were designed after Wasm's, so most
//! operators map to one instruction with the same semantics; the few that
//! are composed are documented where they are translated.

mod arith;
mod convert;
mod lanes;
mod memory;

use super::FuncTranslator;
use crate::error::CompileError;
use cranelift_codegen::ir::{
    types::I8X16, ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value,
};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

/// A vector constant, as the canonical `I8X16`; `bits` holds lane 0 in its
/// least significant byte, as Wasm's little-endian lane order does.
pub(super) fn vconst(b: &mut FunctionBuilder<'_>, bits: u128) -> Value {
    let c = b
        .func
        .dfg
        .constants
        .insert(ConstantData::from(&bits.to_le_bytes()[..]));
    b.ins().vconst(I8X16, c)
}

/// Flags of a bitcast between vector types. Cranelift wants the byte order
/// spelled out when the lane count changes; Wasm numbers lanes little-endian.
fn lane_order() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

impl FuncTranslator<'_, '_> {
    /// Reinterpret vector `v` as type `ty` (no-op if it already is one).
    fn view(&mut self, v: Value, ty: Type) -> Value {
        if self.b.func.dfg.value_type(v) == ty {
            v
        } else {
            self.b.ins().bitcast(ty, lane_order(), v)
        }
    }

    /// Pop a `v128` viewed as `ty`.
    fn pop_v(&mut self, ty: Type) -> Value {
        let v = self.pop();
        self.view(v, ty)
    }

    /// Push a vector of any lane type as the canonical `I8X16`.
    fn push_v(&mut self, v: Value) {
        let v = self.view(v, I8X16);
        self.push(v);
    }

    /// `v128 -> v128` with the operand viewed as `ty`.
    fn vunop(&mut self, ty: Type, f: impl FnOnce(&mut Self, Value) -> Value) {
        let x = self.pop_v(ty);
        let v = f(self, x);
        self.push_v(v);
    }

    /// `v128 v128 -> v128` with both operands viewed as `ty`.
    fn vbinop(&mut self, ty: Type, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let b = self.pop_v(ty);
        let a = self.pop_v(ty);
        let v = f(self, a, b);
        self.push_v(v);
    }

    /// Translate a SIMD operator; false if `op` is not one.
    pub(crate) fn simd_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        Ok(self.simd_memory_op(op)
            || self.simd_lane_op(op)
            || self.simd_arith_op(op)
            || self.simd_convert_op(op))
    }
}
