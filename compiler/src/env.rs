//! What the translator knows about the module being compiled.

use crate::module::ModuleInfo;
use basalt::artifact::Settings;
use basalt::artifact::{ConstExpr, ElemMode, ExportKind};
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
    /// Per table (imported ones first): its elements if they can never
    /// change (see [`frozen_tables`]).
    frozen_tables: Vec<Option<Vec<Option<FuncIndex>>>>,
    /// Per function (imported first): whether a call to it leaves memory
    /// 0's length as it was (see [`keeps_length`]).
    keeps_length: Vec<bool>,
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
            frozen_tables: frozen_tables(module),
            keeps_length: Vec::new(),
        }
        .with_length_facts()
    }

    fn with_length_facts(mut self) -> Self {
        self.keeps_length = keeps_length(&self);
        self
    }

    /// Whether the call `op` (a `call` or `call_indirect`) leaves memory
    /// 0's length as it was: then the length need not be reloaded after it
    /// (explicit bounds checks), and a loop making only such calls keeps
    /// its limits in registers.
    pub fn call_keeps_length(&self, op: &wasmparser::Operator<'_>) -> bool {
        use wasmparser::Operator as O;
        let keeps = |f: FuncIndex| self.keeps_length.get(f.index()).copied().unwrap_or(false);
        match *op {
            O::Call { function_index } => keeps(FuncIndex::from_u32(function_index)),
            O::CallIndirect { table_index, .. } => self
                .frozen_table(table_index)
                .is_some_and(|elems| elems.iter().flatten().all(|&f| keeps(f))),
            _ => false,
        }
    }

    /// The elements of table `index` (`None` for null) if they are known at
    /// compile time and never change: then `call_indirect` through it can
    /// check signature and null against constants (`translate/calls.rs`).
    pub fn frozen_table(&self, index: u32) -> Option<&[Option<FuncIndex>]> {
        self.frozen_tables.get(index as usize)?.as_deref()
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

    /// Wasm calling convention of a function's definition and of direct
    /// calls within the module: `(vmctx, params...) -> results`.
    ///
    /// Only a host function needs its caller's context, and a direct call
    /// never reaches one, so it is not passed there: that saves the move
    /// into a second argument register on every direct call.
    pub fn wasm_signature(&self, ty: &FuncType) -> Signature {
        let mut sig = Signature::new(self.call_conv);
        sig.params
            .push(AbiParam::special(types::I64, ArgumentPurpose::VMContext));
        sig.params
            .extend(ty.params.iter().map(|&t| AbiParam::new(self.clif_type(t))));
        sig.returns
            .extend(ty.results.iter().map(|&t| AbiParam::new(self.clif_type(t))));
        sig
    }

    /// Calls whose callee may be a host function (through an import or a
    /// table): [`Self::wasm_signature`] with the caller's context appended
    /// as the last argument, `(callee_vmctx, params..., caller_vmctx)`,
    /// which the wasm-to-host trampoline reads. Appended, not inserted: on
    /// AAPCS64 every other argument keeps the register or stack slot it
    /// has in the definition's signature, so a Wasm callee simply ignores
    /// it (the caller owns its outgoing argument area, and several results
    /// come back through `x8`, not an argument slot).
    pub fn foreign_call_signature(&self, ty: &FuncType) -> Signature {
        let mut sig = self.wasm_signature(ty);
        sig.params.push(AbiParam::new(types::I64));
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
    table_facts(module, |op| match op {
        wasmparser::Operator::TableGrow { table } => Some(*table),
        _ => None,
    })
}

/// Tables of at most `FROZEN_MAX` funcref elements whose contents are
/// fixed at compile time: sealed (see [`sealed_tables`]), not named by
/// any operator that writes elements (`table.set/fill/copy/init`; dropping
/// a segment changes no table), and filled only by active segments with
/// constant offsets and `ref.func`/`ref.null` items. Such a table starts
/// all null and its active segments are copied in order at instantiation
/// (a segment out of bounds fails instantiation, so no code runs); no
/// other module or the host can reach it, since it is neither imported
/// nor exported.
fn frozen_tables(module: &ModuleInfo<'_>) -> Vec<Option<Vec<Option<FuncIndex>>>> {
    use wasmparser::Operator as O;
    let meta = &module.meta;
    let imported = meta.num_imported_tables();
    let writable = table_facts(module, |op| match op {
        O::TableGrow { table } | O::TableSet { table } | O::TableFill { table } => Some(*table),
        O::TableCopy { dst_table, .. } => Some(*dst_table),
        O::TableInit { table, .. } => Some(*table),
        _ => None,
    });
    let mut frozen: Vec<Option<Vec<Option<FuncIndex>>>> = writable
        .iter()
        .enumerate()
        .map(|(i, size)| {
            let plan = meta.tables.get(i.checked_sub(imported)?)?;
            let size = (*size)?;
            (plan.elem == ValType::FuncRef && size <= FROZEN_MAX).then(|| vec![None; size as usize])
        })
        .collect();
    for seg in &meta.elems {
        let ElemMode::Active { table, offset } = seg.mode else {
            continue;
        };
        let Some(slot) = frozen.get_mut(table.index()) else {
            continue;
        };
        let items: Option<Vec<Option<FuncIndex>>> = seg
            .items
            .iter()
            .map(|item| match *item {
                ConstExpr::RefFunc(f) => Some(Some(f)),
                ConstExpr::RefNull => Some(None),
                _ => None,
            })
            .collect();
        let placed = slot.as_mut().and_then(|elems| {
            let ConstExpr::I32(k) = offset else {
                return None;
            };
            let start = k as u32 as usize;
            let items = items?;
            let end = start.checked_add(items.len())?;
            elems.get_mut(start..end)?.copy_from_slice(&items);
            Some(())
        });
        if placed.is_none() {
            *slot = None;
        }
    }
    frozen
}

/// Per function (imported first): whether a call to it leaves memory 0's
/// length as it was. An import may reach the host, which may grow any
/// memory it can see (or call into another instance that does); a defined
/// function keeps the length unless its body has `memory.grow` or a call
/// that may not: a direct call to a function that may not, or a
/// `call_indirect` through a table that is not frozen or holds such a
/// function. The largest solution: every defined function starts as
/// keeping it and loses that until nothing changes (a recursion that grows
/// nothing keeps it).
fn keeps_length(env: &ModuleEnv<'_>) -> Vec<bool> {
    use wasmparser::Operator as O;
    let module = env.module;
    let imported = module.meta.num_imported_funcs();
    let mut keeps: Vec<bool> = (0..imported)
        .map(|_| false)
        .chain(module.bodies.iter().map(|_| true))
        .collect();
    // Per defined function: whether it grows memory itself, and its calls.
    let mut calls: Vec<Vec<O<'_>>> = Vec::with_capacity(module.bodies.len());
    for (i, body) in module.bodies.iter().enumerate() {
        let mut own = Vec::new();
        let Ok(mut ops) = body.get_operators_reader() else {
            return vec![false; keeps.len()];
        };
        while !ops.eof() {
            match ops.read() {
                Ok(O::MemoryGrow { .. }) => keeps[imported + i] = false,
                Ok(op @ (O::Call { .. } | O::CallIndirect { .. })) => own.push(op),
                Ok(_) => {}
                // Validated already; if reading fails anyway, assume growth.
                Err(_) => return vec![false; keeps.len()],
            }
        }
        calls.push(own);
    }
    let mut changed = true;
    while changed {
        changed = false;
        for (i, own) in calls.iter().enumerate() {
            if !keeps[imported + i] {
                continue;
            }
            let may_grow = own.iter().any(|op| match *op {
                O::Call { function_index } => !keeps[function_index as usize],
                O::CallIndirect { table_index, .. } => env
                    .frozen_table(table_index)
                    .is_none_or(|elems| elems.iter().flatten().any(|f| !keeps[f.index()])),
                _ => true,
            });
            if may_grow {
                keeps[imported + i] = false;
                changed = true;
            }
        }
    }
    keeps
}

/// Largest table whose elements the compiler tracks (8 bytes each on the
/// host while compiling).
const FROZEN_MAX: u32 = 1 << 12;

/// Per table (imported first): its initial size if it is defined, not
/// exported and no operator picked out by `names` (returning the table it
/// names) refers to it; `None` otherwise.
fn table_facts(
    module: &ModuleInfo<'_>,
    names: impl Fn(&wasmparser::Operator<'_>) -> Option<u32>,
) -> Vec<Option<u32>> {
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
                Ok(op) => {
                    if let Some(s) = names(&op).and_then(|t| sealed.get_mut(t as usize)) {
                        *s = None;
                    }
                }
                // Validated already; if reading fails anyway, seal nothing.
                Err(_) => return vec![None; sealed.len()],
            }
        }
    }
    sealed
}
