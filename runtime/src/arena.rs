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

/// A firmware-provided buffer handed out front to back; running Wasm never
/// allocates from anywhere else. The newest allocation may also grow in
/// place into the free tail (see [`Arena::extend`]).
pub(crate) struct Arena {
    base: usize,
    len: usize,
    used: usize,
}

impl Arena {
    pub(crate) fn new(arena: &'static mut [u8]) -> Self {
        Self {
            base: arena.as_mut_ptr() as usize,
            len: arena.len(),
            used: 0,
        }
    }

    /// Bytes left after aligning to `align`.
    pub(crate) fn available(&self, align: usize) -> usize {
        let start = (self.base + self.used).next_multiple_of(align);
        (self.base + self.len).saturating_sub(start)
    }

    /// `size` bytes aligned to `align`, zeroed up to `zero` bytes.
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
        unsafe { core::ptr::write_bytes(start as *mut u8, 0, zero.min(size)) };
        Ok(start as *mut u8)
    }

    /// Grow the allocation `start..start + old` to `new` bytes in place.
    /// Only the newest allocation can grow, and only into free space.
    pub(crate) fn extend(&mut self, start: *mut u8, old: usize, new: usize) -> bool {
        let start = start as usize;
        let tail = self.base + self.used;
        if start + old != tail || new < old || start + new > self.base + self.len {
            return false;
        }
        self.used = start + new - self.base;
        true
    }
}
