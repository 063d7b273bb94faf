//! Globals: a typed view of a `VMGlobalDefinition`.

use crate::artifact::GlobalType;
use crate::error::Error;
use crate::store::{AsContext, AsContextMut, StoreId};
use crate::val::Val;
use crate::vm::{VMGlobalDefinition, ValRaw};

/// A global (instance-defined, imported or created by the host).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Global {
    pub(crate) def: *mut VMGlobalDefinition,
    pub(crate) ty: GlobalType,
    pub(crate) store: StoreId,
}

impl Global {
    /// Create a global owned by the store.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, init: Val) -> Result<Global, Error> {
        if init.ty() != ty.ty {
            return Err(Error::TypeMismatch("global initial value"));
        }
        let store = store.as_context_mut();
        store.admit(&init)?;
        let def = store.arena.alloc_back(16, 16)?.cast::<VMGlobalDefinition>();
        let g = Global {
            def,
            ty,
            store: store.id,
        };
        g.write(init);
        Ok(g)
    }

    /// Its type.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        store.as_context().assert_owns(self.store);
        self.ty
    }

    /// Current value.
    pub fn get(&self, store: impl AsContext) -> Val {
        store.as_context().assert_owns(self.store);
        Val::from_raw(&ValRaw::v128(self.raw()), self.ty.ty, self.store)
    }

    /// Set the value of a mutable global.
    pub fn set(&self, mut store: impl AsContextMut, val: Val) -> Result<(), Error> {
        let store = store.as_context_mut();
        store.check(self.store)?;
        store.admit(&val)?;
        if !self.ty.mutable {
            return Err(Error::Immutable);
        }
        if val.ty() != self.ty.ty {
            return Err(Error::TypeMismatch("global value"));
        }
        self.write(val);
        Ok(())
    }

    pub(crate) fn write(&self, val: Val) {
        let bytes = val.to_raw().get_v128().to_le_bytes();
        // SAFETY: `def` is a live global slot of this store, 16 bytes long.
        unsafe { *(*self.def).bytes_mut() = bytes };
    }

    /// All 16 bytes of the slot; scalars and references sit in the low bytes.
    pub(crate) fn raw(&self) -> u128 {
        // SAFETY: `def` is a live, initialised global slot of this store.
        u128::from_le_bytes(unsafe { *(*self.def).bytes() })
    }
}
