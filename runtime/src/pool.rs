//! A pool of linear-memory slots whose address space, translation tables
//! and pages outlive the instances that use them.
//!
//! Without a pool every instantiation reserves a memory's 10 GiB guard
//! region, zeroes its pages and maps them (building two translation
//! tables), and dropping the store undoes all of it. With one, each slot
//! keeps its reservation and its mapped pages: instantiation takes a free
//! slot whose first `min` bytes are already mapped and zero, and the pages
//! an instance used are zeroed when it is released (its store dropped), so
//! no memory contents pass from one instance to the next. See
//! `runtime/POOL.md` for configuration and costs.

use crate::engine::Engine;
use crate::error::Error;
use crate::memory::{release_guarded, reserve_guarded, GUARDED_MAX_PAGES, MAX_PAGES, PAGE};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use basalt_platform::{Platform, Protection};

/// Granule of a slot's backing pages (the board's mapping granule).
const BACKING_ALIGN: usize = 4096;

/// Shape of a [`MemoryPool`].
#[derive(Clone, Copy, Debug)]
pub struct PoolConfig {
    /// Memories the pool can hold at once; instantiating a memory when
    /// every slot is taken is an error.
    pub slots: u32,
    /// Size of a slot in Wasm pages (64 KiB): the largest a pooled memory
    /// can be, at instantiation or by growing.
    pub max_pages: u64,
    /// Guard-page slots (each its own 10 GiB reservation) when the
    /// platform has an MMU; otherwise, or when false, contiguous slots
    /// that only explicit-mode code can use.
    pub guard_memories: bool,
}

/// Slots for the memories of a store's instances (see
/// [`Store::set_memory_pool`](crate::Store::set_memory_pool)); cheap to
/// clone, shared by any number of stores, and alive until the last store
/// and memory using it are gone.
#[derive(Clone)]
pub struct MemoryPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    ops: &'static PoolOps,
    platform: &'static dyn Platform,
    guarded: bool,
    slot_bytes: usize,
    /// Address of slot 0's backing pages; slot `i`'s are `i * slot_bytes`
    /// further.
    backing: usize,
    /// Where each slot's memory starts: its guard reservation, or its
    /// backing for contiguous slots.
    bases: Box<[usize]>,
    free: spin::Mutex<Vec<Free>>,
}

/// A slot just taken and the start of its memory.
type Taken = (Slot, *mut u8);

/// What a pool does, reached through [`OPS`], which only
/// [`MemoryPool::new`] names: a firmware that never makes a pool (a store
/// without one only tests `Option<MemoryPool>`) links none of this code.
struct PoolOps {
    take: fn(&MemoryPool, usize) -> Result<Taken, Error>,
    resize: fn(&PoolInner, u32, usize, usize) -> Result<(), Error>,
    release: fn(Slot, usize),
    drop: fn(&mut PoolInner),
}

static OPS: PoolOps = PoolOps {
    take: MemoryPool::take_slot,
    resize: PoolInner::resize,
    release: Slot::give_back,
    drop: PoolInner::release_all,
};

/// A free slot and how much of it is ready: its first `ready` bytes are
/// zero (and mapped, for a guard slot), nothing after them is mapped.
#[derive(Clone, Copy)]
struct Free {
    slot: u32,
    ready: usize,
}

/// A slot a memory holds; back in the pool when dropped.
pub(crate) struct Slot {
    pool: MemoryPool,
    index: u32,
    /// Bytes that were ready when taken (the memory's initial size): what
    /// stays mapped for the next instance, which is likely of the same
    /// module.
    initial: usize,
}

impl MemoryPool {
    /// A pool of `config.slots` slots over `backing`, which must hold
    /// `slots * max_pages` Wasm pages (after 4 KiB alignment). Guard slots
    /// reserve their address space now; pages are mapped as memories
    /// first need them and then stay mapped.
    pub fn new(
        engine: &Engine,
        backing: &'static mut [u8],
        config: PoolConfig,
    ) -> Result<Self, Error> {
        if config.max_pages > MAX_PAGES {
            return Err(Error::Limits("a pool slot is larger than 4 GiB"));
        }
        let platform = engine.platform();
        let guarded = config.guard_memories && platform.has_mmu();
        if guarded && config.max_pages > GUARDED_MAX_PAGES {
            return Err(Error::Limits("a guard slot is larger than 2 GiB"));
        }
        let slot_bytes = (config.max_pages * PAGE) as usize;
        let start = backing.as_mut_ptr() as usize;
        let aligned = start.next_multiple_of(BACKING_ALIGN);
        let available = (start + backing.len()).saturating_sub(aligned);
        let needed = slot_bytes
            .checked_mul(config.slots as usize)
            .ok_or(Error::Limits(
                "the memory pool is larger than the address space",
            ))?;
        if needed > available {
            return Err(Error::StoreArenaFull { needed, available });
        }
        let oom = |_| Error::OutOfMemory("memory pool slots");
        let mut bases = Vec::new();
        bases
            .try_reserve_exact(config.slots as usize)
            .map_err(oom)?;
        let mut free = Vec::new();
        free.try_reserve_exact(config.slots as usize).map_err(oom)?;
        for slot in 0..config.slots {
            let base = if guarded {
                match reserve_guarded(platform) {
                    Ok(base) => base,
                    Err(e) => {
                        for &base in &bases {
                            let _ = release_guarded(platform, base);
                        }
                        return Err(e.into());
                    }
                }
            } else {
                aligned + slot as usize * slot_bytes
            };
            bases.push(base);
            // Popped from the end: slot 0 first.
            free.push(Free {
                slot: config.slots - 1 - slot,
                ready: 0,
            });
        }
        Ok(Self {
            inner: Arc::new(PoolInner {
                ops: &OPS,
                platform,
                guarded,
                slot_bytes,
                backing: aligned,
                bases: bases.into_boxed_slice(),
                free: spin::Mutex::new(free),
            }),
        })
    }

    /// Slots not held by a memory now.
    pub fn free_slots(&self) -> usize {
        self.inner.free.lock().len()
    }

    /// Whether the slots are guard-page reservations.
    pub fn guarded(&self) -> bool {
        self.inner.guarded
    }

    /// A free slot with its first `min_bytes` mapped and zero; its start.
    pub(crate) fn take(&self, min_bytes: usize) -> Result<(Slot, *mut u8), Error> {
        (self.inner.ops.take)(self, min_bytes)
    }

    fn take_slot(&self, min_bytes: usize) -> Result<Taken, Error> {
        let p = &*self.inner;
        if min_bytes > p.slot_bytes {
            return Err(Error::Limits("memory larger than the pool's slots"));
        }
        let Free { slot, ready } = p
            .free
            .lock()
            .pop()
            .ok_or(Error::Limits("every slot of the memory pool is taken"))?;
        if let Err(e) = (p.ops.resize)(p, slot, ready, min_bytes) {
            p.free.lock().push(Free { slot, ready });
            return Err(e);
        }
        let base = p.bases[slot as usize] as *mut u8;
        let slot = Slot {
            pool: self.clone(),
            index: slot,
            initial: min_bytes,
        };
        Ok((slot, base))
    }

    /// The largest memory a slot holds, in Wasm pages.
    pub(crate) fn slot_pages(&self) -> u64 {
        (self.inner.slot_bytes as u64) / PAGE
    }
}

impl Slot {
    /// Make `old..new` of the slot accessible and zero (`memory.grow`).
    pub(crate) fn grow(&self, old: usize, new: usize) -> bool {
        let p = &*self.pool.inner;
        (p.ops.resize)(p, self.index, old, new).is_ok()
    }

    /// Whether the memory in it has guard pages.
    pub(crate) fn guarded(&self) -> bool {
        self.pool.inner.guarded
    }

    /// Give the slot back with `len` bytes in use: zero them, and unmap
    /// what lies beyond the size it was taken with.
    pub(crate) fn release(self, len: usize) {
        (self.pool.inner.ops.release)(self, len)
    }

    fn give_back(self, len: usize) {
        let p = &*self.pool.inner;
        let base = p.bases[self.index as usize];
        let mut ready = self.initial.min(len);
        if p.guarded && len > ready && p.platform.unmap(base + ready, len - ready).is_err() {
            // Still mapped: it all stays ready, so all of it is zeroed.
            ready = len;
        }
        p.zero(self.index, 0, ready);
        p.free.lock().push(Free {
            slot: self.index,
            ready,
        });
    }
}

impl PoolInner {
    /// Take slot `slot` from `from` ready bytes to `to`: zero and map
    /// what is added, unmap what is cut. On failure nothing changed.
    fn resize(&self, slot: u32, from: usize, to: usize) -> Result<(), Error> {
        let base = self.bases[slot as usize];
        if to > from {
            self.zero(slot, from, to - from);
            if self.guarded {
                let backing = self.backing + slot as usize * self.slot_bytes + from;
                let at = base + from;
                if let Err(e) = self
                    .platform
                    .map(at, backing, to - from, Protection::READ_WRITE)
                {
                    // Whatever the platform mapped before failing goes.
                    let _ = self.platform.unmap(at, to - from);
                    return Err(e.into());
                }
            }
        } else if to < from && self.guarded {
            self.platform.unmap(base + to, from - to)?;
        }
        Ok(())
    }

    /// Zero `len` bytes of slot `slot`'s backing from `offset`.
    fn zero(&self, slot: u32, offset: usize, len: usize) {
        let at = (self.backing + slot as usize * self.slot_bytes + offset) as *mut u8;
        if self.guarded {
            // SAFETY: the slot's backing lies in the buffer the pool owns
            // (checked in `new`), RAM that a board with an MMU maps as
            // Normal memory; the slot is held by the caller alone.
            unsafe { basalt_platform::zero_normal(at, len) };
        } else {
            // SAFETY: as above, on any memory type.
            unsafe { basalt_platform::zero(at, len) };
        }
    }
}

impl Drop for PoolInner {
    fn drop(&mut self) {
        (self.ops.drop)(self)
    }
}

impl PoolInner {
    /// Every slot is free by now (each taken one holds the pool): give the
    /// reservations back, with their mapped pages and translation tables.
    fn release_all(&mut self) {
        if !self.guarded {
            return;
        }
        for free in self.free.get_mut().iter() {
            let base = self.bases[free.slot as usize];
            if release_guarded(self.platform, base).is_err() && free.ready > 0 {
                let _ = self.platform.unmap(base, free.ready);
            }
        }
    }
}
