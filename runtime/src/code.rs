//! The engine's code arena: where artifact code is copied, then sealed
//! read-only + executable (W^X), and the registry the trap hook searches.

use crate::artifact::Metadata;
use crate::backtrace::FrameInfo;
use crate::error::Error;
use crate::Trap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use basalt_platform::{Fault, FaultKind, Platform, Protection};
use core::ops::Range;
use spin::RwLockReadGuard;

/// The firmware's code arena, in platform pages: first-fit over a sorted
/// list of free runs, so a dropped module's pages serve the next load.
pub(crate) struct CodeArena {
    /// Free page runs, sorted by address, never adjacent (merged on free).
    free: Vec<Range<usize>>,
}

impl CodeArena {
    pub(crate) fn new(arena: &'static mut [u8]) -> Self {
        let base = arena.as_mut_ptr() as usize;
        Self {
            free: alloc::vec![base..base + arena.len()],
        }
    }

    /// Bytes not holding any module's code.
    pub(crate) fn available(&self) -> usize {
        self.free.iter().map(|r| r.len()).sum()
    }

    /// Copy `code` into fresh pages, make them read-only + executable and
    /// synchronise the instruction cache. Returns the pages it took
    /// (the code starts at their start).
    pub(crate) fn load(
        &mut self,
        platform: &dyn Platform,
        code: &[u8],
    ) -> Result<Range<usize>, Error> {
        let page = platform.page_size().max(16);
        let size = code.len().max(1).next_multiple_of(page);
        let fits = |r: &Range<usize>| r.start.next_multiple_of(page) + size <= r.end;
        let Some(i) = self.free.iter().position(fits) else {
            let available = self
                .free
                .iter()
                .map(|r| r.end.saturating_sub(r.start.next_multiple_of(page)))
                .max()
                .unwrap_or(0);
            return Err(Error::CodeArenaFull {
                needed: size,
                available,
            });
        };
        let run = self.free[i].clone();
        let start = run.start.next_multiple_of(page);
        let taken = start..start + size;
        // The run's unaligned head (only before the first load) and its
        // tail stay free; a run can only split in two if it had a head.
        let head = run.start..start;
        let tail = taken.end..run.end;
        match (head.is_empty(), tail.is_empty()) {
            (true, true) => {
                self.free.remove(i);
            }
            (true, false) => self.free[i] = tail,
            (false, true) => self.free[i] = head,
            (false, false) => {
                self.free
                    .try_reserve(1)
                    .map_err(|_| Error::OutOfMemory("code arena"))?;
                self.free[i] = head;
                self.free.insert(i + 1, tail);
            }
        }
        // SAFETY: `taken` lies inside the arena the firmware gave us
        // exclusively, in a run no loaded module holds, and is writable
        // (free pages are never left sealed).
        unsafe { core::ptr::copy_nonoverlapping(code.as_ptr(), start as *mut u8, code.len()) };
        // A board without an MMU runs everything from flat memory; with one,
        // code that could not be sealed is never run.
        if platform.has_mmu() {
            if let Err(e) = platform.protect(start, size, Protection::READ_EXECUTE) {
                self.free(platform, taken);
                return Err(Error::Map(e));
            }
        }
        platform.sync_icache(start, code.len());
        Ok(taken)
    }

    /// Return pages [`CodeArena::load`] handed out, writable again. Pages
    /// the platform cannot unseal are kept out of the arena for good.
    pub(crate) fn free(&mut self, platform: &dyn Platform, pages: Range<usize>) {
        if platform.has_mmu()
            && platform
                .protect(pages.start, pages.len(), Protection::READ_WRITE)
                .is_err()
        {
            return;
        }
        let i = self.free.partition_point(|r| r.end <= pages.start);
        let joins_prev = i > 0 && self.free[i - 1].end == pages.start;
        let joins_next = self.free.get(i).is_some_and(|r| r.start == pages.end);
        match (joins_prev, joins_next) {
            (true, true) => {
                self.free[i - 1].end = self.free[i].end;
                self.free.remove(i);
            }
            (true, false) => self.free[i - 1].end = pages.end,
            (false, true) => self.free[i].start = pages.start,
            // A lone run needs a new entry; without heap for it the pages
            // stay lost rather than the firmware aborting.
            (false, false) => {
                if self.free.try_reserve(1).is_ok() {
                    self.free.insert(i, pages);
                }
            }
        }
    }
}

/// Loaded code of one module, as the trap hook needs it.
pub(crate) struct CodeRegion {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) meta: Arc<Metadata>,
}

static REGISTRY: spin::RwLock<Vec<CodeRegion>> = spin::RwLock::new(Vec::new());

pub(crate) fn register(region: CodeRegion) -> Result<(), Error> {
    let mut regions = REGISTRY.write();
    regions
        .try_reserve(1)
        .map_err(|_| Error::OutOfMemory("code registry"))?;
    regions.push(region);
    Ok(())
}

/// Forget the module with metadata `meta` (its `Module` is gone: no frame
/// of it can be on any stack).
pub(crate) fn unregister(meta: &Arc<Metadata>) {
    let mut regions = REGISTRY.write();
    if let Some(i) = regions.iter().position(|r| Arc::ptr_eq(&r.meta, meta)) {
        regions.swap_remove(i);
    }
}

/// The loaded code, for ordinary (non-handler) code.
#[inline(never)]
pub(crate) fn regions() -> RwLockReadGuard<'static, Vec<CodeRegion>> {
    REGISTRY.read()
}

/// The loaded code, for exception and interrupt handlers: `None` if the
/// interrupted code is registering a module right now (never block there).
pub(crate) fn try_regions() -> Option<RwLockReadGuard<'static, Vec<CodeRegion>>> {
    REGISTRY.try_read()
}

/// Which trap a fault inside Wasm code is: a `udf` at a trap site, a data
/// abort in the stack guard (any stack access of guard-mode code may hit
/// it: see `stack.rs`), or a data abort at a heap access (whose address the
/// caller still checks). `None` for anything else, a fault outside loaded
/// code (the host's own bug) or one in Wasm code that no trap site explains
/// (a runtime or compiler bug, or a forged artifact): not recoverable.
pub(crate) fn classify(regions: &[CodeRegion], fault: &Fault) -> Option<Trap> {
    let region = regions
        .iter()
        .find(|r| (r.start..r.end).contains(&fault.pc))?;
    let offset = (fault.pc - region.start) as u32;
    let in_stack_guard = fault.address.is_some_and(crate::stack::in_guard);
    match (region.meta.trap_at(offset), fault.kind) {
        (Some(trap), FaultKind::UndefinedInstruction) => Some(trap),
        (_, FaultKind::DataAbort) if in_stack_guard => Some(Trap::StackOverflow),
        (Some(Trap::MemoryOutOfBounds), FaultKind::DataAbort) => Some(Trap::MemoryOutOfBounds),
        _ => None,
    }
}

/// The Wasm function, name and module offset of a frame's program counter
/// (`exact`: the instruction itself, else a return address); `None` outside
/// Wasm function bodies.
pub(crate) fn frame_info(pc: usize, exact: bool) -> Option<FrameInfo> {
    let at = crate::backtrace::lookup_pc(pc, exact);
    let regions = regions();
    let region = regions.iter().find(|r| (r.start..r.end).contains(&at))?;
    let meta = &region.meta;
    let offset = (at - region.start) as u32;
    let defined = meta.defined_func_at(offset)?;
    let func_index = meta.func_index(defined);
    Some(FrameInfo {
        func_index: func_index.as_u32(),
        func_name: meta.func_name(func_index).map(String::from),
        module_name: meta.name.clone(),
        module_offset: meta.wasm_offset(meta.funcs[defined.index()].body, offset),
    })
}
