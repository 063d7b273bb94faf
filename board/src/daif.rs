//! The core's IRQ mask (`DAIF.I`): the same on every machine, whatever
//! interrupt controller sits in front of it.

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
    // and the interrupt controller only forwards interrupts this firmware
    // enabled.
    unsafe { core::arch::asm!("msr daifclr, #2", options(nostack, preserves_flags)) };
}
