//! Bump allocation inside a store's static arena.

use crate::error::Error;

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
    ) -> Result<*mut u8, Error> {
        let available = self.available(align);
        if size > available {
            return Err(Error::StoreArenaFull {
                needed: size,
                available,
            });
        }
        let start = (self.base + self.used).next_multiple_of(align);
        self.used = start + size - self.base;
        // SAFETY: `start..start + size` is inside the arena the firmware gave
        // this store exclusively and was never handed out before.
        unsafe { core::ptr::write_bytes(start as *mut u8, 0, zero.min(size)) };
        Ok(start as *mut u8)
    }

    /// Where the next allocation would start: pass it to
    /// [`Arena::release_to`] to undo everything allocated since.
    pub(crate) fn mark(&self) -> usize {
        self.used
    }

    /// Free every allocation made after `mark` (a failed instantiation or
    /// grow gives back what it took). Nothing allocated since may be in use.
    pub(crate) fn release_to(&mut self, mark: usize) {
        self.used = self.used.min(mark);
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
