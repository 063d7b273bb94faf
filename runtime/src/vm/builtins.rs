//! Runtime functions compiled code reaches through `VMBuiltinFunctionsArray`
//! (never by absolute address, so code needs no relocation at load time).
//!
//! All take the calling instance's `vmctx` first. Integer parameters are
//! `i32` unless noted; references are pointer-sized (`i64`). Builtins that
//! can fail return an `i32` that is non-zero on failure; compiled code then
//! traps with the builtin's one trap kind, so no Rust frame is ever unwound.

use super::VMContext;

type V = *mut VMContext;

/// The libcalls, in their slot order inside [`VMBuiltinFunctionsArray`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum BuiltinFunction {
    /// `(vmctx, delta: i64, memory: i32) -> i64`: old size in pages, or -1.
    Memory32Grow = 0,
    /// `(vmctx, table, delta, init: i64) -> i32`: old size, or -1.
    TableGrow = 1,
    /// `(vmctx, table, dst, value: i64, len) -> i32`; fails: table out of bounds.
    TableFill = 2,
    /// `(vmctx, dst_table, src_table, dst, src, len) -> i32`; fails: table out of bounds.
    TableCopy = 3,
    /// `(vmctx, table, elem_segment, dst, src, len) -> i32`; fails: table out of bounds.
    TableInit = 4,
    /// `(vmctx, elem_segment)`.
    ElemDrop = 5,
    /// `(vmctx, dst, src, len) -> i32` on memory 0; fails: memory out of bounds.
    MemoryCopy = 6,
    /// `(vmctx, dst, value, len) -> i32` on memory 0; fails: memory out of bounds.
    MemoryFill = 7,
    /// `(vmctx, data_segment, dst, src, len) -> i32` on memory 0; fails: memory out of bounds.
    MemoryInit = 8,
    /// `(vmctx, data_segment)`.
    DataDrop = 9,
}

impl BuiltinFunction {
    /// Every builtin, by slot.
    pub const ALL: [BuiltinFunction; 10] = [
        BuiltinFunction::Memory32Grow,
        BuiltinFunction::TableGrow,
        BuiltinFunction::TableFill,
        BuiltinFunction::TableCopy,
        BuiltinFunction::TableInit,
        BuiltinFunction::ElemDrop,
        BuiltinFunction::MemoryCopy,
        BuiltinFunction::MemoryFill,
        BuiltinFunction::MemoryInit,
        BuiltinFunction::DataDrop,
    ];

    /// Slot index inside the array.
    pub const fn index(self) -> u32 {
        self as u32
    }

    /// Parameters (the `vmctx` first) and result, as compiled code calls
    /// it: the compiler declares exactly this, and the layout fingerprint
    /// covers it, so an artifact built against other libcalls is refused.
    pub const fn signature(self) -> (&'static [BuiltinType], Option<BuiltinType>) {
        use BuiltinType::{I32, I64};
        match self {
            BuiltinFunction::Memory32Grow => (&[I64, I64, I32], Some(I64)),
            BuiltinFunction::TableGrow => (&[I64, I32, I32, I64], Some(I32)),
            BuiltinFunction::TableFill => (&[I64, I32, I32, I64, I32], Some(I32)),
            BuiltinFunction::TableCopy | BuiltinFunction::TableInit => {
                (&[I64, I32, I32, I32, I32, I32], Some(I32))
            }
            BuiltinFunction::ElemDrop | BuiltinFunction::DataDrop => (&[I64, I32], None),
            BuiltinFunction::MemoryCopy | BuiltinFunction::MemoryFill => {
                (&[I64, I32, I32, I32], Some(I32))
            }
            BuiltinFunction::MemoryInit => (&[I64, I32, I32, I32, I32], Some(I32)),
        }
    }
}

/// A value in a builtin's signature (pointers are `I64` on aarch64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum BuiltinType {
    /// 32-bit integer.
    I32 = 1,
    /// 64-bit integer or pointer.
    I64 = 2,
}

/// Function pointers of the libcalls, one per [`BuiltinFunction`] in slot
/// order, shared by every instance.
#[derive(Debug)]
#[repr(C)]
pub struct VMBuiltinFunctionsArray {
    /// [`BuiltinFunction::Memory32Grow`].
    pub memory32_grow: unsafe extern "C" fn(V, u64, u32) -> u64,
    /// [`BuiltinFunction::TableGrow`].
    pub table_grow: unsafe extern "C" fn(V, u32, u32, u64) -> u32,
    /// [`BuiltinFunction::TableFill`].
    pub table_fill: unsafe extern "C" fn(V, u32, u32, u64, u32) -> u32,
    /// [`BuiltinFunction::TableCopy`].
    pub table_copy: unsafe extern "C" fn(V, u32, u32, u32, u32, u32) -> u32,
    /// [`BuiltinFunction::TableInit`].
    pub table_init: unsafe extern "C" fn(V, u32, u32, u32, u32, u32) -> u32,
    /// [`BuiltinFunction::ElemDrop`].
    pub elem_drop: unsafe extern "C" fn(V, u32),
    /// [`BuiltinFunction::MemoryCopy`].
    pub memory_copy: unsafe extern "C" fn(V, u32, u32, u32) -> u32,
    /// [`BuiltinFunction::MemoryFill`].
    pub memory_fill: unsafe extern "C" fn(V, u32, u32, u32) -> u32,
    /// [`BuiltinFunction::MemoryInit`].
    pub memory_init: unsafe extern "C" fn(V, u32, u32, u32, u32) -> u32,
    /// [`BuiltinFunction::DataDrop`].
    pub data_drop: unsafe extern "C" fn(V, u32),
}

impl VMBuiltinFunctionsArray {
    /// Number of slots.
    pub const LEN: usize = BuiltinFunction::ALL.len();
}
