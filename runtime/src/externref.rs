//! `externref`: host values Wasm can hold but not look into.

use crate::store::{AsContext, AsContextMut, StoreId};
use alloc::boxed::Box;
use core::any::Any;

/// A host value registered in a store. Wasm sees `index + 1` (0 is null).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternRef {
    pub(crate) index: u32,
    pub(crate) store: StoreId,
}

impl ExternRef {
    /// Register `value` in the store.
    pub fn new(mut store: impl AsContextMut, value: impl Any + Send + Sync) -> ExternRef {
        let store = store.as_context_mut();
        store.externrefs.push(Box::new(value));
        ExternRef {
            index: store.externrefs.len() as u32 - 1,
            store: store.id,
        }
    }

    /// The host value.
    pub fn data<'a, S: AsContext + 'a>(&self, store: &'a S) -> &'a (dyn Any + Send + Sync) {
        let store = store.as_context();
        store.assert_owns(self.store);
        &*store.externrefs[self.index as usize]
    }

    pub(crate) fn raw(&self) -> u64 {
        self.index as u64 + 1
    }

    pub(crate) fn from_raw(raw: u64, store: StoreId) -> Option<ExternRef> {
        (raw != 0).then(|| ExternRef {
            index: (raw - 1) as u32,
            store,
        })
    }
}
