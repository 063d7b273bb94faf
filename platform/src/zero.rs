//! Zeroing large buffers fast: a fresh linear memory (64 KiB a page) and
//! fresh page tables must read as zero, and `core`'s `write_bytes` on
//! `aarch64-unknown-none` lowers to a word-at-a-time `memset` (about three
//! instructions per 8 bytes, ~24,600 for one Wasm page). 128-bit
//! store-pair stores cut that eightfold; they are plain aligned stores, so
//! they are valid on every memory type, MMU on or off. On Normal memory
//! [`zero_normal`] uses `dc zva` instead, one instruction per cache-line
//! sized block (it faults on Device memory, so callers must know).

/// Set `len` bytes at `dst` to zero.
///
/// # Safety
/// `dst..dst + len` must be valid for writes.
pub unsafe fn zero(dst: *mut u8, len: usize) {
    #[cfg(target_arch = "aarch64")]
    {
        const BLOCK: usize = 128;
        let head = dst.align_offset(16).min(len);
        // SAFETY: the first `head` bytes are in the caller's range.
        unsafe { core::ptr::write_bytes(dst, 0, head) };
        let body = (len - head) / BLOCK * BLOCK;
        if body > 0 {
            // SAFETY: `dst + head` is 16-byte aligned and `body` bytes
            // from it lie in the caller's range; the loop writes exactly
            // `body` bytes (a multiple of 128) and touches only the
            // registers named.
            unsafe {
                core::arch::asm!(
                    "movi v0.2d, #0",
                    "2:",
                    "stp q0, q0, [{p}]",
                    "stp q0, q0, [{p}, #32]",
                    "stp q0, q0, [{p}, #64]",
                    "stp q0, q0, [{p}, #96]",
                    "add {p}, {p}, #128",
                    "subs {n}, {n}, #128",
                    "b.ne 2b",
                    p = inout(reg) dst.add(head) => _,
                    n = inout(reg) body => _,
                    out("v0") _,
                    options(nostack),
                )
            };
        }
        // SAFETY: the rest of the caller's range.
        unsafe { core::ptr::write_bytes(dst.add(head + body), 0, len - head - body) };
    }
    #[cfg(not(target_arch = "aarch64"))]
    // SAFETY: as the caller promises.
    unsafe {
        core::ptr::write_bytes(dst, 0, len)
    };
}

/// Like [`zero`], but with `dc zva` where the core allows it.
///
/// # Safety
/// As [`zero`], and the range must be Normal memory (with the MMU on, RAM
/// as the board maps it; `dc zva` faults on Device memory).
pub unsafe fn zero_normal(dst: *mut u8, len: usize) {
    #[cfg(target_arch = "aarch64")]
    {
        let dczid: u64;
        // SAFETY: reading DCZID_EL0 has no side effects and is allowed at EL0/EL1.
        unsafe { core::arch::asm!("mrs {}, dczid_el0", out(reg) dczid, options(nomem, nostack)) };
        // DZP (bit 4) prohibits `dc zva`; BS (bits 3:0) is log2 of the
        // block size in 4-byte words.
        let block = 4usize << (dczid & 0xf);
        if dczid & 0x10 == 0 && block <= 2048 {
            let head = dst.align_offset(block).min(len);
            // SAFETY: the first `head` bytes are in the caller's range.
            unsafe { zero(dst, head) };
            // Four blocks per iteration, so the loop overhead is small
            // next to the zeroing; the remainder goes to `zero`.
            let groups = (len - head) / (4 * block);
            let blocks = groups * 4;
            if groups > 0 {
                // SAFETY: `dst + head` is block-aligned and the `blocks`
                // whole blocks from it lie in the caller's Normal-memory
                // range; only the registers named are touched.
                unsafe {
                    core::arch::asm!(
                        "2:",
                        "dc zva, {p}",
                        "add {p}, {p}, {b}",
                        "dc zva, {p}",
                        "add {p}, {p}, {b}",
                        "dc zva, {p}",
                        "add {p}, {p}, {b}",
                        "dc zva, {p}",
                        "add {p}, {p}, {b}",
                        "subs {n}, {n}, #1",
                        "b.ne 2b",
                        p = inout(reg) dst.add(head) => _,
                        n = inout(reg) groups => _,
                        b = in(reg) block,
                        options(nostack),
                    )
                };
            }
            let done = head + blocks * block;
            // SAFETY: the rest of the caller's range.
            unsafe { zero(dst.add(done), len - done) };
            return;
        }
    }
    // SAFETY: as the caller promises.
    unsafe { zero(dst, len) };
}
