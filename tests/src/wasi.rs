//! Building the WASI example programs with their own toolchains: cargo for
//! `wasm32-wasip1` (Rust) and clang with Debian's wasi-libc (C).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Build the Rust crate in `examples/<name>` for `wasm32-wasip1` (release,
/// target dir `target/wasi-examples`) and return its `.wasm`. Variables the
/// outer `cargo test` set for its own build are removed so the example's
/// build is the one a user would run in that directory.
pub fn build_rust_example(name: &str) -> Vec<u8> {
    let root = repo_root();
    let dir = root.join("examples").join(name);
    let target_dir = root.join("target").join("wasi-examples");
    basalt_qemu::ensure_rust_target(&dir, "wasm32-wasip1");
    let mut cargo = basalt_qemu::nested_cargo(&dir);
    cargo
        .args(["build", "--quiet", "--release", "--target", "wasm32-wasip1"])
        .arg("--target-dir")
        .arg(&target_dir);
    run(&mut cargo, "cargo build --target wasm32-wasip1");
    let wasm = target_dir
        .join("wasm32-wasip1")
        .join("release")
        .join(format!("{name}.wasm"));
    std::fs::read(&wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()))
}

/// Compile `examples/<path>` with `clang --target=wasm32-wasi` against
/// Debian's wasi-libc (packages `clang`, `lld`, `wasi-libc`,
/// `libclang-rt-14-dev-wasm32`; installed with apt-get when missing and
/// running as root) into
/// `target/wasi-examples/<out>` and return the `.wasm`.
pub fn build_c_example(path: &str, out: &str) -> Vec<u8> {
    ensure_c_toolchain();
    let root = repo_root();
    let dir = root.join("target").join("wasi-examples");
    std::fs::create_dir_all(&dir).expect("create target/wasi-examples");
    let wasm = dir.join(out);
    let mut clang = Command::new("clang");
    clang
        .args(["--target=wasm32-wasi", "-O2", "-Wall", "-Werror"])
        .arg(root.join("examples").join(path))
        .arg("-o")
        .arg(&wasm);
    run(&mut clang, "clang --target=wasm32-wasi");
    std::fs::read(&wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()))
}

/// Debian packages the C example needs.
const C_PACKAGES: [&str; 4] = ["clang", "lld", "wasi-libc", "libclang-rt-14-dev-wasm32"];

/// Install the C toolchain with apt-get when it is missing and we may (root
/// on Debian), as the QEMU driver does for QEMU, so `cargo test` works on a
/// fresh machine; otherwise the build step says what to install.
fn ensure_c_toolchain() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let installed = Command::new("dpkg")
            .arg("-s")
            .args(C_PACKAGES)
            .output()
            .is_ok_and(|o| o.status.success());
        // Root is what `id -u` calls 0.
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if installed || !root {
            return;
        }
        eprintln!(
            "basalt-tests: installing {} with apt-get",
            C_PACKAGES.join(" ")
        );
        let _ = Command::new("apt-get")
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output();
        let _ = Command::new("apt-get")
            .args(["install", "-y"])
            .args(C_PACKAGES)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output();
    });
}

fn run(command: &mut Command, what: &str) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e} (install: sudo apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
