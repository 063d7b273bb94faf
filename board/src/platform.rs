//! `VirtPlatform`: what the Basalt runtime needs from this board.

use crate::{arena, mmu};
use basalt_platform::{MapError, Platform, Protection, StackBounds};
use core::arch::asm;

/// The QEMU `virt` board. Stateless: the page tables and regions it works on
/// are the firmware's globals, so one `&'static` value serves every store.
pub struct VirtPlatform;

impl Platform for VirtPlatform {
    fn page_size(&self) -> usize {
        mmu::PAGE_SIZE
    }

    /// Not yet: guard-mode memories need a virtual reservation allocator.
    fn reserve(&self, _len: usize) -> Result<usize, MapError> {
        Err(MapError::Unsupported)
    }

    /// Not yet, as `reserve`.
    fn map(
        &self,
        _addr: usize,
        _backing: usize,
        _len: usize,
        _prot: Protection,
    ) -> Result<(), MapError> {
        Err(MapError::Unsupported)
    }

    /// Real within the code arena (page granularity); W+X is refused.
    fn protect(&self, addr: usize, len: usize, prot: Protection) -> Result<(), MapError> {
        mmu::protect(addr, len, prot)
    }

    fn unmap(&self, _addr: usize, _len: usize) -> Result<(), MapError> {
        Err(MapError::Unsupported)
    }

    /// Not yet: needs the GIC and the generic timer interrupt.
    fn start_epoch_timer(&self, _period: u64) -> Result<(), MapError> {
        Err(MapError::Unsupported)
    }

    fn sync_icache(&self, addr: usize, len: usize) {
        if len == 0 {
            return;
        }
        let ctr: u64;
        // SAFETY: CTR_EL0 is readable at EL1 and reading it has no effects.
        unsafe { asm!("mrs {}, ctr_el0", out(reg) ctr, options(nomem, nostack)) };
        // DminLine [19:16] and IminLine [3:0] are log2 of the line in words.
        let dline = 4usize << ((ctr >> 16) & 0xf);
        let iline = 4usize << (ctr & 0xf);
        let end = addr + len;
        let mut line = addr & !(dline - 1);
        while line < end {
            // SAFETY: cleaning a data cache line by VA to the point of
            // unification only writes back data; the address is mapped.
            unsafe { asm!("dc cvau, {}", in(reg) line, options(nostack)) };
            line += dline;
        }
        // SAFETY: a barrier has no effect but ordering.
        unsafe { asm!("dsb ish", options(nostack)) };
        let mut line = addr & !(iline - 1);
        while line < end {
            // SAFETY: invalidating instruction cache lines only forces a
            // refetch; the address is mapped.
            unsafe { asm!("ic ivau, {}", in(reg) line, options(nostack)) };
            line += iline;
        }
        // SAFETY: barriers have no effect but ordering and pipeline flush.
        unsafe { asm!("dsb ish", "isb", options(nostack)) };
    }

    fn stack_bounds(&self) -> StackBounds {
        let stack = arena::stack_range();
        StackBounds {
            low: stack.start,
            high: stack.end,
        }
    }

    fn ticks(&self) -> u64 {
        let ticks: u64;
        // SAFETY: reading the virtual counter has no side effects; the isb
        // keeps the read from being hoisted above earlier instructions.
        unsafe { asm!("isb", "mrs {}, cntvct_el0", out(reg) ticks, options(nomem, nostack)) };
        ticks
    }

    fn tick_hz(&self) -> u64 {
        let hz: u64;
        // SAFETY: reading CNTFRQ_EL0 has no side effects.
        unsafe { asm!("mrs {}, cntfrq_el0", out(reg) hz, options(nomem, nostack)) };
        hz
    }
}
