//! Exception vectors: save the interrupted context on the exception stack
//! (`SP_EL1`), let Rust decide, restore and `eret`.
//!
//! Synchronous exceptions from code running on `SP_EL0` are offered to the
//! runtime through [`basalt_platform::dispatch_fault`]; if it answers with a
//! resume point the context continues there (ELR = pc, x0 = arg). Anything
//! else is a firmware bug: print a crash report and exit with 101.
//!
//! IRQs from code on `SP_EL0` (the only ones: handlers run with IRQs masked)
//! go to [`handle_irq`], which serves the epoch and sampling timers and
//! returns to the interrupted code with every register, FP/SIMD included,
//! as it was.

use crate::exit::{exit, EXIT_CRASH};
use crate::machine::irq;
use crate::timer;
use basalt_platform::{
    dispatch_epoch_tick, dispatch_fault, dispatch_sample, Fault, FaultKind, Interrupted,
};
use core::arch::global_asm;
use core::fmt::Write;

/// The interrupted context as the vector saves it. Layout shared with the
/// assembly below (offsets in the comments).
#[repr(C)]
pub struct ExceptionFrame {
    /// x0..x30 (0x000..0x0f8).
    pub x: [u64; 31],
    /// SP of the interrupted context (0x0f8).
    pub sp: u64,
    /// ELR_EL1: where the exception was taken (0x100).
    pub elr: u64,
    /// SPSR_EL1 (0x108).
    pub spsr: u64,
    /// ESR_EL1 (0x110).
    pub esr: u64,
    /// FAR_EL1 (0x118).
    pub far: u64,
    /// q0..q31 (0x120..0x320): Rust in the handler may use SIMD registers.
    pub q: [u128; 32],
    /// FPCR (0x320), FPSR (0x328).
    pub fpcr: u64,
    pub fpsr: u64,
}

const _: () = assert!(core::mem::size_of::<ExceptionFrame>() == 0x330);

global_asm!(
    r#"
    .macro BASALT_VECTOR kind
    .balign 0x80
    sub     sp, sp, #0x330
    stp     x0, x1, [sp, #0x000]
    mov     x1, #\kind
    b       __basalt_exception_common
    .endm

    .section .text.vectors, "ax"
    .balign 0x800
    .global __basalt_vectors
__basalt_vectors:
    /* current EL, SP_EL0 */
    BASALT_VECTOR 0
    BASALT_VECTOR 1
    BASALT_VECTOR 2
    BASALT_VECTOR 3
    /* current EL, SP_ELx */
    BASALT_VECTOR 4
    BASALT_VECTOR 5
    BASALT_VECTOR 6
    BASALT_VECTOR 7
    /* lower EL, AArch64 */
    BASALT_VECTOR 8
    BASALT_VECTOR 9
    BASALT_VECTOR 10
    BASALT_VECTOR 11
    /* lower EL, AArch32 */
    BASALT_VECTOR 12
    BASALT_VECTOR 13
    BASALT_VECTOR 14
    BASALT_VECTOR 15

__basalt_exception_common:
    stp     x2, x3, [sp, #0x010]
    stp     x4, x5, [sp, #0x020]
    stp     x6, x7, [sp, #0x030]
    stp     x8, x9, [sp, #0x040]
    stp     x10, x11, [sp, #0x050]
    stp     x12, x13, [sp, #0x060]
    stp     x14, x15, [sp, #0x070]
    stp     x16, x17, [sp, #0x080]
    stp     x18, x19, [sp, #0x090]
    stp     x20, x21, [sp, #0x0a0]
    stp     x22, x23, [sp, #0x0b0]
    stp     x24, x25, [sp, #0x0c0]
    stp     x26, x27, [sp, #0x0d0]
    stp     x28, x29, [sp, #0x0e0]
    str     x30, [sp, #0x0f0]

    /* Interrupted SP: our own stack for the current-EL SP_ELx group
       (kinds 4..7), SP_EL0 otherwise. */
    mrs     x2, sp_el0
    add     x3, sp, #0x330
    and     x4, x1, #0xc
    cmp     x4, #4
    csel    x2, x3, x2, eq
    mrs     x3, elr_el1
    stp     x2, x3, [sp, #0x0f8]
    mrs     x4, spsr_el1
    mrs     x5, esr_el1
    stp     x4, x5, [sp, #0x108]
    mrs     x6, far_el1
    str     x6, [sp, #0x118]

    add     x9, sp, #0x120
    stp     q0, q1, [x9, #0x000]
    stp     q2, q3, [x9, #0x020]
    stp     q4, q5, [x9, #0x040]
    stp     q6, q7, [x9, #0x060]
    stp     q8, q9, [x9, #0x080]
    stp     q10, q11, [x9, #0x0a0]
    stp     q12, q13, [x9, #0x0c0]
    stp     q14, q15, [x9, #0x0e0]
    stp     q16, q17, [x9, #0x100]
    stp     q18, q19, [x9, #0x120]
    stp     q20, q21, [x9, #0x140]
    stp     q22, q23, [x9, #0x160]
    stp     q24, q25, [x9, #0x180]
    stp     q26, q27, [x9, #0x1a0]
    stp     q28, q29, [x9, #0x1c0]
    stp     q30, q31, [x9, #0x1e0]
    mrs     x2, fpcr
    mrs     x3, fpsr
    str     x2, [sp, #0x320]
    str     x3, [sp, #0x328]

    mov     x0, sp
    bl      basalt_exception

    ldr     x2, [sp, #0x320]
    ldr     x3, [sp, #0x328]
    msr     fpcr, x2
    msr     fpsr, x3
    add     x9, sp, #0x120
    ldp     q0, q1, [x9, #0x000]
    ldp     q2, q3, [x9, #0x020]
    ldp     q4, q5, [x9, #0x040]
    ldp     q6, q7, [x9, #0x060]
    ldp     q8, q9, [x9, #0x080]
    ldp     q10, q11, [x9, #0x0a0]
    ldp     q12, q13, [x9, #0x0c0]
    ldp     q14, q15, [x9, #0x0e0]
    ldp     q16, q17, [x9, #0x100]
    ldp     q18, q19, [x9, #0x120]
    ldp     q20, q21, [x9, #0x140]
    ldp     q22, q23, [x9, #0x160]
    ldp     q24, q25, [x9, #0x180]
    ldp     q26, q27, [x9, #0x1a0]
    ldp     q28, q29, [x9, #0x1c0]
    ldp     q30, q31, [x9, #0x1e0]

    ldp     x2, x3, [sp, #0x100]        /* x2 = elr, x3 = spsr */
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldp     x0, x1, [sp, #0x000]
    ldp     x2, x3, [sp, #0x010]
    ldp     x4, x5, [sp, #0x020]
    ldp     x6, x7, [sp, #0x030]
    ldp     x8, x9, [sp, #0x040]
    ldp     x10, x11, [sp, #0x050]
    ldp     x12, x13, [sp, #0x060]
    ldp     x14, x15, [sp, #0x070]
    ldp     x16, x17, [sp, #0x080]
    ldp     x18, x19, [sp, #0x090]
    ldp     x20, x21, [sp, #0x0a0]
    ldp     x22, x23, [sp, #0x0b0]
    ldp     x24, x25, [sp, #0x0c0]
    ldp     x26, x27, [sp, #0x0d0]
    ldp     x28, x29, [sp, #0x0e0]
    ldr     x30, [sp, #0x0f0]
    add     sp, sp, #0x330
    eret
"#
);

/// Vector kind 0: synchronous exception from code on `SP_EL0`.
const SYNC_SP0: u64 = 0;
/// Vector kind 1: IRQ taken from code on `SP_EL0`.
const IRQ_SP0: u64 = 1;

/// Names of the 16 vector entries, for reports.
const VECTOR_NAMES: [&str; 16] = [
    "synchronous, current EL, SP_EL0",
    "IRQ, current EL, SP_EL0",
    "FIQ, current EL, SP_EL0",
    "SError, current EL, SP_EL0",
    "synchronous, current EL, SP_EL1",
    "IRQ, current EL, SP_EL1",
    "FIQ, current EL, SP_EL1",
    "SError, current EL, SP_EL1",
    "synchronous, lower EL, AArch64",
    "IRQ, lower EL, AArch64",
    "FIQ, lower EL, AArch64",
    "SError, lower EL, AArch64",
    "synchronous, lower EL, AArch32",
    "IRQ, lower EL, AArch32",
    "FIQ, lower EL, AArch32",
    "SError, lower EL, AArch32",
];

/// Rust side of every vector; `kind` is the vector index (0..16).
#[no_mangle]
extern "C" fn basalt_exception(frame: &mut ExceptionFrame, kind: u64) {
    if kind == IRQ_SP0 {
        handle_irq(frame);
        return;
    }
    if kind != SYNC_SP0 {
        // FIQ/SError are masked, IRQs are masked while a handler runs on
        // SP_EL1, and nothing runs at a lower EL, so any of these is a
        // firmware bug.
        let name = VECTOR_NAMES.get(kind as usize).copied().unwrap_or("?");
        let mut out = crate::console::emergency();
        let _ = writeln!(out, "unexpected exception: {name}");
        report(&mut out, frame);
        exit(EXIT_CRASH);
    }
    let kind = FaultKind::from_esr(frame.esr);
    let fault = Fault {
        pc: frame.elr as usize,
        sp: frame.sp as usize,
        fp: frame.x[29] as usize,
        lr: frame.x[30] as usize,
        address: is_abort(kind).then_some(frame.far as usize),
        kind,
    };
    if let Some(resume) = dispatch_fault(&fault) {
        #[cfg(feature = "runner")]
        crate::probes::trap();
        frame.elr = resume.pc as u64;
        frame.x[0] = resume.arg as u64;
        return;
    }
    let mut out = crate::console::emergency();
    let _ = writeln!(out, "crash: {} at pc {:#018x}", describe(kind), frame.elr);
    if is_abort(kind) {
        if let Some(guard) = crate::arena::guard_ranges()
            .iter()
            .find(|guard| guard.contains(&(frame.far as usize)))
        {
            let _ = writeln!(
                out,
                "  stack overflow: hit the guard page at {:#x}",
                guard.start
            );
        }
    }
    report(&mut out, frame);
    exit(EXIT_CRASH);
}

/// Acknowledge the interrupt, serve it, end it. The frame is untouched, so
/// the `eret` resumes the interrupted code exactly where it was.
///
/// The timer is re-armed before the interrupt is ended: its line is level
/// sensitive and would otherwise be pending again at once. A spurious
/// interrupt (whatever raised it went away before the acknowledge) is
/// ignored; any other source is not enabled, but is ended if it appears
/// so it cannot block lower priorities. The sampling timer hands the
/// interrupted context to the runtime's profiler.
fn handle_irq(frame: &ExceptionFrame) {
    let Some(intid) = irq::acknowledge() else {
        return;
    };
    if intid == timer::INTID {
        #[cfg(feature = "runner")]
        crate::probes::tick();
        dispatch_epoch_tick();
        timer::rearm();
    } else if intid == timer::SAMPLING_INTID {
        dispatch_sample(&Interrupted {
            pc: frame.elr as usize,
            sp: frame.sp as usize,
            fp: frame.x[29] as usize,
            lr: frame.x[30] as usize,
        });
        timer::rearm_sampling();
    }
    irq::end(intid);
}

fn is_abort(kind: FaultKind) -> bool {
    matches!(kind, FaultKind::DataAbort | FaultKind::InstructionAbort)
}

/// Human name of a fault kind; tests and users grep for these.
fn describe(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::UndefinedInstruction => "undefined instruction",
        FaultKind::DataAbort => "data abort",
        FaultKind::InstructionAbort => "instruction abort",
        FaultKind::PcAlignment => "misaligned pc",
        FaultKind::SpAlignment => "misaligned sp",
        FaultKind::Other(_) => "unexpected synchronous exception",
    }
}

/// Registers of the interrupted context.
fn report(out: &mut impl Write, frame: &ExceptionFrame) {
    let _ = writeln!(
        out,
        "  ESR {:#010x} (class {:#04x})  ELR {:#018x}  FAR {:#018x}",
        frame.esr,
        (frame.esr >> 26) & 0x3f,
        frame.elr,
        frame.far
    );
    let _ = writeln!(out, "  SPSR {:#010x}  SP {:#018x}", frame.spsr, frame.sp);
    for (row, regs) in frame.x.chunks(4).enumerate() {
        let _ = write!(out, " ");
        for (col, value) in regs.iter().enumerate() {
            let _ = write!(out, " x{:02} {:#018x}", row * 4 + col, value);
        }
        let _ = writeln!(out);
    }
}
