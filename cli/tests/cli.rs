//! The `basalt` binary as a user runs it: exit codes and messages for
//! modules the board cannot link, and fuel and epoch limits on WASI
//! commands (they must work as with `--invoke`).

use std::path::PathBuf;
use std::process::{Command, Output};

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("basalt-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Write `wat` to a file and run `basalt run <file> args...`.
fn basalt_run(name: &str, wat: &str, args: &[&str]) -> Output {
    let file = scratch(name).join(format!("{name}.wat"));
    std::fs::write(&file, wat).expect("write module");
    Command::new(env!("CARGO_BIN_EXE_basalt"))
        .arg("run")
        .arg(&file)
        .args(args)
        .output()
        .expect("run basalt")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_missing_import_is_a_clear_error_not_a_panic() {
    let out = basalt_run(
        "missing-import",
        r#"(module
             (import "env" "nope" (func))
             (func (export "f") (result i32) (i32.const 7)))"#,
        &["--invoke", "f"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("unknown import: `env::nope` has not been defined"),
        "{stderr}"
    );
}

#[test]
fn an_export_after_imported_functions_gets_its_own_signature() {
    // Export index 2 (after two imports) takes an i64: the arguments are
    // checked against it, not against a neighbour's.
    let out = basalt_run(
        "import-index",
        r#"(module
             (import "spectest" "print_i32" (func (param i32)))
             (import "spectest" "print_i32" (func $p (param i32)))
             (func (export "twice") (param i64) (result i64)
               (i64.add (local.get 0) (local.get 0))))"#,
        &["--invoke", "twice", "21"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "42\n");
}

/// A WASI command that counts down from its first argument's length times
/// 1000 and then prints `done`.
const COUNTDOWN: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "done\n")
  (func (export "_start")
    (local $k i32)
    (local.set $k (i32.const 1000))
    (loop $l
      (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 5))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

/// A WASI command that never ends.
const SPIN: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (loop $l (br $l))))"#;

#[test]
fn wasi_commands_get_the_fuel_they_are_given() {
    let out = basalt_run("wasi-fuel", COUNTDOWN, &["--fuel", "100000"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(text(&out.stdout), "done\n");
    let left: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("remaining fuel: "))
        .unwrap_or_else(|| panic!("no fuel line in {stderr:?}"))
        .parse()
        .expect("a number");
    assert!(left > 90_000 && left < 100_000, "{left}");

    let out = basalt_run("wasi-little-fuel", COUNTDOWN, &["--fuel", "500"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: wasm trap: all fuel consumed by WebAssembly"),
        "{stderr}"
    );
    // What the trapping function spent since its last call is not written
    // back (README, fuel), so only the line itself is certain.
    assert!(stderr.contains("remaining fuel: "), "{stderr}");
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn wasi_commands_stop_at_their_timeout() {
    let out = basalt_run(
        "wasi-timeout",
        SPIN,
        &["--timeout-ms", "50", "--timeout", "30"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: wasm trap: interrupt"), "{stderr}");
}

/// A WASI command that sleeps 10 s through `poll_oneoff` (one relative
/// clock subscription), then exits 0.
const SLEEPER: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; subscription at 0: userdata 0, tag 0 (clock), clock id 1 (monotonic)
    ;; at 16, timeout 10 s at 24, precision 0, flags 0 (relative) at 40.
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 10000000000))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))"#;

#[test]
fn a_wasi_sleep_costs_fuel() {
    // Without fuel charged for the wait it would sleep the 10 s out and
    // exit 0.
    let out = basalt_run("wasi-sleep-fuel", SLEEPER, &["--fuel", "1000000"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: wasm trap: all fuel consumed by WebAssembly"),
        "{stderr}"
    );
}

/// `fd_write` with more iovecs than `IOV_MAX` (1025 empty ones) answers
/// `EINVAL` (28), which the command passes to `proc_exit`.
#[test]
fn fd_write_caps_its_iovec_count() {
    let out = basalt_run(
        "wasi-iovecs",
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write"
               (func $fd_write (param i32 i32 i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (func (export "_start")
               (call $exit
                 (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1025) (i32.const 16384)))))"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(28), "{}", text(&out.stderr));
}

/// Run `basalt` with `args` (no board needed).
fn basalt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(args)
        .output()
        .expect("run basalt")
}

#[test]
fn help_lists_every_subcommand_and_exits_0() {
    let out = basalt(&["--help"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for sub in ["compile", "run", "wast", "bench", "keygen"] {
        assert!(stdout.contains(sub), "{sub} missing from:\n{stdout}");
    }
    // Per-subcommand help names that subcommand's own flags.
    let out = basalt(&["run", "--help"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for flag in [
        "--invoke",
        "--fuel",
        "--timeout-ms",
        "--profile",
        "--board",
        "--trust",
    ] {
        assert!(stdout.contains(flag), "{flag} missing from:\n{stdout}");
    }
    let out = basalt(&["help", "compile"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--strip-names"));
}

#[test]
fn version_prints_the_crate_version() {
    let out = basalt(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout).trim(),
        concat!("basalt ", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_command_lines_exit_2_with_a_message() {
    for args in [
        &["run", "x.wat", "--no-such-flag"][..],
        &["frobnicate"],
        &[],
        &["compile", "x.wat"],
        &["run", "x.wat", "--bounds-checks=fast", "--invoke", "f"],
    ] {
        let out = basalt(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.is_empty(), "{args:?} printed nothing");
    }
}
