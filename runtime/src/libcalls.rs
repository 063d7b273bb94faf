//! The builtin functions compiled code calls through `VMBuiltinFunctionsArray`.

use crate::instance::InstanceHeader;
use crate::vm::{VMBuiltinFunctionsArray, VMContext};
use core::sync::atomic::Ordering;

/// Wasm page size.
pub(crate) const PAGE: u64 = 65536;

/// The one array every `VMContext` points to.
pub(crate) static BUILTINS: VMBuiltinFunctionsArray = VMBuiltinFunctionsArray { memory32_grow };

/// `memory.grow`: grow in place within the memory's reservation; -1 when
/// the request passes the declared maximum or the reservation.
unsafe extern "C" fn memory32_grow(vmctx: *mut VMContext, delta: u64, index: u32) -> u64 {
    // SAFETY: compiled code passes its own live vmctx, which the runtime
    // placed right after its `InstanceHeader`.
    let header = unsafe { &*InstanceHeader::of(vmctx) };
    if index != 0 || header.memory.is_null() {
        return u64::MAX;
    }
    // SAFETY: `memory` points at the instance's own `VMMemoryDefinition`.
    let def = unsafe { &*header.memory };
    let old_bytes = def.current_length.load(Ordering::Relaxed) as u64;
    let old = old_bytes / PAGE;
    let Some(new) = old.checked_add(delta) else {
        return u64::MAX;
    };
    if new > header.max_pages || new * PAGE > header.capacity as u64 {
        return u64::MAX;
    }
    let new_bytes = new * PAGE;
    // SAFETY: the grown range lies within the reservation the store gave
    // this memory (`capacity`), which nothing else uses.
    unsafe {
        core::ptr::write_bytes(
            def.base.add(old_bytes as usize),
            0,
            (new_bytes - old_bytes) as usize,
        )
    };
    def.current_length
        .store(new_bytes as usize, Ordering::Relaxed);
    old
}
