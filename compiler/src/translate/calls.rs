//! Calls: direct calls to defined functions, calls through an import's
//! `VMFunctionImport`, and `call_indirect` through a table's `VMFuncRef`s.

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

    /// The Wasm signature of type `type_index`, imported once per function.
    fn wasm_sig(&mut self, type_index: TypeIndex) -> SigRef {
        if let Some(&s) = self.wasm_sigs.get(&type_index.as_u32()) {
            return s;
        }
        let sig = self
            .env
            .wasm_signature(&self.env.module.meta.types[type_index.index()]);
        let s = self.b.import_signature(sig);
        self.wasm_sigs.insert(type_index.as_u32(), s);
        s
    }

    /// Pop `n` arguments and prepend the two context arguments.
    fn call_args(&mut self, callee_vmctx: Value, n: usize) -> Vec<Value> {
        let mut args = Vec::with_capacity(n + 2);
        args.extend([callee_vmctx, self.vmctx]);
        args.extend(self.stack.drain(self.stack.len() - n..));
        args
    }

    fn push_results(&mut self, call: ir::Inst) {
        let results = self.b.inst_results(call).to_vec();
        self.stack.extend(results);
    }

    fn call(&mut self, index: FuncIndex) {
        let n = self.env.func_type(index).params.len();
        if let Some(defined) = self.env.offsets.defined_func_index(index) {
            let callee = self.direct_callee(defined);
            let args = self.call_args(self.vmctx, n);
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
        let sig = self.wasm_sig(self.env.module.func_types[index.index()]);
        let args = self.call_args(callee_vmctx, n);
        let call = self.b.ins().call_indirect(sig, code, &args);
        self.push_results(call);
    }

    /// `call_indirect`: bounds check, null check, signature check against
    /// the engine-wide id of `type_index`, then call the `VMFuncRef`.
    fn call_indirect(&mut self, type_index: u32, table: u32) {
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
        let code = self.b.ins().load(
            I64,
            ref_flags,
            funcref,
            VMOffsets::VMFUNC_REF_WASM_CALL as i32,
        );
        let callee_vmctx =
            self.b
                .ins()
                .load(I64, ref_flags, funcref, VMOffsets::VMFUNC_REF_VMCTX as i32);
        let n = self.env.module.meta.types[type_index as usize].params.len();
        let sig = self.wasm_sig(TypeIndex::from_u32(type_index));
        let args = self.call_args(callee_vmctx, n);
        let call = self.b.ins().call_indirect(sig, code, &args);
        self.push_results(call);
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
