//! `basalt objdump`: function names, trap sites, call targets, artifacts
//! as input, and errors for bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

const MODULE: &str = r#"(module
  (memory 1)
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $quotient (export "quotient") (param i32 i32) (result i32)
    (i32.div_u (local.get 0) (local.get 1)))
  (func $never (unreachable))
  (func $grow (param i32) (result i32) (memory.grow (local.get 0))))"#;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("basalt-objdump-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn basalt(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(args)
        .output()
        .expect("run basalt")
}

fn objdump(file: &std::path::Path, extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["objdump".as_ref(), file.as_os_str()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    basalt(&args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The lines of the function labelled `name`.
fn function<'a>(listing: &'a str, name: &str) -> Vec<&'a str> {
    let header = format!("<{name}>:");
    listing
        .lines()
        .skip_while(|l| !l.ends_with(&header))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

fn check_listing(listing: &str) {
    for name in [
        "fib",
        "quotient",
        "never",
        "grow",
        "array-call trampoline of fib",
    ] {
        assert!(
            !function(listing, name).is_empty(),
            "no code under <{name}>:\n{listing}"
        );
    }
    let fib = function(listing, "fib");
    assert_eq!(
        fib.iter()
            .filter(|l| l.contains(" bl ") && l.ends_with("; call fib"))
            .count(),
        2,
        "{listing}"
    );
    let quotient = function(listing, "quotient");
    assert!(
        quotient
            .iter()
            .any(|l| l.contains("udf") && l.ends_with("; trap: integer divide by zero")),
        "{listing}"
    );
    let never = function(listing, "never");
    assert!(
        never
            .iter()
            .any(|l| l.contains("udf") && l.contains("; trap: wasm `unreachable`")),
        "{listing}"
    );
    let grow = function(listing, "grow");
    assert!(
        grow.iter()
            .any(|l| l.contains("blr ") && l.ends_with("; libcall Memory32Grow")),
        "{listing}"
    );
}

#[test]
fn names_functions_trap_sites_and_call_targets() {
    let file = scratch("wat").join("m.wat");
    std::fs::write(&file, MODULE).expect("write module");
    for mode in ["--bounds-checks=guard", "--bounds-checks=explicit"] {
        let out = objdump(&file, &[mode, "--spectre=off"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        check_listing(&text(&out.stdout));
    }
}

#[test]
fn explicit_bounds_checks_show_their_trap_site() {
    let file = scratch("load").join("m.wat");
    std::fs::write(
        &file,
        r#"(module (memory 1)
             (func $peek (export "peek") (param i32) (result i32) (i32.load (local.get 0))))"#,
    )
    .expect("write module");
    let count = |mode: &str| {
        let out = objdump(&file, &[mode]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let listing = text(&out.stdout);
        function(&listing, "peek")
            .iter()
            .filter(|l| l.ends_with("; trap: out of bounds memory access"))
            .count()
    };
    // Guard mode: the load itself is the trap site. Explicit: the load and
    // the check's `udf`.
    assert_eq!(count("--bounds-checks=guard"), 1);
    assert_eq!(count("--bounds-checks=explicit"), 2);
}

#[test]
fn reads_artifacts_and_names_unnamed_functions_by_index() {
    let dir = scratch("bsl");
    let wat = dir.join("m.wat");
    std::fs::write(&wat, MODULE).expect("write module");
    let bsl = dir.join("m.bsl");
    let out = basalt(&[
        "compile".as_ref(),
        wat.as_os_str(),
        "-o".as_ref(),
        bsl.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = objdump(&bsl, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    check_listing(&text(&out.stdout));

    let stripped = dir.join("stripped.bsl");
    let out = basalt(&[
        "compile".as_ref(),
        wat.as_os_str(),
        "-o".as_ref(),
        stripped.as_os_str(),
        "--strip-names".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listing = text(&objdump(&stripped, &[]).stdout);
    let fib = function(&listing, "wasm function 0");
    assert!(!fib.is_empty(), "{listing}");
    assert!(
        fib.iter().any(|l| l.ends_with("; call <wasm function 0>")),
        "{listing}"
    );
}

#[test]
fn bad_input_is_an_error_not_a_crash() {
    let dir = scratch("bad");
    let garbage = dir.join("garbage.wasm");
    std::fs::write(&garbage, b"\0asm\x01\0\0\0\x07garbage").expect("write");
    let corrupt = dir.join("corrupt.bsl");
    let wat = dir.join("m.wat");
    std::fs::write(&wat, MODULE).expect("write module");
    let out = basalt(&[
        "compile".as_ref(),
        wat.as_os_str(),
        "-o".as_ref(),
        corrupt.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut bytes = std::fs::read(&corrupt).expect("read artifact");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&corrupt, bytes).expect("write");
    let missing = dir.join("missing.wasm");
    for file in [&garbage, &corrupt, &missing] {
        let out = objdump(file, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {stderr}", file.display());
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // A bad command line is a usage error, as for every subcommand.
    for extra in [&["--bounds-checks=sideways"][..], &["-o", "x"][..]] {
        let out = objdump(&wat, extra);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).starts_with("error: "),
            "{}",
            text(&out.stderr)
        );
    }
}
