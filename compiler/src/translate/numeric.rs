//! Integer and float operators, conversions and constants.

use super::FuncTranslator;
use crate::error::CompileError;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{types::*, InstBuilder, MemFlagsData, Opcode, Type, Value};
use wasmparser::Operator as O;

impl FuncTranslator<'_, '_> {
    fn unop(&mut self, f: impl FnOnce(&mut Self, Value) -> Value) {
        let x = self.pop();
        let v = f(self, x);
        self.push(v);
    }

    fn binop(&mut self, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let (a, b) = self.pop2();
        let v = f(self, a, b);
        self.push(v);
    }

    /// `v`, but if it is an integer constant, behind a `bitcast`: the
    /// constant is then materialized once outside loops and kept in a
    /// register, where Cranelift would rematerialize it (`mov w, #k`) next
    /// to every use inside the loop. Only for operands no instruction takes
    /// as an immediate (a multiplier, unless a power of two, which becomes
    /// a shift; the arms of a `select`).
    pub(super) fn in_register(&mut self, v: Value, multiplier: bool) -> Value {
        match self.iconst(v) {
            Some(k) if !(multiplier && (k == 0 || k.is_power_of_two())) => {
                super::pinned(&mut self.b, v)
            }
            _ => v,
        }
    }

    fn icmp(&mut self, cc: IntCC) {
        self.binop(|t, a, b| {
            let (a, b) = if matches!(cc, IntCC::Equal | IntCC::NotEqual) {
                (t.stepped(a, b), t.stepped(b, a))
            } else {
                (a, b)
            };
            let c = t.b.ins().icmp(cc, a, b);
            t.b.ins().uextend(I32, c)
        });
    }

    /// `x`, behind a same-type `bitcast` if it is `y + K` or `y - K` and
    /// is compared for (in)equality with the constant `other`.
    ///
    /// Cranelift rewrites `y + K == K2` into `y == K2 - K`. On a loop's
    /// exit test (`i' = i + 4; i' != 256`) that keeps the old induction
    /// value alive next to the new one, so every back edge gains a
    /// register move (`add w1, w0, #4; cmp w0, #252; b.eq; mov x0, x1`).
    /// The `bitcast` is free (it lowers to no instruction) but hides the
    /// sum from the rewrite: the test reads the new value, the old one
    /// dies at the add, and the add updates its register in place.
    fn stepped(&mut self, x: Value, other: Value) -> Value {
        let steps = [Opcode::Iadd, Opcode::Isub].iter().any(|&op| {
            self.operands(x, op)
                .is_some_and(|[a, b]| self.iconst(a).or(self.iconst(b)).is_some())
        });
        if steps && self.iconst(other).is_some() {
            super::pinned(&mut self.b, x)
        } else {
            x
        }
    }

    fn fcmp(&mut self, cc: FloatCC) {
        self.binop(|t, a, b| {
            let c = t.b.ins().fcmp(cc, a, b);
            t.b.ins().uextend(I32, c)
        });
    }

    /// Sign-extend the low `from` bits of an integer of type `ty`.
    fn extend_low(&mut self, from: Type, ty: Type) {
        self.unop(|t, x| {
            let low = t.b.ins().ireduce(from, x);
            t.b.ins().sextend(ty, low)
        });
    }

    /// Translate a numeric operator; false if `op` is not one.
    pub(crate) fn numeric_op(&mut self, op: &O<'_>) -> Result<bool, CompileError> {
        match op {
            O::I32Const { value } => {
                let v = super::wide_const(&mut self.b, I32, i64::from(*value));
                self.push(v);
            }
            O::I64Const { value } => {
                let v = super::wide_const(&mut self.b, I64, *value);
                self.push(v);
            }
            // Float constants other than zero (which comparisons take as
            // `#0.0`) are pinned: Cranelift would rebuild them (`fmov d,
            // #k` or a literal load) on every iteration of a loop.
            O::F32Const { value } => {
                let v = self.b.ins().f32const(Ieee32::with_bits(value.bits()));
                let v = if value.bits() == 0 {
                    v
                } else {
                    super::pinned(&mut self.b, v)
                };
                self.push(v);
            }
            O::F64Const { value } => {
                let v = self.b.ins().f64const(Ieee64::with_bits(value.bits()));
                let v = if value.bits() == 0 {
                    v
                } else {
                    super::pinned(&mut self.b, v)
                };
                self.push(v);
            }

            O::I32Eqz | O::I64Eqz => self.unop(|t, x| {
                let c = t.b.ins().icmp_imm_s(IntCC::Equal, x, 0);
                t.b.ins().uextend(I32, c)
            }),
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),

            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),

            O::I32Clz | O::I64Clz => self.unop(|t, x| t.b.ins().clz(x)),
            O::I32Ctz | O::I64Ctz => self.unop(|t, x| t.b.ins().ctz(x)),
            O::I32Popcnt | O::I64Popcnt => self.unop(|t, x| t.b.ins().popcnt(x)),
            O::I32Add | O::I64Add => self.binop(|t, a, b| t.b.ins().iadd(a, b)),
            O::I32Sub | O::I64Sub => self.binop(|t, a, b| t.b.ins().isub(a, b)),
            O::I32Mul | O::I64Mul => self.binop(|t, a, b| {
                let (a, b) = (t.in_register(a, true), t.in_register(b, true));
                t.b.ins().imul(a, b)
            }),
            // Cranelift's divisions trap exactly where Wasm's do: division by
            // zero, and signed overflow of MIN / -1 (srem of that is 0).
            O::I32DivS | O::I64DivS => self.binop(|t, a, b| t.b.ins().sdiv(a, b)),
            O::I32DivU | O::I64DivU => self.binop(|t, a, b| t.b.ins().udiv(a, b)),
            O::I32RemS | O::I64RemS => self.binop(|t, a, b| t.b.ins().srem(a, b)),
            O::I32RemU | O::I64RemU => self.binop(|t, a, b| t.b.ins().urem(a, b)),
            O::I32And | O::I64And => self.binop(|t, a, b| t.b.ins().band(a, b)),
            O::I32Or | O::I64Or => self.binop(|t, a, b| t.or_or_bswap(a, b)),
            O::I32Xor | O::I64Xor => self.binop(|t, a, b| t.b.ins().bxor(a, b)),
            // Shift and rotate amounts are taken modulo the width, as in Wasm.
            O::I32Shl | O::I64Shl => self.binop(|t, a, b| t.b.ins().ishl(a, b)),
            O::I32ShrS | O::I64ShrS => self.binop(|t, a, b| t.b.ins().sshr(a, b)),
            O::I32ShrU | O::I64ShrU => self.binop(|t, a, b| t.b.ins().ushr(a, b)),
            O::I32Rotl | O::I64Rotl => self.binop(|t, a, b| t.b.ins().rotl(a, b)),
            O::I32Rotr | O::I64Rotr => self.binop(|t, a, b| t.b.ins().rotr(a, b)),

            O::F32Abs | O::F64Abs => self.unop(|t, x| t.b.ins().fabs(x)),
            O::F32Neg | O::F64Neg => self.unop(|t, x| t.b.ins().fneg(x)),
            O::F32Ceil | O::F64Ceil => self.unop(|t, x| t.b.ins().ceil(x)),
            O::F32Floor | O::F64Floor => self.unop(|t, x| t.b.ins().floor(x)),
            O::F32Trunc | O::F64Trunc => self.unop(|t, x| t.b.ins().trunc(x)),
            O::F32Nearest | O::F64Nearest => self.unop(|t, x| t.b.ins().nearest(x)),
            O::F32Sqrt | O::F64Sqrt => self.unop(|t, x| t.b.ins().sqrt(x)),
            O::F32Add | O::F64Add => self.binop(|t, a, b| t.b.ins().fadd(a, b)),
            O::F32Sub | O::F64Sub => self.binop(|t, a, b| t.b.ins().fsub(a, b)),
            O::F32Mul | O::F64Mul => self.binop(|t, a, b| t.b.ins().fmul(a, b)),
            O::F32Div | O::F64Div => self.binop(|t, a, b| t.b.ins().fdiv(a, b)),
            // fmin/fmax propagate NaN and order -0 below +0, as Wasm requires.
            O::F32Min | O::F64Min => self.binop(|t, a, b| t.b.ins().fmin(a, b)),
            O::F32Max | O::F64Max => self.binop(|t, a, b| t.b.ins().fmax(a, b)),
            O::F32Copysign | O::F64Copysign => self.binop(|t, a, b| t.b.ins().fcopysign(a, b)),

            O::I32WrapI64 => self.unop(|t, x| t.b.ins().ireduce(I32, x)),
            O::I64ExtendI32S => self.unop(|t, x| t.b.ins().sextend(I64, x)),
            O::I64ExtendI32U => self.unop(|t, x| t.b.ins().uextend(I64, x)),
            O::I32Extend8S => self.extend_low(I8, I32),
            O::I32Extend16S => self.extend_low(I16, I32),
            O::I64Extend8S => self.extend_low(I8, I64),
            O::I64Extend16S => self.extend_low(I16, I64),
            O::I64Extend32S => self.extend_low(I32, I64),

            // Trapping conversions: Cranelift raises BAD_CONVERSION_TO_INTEGER
            // for NaN and INTEGER_OVERFLOW out of range, as Wasm requires.
            O::I32TruncF32S | O::I32TruncF64S => self.unop(|t, x| t.b.ins().fcvt_to_sint(I32, x)),
            O::I32TruncF32U | O::I32TruncF64U => self.unop(|t, x| t.b.ins().fcvt_to_uint(I32, x)),
            O::I64TruncF32S | O::I64TruncF64S => self.unop(|t, x| t.b.ins().fcvt_to_sint(I64, x)),
            O::I64TruncF32U | O::I64TruncF64U => self.unop(|t, x| t.b.ins().fcvt_to_uint(I64, x)),
            O::I32TruncSatF32S | O::I32TruncSatF64S => {
                self.unop(|t, x| t.b.ins().fcvt_to_sint_sat(I32, x))
            }
            O::I32TruncSatF32U | O::I32TruncSatF64U => {
                self.unop(|t, x| t.b.ins().fcvt_to_uint_sat(I32, x))
            }
            O::I64TruncSatF32S | O::I64TruncSatF64S => {
                self.unop(|t, x| t.b.ins().fcvt_to_sint_sat(I64, x))
            }
            O::I64TruncSatF32U | O::I64TruncSatF64U => {
                self.unop(|t, x| t.b.ins().fcvt_to_uint_sat(I64, x))
            }
            O::F32ConvertI32S | O::F32ConvertI64S => {
                self.unop(|t, x| t.b.ins().fcvt_from_sint(F32, x))
            }
            O::F32ConvertI32U | O::F32ConvertI64U => {
                self.unop(|t, x| t.b.ins().fcvt_from_uint(F32, x))
            }
            O::F64ConvertI32S | O::F64ConvertI64S => {
                self.unop(|t, x| t.b.ins().fcvt_from_sint(F64, x))
            }
            O::F64ConvertI32U | O::F64ConvertI64U => {
                self.unop(|t, x| t.b.ins().fcvt_from_uint(F64, x))
            }
            O::F32DemoteF64 => self.unop(|t, x| t.b.ins().fdemote(F32, x)),
            O::F64PromoteF32 => self.unop(|t, x| t.b.ins().fpromote(F64, x)),
            O::I32ReinterpretF32 => {
                self.unop(|t, x| t.b.ins().bitcast(I32, MemFlagsData::new(), x))
            }
            O::I64ReinterpretF64 => {
                self.unop(|t, x| t.b.ins().bitcast(I64, MemFlagsData::new(), x))
            }
            O::F32ReinterpretI32 => {
                self.unop(|t, x| t.b.ins().bitcast(F32, MemFlagsData::new(), x))
            }
            O::F64ReinterpretI64 => {
                self.unop(|t, x| t.b.ins().bitcast(F64, MemFlagsData::new(), x))
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
