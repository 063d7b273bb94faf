//! Benchmarks of Basalt against native code and wasmi on the board, and of
//! its footprint: everything `cargo run --release -p basalt-bench` measures
//! to write `BENCHMARKS.md`, also used by the smoke test (tests/tests/
//! bench_smoke.rs) at small sizes without `-icount`.
//!
//! The kernels (`bench/kernels`) are built here with cargo for
//! `wasm32-unknown-unknown` (scalar, and with `+simd128`); the board's
//! benchmark build links the same crate natively. One job runs every peer
//! ([`PEERS`]) on every kernel.

pub mod analysis;
pub mod quick;
pub mod report;
pub mod security;
pub mod size;
pub mod wasmtime_peer;

use basalt_compiler::{compile, BoundsChecks, CompileOptions};
use basalt_qemu::{Firmware, Job, JobReport, Outcome, RunOptions, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use basalt_bench_kernels::{Kernel, KERNELS};

/// Guest instructions per `CNTVCT_EL0` tick under `-icount shift=0` (the
/// counter runs at 62.5 MHz against 1 GHz of virtual instructions).
pub use basalt_protocol::INSTRUCTIONS_PER_TICK;

/// One column of the kernel table.
#[derive(Clone, Copy, Debug)]
pub struct Peer {
    /// Short name (error messages, chart legend keys).
    pub key: &'static str,
    /// Column heading.
    pub label: &'static str,
}

/// The peers, in table order; the indices below name them.
pub const PEERS: [Peer; 7] = [
    Peer {
        key: "native",
        label: "native",
    },
    Peer {
        key: "guard",
        label: "Basalt guard",
    },
    Peer {
        key: "guard-simd",
        label: "Basalt guard (simd128)",
    },
    Peer {
        key: "explicit",
        label: "Basalt explicit",
    },
    Peer {
        key: "wasmtime",
        label: "wasmtime",
    },
    Peer {
        key: "pulley",
        label: "Pulley",
    },
    Peer {
        key: "wasmi",
        label: "wasmi",
    },
];
/// Index of native code in [`PEERS`].
pub const NATIVE: usize = 0;
/// Index of Basalt guard mode (scalar Wasm).
pub const GUARD: usize = 1;
/// Index of Basalt guard mode on the `+simd128` build of the kernels.
pub const GUARD_SIMD: usize = 2;
/// Index of Basalt explicit mode.
pub const EXPLICIT: usize = 3;
/// Index of wasmtime (Cranelift, precompiled for aarch64).
pub const WASMTIME: usize = 4;
/// Index of Pulley, wasmtime's interpreter.
pub const PULLEY: usize = 5;
/// Index of wasmi.
pub const WASMI: usize = 6;

/// The call-cost module: an empty export, an export that calls the host
/// once, and loops with and without a host call per iteration.
pub const CALLS_WAT: &str = r#"(module
  (import "bench" "nop" (func $nop))
  (func (export "empty"))
  (func (export "call_host") (call $nop))
  (func (export "loop_host") (param $k i32)
    (loop $l
      (call $nop)
      (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
  (func (export "loop_empty") (param $k i32)
    (loop $l
      (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))"#;

/// The instantiation module: one memory, no data, one function.
pub const SMALL_WAT: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "empty")))"#;

/// Repository root (this crate lives in `<repo>/bench`).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ has a parent directory")
}

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Build the kernels crate for `wasm32-unknown-unknown` as a cdylib (in
/// `target/bench-wasm[-simd]`, so it never waits on or invalidates the
/// host's build) and return the module's bytes; with `simd128` the crate is
/// compiled with `-C target-feature=+simd128` (LLVM may auto-vectorize, as
/// it does for the native NEON build).
///
/// Runs [`basalt_qemu::nested_cargo`] in the repository root, adding the
/// target first if the toolchain lacks it.
pub fn build_kernels_wasm(simd128: bool) -> Result<Vec<u8>, String> {
    let root = repo_root();
    basalt_qemu::ensure_rust_target(root, WASM_TARGET);
    let dir = if simd128 {
        "bench-wasm-simd"
    } else {
        "bench-wasm"
    };
    let target_dir = root.join("target").join(dir);
    let mut command = basalt_qemu::nested_cargo(root);
    command
        .args([
            "rustc",
            "--quiet",
            "-p",
            "basalt-bench-kernels",
            "--release",
            "--target",
            WASM_TARGET,
            "--crate-type",
            "cdylib",
            "--target-dir",
        ])
        .arg(&target_dir);
    if simd128 {
        command.args(["--", "-C", "target-feature=+simd128"]);
    }
    run_cargo(&mut command, &format!("the kernels for {WASM_TARGET}"))?;
    let wasm: PathBuf = target_dir
        .join(WASM_TARGET)
        .join("release")
        .join("basalt_bench_kernels.wasm");
    std::fs::read(&wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))
}

/// The kernels module, scalar and `+simd128`.
pub struct KernelsWasm {
    /// The build without SIMD (the headline figures).
    pub scalar: Vec<u8>,
    /// The `+simd128` build.
    pub simd: Vec<u8>,
}

/// Build both kernels modules.
pub fn build_kernels() -> Result<KernelsWasm, String> {
    Ok(KernelsWasm {
        scalar: build_kernels_wasm(false)?,
        simd: build_kernels_wasm(true)?,
    })
}

/// Compile `wasm` (binary or text) in bounds-check mode `mode`.
pub fn compile_mode(wasm: &[u8], mode: BoundsChecks) -> Result<Vec<u8>, String> {
    let mut options = CompileOptions::default();
    options.settings.bounds_checks = mode;
    compile(wasm, &options).map_err(|e| e.to_string())
}

/// One kernel's figures: per peer, the checksum and guest instructions.
#[derive(Clone, Debug)]
pub struct KernelRun {
    /// The kernel.
    pub kernel: &'static Kernel,
    /// Its size argument.
    pub n: u32,
    /// Per peer ([`PEERS`] order): checksum and guest instructions.
    pub peers: [(u64, u64); PEERS.len()],
}

/// Fixed costs of one runtime: instantiation and calls.
#[derive(Clone, Copy, Debug, Default)]
pub struct FixedCosts {
    /// Instantiating [`SMALL_WAT`], module already loaded: guest instructions.
    pub instantiate: u64,
    /// Heap bytes the instance (and its store, where the runtime needs a
    /// fresh one) took.
    pub heap: u64,
    /// Guest instructions per call, over [`CALL_REPEAT`] calls: host → Wasm
    /// (empty export), host → Wasm → host (`call_host`), and Wasm → host
    /// (`loop_host` less `loop_empty`).
    pub calls: CallCosts,
}

/// Guest instructions per host → Wasm, host → Wasm → host and Wasm → host
/// call.
pub type CallCosts = (f64, f64, f64);

/// Everything one board run measures.
#[derive(Clone, Debug)]
pub struct BoardFigures {
    /// Per kernel.
    pub kernels: Vec<KernelRun>,
    /// Basalt (guard mode).
    pub basalt: FixedCosts,
    /// Bytes of the store's arena Basalt's instance took (linear memory,
    /// `VMContext`, tables, globals).
    pub basalt_arena: u64,
    /// wasmtime, aarch64 code.
    pub wasmtime: FixedCosts,
    /// wasmi from raw bytes (parse, validate, compile, instantiate): guest
    /// instructions and heap bytes.
    pub wasmi_instantiate: (u64, u64),
}

/// One Basalt instantiation of [`SMALL_WAT`]: guest instructions, bytes
/// of the store's arena and of the heap it took.
#[derive(Clone, Copy, Debug, Default)]
pub struct Instantiation {
    /// Guest instructions.
    pub instructions: u64,
    /// Store-arena bytes (`VMContext`, and the memory when not pooled).
    pub arena: u64,
    /// Heap bytes (instance state, and any translation tables built).
    pub heap: u64,
}

/// Instantiation from a Basalt `MemoryPool` of one one-page slot, each
/// instance in a fresh store (an instance per request).
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolFigures {
    /// The slot's first use: it maps and zeroes the page, building the
    /// reservation's translation tables.
    pub cold: Instantiation,
    /// The slot again, after the first instance's store dropped (which
    /// zeroed the page): nothing to map or zero.
    pub warm: Instantiation,
    /// Creating the fresh store (a `Store<()>` using the pool): guest
    /// instructions and heap bytes, not part of the two above.
    pub store: (u64, u64),
}

/// Slots and pages per slot of the pool the instantiation job uses.
pub const POOL_SHAPE: (u32, u32) = (1, 1);

/// Instantiate [`SMALL_WAT`] twice from a pool on the board (under
/// `-icount` for [`Size::Bench`]), each time in a fresh store.
pub fn run_pool_board(size: Size) -> Result<PoolFigures, String> {
    let small = compile_mode(SMALL_WAT.as_bytes(), BoundsChecks::Guard)?;
    let mut job = Job::empty();
    let (slots, pages) = POOL_SHAPE;
    job.command_line(&format!("option memory-pool {slots} {pages}"));
    let a_small = job.add_artifact(small);
    let l_cold = job.command_line(&format!("bench-instantiate {a_small} 0"));
    job.command_line("new-store");
    let l_warm = job.command_line(&format!("bench-instantiate {a_small} 0"));
    let l_store = job.command_line("bench-store");
    let opts = RunOptions {
        icount: size == Size::Bench,
        timeout: Duration::from_secs(300),
        firmware: Firmware::Bench,
        ..RunOptions::default()
    };
    let report = job.run(&opts).map_err(|e| e.to_string())?;
    let figures = |line: usize| -> Result<Instantiation, String> {
        let v = line_values(&job, &report, line)?;
        Ok(Instantiation {
            instructions: v[0] * INSTRUCTIONS_PER_TICK,
            arena: v[1],
            heap: v[2],
        })
    };
    let store = line_values(&job, &report, l_store)?;
    Ok(PoolFigures {
        cold: figures(l_cold)?,
        warm: figures(l_warm)?,
        store: (store[0] * INSTRUCTIONS_PER_TICK, store[1]),
    })
}

/// Calls averaged for the call-cost figures.
pub const CALL_REPEAT: u32 = 1000;

/// Which kernel sizes to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// [`Kernel::bench_n`], under `-icount`.
    Bench,
    /// [`Kernel::smoke_n`], for the smoke test.
    Smoke,
}

/// Build everything, run every peer on every kernel in one board job, check
/// that the peers agree, and return the figures.
pub fn run_board(size: Size) -> Result<BoardFigures, String> {
    run_board_with(&build_kernels()?, size)
}

/// [`run_board`] for already built kernels modules.
pub fn run_board_with(wasm: &KernelsWasm, size: Size) -> Result<BoardFigures, String> {
    let guard = compile_mode(&wasm.scalar, BoundsChecks::Guard)?;
    let guard_simd = compile_mode(&wasm.simd, BoundsChecks::Guard)?;
    let explicit = compile_mode(&wasm.scalar, BoundsChecks::Explicit)?;
    let small = compile_mode(SMALL_WAT.as_bytes(), BoundsChecks::Guard)?;
    let calls = compile_mode(CALLS_WAT.as_bytes(), BoundsChecks::Guard)?;
    let small_wasm = wat::parse_str(SMALL_WAT).map_err(|e| e.to_string())?;
    let calls_wasm = wat::parse_str(CALLS_WAT).map_err(|e| e.to_string())?;
    let (native, pulley) = (wasmtime_peer::Flavor::Native, wasmtime_peer::Flavor::Pulley);

    let mut job = Job::empty();
    let a_guard = job.add_artifact(guard);
    let a_guard_simd = job.add_artifact(guard_simd);
    let a_explicit = job.add_artifact(explicit);
    let a_wasm = job.add_artifact(wasm.scalar.clone());
    let a_small = job.add_artifact(small);
    let a_calls = job.add_artifact(calls);
    let a_small_wasm = job.add_artifact(small_wasm.clone());
    let a_wt = job.add_artifact(wasmtime_peer::precompile(&wasm.scalar, native)?);
    let a_pulley = job.add_artifact(wasmtime_peer::precompile(&wasm.scalar, pulley)?);
    let a_wt_small = job.add_artifact(wasmtime_peer::precompile(&small_wasm, native)?);
    let a_wt_calls = job.add_artifact(wasmtime_peer::precompile(&calls_wasm, native)?);
    job.instantiate_required(a_guard, 0);
    job.instantiate_required(a_explicit, 1);
    job.instantiate_required(a_guard_simd, 4);
    // Instantiation first, while the store is fresh.
    let l_small = job.command_line(&format!("bench-instantiate {a_small} 2"));
    let l_wasmi_small = job.command_line(&format!("bench-wasmi-instantiate {a_small_wasm}"));
    let l_wt_small = job.command_line(&format!("bench-wasmtime-instantiate {a_wt_small} native"));
    let l_calls_inst = job.command_line(&format!("bench-instantiate {a_calls} 3"));
    let l_calls = job.command_line(&format!("bench-calls 3 {CALL_REPEAT}"));
    let l_wt_calls = job.command_line(&format!(
        "bench-wasmtime-calls {a_wt_calls} native {CALL_REPEAT}"
    ));
    let mut lines = Vec::new();
    for k in KERNELS {
        let n = match size {
            Size::Bench => k.bench_n,
            Size::Smoke => k.smoke_n,
        };
        let name = k.name;
        let peer_lines: [usize; PEERS.len()] = [
            job.command_line(&format!("bench-native {name} {n}")),
            job.command_line(&format!("bench-call 0 {name} {n}")),
            job.command_line(&format!("bench-call 4 {name} {n}")),
            job.command_line(&format!("bench-call 1 {name} {n}")),
            job.command_line(&format!("bench-wasmtime {a_wt} native {name} {n}")),
            job.command_line(&format!("bench-wasmtime {a_pulley} pulley {name} {n}")),
            job.command_line(&format!("bench-wasmi {a_wasm} {name} {n}")),
        ];
        lines.push((k, n, peer_lines));
    }
    let opts = RunOptions {
        icount: size == Size::Bench,
        timeout: Duration::from_secs(match size {
            Size::Bench => 3600,
            Size::Smoke => 300,
        }),
        firmware: Firmware::Bench,
        ..RunOptions::default()
    };
    let report = job.run(&opts).map_err(|e| e.to_string())?;
    if let Some(e) = &report.load_error {
        return Err(format!("loading the kernels failed: {e}"));
    }
    let values = |line: usize| line_values(&job, &report, line);
    let mut kernels = Vec::new();
    for (kernel, n, peer_lines) in lines {
        let mut peers = [(0, 0); PEERS.len()];
        for (slot, &line) in peers.iter_mut().zip(&peer_lines) {
            let v = values(line)?;
            *slot = (v[0], v[1] * INSTRUCTIONS_PER_TICK);
        }
        if let Some((i, p)) = peers.iter().enumerate().find(|(_, p)| p.0 != peers[0].0) {
            return Err(format!(
                "{}: {} returned {:#x}, native {:#x}",
                kernel.name, PEERS[i].key, p.0, peers[0].0
            ));
        }
        kernels.push(KernelRun { kernel, n, peers });
    }
    values(l_calls_inst)?;
    let s = values(l_small)?;
    let w = values(l_wasmi_small)?;
    let wt = values(l_wt_small)?;
    Ok(BoardFigures {
        kernels,
        basalt: FixedCosts {
            instantiate: s[0] * INSTRUCTIONS_PER_TICK,
            heap: s[2],
            calls: per_call(&values(l_calls)?),
        },
        basalt_arena: s[1],
        wasmtime: FixedCosts {
            instantiate: wt[0] * INSTRUCTIONS_PER_TICK,
            heap: wt[1],
            calls: per_call(&values(l_wt_calls)?),
        },
        wasmi_instantiate: (w[0] * INSTRUCTIONS_PER_TICK, w[1]),
    })
}

/// Only the call-cost probes (`basalt-bench calls`): Basalt's and wasmtime's
/// guest instructions per host → Wasm, host → Wasm → host and Wasm → host
/// call, in one short board run under `-icount`, for iterating on the call
/// paths without the ten-minute kernel run.
pub fn run_call_costs() -> Result<(CallCosts, CallCosts), String> {
    let calls = compile_mode(CALLS_WAT.as_bytes(), BoundsChecks::Guard)?;
    let calls_wasm = wat::parse_str(CALLS_WAT).map_err(|e| e.to_string())?;
    let native = wasmtime_peer::Flavor::Native;
    let mut job = Job::empty();
    let a_calls = job.add_artifact(calls);
    let a_wt_calls = job.add_artifact(wasmtime_peer::precompile(&calls_wasm, native)?);
    let l_inst = job.command_line(&format!("bench-instantiate {a_calls} 3"));
    let l_calls = job.command_line(&format!("bench-calls 3 {CALL_REPEAT}"));
    let l_wt_calls = job.command_line(&format!(
        "bench-wasmtime-calls {a_wt_calls} native {CALL_REPEAT}"
    ));
    let opts = RunOptions {
        icount: true,
        timeout: Duration::from_secs(600),
        firmware: Firmware::Bench,
        ..RunOptions::default()
    };
    let report = job.run(&opts).map_err(|e| e.to_string())?;
    let values = |line: usize| line_values(&job, &report, line);
    values(l_inst)?;
    Ok((per_call(&values(l_calls)?), per_call(&values(l_wt_calls)?)))
}

/// Guest instructions per call from a `bench-calls` reply (ticks of
/// [`CALL_REPEAT`] calls to `empty` and to `call_host`, of `loop_host` and
/// of `loop_empty`).
fn per_call(c: &[u64]) -> CallCosts {
    let per = |ticks: u64| (ticks * INSTRUCTIONS_PER_TICK) as f64 / f64::from(CALL_REPEAT);
    (per(c[0]), per(c[1]), per(c[2].saturating_sub(c[3])))
}

/// The `i64` values the board replied to script line `line` of `job` (the
/// `bench-*` commands reply with figures only); an error names the line and
/// quotes the end of the console.
pub(crate) fn line_values(job: &Job, report: &JobReport, line: usize) -> Result<Vec<u64>, String> {
    match report.result(line) {
        Outcome::Values(v) => v
            .iter()
            .map(|v| match v {
                Value::I64(x) => Ok(*x as u64),
                other => Err(format!("unexpected value {other:?}")),
            })
            .collect(),
        other => Err(format!(
            "`{}` failed: {other:?}\n{}",
            job.script().lines().nth(line).unwrap_or("?"),
            console_tail(report)
        )),
    }
}

fn console_tail(report: &JobReport) -> String {
    let lines: Vec<&str> = report.console.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// `.text` bytes of the firmware by owner, from `nm -S -C` on its ELF.
#[derive(Clone, Debug, Default)]
pub struct TextSizes {
    /// The `basalt` runtime crate without `basalt::wasi`.
    pub runtime: u64,
    /// Its WASI module.
    pub wasi: u64,
    /// The runtime's own dependencies (crc; postcard and serde, which the
    /// runner's job protocol uses too).
    pub runtime_deps: u64,
    /// wasmi and its crates (wasmi_*, wasmparser).
    pub wasmi: u64,
    /// wasmtime's runtime and its crates (wasmtime_*, pulley_interpreter,
    /// object, gimli, ...), Pulley included.
    pub wasmtime: u64,
    /// Every code symbol in the firmware.
    pub total: u64,
}

/// Sum code symbol sizes of the firmware ELF at `elf` by owning crate.
///
/// A symbol belongs to the crate its demangled path starts with, or, for
/// generic code instantiated elsewhere (`core::ptr::drop_in_place<basalt::..>`,
/// `<basalt::X as core::fmt::Debug>::fmt`), to the first crate it names
/// among those counted; the runtime's assembly (`basalt_enter`, ...) counts
/// as the runtime. Code the optimizer inlined into the firmware's own
/// functions is counted there, not here.
pub fn text_sizes(elf: &Path) -> Result<TextSizes, String> {
    let nm = size::tool("nm", &["-S", "--size-sort", "-C"], elf)?;
    let mut sizes = TextSizes::default();
    for line in nm.lines() {
        let mut f = line.splitn(4, ' ');
        let (Some(_addr), Some(size), Some(kind), Some(name)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        if !matches!(kind, "t" | "T" | "W" | "w") {
            continue;
        }
        let Ok(size) = u64::from_str_radix(size, 16) else {
            continue;
        };
        sizes.total += size;
        match owner(name) {
            Some(Owner::Wasi) => sizes.wasi += size,
            Some(Owner::Runtime) => sizes.runtime += size,
            Some(Owner::RuntimeDeps) => sizes.runtime_deps += size,
            Some(Owner::Wasmi) => sizes.wasmi += size,
            Some(Owner::Wasmtime) => sizes.wasmtime += size,
            Some(Owner::Other) | None => {}
        }
    }
    Ok(sizes)
}

#[derive(Debug, PartialEq, Eq)]
enum Owner {
    Runtime,
    Wasi,
    RuntimeDeps,
    Wasmi,
    Wasmtime,
    /// The firmware's own crates: an impl of a runtime trait there is theirs.
    Other,
}

/// The counted crate that `name` (demangled) belongs to: the first crate
/// path in it, e.g. the `Self` type of an impl.
fn owner(name: &str) -> Option<Owner> {
    if name.starts_with("basalt_") && !name.contains("::") {
        // The runtime's assembly symbols: basalt_enter, basalt_trap_resume.
        return Some(Owner::Runtime);
    }
    // The first path that starts a crate name: after `<`, `&`, `(`, `[`,
    // spaces and commas, so generic arguments and impl headers count too.
    let mut best: Option<(usize, Owner)> = None;
    for (pat, who) in [
        ("basalt::wasi::", Owner::Wasi),
        ("basalt::", Owner::Runtime),
        ("serde::", Owner::RuntimeDeps),
        ("serde_core::", Owner::RuntimeDeps),
        ("crc32fast::", Owner::RuntimeDeps),
        ("crc::", Owner::RuntimeDeps),
        ("wasmi::", Owner::Wasmi),
        ("wasmi_core::", Owner::Wasmi),
        ("wasmi_ir::", Owner::Wasmi),
        ("wasmi_collections::", Owner::Wasmi),
        ("wasmparser::", Owner::Wasmi),
        ("wasmtime::", Owner::Wasmtime),
        ("wasmtime_", Owner::Wasmtime),
        ("pulley_interpreter::", Owner::Wasmtime),
        ("cranelift_bitset::", Owner::Wasmtime),
        ("object::", Owner::Wasmtime),
        ("gimli::", Owner::Wasmtime),
        ("postcard::", Owner::RuntimeDeps),
        ("basalt_board::", Owner::Other),
        ("basalt_platform::", Owner::Other),
        ("basalt_bench_kernels::", Owner::Other),
    ] {
        let at = name.match_indices(pat).find(|(i, _)| {
            *i == 0
                || matches!(
                    name.as_bytes()[i - 1],
                    b'<' | b'&' | b'(' | b'[' | b' ' | b','
                )
        });
        if let Some((i, _)) = at {
            // `basalt::wasi::` also matches `basalt::`; the longer pattern
            // is listed first and wins at the same position.
            if best.as_ref().is_none_or(|(b, _)| i < *b) {
                best = Some((i, who));
            }
        }
    }
    best.map(|(_, who)| who).filter(|w| *w != Owner::Other)
}

/// Compile throughput on `wasm`: megabytes of Wasm per second, best of
/// `rounds` runs of `compile` (Basalt's or wasmtime's), and the threads
/// there were to compile functions in parallel.
pub fn compile_throughput(
    wasm: &[u8],
    rounds: u32,
    compile: impl Fn(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<(f64, usize), String> {
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let t = std::time::Instant::now();
        compile(wasm)?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok((wasm.len() as f64 / 1e6 / best, threads))
}

/// Run a `cargo build` command; an error carries cargo's output.
pub(crate) fn run_cargo(command: &mut std::process::Command, what: &str) -> Result<(), String> {
    let out = command
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "building {what} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_attributed_to_their_crate() {
        assert_eq!(owner("basalt::func::Func::call"), Some(Owner::Runtime));
        assert_eq!(owner("basalt_enter"), Some(Owner::Runtime));
        assert_eq!(owner("basalt::wasi::fd_write"), Some(Owner::Wasi));
        assert_eq!(
            owner("core::ptr::drop_in_place<basalt::store::Store<x>>"),
            Some(Owner::Runtime)
        );
        assert_eq!(
            owner("<wasmi::engine::Engine as core::fmt::Debug>::fmt"),
            Some(Owner::Wasmi)
        );
        assert_eq!(owner("basalt_board::job::run"), None);
        assert_eq!(owner("<basalt_board::X as basalt::Y>::f"), None);
        assert_eq!(owner("core::fmt::write"), None);
    }
}
