//! Links with the board's memory map for QEMU `virt` and precompiles the
//! guest: `basalt-build` runs the Basalt compiler on the host and leaves
//! the artifact in `OUT_DIR` for `include_bytes!`.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    // The board library's linker scripts; a copy of this crate would point
    // at its own (linker/README.md describes the memory map).
    let linker = manifest.join("../../linker");
    let linker = linker.canonicalize().unwrap_or(linker);
    for script in ["layout.ld", "virt.ld"] {
        println!("cargo:rerun-if-changed={}", linker.join(script).display());
    }
    println!("cargo:rustc-link-arg=-L{}", linker.display());
    println!(
        "cargo:rustc-link-arg=-T{}",
        linker.join("virt.ld").display()
    );
    // `guest.wasm` is `guest.wat` assembled (a test keeps them equal); a
    // firmware's guest usually comes from a Wasm toolchain as `.wasm`, and
    // `basalt-build` reads text only with its `wat` feature.
    basalt_build::compile_file(manifest.join("guest.wasm"), "guest.bsl");
}
