//! Instantiation: type-check imports, lay out the `VMContext`, create
//! memories, tables, func refs and globals, apply segments, run `start`.
//!
//! Order and failure semantics follow Wasm 2.0: element segments, then data
//! segments, each bounds-checked as `table.init`/`memory.init`; a failing
//! segment traps and instantiation fails, but what earlier segments wrote
//! into imported tables and memories stays (the failed instance is kept
//! alive in the store, since those tables may now point into it).

use crate::artifact::{ArtifactError, BoundsChecks, ConstExpr, ElemMode, Import, ImportKind};
use crate::error::Error;
use crate::func::Func;
use crate::global::Global;
use crate::index::{
    DataIndex, DefinedGlobalIndex, DefinedMemoryIndex, DefinedTableIndex, ElemIndex, FuncIndex,
    GlobalIndex, MemoryIndex, TableIndex,
};
use crate::instance::{Extern, Instance, InstanceHeader, InstanceState};
use crate::memory::MemoryState;
use crate::module::Module;
use crate::store::{AsContextMut, StoreOpaque};
use crate::table::TableState;
use crate::vm::{
    VMArrayCallFunction, VMContext, VMFuncRef, VMFunctionImport, VMGlobalDefinition,
    VMGlobalImport, VMMemoryDefinition, VMMemoryImport, VMOffsets, VMTableDefinition,
    VMTableImport, ValRaw, VMCONTEXT_MAGIC,
};
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::ptr::NonNull;

impl Instance {
    /// Instantiate `module` with `imports` given in the module's import
    /// order. A trapping segment or start function fails with `Error::Trap`.
    pub fn new(
        mut store: impl AsContextMut,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance, Error> {
        instantiate(store.as_context_mut(), module, imports)
    }
}

fn guard_mode(module: &Module) -> bool {
    module.inner.settings.bounds_checks == BoundsChecks::Guard
}

fn limits_match(actual_min: u64, actual_max: Option<u64>, min: u64, max: Option<u64>) -> bool {
    actual_min >= min && max.is_none_or(|m| actual_max.is_some_and(|a| a <= m))
}

fn check_import<T>(
    store: &StoreOpaque<T>,
    module: &Module,
    import: &Import,
    ext: &Extern,
) -> Result<(), Error> {
    let meta = &module.inner.meta;
    let reason = match (&import.kind, ext) {
        (ImportKind::Func(t), Extern::Func(f)) => {
            let actual = store.engine.signature(f.func_ref().type_index);
            (*actual != meta.types[t.index()]).then_some("function types differ")
        }
        (ImportKind::Table(plan), Extern::Table(t)) => {
            let a = t.state().plan();
            if a.elem != plan.elem {
                Some("table element types differ")
            } else if !limits_match(
                a.min.into(),
                a.max.map(u64::from),
                plan.min.into(),
                plan.max.map(u64::from),
            ) {
                Some("table limits do not match")
            } else {
                None
            }
        }
        (ImportKind::Memory(plan), Extern::Memory(m)) => {
            let s = m.state();
            if !limits_match(s.pages(), s.max_pages(), plan.min_pages, plan.max_pages) {
                Some("memory limits do not match")
            } else if guard_mode(module) && !s.guarded() {
                Some("guard-mode code needs a memory with guard pages")
            } else {
                None
            }
        }
        (ImportKind::Global(ty), Extern::Global(g)) => {
            (g.ty != *ty).then_some("global types differ")
        }
        _ => Some("kinds differ"),
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(Error::IncompatibleImport {
            module: import.module.clone(),
            name: import.name.clone(),
            reason,
        }),
    }
}

pub(crate) fn instantiate<T>(
    store: &mut StoreOpaque<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance, Error> {
    let m = &module.inner;
    let meta = &*m.meta;
    if !alloc::sync::Arc::ptr_eq(&m.engine.inner, &store.engine.inner) {
        return Err(Error::WrongEngine);
    }
    if imports.len() != meta.imports.len() {
        return Err(Error::ImportCount {
            expected: meta.imports.len(),
            given: imports.len(),
        });
    }
    for (import, ext) in meta.imports.iter().zip(imports) {
        store.check(ext.store())?;
        check_import(store, module, import, ext)?;
    }

    let o: VMOffsets = m.offsets;
    let guard_mode = guard_mode(module);
    let header = core::mem::size_of::<InstanceHeader>();
    let size = header + o.size() as usize;
    let block = store.arena.alloc(size, 16, size)?;
    let vmctx = block.wrapping_add(header).cast::<VMContext>();
    let at = |off: u32| vmctx.cast::<u8>().wrapping_add(off as usize);
    // SAFETY (every write through `at` below): offsets come from this
    // module's `VMOffsets`, so they lie inside the zeroed context just
    // allocated, and are aligned for what is written.
    unsafe {
        at(VMOffsets::VMCTX_MAGIC)
            .cast::<u32>()
            .write(VMCONTEXT_MAGIC);
        at(VMOffsets::VMCTX_RUNTIME_LIMITS)
            .cast::<usize>()
            .write(&store.limits as *const _ as usize);
        at(VMOffsets::VMCTX_EPOCH_PTR)
            .cast::<usize>()
            .write(&store.engine.inner.epoch as *const _ as usize);
        at(VMOffsets::VMCTX_BUILTIN_FUNCTIONS)
            .cast::<usize>()
            .write(&crate::libcalls::BUILTINS as *const _ as usize);
        at(VMOffsets::VMCTX_SIGNATURE_IDS)
            .cast::<usize>()
            .write(m.signature_ids.as_ptr() as usize);
    }

    let mut state = Box::new(InstanceState {
        module: module.clone(),
        instance: Instance {
            index: store.instances.len(),
            store: store.id,
        },
        funcs: Vec::new(),
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        owned_tables: Vec::new(),
        owned_memories: Vec::new(),
        elems: Vec::new(),
        dropped_data: vec![false; meta.data.len()],
    });

    for (import, ext) in meta.imports.iter().zip(imports) {
        match (*ext, &import.kind) {
            (Extern::Func(f), ImportKind::Func(t)) => {
                // SAFETY: the func ref is live in this store.
                let fref = unsafe { &mut *f.ptr };
                if fref.wasm_call.is_none() {
                    // A host function: Wasm enters it through this module's
                    // wasm-to-host trampoline for its type.
                    let (_, off) = meta.host_trampolines.iter().find(|(ty, _)| ty == t).ok_or(
                        Error::Artifact(crate::artifact::ArtifactError::Inconsistent(
                            "no host trampoline for an imported type",
                        )),
                    )?;
                    fref.wasm_call = NonNull::new((m.code_base + *off as usize) as *mut _);
                }
                let import = VMFunctionImport {
                    wasm_call: fref.wasm_call.expect("set above"),
                    native_call: fref.native_call,
                    array_call: fref.array_call,
                    vmctx: fref.vmctx,
                };
                let i = state.funcs.len() as u32;
                // SAFETY: see `at`.
                unsafe {
                    at(o.vmfunction_import(FuncIndex::from_u32(i)))
                        .cast::<VMFunctionImport>()
                        .write(import)
                };
                state.funcs.push(Some(f));
            }
            (Extern::Table(t), _) => {
                let s = t.state();
                let i = state.tables.len() as u32;
                // SAFETY: see `at`.
                unsafe {
                    at(o.vmtable_import(TableIndex::from_u32(i)))
                        .cast::<VMTableImport>()
                        .write(VMTableImport {
                            from: s.def,
                            vmctx: s.owner,
                        })
                };
                state.tables.push(t.ptr);
            }
            (Extern::Memory(mem), _) => {
                let s = mem.state();
                let i = state.memories.len() as u32;
                let import = VMMemoryImport {
                    from: s.def,
                    vmctx: s.owner,
                    index: s.index,
                };
                // SAFETY: see `at`.
                unsafe {
                    at(o.vmmemory_import(MemoryIndex::from_u32(i)))
                        .cast::<VMMemoryImport>()
                        .write(import)
                };
                state.memories.push(mem.ptr);
            }
            (Extern::Global(g), _) => {
                let i = state.globals.len() as u32;
                // SAFETY: see `at`.
                unsafe {
                    at(o.vmglobal_import(GlobalIndex::from_u32(i)))
                        .cast::<VMGlobalImport>()
                        .write(VMGlobalImport { from: g.def })
                };
                state.globals.push(g);
            }
            _ => unreachable!("checked by check_import"),
        }
    }
    let imported_funcs = state.funcs.len();

    for (i, plan) in meta.tables.iter().enumerate() {
        let def = at(o.vmtable_definition(DefinedTableIndex::from_u32(i as u32)))
            .cast::<VMTableDefinition>();
        let mut table = Box::new(TableState::new(
            &mut store.arena,
            &store.config,
            plan,
            0,
            def,
        )?);
        table.owner = vmctx;
        state.tables.push(&mut *table);
        state.owned_tables.push(table);
    }

    // Memories last: the newest allocation of the arena can grow in place
    // past its reservation, and a memory is what usually needs to grow.
    for (i, plan) in meta.memories.iter().enumerate() {
        let def = at(o.vmmemory_definition(DefinedMemoryIndex::from_u32(i as u32)))
            .cast::<VMMemoryDefinition>();
        let platform = store.guard_platform();
        let mut mem = Box::new(MemoryState::new(
            &mut store.arena,
            &store.config,
            plan,
            def,
            platform,
        )?);
        if guard_mode && !mem.guarded() {
            return Err(ArtifactError::BoundsChecksUnsupported.into());
        }
        mem.owner = vmctx;
        mem.index = i as u32;
        // SAFETY: see `at`.
        unsafe {
            at(o.vmmemory_pointer(DefinedMemoryIndex::from_u32(i as u32)))
                .cast::<usize>()
                .write(def as usize)
        };
        state.memories.push(&mut *mem);
        state.owned_memories.push(mem);
    }
    state.funcs.resize(imported_funcs + meta.funcs.len(), None);
    for (slot, &f) in meta.func_refs.iter().enumerate() {
        let dst = at(o.vmfunc_ref(slot as u32)).cast::<VMFuncRef>();
        let value = if let Some(d) = o.defined_func_index(f) {
            let info = &meta.funcs[d.index()];
            let body = m.code_base + info.body.0 as usize;
            let tramp = m.code_base
                + info
                    .array_call
                    .expect("validated: escaping functions have one") as usize;
            VMFuncRef {
                native_call: NonNull::new(body as *mut _).expect("code is not at 0"),
                // SAFETY: the trampoline is compiled with exactly the
                // array-call signature, in sealed executable code.
                array_call: unsafe { core::mem::transmute::<usize, VMArrayCallFunction>(tramp) },
                wasm_call: NonNull::new(body as *mut _),
                type_index: m.signature_ids[info.type_index.index()],
                vmctx: vmctx.cast(),
            }
        } else {
            *state.funcs[f.index()].expect("imported").func_ref()
        };
        // SAFETY: see `at`.
        unsafe { dst.write(value) };
        if o.defined_func_index(f).is_some() {
            state.funcs[f.index()] = Some(Func {
                ptr: dst,
                store: store.id,
            });
        }
    }

    for (i, g) in meta.globals.iter().enumerate() {
        let def = at(o.vmglobal_definition(DefinedGlobalIndex::from_u32(i as u32)))
            .cast::<VMGlobalDefinition>();
        let value = eval(&state, &g.init);
        // SAFETY: see `at`; a global slot is 16 bytes.
        unsafe { *(*def).bytes_mut() = value.to_le_bytes() };
        state.globals.push(Global {
            def,
            ty: crate::artifact::GlobalType {
                ty: g.ty,
                mutable: g.mutable,
            },
            store: store.id,
        });
    }

    // SAFETY: `block` starts with room for the header.
    unsafe {
        block
            .cast::<InstanceHeader>()
            .write(InstanceHeader { state: &mut *state })
    };
    let instance = state.instance;
    let state_ptr: *mut InstanceState = &mut *state;
    store.instances.push(state);
    // SAFETY: the state is boxed in the store (stable, alive with it) and
    // nothing else borrows it during instantiation.
    let state = unsafe { &mut *state_ptr };

    // Sized by the artifact, so reserved fallibly: a segment larger than
    // the heap is an error, not an allocation failure that aborts.
    let oom = |_| Error::OutOfMemory("element segments");
    let mut elems = Vec::new();
    elems.try_reserve_exact(meta.elems.len()).map_err(oom)?;
    for e in &meta.elems {
        let mut items = Vec::new();
        items.try_reserve_exact(e.items.len()).map_err(oom)?;
        items.extend(e.items.iter().map(|x| eval(state, x) as u64));
        elems.push(items);
    }
    state.elems = elems;
    for (i, seg) in meta.elems.iter().enumerate() {
        match seg.mode {
            ElemMode::Active { table, offset } => {
                let dst = eval(state, &offset) as u32;
                let elem = ElemIndex::from_u32(i as u32);
                state.table_init(table, elem, dst, 0, seg.items.len() as u32)?;
                state.elem_drop(elem);
            }
            ElemMode::Declared => state.elem_drop(ElemIndex::from_u32(i as u32)),
            ElemMode::Passive => {}
        }
    }
    for (i, seg) in meta.data.iter().enumerate() {
        if let Some((_, offset)) = seg.active {
            let dst = eval(state, &offset) as u32;
            let data = DataIndex::from_u32(i as u32);
            state.memory_init(data, dst, 0, seg.bytes.len() as u32)?;
            state.data_drop(data);
        }
    }

    if let Some(start) = meta.start {
        match state.funcs[start.index()] {
            Some(f) => f.call(&mut *store, &[], &mut [])?,
            None => {
                let d = o.defined_func_index(start).expect("imports are set");
                let info = &meta.funcs[d.index()];
                let tramp = m.code_base + info.array_call.expect("validated") as usize;
                let mut values = [ValRaw::default(); 1];
                // SAFETY: the start function takes and returns nothing, and
                // its trampoline and context are live.
                unsafe { crate::func::enter(store, tramp, vmctx, values.as_mut_ptr(), 0)? };
            }
        }
    }
    Ok(instance)
}

/// Value of a constant expression as its 16-byte raw form (as a global
/// slot holds it); scalars and references occupy the low bytes.
fn eval(state: &InstanceState, e: &ConstExpr) -> u128 {
    match *e {
        ConstExpr::I32(v) => u128::from(v as u32),
        ConstExpr::I64(v) => u128::from(v as u64),
        ConstExpr::F32(b) => u128::from(b),
        ConstExpr::F64(b) => u128::from(b),
        ConstExpr::V128(b) => b,
        ConstExpr::GlobalGet(g) => state.globals[g.index()].raw(),
        ConstExpr::RefNull => 0,
        ConstExpr::RefFunc(f) => state.funcs[f.index()].map_or(0, |f| f.ptr as u128),
    }
}
