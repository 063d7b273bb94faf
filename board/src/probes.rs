//! Latency probes for the test runner's `last-tick-and-trap` command: the
//! counter when the last epoch tick was served and when the last Wasm trap
//! was handed back. Only the job runner reads them, so they exist only with
//! the `runner` feature; a firmware built on the library has none of this
//! in its exception vector.

use aarch64_cpu::registers::{Readable, CNTVCT_EL0};
use core::sync::atomic::{AtomicU64, Ordering};

/// Counter value when the last epoch tick was dispatched.
static LAST_TICK_AT: AtomicU64 = AtomicU64::new(0);
/// Counter value when the last Wasm trap was handed back to the runtime.
pub static LAST_TRAP_AT: AtomicU64 = AtomicU64::new(0);
/// [`LAST_TICK_AT`] as it was at that trap: for an epoch interruption, the
/// tick that reached the deadline, so the difference is the stop latency.
pub static TICK_BEFORE_TRAP: AtomicU64 = AtomicU64::new(0);

/// The vector serves an epoch tick.
pub(crate) fn tick() {
    LAST_TICK_AT.store(CNTVCT_EL0.get(), Ordering::Relaxed);
}

/// The vector resumes the host after a Wasm trap.
pub(crate) fn trap() {
    LAST_TRAP_AT.store(CNTVCT_EL0.get(), Ordering::Relaxed);
    TICK_BEFORE_TRAP.store(LAST_TICK_AT.load(Ordering::Relaxed), Ordering::Relaxed);
}
