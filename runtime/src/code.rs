//! The engine's code arena: where artifact code is copied, then sealed
//! read-only + executable (W^X), and the registry the trap hook searches.

use crate::arena::Arena;
use crate::artifact::Metadata;
use crate::backtrace::FrameInfo;
use crate::error::Error;
use crate::Trap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use basalt_platform::{Fault, FaultKind, Platform, Protection};
use spin::RwLockReadGuard;

/// The firmware's code arena, handed out in platform pages.
pub(crate) struct CodeArena(Arena);

impl CodeArena {
    pub(crate) fn new(arena: &'static mut [u8]) -> Self {
        Self(Arena::new(arena))
    }

    /// Copy `code` into fresh pages, make them read-only + executable and
    /// synchronise the instruction cache. Returns the code's address.
    pub(crate) fn load(&mut self, platform: &dyn Platform, code: &[u8]) -> Result<usize, Error> {
        let page = platform.page_size().max(16);
        let size = code.len().max(1).next_multiple_of(page);
        let start = self
            .0
            .alloc(size, page, 0)
            .map_err(|e| Error::CodeArenaFull {
                needed: e.needed,
                available: e.available,
            })?;
        // SAFETY: `start..start + size` was just handed out by the arena the
        // firmware gave the engine exclusively, and is still writable
        // (pages are only sealed after this copy).
        unsafe { core::ptr::copy_nonoverlapping(code.as_ptr(), start, code.len()) };
        let start = start as usize;
        // A board without an MMU runs everything from flat memory; with one,
        // code that could not be sealed is never run.
        if platform.has_mmu() {
            platform
                .protect(start, size, Protection::READ_EXECUTE)
                .map_err(Error::Map)?;
        }
        platform.sync_icache(start, code.len());
        Ok(start)
    }
}

/// Loaded code of one module, as the trap hook needs it.
pub(crate) struct CodeRegion {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) meta: Arc<Metadata>,
}

static REGISTRY: spin::RwLock<Vec<CodeRegion>> = spin::RwLock::new(Vec::new());

pub(crate) fn register(region: CodeRegion) {
    REGISTRY.write().push(region);
}

/// The loaded code, for ordinary (non-handler) code.
pub(crate) fn regions() -> RwLockReadGuard<'static, Vec<CodeRegion>> {
    REGISTRY.read()
}

/// The loaded code, for exception and interrupt handlers: `None` if the
/// interrupted code is registering a module right now (never block there).
pub(crate) fn try_regions() -> Option<RwLockReadGuard<'static, Vec<CodeRegion>>> {
    REGISTRY.try_read()
}

/// Which trap a fault inside Wasm code is: a `udf` at a trap site, or a
/// data abort at a heap access (whose address the caller still checks).
/// `None` for anything else, a fault outside loaded code (the host's own
/// bug) or one in Wasm code that no trap site explains (a runtime or
/// compiler bug, or a forged artifact): not recoverable.
pub(crate) fn classify(regions: &[CodeRegion], fault: &Fault) -> Option<Trap> {
    let region = regions
        .iter()
        .find(|r| (r.start..r.end).contains(&fault.pc))?;
    let offset = (fault.pc - region.start) as u32;
    match (region.meta.trap_at(offset), fault.kind) {
        (Some(trap), FaultKind::UndefinedInstruction) => Some(trap),
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
