//! Bump allocation inside a static arena the firmware provides: a store's
//! arena (instance state, tables, memories) and the engine's code arena.

use crate::error::Error;

/// An arena could not satisfy an allocation. Converts to
/// [`Error::StoreArenaFull`]; the code arena maps it to
/// [`Error::CodeArenaFull`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArenaFull {
    /// Bytes asked for.
    pub(crate) needed: usize,
    /// Bytes left after alignment.
    pub(crate) available: usize,
}

impl From<ArenaFull> for Error {
    fn from(e: ArenaFull) -> Self {
        Error::StoreArenaFull {
            needed: e.needed,
            available: e.available,
        }
    }
}

/// A firmware-provided buffer; running Wasm never allocates from anywhere
/// else. Memories and tables are handed out front to back, and the newest
/// of them may grow in place into the free space (see [`Arena::extend`]).
/// Small fixed-size records (`VMContext`s, definitions) come from the back
/// ([`Arena::alloc_back`]), so they never sit between page-aligned
/// memories as padding (a `VMContext` before a guard memory's pages used
/// to cost most of a 4 KiB page).
pub(crate) struct Arena {
    base: usize,
    len: usize,
    /// Bytes taken at the front.
    used: usize,
    /// Offset of the lowest byte taken at the back (`len` when none).
    top: usize,
}

/// Both ends of an arena at one moment, see [`Arena::mark`].
#[derive(Clone, Copy)]
pub(crate) struct Mark {
    used: usize,
    top: usize,
}

impl Arena {
    pub(crate) fn new(arena: &'static mut [u8]) -> Self {
        Self {
            base: arena.as_mut_ptr() as usize,
            len: arena.len(),
            used: 0,
            top: arena.len(),
        }
    }

    /// `size` bytes aligned to `align` from the back, zeroed.
    pub(crate) fn alloc_back(&mut self, size: usize, align: usize) -> Result<*mut u8, Error> {
        let end = self.base + self.top;
        let start = end
            .checked_sub(size)
            .map(|s| s & !(align - 1))
            .filter(|&s| s >= self.base + self.used)
            .ok_or(Error::StoreArenaFull {
                needed: size,
                available: self.available(align),
            })?;
        self.top = start - self.base;
        // SAFETY: `start..start + size` is inside the arena the firmware
        // gave this store exclusively, between its two taken ends.
        unsafe { basalt_platform::zero(start as *mut u8, size) };
        Ok(start as *mut u8)
    }

    /// The whole buffer again.
    ///
    /// # Safety
    /// Nothing the arena handed out may be used any more.
    pub(crate) unsafe fn into_slice(self) -> &'static mut [u8] {
        // SAFETY: `base..base + len` is the `'static` slice given to `new`,
        // and the caller guarantees no allocation from it is still in use.
        unsafe { core::slice::from_raw_parts_mut(self.base as *mut u8, self.len) }
    }

    /// Bytes left after aligning to `align`.
    #[inline(never)]
    pub(crate) fn available(&self, align: usize) -> usize {
        let start = (self.base + self.used).next_multiple_of(align);
        (self.base + self.top).saturating_sub(start)
    }

    /// `size` bytes aligned to `align`, zeroed up to `zero` bytes.
    #[inline(never)]
    pub(crate) fn alloc(
        &mut self,
        size: usize,
        align: usize,
        zero: usize,
    ) -> Result<*mut u8, ArenaFull> {
        let available = self.available(align);
        if size > available {
            return Err(ArenaFull {
                needed: size,
                available,
            });
        }
        let start = (self.base + self.used).next_multiple_of(align);
        self.used = start + size - self.base;
        // SAFETY: `start..start + size` is inside the arena the firmware gave
        // its owner exclusively and was never handed out before.
        unsafe { basalt_platform::zero(start as *mut u8, zero.min(size)) };
        Ok(start as *mut u8)
    }

    /// Where the next allocations would start: pass it to
    /// [`Arena::release_to`] to undo everything allocated since.
    pub(crate) fn mark(&self) -> Mark {
        Mark {
            used: self.used,
            top: self.top,
        }
    }

    /// Free every allocation made after `mark` (a failed instantiation or
    /// grow gives back what it took). Nothing allocated since may be in use.
    pub(crate) fn release_to(&mut self, mark: Mark) {
        self.used = self.used.min(mark.used);
        self.top = self.top.max(mark.top);
    }

    /// Grow the allocation `start..start + old` to `new` bytes in place.
    /// Only the newest allocation can grow, and only into free space.
    pub(crate) fn extend(&mut self, start: *mut u8, old: usize, new: usize) -> bool {
        let start = start as usize;
        let tail = self.base + self.used;
        if start + old != tail || new < old || start + new > self.base + self.top {
            return false;
        }
        self.used = start + new - self.base;
        true
    }
}
