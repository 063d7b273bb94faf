//! Array-call trampolines: the host's way into a Wasm function.
//!
//! `extern "C" fn(callee_vmctx, caller_vmctx, values: *mut ValRaw, len)`
//! loads the parameters from `values[i]`, calls the function directly and
//! stores the results back into `values[i]`.

use crate::env::ModuleEnv;
use basalt::vm::VMOffsets;
use cranelift_codegen::ir::{
    self, types, AbiParam, ArgumentPurpose, InstBuilder, MemFlagsData, Signature, UserExternalName,
    UserFuncName,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

/// Build the array-call trampoline of defined function `index`. Its name is
/// in namespace 1 so it never collides with Wasm functions (namespace 0).
pub fn array_call_trampoline(
    env: &ModuleEnv<'_>,
    index: u32,
    fctx: &mut FunctionBuilderContext,
) -> ir::Function {
    let ty = env.func_type(index);
    let mut sig = Signature::new(env.call_conv);
    sig.params
        .push(AbiParam::special(types::I64, ArgumentPurpose::VMContext));
    sig.params.extend([
        AbiParam::new(types::I64),
        AbiParam::new(types::I64),
        AbiParam::new(types::I64),
    ]);
    let mut func = ir::Function::with_name_signature(UserFuncName::user(1, index), sig);
    let mut b = FunctionBuilder::new(&mut func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let (callee_vmctx, caller_vmctx, values) = (p[0], p[1], p[2]);
    let slot = VMOffsets::SIZE_OF_VAL_RAW as i32;
    let flags = MemFlagsData::trusted();

    let mut args = vec![callee_vmctx, caller_vmctx];
    for (i, &t) in ty.params.iter().enumerate() {
        args.push(
            b.ins()
                .load(env.clif_type(t), flags, values, i as i32 * slot),
        );
    }
    let callee_sig = b.import_signature(env.wasm_signature(ty));
    let name = b
        .func
        .declare_imported_user_function(UserExternalName::new(0, index));
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
