//! Translation tables (aarch64-paging), caches on: an identity map of RAM and
//! MMIO plus guard-page reservations high in a 48-bit address space.
//!
//! Why the MMU is on before any guest runs: with it off every access is
//! Device memory and an unaligned Wasm load faults. RAM is Normal
//! write-back cacheable; the machine's MMIO (`machine::DEVICE_RANGES`) is
//! Device-nGnRE; everything else is unmapped.
//! Nothing in RAM is executable except the firmware's `.text`; the code arena
//! starts read-write and `Platform::protect` flips pages of it to
//! read+execute once code is written (W^X).
//!
//! Guard-mode linear memories live in reservations from [`vaspace`]: address
//! space with nothing mapped, so every access faults, into which
//! [`map`] puts pages of the memory arena (aliases of their identity
//! mapping) as the memory grows. One table hierarchy holds both, so there is
//! no TTBR switching and the exception vectors see the same map.

use crate::vaspace::Reservations;
use crate::{arena, heap, machine};
use aarch64_cpu::registers::TCR_EL1;
use aarch64_paging::descriptor::{El1Attributes as A, PhysicalAddress};
use aarch64_paging::idmap::IdTranslation;
use aarch64_paging::paging::{Constraints, El1And0, MemoryRegion, VaRange};
use aarch64_paging::Mapping;
use alloc::vec::Vec;
use basalt_platform::{MapError, Protection};
use core::arch::asm;
use core::ops::Range;
use spin::Mutex;

/// Mapping granule: 4 KiB pages (2 MiB blocks where a region allows).
pub const PAGE_SIZE: usize = 4096;

/// 48-bit virtual addresses (TCR_EL1.T0SZ = 16): a level-0 root table covers
/// 256 TiB, room for thousands of 10 GiB guard reservations.
const VA_BITS: u64 = 48;
const ROOT_LEVEL: usize = 0;
const ASID: usize = 0;

/// MAIR_EL1 index 0: Device-nGnRE; index 1: Normal write-back RW-allocate
/// (programmed by boot.rs, whose boot map uses the same indices).
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

/// Heap kept free beyond the worst-case table estimate of a mapping, for
/// the allocator's own fragmentation and for everything else that allocates.
const HEAP_HEADROOM: usize = 256 * 1024;

/// Identity translation: page tables live in the identity-mapped heap, so
/// their physical address is their address.
type Tables = Mapping<IdTranslation<A>, El1And0>;

/// Everything the MMU owns, under one lock so a reservation check and the
/// table edit it guards cannot interleave. Exception and interrupt handlers
/// never take it.
struct State {
    tables: Tables,
    reservations: Reservations,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

/// Build the identity map and switch to it from boot.rs's boot map. Needs
/// the heap (tables are allocated) and runs once from `main`.
pub fn init() {
    let mut tables = Tables::with_asid_and_va_range(
        IdTranslation::new(),
        ASID,
        ROOT_LEVEL,
        El1And0,
        VaRange::Lower,
    );
    let text = arena::text_range();
    let rodata = arena::rodata_range();
    let no_blocks = Constraints::NO_BLOCK_MAPPINGS;
    // Page granularity for the code arena from the start: live blocks
    // cannot be split without break-before-make, so `protect` must only
    // touch pages. First, because aarch64-paging keeps an existing block
    // that already has the requested flags instead of splitting it.
    let mut steps: Vec<(Range<usize>, A, Constraints)> =
        alloc::vec![(arena::code_range(), RW, no_blocks)];
    steps.extend(
        machine::DEVICE_RANGES
            .iter()
            .map(|range| (range.clone(), DEVICE, Constraints::empty())),
    );
    steps.extend([
        (arena::ram_range(), RW, Constraints::empty()),
        (text, RX, Constraints::empty()),
        (rodata, RO, Constraints::empty()),
    ]);
    for (range, flags, constraints) in steps {
        identity(&mut tables, &range, flags, constraints)
            .expect("boot mappings fit the 48-bit address space");
    }
    for guard in arena::guard_ranges() {
        identity(&mut tables, &guard, A::empty(), no_blocks)
            .expect("guard pages fit the address space");
    }

    let tcr = TCR_EL1::T0SZ.val(64 - VA_BITS)
        + TCR_EL1::TG0::KiB_4
        + TCR_EL1::SH0::Inner
        + TCR_EL1::IRGN0::WriteBack_ReadAlloc_WriteAlloc_Cacheable
        + TCR_EL1::ORGN0::WriteBack_ReadAlloc_WriteAlloc_Cacheable
        + TCR_EL1::EPD1::DisableTTBR1Walks
        + TCR_EL1::IPS::Bits_40;
    // ASID 0 in TTBR0's top bits.
    let ttbr = tables.root_address().0 as u64;
    // The boot map (boot.rs) is live and uses 1 GiB blocks; the new one
    // splits them. Changing block sizes under a live MMU needs
    // break-before-make, so the switch runs with the MMU off, in one asm
    // block that touches registers only: no Rust code runs with memory as
    // Device (where an unaligned access faults) or with caches bypassed.
    // One asm block, not aarch64-cpu's register writes: nothing may touch
    // memory between turning the MMU off and on again.
    // SAFETY: the new map covers everything the firmware touches (all RAM,
    // MMIO) with identity addresses and the same memory attributes, so
    // execution continues unchanged; the tables live in the heap and are
    // kept alive in STATE for the program's life.
    unsafe {
        asm!(
            "mrs {on}, sctlr_el1",
            "bic {off}, {on}, #1",
            "msr sctlr_el1, {off}",
            "isb",
            "msr ttbr0_el1, {ttbr}",
            "msr tcr_el1, {tcr}",
            "isb",
            "tlbi vmalle1",
            "dsb ish",
            "isb",
            "msr sctlr_el1, {on}",
            "isb",
            on = out(reg) _,
            off = out(reg) _,
            ttbr = in(reg) ttbr,
            tcr = in(reg) tcr.value,
            options(nostack),
        );
    }
    tables.mark_active();
    *STATE.lock() = Some(State {
        tables,
        reservations: Reservations::new(),
    });
}

/// Map `range` onto the same physical addresses.
fn identity(
    tables: &mut Tables,
    range: &Range<usize>,
    flags: A,
    constraints: Constraints,
) -> Result<(), aarch64_paging::MapError> {
    tables.map_range(
        &region(range),
        PhysicalAddress(range.start),
        flags,
        constraints,
    )
}

/// Change the protection of whole pages inside the code arena.
pub fn protect(addr: usize, len: usize, prot: Protection) -> Result<(), MapError> {
    if prot.write && prot.execute {
        return Err(MapError::Unsupported);
    }
    let range = page_range(addr, len)?;
    let code = arena::code_range();
    if range.start < code.start || range.end > code.end {
        return Err(MapError::OutOfRange);
    }
    if range.is_empty() {
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
    let mut state = STATE.lock();
    let state = state.as_mut().ok_or(MapError::Unsupported)?;
    state
        .tables
        .modify_range(&region(&range), &|_, desc| desc.modify_flags(set, clear))
        .map_err(|_| MapError::Unsupported)?;
    // aarch64-paging already invalidated each page; flush the whole EL1
    // TLB as well so no stale permission survives, whatever the crate does.
    invalidate_tlb();
    Ok(())
}

/// Reserve `len` bytes of unmapped address space; returns its start
/// (aligned to at least 2 MiB, see [`vaspace`]).
pub fn reserve(len: usize) -> Result<usize, MapError> {
    if len == 0 {
        return Err(MapError::OutOfRange);
    }
    let mut state = STATE.lock();
    let state = state.as_mut().ok_or(MapError::Unsupported)?;
    state
        .reservations
        .reserve(len)
        .map(|range| range.start)
        .ok_or(MapError::NoMemory)
}

/// Map `addr..addr + len` (inside one reservation) onto the memory arena's
/// pages `backing..backing + len` as Normal write-back memory, never
/// executable: the backing pages stay mapped read-write at their identity
/// address, so an executable alias would break W^X. Pages already mapped in
/// the range are unmapped first (break-before-make), so remapping onto new
/// backing is safe while the tables are live.
pub fn map(addr: usize, backing: usize, len: usize, prot: Protection) -> Result<(), MapError> {
    if prot.execute {
        return Err(MapError::Unsupported);
    }
    if !(prot.read || prot.write) {
        // No access is what a reservation is without a mapping.
        return unmap(addr, len);
    }
    let flags = if prot.write { RW } else { RO };
    let range = page_range(addr, len)?;
    let backing_range = page_range(backing, len)?;
    let arena = arena::memory_range();
    if backing_range.start < arena.start || backing_range.end > arena.end {
        return Err(MapError::OutOfRange);
    }
    let mut state = STATE.lock();
    let state = state.as_mut().ok_or(MapError::Unsupported)?;
    state
        .reservations
        .containing(&range)
        .ok_or(MapError::OutOfRange)?;
    if range.is_empty() {
        return Ok(());
    }
    if heap::free_bytes() < table_bytes_needed(&range) + HEAP_HEADROOM {
        return Err(MapError::NoMemory);
    }
    clear_mapped(&mut state.tables, &range)?;
    state
        .tables
        .map_range(
            &region(&range),
            PhysicalAddress(backing),
            flags,
            // Pages only: a later `unmap` of part of the range must never
            // have to split a live block.
            Constraints::NO_BLOCK_MAPPINGS,
        )
        .map_err(|_| MapError::Unsupported)
}

/// Unmap `addr..addr + len` (inside one reservation): it faults again. When
/// the whole reservation is then unmapped, its page tables are freed too.
pub fn unmap(addr: usize, len: usize) -> Result<(), MapError> {
    let range = page_range(addr, len)?;
    let mut state = STATE.lock();
    let state = state.as_mut().ok_or(MapError::Unsupported)?;
    let reservation = state
        .reservations
        .containing(&range)
        .ok_or(MapError::OutOfRange)?;
    if range.is_empty() {
        return Ok(());
    }
    clear_mapped(&mut state.tables, &range)?;
    if mapped_runs(&state.tables, &reservation)?.is_empty() {
        // Nothing left in the reservation: unmapping all of it replaces the
        // table descriptors of whole blocks inside it by invalid ones and
        // frees those tables (with the TLB maintenance a live table needs).
        unmap_range(&mut state.tables, &reservation)?;
    }
    Ok(())
}

/// Unmap everything in the reservation that starts at `addr` (at least
/// `len` long), free its page tables and return its address space.
pub fn release(addr: usize, len: usize) -> Result<(), MapError> {
    let mut state = STATE.lock();
    let state = state.as_mut().ok_or(MapError::Unsupported)?;
    let reservation = state
        .reservations
        .containing(&(addr..addr.checked_add(len).ok_or(MapError::OutOfRange)?))
        .filter(|r| r.start == addr)
        .ok_or(MapError::OutOfRange)?;
    clear_mapped(&mut state.tables, &reservation)?;
    // As in `unmap`: invalid descriptors over whole blocks free the tables.
    unmap_range(&mut state.tables, &reservation)?;
    state.reservations.release(addr);
    Ok(())
}

/// Bytes of guard-reservation address space taken now.
pub fn reserved_bytes() -> usize {
    STATE
        .lock()
        .as_ref()
        .map_or(0, |s| s.reservations.reserved_bytes())
}

/// Unmap every mapped page in `range`, touching only descriptors that are
/// valid: unmapping an unmapped stretch that does not cover whole blocks
/// would make aarch64-paging allocate empty tables for it.
fn clear_mapped(tables: &mut Tables, range: &Range<usize>) -> Result<(), MapError> {
    for run in mapped_runs(tables, range)? {
        unmap_range(tables, &run)?;
    }
    Ok(())
}

/// Replace the descriptors of `range` by invalid ones. aarch64-paging does
/// the TLB maintenance a live table needs: it invalidates every leaf in the
/// range by VA (inner shareable) and waits for completion, and invalidates
/// freed subtables before it frees them.
fn unmap_range(tables: &mut Tables, range: &Range<usize>) -> Result<(), MapError> {
    // The physical address is ignored for invalid descriptors; passing the
    // VA keeps the crate's block-alignment arithmetic in range.
    tables
        .map_range(
            &region(range),
            PhysicalAddress(range.start),
            A::empty(),
            Constraints::empty(),
        )
        .map_err(|_| MapError::Unsupported)
}

/// The maximal runs of mapped (valid leaf) addresses inside `range`.
fn mapped_runs(tables: &Tables, range: &Range<usize>) -> Result<Vec<Range<usize>>, MapError> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut oom = false;
    tables
        .walk_range(&region(range), &mut |chunk, desc, _level| {
            if !desc.is_valid() {
                return Ok(());
            }
            let start = chunk.start().0.max(range.start);
            let end = chunk.end().0.min(range.end);
            match runs.last_mut() {
                Some(last) if last.end == start => last.end = end,
                _ => {
                    if runs.try_reserve(1).is_err() {
                        oom = true;
                        return Err(());
                    }
                    runs.push(start..end);
                }
            }
            Ok(())
        })
        .map_err(|_| {
            if oom {
                MapError::NoMemory
            } else {
                MapError::Unsupported
            }
        })?;
    Ok(runs)
}

/// Upper bound of the table memory mapping `range` with pages may need: one
/// table per 2 MiB (level 3), per 1 GiB (level 2) and per 512 GiB (level 1)
/// the range touches.
fn table_bytes_needed(range: &Range<usize>) -> usize {
    let touched = |granule: usize| (range.end.div_ceil(granule)) - range.start / granule;
    (touched(2 << 20) + touched(1 << 30) + touched(512 << 30)) * PAGE_SIZE
}

/// `addr..addr + len` if both are page-aligned and it does not wrap.
fn page_range(addr: usize, len: usize) -> Result<Range<usize>, MapError> {
    if !addr.is_multiple_of(PAGE_SIZE) || !len.is_multiple_of(PAGE_SIZE) {
        return Err(MapError::Misaligned);
    }
    let end = addr.checked_add(len).ok_or(MapError::OutOfRange)?;
    Ok(addr..end)
}

fn region(range: &Range<usize>) -> MemoryRegion {
    MemoryRegion::new(range.start, range.end)
}

/// `dsb ishst; tlbi vmalle1; dsb ish; isb`, as one asm block (aarch64-cpu
/// has no TLB maintenance instructions).
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
