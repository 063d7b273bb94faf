//! The global allocator: a linked-list heap over the linker script's 32 MiB
//! `.heap` region. Loading artifacts and building page tables allocate;
//! running Wasm does not.

use core::alloc::{GlobalAlloc, Layout};
use linked_list_allocator::LockedHeap;

/// `LockedHeap` with a fast `alloc_zeroed` (`dc zva`): every page table
/// aarch64-paging builds (4 KiB, two per memory instantiation) is zeroed,
/// and the default would zero it a word at a time.
struct Heap(LockedHeap);

// SAFETY: every method forwards to `LockedHeap`, a correct allocator;
// `alloc_zeroed` only adds zeroing of the block it got.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.0.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { self.0.alloc(layout) };
        if !ptr.is_null() {
            // SAFETY: the allocator just handed out `layout.size()` bytes
            // of the heap, RAM the MMU maps as Normal memory from boot.
            unsafe { basalt_platform::zero_normal(ptr, layout.size()) };
        }
        ptr
    }
}

#[global_allocator]
static HEAP: Heap = Heap(LockedHeap::empty());

/// Hand the heap region to the allocator. Called once, before the first
/// allocation (the MMU setup needs it for page tables).
pub fn init() {
    let heap = crate::arena::heap_range();
    // SAFETY: the `.heap` region is reserved by the linker script for the
    // allocator alone, is RAM, and `init` runs once before any allocation.
    unsafe { HEAP.0.lock().init(heap.start as *mut u8, heap.len()) };
}

/// Bytes the allocator can still hand out (fragmentation aside). The MMU
/// checks it before building page tables: the tables' allocator cannot fail
/// gracefully, so a mapping that would exhaust the heap is refused instead.
pub fn free_bytes() -> usize {
    HEAP.0.lock().free()
}
