//! Instances: their runtime state, handles and exports.

use crate::artifact::ExportKind;
use crate::func::Func;
use crate::global::Global;
use crate::memory::{Memory, MemoryState};
use crate::module::Module;
use crate::store::{AsContext, AsContextMut, StoreId};
use crate::table::{Table, TableState};
use crate::vm::VMContext;
use alloc::boxed::Box;
use alloc::vec::Vec;

/// Per-instance pointer placed right before the `VMContext`, so libcalls
/// find the instance's state from the vmctx alone.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
pub(crate) struct InstanceHeader {
    pub(crate) state: *mut InstanceState,
}

impl InstanceHeader {
    pub(crate) fn of(vmctx: *mut VMContext) -> *mut InstanceHeader {
        vmctx.cast::<InstanceHeader>().wrapping_sub(1)
    }
}

/// Everything an instance owns or links to, by Wasm index space.
pub(crate) struct InstanceState {
    pub(crate) module: Module,
    pub(crate) instance: Instance,
    /// Functions, imported then defined-and-escaping (others are `None`).
    pub(crate) funcs: Vec<Option<Func>>,
    /// Tables, imported then defined.
    pub(crate) tables: Vec<*mut TableState>,
    /// Memories, imported then defined.
    pub(crate) memories: Vec<*mut MemoryState>,
    /// Globals, imported then defined.
    pub(crate) globals: Vec<Global>,
    pub(crate) owned_tables: Vec<Box<TableState>>,
    pub(crate) owned_memories: Vec<Box<MemoryState>>,
    /// Evaluated items of each element segment (empty once dropped).
    pub(crate) elems: Vec<Vec<u64>>,
    /// Whether each data segment was dropped.
    pub(crate) dropped_data: Vec<bool>,
}

/// An instance inside a store (an index, like wasmtime's handle).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    pub(crate) index: usize,
    pub(crate) store: StoreId,
}

/// Something an instance exports or a module imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A table.
    Table(Table),
    /// A memory.
    Memory(Memory),
    /// A global.
    Global(Global),
}

impl From<Func> for Extern {
    fn from(f: Func) -> Self {
        Extern::Func(f)
    }
}

impl From<Table> for Extern {
    fn from(t: Table) -> Self {
        Extern::Table(t)
    }
}

impl From<Memory> for Extern {
    fn from(m: Memory) -> Self {
        Extern::Memory(m)
    }
}

impl From<Global> for Extern {
    fn from(g: Global) -> Self {
        Extern::Global(g)
    }
}

impl Extern {
    /// The store that made it.
    pub(crate) fn store(&self) -> StoreId {
        match self {
            Extern::Func(f) => f.store,
            Extern::Table(t) => t.store,
            Extern::Memory(m) => m.store,
            Extern::Global(g) => g.store,
        }
    }

    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        match self {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        match self {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        match self {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }
}

impl InstanceState {
    pub(crate) fn export(&self, kind: ExportKind) -> Extern {
        match kind {
            ExportKind::Func(i) => {
                Extern::Func(self.funcs[i.index()].expect("exported functions escape"))
            }
            ExportKind::Table(i) => Extern::Table(Table {
                ptr: self.tables[i.index()],
                store: self.instance.store,
            }),
            ExportKind::Memory(i) => Extern::Memory(Memory {
                ptr: self.memories[i.index()],
                store: self.instance.store,
            }),
            ExportKind::Global(i) => Extern::Global(self.globals[i.index()]),
        }
    }
}

impl Instance {
    pub(crate) fn state<'a, S: AsContext>(&self, store: &'a S) -> &'a InstanceState {
        let store = store.as_context();
        store.assert_owns(self.store);
        &store.instances[self.index]
    }

    /// An export by name.
    pub fn get_export(&self, store: impl AsContextMut, name: &str) -> Option<Extern> {
        let state = self.state(&store);
        let kind = *state.module.inner.exports.get(name)?;
        Some(state.export(kind))
    }

    /// Every export, by name.
    pub fn exports<'a, S: AsContext>(
        &self,
        store: &'a S,
    ) -> impl Iterator<Item = (&'a str, Extern)> + 'a {
        let state = self.state(store);
        state
            .module
            .inner
            .meta
            .exports
            .iter()
            .map(move |e| (e.name.as_str(), state.export(e.kind)))
    }

    /// An exported function by name.
    pub fn get_func(&self, store: impl AsContextMut, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// An exported memory by name.
    pub fn get_memory(&self, store: impl AsContextMut, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// An exported table by name.
    pub fn get_table(&self, store: impl AsContextMut, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// An exported global by name.
    pub fn get_global(&self, store: impl AsContextMut, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// The module this instance was made from.
    pub fn module<'a, S: AsContext>(&self, store: &'a S) -> &'a Module {
        &self.state(store).module
    }
}
