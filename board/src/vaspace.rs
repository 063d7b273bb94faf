//! Virtual address space for guard-page reservations.
//!
//! Guard-mode linear memories need far more address space than the board has
//! RAM (10 GiB + 64 KiB each, so any 32-bit index plus 32-bit offset stays
//! inside), but the space costs nothing until pages are mapped into it. The
//! reservations come from a window high in the 48-bit address space, far above
//! RAM and MMIO, handed out first-fit between the ones taken; a memory's
//! reservation is released when it is dropped, so firmware that makes an
//! instance per request reuses the same addresses rather than running the
//! window dry.
//!
//! Reservations are aligned and sized to whole translation-table blocks
//! (2 MiB below 1 GiB, 1 GiB from there up). That way no table is ever
//! shared by two reservations below the level that covers the reservation,
//! and once a reservation is fully unmapped its tables can be freed whole.

use core::ops::Range;

/// Start of the reservation window: 16 TiB, far above RAM (which ends at
/// 2 GiB on `virt -m 1G`, below 1 GiB on `raspi3b`) and every MMIO region.
pub const WINDOW_START: usize = 0x1000_0000_0000;
/// End of the window: the top of the 48-bit address space that TTBR0 covers.
pub const WINDOW_END: usize = 0x1_0000_0000_0000;

/// Level-2 block size (one level-3 table maps this much).
const SMALL_GRANULE: usize = 2 << 20;
/// Level-1 block size (one level-2 table maps this much).
const LARGE_GRANULE: usize = 1 << 30;

/// The handed-out ranges, sorted by address; free space is the gaps.
pub struct Reservations {
    taken: alloc::vec::Vec<Range<usize>>,
}

impl Reservations {
    /// An empty window.
    pub const fn new() -> Self {
        Self {
            taken: alloc::vec::Vec::new(),
        }
    }

    /// Carve `len` bytes (rounded up to whole blocks) out of the first gap
    /// of the window they fit in. `None` when `len` is zero or no gap fits.
    pub fn reserve(&mut self, len: usize) -> Option<Range<usize>> {
        if len == 0 {
            return None;
        }
        let granule = if len >= LARGE_GRANULE {
            LARGE_GRANULE
        } else {
            SMALL_GRANULE
        };
        let size = len.checked_next_multiple_of(granule)?;
        let gap_ends = self.taken.iter().map(|t| t.start).chain([WINDOW_END]);
        let gap_starts = [WINDOW_START]
            .into_iter()
            .chain(self.taken.iter().map(|t| t.end));
        let (index, start) = gap_starts
            .zip(gap_ends)
            .enumerate()
            .find_map(|(i, (from, to))| {
                let start = from.checked_next_multiple_of(granule)?;
                (start.checked_add(size)? <= to).then_some((i, start))
            })?;
        self.taken.try_reserve(1).ok()?;
        self.taken.insert(index, start..start + size);
        Some(start..start + size)
    }

    /// Give back the reservation that starts at `start`; returns it.
    pub fn release(&mut self, start: usize) -> Option<Range<usize>> {
        let index = self.taken.binary_search_by_key(&start, |t| t.start).ok()?;
        Some(self.taken.remove(index))
    }

    /// Bytes of address space reserved now.
    pub fn reserved_bytes(&self) -> usize {
        self.taken.iter().map(|t| t.len()).sum()
    }

    /// The reservation that contains all of `range`, if one does.
    pub fn containing(&self, range: &Range<usize>) -> Option<Range<usize>> {
        if range.start < WINDOW_START || range.end > WINDOW_END || range.start > range.end {
            return None;
        }
        // Index of the last reservation starting at or below range.start.
        let index = self
            .taken
            .partition_point(|taken| taken.start <= range.start)
            .checked_sub(1)?;
        let candidate = &self.taken[index];
        (range.end <= candidate.end).then(|| candidate.clone())
    }
}
