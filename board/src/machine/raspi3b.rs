//! Raspberry Pi 3 Model B (BCM2837, 4× Cortex-A53) and QEMU `-M raspi3b`:
//! the same items as `virt.rs` (which describes the seam) for this machine.
//! The memory layout is `linker/raspi3b.ld`.
//!
//! RAM starts at 0 (the firmware, or QEMU, leaves its boot stub and the
//! other cores' spin table in the first pages; the image loads at
//! 0x8_0000), the SoC's peripherals sit at 0x3F00_0000 and the ARM-local
//! ones (the BCM2836 interrupt controller) at 0x4000_0000. No GIC.

use core::arch::global_asm;
use core::ops::Range;

pub(crate) use crate::bcm2836 as irq;

/// PL011 UART0 (on GPIO 14/15 with `dtoverlay=disable-bt`; QEMU's first
/// serial port).
pub const UART_BASE: usize = 0x3F20_1000;
/// UARTCLK the Pi firmware sets up (`init_uart_clock=48000000`); QEMU's
/// PL011 ignores the divisor.
pub const UART_CLOCK_HZ: u32 = 48_000_000;

/// The SoC peripherals and the ARM-local peripherals.
pub const DEVICE_RANGES: &[Range<usize>] = &[0x3F00_0000..0x4000_0000, 0x4000_0000..0x4004_0000];

global_asm!(
    r#"
    /* The loader keeps cores 1..3 in `wfe` loops polling their spin-table
     * slot (0xd8 + 8 * core). Under QEMU's TCG, `wfe` is a busy yield: three
     * host threads would spin for the whole run. Hand them __boot_park
     * instead, where `wfi` stops them. */
    .section .text.boot_park_cores, "ax"
    .global __boot_park_cores
__boot_park_cores:
    adrp    x0, __boot_park
    add     x0, x0, :lo12:__boot_park
    mov     x1, #0xe0
    str     x0, [x1]
    str     x0, [x1, #8]
    str     x0, [x1, #16]
    dsb     sy
    sev
    ret

    /* Level-1 table: [0, 1 GiB) through a level-2 table of 2 MiB blocks,
     * [1, 2 GiB) (the ARM-local peripherals) one Device block. Descriptor
     * bits: 1:0 block (01) or table (11), 4:2 MAIR index, 9:8 shareability,
     * 10 access flag, 53 PXN, 54 UXN. */
    .section .rodata.boot_tables, "a"
    .balign 4096
    .global __boot_tables
__boot_tables:
    .quad   __boot_tables_l2 + 3
    .quad   0x0060000040000401          /* [1, 2 GiB): Device-nGnRE, never executable */
    .fill   510, 8, 0
__boot_tables_l2:
    .set    block, 0
    .rept   504                         /* [0, 0x3F00_0000): RAM, Normal WB, inner shareable */
    .quad   block + 0x705
    .set    block, block + 0x200000
    .endr
    .rept   8                           /* [0x3F00_0000, 1 GiB): peripherals, Device-nGnRE, XN */
    .quad   block + 0x0060000000000401
    .set    block, block + 0x200000
    .endr
"#
);
