//! Trampolines between the host's array-call convention and Wasm's.
//!
//! Array call: `extern "C" fn(callee_vmctx, caller_vmctx, values: *mut ValRaw, len)`,
//! parameters in `values[i]` on entry, results in `values[i]` on return.
//! - array-to-wasm (one per escaping defined function): the host's way in;
//! - wasm-to-host (one per type of an imported function): what a
//!   `VMFunctionImport` of a host function points at.

use crate::env::ModuleEnv;
use crate::translate::entry_params;
use basalt::index::{DefinedFuncIndex, TypeIndex};
use basalt::vm::VMOffsets;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, AbiParam, ArgumentPurpose, InstBuilder, MemFlagsData, Signature, StackSlotData,
    StackSlotKind, TrapCode, UserExternalName, UserFuncName,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

/// Name namespace of array-to-wasm trampolines (Wasm functions use 0).
const ARRAY_TO_WASM: u32 = 1;
/// Name namespace of wasm-to-host trampolines.
const WASM_TO_HOST: u32 = 2;

/// Build the array-call trampoline of defined function `defined`. Its name is
/// in its own namespace so the linker never takes it for a Wasm function.
pub fn array_call_trampoline(
    env: &ModuleEnv<'_>,
    defined: DefinedFuncIndex,
    fctx: &mut FunctionBuilderContext,
) -> ir::Function {
    let ty = env.func_type(env.offsets.func_index(defined));
    let mut sig = Signature::new(env.call_conv);
    sig.params
        .push(AbiParam::special(types::I64, ArgumentPurpose::VMContext));
    sig.params.extend([
        AbiParam::new(types::I64),
        AbiParam::new(types::I64),
        AbiParam::new(types::I64),
    ]);
    let mut func =
        ir::Function::with_name_signature(UserFuncName::user(ARRAY_TO_WASM, defined.as_u32()), sig);
    let mut b = FunctionBuilder::new(&mut func, fctx);
    let p = entry_params(&mut b);
    // The caller's context (p[1]) is for host functions; a defined
    // function takes none (`ModuleEnv::wasm_signature`).
    let (callee_vmctx, values) = (p[0], p[2]);
    let slot = VMOffsets::SIZE_OF_VAL_RAW as i32;
    let flags = MemFlagsData::trusted();

    let mut args = vec![callee_vmctx];
    for (i, &t) in ty.params.iter().enumerate() {
        args.push(
            b.ins()
                .load(env.clif_type(t), flags, values, i as i32 * slot),
        );
    }
    let callee_sig = b.import_signature(env.wasm_signature(ty));
    let name = b
        .func
        .declare_imported_user_function(UserExternalName::new(0, defined.as_u32()));
    let callee = b.import_function(ir::ExtFuncData {
        name: ir::ExternalName::user(name),
        signature: callee_sig,
        colocated: true,
        patchable: false,
    });
    let call = b.ins().call(callee, &args);
    let results = b.inst_results(call).to_vec();
    for (i, r) in results.into_iter().enumerate() {
        b.ins().store(flags, r, values, i as i32 * slot);
    }
    b.ins().return_(&[]);
    b.finalize(env.frontend_config);
    func
}

/// Build the wasm-to-host trampoline for signature `type_index`: Wasm calls
/// it as `(callee_vmctx, params..., caller_vmctx) -> results`
/// (`ModuleEnv::foreign_call_signature`), where the
/// callee context is a host function's context. It spills the parameters to
/// a `ValRaw` array on its stack, calls the host's array-call entry from
/// that context and reloads the results from the same array.
///
/// Before the call it records the calling Wasm frame's FP and return PC in
/// `VMRuntimeLimits::last_wasm_exit_{fp,pc}` so the runtime can find the
/// Wasm frames below a host call.
pub fn host_trampoline(
    env: &ModuleEnv<'_>,
    type_index: TypeIndex,
    fctx: &mut FunctionBuilderContext,
) -> ir::Function {
    let ty = &env.module.meta.types[type_index.index()];
    let sig = env.foreign_call_signature(ty);
    let mut func = ir::Function::with_name_signature(
        UserFuncName::user(WASM_TO_HOST, type_index.as_u32()),
        sig,
    );
    let mut b = FunctionBuilder::new(&mut func, fctx);
    let p = entry_params(&mut b);
    let (callee_vmctx, caller_vmctx) = (p[0], p[p.len() - 1]);
    let params = &p[1..p.len() - 1];
    let len = ty.params.len().max(ty.results.len());
    let slot_size = VMOffsets::SIZE_OF_VAL_RAW;
    // At least one element, so the array pointer is always a valid address.
    let slot = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        len.max(1) as u32 * slot_size,
        4,
    ));
    for (i, &v) in params.iter().enumerate() {
        b.ins()
            .stack_store(types::I64, v, slot, (i as u32 * slot_size) as i32);
    }
    let values = b.ins().stack_addr(types::I64, slot, 0);
    let flags = MemFlagsData::trusted();

    let limits = b.ins().load(
        types::I64,
        flags,
        caller_vmctx,
        VMOffsets::VMCTX_RUNTIME_LIMITS as i32,
    );
    // Guard-mode Wasm may call in just above the stack guard; the host
    // function (Rust, no stack probes) must start with the reserve below
    // `stack_limit`. Every trampoline checks, whatever its module's mode:
    // a host function's trampoline is lent to every module of the store
    // (`call_indirect` of a guard-mode module may use an explicit-mode
    // module's).
    {
        let limit = b.ins().load(
            types::I64,
            flags,
            limits,
            VMOffsets::VMRUNTIME_LIMITS_STACK_LIMIT as i32,
        );
        let sp = b.ins().get_stack_pointer(types::I64);
        let low = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, sp, limit);
        b.ins().trapnz(low, TrapCode::STACK_OVERFLOW);
    }
    let own_fp = b.ins().get_frame_pointer(types::I64);
    let wasm_fp = b.ins().load(types::I64, flags, own_fp, 0);
    b.ins().store(
        flags,
        wasm_fp,
        limits,
        VMOffsets::VMRUNTIME_LIMITS_LAST_WASM_EXIT_FP as i32,
    );
    let wasm_pc = b.ins().get_return_address(types::I64);
    b.ins().store(
        flags,
        wasm_pc,
        limits,
        VMOffsets::VMRUNTIME_LIMITS_LAST_WASM_EXIT_PC as i32,
    );

    let host = b.ins().load(
        types::I64,
        flags.with_readonly(),
        callee_vmctx,
        VMOffsets::VMHOST_FUNC_CONTEXT_ARRAY_CALL as i32,
    );
    let array_sig = b.import_signature(env.array_call_signature());
    let len = b.ins().iconst(types::I64, len as i64);
    b.ins()
        .call_indirect(array_sig, host, &[callee_vmctx, caller_vmctx, values, len]);
    let results: Vec<_> = ty
        .results
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            b.ins().stack_load(
                types::I64,
                env.clif_type(t),
                slot,
                (i as u32 * slot_size) as i32,
            )
        })
        .collect();
    b.ins().return_(&results);
    b.finalize(env.frontend_config);
    func
}
