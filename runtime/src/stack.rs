//! Stack exhaustion: how Wasm and the host code it calls stop at the end of
//! the stack.
//!
//! Explicit-mode code checks `VMRuntimeLimits::stack_limit` (the stack's
//! low end plus `StoreConfig::host_stack_reserve`) in its prologues.
//! Guard-mode code has no such check in Wasm-to-Wasm code: it may run down
//! to the stack's low end, below which the platform keeps an unmapped guard
//! region ([`Platform::stack_guard`]); a data abort there in Wasm code is
//! [`Trap::StackOverflow`], taken on the exception stack. Frames of
//! [`PROBE_INTERVAL`] or more are probed step by step as they are
//! allocated, so no frame steps over the guard.
//!
//! Rust code that Wasm calls has no probes, and a Rust check at its entry
//! could not even raise the trap with the few bytes left above the guard.
//! So in guard mode too, code that calls out of Wasm still checks the limit
//! before it does: the wasm-to-host trampoline (an explicit compare of SP
//! with `stack_limit`) and every function whose body calls a libcall (the
//! prologue check). Host functions and libcalls thus always start with the
//! reserve below them; only Wasm-to-Wasm calls go unchecked.
//!
//! [`Platform::stack_guard`]: basalt_platform::Platform::stack_guard
//! [`Trap::StackOverflow`]: crate::Trap::StackOverflow

use basalt_platform::Platform;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Cranelift's stack-probe interval for guard-mode code: a frame of this
/// size or more touches each such step of its new area on the way down.
pub const PROBE_INTERVAL: usize = 4096;

/// The smallest stack guard guard-mode code may rely on. Between two
/// touches of the stack lie at most one probe interval (the unprobed rest
/// of a frame) and the next frame record; four intervals leave a margin.
pub const MIN_GUARD: usize = 4 * PROBE_INTERVAL;

/// The platform's stack guard `[start, end)` (empty: none known), for the
/// trap hook, which gets no platform. Every engine registers its own; a
/// firmware has one stack for Wasm, so they agree.
static GUARD_START: AtomicUsize = AtomicUsize::new(0);
static GUARD_END: AtomicUsize = AtomicUsize::new(0);

/// Record `platform`'s stack guard for [`in_guard`]. A platform without
/// one (or one that runs no code, such as `LoadOnly`) records nothing, so a
/// second engine made to check artifacts cannot switch off the board's
/// stack-overflow traps.
pub(crate) fn register_guard(platform: &dyn Platform) {
    record_guard(platform.stack_guard(), platform.stack_bounds().low);
}

/// Record a guard of `size` bytes below `low`, unless it is empty.
fn record_guard(size: usize, low: usize) {
    let start = low.saturating_sub(size);
    if size == 0 || start == low {
        return;
    }
    // Ordered so `in_guard` never sees a range mixed from two platforms'
    // bounds: empty it first, then set its start, then its end.
    GUARD_END.store(0, Ordering::Release);
    GUARD_START.store(start, Ordering::Release);
    GUARD_END.store(low, Ordering::Release);
}

/// Whether guard-mode code (no prologue checks) can run on `platform`.
pub(crate) fn guard_suffices(platform: &dyn Platform) -> bool {
    platform.stack_guard() >= MIN_GUARD
}

/// Whether a faulting data address lies in the stack guard.
pub(crate) fn in_guard(addr: usize) -> bool {
    let end = GUARD_END.load(Ordering::Acquire);
    (GUARD_START.load(Ordering::Acquire)..end).contains(&addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_platform_without_a_guard_keeps_the_known_one() {
        let low = 0x4100_0000;
        record_guard(64 << 10, low);
        assert!(in_guard(low - 8));
        assert!(!in_guard(low));
        // `LoadOnly` (a guard claimed below a stack starting at 0) and a
        // platform with no guard record nothing.
        record_guard(1 << 20, 0);
        record_guard(0, 0x9000_0000);
        assert!(in_guard(low - 8), "a second engine emptied the guard");
    }
}
