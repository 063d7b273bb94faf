//! Linear memories: their state (reservation, limits) and the host handle.

use crate::arena::Arena;
use crate::artifact::MemoryPlan;
use crate::error::Error;
use crate::pool::{MemoryPool, Slot};
use crate::store::{AsContext, AsContextMut, StoreConfig, StoreId};
use crate::vm::VMMemoryDefinition;
use alloc::boxed::Box;
use basalt_platform::{MapError, Platform, Protection};
use core::sync::atomic::Ordering;

/// Wasm page size.
pub(crate) const PAGE: u64 = 65536;
/// The most pages a memory may have: one short of the 65,536 a 32-bit
/// index could address, so a length always fits 32 bits and explicit
/// bounds checks compare the 32-bit index against a 32-bit limit (see the
/// compiler's `index_limit`). Growing further fails as any resource limit.
pub(crate) const MAX_PAGES: u64 = 65535;

/// Address space a guarded memory reserves: any 32-bit index plus 32-bit
/// offset plus access size lands inside it, so compiled code needs no checks;
/// and `GUARD_BELOW` of it lies below the memory's base.
pub(crate) const GUARD_RESERVATION: usize = GUARD_BELOW + (8 << 30) + (64 << 10);
/// Unmapped space below a guarded memory. Guard-mode code addresses an
/// index `x + K` (an `i32.add` of a constant `K < 2^31`, no static offset)
/// as `base + K + sext(x)`, which folds into one access where the 32-bit
/// sum would need its own `add`. That equals `base + ((x + K) mod 2^32)`
/// whenever it lies in `[base, base + 2^32)`; otherwise it lies in
/// `[base - 2^31, base)`, here, and faults, which is right because the
/// wrapped index is then at least 2^31: out of bounds of a memory of at
/// most `GUARDED_MAX_PAGES`.
pub(crate) const GUARD_BELOW: usize = 2 << 30;
/// The most pages a guarded memory may have (2 GiB, see `GUARD_BELOW`).
pub(crate) const GUARDED_MAX_PAGES: u64 = 32768;
/// Granule in which guarded memories take backing pages from the arena.
const BACKING_ALIGN: usize = 4096;

/// How a memory's bytes are provided.
enum Backing {
    /// A contiguous arena range of `capacity` bytes (no MMU needed).
    Contiguous { capacity: usize },
    /// A reservation of `GUARD_RESERVATION` bytes with the accessible pages
    /// mapped onto arena pages; everything else faults.
    Guarded { platform: &'static dyn Platform },
    /// A slot of a [`MemoryPool`]: guarded or contiguous as the pool is,
    /// its pages kept mapped for the next memory when this one goes.
    Pooled(Slot),
}

/// A memory's runtime state. Its `VMMemoryDefinition` lives in the owning
/// instance's `VMContext` or, for host-created memories, in the arena.
pub(crate) struct MemoryState {
    pub(crate) def: *mut VMMemoryDefinition,
    backing: Backing,
    /// Growth limit in pages: the declared maximum, or 65536.
    max_pages: u64,
    /// The declared maximum (import matching and `ty` report it as declared).
    declared_max: Option<u64>,
    arena: *mut Arena,
    /// The owning instance's vmctx (null for host-created memories).
    pub(crate) owner: *mut crate::vm::VMContext,
    /// Index among the owner's defined memories.
    pub(crate) index: u32,
}

impl MemoryState {
    /// Create a memory of `plan`, writing its definition to `def`: guarded
    /// when `platform` is given and can reserve address space, contiguous
    /// in the arena otherwise.
    pub(crate) fn new(
        arena: &mut Arena,
        config: &StoreConfig,
        plan: &MemoryPlan,
        def: *mut VMMemoryDefinition,
        platform: Option<&'static dyn Platform>,
    ) -> Result<Self, Error> {
        let guard = platform.filter(|p| p.has_mmu());
        let (max_pages, min_bytes) = plan_sizes(plan, guard.is_some())?;
        let (base, backing) = match guard {
            Some(platform) => (
                guarded(arena, platform, min_bytes)?,
                Backing::Guarded { platform },
            ),
            None => {
                let reserve = min_bytes.saturating_add(config.memory_reserve);
                let capacity = reserve
                    .min((max_pages * PAGE) as usize)
                    .next_multiple_of(PAGE as usize);
                let capacity =
                    capacity.min(arena.available(PAGE as usize) / PAGE as usize * PAGE as usize);
                if capacity < min_bytes {
                    return Err(Error::StoreArenaFull {
                        needed: min_bytes,
                        available: capacity,
                    });
                }
                (
                    arena.alloc(capacity, PAGE as usize, min_bytes)?,
                    Backing::Contiguous { capacity },
                )
            }
        };
        // SAFETY: the caller hands us the slot reserved for this definition.
        unsafe { Self::init(def, base, min_bytes, backing, max_pages, plan, arena) }
    }

    /// Create a memory of `plan` in a slot of `pool`, writing its
    /// definition to `def`. It grows up to its maximum or the slot's size.
    pub(crate) fn pooled(
        pool: &MemoryPool,
        plan: &MemoryPlan,
        def: *mut VMMemoryDefinition,
    ) -> Result<Self, Error> {
        let (max_pages, min_bytes) = plan_sizes(plan, pool.guarded())?;
        let (slot, base) = pool.take(min_bytes)?;
        let max_pages = max_pages.min(pool.slot_pages());
        let backing = Backing::Pooled(slot);
        // SAFETY: the caller hands us the slot reserved for this definition.
        unsafe {
            Self::init(
                def,
                base,
                min_bytes,
                backing,
                max_pages,
                plan,
                core::ptr::null_mut(),
            )
        }
    }

    /// Write the definition of a memory of `min_bytes` at `base` to `def`
    /// and make its state.
    ///
    /// # Safety
    /// `def` must be the slot reserved for this memory's definition.
    unsafe fn init(
        def: *mut VMMemoryDefinition,
        base: *mut u8,
        min_bytes: usize,
        backing: Backing,
        max_pages: u64,
        plan: &MemoryPlan,
        arena: *mut Arena,
    ) -> Result<Self, Error> {
        // SAFETY: guaranteed by the caller.
        unsafe {
            def.write(VMMemoryDefinition {
                base,
                current_length: min_bytes.into(),
            })
        };
        Ok(Self {
            def,
            backing,
            max_pages,
            declared_max: plan.max_pages,
            arena,
            owner: core::ptr::null_mut(),
            index: 0,
        })
    }

    /// Whether accesses past the end fault (guard mode can use it).
    #[inline(never)]
    pub(crate) fn guarded(&self) -> bool {
        match &self.backing {
            Backing::Contiguous { .. } => false,
            Backing::Guarded { .. } => true,
            Backing::Pooled(slot) => slot.guarded(),
        }
    }

    /// Whether `addr` lies in this memory's guard reservation (accessible
    /// pages and guard pages alike): where a heap access of guard-mode code
    /// may fault.
    pub(crate) fn reservation_contains(&self, addr: usize) -> bool {
        let start = (self.definition().base as usize).wrapping_sub(GUARD_BELOW);
        self.guarded() && addr.wrapping_sub(start) < GUARD_RESERVATION
    }

    fn definition(&self) -> &VMMemoryDefinition {
        // SAFETY: `def` was initialised in `new` and lives as long as the store.
        unsafe { &*self.def }
    }

    pub(crate) fn byte_len(&self) -> usize {
        self.definition().current_length.load(Ordering::Relaxed)
    }

    pub(crate) fn pages(&self) -> u64 {
        self.byte_len() as u64 / PAGE
    }

    pub(crate) fn max_pages(&self) -> Option<u64> {
        self.declared_max
    }

    /// The accessible bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `base..base + current_length` is this memory's zeroed,
        // mapped range.
        unsafe { core::slice::from_raw_parts(self.definition().base, self.byte_len()) }
    }

    /// The accessible bytes, writable.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`; `&mut self` makes this the only access.
        unsafe { core::slice::from_raw_parts_mut(self.definition().base, self.byte_len()) }
    }

    /// `memory.grow`: the old size in pages, or `None`.
    pub(crate) fn grow(&mut self, delta: u64) -> Option<u64> {
        let old_bytes = self.byte_len();
        let old = old_bytes as u64 / PAGE;
        let new = old.checked_add(delta).filter(|&n| n <= self.max_pages)?;
        let new_bytes = (new * PAGE) as usize;
        let base = self.definition().base;
        match &mut self.backing {
            Backing::Pooled(slot) => {
                if !slot.grow(old_bytes, new_bytes) {
                    return None;
                }
            }
            Backing::Contiguous { capacity } => {
                // SAFETY: the arena outlives every memory of its store (a
                // memory that is not pooled is made with it).
                let arena = unsafe { &mut *self.arena };
                if new_bytes > *capacity {
                    if !arena.extend(base, *capacity, new_bytes) {
                        return None;
                    }
                    *capacity = new_bytes;
                }
                // SAFETY: the grown range lies within this memory's reservation.
                unsafe { basalt_platform::zero(base.add(old_bytes), new_bytes - old_bytes) };
            }
            Backing::Guarded { platform } => {
                // SAFETY: as above.
                let arena = unsafe { &mut *self.arena };
                let grown = new_bytes - old_bytes;
                if grown > 0 {
                    let mark = arena.mark();
                    let pages = arena.alloc(grown, BACKING_ALIGN, 0).ok()?;
                    // SAFETY: the arena just handed out these bytes, RAM a
                    // board with an MMU maps as Normal memory.
                    unsafe { basalt_platform::zero_normal(pages, grown) };
                    let at = base as usize + old_bytes;
                    if platform
                        .map(at, pages as usize, grown, Protection::READ_WRITE)
                        .is_err()
                    {
                        // Whatever the platform mapped before failing goes,
                        // and the pages return to the arena's tail.
                        let _ = platform.unmap(at, grown);
                        arena.release_to(mark);
                        return None;
                    }
                }
            }
        }
        self.definition()
            .current_length
            .store(new_bytes, Ordering::Relaxed);
        Some(old)
    }

    /// Bounds-checked range `start..start + len`.
    pub(crate) fn range(&self, start: u32, len: u32) -> Option<core::ops::Range<usize>> {
        let end = (start as u64) + (len as u64);
        (end <= self.byte_len() as u64).then_some(start as usize..end as usize)
    }
}

/// A guard reservation with `min_bytes` of fresh arena pages mapped at its
/// start. Nothing stays taken when it fails.
fn guarded(
    arena: &mut Arena,
    platform: &'static dyn Platform,
    min_bytes: usize,
) -> Result<*mut u8, Error> {
    let base = reserve_guarded(platform)?;
    let mark = arena.mark();
    // Zeroed below with `dc zva`: a board with an MMU maps its RAM (and
    // so the arena) as Normal memory.
    let a = arena.alloc(min_bytes, BACKING_ALIGN, 0).inspect(|&pages| {
        // SAFETY: the arena just handed out these `min_bytes` bytes.
        unsafe { basalt_platform::zero_normal(pages, min_bytes) }
    });
    let mapped = match a {
        Ok(_) if min_bytes == 0 => Ok(()),
        Ok(pages) => platform
            .map(base, pages as usize, min_bytes, Protection::READ_WRITE)
            .map_err(Error::from),
        Err(e) => Err(e.into()),
    };
    if let Err(e) = mapped {
        release(platform, base, min_bytes);
        arena.release_to(mark);
        return Err(e);
    }
    Ok(base as *mut u8)
}

/// Unmap the `mapped` bytes at the start of the reservation at `base` and
/// give the reservation back (platforms that keep reservations just get
/// the unmap, which frees their page tables).
#[inline(never)]
fn release(platform: &dyn Platform, base: usize, mapped: usize) {
    if release_guarded(platform, base).is_err() && mapped > 0 {
        let _ = platform.unmap(base, mapped);
    }
}

/// Reserve a guarded memory's address space; returns the memory's base,
/// `GUARD_BELOW` into the reservation.
pub(crate) fn reserve_guarded(platform: &dyn Platform) -> Result<usize, MapError> {
    Ok(platform.reserve(GUARD_RESERVATION)? + GUARD_BELOW)
}

/// Give back the reservation of the guarded memory at `base`.
pub(crate) fn release_guarded(platform: &dyn Platform, base: usize) -> Result<(), MapError> {
    platform.release(base - GUARD_BELOW, GUARD_RESERVATION)
}

impl Drop for MemoryState {
    /// Give a guarded memory's pages and reservation back to the platform
    /// (page tables and address space would otherwise stay taken), and a
    /// pooled memory's slot to its pool (zeroed); the arena pages return
    /// with the arena.
    #[inline(never)]
    fn drop(&mut self) {
        let len = self.byte_len();
        let backing = core::mem::replace(&mut self.backing, Backing::Contiguous { capacity: 0 });
        match backing {
            Backing::Guarded { platform } => {
                release(platform, self.definition().base as usize, len)
            }
            Backing::Pooled(slot) => slot.release(len),
            Backing::Contiguous { .. } => {}
        }
    }
}

/// A linear memory (instance-defined, imported or created by the host).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    pub(crate) ptr: *mut MemoryState,
    pub(crate) store: StoreId,
}

impl Memory {
    /// Create a memory owned by the store, e.g. to provide as an import.
    pub fn new(mut store: impl AsContextMut, plan: MemoryPlan) -> Result<Memory, Error> {
        let store = store.as_context_mut();
        let mark = store.arena.mark();
        let def = store.arena.alloc_back(16, 16)?.cast::<VMMemoryDefinition>();
        let platform = store.guard_platform();
        let state = MemoryState::new(&mut store.arena, &store.config, &plan, def, platform)
            .inspect_err(|_| store.arena.release_to(mark))?;
        let mut boxed = Box::new(state);
        let ptr: *mut MemoryState = &mut *boxed;
        store.host_memories.push(boxed);
        Ok(Memory {
            ptr,
            store: store.id,
        })
    }

    pub(crate) fn state<'a>(&self) -> &'a mut MemoryState {
        // SAFETY: memory states are boxed in their store and never freed
        // while it lives; the public methods check the handle's store first.
        unsafe { &mut *self.ptr }
    }

    /// Current size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        store.as_context().assert_owns(self.store);
        self.state().pages()
    }

    /// Its type now: current size as the minimum, and the declared maximum.
    pub fn ty(&self, store: impl AsContext) -> MemoryPlan {
        store.as_context().assert_owns(self.store);
        let s = self.state();
        MemoryPlan {
            min_pages: s.pages(),
            max_pages: s.max_pages(),
        }
    }

    /// The memory's bytes.
    pub fn data<'a, S: AsContext + 'a>(&self, store: &'a S) -> &'a [u8] {
        store.as_context().assert_owns(self.store);
        self.state().bytes()
    }

    /// The memory's bytes, writable.
    pub fn data_mut<'a, S: AsContextMut + 'a>(&self, store: &'a mut S) -> &'a mut [u8] {
        store.as_context().assert_owns(self.store);
        self.state().bytes_mut()
    }

    /// Copy out of memory; fails if the range is out of bounds.
    pub fn read(&self, store: impl AsContext, offset: usize, buf: &mut [u8]) -> Result<(), Error> {
        store.as_context().check(self.store)?;
        let bytes = self.state().bytes();
        let src = bytes
            .get(offset..offset.saturating_add(buf.len()))
            .ok_or(Error::OutOfBounds)?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Copy into memory; fails if the range is out of bounds.
    pub fn write(&self, store: impl AsContextMut, offset: usize, buf: &[u8]) -> Result<(), Error> {
        store.as_context().check(self.store)?;
        let bytes = self.state().bytes_mut();
        let dst = bytes
            .get_mut(offset..offset.saturating_add(buf.len()))
            .ok_or(Error::OutOfBounds)?;
        dst.copy_from_slice(buf);
        Ok(())
    }

    /// Grow by `delta` pages; returns the old size.
    pub fn grow(&self, store: impl AsContextMut, delta: u64) -> Result<u64, Error> {
        store.as_context().check(self.store)?;
        self.state().grow(delta).ok_or(Error::GrowFailed)
    }
}

/// A plan's maximum in pages (capped at `MAX_PAGES`, or at
/// `GUARDED_MAX_PAGES` for a `guarded` memory) and its minimum in bytes; a
/// minimum above the maximum is refused.
#[inline(never)]
fn plan_sizes(plan: &MemoryPlan, guarded: bool) -> Result<(u64, usize), Error> {
    let cap = if guarded {
        GUARDED_MAX_PAGES
    } else {
        MAX_PAGES
    };
    let max_pages = plan.max_pages.unwrap_or(cap).min(cap);
    if plan.min_pages > max_pages {
        return Err(Error::Limits(
            "memory minimum exceeds its maximum or the runtime's limit",
        ));
    }
    Ok((max_pages, (plan.min_pages * PAGE) as usize))
}
