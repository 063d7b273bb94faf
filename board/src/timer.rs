//! Timers: the EL1 virtual timer (`CNTV_*`, PPI 27 on QEMU `virt`)
//! interrupting every `period` counter ticks, each interrupt one epoch tick
//! for the runtime; and the EL1 physical timer (`CNTP_*`, PPI 30), the
//! sampling profiler's, so profiling and epochs run at their own rates.
//!
//! Epochs use the virtual timer: the counter `Platform::ticks` reads is
//! `CNTVCT_EL0`, so periods are in the same unit, and EL1 may use it
//! whether or not an EL2 exists. Without an EL2 (QEMU `virt` boots us at
//! EL1) the virtual offset is 0, so the physical timer counts the same
//! ticks.

use crate::gic;
use aarch64_cpu::registers::{
    Readable, Writeable, CNTPCT_EL0, CNTP_CTL_EL0, CNTP_CVAL_EL0, CNTVCT_EL0, CNTV_CTL_EL0,
    CNTV_CVAL_EL0, CNTV_TVAL_EL0,
};
use arm_gic::{IntId, Trigger};
use core::sync::atomic::{AtomicU64, Ordering};

/// The virtual timer's interrupt: PPI 11 = INTID 27 (level-sensitive).
pub const INTID: IntId = IntId::ppi(11);

/// The physical timer's interrupt: PPI 14 = INTID 30 (level-sensitive).
pub const SAMPLING_INTID: IntId = IntId::ppi(14);

/// Middle priority: nothing else is enabled, any value below the mask works.
const PRIORITY: u8 = 0x80;

/// Ticks between two interrupts; 0 while the timer is stopped.
static PERIOD: AtomicU64 = AtomicU64::new(0);

/// Interrupt every `period` ticks from now on and unmask IRQs. Calling it
/// again changes the period.
pub fn start(period: u64) -> Result<(), &'static str> {
    if period == 0 {
        return Err("epoch period must be at least one tick");
    }
    gic::without_irqs(|| {
        PERIOD.store(period, Ordering::Relaxed);
        // TVAL is a signed 32-bit down-counter; longer periods go through
        // the 64-bit compare value.
        match u32::try_from(period) {
            Ok(short) if short <= i32::MAX as u32 => CNTV_TVAL_EL0.set(short.into()),
            _ => CNTV_CVAL_EL0.set(CNTVCT_EL0.get().saturating_add(period)),
        }
        CNTV_CTL_EL0.write(CNTV_CTL_EL0::ENABLE::SET + CNTV_CTL_EL0::IMASK::CLEAR);
        gic::enable(INTID, PRIORITY, Trigger::Level)
    })?;
    gic::unmask_irqs();
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
    gic::without_irqs(|| {
        SAMPLING_PERIOD.store(period, Ordering::Relaxed);
        if period == 0 {
            CNTP_CTL_EL0.write(CNTP_CTL_EL0::ENABLE::CLEAR + CNTP_CTL_EL0::IMASK::SET);
            return Ok(());
        }
        CNTP_CVAL_EL0.set(CNTPCT_EL0.get().saturating_add(period));
        CNTP_CTL_EL0.write(CNTP_CTL_EL0::ENABLE::SET + CNTP_CTL_EL0::IMASK::CLEAR);
        gic::enable(SAMPLING_INTID, PRIORITY, Trigger::Level)
    })?;
    if period != 0 {
        gic::unmask_irqs();
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
