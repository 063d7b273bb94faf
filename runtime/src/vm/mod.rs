//! The `#[repr(C)]` structures compiled code reads and writes.
//!
//! They keep the names, fields, order, sizes and alignment of wasmtime 14's
//! `vmcontext.rs` on 64-bit targets, so the layout is a known, reviewed
//! contract. [`VMOffsets`] is the one definition of where each lives inside a
//! `VMContext`; the compiler computes addresses from it and the runtime lays
//! instances out with it, so the two can never disagree.

mod builtins;
mod layout;
mod offsets;
mod structs;

pub(crate) use builtins::foreach_builtin_function;
pub use builtins::{BuiltinFunction, BuiltinType, VMBuiltinFunctionsArray};
pub use layout::{layout_mismatches, LayoutFact, LAYOUT_FACTS};
pub use offsets::{VMOffsets, VMOffsetsCounts, VMCONTEXT_MAGIC, VMHOST_FUNC_MAGIC};
pub use structs::*;
