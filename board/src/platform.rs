//! `BoardPlatform`: what the Basalt runtime needs from this board (the same
//! on every machine; what differs lives in `machine`).

use crate::{arena, mmu, timer};
use aarch64_cpu::asm::barrier::{self, ISH, SY};
use aarch64_cpu::registers::{Readable, CNTFRQ_EL0, CNTVCT_EL0};
use basalt_platform::{DeviceError, MapError, Platform, Protection, StackBounds};
use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering};

/// The board. Stateless: the page tables and regions it works on are the
/// firmware's globals, so one `&'static` value serves every store.
pub struct BoardPlatform;

impl Platform for BoardPlatform {
    fn page_size(&self) -> usize {
        mmu::PAGE_SIZE
    }

    /// The MMU is on from boot (boot.rs, mmu.rs).
    fn has_mmu(&self) -> bool {
        true
    }

    /// Unmapped address space from the reservation window above 16 TiB
    /// (see `vaspace`): 2 MiB aligned, or 1 GiB aligned from 1 GiB up.
    /// `NoMemory` once the window is used up.
    fn reserve(&self, len: usize) -> Result<usize, MapError> {
        mmu::reserve(len)
    }

    /// Page-granular, inside one reservation, onto pages of the memory
    /// arena; Normal write-back, never executable (an executable alias of
    /// writable arena pages would break W^X).
    fn map(
        &self,
        addr: usize,
        backing: usize,
        len: usize,
        prot: Protection,
    ) -> Result<(), MapError> {
        mmu::map(addr, backing, len, prot)
    }

    /// Real within the code arena (page granularity); W+X is refused.
    fn protect(&self, addr: usize, len: usize, prot: Protection) -> Result<(), MapError> {
        mmu::protect(addr, len, prot)
    }

    /// Page-granular, inside one reservation; unmapped pages are skipped.
    fn unmap(&self, addr: usize, len: usize) -> Result<(), MapError> {
        mmu::unmap(addr, len)
    }

    /// Unmaps what is left, frees the reservation's page tables and puts
    /// its address space back in the window.
    fn release(&self, addr: usize, len: usize) -> Result<(), MapError> {
        mmu::release(addr, len)
    }

    /// The EL1 virtual timer through the machine's interrupt controller;
    /// `period` in `ticks()` units.
    /// `InvalidArgument` for a zero period.
    fn start_epoch_timer(&self, period: u64) -> Result<(), DeviceError> {
        if period == 0 {
            return Err(DeviceError::InvalidArgument);
        }
        timer::start(period).map_err(|_| DeviceError::Unsupported)
    }

    /// The EL1 physical timer through the GIC; `period` in `ticks()`
    /// units, 0 stops it.
    fn start_sampling_timer(&self, period: u64) -> Result<(), DeviceError> {
        timer::start_sampling(period).map_err(|_| DeviceError::Unsupported)
    }

    fn sync_icache(&self, addr: usize, len: usize) {
        if len == 0 {
            return;
        }
        let ctr: u64;
        // aarch64-cpu 11.2 has no CTR_EL0, nor the `dc cvau`/`ic ivau`
        // cache operations below: those stay raw instructions.
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
        barrier::dsb(ISH);
        let mut line = addr & !(iline - 1);
        while line < end {
            // SAFETY: invalidating instruction cache lines only forces a
            // refetch; the address is mapped.
            unsafe { asm!("ic ivau, {}", in(reg) line, options(nostack)) };
            line += iline;
        }
        barrier::dsb(ISH);
        barrier::isb(SY);
    }

    fn stack_bounds(&self) -> StackBounds {
        let stack = arena::stack_range();
        StackBounds {
            low: stack.start,
            high: stack.end,
        }
    }

    /// The unmapped pages the linker script puts below the main stack;
    /// exceptions run on their own stack (`SP_EL1`, see `boot.rs`).
    fn stack_guard(&self) -> usize {
        arena::stack_guard_range().len()
    }

    fn ticks(&self) -> u64 {
        // The isb keeps the read from being hoisted above earlier instructions.
        barrier::isb(SY);
        CNTVCT_EL0.get()
    }

    fn tick_hz(&self) -> u64 {
        CNTFRQ_EL0.get()
    }

    /// Straight to the PL011, byte for byte.
    fn console_write(&self, bytes: &[u8]) {
        crate::console::write_bytes(bytes);
    }

    /// NOT cryptographic: QEMU `virt` with a Cortex-A72 has no RNG device
    /// or `RNDR` (and the Pi 3's RNG is not driven), so this is SplitMix64 over a state that mixes in
    /// `CNTVCT_EL0` on every call. Good for hash seeds and tests of a
    /// development board (and repeatable under `-icount`); a product board
    /// must back this with a hardware TRNG.
    fn random(&self, buf: &mut [u8]) -> Result<(), DeviceError> {
        static STATE: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);
        let mut x = STATE.load(Ordering::Relaxed) ^ self.ticks().rotate_left(32);
        for chunk in buf.chunks_mut(8) {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
        STATE.store(x, Ordering::Relaxed);
        Ok(())
    }
}
