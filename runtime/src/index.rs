//! Typed indices into a module's index spaces, as wasmtime has them.
//!
//! Wasm numbers functions, tables, memories and globals with the imported
//! ones first; the `VMContext` and the metadata store the defined ones in
//! arrays of their own. A raw `u32` does not say which space it counts in,
//! so `index - imported` arithmetic was easy to get wrong; here the two are
//! different types and the only ways between them are the conversions on
//! [`VMOffsets`](crate::vm::VMOffsets), which knows the import counts.
//!
//! Each is a `#[repr(transparent)]` `u32` that serde sees as the bare
//! number, so artifacts encode exactly as they did with raw indices.

use serde::{Deserialize, Serialize};

macro_rules! entity_index {
    ($( $(#[$doc:meta])* $name:ident; )*) => {$(
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[repr(transparent)]
        #[serde(transparent)]
        pub struct $name(u32);

        impl $name {
            /// The index with this number.
            pub const fn from_u32(index: u32) -> Self {
                Self(index)
            }

            /// Its number.
            pub const fn as_u32(self) -> u32 {
                self.0
            }

            /// Its number, to index a slice.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

entity_index! {
    /// A function in the module's function space (imports first).
    FuncIndex;
    /// A function defined by the module: its position in `Metadata::funcs`.
    DefinedFuncIndex;
    /// A signature in `Metadata::types`.
    TypeIndex;
    /// A table in the module's table space (imports first).
    TableIndex;
    /// A table defined by the module.
    DefinedTableIndex;
    /// A memory in the module's memory space (imports first).
    MemoryIndex;
    /// A memory defined by the module.
    DefinedMemoryIndex;
    /// A global in the module's global space (imports first).
    GlobalIndex;
    /// A global defined by the module.
    DefinedGlobalIndex;
    /// An element segment.
    ElemIndex;
    /// A data segment.
    DataIndex;
}
