//! WASI preview 1 on the board: real programs built by their own
//! toolchains (Rust for wasm32-wasip1, C with wasi-libc) print, read the
//! clock, draw random numbers and return their exit codes; a hand-written
//! module checks the errno answers libc relies on, and traps and exits.

use basalt_qemu::{Job, RunOptions, WasiEnd, WasiLimits, WasiReport};
use basalt_tests::wasi::{build_c_example, build_rust_example};

fn run(wasm: &[u8], args: &[&str]) -> WasiReport {
    let artifact = basalt_compiler::compile(wasm, &Default::default())
        .unwrap_or_else(|e| panic!("compile: {e}"));
    Job::wasi_run(artifact, args, WasiLimits::default())
        .run_wasi(&RunOptions::default())
        .unwrap_or_else(|e| panic!("qemu: {e}"))
}

fn assert_lines(report: &WasiReport, lines: &[String]) {
    let got: Vec<&str> = report.output.lines().collect();
    for line in lines {
        assert!(
            got.contains(&line.as_str()),
            "missing {line:?} in:\n{}",
            report.output
        );
    }
}

/// The checksum `examples/wasi-rust` prints, computed here.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// The checksum `examples/wasi-c/demo.c` prints, computed here.
fn fib_fnv(n: u32) -> u32 {
    let (mut a, mut b, mut h) = (0u32, 1u32, 2_166_136_261u32);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
        for byte in a.to_le_bytes() {
            h = (h ^ u32::from(byte)).wrapping_mul(16_777_619);
        }
    }
    h
}

#[test]
fn rust_wasip1_program_runs_and_exits_42() {
    let wasm = build_rust_example("wasi-rust");
    let r = run(&wasm, &["demo", "alpha", "b c"]);
    assert_eq!(r.end, WasiEnd::Exit(42), "{}", r.output);
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
    assert_lines(
        &r,
        &[
            "argc = 3".into(),
            "argv[1] = alpha".into(),
            "argv[2] = b c".into(),
            "env vars = 0".into(),
            format!("crc32 = {:08x}", crc32(&data)),
            "clock moved = true".into(),
            "\"the\" appears 3 times".into(),
            // No stdin on the board: EBADF, which std reads as end of file.
            "stdin bytes = 0".into(),
            "exiting with 42".into(),
        ],
    );
}

#[test]
fn c_wasi_libc_program_runs_and_exits_7() {
    let wasm = build_c_example("wasi-c/demo.c", "wasi-c-demo.wasm");
    let r = run(&wasm, &["demo", "hello", "world"]);
    assert_eq!(r.end, WasiEnd::Exit(7), "{}", r.output);
    assert_lines(
        &r,
        &[
            "argc = 3".into(),
            "argv[1] = hello".into(),
            "argv[2] = world".into(),
            format!("fnv = {:08x}", fib_fnv(100_000)),
            "clock moved = true".into(),
            "getentropy = 0".into(),
            "stdin read = -1".into(),
            "exiting with 7".into(),
        ],
    );
}

/// Calls the functions whose errno values libc depends on and prints each
/// result as a digit pair through `fd_write`, then traps.
const ERRNOS: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; Print errno `e` as two decimal digits and a space on stdout.
  (func $show (param $e i32)
    (i32.store8 (i32.const 100) (i32.add (i32.const 48) (i32.div_u (local.get $e) (i32.const 10))))
    (i32.store8 (i32.const 101) (i32.add (i32.const 48) (i32.rem_u (local.get $e) (i32.const 10))))
    (i32.store8 (i32.const 102) (i32.const 32))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (call $show (call $prestat (i32.const 3) (i32.const 200)))                ;; 08 EBADF
    (call $show (call $seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 200))) ;; 67 ESPIPE
    (call $show (call $fdstat (i32.const 1) (i32.const 200)))                 ;; 00
    (call $show (i32.load8_u (i32.const 200)))                                ;; 02 char device
    (call $show (call $fdstat (i32.const 1) (i32.const 70000)))               ;; 21 EFAULT
    (call $show (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0)
                            (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 200))) ;; 08
    (call $show (call $raise (i32.const 6)))                                  ;; 52 ENOSYS
    (call $show (call $close (i32.const 2)))                                  ;; 00
    (call $show (call $fdstat (i32.const 2) (i32.const 200)))                 ;; 08: closed
    unreachable))
"#;

#[test]
fn errno_values_and_a_trap_reach_the_host() {
    let wasm = wat::parse_str(ERRNOS).expect("valid wat");
    let r = run(&wasm, &["errnos"]);
    assert_eq!(r.output, "08 67 00 02 21 08 52 00 08 \n", "{r:?}");
    assert_eq!(
        r.end,
        WasiEnd::Trap("wasm `unreachable` instruction executed".into())
    );
}

#[test]
fn every_preview1_import_links() {
    // A module importing a few of the errno-only functions links and runs.
    let wasm = wat::parse_str(
        r#"(module
          (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_symlink" (func (param i32 i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "poll_oneoff" (func (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.const 3)) unreachable))"#,
    )
    .expect("valid wat");
    let r = run(&wasm, &["x"]);
    assert_eq!(r.end, WasiEnd::Exit(3), "{r:?}");
    assert_eq!(r.output, "");
}
