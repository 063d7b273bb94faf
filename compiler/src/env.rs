//! What the translator knows about the module being compiled.

use crate::module::ModuleInfo;
use basalt::artifact::{FuncType, ValType};
use basalt::vm::{VMOffsets, VMOffsetsCounts};
use cranelift_codegen::ir::{self, types, AbiParam, ArgumentPurpose, Signature};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig, TargetIsa};

/// Module-level facts shared by every function's translation.
pub struct ModuleEnv<'a> {
    /// The parsed module.
    pub module: &'a ModuleInfo<'a>,
    /// Its `VMContext` layout.
    pub offsets: VMOffsets,
    /// Calling convention of Wasm functions and libcalls.
    pub call_conv: CallConv,
    /// Pointer width etc., needed to finish a function.
    pub frontend_config: TargetFrontendConfig,
}

impl<'a> ModuleEnv<'a> {
    /// Environment for `module` with the ISA's default calling convention.
    pub fn new(module: &'a ModuleInfo<'a>, isa: &dyn TargetIsa) -> Self {
        let counts = VMOffsetsCounts {
            defined_memories: module.memories.len() as u32,
            owned_memories: module.memories.len() as u32,
            defined_globals: module.globals.len() as u32,
            ..Default::default()
        };
        Self {
            module,
            offsets: VMOffsets::new(counts),
            call_conv: isa.default_call_conv(),
            frontend_config: isa.frontend_config(),
        }
    }

    /// Signature of function `index`.
    pub fn func_type(&self, index: u32) -> &'a FuncType {
        &self.module.types[self.module.func_types[index as usize] as usize]
    }

    /// Cranelift type of a Wasm value type.
    pub fn clif_type(&self, t: ValType) -> ir::Type {
        match t {
            ValType::I32 => types::I32,
            ValType::I64 => types::I64,
            ValType::F32 => types::F32,
            ValType::F64 => types::F64,
            ValType::V128 => types::I8X16,
            ValType::FuncRef | ValType::ExternRef => types::I64,
        }
    }

    /// Wasm calling convention: `(callee_vmctx, caller_vmctx, params...) -> results`.
    pub fn wasm_signature(&self, ty: &FuncType) -> Signature {
        let mut sig = Signature::new(self.call_conv);
        sig.params
            .push(AbiParam::special(types::I64, ArgumentPurpose::VMContext));
        sig.params.push(AbiParam::new(types::I64));
        sig.params
            .extend(ty.params.iter().map(|&t| AbiParam::new(self.clif_type(t))));
        sig.returns
            .extend(ty.results.iter().map(|&t| AbiParam::new(self.clif_type(t))));
        sig
    }
}
