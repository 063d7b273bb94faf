//! The `Platform` trait: everything the Basalt runtime needs from a board.
//!
//! The runtime is target-independent; a board (firmware) implements this trait
//! and hands faults from its exception vector to the runtime through the trap
//! hook registered here. Nothing here needs `std` or an allocator.
#![no_std]

mod device;
mod fault;
mod loader;
mod memory;
mod zero;

pub use device::DeviceError;
pub use fault::{
    clear_epoch_counter, dispatch_epoch_tick, dispatch_fault, dispatch_sample, set_epoch_counter,
    set_sample_hook, set_trap_hook, Fault, FaultKind, Interrupted, Resume, TrapHook,
};
pub use loader::LoadOnly;
pub use memory::{MapError, Protection};
pub use zero::{zero, zero_normal};

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

    /// Whether the board has an MMU the runtime may use. With one,
    /// [`Platform::protect`] seals loaded code (W^X) and guard-page memories
    /// come from [`Platform::reserve`] and [`Platform::map`], and any failure
    /// of theirs is an error. Without one, code stays in flat memory,
    /// memories are contiguous in the store's arena (explicit bounds checks
    /// only), and those three are never called. A board with one maps its
    /// RAM, the runtime's arenas included, as Normal memory (the runtime
    /// zeroes guard-memory pages with `dc zva`, which Device memory refuses).
    fn has_mmu(&self) -> bool;

    /// Reserve `len` bytes of address space with nothing mapped in it, so
    /// every access faults (guard regions around linear memories). Returns
    /// its start, aligned to at least 64 KiB.
    fn reserve(&self, len: usize) -> Result<usize, MapError>;

    /// Map `addr..addr + len`, inside a reservation, onto the memory the
    /// caller can already reach at `backing..backing + len` (pages of the
    /// runtime's arena), with protection `prot`.
    fn map(
        &self,
        addr: usize,
        backing: usize,
        len: usize,
        prot: Protection,
    ) -> Result<(), MapError>;

    /// Change the protection of an already mapped range.
    fn protect(&self, addr: usize, len: usize, prot: Protection) -> Result<(), MapError>;

    /// Unmap a range made by [`Platform::map`]; it becomes guard again.
    fn unmap(&self, addr: usize, len: usize) -> Result<(), MapError>;

    /// Give back a whole reservation made by [`Platform::reserve`] (`addr`
    /// and `len` as reserved), with anything still mapped in it, so the
    /// address space serves later reservations. Boards whose reservations
    /// cost nothing to keep may leave the default, which keeps them.
    fn release(&self, addr: usize, len: usize) -> Result<(), MapError> {
        let _ = (addr, len);
        Err(MapError::Unsupported)
    }

    /// Make instructions written to `addr..addr + len` visible to instruction
    /// fetch (clean data cache to the point of unification, invalidate the
    /// instruction cache).
    fn sync_icache(&self, addr: usize, len: usize);

    /// Stack of the context that calls into Wasm.
    fn stack_bounds(&self) -> StackBounds;

    /// Bytes of unmapped guard region directly below
    /// [`StackBounds::low`], where every access faults and the fault is
    /// taken on another stack (the exception vector must not push onto the
    /// stack that overflowed). With one of at least
    /// `basalt::stack::MIN_GUARD` bytes, guard-mode Wasm runs without
    /// stack-limit checks in its prologues and an overflow is a data abort
    /// there; boards without one keep the default, 0, and the runtime
    /// refuses guard-mode artifacts.
    fn stack_guard(&self) -> usize {
        0
    }

    /// Monotonic clock ticks since boot.
    fn ticks(&self) -> u64;

    /// Frequency of [`Platform::ticks`] in Hz.
    fn tick_hz(&self) -> u64;

    /// Call [`dispatch_epoch_tick`] from a periodic timer interrupt every
    /// `period` ticks of [`Platform::ticks`] (epoch interruption). Boards
    /// without a timer interrupt return `DeviceError::Unsupported`.
    fn start_epoch_timer(&self, period: u64) -> Result<(), DeviceError>;
    /// Call [`dispatch_sample`] with the interrupted context from a periodic
    /// timer interrupt every `period` ticks of [`Platform::ticks`]
    /// (sampling profiler), independent of the epoch timer; a `period` of 0
    /// stops it. Boards without a second timer keep the default,
    /// `DeviceError::Unsupported`.
    fn start_sampling_timer(&self, period: u64) -> Result<(), DeviceError> {
        let _ = period;
        Err(DeviceError::Unsupported)
    }

    /// Write raw bytes to the board's console (WASI stdout and stderr).
    /// The default drops them, for boards without a console.
    fn console_write(&self, bytes: &[u8]) {
        let _ = bytes;
    }

    /// Fill `buf` with random bytes (WASI `random_get`). Boards without an
    /// entropy source keep the default, `DeviceError::Unsupported`, so guests
    /// get `ENOSYS` rather than predictable numbers they believe random.
    fn random(&self, buf: &mut [u8]) -> Result<(), DeviceError> {
        let _ = buf;
        Err(DeviceError::Unsupported)
    }
}
