//! Links both firmwares with the board's memory map for QEMU `virt` and
//! precompiles the example's guest, as `examples/firmware/build.rs` does.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../..");
    let linker = root.join("linker");
    let linker = linker.canonicalize().unwrap_or(linker);
    for script in ["layout.ld", "virt.ld"] {
        println!("cargo:rerun-if-changed={}", linker.join(script).display());
    }
    println!("cargo:rustc-link-arg=-L{}", linker.display());
    println!(
        "cargo:rustc-link-arg=-T{}",
        linker.join("virt.ld").display()
    );
    basalt_build::compile_file(root.join("examples/firmware/guest.wasm"), "guest.bsl");
}
