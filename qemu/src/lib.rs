//! Run Basalt jobs on the board firmware under `qemu-system-aarch64`.
//!
//! [`run_job`] builds the firmware for the chosen [`Machine`] once per
//! process ([`firmware`]), finds (or installs) QEMU ([`qemu_binary`]), hands
//! QEMU the job as a blob its loader places at the firmware's job region
//! (`__job_start`: 0x4800_0000 on `virt`, 0x0800_0000 on `raspi3b`), streams
//! the guest's console and returns the status the guest passed to
//! semihosting `SYS_EXIT`.
//!
//! Blob format (what the firmware checks): `b"BJOB"`, the payload length as
//! u32 little-endian, the payload. The firmware exits 2 on a bad header and
//! 101 on a crash (unhandled exception or panic).

mod job;
mod machine;

pub use job::{Job, JobReport, Outcome, Value, WasiEnd, WasiLimits, WasiReport};
pub use machine::{Image, Machine};

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub use basalt_protocol::JOB_MAGIC;
/// Largest blob the firmware accepts (header included): the job region
/// both machines' linker scripts reserve. [`run_blob`] checks a blob against
/// the region of the firmware it runs.
pub const JOB_MAX_BLOB: usize = 64 * 1024 * 1024;

const QEMU: &str = "qemu-system-aarch64";
const QEMU_PACKAGE: &str = "qemu-system-arm";
const FIRMWARE_TARGET: &str = "aarch64-unknown-none";

/// How to run one job.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Wall-clock limit; past it QEMU is killed and [`QemuError::Timeout`]
    /// returned.
    pub timeout: Duration,
    /// Deterministic instruction counting (`-icount shift=0`): the guest's
    /// counter then advances one tick per 16 instructions, for benchmarks.
    pub icount: bool,
    /// Stream console lines to our stdout as they arrive.
    pub echo: bool,
    /// Which firmware build runs the job.
    pub firmware: Firmware,
    /// Which board (QEMU machine) runs it.
    pub machine: Machine,
}

/// The two builds of the board firmware.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Firmware {
    /// `--release`: the runtime, the board and the job runner, no peers.
    #[default]
    Test,
    /// `--features bench --profile benchmark` (fat LTO, one codegen unit):
    /// adds the benchmark peers (native kernels, wasmi, wasmtime) and the
    /// `bench-*` commands.
    Bench,
}

impl Firmware {
    /// The cargo profile and its output directory name.
    fn profile(self) -> &'static str {
        match self {
            Firmware::Test => "release",
            Firmware::Bench => "benchmark",
        }
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            icount: false,
            echo: false,
            firmware: Firmware::Test,
            machine: Machine::Virt,
        }
    }
}

/// A finished run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutcome {
    /// The guest's exit status (0 ok, 2 bad job blob, 101 crash, else the
    /// job's own).
    pub status: i32,
    /// Everything the guest printed (`\r` stripped), then QEMU's own stderr,
    /// if any, on lines starting with `qemu: `.
    pub console: String,
}

/// Why a job could not be run to an exit status.
#[derive(Debug)]
pub enum QemuError {
    /// QEMU is missing and cannot be installed from here; says what to install.
    NotInstalled(String),
    /// Installing QEMU failed (tail of the package manager's output).
    Install(String),
    /// Building the firmware failed (tail of cargo's stderr).
    Build(String),
    /// QEMU (or cargo) could not be started.
    Spawn(std::io::Error),
    /// Writing the job blob or reading the console failed.
    Io(std::io::Error),
    /// The blob does not fit the firmware's job region.
    JobTooLarge {
        /// Blob size in bytes, header included.
        len: usize,
        /// Size of the region.
        max: u64,
    },
    /// The guest ran past the timeout and was killed.
    Timeout {
        /// The limit that was exceeded.
        after: Duration,
        /// Console output up to the kill.
        console: String,
    },
    /// QEMU ended without an exit status (e.g. killed by a signal).
    Killed {
        /// Console output up to the end.
        console: String,
    },
}

impl fmt::Display for QemuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QemuError::NotInstalled(what) => write!(f, "{QEMU} not found; install it: {what}"),
            QemuError::Install(tail) => write!(f, "installing {QEMU_PACKAGE} failed:\n{tail}"),
            QemuError::Build(tail) => write!(f, "building the firmware failed:\n{tail}"),
            QemuError::Spawn(e) => write!(f, "cannot start process: {e}"),
            QemuError::Io(e) => write!(f, "I/O error: {e}"),
            QemuError::JobTooLarge { len, max } => {
                write!(
                    f,
                    "job blob of {len} bytes exceeds the {max}-byte job region"
                )
            }
            QemuError::Timeout { after, .. } => {
                write!(f, "guest did not exit within {:.1} s", after.as_secs_f64())
            }
            QemuError::Killed { .. } => write!(f, "{QEMU} ended without an exit status"),
        }
    }
}

impl std::error::Error for QemuError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            QemuError::Spawn(e) | QemuError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// A cached failure: `QemuError` holds `io::Error`, which is not `Clone`, so
/// the per-process caches keep the message and rebuild the error.
#[derive(Clone, Debug)]
enum Cached {
    NotInstalled(String),
    Install(String),
    Build(String),
}

impl From<Cached> for QemuError {
    fn from(cached: Cached) -> Self {
        match cached {
            Cached::NotInstalled(s) => QemuError::NotInstalled(s),
            Cached::Install(s) => QemuError::Install(s),
            Cached::Build(s) => QemuError::Build(s),
        }
    }
}

/// Path of `qemu-system-aarch64`. If it is missing and we are root on a
/// system with `apt-get`, installs `qemu-system-arm` first (once per
/// process); otherwise says what to install.
pub fn qemu_binary() -> Result<PathBuf, QemuError> {
    static QEMU_PATH: OnceLock<Result<PathBuf, Cached>> = OnceLock::new();
    QEMU_PATH
        .get_or_init(find_or_install_qemu)
        .clone()
        .map_err(QemuError::from)
}

fn find_or_install_qemu() -> Result<PathBuf, Cached> {
    if let Some(path) = find_on_path(QEMU) {
        return Ok(path);
    }
    let hint = format!("sudo apt-get install {QEMU_PACKAGE} (Debian/Ubuntu)");
    if find_on_path("apt-get").is_none() || !is_root() {
        return Err(Cached::NotInstalled(hint));
    }
    eprintln!("basalt-qemu: {QEMU} not found; installing {QEMU_PACKAGE} with apt-get");
    for args in [&["update"][..], &["install", "-y", QEMU_PACKAGE][..]] {
        let output = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Cached::Install(format!("cannot run apt-get: {e}")))?;
        if !output.status.success() {
            let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&output.stderr));
            return Err(Cached::Install(tail(&text, 40)));
        }
    }
    find_on_path(QEMU).ok_or(Cached::NotInstalled(hint))
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The repository root (this crate lives in `<repo>/qemu`).
fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("qemu/ has a parent directory")
}

/// Build the firmware for `machine` (`cargo build` in `board/` with
/// `kind`'s profile and the machine's features, once per process, machine
/// and kind) and return it ready to boot.
///
/// The build runs in `board/` so `board/.cargo/config.toml` (target, flags,
/// shared target dir) and `board/rust-toolchain.toml` apply. `--target-dir
/// <repo>/target` is passed explicitly so an outer `CARGO_TARGET_DIR` cannot
/// move the ELF away from the path returned here. Variables an outer cargo
/// or rustup set for *its* build (`CARGO_BUILD_TARGET`, `RUSTUP_TOOLCHAIN`,
/// `CARGO_ENCODED_RUSTFLAGS`, jobserver flags, ...) are removed; a user's
/// `RUSTFLAGS` is kept. cargo's output is shown only on failure.
pub fn firmware(machine: Machine, kind: Firmware) -> Result<Image, QemuError> {
    type Built = HashMap<(Machine, Firmware), Result<Image, Cached>>;
    static BUILT: OnceLock<Mutex<Built>> = OnceLock::new();
    // Held across the build: concurrent callers wait for the one build.
    let mut built = BUILT
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    built
        .entry((machine, kind))
        .or_insert_with(|| build_firmware(machine, kind))
        .clone()
        .map_err(QemuError::from)
}

fn build_firmware(machine: Machine, kind: Firmware) -> Result<Image, Cached> {
    let root = repo_root();
    let target_dir = root.join("target");
    let mut command = nested_cargo(&root.join("board"));
    command.args([
        "build",
        "--profile",
        kind.profile(),
        "--target",
        FIRMWARE_TARGET,
    ]);
    command.args(machine.cargo_features());
    // The job-runner binaries (the library alone is what a firmware reuses).
    command.args(["--features", "runner"]);
    if kind == Firmware::Bench {
        command.args(["--features", "bench"]);
    }
    command.arg("--target-dir").arg(&target_dir);
    ensure_rust_target(&root.join("board"), FIRMWARE_TARGET);
    let output = command
        .output()
        .map_err(|e| Cached::Build(format!("cannot run cargo: {e}")))?;
    if !output.status.success() {
        return Err(Cached::Build(tail(
            &String::from_utf8_lossy(&output.stderr),
            60,
        )));
    }
    let elf = target_dir
        .join(FIRMWARE_TARGET)
        .join(kind.profile())
        .join(machine.binary());
    if !elf.is_file() {
        return Err(Cached::Build(format!(
            "cargo succeeded but {} is missing",
            elf.display()
        )));
    }
    Image::prepare(machine, elf).map_err(Cached::Build)
}

fn has_rustup() -> bool {
    Command::new("rustup")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A `cargo` command for a build nested in another cargo run (the board,
/// the Wasm examples, the benchmark kernels), in `dir`.
///
/// It goes through rustup's `cargo` proxy when there is one (not `$CARGO`,
/// the outer toolchain's binary): the proxy resolves `dir`'s
/// rust-toolchain.toml and pins that toolchain for every rustc it spawns.
/// Without the pin, rustc resolves its toolchain per crate directory, and a
/// dependency that ships its own `rust-toolchain` (linked_list_allocator
/// says `nightly`) would be built by a toolchain without the target. The
/// variables an outer cargo sets for its own build are removed; `RUSTFLAGS`
/// is kept.
pub fn nested_cargo(dir: &Path) -> Command {
    let cargo = if has_rustup() {
        OsString::from("cargo")
    } else {
        std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"))
    };
    let mut command = Command::new(cargo);
    command.current_dir(dir).stdin(Stdio::null());
    for var in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
        "RUSTUP_TOOLCHAIN",
        "RUSTC",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTDOC",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
    ] {
        command.env_remove(var);
    }
    command
}

/// rustup installs the toolchain `rust-toolchain.toml` names but not its
/// targets when the toolchain is already present: add `target` for the
/// toolchain that applies in `dir` (a quick no-op when installed; used for
/// the board and for Wasm test programs). Without rustup the build reports
/// it.
pub fn ensure_rust_target(dir: &Path, target: &str) {
    let installed = Command::new("rustup")
        .current_dir(dir)
        .args(["target", "list", "--installed"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .stdin(Stdio::null())
        .output();
    let Ok(installed) = installed else { return };
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == target)
    {
        return;
    }
    eprintln!("basalt-qemu: installing Rust target {target} with rustup");
    let _ = Command::new("rustup")
        .current_dir(dir)
        .args(["target", "add", target])
        .env_remove("RUSTUP_TOOLCHAIN")
        .stdin(Stdio::null())
        .status();
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Run one job: `payload` (a postcard-encoded `basalt_protocol::Payload`,
/// as [`Job::encode`] makes) behind the blob header.
pub fn run_job(payload: &[u8], opts: &RunOptions) -> Result<RunOutcome, QemuError> {
    run_blob(&basalt_protocol::frame(payload), opts)
}

/// Run the firmware with `blob` placed verbatim at the start of its job
/// region, no header added: for testing how the firmware treats malformed
/// blobs.
pub fn run_blob(blob: &[u8], opts: &RunOptions) -> Result<RunOutcome, QemuError> {
    let qemu = qemu_binary()?;
    let image = firmware(opts.machine, opts.firmware)?;
    let region = image.job.end - image.job.start;
    if blob.len() as u64 > region {
        return Err(QemuError::JobTooLarge {
            len: blob.len(),
            max: region,
        });
    }
    let job = TempFile::create(blob).map_err(QemuError::Io)?;
    let mut command = qemu_command(qemu, opts, &image.kernel);
    let mut loader = OsString::from("loader,file=");
    loader.push(job.path());
    loader.push(format!(",addr={:#x},force-raw=on", image.job.start));
    command.arg("-device").arg(loader);
    run_qemu(command, opts)
}

/// Boot a firmware ELF of one's own (no job) on `opts.machine`: what the
/// cargo `runner` of a firmware built on the board library calls (see
/// `basalt-boot` and `examples/firmware/`). QEMU is found or installed as
/// for the tests. The Pi model boots raw images only, so this is `virt`.
pub fn boot_elf(elf: &Path, opts: &RunOptions) -> Result<RunOutcome, QemuError> {
    let qemu = qemu_binary()?;
    run_qemu(qemu_command(qemu, opts, elf), opts)
}

/// QEMU for `opts.machine` with `kernel`, the console on stdio and the
/// semihosting exit on.
fn qemu_command(qemu: PathBuf, opts: &RunOptions, kernel: &Path) -> Command {
    let mut command = Command::new(qemu);
    command.args(opts.machine.qemu_args());
    command.args(["-display", "none", "-monitor", "none", "-serial", "stdio"]);
    // QEMU-specific: the firmware leaves through semihosting `SYS_EXIT`.
    command.args(["-semihosting-config", "enable=on,target=native"]);
    command.arg("-kernel").arg(kernel);
    if opts.icount {
        command.args(["-icount", "shift=0,align=off,sleep=off"]);
    }
    command
}

/// Run `command` under `opts.timeout`, collecting (and maybe echoing) the
/// console.
fn run_qemu(mut command: Command, opts: &RunOptions) -> Result<RunOutcome, QemuError> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    let mut child = command.spawn().map_err(QemuError::Spawn)?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let echo = opts.echo;
    let console = thread::spawn(move || read_console(stdout, echo));
    let errors = thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut text);
        text
    });

    let waited = wait_with_timeout(&mut child, opts.timeout);
    // The pipes close when QEMU is gone, so both readers finish.
    let console = join_console(console, errors);
    match waited {
        Ok(Some(status)) => match status.code() {
            Some(status) => Ok(RunOutcome { status, console }),
            None => Err(QemuError::Killed { console }),
        },
        Ok(None) => Err(QemuError::Timeout {
            after: opts.timeout,
            console,
        }),
        Err(e) => Err(QemuError::Io(e)),
    }
}

/// Wait for `child` up to `timeout`; on timeout kill and reap it and return
/// `None`.
fn wait_with_timeout(
    child: &mut Child,
    timeout: Duration,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            child.wait()?;
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Read the guest console line by line, echoing as lines arrive.
fn read_console(stdout: impl Read, echo: bool) -> String {
    let mut reader = BufReader::new(stdout);
    let mut console = String::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line).replace('\r', "");
                // A WASI job's status lines are for the parser, not the user.
                if echo
                    && !job::WASI_STATUS_PREFIXES
                        .iter()
                        .any(|p| text.starts_with(p))
                {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(text.as_bytes());
                    let _ = out.flush();
                }
                console.push_str(&text);
            }
        }
    }
    console
}

fn join_console(console: JoinHandle<String>, errors: JoinHandle<String>) -> String {
    let mut text = console.join().unwrap_or_default();
    let errors = errors.join().unwrap_or_default();
    for line in errors.lines() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("qemu: ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// A uniquely named file in the temp dir, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn create(contents: &[u8]) -> std::io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "basalt-job-{}-{}-{nanos}.bin",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        // Own the path before writing, so a failed write still removes it.
        let temp = TempFile(path);
        file.write_all(contents)?;
        file.sync_all()?;
        Ok(temp)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The board refused the job as malformed, saying `message`.
    fn refused_with(console: &str, status: i32, message: &str) {
        assert_eq!(status, basalt_protocol::exit::BAD_JOB, "{console}");
        assert!(console.contains(message), "{console}");
    }

    #[test]
    fn missing_header_exits_2() {
        let out = run_blob(b"garbage!", &RunOptions::default()).unwrap();
        refused_with(&out.console, out.status, "error: no job loaded (bad magic)");
    }

    #[test]
    fn oversized_length_exits_2() {
        let mut blob = JOB_MAGIC.to_vec();
        blob.extend_from_slice(&(JOB_MAX_BLOB as u32).to_le_bytes());
        let out = run_blob(&blob, &RunOptions::default()).unwrap();
        refused_with(&out.console, out.status, "error: job too large");
    }

    #[test]
    fn payload_shorter_than_its_artifact_exits_2() {
        // One artifact of 200 bytes, of which 3 are there.
        let out = run_job(&[1, 200, 1, 1, 2, 3], &RunOptions::default()).unwrap();
        refused_with(&out.console, out.status, "error: payload malformed");
    }

    #[test]
    fn garbage_artifact_is_refused_with_a_typed_error() {
        // One artifact of 80 garbage bytes, instantiated by the script.
        let payload = basalt_protocol::Payload {
            artifacts: vec![&[0x5a; 80]],
            trusted: vec![],
            script: "instantiate! 0 0\n",
        }
        .to_body();
        let out = run_job(
            &payload,
            &RunOptions {
                icount: true,
                ..RunOptions::default()
            },
        )
        .unwrap();
        assert_eq!(out.status, basalt_protocol::exit::LOAD, "{}", out.console);
        assert!(
            out.console
                .contains("load-error: cannot load artifact: not a Basalt artifact (bad magic)"),
            "{}",
            out.console
        );
    }
}
