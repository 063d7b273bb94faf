//! What the translator knows about the module being compiled.

use crate::module::ModuleInfo;
use basalt::artifact::ExportKind;
use basalt::artifact::Settings;
use basalt::artifact::{FuncType, GlobalType, ValType};
use basalt::index::{FuncIndex, GlobalIndex};
use basalt::vm::{BuiltinFunction, BuiltinType, VMOffsets};
use cranelift_codegen::ir::{self, types, AbiParam, ArgumentPurpose, Signature};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig, TargetIsa};

/// Module-level facts shared by every function's translation.
pub struct ModuleEnv<'a> {
    /// The parsed module.
    pub module: &'a ModuleInfo<'a>,
    /// Its `VMContext` layout, computed by the runtime's own rule
    /// (`Metadata::offsets`) so compiler and runtime cannot disagree.
    pub offsets: VMOffsets,
    /// Calling convention of Wasm functions and libcalls.
    pub call_conv: CallConv,
    /// Pointer width etc., needed to finish a function.
    pub frontend_config: TargetFrontendConfig,
    /// Bounds-check mode, fuel and epoch instrumentation.
    pub settings: Settings,
    /// Per table (imported ones first): its size if it can never change.
    sealed_tables: Vec<Option<u32>>,
}

impl<'a> ModuleEnv<'a> {
    /// Environment for `module` with the ISA's default calling convention.
    pub fn new(module: &'a ModuleInfo<'a>, isa: &dyn TargetIsa, settings: Settings) -> Self {
        Self {
            module,
            offsets: module.meta.offsets(),
            call_conv: isa.default_call_conv(),
            frontend_config: isa.frontend_config(),
            settings,
            sealed_tables: sealed_tables(module),
        }
    }

    /// The size of table `index` if it can never change: then its size is a
    /// constant and its element array never moves.
    pub fn sealed_table_size(&self, index: u32) -> Option<u32> {
        self.sealed_tables.get(index as usize).copied().flatten()
    }

    /// Whether memory 0 is imported (otherwise it is defined and owned).
    pub fn memory_imported(&self) -> bool {
        self.offsets.counts.imported_memories > 0
    }

    /// Signature of function `index` (imported or defined).
    pub fn func_type(&self, index: FuncIndex) -> &'a FuncType {
        &self.module.meta.types[self.module.func_types[index.index()].index()]
    }

    /// Type of global `index` (imported or defined).
    pub fn global_type(&self, index: GlobalIndex) -> GlobalType {
        self.module.global_types[index.index()]
    }

    /// Slot of function `index` among the `VMFuncRef`s of the context.
    pub fn func_ref_slot(&self, index: FuncIndex) -> Option<u32> {
        let slot = self.module.meta.func_refs.binary_search(&index).ok()?;
        Some(slot as u32)
    }

    /// Cranelift type of a Wasm value type. References are pointer-sized:
    /// a funcref is a `*const VMFuncRef`, an externref an opaque word; 0 is null.
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

    /// Array-call convention, as host functions implement it:
    /// `extern "C" fn(callee_vmctx, caller_vmctx, values: *mut ValRaw, len)`.
    pub fn array_call_signature(&self) -> Signature {
        let mut sig = Signature::new(self.call_conv);
        sig.params.extend([AbiParam::new(types::I64); 4]);
        sig
    }

    /// Native signature of a libcall: [`BuiltinFunction::signature`], the
    /// one definition the runtime's layout fingerprint also covers.
    pub fn builtin_signature(&self, f: BuiltinFunction) -> Signature {
        let clif = |t: BuiltinType| match t {
            BuiltinType::I32 => types::I32,
            BuiltinType::I64 => types::I64,
        };
        let (params, result) = f.signature();
        let mut sig = Signature::new(self.call_conv);
        sig.params
            .extend(params.iter().map(|&t| AbiParam::new(clif(t))));
        sig.returns.extend(result.map(|t| AbiParam::new(clif(t))));
        sig
    }
}

/// Which tables keep their initial size for the instance's whole life: a
/// defined table that is not exported (so no other module or the host can
/// grow it) and that no `table.grow` in the module names. Only growing
/// changes a table's size or moves its elements, so for these the
/// translator compares indices with a constant and loads the element
/// array's address once (`table.rs`).
fn sealed_tables(module: &ModuleInfo<'_>) -> Vec<Option<u32>> {
    let meta = &module.meta;
    let imported = meta.num_imported_tables();
    let mut sealed: Vec<Option<u32>> = (0..imported)
        .map(|_| None)
        .chain(meta.tables.iter().map(|t| Some(t.min)))
        .collect();
    for e in &meta.exports {
        if let ExportKind::Table(t) = e.kind {
            if let Some(s) = sealed.get_mut(t.index()) {
                *s = None;
            }
        }
    }
    for body in &module.bodies {
        let Ok(mut ops) = body.get_operators_reader() else {
            return vec![None; sealed.len()];
        };
        while !ops.eof() {
            match ops.read() {
                Ok(wasmparser::Operator::TableGrow { table }) => {
                    if let Some(s) = sealed.get_mut(table as usize) {
                        *s = None;
                    }
                }
                Ok(_) => {}
                // Validated already; if reading fails anyway, seal nothing.
                Err(_) => return vec![None; sealed.len()],
            }
        }
    }
    sealed
}
