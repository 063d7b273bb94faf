//! `WasiCtx`: what the embedder gives a WASI program (arguments,
//! environment, stdin) and what the program leaves behind (its exit code).

use alloc::vec::Vec;

/// The per-store state of the `wasi_snapshot_preview1` host module. Build it
/// with the chained setters, keep it in the store's data and hand
/// [`super::add_to_linker`] a function that finds it there.
///
/// Descriptors: 0 (stdin), 1 (stdout) and 2 (stderr) exist; there are no
/// preopened directories, so nothing else ever opens. stdout and stderr go
/// to [`basalt_platform::Platform::console_write`].
#[derive(Clone, Debug)]
pub struct WasiCtx {
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) stdin: Option<Vec<u8>>,
    pub(crate) stdin_pos: usize,
    /// Which of fds 0, 1, 2 are open (`fd_close` closes them for good).
    pub(crate) open: [bool; 3],
    pub(crate) realtime_base_ns: u64,
    pub(crate) exit_code: Option<u32>,
}

impl Default for WasiCtx {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtx {
    /// No arguments, an empty environment, no stdin.
    pub fn new() -> Self {
        Self {
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
            stdin_pos: 0,
            open: [false, true, true],
            realtime_base_ns: 0,
            exit_code: None,
        }
    }

    /// Append an argument (the first is the program name, `argv[0]`).
    /// Arguments are bytes, as in WASI; one holding a NUL is cut there by C.
    pub fn arg(mut self, arg: impl AsRef<[u8]>) -> Self {
        self.args.push(arg.as_ref().to_vec());
        self
    }

    /// Append several arguments.
    pub fn args<A: AsRef<[u8]>>(mut self, args: impl IntoIterator<Item = A>) -> Self {
        for a in args {
            self = self.arg(a);
        }
        self
    }

    /// Add `key=value` to the environment.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        let mut pair = Vec::with_capacity(key.len() + 1 + value.len());
        pair.extend_from_slice(key.as_bytes());
        pair.push(b'=');
        pair.extend_from_slice(value.as_bytes());
        self.env.push(pair);
        self
    }

    /// Give the program a stdin holding `bytes` (then end of file).
    ///
    /// Without it fd 0 is closed: `fd_read(0)` fails with `EBADF`, which
    /// Rust's `std::io::stdin` reads as end of file and C's `read` reports
    /// as `-1`/`EBADF` (`getchar` returns `EOF`) — the behaviour of a
    /// process started with stdin closed, which is what a board without an
    /// input device is.
    pub fn stdin(mut self, bytes: Vec<u8>) -> Self {
        self.stdin = Some(bytes);
        self.stdin_pos = 0;
        self.open[0] = true;
        self
    }

    /// Wall-clock time at platform tick 0, in nanoseconds since the Unix
    /// epoch, for boards that know the date (e.g. from an RTC). Without it
    /// `CLOCK_REALTIME` counts from the epoch at boot: monotonic and
    /// plausible for measuring, but not the date.
    pub fn realtime_base(mut self, ns_since_epoch: u64) -> Self {
        self.realtime_base_ns = ns_since_epoch;
        self
    }

    /// The code the program passed to `proc_exit`, if it called it.
    pub fn exit_code(&self) -> Option<u32> {
        self.exit_code
    }

    /// Whether descriptor `fd` is open.
    pub(crate) fn is_open(&self, fd: u32) -> bool {
        self.open.get(fd as usize).copied().unwrap_or(false)
    }
}
