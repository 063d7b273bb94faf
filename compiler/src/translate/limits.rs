//! Fuel metering and epoch interruption, when the artifact asks for them.
//!
//! Fuel: `VMRuntimeLimits::fuel_consumed` counts up towards 0 (the store
//! sets it to minus the fuel it grants). Every operator costs 1 except the
//! free ones in [`op_cost`]. Costs accumulate at compile time and are added
//! to a local copy of `fuel_consumed` before every branch, call and return;
//! the copy is written back before calls and on return, and reloaded after
//! calls. At function entry and loop headers, a positive count traps with
//! `OutOfFuel`. So after a call returns, the remaining fuel is exact.
//!
//! Epochs: at function entry and loop headers, the engine's epoch counter
//! (behind `VMContext::epoch_ptr`) is compared with
//! `VMRuntimeLimits::epoch_deadline`; reaching it traps with `Interrupt`.

use super::control::user_trap;
use super::FuncTranslator;
use basalt::vm::VMOffsets;
use basalt::Trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types::I64, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::Variable;
use wasmparser::Operator as O;

/// Fuel an operator costs. Structure and no-ops are free; everything that
/// computes, moves data or transfers control costs 1.
pub fn op_cost(op: &O<'_>) -> i64 {
    match op {
        O::Nop | O::Drop | O::Block { .. } | O::Loop { .. } | O::End | O::Else | O::Unreachable => {
            0
        }
        _ => 1,
    }
}

/// Per-function fuel state.
pub(crate) struct Fuel {
    /// Local copy of `fuel_consumed`.
    var: Variable,
    /// Cost of the operators since the last flush.
    pending: i64,
}

impl FuncTranslator<'_, '_> {
    fn limits(&mut self) -> Value {
        // The store's limits never move while an instance lives.
        let flags = MemFlagsData::trusted().with_readonly().with_can_move();
        self.b.ins().load(
            I64,
            flags,
            self.vmctx,
            VMOffsets::VMCTX_RUNTIME_LIMITS as i32,
        )
    }

    fn load_fuel(&mut self) -> Value {
        let limits = self.limits();
        self.b.ins().load(
            I64,
            MemFlagsData::trusted(),
            limits,
            VMOffsets::VMRUNTIME_LIMITS_FUEL_CONSUMED as i32,
        )
    }

    /// Set up fuel and epoch state and run the entry checks.
    pub(crate) fn limits_entry(&mut self) {
        if self.env.settings.fuel {
            let var = self.b.declare_var(I64);
            let consumed = self.load_fuel();
            self.b.def_var(var, consumed);
            self.fuel = Some(Fuel { var, pending: 0 });
        }
        self.interruption_checks();
    }

    /// Charge an operator (compile time only).
    pub(crate) fn fuel_charge(&mut self, op: &O<'_>) {
        if let Some(f) = &mut self.fuel {
            f.pending += op_cost(op);
        }
    }

    /// Cost charged since the last flush (a translation that is replayed
    /// restores it, see `access_group.rs`).
    pub(crate) fn fuel_pending(&self) -> i64 {
        self.fuel.as_ref().map_or(0, |f| f.pending)
    }

    pub(crate) fn set_fuel_pending(&mut self, pending: i64) {
        if let Some(f) = &mut self.fuel {
            f.pending = pending;
        }
    }

    /// Add the pending cost to the local count.
    pub(crate) fn fuel_flush(&mut self) {
        let Some(f) = &mut self.fuel else { return };
        if f.pending == 0 {
            return;
        }
        let (var, pending) = (f.var, std::mem::take(&mut f.pending));
        let v = self.b.use_var(var);
        let v = self.b.ins().iadd_imm_s(v, pending);
        self.b.def_var(var, v);
    }

    /// Flush and write the count back to `VMRuntimeLimits` (before calls and returns).
    pub(crate) fn fuel_store(&mut self) {
        self.fuel_flush();
        let Some(f) = &self.fuel else { return };
        let var = f.var;
        let v = self.b.use_var(var);
        let limits = self.limits();
        self.b.ins().store(
            MemFlagsData::trusted(),
            v,
            limits,
            VMOffsets::VMRUNTIME_LIMITS_FUEL_CONSUMED as i32,
        );
    }

    /// Reload the count after a call (the callee spent fuel too).
    pub(crate) fn fuel_reload(&mut self) {
        let Some(f) = &self.fuel else { return };
        let var = f.var;
        let v = self.load_fuel();
        self.b.def_var(var, v);
    }

    /// Fuel and epoch checks of function entries and loop headers.
    pub(crate) fn interruption_checks(&mut self) {
        if let Some(f) = &self.fuel {
            let var = f.var;
            self.fuel_flush();
            let v = self.b.use_var(var);
            let out = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, v, 0);
            self.b.ins().trapnz(out, user_trap(Trap::OutOfFuel));
        }
        if self.env.settings.epoch {
            let flags = MemFlagsData::trusted().with_readonly().with_can_move();
            let epoch_ptr =
                self.b
                    .ins()
                    .load(I64, flags, self.vmctx, VMOffsets::VMCTX_EPOCH_PTR as i32);
            // The timer interrupt advances the counter under our feet. An
            // ordinary load would be merged by alias analysis with the one
            // at function entry (no store in between), so a loop would never
            // see the deadline pass; an atomic load is never merged.
            let epoch = self
                .b
                .ins()
                .atomic_load(I64, MemFlagsData::trusted(), epoch_ptr);
            let limits = self.limits();
            let deadline = self.b.ins().load(
                I64,
                MemFlagsData::trusted(),
                limits,
                VMOffsets::VMRUNTIME_LIMITS_EPOCH_DEADLINE as i32,
            );
            let due = self
                .b
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, epoch, deadline);
            self.b.ins().trapnz(due, user_trap(Trap::Interrupt));
        }
    }
}
