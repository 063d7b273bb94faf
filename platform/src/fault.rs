//! The trap hook: how a board's exception vector reaches the runtime.
//!
//! A synchronous exception taken while Wasm runs is described as a [`Fault`]
//! and passed to the hook the runtime registered. If the fault belongs to Wasm
//! code the hook answers with a [`Resume`] point; the board then returns from
//! the exception to `pc` with `arg` in `x0`. Otherwise the fault is the
//! board's own bug and it reports it as a crash.

use core::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};

/// Architectural reason of a synchronous exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Undefined instruction (ESR class 0x00); Cranelift traps are `udf`.
    UndefinedInstruction,
    /// Data abort at the same exception level (ESR class 0x25).
    DataAbort,
    /// Instruction abort at the same exception level (ESR class 0x21).
    InstructionAbort,
    /// Misaligned PC (ESR class 0x22).
    PcAlignment,
    /// Misaligned SP (ESR class 0x26).
    SpAlignment,
    /// Any other exception class.
    Other(u8),
}

impl FaultKind {
    /// Decode the exception class field of `ESR_EL1`.
    pub fn from_esr(esr: u64) -> Self {
        match ((esr >> 26) & 0x3f) as u8 {
            0x00 => FaultKind::UndefinedInstruction,
            0x25 => FaultKind::DataAbort,
            0x21 => FaultKind::InstructionAbort,
            0x22 => FaultKind::PcAlignment,
            0x26 => FaultKind::SpAlignment,
            other => FaultKind::Other(other),
        }
    }
}

/// A synchronous exception as the board saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Faulting instruction (`ELR_EL1`).
    pub pc: usize,
    /// Stack pointer of the interrupted context.
    pub sp: usize,
    /// Frame pointer (`x29`) of the interrupted context: where the runtime
    /// starts walking Wasm frames for the trap's backtrace.
    pub fp: usize,
    /// Link register (`x30`) of the interrupted context: the caller's
    /// return address while the faulting function has no frame record of
    /// its own (a stackless leaf, or a fault in its prologue).
    pub lr: usize,
    /// Faulting data address (`FAR_EL1`) for aborts.
    pub address: Option<usize>,
    /// Decoded reason.
    pub kind: FaultKind,
}

/// Where the interrupted context continues after a handled fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resume {
    /// New program counter.
    pub pc: usize,
    /// Value for `x0` at `pc`.
    pub arg: usize,
}

/// Signature of the runtime's trap hook.
pub type TrapHook = fn(&Fault) -> Option<Resume>;

static HOOK: AtomicUsize = AtomicUsize::new(0);

/// Register the runtime's trap hook (the runtime does this itself).
pub fn set_trap_hook(hook: TrapHook) {
    HOOK.store(hook as usize, Ordering::Release);
}

/// Called by the board's exception vector for every synchronous exception.
/// Returns where to resume, or `None` if no hook claims the fault.
pub fn dispatch_fault(fault: &Fault) -> Option<Resume> {
    let raw = HOOK.load(Ordering::Acquire);
    if raw == 0 {
        return None;
    }
    // SAFETY: the only non-zero value ever stored is a `TrapHook` cast to
    // usize by `set_trap_hook`, so transmuting it back yields that function.
    let hook: TrapHook = unsafe { core::mem::transmute::<usize, TrapHook>(raw) };
    hook(fault)
}

/// The epoch counter of the engine the timer advances (null: none).
static EPOCH_COUNTER: AtomicPtr<AtomicU64> = AtomicPtr::new(core::ptr::null_mut());

/// Let the board's epoch timer advance `counter` (the runtime's engine
/// registers its own when it is created; the latest engine wins).
///
/// # Safety
/// `counter` must stay valid until it is unregistered with
/// [`clear_epoch_counter`] or replaced by another call: the timer
/// interrupt may increment it at any time before that.
pub unsafe fn set_epoch_counter(counter: &AtomicU64) {
    EPOCH_COUNTER.store(
        counter as *const AtomicU64 as *mut AtomicU64,
        Ordering::Release,
    );
}

/// Stop advancing `counter` if it is the registered one (an engine does
/// this when it is dropped, before its counter is freed). A timer
/// interrupt on this core either ran before or sees no counter; the
/// runtime runs on one core.
pub fn clear_epoch_counter(counter: &AtomicU64) {
    let _ = EPOCH_COUNTER.compare_exchange(
        counter as *const AtomicU64 as *mut AtomicU64,
        core::ptr::null_mut(),
        Ordering::AcqRel,
        Ordering::Relaxed,
    );
}

/// Called by the board's timer interrupt handler on every epoch tick:
/// advances the registered engine's epoch by one.
pub fn dispatch_epoch_tick() {
    let counter = EPOCH_COUNTER.load(Ordering::Acquire);
    if !counter.is_null() {
        // SAFETY: `set_epoch_counter`'s caller keeps the counter alive
        // until it is cleared, which happens before it is freed.
        unsafe { &*counter }.fetch_add(1, Ordering::Relaxed);
    }
}

/// Where a timer interrupt found the CPU: what a sampling profiler needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted {
    /// Interrupted instruction (`ELR_EL1`).
    pub pc: usize,
    /// Stack pointer of the interrupted context.
    pub sp: usize,
    /// Frame pointer (`x29`) of the interrupted context.
    pub fp: usize,
    /// Link register (`x30`) of the interrupted context (see [`Fault::lr`]).
    pub lr: usize,
}

static SAMPLE_HOOK: AtomicUsize = AtomicUsize::new(0);

/// Register the runtime's sampling hook (the runtime's profiler does this).
pub fn set_sample_hook(hook: fn(&Interrupted)) {
    SAMPLE_HOOK.store(hook as usize, Ordering::Release);
}

/// Called by the board's sampling-timer interrupt handler with the context
/// it interrupted.
pub fn dispatch_sample(at: &Interrupted) {
    let raw = SAMPLE_HOOK.load(Ordering::Acquire);
    if raw != 0 {
        // SAFETY: the only non-zero value ever stored is a `fn(&Interrupted)`
        // cast to usize by `set_sample_hook`.
        let hook: fn(&Interrupted) =
            unsafe { core::mem::transmute::<usize, fn(&Interrupted)>(raw) };
        hook(at);
    }
}
