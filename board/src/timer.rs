//! Timers, routed by the machine's interrupt controller (`machine::irq`):
//! the EL1 virtual timer (`CNTV_*`) interrupting every `period` counter
//! ticks, each interrupt one epoch tick for the runtime; and the EL1
//! physical timer (`CNTP_*`), the sampling profiler's, so profiling and
//! epochs run at their own rates.
//!
//! The virtual timer, not the physical one: the counter `Platform::ticks`
//! reads is `CNTVCT_EL0`, so periods are in the same unit, and EL1 may use it
//! whether or not an EL2 exists.

use crate::daif;
use crate::machine::irq;
use aarch64_cpu::registers::{
    Readable, Writeable, CNTPCT_EL0, CNTP_CTL_EL0, CNTP_CVAL_EL0, CNTVCT_EL0, CNTV_CTL_EL0,
    CNTV_CVAL_EL0, CNTV_TVAL_EL0,
};
use core::sync::atomic::{AtomicU64, Ordering};

/// The virtual timer's interrupt, as the machine's controller names it.
pub const INTID: irq::IntId = irq::TIMER;

/// The physical timer's interrupt, as the machine's controller names it.
pub const SAMPLING_INTID: irq::IntId = irq::SAMPLING_TIMER;

/// Ticks between two interrupts; 0 while the timer is stopped.
static PERIOD: AtomicU64 = AtomicU64::new(0);

/// Interrupt every `period` ticks from now on and unmask IRQs. Calling it
/// again changes the period.
pub fn start(period: u64) -> Result<(), &'static str> {
    if period == 0 {
        return Err("epoch period must be at least one tick");
    }
    daif::without_irqs(|| {
        PERIOD.store(period, Ordering::Relaxed);
        // TVAL is a signed 32-bit down-counter; longer periods go through
        // the 64-bit compare value.
        match u32::try_from(period) {
            Ok(short) if short <= i32::MAX as u32 => CNTV_TVAL_EL0.set(short.into()),
            _ => CNTV_CVAL_EL0.set(CNTVCT_EL0.get().saturating_add(period)),
        }
        CNTV_CTL_EL0.write(CNTV_CTL_EL0::ENABLE::SET + CNTV_CTL_EL0::IMASK::CLEAR);
        irq::enable(INTID)
    })?;
    daif::unmask_irqs();
    Ok(())
}

/// Re-arm for the next period, from the IRQ handler. The next deadline is
/// the previous one plus the period, so ticks do not drift by the handler's
/// latency; if that is already past (IRQs were masked for longer than a
/// period) missed ticks are skipped rather than delivered in a burst.
/// Re-arming also lowers the level-sensitive interrupt before it is ended,
/// so it is not taken again at once.
pub fn rearm() {
    let period = PERIOD.load(Ordering::Relaxed);
    if period == 0 {
        CNTV_CTL_EL0.write(CNTV_CTL_EL0::ENABLE::CLEAR + CNTV_CTL_EL0::IMASK::SET);
        return;
    }
    let now = CNTVCT_EL0.get();
    let mut next = CNTV_CVAL_EL0.get().saturating_add(period);
    if next <= now {
        next = now.saturating_add(period);
    }
    CNTV_CVAL_EL0.set(next);
}

/// Ticks between two sampling interrupts; 0 while sampling is off.
static SAMPLING_PERIOD: AtomicU64 = AtomicU64::new(0);

/// Interrupt every `period` ticks on the physical timer (the profiler's);
/// 0 stops it.
pub fn start_sampling(period: u64) -> Result<(), &'static str> {
    daif::without_irqs(|| {
        SAMPLING_PERIOD.store(period, Ordering::Relaxed);
        if period == 0 {
            CNTP_CTL_EL0.write(CNTP_CTL_EL0::ENABLE::CLEAR + CNTP_CTL_EL0::IMASK::SET);
            return Ok(());
        }
        CNTP_CVAL_EL0.set(CNTPCT_EL0.get().saturating_add(period));
        CNTP_CTL_EL0.write(CNTP_CTL_EL0::ENABLE::SET + CNTP_CTL_EL0::IMASK::CLEAR);
        irq::enable(SAMPLING_INTID)
    })?;
    if period != 0 {
        daif::unmask_irqs();
    }
    Ok(())
}

/// Re-arm the sampling timer from the IRQ handler, as [`rearm`] does for
/// epochs: fixed steps from the previous deadline, missed ones skipped.
pub fn rearm_sampling() {
    let period = SAMPLING_PERIOD.load(Ordering::Relaxed);
    if period == 0 {
        CNTP_CTL_EL0.write(CNTP_CTL_EL0::ENABLE::CLEAR + CNTP_CTL_EL0::IMASK::SET);
        return;
    }
    let now = CNTPCT_EL0.get();
    let mut next = CNTP_CVAL_EL0.get().saturating_add(period);
    if next <= now {
        next = now.saturating_add(period);
    }
    CNTP_CVAL_EL0.set(next);
}
