//! Wasm backtraces: which Wasm functions were on the stack when a trap
//! happened (or a profiler sample was taken).
//!
//! Every compiled function that calls, spills or saves registers starts
//! its frame with the record `[fp] = caller's fp, [fp + 8] = return
//! address`; leaves that use no stack have none (Cranelift omits it), and
//! neither has any function before its prologue has linked the record in
//! (a fault on the first store of a frame that overflows the stack). The
//! walk starts at the interrupted `(pc, fp)`; if the code at `pc` has no
//! record of its own, its caller's pc is the interrupted `lr` and `fp` is
//! already the caller's. Then it follows records up to the frame
//! `basalt_enter` pushed for the activation; then it continues in the
//! activation below it (Wasm → host → Wasm) from the `last_wasm_exit_fp/pc`
//! the wasm-to-host trampoline recorded, which `enter::invoke` saved when
//! the host re-entered Wasm. Capturing only stores program counters in a
//! fixed array ([`RawBacktrace`]), so it runs in exception and interrupt
//! handlers; turning them into functions, names and offsets
//! ([`WasmBacktrace`]) happens afterwards.

use crate::code::CodeRegion;
use crate::enter::Activation;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::mem::MaybeUninit;

/// Frames a backtrace keeps; deeper stacks keep the innermost ones and are
/// marked truncated.
pub const MAX_FRAMES: usize = 64;

/// One Wasm frame of a backtrace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// Function index in the module's function index space.
    pub func_index: u32,
    /// The function's name from the module's name section, if it has one
    /// (and the artifact kept names).
    pub func_name: Option<String>,
    /// The module's name from its name section, if any.
    pub module_name: Option<String>,
    /// Byte offset in the original Wasm module of the instruction that
    /// trapped (innermost frame) or of the call (outer frames).
    pub module_offset: Option<u32>,
}

/// The Wasm frames of a trap, innermost first, as wasmtime reports them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WasmBacktrace {
    frames: Vec<FrameInfo>,
    truncated: bool,
}

impl WasmBacktrace {
    /// A backtrace of `frames` (innermost first); `truncated` when older
    /// frames were dropped for want of room.
    pub fn new(frames: Vec<FrameInfo>, truncated: bool) -> Self {
        Self { frames, truncated }
    }

    /// The frames, innermost first.
    pub fn frames(&self) -> &[FrameInfo] {
        &self.frames
    }

    /// Whether outer frames are missing (more than [`MAX_FRAMES`]).
    pub fn truncated(&self) -> bool {
        self.truncated
    }
}

impl FrameInfo {
    /// `name` or `<wasm function N>`, as in backtraces and profiles.
    pub fn display_name(&self) -> FuncName<'_> {
        FuncName(self)
    }
}

/// A frame's function name for display; see [`FrameInfo::display_name`].
pub struct FuncName<'a>(&'a FrameInfo);

impl fmt::Display for FuncName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.func_name {
            Some(name) => f.write_str(name),
            None => write!(f, "<wasm function {}>", self.0.func_index),
        }
    }
}

/// `wasm backtrace:` and one line per frame, innermost first, in
/// wasmtime's layout: `  index: offset - module!function`.
impl fmt::Display for WasmBacktrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "wasm backtrace:")?;
        for (i, frame) in self.frames.iter().enumerate() {
            write!(f, "  {i:>3}: ")?;
            if let Some(offset) = frame.module_offset {
                write!(f, "{offset:#6x} - ")?;
            }
            let module = frame.module_name.as_deref().unwrap_or("<unknown>");
            writeln!(f, "{module}!{}", frame.display_name())?;
        }
        if self.truncated {
            writeln!(f, "  ... older frames not recorded (limit {MAX_FRAMES})")?;
        }
        Ok(())
    }
}

/// Program counters of Wasm frames, innermost first, captured without
/// allocating (filled in exception and interrupt handlers).
pub(crate) struct RawBacktrace {
    /// Only `pcs[..len]` is initialised: every host→Wasm call carries one
    /// of these, and zeroing 512 bytes per call cost more than the rest of
    /// the entry.
    pcs: [MaybeUninit<usize>; MAX_FRAMES],
    len: usize,
    /// Whether `pcs[0]` is the interrupted instruction itself rather than a
    /// return address.
    first_exact: bool,
    truncated: bool,
}

impl RawBacktrace {
    /// Make `*this` an empty backtrace without writing its frame buffer.
    ///
    /// # Safety
    /// `this` must be valid for writes.
    pub(crate) unsafe fn init_empty(this: *mut RawBacktrace) {
        // SAFETY: as the caller promises; `pcs` may stay uninitialised.
        unsafe {
            core::ptr::addr_of_mut!((*this).len).write(0);
            core::ptr::addr_of_mut!((*this).first_exact).write(false);
            core::ptr::addr_of_mut!((*this).truncated).write(false);
        }
    }

    /// Record the Wasm frames from `start` outward.
    ///
    /// # Safety
    /// As for [`walk`].
    pub(crate) unsafe fn capture(
        &mut self,
        regions: &[CodeRegion],
        start: Start,
        act: *const Activation,
    ) {
        // SAFETY: `self` is a valid place.
        unsafe { Self::init_empty(self) };
        self.first_exact = start.exact;
        // SAFETY: guaranteed by the caller.
        let complete = unsafe {
            walk(regions, start, act, |pc| {
                if self.len == MAX_FRAMES {
                    return false;
                }
                self.pcs[self.len] = MaybeUninit::new(pc);
                self.len += 1;
                true
            })
        };
        self.truncated = !complete;
    }

    /// Functions, names and offsets of the captured frames.
    #[cfg_attr(not(target_arch = "aarch64"), allow(dead_code))]
    pub(crate) fn resolve(&self) -> WasmBacktrace {
        let frames = self.pcs[..self.len]
            .iter()
            .enumerate()
            // SAFETY: `capture` initialised the first `len` entries.
            .map(|(i, pc)| (i, unsafe { pc.assume_init() }))
            .filter_map(|(i, pc)| crate::code::frame_info(pc, i == 0 && self.first_exact))
            .collect();
        WasmBacktrace::new(frames, self.truncated)
    }
}

/// Where a walk starts: a Wasm frame's `pc` and `fp`, and the lowest
/// address a frame record may sit at (the interrupted stack pointer).
#[derive(Clone, Copy)]
pub(crate) struct Start {
    pub(crate) pc: usize,
    pub(crate) fp: usize,
    pub(crate) low: usize,
    /// `pc` is the interrupted instruction (a trap or sample), not a
    /// return address.
    pub(crate) exact: bool,
    /// The interrupted link register, for an exact `pc` in code without a
    /// frame record of its own (see [`frame_linked`]).
    pub(crate) lr: Option<usize>,
}

/// `stp x29, x30, [sp, #-16]!`: the first instruction of every compiled
/// function that builds a frame record (Cranelift's prologue, then
/// `mov x29, sp`).
const STP_FP_LR: u32 = 0xa9bf_7bfd;
/// `ret`: after the epilogue's `ldp x29, x30`, the record is unlinked.
const RET: u32 = 0xd65f_03c0;

/// Whether the interrupted instruction at `pc` runs with its function's
/// own frame record in `fp`: false in a frameless leaf, in the first two
/// instructions of a prologue and at the final `ret`. Only Wasm bodies and
/// wasm-to-host trampolines are told apart (their caller is Wasm); `true`
/// for anything else.
pub(crate) fn frame_linked(regions: &[CodeRegion], pc: usize) -> bool {
    let Some(region) = regions.iter().find(|r| (r.start..r.end).contains(&pc)) else {
        return true;
    };
    let meta = &region.meta;
    let offset = (pc - region.start) as u32;
    let start = match meta.defined_func_at(offset) {
        Some(f) => meta.funcs[f.index()].body.0,
        None => match meta
            .host_trampolines
            .iter()
            .map(|&(_, at)| at)
            .filter(|&at| at <= offset)
            .max()
        {
            Some(at) => at,
            None => return true,
        },
    };
    // SAFETY: `start` and `offset` are 4-aligned offsets of instructions
    // inside the region's loaded code, which stays mapped readable while
    // its module is registered.
    let (first, here) = unsafe {
        (
            core::ptr::read_volatile((region.start + start as usize) as *const u32),
            core::ptr::read_volatile(pc as *const u32),
        )
    };
    first == STP_FP_LR && offset >= start + 8 && here != RET
}

/// The code offset to look a program counter up at: a return address
/// points past its call, which may be the last instruction of a function.
pub(crate) fn lookup_pc(pc: usize, exact: bool) -> usize {
    if exact {
        pc
    } else {
        pc.wrapping_sub(1)
    }
}

/// Whether `pc` lies in the body of a Wasm function (not a trampoline).
pub(crate) fn in_wasm_function(regions: &[CodeRegion], pc: usize, exact: bool) -> bool {
    let at = lookup_pc(pc, exact);
    regions.iter().any(|r| {
        (r.start..r.end).contains(&at) && r.meta.defined_func_at((at - r.start) as u32).is_some()
    })
}

/// Call `visit` with the pc of every Wasm frame from `start` outward,
/// innermost first, through every activation from `act` down; stop early
/// (returning `false`) when `visit` does. Frame records are only read
/// inside the activation's stretch of stack, at strictly increasing
/// addresses, so a corrupt chain ends the walk instead of reading wild
/// memory or looping.
///
/// # Safety
/// `act` must be the innermost live activation (or null) and `start` a
/// frame of Wasm code running in it, with its stack intact below the
/// activation's entry.
pub(crate) unsafe fn walk(
    regions: &[CodeRegion],
    start: Start,
    mut act: *const Activation,
    mut visit: impl FnMut(usize) -> bool,
) -> bool {
    let Start {
        mut pc,
        mut fp,
        mut low,
        mut exact,
        lr,
    } = start;
    // The caller of code without its own record, taken from `lr`; `fp`
    // already is that caller's.
    let mut frameless_caller = lr.filter(|_| exact && !frame_linked(regions, pc));
    while !act.is_null() {
        // SAFETY: the caller guarantees `act` and every `prev` are live.
        let (entry_fp, outer_exit, prev) = unsafe {
            (
                Activation::entry_fp(act),
                (*act).outer_exit,
                (*act).prev.cast_const(),
            )
        };
        let Some(entry_fp) = entry_fp else {
            return true;
        };
        loop {
            if in_wasm_function(regions, pc, exact) && !visit(pc) {
                return false;
            }
            if let Some(ret) = frameless_caller.take() {
                pc = ret;
                exact = false;
                continue;
            }
            if fp == entry_fp || !(low..entry_fp).contains(&fp) || fp % 16 != 0 {
                break;
            }
            // SAFETY: `fp` is a frame record on this activation's stack
            // (between the interrupted SP and the entry frame), 16-aligned.
            let (next_fp, ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
            low = fp + 16;
            fp = next_fp;
            pc = ret;
            exact = false;
        }
        // The Wasm that called the host function which entered `act`.
        let (exit_fp, exit_pc) = outer_exit;
        if exit_fp == 0 {
            return true;
        }
        low = entry_fp + 16;
        pc = exit_pc;
        fp = exit_fp;
        exact = false;
        act = prev;
    }
    true
}
