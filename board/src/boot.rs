//! Reset entry `_start`: from whatever EL QEMU starts us in to Rust `main`
//! at EL1, with FP/SIMD on, vectors installed, exceptions on their own stack
//! (`SP_EL1`) and code on the main stack (`SP_EL0`).
//!
//! Everything here runs before Rust code may: Rust on this target uses SIMD
//! registers for copies, so FP must be enabled first; the firmware is built
//! without `+strict-align`, so the MMU must be on (RAM as Normal memory,
//! alignment checks off) before the first unaligned access; and `.bss` must
//! be zero.

use core::arch::global_asm;

global_asm!(
    r#"
    .section .text.boot, "ax"
    .global _start
    .type _start, %function
_start:
    /* Only core 0 boots; any other core that gets here parks. */
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    cbnz    x0, __boot_park
    /* The machine sends cores its loader left waiting to __boot_park
     * (MMU still off, so it writes memory directly). */
    bl      __boot_park_cores

    /* EL2 -> EL1: AArch64 EL1, EL1 may use the counters, eret to EL1h. */
    mrs     x0, CurrentEL
    lsr     x0, x0, #2
    cmp     x0, #2
    b.ne    1f
    mov     x0, #(1 << 31)              /* HCR_EL2.RW: EL1 is AArch64 */
    msr     hcr_el2, x0
    mov     x0, #3                      /* CNTHCTL_EL2.EL1PCTEN | EL1PCEN */
    msr     cnthctl_el2, x0
    mov     x0, #0x33ff                 /* CPTR_EL2: RES1 bits, no FP/SIMD trap */
    msr     cptr_el2, x0
    msr     hstr_el2, xzr
    msr     cntvoff_el2, xzr
    ldr     x0, =0x30d00800             /* SCTLR_EL1 RES1 bits, MMU off */
    msr     sctlr_el1, x0
    mov     x0, #0x3c5                  /* DAIF masked, EL1h */
    msr     spsr_el2, x0
    adr     x0, 1f
    msr     elr_el2, x0
    eret

1:  /* EL1. FP/SIMD on before any Rust code. */
    mov     x0, #(3 << 20)              /* CPACR_EL1.FPEN = 0b11 */
    msr     cpacr_el1, x0
    isb

    /* MMU on before any Rust code, with a boot map built at assembly time:
     * Rust here is compiled without +strict-align, and with the MMU off
     * every access is Device memory, where an unaligned one faults.
     * 39-bit VA from a level-1 table, __boot_tables, which the machine
     * module provides: its RAM Normal write-back, its MMIO Device.
     * mmu::init replaces it with the real map. */
    ldr     x0, =0xff04                 /* MAIR: 0 Device-nGnRE, 1 Normal WB */
    msr     mair_el1, x0
    ldr     x0, =0x200803519            /* TCR: T0SZ 25, WB walks, inner sh., EPD1, 40-bit PA */
    msr     tcr_el1, x0
    adrp    x0, __boot_tables
    msr     ttbr0_el1, x0
    isb
    tlbi    vmalle1
    dsb     ish
    isb
    ldr     x0, =0x30d01805             /* SCTLR RES1 | M | C | I; A (alignment check) clear */
    msr     sctlr_el1, x0
    isb

    adrp    x0, __basalt_vectors
    add     x0, x0, :lo12:__basalt_vectors
    msr     vbar_el1, x0

    /* Exceptions run on SP_EL1 (the exception stack)... */
    msr     spsel, #1
    adrp    x0, __exc_stack_top
    add     x0, x0, :lo12:__exc_stack_top
    mov     sp, x0
    /* ...code on SP_EL0 (the main stack). */
    msr     spsel, #0
    adrp    x0, __stack_top
    add     x0, x0, :lo12:__stack_top
    mov     sp, x0
    isb

    /* Zero .bss (16-byte aligned and sized by the linker script). */
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
2:  cmp     x0, x1
    b.hs    3f
    stp     xzr, xzr, [x0], #16
    b       2b

3:  mov     x29, xzr
    mov     x30, xzr
    bl      main
    .size _start, . - _start

    /* Parked cores sleep with `wfi`: nothing is ever routed to them, and
     * unlike `wfe` (a busy yield under QEMU's TCG) it stops the vCPU. */
    .global __boot_park
__boot_park:
    wfi
    b       __boot_park
"#
);
