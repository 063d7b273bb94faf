//! Tables: their state (reservation, limits, element type) and the host handle.

use crate::arena::Arena;
use crate::artifact::{TablePlan, ValType};
use crate::error::Error;
use crate::store::{AsContext, AsContextMut, StoreConfig, StoreId};
use crate::val::Val;
use crate::vm::VMTableDefinition;
use alloc::boxed::Box;

/// A table's runtime state. Elements are 8 bytes: a `*mut VMFuncRef` for
/// funcref tables, an externref's raw value otherwise; 0 is null.
pub(crate) struct TableState {
    pub(crate) def: *mut VMTableDefinition,
    capacity: u32,
    max: Option<u32>,
    pub(crate) elem: ValType,
    arena: *mut Arena,
    /// The owning instance's vmctx (null for host-created tables).
    pub(crate) owner: *mut crate::vm::VMContext,
}

impl TableState {
    /// Reserve a table of `plan` in `arena` filled with `init`, writing its
    /// definition to `def`.
    pub(crate) fn new(
        arena: &mut Arena,
        config: &StoreConfig,
        plan: &TablePlan,
        init: u64,
        def: *mut VMTableDefinition,
    ) -> Result<Self, Error> {
        if plan.max.is_some_and(|m| m < plan.min) {
            return Err(Error::Limits("table minimum exceeds its maximum"));
        }
        let capacity = plan
            .min
            .saturating_add(config.table_reserve)
            .min(plan.max.unwrap_or(u32::MAX));
        let available = (arena.available(8) / 8).min(u32::MAX as usize) as u32;
        let capacity = capacity.min(available);
        if capacity < plan.min {
            return Err(Error::StoreArenaFull {
                needed: plan.min as usize * 8,
                available: available as usize * 8,
            });
        }
        let base = arena.alloc(capacity as usize * 8, 8, 0)?;
        // SAFETY: the caller hands us the slot reserved for this definition.
        unsafe {
            def.write(VMTableDefinition {
                base,
                current_elements: plan.min,
            })
        };
        let mut state = Self {
            def,
            capacity,
            max: plan.max,
            elem: plan.elem,
            arena,
            owner: core::ptr::null_mut(),
        };
        state.elements_mut().fill(init);
        Ok(state)
    }

    fn definition(&self) -> &VMTableDefinition {
        // SAFETY: `def` was initialised in `new` and lives as long as the store.
        unsafe { &mut *self.def }
    }

    pub(crate) fn size(&self) -> u32 {
        self.definition().current_elements
    }

    pub(crate) fn plan(&self) -> TablePlan {
        TablePlan {
            elem: self.elem,
            min: self.size(),
            max: self.max,
        }
    }

    pub(crate) fn elements(&self) -> &[u64] {
        let def = self.definition();
        // SAFETY: `base` holds `current_elements` initialised 8-byte slots.
        unsafe {
            core::slice::from_raw_parts(def.base.cast::<u64>(), def.current_elements as usize)
        }
    }

    pub(crate) fn elements_mut(&mut self) -> &mut [u64] {
        let def = self.definition();
        // SAFETY: `base` holds `capacity >= current_elements` 8-byte slots
        // reserved for this table.
        unsafe {
            core::slice::from_raw_parts_mut(def.base.cast::<u64>(), def.current_elements as usize)
        }
    }

    /// `table.grow`: the old size, or `None`.
    pub(crate) fn grow(&mut self, delta: u32, init: u64) -> Option<u32> {
        let old = self.size();
        let new = old
            .checked_add(delta)
            .filter(|&n| self.max.is_none_or(|m| n <= m))?;
        if new > self.capacity {
            let base = self.definition().base;
            // SAFETY: the arena outlives every table of its store.
            let arena = unsafe { &mut *self.arena };
            if !arena.extend(base, self.capacity as usize * 8, new as usize * 8) {
                return None;
            }
            self.capacity = new;
        }
        // SAFETY: `def` is this table's live definition; `&mut self` makes
        // this the only access.
        unsafe { (*self.def).current_elements = new };
        self.elements_mut()[old as usize..].fill(init);
        Some(old)
    }

    /// Bounds-checked range `start..start + len`.
    pub(crate) fn range(&self, start: u32, len: u32) -> Option<core::ops::Range<usize>> {
        let end = (start as u64) + (len as u64);
        (end <= self.size() as u64).then_some(start as usize..end as usize)
    }
}

/// A table (instance-defined, imported or created by the host).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Table {
    pub(crate) ptr: *mut TableState,
    pub(crate) store: StoreId,
}

impl Table {
    /// Create a table owned by the store, filled with `init`.
    pub fn new(mut store: impl AsContextMut, plan: TablePlan, init: Val) -> Result<Table, Error> {
        let store = store.as_context_mut();
        store.admit(&init)?;
        let init = init
            .ref_raw(plan.elem, store.id)
            .ok_or(Error::TypeMismatch("table initial value"))?;
        let def = store.arena.alloc_back(16, 16)?.cast::<VMTableDefinition>();
        let state = TableState::new(&mut store.arena, &store.config, &plan, init, def)?;
        let mut boxed = Box::new(state);
        let ptr: *mut TableState = &mut *boxed;
        store.host_tables.push(boxed);
        Ok(Table {
            ptr,
            store: store.id,
        })
    }

    pub(crate) fn state<'a>(&self) -> &'a mut TableState {
        // SAFETY: table states are boxed in their store and never freed
        // while it lives; the public methods check the handle's store first.
        unsafe { &mut *self.ptr }
    }

    /// Current size in elements.
    pub fn size(&self, store: impl AsContext) -> u32 {
        store.as_context().assert_owns(self.store);
        self.state().size()
    }

    /// Its type now: current size as the minimum, and the declared maximum.
    pub fn ty(&self, store: impl AsContext) -> TablePlan {
        store.as_context().assert_owns(self.store);
        self.state().plan()
    }

    /// Element `index`, or `None` out of bounds.
    pub fn get(&self, store: impl AsContext, index: u32) -> Option<Val> {
        store.as_context().assert_owns(self.store);
        let s = self.state();
        let raw = *s.elements().get(index as usize)?;
        Some(Val::from_ref_raw(s.elem, raw, self.store))
    }

    /// Set element `index` (a reference of this store, of the table's type).
    pub fn set(&self, store: impl AsContextMut, index: u32, val: Val) -> Result<(), Error> {
        store.as_context().check(self.store)?;
        store.as_context().admit(&val)?;
        let s = self.state();
        let raw = val
            .ref_raw(s.elem, self.store)
            .ok_or(Error::TypeMismatch("table element"))?;
        *s.elements_mut()
            .get_mut(index as usize)
            .ok_or(Error::OutOfBounds)? = raw;
        Ok(())
    }

    /// Grow by `delta` elements filled with `init`; returns the old size.
    pub fn grow(&self, store: impl AsContextMut, delta: u32, init: Val) -> Result<u32, Error> {
        store.as_context().check(self.store)?;
        store.as_context().admit(&init)?;
        let s = self.state();
        let raw = init
            .ref_raw(s.elem, self.store)
            .ok_or(Error::TypeMismatch("table element"))?;
        s.grow(delta, raw).ok_or(Error::GrowFailed)
    }
}
