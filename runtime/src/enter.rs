//! Entering Wasm and coming back from a trap.
//!
//! `basalt_enter` saves the callee-saved registers and SP in a jump buffer
//! and calls an array-call trampoline. The buffer holds what AAPCS64 makes a
//! callee preserve (x19-x28, SP, d8-d15; x29 and x30 are in the frame
//! record `basalt_enter` pushes anyway), saved once per entry and read back
//! only by a trap; on a normal return the trampoline and the Wasm below it
//! have restored them themselves. When Wasm faults, the board's vector
//! calls our trap hook, which records the trap in the current activation and
//! resumes at `basalt_trap_resume` with the jump buffer in `x0`; that
//! restores the saved context and returns 1 from `basalt_enter`. Only Wasm
//! frames are skipped: no Rust frame sits between the entry and the fault.

use crate::backtrace::{RawBacktrace, Start, WasmBacktrace};
use crate::vm::{VMContext, VMRuntimeLimits, ValRaw};
use crate::{Error, Trap};
use basalt_platform::{Fault, FaultKind, Platform, Resume};
use core::mem::MaybeUninit;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

/// Registers saved at entry: x19-x28, sp, d8-d15. x29 and x30 are restored
/// from the frame record `basalt_enter` pushes just below the saved SP.
#[repr(C)]
struct JumpBuf([u64; 19]);

/// Index of the saved SP in [`JumpBuf`].
const JUMP_SP: usize = 10;

/// One host-to-Wasm call in progress.
///
/// Entry writes only what a normal return or the trap hook reads first; the
/// trap path (`on_fault`, `raise`) fills in the backtrace before it resumes,
/// so the hot path never touches its 64 frame slots.
#[repr(C)]
pub(crate) struct Activation {
    /// Only the SP slot is set (to 0) before `basalt_enter` fills it.
    jump: MaybeUninit<JumpBuf>,
    /// Written by the trap path (`on_fault`, `raise`) before it resumes;
    /// read only after a trap.
    trap: Option<Trap>,
    pub(crate) prev: *mut Activation,
    /// The entered store's limits, whose exit record this call owns.
    limits: *const VMRuntimeLimits,
    /// That exit record before the call, restored after it.
    saved_exit: (usize, usize),
    /// Exit record (fp, pc) of the Wasm in `prev` that called the host
    /// function which made this call; `(0, 0)` if the host made it.
    pub(crate) outer_exit: (usize, usize),
    /// Lowest address of the stack this call runs on: asked of the platform
    /// by the outermost entry, inherited by nested ones (same stack).
    stack_low: usize,
    /// Frames of the trap, captured where it happened (written by the trap
    /// path only).
    raw: RawBacktrace,
    /// A backtrace that came with the trap (a host function passing on a
    /// nested call's trap), which covers more than `raw` could.
    carried: Option<WasmBacktrace>,
    /// The entered store's memory reservations, for the trap hook.
    heap: HeapScope,
}

/// The store whose Wasm an activation runs, as the trap hook needs it: a
/// data abort is a Wasm trap only if it hit one of that store's memory
/// reservations. Type-erased so activations of every `Store<T>` chain.
#[derive(Clone, Copy)]
pub(crate) struct HeapScope {
    store: *const (),
    owns: unsafe fn(*const (), usize) -> bool,
}

impl HeapScope {
    /// The scope of `store`, which must outlive the call it is passed to.
    pub(crate) fn of<T>(store: &crate::store::StoreOpaque<T>) -> Self {
        /// # Safety
        /// `store` must point at a live `StoreOpaque<T>`.
        unsafe fn owns<T>(store: *const (), addr: usize) -> bool {
            // SAFETY: guaranteed by the caller (the activation's store).
            unsafe { &*store.cast::<crate::store::StoreOpaque<T>>() }.owns_heap_address(addr)
        }
        Self {
            store: (store as *const crate::store::StoreOpaque<T>).cast(),
            owns: owns::<T>,
        }
    }

    fn owns(&self, addr: usize) -> bool {
        // SAFETY: the store outlives the activation holding this scope
        // (`of`'s contract), and while its Wasm runs no Rust code changes
        // its memories (grow runs in a libcall, which cannot fault here).
        unsafe { (self.owns)(self.store, addr) }
    }
}

impl Activation {
    /// The frame `basalt_enter` pushed, where this call's Wasm frames end;
    /// `None` before `basalt_enter` has saved its SP.
    ///
    /// # Safety
    /// `this` must point at a live activation.
    pub(crate) unsafe fn entry_fp(this: *const Activation) -> Option<usize> {
        // SAFETY: guaranteed by the caller; `basalt_enter` writes the slot
        // behind the compiler's back, hence the volatile read.
        let sp = unsafe { ptr::read_volatile(jump_slot(this, JUMP_SP)) } as usize;
        sp.checked_sub(16).filter(|_| sp != 0)
    }
}

/// Slot `i` of the jump buffer of `this`.
///
/// # Safety
/// `this` must point at an activation.
unsafe fn jump_slot(this: *const Activation, i: usize) -> *mut u64 {
    // SAFETY: guaranteed by the caller; `i` is in bounds.
    unsafe { ptr::addr_of!((*this).jump).cast::<u64>().cast_mut().add(i) }
}

/// The exit record of `limits`.
///
/// # Safety
/// `limits` must belong to a live store.
unsafe fn exit_record(limits: *const VMRuntimeLimits) -> (usize, usize) {
    // SAFETY: guaranteed by the caller; only this thread touches the cells.
    unsafe {
        (
            *(*limits).last_wasm_exit_fp.get(),
            *(*limits).last_wasm_exit_pc.get(),
        )
    }
}

/// Set the exit record of `limits`.
///
/// # Safety
/// As for [`exit_record`].
#[cfg_attr(not(target_arch = "aarch64"), allow(dead_code))]
unsafe fn set_exit_record(limits: *const VMRuntimeLimits, (fp, pc): (usize, usize)) {
    // SAFETY: guaranteed by the caller; no Wasm of this store runs now.
    unsafe {
        *(*limits).last_wasm_exit_fp.get() = fp;
        *(*limits).last_wasm_exit_pc.get() = pc;
    }
}

static CURRENT: AtomicPtr<Activation> = AtomicPtr::new(ptr::null_mut());

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".text",
    ".global basalt_enter",
    ".p2align 2",
    // x0 = callee vmctx, x1 = caller vmctx, x2 = values, x3 = len (the
    // trampoline's arguments, passed on in place), x4 = jump buffer,
    // x5 = trampoline
    "basalt_enter:",
    "stp x19, x20, [x4, #0]",
    "stp x21, x22, [x4, #16]",
    "stp x23, x24, [x4, #32]",
    "stp x25, x26, [x4, #48]",
    "stp x27, x28, [x4, #64]",
    "mov x9, sp",
    "str x9, [x4, #80]", // JUMP_SP
    "stp d8, d9, [x4, #88]",
    "stp d10, d11, [x4, #104]",
    "stp d12, d13, [x4, #120]",
    "stp d14, d15, [x4, #136]",
    // The frame record (x29, x30) just below the saved SP is both the
    // walkers' end of the Wasm frames and what a trap restores them from.
    "stp x29, x30, [sp, #-16]!",
    "mov x29, sp",
    "blr x5",
    "ldp x29, x30, [sp], #16",
    "mov x0, #0",
    "ret",
    ".global basalt_trap_resume",
    ".p2align 2",
    // x0 = jump buffer
    "basalt_trap_resume:",
    "ldp x19, x20, [x0, #0]",
    "ldp x21, x22, [x0, #16]",
    "ldp x23, x24, [x0, #32]",
    "ldp x25, x26, [x0, #48]",
    "ldp x27, x28, [x0, #64]",
    "ldr x9, [x0, #80]",
    "ldp x29, x30, [x9, #-16]",
    "mov sp, x9",
    "ldp d8, d9, [x0, #88]",
    "ldp d10, d11, [x0, #104]",
    "ldp d12, d13, [x0, #120]",
    "ldp d14, d15, [x0, #136]",
    "mov x0, #1",
    "ret",
);

#[cfg(target_arch = "aarch64")]
extern "C" {
    fn basalt_enter(
        callee: *mut u8,
        caller: *mut u8,
        values: *mut ValRaw,
        len: usize,
        jump: *mut JumpBuf,
        trampoline: usize,
    ) -> u64;
    fn basalt_trap_resume(jump: *const JumpBuf) -> !;
}

/// What entering a store needs besides the function: its limits and
/// memory reservations, and the stack the call runs on.
#[derive(Clone, Copy)]
#[cfg_attr(not(target_arch = "aarch64"), allow(dead_code))]
pub(crate) struct Entry {
    pub(crate) limits: *const VMRuntimeLimits,
    pub(crate) heap: HeapScope,
    /// Lowest address of the stack ([`stack_low`]).
    pub(crate) stack_low: usize,
    /// The stack limit Wasm of this store checks: `stack_low` plus the
    /// store's `host_stack_reserve`.
    pub(crate) stack_limit: usize,
}

/// Lowest address of the stack a call into Wasm made now runs on. The
/// outermost entry asks the platform; a nested one (a host function called
/// by Wasm calling Wasm again) runs on the same stack, so it takes the
/// bottom the activation below found. Out of line and apart from
/// [`invoke`], so that `invoke` makes no call but the one into Wasm and
/// keeps nothing in callee-saved registers.
#[inline(never)]
pub(crate) fn stack_low(platform: &dyn Platform) -> usize {
    let prev = CURRENT.load(Ordering::Relaxed);
    if prev.is_null() {
        platform.stack_bounds().low
    } else {
        // SAFETY: `prev` is the live activation below us.
        unsafe { (*prev).stack_low }
    }
}

/// Call an array-call trampoline; a trap comes back as `Err(Error::Trap)`
/// with its backtrace.
///
/// The stack limit is set on every entry (a host function may enter a
/// store whose limit was never set); see [`stack_low`] for where it comes
/// from.
///
/// # Safety
/// `trampoline` must be the array-call entry of a function whose instance
/// `vmctx` is live and fully initialised, `entry` must describe its store,
/// which outlives the call, and `values` must hold at least
/// `max(params, results)` slots with the parameters filled in.
#[cfg(target_arch = "aarch64")]
pub(crate) unsafe fn invoke(
    trampoline: usize,
    vmctx: *mut VMContext,
    values: *mut ValRaw,
    len: usize,
    entry: Entry,
) -> Result<(), Error> {
    let limits = entry.limits;
    let prev = CURRENT.load(Ordering::Relaxed);
    // SAFETY: the caller guarantees `limits`; `prev` is live below us and
    // its limits belong to a store that outlives the call.
    let (saved_exit, outer_exit) = unsafe {
        let saved = exit_record(limits);
        let outer = if prev.is_null() {
            (0, 0)
        } else {
            exit_record((*prev).limits)
        };
        // Until the Wasm of this call calls out, nothing is recorded.
        set_exit_record(limits, (0, 0));
        // Wasm of this store suspended below us reads the same value.
        *(*limits).stack_limit.get() = entry.stack_limit;
        (saved, outer)
    };
    let mut act = MaybeUninit::<Activation>::uninit();
    let act_ptr: *mut Activation = act.as_mut_ptr();
    // SAFETY: every field a normal return or the trap hook reads first is
    // written before `act_ptr` is published; the rest (`trap`, `raw`, the
    // other jump slots) is written by the trap path before it is read.
    unsafe {
        jump_slot(act_ptr, JUMP_SP).write(0);
        ptr::addr_of_mut!((*act_ptr).prev).write(prev);
        ptr::addr_of_mut!((*act_ptr).limits).write(limits);
        ptr::addr_of_mut!((*act_ptr).saved_exit).write(saved_exit);
        ptr::addr_of_mut!((*act_ptr).outer_exit).write(outer_exit);
        ptr::addr_of_mut!((*act_ptr).stack_low).write(entry.stack_low);
        ptr::addr_of_mut!((*act_ptr).carried).write(None);
        ptr::addr_of_mut!((*act_ptr).heap).write(entry.heap);
    }
    CURRENT.store(act_ptr, Ordering::SeqCst);
    // SAFETY: the caller guarantees the trampoline, context and values; the
    // jump buffer lives in `act`, which outlives the call.
    let trapped = unsafe {
        basalt_enter(
            vmctx.cast(),
            vmctx.cast(),
            values,
            len,
            ptr::addr_of_mut!((*act_ptr).jump).cast(),
            trampoline,
        )
    };
    // Read back from `act` rather than kept in registers across the call:
    // that would cost a save and a restore of a callee-saved register each.
    // SAFETY: `act` is live and its fields were written above (the trap path
    // writes none of these).
    let (prev, limits, saved_exit) =
        unsafe { ((*act_ptr).prev, (*act_ptr).limits, (*act_ptr).saved_exit) };
    CURRENT.store(prev, Ordering::SeqCst);
    // SAFETY: as at entry.
    unsafe { set_exit_record(limits, saved_exit) };
    if trapped == 0 {
        // Nothing in `act` owns anything: `carried` is only set by a trap.
        return Ok(());
    }
    // SAFETY: `act` is no longer shared (CURRENT points at the outer
    // activation again) and the trap path filled it in.
    Err(unsafe { trap_error(act_ptr) })
}

/// The error of a trapped activation, taking what it owns.
///
/// # Safety
/// `act` must be an activation the trap path has resumed from, no longer
/// shared; it is not used again.
#[cfg(target_arch = "aarch64")]
#[cold]
#[inline(never)]
unsafe fn trap_error(act: *mut Activation) -> Error {
    // SAFETY: guaranteed by the caller; the trap path wrote `trap` (behind
    // the compiler's back, hence the volatile read) before resuming.
    let (trap, carried) = unsafe {
        (
            ptr::read_volatile(ptr::addr_of!((*act).trap)),
            ptr::addr_of_mut!((*act).carried).read(),
        )
    };
    // SAFETY: as above; without a carried backtrace the trap path captured
    // (or emptied) `raw`.
    let backtrace = carried.unwrap_or_else(|| unsafe { (*act).raw.resolve() });
    match trap.unwrap_or(Trap::UnexplainedFault) {
        // A host function's result from another store unwinds as a trap
        // and surfaces as the error it is.
        Trap::WrongStore => Error::WrongStore,
        trap => Error::Trap(trap, backtrace),
    }
}

/// Off aarch64 there is no Wasm code to call.
///
/// # Safety
/// Never unsafe; kept `unsafe` to match the aarch64 signature.
#[cfg(not(target_arch = "aarch64"))]
pub(crate) unsafe fn invoke(
    _: usize,
    _: *mut VMContext,
    _: *mut ValRaw,
    _: usize,
    _: Entry,
) -> Result<(), Error> {
    Err(Error::UnsupportedHost)
}

/// Raise `error` from Rust code called by Wasm (a host function): resume
/// the innermost host entry with it as a trap. A trap that already carries
/// a backtrace (from a nested call) keeps it; otherwise the backtrace starts
/// at the Wasm frame that called the host, from the exit record. Errors
/// that are not traps become [`Trap::HostError`]. The frames skipped are
/// Wasm frames and the caller's, which must own nothing that needs dropping.
///
/// # Safety
/// Must be called on the path of a call made by [`invoke`], with no live
/// Rust values that need `Drop` between that call and here.
pub(crate) unsafe fn raise(error: Error) -> ! {
    let act = CURRENT.load(Ordering::SeqCst);
    assert!(!act.is_null(), "raise outside of a Wasm call");
    let (trap, carried) = match error {
        Error::Trap(t, bt) if !bt.frames().is_empty() => (t, Some(bt)),
        Error::Trap(t, _) => (t, None),
        _ => (Trap::HostError, None),
    };
    // SAFETY: `act` is the live activation of the enclosing `invoke`; its
    // limits belong to a live store; Wasm below us is suspended in the host
    // call the exit record describes, so its frames are intact.
    unsafe {
        ptr::write_volatile(ptr::addr_of_mut!((*act).trap), Some(trap));
        if carried.is_some() {
            (*act).carried = carried;
        } else {
            let (fp, pc) = exit_record((*act).limits);
            if fp != 0 {
                let start = Start {
                    pc,
                    fp,
                    low: fp,
                    exact: false,
                    lr: None,
                };
                (*act).raw.capture(&crate::code::regions(), start, act);
            } else {
                // Called by the host directly: no Wasm frames.
                RawBacktrace::init_empty(ptr::addr_of_mut!((*act).raw));
            }
        }
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: the jump buffer was filled by `basalt_enter` of that
    // activation, whose frame is still live below us.
    unsafe {
        basalt_trap_resume(ptr::addr_of!((*act).jump).cast())
    }
    #[cfg(not(target_arch = "aarch64"))]
    unreachable!("no Wasm runs off aarch64")
}

/// The innermost live activation (null when no Wasm call is in progress).
pub(crate) fn current() -> *const Activation {
    CURRENT.load(Ordering::SeqCst)
}

/// The trap hook the runtime registers with the platform: classify the
/// fault, record the trap and its frames in the current activation, and
/// resume its host entry. `None` (the board stops with a crash report) for
/// anything that is not a trap of the running Wasm: a fault outside Wasm
/// code, one at no trap site, or a data abort at a heap access whose
/// address is not in the running store's memory reservations (state may be
/// corrupt; continuing would hide it). A data abort of Wasm code in the
/// stack guard is `StackOverflow` (see `stack.rs`); the frameless code it
/// may hit it in takes its caller from the fault's `lr`.
pub(crate) fn on_fault(fault: &Fault) -> Option<Resume> {
    let act = CURRENT.load(Ordering::SeqCst);
    if act.is_null() {
        return None;
    }
    // Never block in an exception handler: a fault while the registry is
    // being written is not a Wasm trap.
    let regions = crate::code::try_regions()?;
    let trap = crate::code::classify(&regions, fault)?;
    if trap == Trap::MemoryOutOfBounds && fault.kind == FaultKind::DataAbort {
        // SAFETY: `act` is the live activation of the call that faulted.
        let heap = unsafe { (*act).heap };
        if !fault.address.is_some_and(|addr| heap.owns(addr)) {
            return None;
        }
    }
    let start = Start {
        pc: fault.pc,
        fp: fault.fp,
        low: fault.sp,
        exact: true,
        lr: Some(fault.lr),
    };
    // SAFETY: `act` is the live activation of the call that faulted (it is
    // unlinked only after `basalt_enter` returns), and the interrupted code
    // cannot touch it while we handle its exception; the faulting Wasm's
    // stack is intact.
    unsafe {
        ptr::write_volatile(ptr::addr_of_mut!((*act).trap), Some(trap));
        (*act).raw.capture(&regions, start, act);
    }
    #[cfg(target_arch = "aarch64")]
    let pc = basalt_trap_resume as *const () as usize;
    #[cfg(not(target_arch = "aarch64"))]
    let pc = 0;
    // SAFETY: as above; only the address of the jump buffer is taken.
    Some(Resume {
        pc,
        arg: unsafe { ptr::addr_of!((*act).jump) } as usize,
    })
}
