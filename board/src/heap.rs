//! The global allocator: a linked-list heap over the linker script's 32 MiB
//! `.heap` region. Loading artifacts and building page tables allocate;
//! running Wasm does not.

use linked_list_allocator::LockedHeap;

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

/// Hand the heap region to the allocator. Called once, before the first
/// allocation (the MMU setup needs it for page tables).
pub fn init() {
    let heap = crate::arena::heap_range();
    // SAFETY: the `.heap` region is reserved by the linker script for the
    // allocator alone, is RAM, and `init` runs once before any allocation.
    unsafe { HEAP.lock().init(heap.start as *mut u8, heap.len()) };
}

/// Bytes the allocator can still hand out (fragmentation aside). The MMU
/// checks it before building page tables: the tables' allocator cannot fail
/// gracefully, so a mapping that would exhaust the heap is refused instead.
pub fn free_bytes() -> usize {
    HEAP.lock().free()
}
