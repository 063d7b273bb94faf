//! Regions the linker script lays out (see `linker/README.md`), as address
//! ranges and, for the two static arenas, as slices handed out once.

use core::ops::Range;
use core::ptr::addr_of;
use core::sync::atomic::{AtomicBool, Ordering};

extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __exc_stack_guard: u8;
    static __exc_stack_bottom: u8;
    static __stack_guard: u8;
    static __stack_bottom: u8;
    static __stack_top: u8;
    static __heap_start: u8;
    static __heap_end: u8;
    static __code_arena_start: u8;
    static __code_arena_end: u8;
    static __memory_arena_start: u8;
    static __memory_arena_end: u8;
    static __ram_start: u8;
    static __ram_end: u8;
    static __job_start: u8;
    static __job_end: u8;
}

/// Address range between two linker symbols.
fn span(start: *const u8, end: *const u8) -> Range<usize> {
    start as usize..end as usize
}

/// Firmware code (mapped read-only, executable).
pub fn text_range() -> Range<usize> {
    span(addr_of!(__text_start), addr_of!(__text_end))
}

/// Firmware constants (mapped read-only).
pub fn rodata_range() -> Range<usize> {
    span(addr_of!(__rodata_start), addr_of!(__rodata_end))
}

/// The RAM the firmware maps (the linker script's `__ram_start..__ram_end`).
pub fn ram_range() -> Range<usize> {
    span(addr_of!(__ram_start), addr_of!(__ram_end))
}

/// Unmapped guard pages below the exception stack and the main stack.
pub fn guard_ranges() -> [Range<usize>; 2] {
    [
        span(addr_of!(__exc_stack_guard), addr_of!(__exc_stack_bottom)),
        stack_guard_range(),
    ]
}

/// The unmapped guard region directly below the main stack.
pub fn stack_guard_range() -> Range<usize> {
    span(addr_of!(__stack_guard), addr_of!(__stack_bottom))
}

/// The main stack (`SP_EL0`), which code and Wasm run on.
pub fn stack_range() -> Range<usize> {
    span(addr_of!(__stack_bottom), addr_of!(__stack_top))
}

/// The global allocator's region.
pub fn heap_range() -> Range<usize> {
    span(addr_of!(__heap_start), addr_of!(__heap_end))
}

/// The arena for loaded Wasm code; the only range `Platform::protect` changes.
pub fn code_range() -> Range<usize> {
    span(addr_of!(__code_arena_start), addr_of!(__code_arena_end))
}

/// The arena for linear memories and instance state.
pub fn memory_range() -> Range<usize> {
    span(addr_of!(__memory_arena_start), addr_of!(__memory_arena_end))
}

/// Where QEMU's loader puts the job blob (header + payload).
pub fn job_range() -> Range<usize> {
    span(addr_of!(__job_start), addr_of!(__job_end))
}

/// The job blob region, read-only.
pub fn job_region() -> &'static [u8] {
    let job = job_range();
    // SAFETY: the region is RAM outside the image, heap and arenas (checked
    // by the linker script's ASSERTs), identity-mapped, and nothing in the
    // firmware writes it; any byte pattern is a valid u8.
    unsafe { core::slice::from_raw_parts(job.start as *const u8, job.len()) }
}

/// The two static arenas, owned by whoever took them.
pub struct Arenas {
    /// 16 MiB, 2 MiB aligned, mapped RW and non-executable at boot, at page
    /// granularity so `Platform::protect` can flip pages to read+execute.
    pub code: &'static mut [u8],
    /// 256 MiB, 2 MiB aligned, RW and non-executable: linear memories,
    /// tables, globals, VMContexts.
    pub memory: &'static mut [u8],
}

static TAKEN: AtomicBool = AtomicBool::new(false);

/// The arenas, the first time only; `None` afterwards, so no two owners can
/// alias them.
pub fn take() -> Option<Arenas> {
    if TAKEN.swap(true, Ordering::AcqRel) {
        return None;
    }
    let code = code_range();
    let memory = memory_range();
    // SAFETY: both ranges are NOLOAD sections reserved by the linker script
    // for these arenas alone, disjoint from each other and from everything
    // else, mapped RW; the TAKEN flag makes this the only reference ever
    // created. Their contents are whatever RAM holds (QEMU zeroes it), valid
    // for u8.
    unsafe {
        Some(Arenas {
            code: core::slice::from_raw_parts_mut(code.start as *mut u8, code.len()),
            memory: core::slice::from_raw_parts_mut(memory.start as *mut u8, memory.len()),
        })
    }
}
