//! The BCM2836 ARM-local interrupt controller of the Raspberry Pi 2/3 (QEMU
//! `raspi3b`): `raspi3b`'s `machine::irq`, the same interface as `gic.rs`
//! (see `machine/virt.rs`).
//!
//! There is no GIC: each core's generic-timer outputs, mailboxes and the
//! SoC's interrupt controller (the "GPU" interrupts) are wired to per-core
//! enable and source registers at 0x4000_0000. An interrupt is "acknowledged"
//! by reading which source is pending, and "ended" by its device dropping the
//! level (the timer's does when `timer::rearm` moves the compare value), so
//! [`end`] has nothing to write.

use crate::daif::without_irqs;
use safe_mmio::fields::{ReadPure, ReadPureWrite};
use safe_mmio::{field, UniqueMmioPointer};
use spin::Mutex;

/// ARM-local peripherals (BCM2836 "QA7" block).
const LOCAL_BASE: usize = 0x4000_0000;
/// The SoC's (BCM2835) interrupt controller, whose disable registers keep
/// every "GPU" interrupt from reaching the cores.
const SOC_IRQ_BASE: usize = 0x3F00_B200;

/// The core this firmware runs on; the others stay parked.
const CORE: usize = 0;

/// Per-core timer control bit 3 / source bit 3: `CNTVIRQ`, the EL1 virtual
/// timer.
const CNTV_IRQ: u32 = 1 << 3;
/// The same register's bit for the non-secure physical timer (`CNTPNSIRQ`).
const CNTPNS_IRQ: u32 = 1 << 1;

/// The ARM-local registers this driver uses (offsets in the comments).
#[repr(C)]
struct LocalRegisters {
    /// 0x00..0x40: control, prescaler, GPU routing, PMU and local timer.
    _other: [u32; 16],
    /// 0x40: per-core timer interrupt control (bits 0..3 IRQ, 4..7 FIQ).
    timer_control: [ReadPureWrite<u32>; 4],
    /// 0x50: per-core mailbox interrupt control.
    mailbox_control: [ReadPureWrite<u32>; 4],
    /// 0x60: per-core IRQ source (bit 3 `CNTVIRQ`, 8 GPU, ...).
    irq_source: [ReadPure<u32>; 4],
}

/// The SoC interrupt controller's registers from 0x3F00_B200.
#[repr(C)]
struct SocIrqRegisters {
    /// 0x200..0x21C: pending and FIQ control, enable registers.
    _other: [u32; 7],
    /// 0x21C, 0x220, 0x224: disable IRQs 1, 2 and basic (write 1 to clear
    /// an enable).
    disable: [ReadPureWrite<u32>; 3],
}

/// A pending source: its bit number in the per-core IRQ source register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntId(u32);

/// The EL1 virtual timer (`CNTVIRQ`, level).
pub const TIMER: IntId = IntId(CNTV_IRQ.trailing_zeros());

/// The EL1 non-secure physical timer (`CNTPNSIRQ`, level): the profiler's.
pub const SAMPLING_TIMER: IntId = IntId(CNTPNS_IRQ.trailing_zeros());

/// The driver. Taken by thread code only with IRQs masked and by the IRQ
/// handler, which runs with IRQs masked: on one core the two never contend.
static LOCAL: Mutex<Option<UniqueMmioPointer<'static, LocalRegisters>>> = Mutex::new(None);

/// Route nothing to any core: timers, mailboxes and every SoC interrupt
/// disabled. Runs once from `main` before IRQs are ever unmasked.
pub fn init() {
    // SAFETY: LOCAL_BASE is the ARM-local register block, identity-mapped
    // as Device memory by `mmu::init`; this is the only pointer to it (it
    // lives in LOCAL for the program's life) and nothing else touches it.
    let mut local = unsafe { UniqueMmioPointer::<LocalRegisters>::new(register_block(LOCAL_BASE)) };
    // SAFETY: SOC_IRQ_BASE is the SoC interrupt controller, identity-mapped
    // as Device memory; this pointer lives only for the writes below and
    // nothing else in the firmware touches these registers.
    let mut soc =
        unsafe { UniqueMmioPointer::<SocIrqRegisters>::new(register_block(SOC_IRQ_BASE)) };
    for mut disable in field!(soc, disable).split() {
        disable.write(u32::MAX);
    }
    for mut control in field!(local, timer_control).split() {
        control.write(0);
    }
    for mut control in field!(local, mailbox_control).split() {
        control.write(0);
    }
    without_irqs(|| *LOCAL.lock() = Some(local));
}

/// Route this core's timer interrupt `source` ([`TIMER`] or
/// [`SAMPLING_TIMER`]) to its IRQ line.
pub fn enable(source: IntId) -> Result<(), &'static str> {
    without_irqs(|| {
        let mut local = LOCAL.lock();
        let local = local
            .as_mut()
            .ok_or("interrupt controller not initialised")?;
        let [mut control] = field!(*local, timer_control).split_some([CORE]);
        let enabled = control.read();
        control.write(enabled | 1 << source.0);
        Ok(())
    })
}

/// The lowest pending source of this core, `None` if nothing is pending
/// (the level dropped before the read). IRQ handler only.
pub fn acknowledge() -> Option<IntId> {
    let mut local = LOCAL.lock();
    let local = local.as_mut()?;
    let [source] = field!(*local, irq_source).split_some([CORE]);
    let pending = source.read();
    (pending != 0).then(|| IntId(pending.trailing_zeros()))
}

/// Nothing to signal: the source register follows the devices' levels.
pub fn end(_intid: IntId) {}

/// A register block at a constant MMIO address.
fn register_block<T>(base: usize) -> core::ptr::NonNull<T> {
    core::ptr::NonNull::new(base as *mut T).expect("non-null constant")
}
