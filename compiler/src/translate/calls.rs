//! Calls: direct calls to defined functions, calls through an import's
//! `VMFunctionImport`, and `call_indirect` through a table's `VMFuncRef`s.
//!
//! A Wasm function takes `(vmctx, params...)`; a call that may reach a
//! host function appends the caller's context (`ModuleEnv::
//! foreign_call_signature`). Tried and dropped: keeping `vmctx` in
//! Cranelift's pinned register (`x21`) so that a function that only passes
//! its context on keeps nothing alive across calls. It cut `fib` by 8%, but
//! losing `x21` to the allocator cost register-heavy code (`indirect` +3%
//! guard, +5% explicit; `interp` +3% explicit), the trampolines had to set
//! and restore it (host to Wasm 76 to 81 instructions, Wasm to host 27 to
//! 31), and the geometric means moved by -1% (guard) and +0.3% (explicit).

use super::control::user_trap;
use super::FuncTranslator;
use crate::error::CompileError;
use basalt::index::{DefinedFuncIndex, FuncIndex, TypeIndex};
use basalt::vm::VMOffsets;
use basalt::Trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types::*, FuncRef, InstBuilder, MemFlagsData, SigRef, UserExternalName, Value,
};
use wasmparser::Operator as O;

impl FuncTranslator<'_, '_> {
    /// The colocated callee for defined function `defined` (direct `bl`).
    fn direct_callee(&mut self, defined: DefinedFuncIndex) -> FuncRef {
        if let Some(&r) = self.func_refs.get(&defined.as_u32()) {
            return r;
        }
        let index = self.env.offsets.func_index(defined);
        let sig = self.env.wasm_signature(self.env.func_type(index));
        let sig = self.b.import_signature(sig);
        let name = self
            .b
            .func
            .declare_imported_user_function(UserExternalName::new(0, defined.as_u32()));
        let r = self.b.import_function(ir::ExtFuncData {
            name: ir::ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.func_refs.insert(defined.as_u32(), r);
        r
    }

    /// The signature of an indirect call of type `type_index`, imported
    /// once per function: with the caller's context last if it may reach a
    /// host function (`foreign`, see `ModuleEnv::foreign_call_signature`).
    fn indirect_sig(&mut self, type_index: TypeIndex, foreign: bool) -> SigRef {
        let key = (type_index.as_u32(), foreign);
        if let Some(&s) = self.wasm_sigs.get(&key) {
            return s;
        }
        let ty = &self.env.module.meta.types[type_index.index()];
        let sig = match foreign {
            true => self.env.foreign_call_signature(ty),
            false => self.env.wasm_signature(ty),
        };
        let s = self.b.import_signature(sig);
        self.wasm_sigs.insert(key, s);
        s
    }

    /// Pop `n` arguments and put the callee's context first; a call that
    /// may reach a host function (`foreign`) also passes the caller's last.
    /// A call that never returns has its arguments spilled ([`Self::spill`]).
    fn call_args(&mut self, callee_vmctx: Value, n: usize, foreign: bool) -> Vec<Value> {
        let mut args = Vec::with_capacity(n + 2);
        args.push(callee_vmctx);
        args.extend(self.stack.drain(self.stack.len() - n..));
        if foreign {
            args.push(self.vmctx);
        }
        if self.noreturn_call {
            self.spill(&mut args[1..]);
        }
        args
    }

    /// Pass `args` through a stack slot: store each, call with the values
    /// loaded back. For a call followed by `unreachable` (Rust's panics:
    /// `call $panic_bounds_check; unreachable` after a failed check, often
    /// several per loop), whose arguments are typically values that stay
    /// live around a hot loop. Passed directly, each wants the fixed
    /// argument register at the call, and regalloc2, which knows nothing of
    /// the call's block being cold, splits those values and shuffles them
    /// between registers across the hot code: `interp` spent a third of its
    /// instructions on such moves (2.23x native, 1.56x with this; `sort`
    /// 1.76x, 1.45x). Loaded values have only the call's constraint, and
    /// the stores take any register; the cost stays on the path that traps.
    fn spill(&mut self, args: &mut [Value]) {
        let mut at = 0u32;
        let mut places = Vec::with_capacity(args.len());
        for &a in args.iter() {
            let size = self.b.func.dfg.value_type(a).bytes();
            at = at.next_multiple_of(size);
            places.push(at);
            at += size;
        }
        // One slot per function, as large as its largest such call needs.
        let slot = *self.spill_slot.get_or_insert_with(|| {
            let data = ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 0, 4);
            self.b.create_sized_stack_slot(data)
        });
        let size = &mut self.b.func.sized_stack_slots[slot].size;
        *size = (*size).max(at);
        for (&a, &at) in args.iter().zip(&places) {
            match self.iconst(a) {
                // An `i32` constant (a bounds check's length: `call
                // $panic_bounds_check (local.get $i) (i32.const 16)` after
                // comparing with the same 16) is one value with the hot
                // compare's, so Cranelift materializes it (`mov w, #16`) in
                // the hot block for this cold use. Its `i64` twin is a value
                // of its own, built where it is stored.
                Some(k) if self.b.func.dfg.value_type(a) == I32 => {
                    let wide = self.b.ins().iconst(I64, k as u32 as i64);
                    let addr = self.b.ins().stack_addr(I64, slot, at as i32);
                    self.b
                        .ins()
                        .istore32(MemFlagsData::trusted(), wide, addr, 0);
                }
                _ => {
                    self.b.ins().stack_store(I64, a, slot, at as i32);
                }
            }
        }
        for (a, &at) in args.iter_mut().zip(&places) {
            let ty = self.b.func.dfg.value_type(*a);
            *a = self.b.ins().stack_load(I64, ty, slot, at as i32);
        }
    }

    fn push_results(&mut self, call: ir::Inst) {
        let results = self.b.inst_results(call).to_vec();
        self.stack.extend(results);
    }

    fn call(&mut self, index: FuncIndex) {
        let n = self.env.func_type(index).params.len();
        if let Some(defined) = self.env.offsets.defined_func_index(index) {
            let callee = self.direct_callee(defined);
            let args = self.call_args(self.vmctx, n, false);
            let call = self.b.ins().call(callee, &args);
            self.push_results(call);
            return;
        }
        // An import's code pointer and context are fixed at instantiation.
        let at = self.env.offsets.vmfunction_import(index) as i32;
        let flags = MemFlagsData::trusted().with_readonly().with_can_move();
        let code = self.b.ins().load(
            I64,
            flags,
            self.vmctx,
            at + VMOffsets::VMFUNCTION_IMPORT_WASM_CALL as i32,
        );
        let callee_vmctx = self.b.ins().load(
            I64,
            flags,
            self.vmctx,
            at + VMOffsets::VMFUNCTION_IMPORT_VMCTX as i32,
        );
        let sig = self.indirect_sig(self.env.module.func_types[index.index()], true);
        let args = self.call_args(callee_vmctx, n, true);
        let call = self.b.ins().call_indirect(sig, code, &args);
        self.push_results(call);
    }

    /// `call_indirect`: bounds check, null check, signature check against
    /// the engine-wide id of `type_index`, then call the `VMFuncRef`. A
    /// frozen table takes [`Self::call_frozen`] instead.
    fn call_indirect(&mut self, type_index: u32, table: u32) {
        if self.call_frozen(type_index, table) {
            return;
        }
        // A frozen table too large for a mask may still hold only own
        // functions of this type.
        let own = self
            .env
            .frozen_table(table)
            .is_some_and(|elems| self.only_own(elems, type_index));
        let index = self.pop();
        let funcref = self.table_element_address(table, index);
        let funcref = self.b.ins().load(I64, MemFlagsData::trusted(), funcref, 0);
        self.b
            .ins()
            .trapz(funcref, user_trap(Trap::IndirectCallToNull));
        let flags = MemFlagsData::trusted().with_readonly().with_can_move();
        let ids = self.b.ins().load(
            I64,
            flags,
            self.vmctx,
            VMOffsets::VMCTX_SIGNATURE_IDS as i32,
        );
        let expected = self.b.ins().load(
            I32,
            flags,
            ids,
            (type_index * VMOffsets::SIZE_OF_VMSHARED_SIGNATURE_INDEX) as i32,
        );
        let ref_flags = MemFlagsData::trusted().with_readonly();
        let actual = self.b.ins().load(
            I32,
            ref_flags,
            funcref,
            VMOffsets::VMFUNC_REF_TYPE_INDEX as i32,
        );
        let mismatch = self.b.ins().icmp(IntCC::NotEqual, expected, actual);
        self.b.ins().trapnz(mismatch, user_trap(Trap::BadSignature));
        self.call_funcref(type_index, funcref, own);
    }

    /// Whether every element of `elems` that holds a function of type
    /// `type_index` is one of this module's defined functions.
    fn only_own(&self, elems: &[Option<FuncIndex>], type_index: u32) -> bool {
        let want = &self.env.module.meta.types[type_index as usize];
        elems.iter().flatten().all(|&f| {
            self.env.func_type(f) != want || self.env.offsets.defined_func_index(f).is_some()
        })
    }

    /// Call through `funcref`, already checked to be a function of type
    /// `type_index`; `own` when it is known to be one of this module's
    /// defined functions, whose context is ours and which takes no
    /// caller's context.
    fn call_funcref(&mut self, type_index: u32, funcref: Value, own: bool) {
        let ref_flags = MemFlagsData::trusted().with_readonly();
        let code = self.b.ins().load(
            I64,
            ref_flags,
            funcref,
            VMOffsets::VMFUNC_REF_WASM_CALL as i32,
        );
        let callee_vmctx = match own {
            true => self.vmctx,
            false => self
                .b
                .ins()
                .load(I64, ref_flags, funcref, VMOffsets::VMFUNC_REF_VMCTX as i32),
        };
        let n = self.env.module.meta.types[type_index as usize].params.len();
        let sig = self.indirect_sig(TypeIndex::from_u32(type_index), !own);
        let args = self.call_args(callee_vmctx, n, !own);
        let call = self.b.ins().call_indirect(sig, code, &args);
        self.push_results(call);
    }

    /// `call_indirect` through a frozen table (`ModuleEnv::frozen_table`):
    /// which elements hold a function of the wanted type is known, so null
    /// and signature checks become one test of the index's bit in a
    /// constant mask (no loads; the engine-wide ids agree, since they
    /// intern types structurally, as the comparison here does). An index
    /// out of bounds is first replaced by one whose bit is clear (with
    /// Spectre hardening by `select_spectre_guard`, so no element past the
    /// table is read even speculatively); the cold failing path then tells
    /// the three traps apart in their order. If every element matches,
    /// only the bound is checked. When every matching element is one of
    /// this module's functions, the callee's context is ours. False (and
    /// nothing emitted) if the table is not frozen, has more than 64
    /// elements or no element matches.
    fn call_frozen(&mut self, type_index: u32, table: u32) -> bool {
        let Some(elems) = self.env.frozen_table(table).filter(|e| e.len() <= 64) else {
            return false;
        };
        let want = &self.env.module.meta.types[type_index as usize];
        let (mut matches, mut nulls, mut own) = (0u64, 0u64, true);
        for (i, e) in elems.iter().enumerate() {
            match *e {
                None => nulls |= 1 << i,
                Some(f) if self.env.func_type(f) == want => {
                    matches |= 1 << i;
                    own &= self.env.offsets.defined_func_index(f).is_some();
                }
                Some(_) => {}
            }
        }
        if matches == 0 {
            return false;
        }
        let n = elems.len() as u32;
        let all = u64::MAX >> (64 - n);
        let index = self.pop();
        let addr = if matches == all {
            self.table_element_address(table, index)
        } else {
            let size = self.b.ins().iconst(I32, i64::from(n));
            let oob = self
                .b
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, index, size);
            let spare = (!matches & all).trailing_zeros();
            // Both constants pinned (see `pinned`): in a loop they stay in
            // registers, which took 4% off `indirect`.
            let spare = self.b.ins().iconst(I32, i64::from(spare));
            let spare = super::pinned(&mut self.b, spare);
            let safe = match self.env.settings.spectre {
                true => self.b.ins().select_spectre_guard(oob, spare, index),
                false => self.b.ins().select(oob, spare, index),
            };
            let mask_ty = if n <= 32 { I32 } else { I64 };
            let mask = self.b.ins().iconst(mask_ty, matches as i64);
            let mask = super::pinned(&mut self.b, mask);
            let bits = self.b.ins().ushr(mask, safe);
            let bit = self.b.ins().band_imm_u(bits, 1);
            let ok = self.b.create_block();
            let fail = self.b.create_block();
            self.b.ins().brif(bit, ok, &[], fail, &[]);
            self.b.seal_block(fail);
            self.b.switch_to_block(fail);
            self.b.set_cold_block(fail);
            self.b.ins().trapnz(oob, user_trap(Trap::TableOutOfBounds));
            let null_mask = self.b.ins().iconst(mask_ty, nulls as i64);
            let null_bits = self.b.ins().ushr(null_mask, index);
            let null = self.b.ins().band_imm_u(null_bits, 1);
            self.b
                .ins()
                .trapnz(null, user_trap(Trap::IndirectCallToNull));
            self.b.ins().trap(user_trap(Trap::BadSignature));
            self.b.seal_block(ok);
            self.b.switch_to_block(ok);
            let base = self.table_base(table);
            let safe = self.b.ins().uextend(I64, safe);
            let scaled = self.b.ins().ishl_imm_u(safe, 3);
            self.b.ins().iadd(base, scaled)
        };
        let funcref = self.b.ins().load(I64, MemFlagsData::trusted(), addr, 0);
        self.call_funcref(type_index, funcref, own);
        true
    }

    /// Translate a call operator; false if `op` is not one.
    pub(crate) fn call_op(&mut self, op: &O<'_>, _offset: u64) -> Result<bool, CompileError> {
        match op {
            O::Call { function_index } => self.call(FuncIndex::from_u32(*function_index)),
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(*type_index, *table_index),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
