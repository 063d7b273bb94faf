//! Passes the board's linker script to the linker by absolute path, so the
//! build works from any current directory (e.g. when `basalt-qemu` runs it),
//! and precompiles the bundled example with `basalt-build` into `OUT_DIR`.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let script = manifest.join("../linker/virt.ld");
    let script = script.canonicalize().unwrap_or(script);
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    basalt_build::compile_file(manifest.join("../examples/fib.wat"), "fib.bsl");
}
