//! QEMU `virt` (`-M virt -cpu cortex-a72 -m 1G`): what this firmware needs
//! to know about the machine. The memory layout is `linker/virt.ld`.
//!
//! This module is the seam between the shared firmware and one machine;
//! `raspi3b.rs` implements the same items. Each machine provides:
//!
//! - [`UART_BASE`] and [`UART_CLOCK_HZ`]: a PL011 for the console;
//! - [`DEVICE_RANGES`]: the MMIO the identity map makes Device-nGnRE (RAM,
//!   the image and the arenas come from the linker script's symbols);
//! - `irq`: the interrupt controller in front of core 0, as a module with
//!   `init()` (everything disabled), `enable(IntId)` (route one of the
//!   timers' interrupts to core 0 as an IRQ), `acknowledge() ->
//!   Option<IntId>` (the source to serve, `None` if nothing is), `end(IntId)`
//!   and the constants `TIMER: IntId` (the EL1 virtual timer, epochs) and
//!   `SAMPLING_TIMER: IntId` (the EL1 physical timer, the profiler);
//! - `__boot_park_cores`: called by `_start` on core 0 with the MMU off,
//!   sends any core the loader keeps waiting to `__boot_park` (assembly,
//!   may clobber x0–x7 and x30 only);
//! - `__boot_tables`: the boot map `boot.rs` turns the MMU on with before
//!   any Rust code runs (a level-1 table for a 39-bit VA: RAM Normal
//!   write-back, MMIO Device-nGnRE, MAIR indices as in `boot.rs`).

use core::arch::global_asm;
use core::ops::Range;

pub(crate) use crate::gic as irq;

/// PL011 base address (from `virt`'s device tree).
pub const UART_BASE: usize = 0x0900_0000;
/// UARTCLK of `virt`'s PL011 (24 MHz).
pub const UART_CLOCK_HZ: u32 = 24_000_000;

/// Everything below RAM (GIC, PL011, flash, PCIe windows, ...).
#[allow(
    clippy::single_range_in_vec_init,
    reason = "a list of ranges, which has one entry on this machine"
)]
pub const DEVICE_RANGES: &[Range<usize>] = &[0..0x4000_0000];

global_asm!(
    r#"
    /* QEMU starts only core 0 (`-smp 1`, the default). */
    .section .text.boot_park_cores, "ax"
    .global __boot_park_cores
__boot_park_cores:
    ret

    /* Level-1 block descriptors (bits: 1:0 block, 4:2 MAIR index, 9:8
     * shareability, 10 access flag, 53 PXN, 54 UXN). */
    .section .rodata.boot_tables, "a"
    .balign 4096
    .global __boot_tables
__boot_tables:
    .quad   0x0060000000000401          /* [0, 1 GiB): Device-nGnRE, never executable */
    .quad   0x0000000040000705          /* [1, 2 GiB): RAM, Normal WB, inner shareable */
    .fill   510, 8, 0
"#
);
