//! Access to the guest's linear memory by WASI pointer: every access is
//! bounds-checked and fails with `EFAULT`, never a panic. Values are
//! little-endian and may be unaligned (the ABI does not promise alignment
//! to a host reading bytes).

use super::errno::Errno;

/// `len` bytes at guest address `ptr`.
pub fn bytes(mem: &[u8], ptr: u32, len: u32) -> Result<&[u8], Errno> {
    let start = ptr as usize;
    mem.get(start..start + len as usize).ok_or(Errno::FAULT)
}

/// `len` writable bytes at guest address `ptr`.
pub fn bytes_mut(mem: &mut [u8], ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
    let start = ptr as usize;
    mem.get_mut(start..start + len as usize).ok_or(Errno::FAULT)
}

/// A `u32` at `ptr`.
pub fn read_u32(mem: &[u8], ptr: u32) -> Result<u32, Errno> {
    let b = bytes(mem, ptr, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Store `value` at `ptr`.
pub fn write_u32(mem: &mut [u8], ptr: u32, value: u32) -> Result<(), Errno> {
    bytes_mut(mem, ptr, 4)?.copy_from_slice(&value.to_le_bytes());
    Ok(())
}

/// Store `value` at `ptr`.
pub fn write_u64(mem: &mut [u8], ptr: u32, value: u64) -> Result<(), Errno> {
    bytes_mut(mem, ptr, 8)?.copy_from_slice(&value.to_le_bytes());
    Ok(())
}

/// Most iovecs one call may pass (Linux's `IOV_MAX`).
pub const MAX_IOVS: u32 = 1024;

/// The `(buf, buf_len)` pairs of an `iovec`/`ciovec` array of `count`
/// entries at `ptr` (8 bytes each: two `u32`). More than [`MAX_IOVS`] is
/// `EINVAL`, as on Linux, so no guest can make a call loop for long.
pub fn iovecs(
    mem: &[u8],
    ptr: u32,
    count: u32,
) -> Result<impl Iterator<Item = Result<(u32, u32), Errno>> + '_, Errno> {
    if count > MAX_IOVS {
        return Err(Errno::INVAL);
    }
    Ok((0..count).map(move |i| {
        let at = i
            .checked_mul(8)
            .and_then(|off| ptr.checked_add(off))
            .ok_or(Errno::FAULT)?;
        let len_at = at.checked_add(4).ok_or(Errno::FAULT)?;
        Ok((read_u32(mem, at)?, read_u32(mem, len_at)?))
    }))
}
