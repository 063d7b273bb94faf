//! The build graph holds the layering ARCHITECTURE.md describes: what a
//! firmware links, and what its build script compiles, contain no QEMU
//! driver, no `.wast` runner, no benchmark peers; only `--features bench`
//! brings the peers in (checked too, so the test can fail).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The package names `cargo tree` lists for `args`, run in `dir`
/// (offline: the lock files pin everything).
fn tree(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = basalt_qemu::nested_cargo(dir)
        .args(["tree", "--offline", "--prefix", "none", "--format", "{p}"])
        .args(args)
        .output()
        .expect("cargo tree runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cargo tree {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Host tooling and benchmark peers that a firmware must never carry.
const NEVER_IN_FIRMWARE: [&str; 6] = [
    "basalt-qemu",
    "basalt-cli",
    "clap",
    "wasmi",
    "wasmtime",
    "basalt-bench-kernels",
];

fn assert_absent(names: &[String], what: &str) {
    for bad in NEVER_IN_FIRMWARE {
        assert!(
            !names.iter().any(|n| n == bad),
            "{what} pulls in {bad}: {names:?}"
        );
    }
}

#[test]
fn the_firmware_links_no_host_tools_and_no_peers() {
    let board = root().join("board");
    let linked = tree(&board, &["-e", "normal"]);
    assert!(linked.iter().any(|n| n == "basalt"), "{linked:?}");
    assert_absent(&linked, "the board's default build");
    // Nothing Wasm-text related is linked into the firmware at all.
    for text in ["wast", "wat"] {
        assert!(!linked.iter().any(|n| n == text), "the board links {text}");
    }
}

#[test]
fn the_firmware_build_script_compiles_only_the_compiler() {
    let board = root().join("board");
    let built = tree(&board, &["-e", "normal,build"]);
    assert!(built.iter().any(|n| n == "basalt-compiler"), "{built:?}");
    assert_absent(&built, "the board's build (build script included)");
    let build = tree(&root(), &["-e", "normal", "-p", "basalt-build"]);
    assert!(build.iter().any(|n| n == "cranelift-codegen"), "{build:?}");
    assert_absent(&build, "basalt-build");
    // No text-format parser either: `basalt-build` reads `.wat` only with
    // its `wat` feature, which the runner binaries turn on (they bundle
    // `examples/fib.wat`) and a firmware on the library does not need.
    for text in ["wast", "wat"] {
        assert!(
            !built.iter().any(|n| n == text),
            "the board's build has {text}"
        );
        assert!(!build.iter().any(|n| n == text), "basalt-build has {text}");
    }
    let runner = tree(&board, &["-e", "normal,build", "--features", "runner"]);
    assert!(runner.iter().any(|n| n == "wat"), "{runner:?}");
    assert_absent(&runner, "the runner build");
}

#[test]
fn only_the_bench_build_brings_the_peers() {
    let board = root().join("board");
    let bench = tree(&board, &["-e", "normal", "--features", "bench"]);
    for peer in ["wasmi", "wasmtime", "basalt-bench-kernels"] {
        assert!(bench.iter().any(|n| n == peer), "bench build lacks {peer}");
    }
    assert!(!bench.iter().any(|n| n == "basalt-qemu"), "{bench:?}");
}
