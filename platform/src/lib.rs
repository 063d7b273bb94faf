//! The `Platform` trait: everything the Basalt runtime needs from a board.
//!
//! The runtime is target-independent; a board (firmware) implements this trait
//! and hands faults from its exception vector to the runtime through the trap
//! hook registered here. Nothing here needs `std` or an allocator.
#![no_std]

mod fault;
mod memory;

pub use fault::{dispatch_fault, set_trap_hook, Fault, FaultKind, Resume, TrapHook};
pub use memory::{MapError, Protection};

/// Bounds of the stack the current context runs on, `low <= sp < high`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackBounds {
    /// Lowest usable address (the stack grows down towards it).
    pub low: usize,
    /// One past the highest address.
    pub high: usize,
}

/// What a board provides to the runtime.
///
/// Addresses are virtual addresses of the running context. All methods take
/// `&self` so one platform value can be shared by every store on the board.
pub trait Platform: Sync {
    /// Granule of [`Platform::map`] and [`Platform::protect`] in bytes.
    fn page_size(&self) -> usize;

    /// Reserve and back `len` bytes at `addr` with the given protection.
    fn map(&self, addr: usize, len: usize, prot: Protection) -> Result<(), MapError>;

    /// Change the protection of an already mapped range.
    fn protect(&self, addr: usize, len: usize, prot: Protection) -> Result<(), MapError>;

    /// Release a range made by [`Platform::map`].
    fn unmap(&self, addr: usize, len: usize) -> Result<(), MapError>;

    /// Make instructions written to `addr..addr + len` visible to instruction
    /// fetch (clean data cache to the point of unification, invalidate the
    /// instruction cache).
    fn sync_icache(&self, addr: usize, len: usize);

    /// Stack of the context that calls into Wasm.
    fn stack_bounds(&self) -> StackBounds;

    /// Monotonic clock ticks since boot.
    fn ticks(&self) -> u64;

    /// Frequency of [`Platform::ticks`] in Hz.
    fn tick_hz(&self) -> u64;
}
