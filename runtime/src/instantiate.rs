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
    GlobalIndex, MemoryIndex, TableIndex, TypeIndex,
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

/// The steps, in order. Until the instance joins the store, a failure
/// gives back everything taken: its state drops (returning guard
/// reservations) and the arena is released to where it was.
pub(crate) fn instantiate<T>(
    store: &mut StoreOpaque<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance, Error> {
    check_imports(store, module, imports)?;
    let mark = store.arena.mark();
    let built = build(store, module, imports);
    let (mut state, vmctx) = match built {
        Ok(built) => built,
        Err(e) => {
            store.arena.release_to(mark);
            return Err(e);
        }
    };
    let instance = state.instance;
    let state_ptr: *mut InstanceState = &mut *state;
    store.instances.push(state);
    lend_host_trampolines(module, imports);
    // SAFETY: the state is boxed in the store (stable, alive with it) and
    // nothing else borrows it during instantiation.
    let state = unsafe { &mut *state_ptr };
    init_segments(state)?;
    run_start(store, state, vmctx)?;
    Ok(instance)
}

/// Same engine, as many imports as declared, each of the right kind and
/// type and from this store.
fn check_imports<T>(
    store: &StoreOpaque<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<(), Error> {
    let meta = &*module.inner.meta;
    if !alloc::sync::Arc::ptr_eq(&module.inner.engine.inner, &store.engine.inner) {
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
    Ok(())
}

/// The new instance's `VMContext`, written through its module's offsets.
#[derive(Clone, Copy)]
struct Context {
    vmctx: *mut VMContext,
}

impl Context {
    fn at<V>(self, off: u32) -> *mut V {
        self.vmctx.cast::<u8>().wrapping_add(off as usize).cast()
    }

    /// Write `value` at `off`.
    ///
    /// # Safety
    /// `off` must come from the module's `VMOffsets` for a field of type
    /// `V`: it then lies inside the zeroed context and is aligned for `V`.
    unsafe fn write<V>(self, off: u32, value: V) {
        // SAFETY: as the caller promises.
        unsafe { self.at::<V>(off).write(value) }
    }
}

/// Everything up to the instance joining the store: context, imports,
/// tables, memories, func refs, globals.
fn build<T>(
    store: &mut StoreOpaque<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<(Box<InstanceState>, *mut VMContext), Error> {
    let meta = &*module.inner.meta;
    let (block, cx) = alloc_context(store, module)?;
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
    link_imports(&mut state, module, imports, cx)?;
    create_tables(store, &mut state, module, cx)?;
    create_memories(store, &mut state, module, cx)?;
    init_func_refs(store, &mut state, module, cx);
    init_globals(store, &mut state, module, cx);
    // SAFETY: `block` starts with room for the header.
    unsafe {
        block
            .cast::<InstanceHeader>()
            .write(InstanceHeader { state: &mut *state })
    };
    Ok((state, cx.vmctx))
}

/// The header and `VMContext` in the arena, zeroed, with the fields every
/// instance of every module has.
fn alloc_context<T>(
    store: &mut StoreOpaque<T>,
    module: &Module,
) -> Result<(*mut u8, Context), Error> {
    let m = &module.inner;
    let header = core::mem::size_of::<InstanceHeader>();
    let size = header + m.offsets.size() as usize;
    let block = store.arena.alloc_back(size, 16)?;
    let cx = Context {
        vmctx: block.wrapping_add(header).cast::<VMContext>(),
    };
    // SAFETY: fixed offsets of every `VMContext`, with their field types.
    unsafe {
        cx.write(VMOffsets::VMCTX_MAGIC, VMCONTEXT_MAGIC);
        cx.write(
            VMOffsets::VMCTX_RUNTIME_LIMITS,
            &store.limits as *const _ as usize,
        );
        cx.write(
            VMOffsets::VMCTX_EPOCH_PTR,
            &store.engine.inner.epoch as *const _ as usize,
        );
        cx.write(
            VMOffsets::VMCTX_BUILTIN_FUNCTIONS,
            &crate::libcalls::BUILTINS as *const _ as usize,
        );
        cx.write(
            VMOffsets::VMCTX_SIGNATURE_IDS,
            m.signature_ids.as_ptr() as usize,
        );
    }
    Ok((block, cx))
}

/// This module's wasm-to-host trampoline for its type `ty`.
#[inline(never)]
fn host_trampoline(module: &Module, ty: TypeIndex) -> Result<usize, Error> {
    let m = &module.inner;
    let (_, off) = m
        .meta
        .host_trampolines
        .iter()
        .find(|(t, _)| *t == ty)
        .ok_or(Error::Artifact(ArtifactError::Inconsistent(
            "no host trampoline for an imported type",
        )))?;
    Ok(m.code_base + *off as usize)
}

/// The import arrays of the context, and the imports' handles in `state`.
fn link_imports(
    state: &mut InstanceState,
    module: &Module,
    imports: &[Extern],
    cx: Context,
) -> Result<(), Error> {
    let o = &module.inner.offsets;
    for (import, ext) in module.inner.meta.imports.iter().zip(imports) {
        match (*ext, &import.kind) {
            (Extern::Func(f), ImportKind::Func(t)) => {
                let fref = f.func_ref();
                // A host function is entered through this module's own
                // trampoline for its type, so the context never points
                // into another module's code.
                let wasm_call = match fref.wasm_call {
                    Some(entry) if !is_host(fref) => entry,
                    _ => NonNull::new(host_trampoline(module, *t)? as *mut _)
                        .expect("code is not at 0"),
                };
                let import = VMFunctionImport {
                    wasm_call,
                    native_call: fref.native_call,
                    array_call: fref.array_call,
                    vmctx: fref.vmctx,
                };
                let i = state.funcs.len() as u32;
                // SAFETY: an offset of the imported-functions array.
                unsafe { cx.write(o.vmfunction_import(FuncIndex::from_u32(i)), import) };
                state.funcs.push(Some(f));
            }
            (Extern::Table(t), _) => {
                let s = t.state();
                let i = state.tables.len() as u32;
                let import = VMTableImport {
                    from: s.def,
                    vmctx: s.owner,
                };
                // SAFETY: an offset of the imported-tables array.
                unsafe { cx.write(o.vmtable_import(TableIndex::from_u32(i)), import) };
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
                // SAFETY: an offset of the imported-memories array.
                unsafe { cx.write(o.vmmemory_import(MemoryIndex::from_u32(i)), import) };
                state.memories.push(mem.ptr);
            }
            (Extern::Global(g), _) => {
                let i = state.globals.len() as u32;
                // SAFETY: an offset of the imported-globals array.
                unsafe {
                    cx.write(
                        o.vmglobal_import(GlobalIndex::from_u32(i)),
                        VMGlobalImport { from: g.def },
                    )
                };
                state.globals.push(g);
            }
            _ => unreachable!("checked by check_import"),
        }
    }
    Ok(())
}

/// Whether a func ref is a host function's (its context is no `VMContext`).
fn is_host(fref: &VMFuncRef) -> bool {
    // SAFETY: a func ref's vmctx points at a `VMContext` or a host
    // function context, both of which start with a u32 magic.
    unsafe { fref.vmctx.cast::<u32>().read() != VMCONTEXT_MAGIC }
}

/// A host function reached through a table or `ref.func` is called by its
/// func ref's `wasm_call`: give the imported ones that lack it this
/// module's trampoline. The module is now held by an instance of the
/// host function's store, so the code outlives the func ref.
fn lend_host_trampolines(module: &Module, imports: &[Extern]) {
    for (import, ext) in module.inner.meta.imports.iter().zip(imports) {
        if let (Extern::Func(f), ImportKind::Func(t)) = (ext, &import.kind) {
            // SAFETY: the func ref is live in this store and no Wasm runs.
            let fref = unsafe { &mut *f.ptr };
            if fref.wasm_call.is_none() {
                fref.wasm_call = host_trampoline(module, *t)
                    .ok()
                    .and_then(|entry| NonNull::new(entry as *mut _));
            }
        }
    }
}

/// The module's own tables, in the arena.
fn create_tables<T>(
    store: &mut StoreOpaque<T>,
    state: &mut InstanceState,
    module: &Module,
    cx: Context,
) -> Result<(), Error> {
    let o = &module.inner.offsets;
    for (i, plan) in module.inner.meta.tables.iter().enumerate() {
        let def =
            cx.at::<VMTableDefinition>(o.vmtable_definition(DefinedTableIndex::from_u32(i as u32)));
        let mut table = Box::new(TableState::new(
            &mut store.arena,
            &store.config,
            plan,
            0,
            def,
        )?);
        table.owner = cx.vmctx;
        state.tables.push(&mut *table);
        state.owned_tables.push(table);
    }
    Ok(())
}

/// The module's own memories. Last in the arena: its newest allocation can
/// grow in place past its reservation, and a memory is what usually grows.
fn create_memories<T>(
    store: &mut StoreOpaque<T>,
    state: &mut InstanceState,
    module: &Module,
    cx: Context,
) -> Result<(), Error> {
    let o = &module.inner.offsets;
    for (i, plan) in module.inner.meta.memories.iter().enumerate() {
        let def = cx.at::<VMMemoryDefinition>(
            o.vmmemory_definition(DefinedMemoryIndex::from_u32(i as u32)),
        );
        let mut mem = Box::new(match &store.pool {
            Some(pool) => MemoryState::pooled(pool, plan, def)?,
            None => {
                let platform = store.guard_platform();
                MemoryState::new(&mut store.arena, &store.config, plan, def, platform)?
            }
        });
        mem.owner = cx.vmctx;
        mem.index = i as u32;
        let guarded = mem.guarded();
        // Owned from here on, so a failure below still releases it.
        state.memories.push(&mut *mem);
        state.owned_memories.push(mem);
        if guard_mode(module) && !guarded {
            return Err(ArtifactError::BoundsChecksUnsupported.into());
        }
        // SAFETY: the defined-memory pointer slot of memory `i`.
        unsafe {
            cx.write(
                o.vmmemory_pointer(DefinedMemoryIndex::from_u32(i as u32)),
                def as usize,
            )
        };
    }
    Ok(())
}

/// A func ref for every function that escapes (exports, tables, `ref.func`).
fn init_func_refs<T>(
    store: &StoreOpaque<T>,
    state: &mut InstanceState,
    module: &Module,
    cx: Context,
) {
    let m = &module.inner;
    let meta = &*m.meta;
    let imported_funcs = state.funcs.len();
    state.funcs.resize(imported_funcs + meta.funcs.len(), None);
    for (slot, &f) in meta.func_refs.iter().enumerate() {
        let dst = cx.at::<VMFuncRef>(m.offsets.vmfunc_ref(slot as u32));
        let value = if let Some(d) = m.offsets.defined_func_index(f) {
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
                vmctx: cx.vmctx.cast(),
            }
        } else {
            *state.funcs[f.index()].expect("imported").func_ref()
        };
        // SAFETY: the func ref slot `slot` of the context.
        unsafe { dst.write(value) };
        if m.offsets.defined_func_index(f).is_some() {
            state.funcs[f.index()] = Some(Func {
                ptr: dst,
                store: store.id,
            });
        }
    }
}

/// The module's own globals, from their initialisers.
fn init_globals<T>(
    store: &StoreOpaque<T>,
    state: &mut InstanceState,
    module: &Module,
    cx: Context,
) {
    let m = &module.inner;
    for (i, g) in m.meta.globals.iter().enumerate() {
        let def = cx.at::<VMGlobalDefinition>(
            m.offsets
                .vmglobal_definition(DefinedGlobalIndex::from_u32(i as u32)),
        );
        let value = eval(state, &g.init);
        // SAFETY: the global slot `i` of the context, 16 bytes.
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
}

/// Evaluate element segments, then apply active element and data segments
/// in order (each as `table.init` / `memory.init`).
fn init_segments(state: &mut InstanceState) -> Result<(), Error> {
    let module = state.module.clone();
    let meta = &*module.inner.meta;
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
    Ok(())
}

/// Call the start function, if the module has one.
fn run_start<T>(
    store: &mut StoreOpaque<T>,
    state: &InstanceState,
    vmctx: *mut VMContext,
) -> Result<(), Error> {
    let m = &state.module.inner;
    let Some(start) = m.meta.start else {
        return Ok(());
    };
    let mut values = [ValRaw::default(); 1];
    match state.funcs[start.index()] {
        // SAFETY: the start function takes and returns nothing (validated;
        // an imported one was checked against that type when linked), and
        // the func ref is live. Called raw, as a defined one is: no
        // untyped `Func::call` (argument checks, `Val`s) for it.
        Some(f) => unsafe { f.call_raw(store, values.as_mut_ptr(), 0) },
        None => {
            let defined = m.offsets.defined_func_index(start).expect("validated");
            let info = &m.meta.funcs[defined.index()];
            let tramp = m.code_base + info.array_call.expect("validated") as usize;
            // SAFETY: the start function takes and returns nothing, and
            // its trampoline and context are live.
            unsafe { crate::func::enter(store, tramp, vmctx, values.as_mut_ptr(), 0) }
        }
    }
}

/// Value of a constant expression as its 16-byte raw form (as a global
/// slot holds it); scalars and references occupy the low bytes.
#[inline(never)]
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
