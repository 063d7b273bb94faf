//! The core's IRQ mask (`DAIF.I`): the same on every machine, whatever
//! interrupt controller sits in front of it.

use aarch64_cpu::registers::{ReadWriteable, Readable, Writeable, DAIF};

/// Run `f` with IRQs masked (`DAIF.I`), restoring the previous mask after.
pub fn without_irqs<R>(f: impl FnOnce() -> R) -> R {
    // An IRQ taken between the read and the write below returns with DAIF
    // as it found it, so the read-modify-write loses nothing.
    let daif = DAIF.get();
    DAIF.modify(DAIF::I::Masked);
    let result = f();
    // Unmasked again only if IRQs were before.
    DAIF.set(daif);
    result
}

/// Unmask IRQs (`DAIF.I = 0`) so the timer interrupt is taken while any
/// code, including Wasm, runs on `SP_EL0`: the vector table handles IRQs
/// from the current EL on `SP_EL0`, and the interrupt controller forwards
/// only interrupts this firmware enabled.
pub fn unmask_irqs() {
    DAIF.modify(DAIF::I::Unmasked);
}
