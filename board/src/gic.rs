//! The GICv2 of QEMU `virt` (arm-gic): just enough to take the generic
//! timer's interrupt on core 0. It is `virt`'s `machine::irq`; the
//! interface every machine's interrupt controller offers is described in
//! `machine/virt.rs`.
//!
//! QEMU `virt` without `secure=on` has a GIC without the Security
//! Extensions, so every interrupt is Group 0 and is signalled as IRQ; the
//! non-secure `GICC_IAR`/`GICC_EOIR` pair (the crate's `Group0` calls) is
//! also the right one for a GIC that has them, from non-secure EL1.

use crate::daif::without_irqs;
use arm_gic::gicv2::registers::{Gicc, Gicd};
use arm_gic::gicv2::GicV2;
use arm_gic::{InterruptGroup, Trigger};
use spin::Mutex;

pub use arm_gic::IntId;

/// The EL1 virtual timer's interrupt: PPI 11 = INTID 27 (level-sensitive).
pub const TIMER: IntId = IntId::ppi(11);

/// The EL1 physical timer's interrupt: PPI 14 = INTID 30 (level-sensitive).
pub const SAMPLING_TIMER: IntId = IntId::ppi(14);

/// Middle priority: nothing else is enabled, any value below the mask works.
const TIMER_PRIORITY: u8 = 0x80;

/// Interrupt IDs from 1020 up are special (1023: spurious, nothing pending)
/// and are never ended.
const FIRST_SPECIAL_INTID: u32 = 1020;

/// Distributor and CPU interface of QEMU `virt` (from its device tree).
const GICD_BASE: usize = 0x0800_0000;
const GICC_BASE: usize = 0x0801_0000;

/// The driver. Taken by thread code only with IRQs masked (see
/// [`without_irqs`]) and by the IRQ handler, which runs with IRQs masked:
/// on one core the two can never contend, so the handler cannot deadlock.
static GIC: Mutex<Option<GicV2<'static>>> = Mutex::new(None);

/// Reset the distributor and CPU interface: all interrupts disabled, in
/// group 0, the group enabled, priority mask open. Runs once from `main`
/// before IRQs are ever unmasked.
pub fn init() {
    // SAFETY: these are the GICv2 distributor and CPU interface of QEMU virt,
    // identity-mapped as Device memory by `mmu::init`; this is the only
    // driver instance (it lives in GIC for the program's life) and nothing
    // else in the firmware touches these registers.
    let mut gic = unsafe { GicV2::new(GICD_BASE as *mut Gicd, GICC_BASE as *mut Gicc) };
    gic.enable_all_interrupts(false);
    gic.setup();
    without_irqs(|| *GIC.lock() = Some(gic));
}

/// Enable a timer's private interrupt ([`TIMER`] or [`SAMPLING_TIMER`];
/// group 0, level).
pub fn enable(intid: IntId) -> Result<(), &'static str> {
    without_irqs(|| {
        let mut gic = GIC.lock();
        let gic = gic.as_mut().ok_or("GIC not initialised")?;
        gic.set_group(intid, InterruptGroup::Group0);
        gic.set_interrupt_priority(intid, TIMER_PRIORITY);
        gic.set_trigger(intid, Trigger::Level);
        gic.enable_interrupt(intid, true)
            .map_err(|_| "GIC refused to enable the interrupt")
    })
}

/// Acknowledge the highest-priority pending interrupt (`GICC_IAR`); `None`
/// for the special IDs (1023: spurious), which must not be ended. IRQ
/// handler only.
pub fn acknowledge() -> Option<IntId> {
    GIC.lock()
        .as_mut()
        .and_then(|gic| gic.get_and_acknowledge_interrupt(InterruptGroup::Group0))
        .filter(|intid| u32::from(*intid) < FIRST_SPECIAL_INTID)
}

/// Signal the end of `intid` (`GICC_EOIR`: priority drop and deactivate).
/// IRQ handler only.
pub fn end(intid: IntId) {
    if let Some(gic) = GIC.lock().as_mut() {
        gic.end_interrupt(intid, InterruptGroup::Group0);
    }
}
