//! The GICv2 of QEMU `virt` (arm-gic): just enough to take the generic
//! timer's interrupt on core 0.
//!
//! QEMU `virt` without `secure=on` has a GIC without the Security
//! Extensions, so every interrupt is Group 0 and is signalled as IRQ; the
//! non-secure `GICC_IAR`/`GICC_EOIR` pair (the crate's `Group0` calls) is
//! also the right one for a GIC that has them, from non-secure EL1.

use arm_gic::gicv2::registers::{Gicc, Gicd};
use arm_gic::gicv2::GicV2;
use arm_gic::{IntId, InterruptGroup, Trigger};
use spin::Mutex;

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

/// Enable the private interrupt `intid` with `priority` and `trigger`.
pub fn enable(intid: IntId, priority: u8, trigger: Trigger) -> Result<(), &'static str> {
    without_irqs(|| {
        let mut gic = GIC.lock();
        let gic = gic.as_mut().ok_or("GIC not initialised")?;
        gic.set_group(intid, InterruptGroup::Group0);
        gic.set_interrupt_priority(intid, priority);
        gic.set_trigger(intid, trigger);
        gic.enable_interrupt(intid, true)
            .map_err(|_| "GIC refused to enable the interrupt")
    })
}

/// Acknowledge the highest-priority pending interrupt (`GICC_IAR`); `None`
/// for the spurious ID 1023, which must not be ended. IRQ handler only.
pub fn acknowledge() -> Option<IntId> {
    GIC.lock()
        .as_mut()
        .and_then(|gic| gic.get_and_acknowledge_interrupt(InterruptGroup::Group0))
}

/// Signal the end of `intid` (`GICC_EOIR`: priority drop and deactivate).
/// IRQ handler only.
pub fn end(intid: IntId) {
    if let Some(gic) = GIC.lock().as_mut() {
        gic.end_interrupt(intid, InterruptGroup::Group0);
    }
}

/// Run `f` with IRQs masked (`DAIF.I`), restoring the previous mask after.
pub fn without_irqs<R>(f: impl FnOnce() -> R) -> R {
    let daif: u64;
    // SAFETY: reading DAIF and setting its I bit only masks IRQs on this
    // core; the previous value is restored below.
    unsafe {
        core::arch::asm!(
            "mrs {}, daif",
            "msr daifset, #2",
            out(reg) daif,
            options(nostack, preserves_flags)
        )
    };
    let result = f();
    // SAFETY: writes back the DAIF value read above, so IRQs are unmasked
    // again only if they were before.
    unsafe { core::arch::asm!("msr daif, {}", in(reg) daif, options(nostack)) };
    result
}

/// Unmask IRQs (`DAIF.I = 0`) so the timer interrupt is taken while any
/// code, including Wasm, runs on `SP_EL0`.
pub fn unmask_irqs() {
    // SAFETY: the vector table handles IRQs from the current EL on SP_EL0,
    // and the GIC only forwards interrupts this firmware enabled.
    unsafe { core::arch::asm!("msr daifclr, #2", options(nostack, preserves_flags)) };
}
