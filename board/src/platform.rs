//! `VirtPlatform`: what the Basalt runtime needs from this board.

use crate::{arena, mmu, timer};
use basalt_platform::{MapError, Platform, Protection, StackBounds};
use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering};

/// The QEMU `virt` board. Stateless: the page tables and regions it works on
/// are the firmware's globals, so one `&'static` value serves every store.
pub struct VirtPlatform;

impl Platform for VirtPlatform {
    fn page_size(&self) -> usize {
        mmu::PAGE_SIZE
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

    /// The EL1 virtual timer through the GIC; `period` in `ticks()` units.
    /// `OutOfRange` for a zero period.
    fn start_epoch_timer(&self, period: u64) -> Result<(), MapError> {
        if period == 0 {
            return Err(MapError::OutOfRange);
        }
        timer::start(period).map_err(|_| MapError::Unsupported)
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

    /// Straight to the PL011, byte for byte.
    fn console_write(&self, bytes: &[u8]) {
        crate::console::write_bytes(bytes);
    }

    /// NOT cryptographic: QEMU `virt` with a Cortex-A72 has no RNG device
    /// or `RNDR`, so this is SplitMix64 over a state that mixes in
    /// `CNTVCT_EL0` on every call. Good for hash seeds and tests of a
    /// development board (and repeatable under `-icount`); a product board
    /// must back this with a hardware TRNG.
    fn random(&self, buf: &mut [u8]) -> Result<(), MapError> {
        use core::sync::atomic::{AtomicU64, Ordering};
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

/// Length the runtime reserves per guard-mode memory: any 32-bit index plus
/// 32-bit offset plus access size stays inside.
const GUARD_RESERVATION: usize = (8 << 30) + (64 << 10);

/// Board self-test of guard-page memories, without the runtime: reserve,
/// map arena pages into reservations, access through both addresses,
/// unmap, and check every refusal `map` owes the runtime. Uses (and
/// overwrites) the first four pages of `arena`, which must be memory-arena
/// pages. Also checks that mapping and unmapping leaks no page tables.
#[expect(dead_code, reason = "wired into job.rs commands by its owner")]
pub fn self_test_guard(arena: &mut [u8]) -> Result<(), &'static str> {
    let platform = VirtPlatform;
    let page = mmu::PAGE_SIZE;
    let skip = arena.as_ptr().align_offset(page);
    let pages = arena
        .get_mut(skip..skip + 4 * page)
        .ok_or("arena smaller than four pages")?;
    let backing = pages.as_mut_ptr() as usize;

    let a = platform
        .reserve(GUARD_RESERVATION)
        .map_err(|_| "reserve failed")?;
    let b = platform
        .reserve(GUARD_RESERVATION)
        .map_err(|_| "second reserve failed")?;
    let (ra, rb) = (a..a + GUARD_RESERVATION, b..b + GUARD_RESERVATION);
    check(
        a % (64 << 10) == 0 && b % (64 << 10) == 0,
        "reservation not 64 KiB aligned",
    )?;
    check(
        ra.end <= rb.start || rb.end <= ra.start,
        "reservations overlap",
    )?;
    check(
        mmu::in_reservation_window(&ra) && mmu::in_reservation_window(&rb),
        "reservation outside the window (overlaps RAM or MMIO)",
    )?;
    check(
        mmu::translate(a).is_none() && mmu::translate(ra.end - page).is_none(),
        "fresh reservation is accessible",
    )?;

    // Refusals.
    let rw = Protection::READ_WRITE;
    let wx = Protection {
        read: true,
        write: true,
        execute: true,
    };
    let refusals = [
        (platform.map(a + 8, backing, page, rw), MapError::Misaligned),
        (platform.map(a, backing + 8, page, rw), MapError::Misaligned),
        (platform.map(a, backing, page / 2, rw), MapError::Misaligned),
        (
            platform.map(a - page, backing, 2 * page, rw),
            MapError::OutOfRange,
        ),
        (
            platform.map(0x5000_0000, backing, page, rw),
            MapError::OutOfRange,
        ),
        (
            platform.map(a, arena::text_range().start, page, rw),
            MapError::OutOfRange,
        ),
        (platform.map(a, backing, page, wx), MapError::Unsupported),
        (platform.unmap(0x5000_0000, page), MapError::OutOfRange),
    ];
    for (result, expected) in refusals {
        check(result == Err(expected), "map accepted a bad request")?;
    }
    check(mmu::translate(a).is_none(), "a refused map left a mapping")?;

    // One backing page at the bottom and the top of reservation `a`.
    let top = ra.end - page;
    platform
        .map(a, backing, page, rw)
        .map_err(|_| "map failed")?;
    platform
        .map(top, backing, page, rw)
        .map_err(|_| "map at the top failed")?;
    check(
        mmu::translate(a) == Some(backing) && mmu::translate(top) == Some(backing),
        "mapping does not reach the backing page",
    )?;
    // SAFETY: `a` and `top` map the arena page `pages[..page]` read-write
    // (checked just above); the accesses are aligned and within it, and no
    // reference to `pages` is used while they happen.
    unsafe {
        (a as *mut u64).write_volatile(0x0123_4567_89ab_cdef);
        check(
            (backing as *const u64).read_volatile() == 0x0123_4567_89ab_cdef,
            "write through the reservation not seen at the backing page",
        )?;
        (backing as *mut u64).add(1).write_volatile(0x5a5a_a5a5);
        check(
            (top as *const u64).add(1).read_volatile() == 0x5a5a_a5a5,
            "write to the backing page not seen through the reservation",
        )?;
    }
    platform.unmap(a, page).map_err(|_| "unmap failed")?;
    check(
        mmu::translate(a).is_none(),
        "unmapped page still accessible",
    )?;
    check(
        mmu::translate(top) == Some(backing),
        "unmap removed a neighbour",
    )?;
    platform
        .unmap(top, page)
        .map_err(|_| "unmap at the top failed")?;
    check(
        mmu::translate(top).is_none(),
        "unmapped top page still accessible",
    )?;

    // Growth onto non-contiguous backing (pages 0 and 2), an unaligned access
    // across the seam, then shrink back to guard.
    let (first, third) = (backing, backing + 2 * page);
    platform
        .map(b, first, page, rw)
        .map_err(|_| "grow map failed")?;
    platform
        .map(b + page, third, page, rw)
        .map_err(|_| "second grow map failed")?;
    // SAFETY: b..b + 2 pages is mapped read-write onto arena pages 0 and 2
    // (just above); the 8-byte access straddles the two, which Normal memory
    // with SCTLR_EL1.A clear allows.
    unsafe { ((b + page - 4) as *mut u64).write_unaligned(0x1111_2222_3333_4444) };
    check(
        pages[page - 4..page] == 0x3333_4444u32.to_le_bytes()
            && pages[2 * page..2 * page + 4] == 0x1111_2222u32.to_le_bytes(),
        "access across non-contiguous backing pages went astray",
    )?;
    platform.unmap(b, 2 * page).map_err(|_| "shrink failed")?;
    check(
        mmu::translate(b).is_none() && mmu::translate(b + page).is_none(),
        "shrunk pages still accessible",
    )?;

    // No table leaks: a warm-up cycle, then many must leave the heap as is.
    let cycle = || -> Result<(), &'static str> {
        platform
            .map(a, first, 4 * page, rw)
            .map_err(|_| "cycle map failed")?;
        platform
            .unmap(a, 4 * page)
            .map_err(|_| "cycle unmap failed")
    };
    cycle()?;
    let before = crate::heap::free_bytes();
    for _ in 0..64 {
        cycle()?;
    }
    check(
        crate::heap::free_bytes() == before,
        "map/unmap leaks page tables",
    )?;
    Ok(())
}

/// Epoch ticks seen so far by [`self_test_timer`]'s hook.
static SELF_TEST_TICKS: AtomicU64 = AtomicU64::new(0);

fn count_tick() {
    SELF_TEST_TICKS.fetch_add(1, Ordering::Relaxed);
}

/// Board self-test of the epoch timer: registers a counting epoch hook
/// (replacing the runtime's, which must register again afterwards), starts
/// the timer with a 1 ms period, waits for 10 ticks with every general and
/// FP/SIMD register it can hold live checked across each interrupt, stops
/// the timer and returns the ticks counted (10, or 11 if one more arrived
/// before the stop).
#[expect(dead_code, reason = "wired into job.rs commands by its owner")]
pub fn self_test_timer() -> Result<u64, &'static str> {
    const WANTED: u64 = 10;
    let platform = VirtPlatform;
    basalt_platform::set_epoch_hook(count_tick);
    SELF_TEST_TICKS.store(0, Ordering::Relaxed);
    let hz = platform.tick_hz();
    let deadline = platform.ticks() + hz;
    platform
        .start_epoch_timer((hz / 1000).max(1))
        .map_err(|_| "start_epoch_timer failed")?;
    let mut result = Ok(());
    while SELF_TEST_TICKS.load(Ordering::Relaxed) < WANTED {
        match registers_survive_tick(deadline) {
            TickCheck::Survived => {}
            TickCheck::Clobbered => {
                result = Err("registers changed across the timer interrupt");
                break;
            }
            TickCheck::TimedOut => {
                result = Err("fewer than 10 epoch ticks within one second");
                break;
            }
        }
    }
    timer::stop();
    result.map(|()| SELF_TEST_TICKS.load(Ordering::Relaxed))
}

enum TickCheck {
    Survived,
    Clobbered,
    TimedOut,
}

/// Fill x3–x8, x10–x17, x20–x28 and v0–v31 with a pattern, spin until the
/// tick counter moves (an interrupt was taken inside this loop) or the
/// counter passes `deadline`, then compare every register with the pattern.
fn registers_survive_tick(deadline: u64) -> TickCheck {
    let seed = SELF_TEST_TICKS.load(Ordering::Relaxed);
    let counter = SELF_TEST_TICKS.as_ptr();
    let diff: u64;
    let arrived: u64;
    // SAFETY: the asm only reads the tick counter (a live, aligned u64) and
    // the virtual counter, and writes the registers it declares clobbered;
    // it uses no stack and returns through its outputs.
    unsafe {
        asm!(
            ".irp n, 3,4,5,6,7,8,10,11,12,13,14,15,16,17,20,21,22,23,24,25,26,27,28",
            "add x\\n, x9, #\\n",
            ".endr",
            ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
            "add x2, x9, #(100 + \\n)",
            "dup v\\n\\().2d, x2",
            ".endr",
            "2:",
            "ldr x2, [x0]",
            "cmp x2, x9",
            "b.ne 3f",
            "mrs x2, cntvct_el0",
            "cmp x2, x1",
            "b.lo 2b",
            "mov x1, #0",
            "b 4f",
            "3:",
            "mov x1, #1",
            "4:",
            "mov x0, #0",
            ".irp n, 3,4,5,6,7,8,10,11,12,13,14,15,16,17,20,21,22,23,24,25,26,27,28",
            "sub x2, x\\n, x9",
            "sub x2, x2, #\\n",
            "orr x0, x0, x2",
            ".endr",
            ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
            "umov x2, v\\n\\().d[0]",
            "sub x2, x2, x9",
            "sub x2, x2, #(100 + \\n)",
            "orr x0, x0, x2",
            "umov x2, v\\n\\().d[1]",
            "sub x2, x2, x9",
            "sub x2, x2, #(100 + \\n)",
            "orr x0, x0, x2",
            ".endr",
            inout("x0") counter => diff,
            inout("x1") deadline => arrived,
            in("x9") seed,
            out("x2") _, out("x3") _, out("x4") _, out("x5") _, out("x6") _,
            out("x7") _, out("x8") _, out("x10") _, out("x11") _, out("x12") _,
            out("x13") _, out("x14") _, out("x15") _, out("x16") _, out("x17") _,
            out("x20") _, out("x21") _, out("x22") _, out("x23") _, out("x24") _,
            out("x25") _, out("x26") _, out("x27") _, out("x28") _,
            out("v0") _, out("v1") _, out("v2") _, out("v3") _, out("v4") _,
            out("v5") _, out("v6") _, out("v7") _, out("v8") _, out("v9") _,
            out("v10") _, out("v11") _, out("v12") _, out("v13") _, out("v14") _,
            out("v15") _, out("v16") _, out("v17") _, out("v18") _, out("v19") _,
            out("v20") _, out("v21") _, out("v22") _, out("v23") _, out("v24") _,
            out("v25") _, out("v26") _, out("v27") _, out("v28") _, out("v29") _,
            out("v30") _, out("v31") _,
            options(nostack, readonly)
        )
    };
    match (arrived, diff) {
        (0, _) => TickCheck::TimedOut,
        (_, 0) => TickCheck::Survived,
        _ => TickCheck::Clobbered,
    }
}

fn check(ok: bool, message: &'static str) -> Result<(), &'static str> {
    if ok {
        Ok(())
    } else {
        Err(message)
    }
}
