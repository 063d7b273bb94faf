//! The descriptor functions with real behaviour: stdio on the platform
//! console, plus the answers libc's startup asks of every descriptor
//! (`fdstat`, `filestat`, "is it a preopen?").

use super::errno::{
    Errno, FILETYPE_CHARACTER_DEVICE, RIGHT_FD_FILESTAT_GET, RIGHT_FD_READ, RIGHT_FD_WRITE,
    RIGHT_POLL_FD_READWRITE,
};
use super::guest;
use super::{Args, Env, Outcome};
use alloc::vec::Vec;

/// The descriptor in parameter 0 if it is open, else `EBADF`.
fn open_fd(env: &Env<'_>, a: &Args<'_>) -> Result<u32, Errno> {
    let fd = a.u32(0);
    if env.ctx.is_open(fd) {
        Ok(fd)
    } else {
        Err(Errno::BADF)
    }
}

/// `fd_write(fd, iovs, iovs_len, nwritten)`: stdout and stderr go to the
/// console. Every iovec is checked before any byte is written, so a bad
/// pointer fails the call without printing half of it.
pub fn fd_write(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    let fd = open_fd(env, a)?;
    if fd == 0 {
        return Err(Errno::BADF.into());
    }
    let mut total: u32 = 0;
    for iov in guest::iovecs(env.mem, a.u32(1), a.u32(2))? {
        let (ptr, len) = iov?;
        guest::bytes(env.mem, ptr, len)?;
        total = total.checked_add(len).ok_or(Errno::OVERFLOW)?;
    }
    for iov in guest::iovecs(env.mem, a.u32(1), a.u32(2))? {
        let (ptr, len) = iov?;
        env.platform.console_write(guest::bytes(env.mem, ptr, len)?);
    }
    guest::write_u32(env.mem, a.u32(3), total)?;
    Ok(())
}

/// `fd_read(fd, iovs, iovs_len, nread)`: stdin from the bytes the embedder
/// gave [`super::WasiCtx::stdin`]; 0 bytes read means end of file.
pub fn fd_read(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    if open_fd(env, a)? != 0 {
        return Err(Errno::BADF.into());
    }
    // Bounded (`MAX_IOVS`), so a guest cannot size this host allocation.
    let iovs: Vec<(u32, u32)> =
        guest::iovecs(env.mem, a.u32(1), a.u32(2))?.collect::<Result<_, _>>()?;
    let stdin = env.ctx.stdin.as_deref().unwrap_or(&[]);
    let mut pos = env.ctx.stdin_pos;
    let mut total = 0usize;
    for (ptr, len) in iovs {
        let dst = guest::bytes_mut(env.mem, ptr, len)?;
        let n = dst.len().min(stdin.len() - pos);
        dst[..n].copy_from_slice(&stdin[pos..pos + n]);
        pos += n;
        total += n;
        if n < dst.len() {
            break;
        }
    }
    env.ctx.stdin_pos = pos;
    guest::write_u32(env.mem, a.u32(3), total as u32)?;
    Ok(())
}

/// `fd_fdstat_get(fd, fdstat)`: a character device without seek or tell
/// rights, so wasi-libc's `isatty` says yes. Layout (24 bytes):
/// `fs_filetype: u8` at 0, `fs_flags: u16` at 2, `fs_rights_base: u64` at
/// 8, `fs_rights_inheriting: u64` at 16.
pub fn fd_fdstat_get(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    let fd = open_fd(env, a)?;
    let io = if fd == 0 {
        RIGHT_FD_READ
    } else {
        RIGHT_FD_WRITE
    };
    let rights = io | RIGHT_POLL_FD_READWRITE | RIGHT_FD_FILESTAT_GET;
    let out = guest::bytes_mut(env.mem, a.u32(1), 24)?;
    out.fill(0);
    out[0] = FILETYPE_CHARACTER_DEVICE;
    out[8..16].copy_from_slice(&rights.to_le_bytes());
    Ok(())
}

/// `fd_filestat_get(fd, filestat)`: a character device with no size or
/// times. Layout (64 bytes): `dev` 0, `ino` 8, `filetype: u8` 16, `nlink`
/// 24, `size` 32, `atim` 40, `mtim` 48, `ctim` 56.
pub fn fd_filestat_get(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    open_fd(env, a)?;
    let out = guest::bytes_mut(env.mem, a.u32(1), 64)?;
    out.fill(0);
    out[16] = FILETYPE_CHARACTER_DEVICE;
    out[24] = 1;
    Ok(())
}

/// `fd_close(fd)`: stdio descriptors close for good.
pub fn fd_close(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    let fd = open_fd(env, a)?;
    env.ctx.open[fd as usize] = false;
    Ok(())
}

/// `fd_seek`, `fd_tell`: stdio is a stream (`ESPIPE`).
pub fn fd_seek(env: &mut Env<'_>, a: &Args<'_>) -> Outcome {
    open_fd(env, a)?;
    Err(Errno::SPIPE.into())
}

/// `fd_prestat_get`, `fd_prestat_dir_name`: there are no preopened
/// directories, so every descriptor answers `EBADF`, which is how libc's
/// startup scan (from fd 3 upwards) knows it is done.
pub fn no_preopen(_env: &mut Env<'_>, _a: &Args<'_>) -> Outcome {
    Err(Errno::BADF.into())
}
