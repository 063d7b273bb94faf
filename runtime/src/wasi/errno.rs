//! The preview-1 ABI constants this layer uses: errno values, file types,
//! rights and clock ids, with the numbers `wasi_snapshot_preview1` fixes
//! (wasi-libc and Rust's std compare against exactly these).

/// A WASI error number, returned as the `i32` result of most functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub u16);

impl Errno {
    /// No error.
    pub const SUCCESS: Errno = Errno(0);
    /// Bad file descriptor (also: "no such preopen", which ends libc's scan).
    pub const BADF: Errno = Errno(8);
    /// A guest pointer outside linear memory.
    pub const FAULT: Errno = Errno(21);
    /// Invalid argument.
    pub const INVAL: Errno = Errno(28);
    /// I/O error (the platform failed).
    pub const IO: Errno = Errno(29);
    /// Function not implemented on this board.
    pub const NOSYS: Errno = Errno(52);
    /// Not a directory (path functions on a stdio descriptor).
    pub const NOTDIR: Errno = Errno(54);
    /// Not a socket.
    pub const NOTSOCK: Errno = Errno(57);
    /// Value too large for its type.
    pub const OVERFLOW: Errno = Errno(61);
    /// Seek on a stream.
    pub const SPIPE: Errno = Errno(67);
}

/// `filetype::character_device`: what stdio is. wasi-libc's `isatty`
/// checks for it (and for the absence of seek/tell rights), which makes C
/// stdout line-buffered.
pub const FILETYPE_CHARACTER_DEVICE: u8 = 2;

/// `rights::fd_read`.
pub const RIGHT_FD_READ: u64 = 1 << 1;
/// `rights::fd_write`.
pub const RIGHT_FD_WRITE: u64 = 1 << 6;
/// `rights::fd_filestat_get`.
pub const RIGHT_FD_FILESTAT_GET: u64 = 1 << 21;
/// `rights::poll_fd_readwrite`.
pub const RIGHT_POLL_FD_READWRITE: u64 = 1 << 27;

/// `clockid::realtime`.
pub const CLOCK_REALTIME: u32 = 0;
/// `clockid::thread_cputime_id`, the last defined clock.
pub const CLOCK_THREAD_CPUTIME: u32 = 3;
