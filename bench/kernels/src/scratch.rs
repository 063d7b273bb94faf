//! Static scratch buffers: the kernels' working memory, the same on every
//! peer (linear memory in Wasm, `.bss` on the board), with no allocator.

use core::cell::UnsafeCell;

/// A statically allocated buffer handed out to one kernel at a time.
pub(crate) struct Scratch<T, const N: usize>(UnsafeCell<[T; N]>);

// SAFETY: kernels run on one thread (Wasm has one; the board runs one job on
// one core), and `Scratch::get`'s contract forbids overlapping borrows.
unsafe impl<T: Send, const N: usize> Sync for Scratch<T, N> {}

impl<T: Copy, const N: usize> Scratch<T, N> {
    pub(crate) const fn new(init: T) -> Self {
        Scratch(UnsafeCell::new([init; N]))
    }

    /// The buffer.
    ///
    /// # Safety
    /// No other borrow of this buffer may be alive: each buffer belongs to
    /// one kernel, and kernels neither recurse into themselves nor run
    /// concurrently.
    #[allow(clippy::mut_from_ref)] // exclusive by the contract above
    pub(crate) unsafe fn get(&self) -> &mut [T; N] {
        // SAFETY: exclusivity is the caller's promise (see above).
        unsafe { &mut *self.0.get() }
    }
}
