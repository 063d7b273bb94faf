//! Globals: a typed view of a `VMGlobalDefinition`.

use crate::artifact::GlobalType;
use crate::error::Error;
use crate::store::{AsContext, AsContextMut};
use crate::val::Val;
use crate::vm::{VMGlobalDefinition, ValRaw};

/// A global (instance-defined, imported or created by the host).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Global {
    pub(crate) def: *mut VMGlobalDefinition,
    pub(crate) ty: GlobalType,
}

impl Global {
    /// Create a global owned by the store.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, init: Val) -> Result<Global, Error> {
        if init.ty() != ty.ty {
            return Err(Error::TypeMismatch("global initial value"));
        }
        let store = store.as_context_mut();
        let def = store.arena.alloc(16, 16, 16)?.cast::<VMGlobalDefinition>();
        let g = Global { def, ty };
        g.write(init);
        Ok(g)
    }

    /// Its type.
    pub fn ty(&self, _store: impl AsContext) -> GlobalType {
        self.ty
    }

    /// Current value.
    pub fn get(&self, _store: impl AsContext) -> Val {
        Val::from_raw(&ValRaw::v128(self.raw()), self.ty.ty)
    }

    /// Set the value of a mutable global.
    pub fn set(&self, _store: impl AsContextMut, val: Val) -> Result<(), Error> {
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
