//! Runtime functions compiled code reaches through `VMBuiltinFunctionsArray`
//! (never by absolute address, so code needs no relocation at load time).

/// The libcalls, in their slot order inside [`VMBuiltinFunctionsArray`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum BuiltinFunction {
    /// `memory32_grow(vmctx, delta_pages: u64, memory_index: u32) -> u64`:
    /// the old size in pages, or `u64::MAX` (as -1) on failure.
    Memory32Grow = 0,
}

impl BuiltinFunction {
    /// Every builtin, by slot.
    pub const ALL: [BuiltinFunction; 1] = [BuiltinFunction::Memory32Grow];

    /// Slot index inside the array.
    pub const fn index(self) -> u32 {
        self as u32
    }
}

/// Function pointers of the libcalls, one per [`BuiltinFunction`], shared by
/// every instance.
#[derive(Debug)]
#[repr(C)]
pub struct VMBuiltinFunctionsArray {
    /// `BuiltinFunction::Memory32Grow`.
    pub memory32_grow: unsafe extern "C" fn(*mut super::VMContext, u64, u32) -> u64,
}

impl VMBuiltinFunctionsArray {
    /// Number of slots.
    pub const LEN: usize = BuiltinFunction::ALL.len();
}
