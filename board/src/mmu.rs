//! Identity-mapped translation tables (aarch64-paging), caches on.
//!
//! Why the MMU is on before any guest runs: with it off every access is
//! Device memory and an unaligned Wasm load faults. RAM is Normal
//! write-back cacheable; the low 1 GiB (UART, GIC, ...) is Device-nGnRE.
//! Nothing in RAM is executable except the firmware's `.text`; the code arena
//! starts read-write and `Platform::protect` flips pages of it to
//! read+execute once code is written (W^X).

use crate::arena;
use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{ReadWriteable, Writeable, MAIR_EL1, SCTLR_EL1, TCR_EL1};
use aarch64_paging::descriptor::El1Attributes as A;
use aarch64_paging::idmap::IdMap;
use aarch64_paging::paging::{Constraints, El1And0, MemoryRegion};
use basalt_platform::{MapError, Protection};
use core::arch::asm;
use core::ops::Range;
use spin::Mutex;

/// Mapping granule: 4 KiB pages (2 MiB blocks where a region allows).
pub const PAGE_SIZE: usize = 4096;

/// 39-bit virtual addresses: one level-1 root table covers 512 GiB.
const VA_BITS: u64 = 39;
const ROOT_LEVEL: usize = 1;
const ASID: usize = 0;

/// MAIR_EL1 index 0: Device-nGnRE; index 1: Normal write-back RW-allocate.
const DEVICE: A = A::VALID
    .union(A::ACCESSED)
    .union(A::ATTRIBUTE_INDEX_0)
    .union(A::UXN)
    .union(A::PXN);
const NORMAL: A = A::VALID
    .union(A::ACCESSED)
    .union(A::ATTRIBUTE_INDEX_1)
    .union(A::INNER_SHAREABLE);
const NEVER_EXECUTE: A = A::UXN.union(A::PXN);
const RW: A = NORMAL.union(NEVER_EXECUTE);
const RO: A = NORMAL.union(A::READ_ONLY).union(NEVER_EXECUTE);
const RX: A = NORMAL.union(A::READ_ONLY).union(A::UXN);

/// Start of RAM on QEMU virt; below it is MMIO.
const DEVICE_RANGE: Range<usize> = 0..0x4000_0000;

/// The live tables. `protect` takes the lock; exception handlers never do.
static TABLES: Mutex<Option<IdMap<El1And0>>> = Mutex::new(None);

/// Build the identity map, program MAIR/TCR/TTBR0 and turn on the MMU and
/// caches. Needs the heap (tables are allocated) and runs once from `main`.
pub fn init() {
    let mut map = IdMap::with_asid(ASID, ROOT_LEVEL, El1And0);
    let text = arena::text_range();
    let rodata = arena::rodata_range();
    let no_blocks = Constraints::NO_BLOCK_MAPPINGS;
    let steps: [(Range<usize>, A, Constraints); 5] = [
        // Page granularity from the start: live blocks cannot be split
        // without break-before-make, so `protect` must only touch pages.
        // First, because aarch64-paging keeps an existing block that already
        // has the requested flags instead of splitting it.
        (arena::code_range(), RW, no_blocks),
        (DEVICE_RANGE, DEVICE, Constraints::empty()),
        (arena::ram_range(), RW, Constraints::empty()),
        (text, RX, Constraints::empty()),
        (rodata, RO, Constraints::empty()),
    ];
    for (range, flags, constraints) in steps {
        map.map_range_with_constraints(&region(&range), flags, constraints)
            .expect("boot mappings fit the 39-bit address space");
    }
    for guard in arena::guard_ranges() {
        map.map_range_with_constraints(&region(&guard), A::empty(), no_blocks)
            .expect("guard pages fit the address space");
    }

    MAIR_EL1.write(
        MAIR_EL1::Attr0_Device::nonGathering_nonReordering_EarlyWriteAck
            + MAIR_EL1::Attr1_Normal_Outer::WriteBack_NonTransient_ReadWriteAlloc
            + MAIR_EL1::Attr1_Normal_Inner::WriteBack_NonTransient_ReadWriteAlloc,
    );
    TCR_EL1.write(
        TCR_EL1::T0SZ.val(64 - VA_BITS)
            + TCR_EL1::TG0::KiB_4
            + TCR_EL1::SH0::Inner
            + TCR_EL1::IRGN0::WriteBack_ReadAlloc_WriteAlloc_Cacheable
            + TCR_EL1::ORGN0::WriteBack_ReadAlloc_WriteAlloc_Cacheable
            + TCR_EL1::EPD1::DisableTTBR1Walks
            + TCR_EL1::IPS::Bits_40,
    );
    barrier::isb(barrier::SY);
    // SAFETY: the map covers everything the firmware touches (all RAM, MMIO)
    // with identity addresses, so execution continues unchanged; the tables
    // live in the heap and are kept alive in TABLES for the program's life.
    unsafe { map.activate() };
    invalidate_tlb();
    SCTLR_EL1.modify(
        SCTLR_EL1::M::Enable
            + SCTLR_EL1::C::Cacheable
            + SCTLR_EL1::I::Cacheable
            + SCTLR_EL1::A::Disable
            + SCTLR_EL1::WXN::Disable,
    );
    barrier::isb(barrier::SY);
    *TABLES.lock() = Some(map);
}

/// Change the protection of whole pages inside the code arena.
pub fn protect(addr: usize, len: usize, prot: Protection) -> Result<(), MapError> {
    if prot.write && prot.execute {
        return Err(MapError::Unsupported);
    }
    if !addr.is_multiple_of(PAGE_SIZE) || !len.is_multiple_of(PAGE_SIZE) {
        return Err(MapError::Misaligned);
    }
    let code = arena::code_range();
    let end = addr.checked_add(len).ok_or(MapError::OutOfRange)?;
    if addr < code.start || end > code.end {
        return Err(MapError::OutOfRange);
    }
    if len == 0 {
        return Ok(());
    }
    // AArch64 has no write-only or execute-only EL1 pages: write implies
    // read, execute implies read.
    let (set, clear) = if !(prot.read || prot.write || prot.execute) {
        (A::empty(), A::VALID)
    } else if prot.write {
        (A::VALID | NEVER_EXECUTE, A::READ_ONLY)
    } else if prot.execute {
        (A::VALID | A::READ_ONLY | A::UXN, A::PXN)
    } else {
        (A::VALID | A::READ_ONLY | NEVER_EXECUTE, A::empty())
    };
    let mut tables = TABLES.lock();
    let map = tables.as_mut().ok_or(MapError::Unsupported)?;
    map.modify_range(&region(&(addr..end)), &|_, desc| {
        desc.modify_flags(set, clear)
    })
    .map_err(|_| MapError::Unsupported)?;
    // aarch64-paging already invalidated each page; flush the whole EL1
    // TLB as well so no stale permission survives, whatever the crate does.
    invalidate_tlb();
    Ok(())
}

fn region(range: &Range<usize>) -> MemoryRegion {
    MemoryRegion::new(range.start, range.end)
}

/// `dsb ishst; tlbi vmalle1; dsb ish; isb`.
fn invalidate_tlb() {
    // SAFETY: TLB maintenance and barriers only drop cached translations;
    // the tables they are refetched from are valid.
    unsafe {
        asm!(
            "dsb ishst",
            "tlbi vmalle1",
            "dsb ish",
            "isb",
            options(nostack)
        )
    };
}
