//! Links with the board's memory map for QEMU `virt` and precompiles the
//! guest: `basalt-build` runs the Basalt compiler on the host and leaves
//! the artifact in `OUT_DIR` for `include_bytes!`.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    // The board library's linker scripts; a copy of this crate would point
    // at its own (linker/README.md describes the memory map).
    basalt_build::link_with_board_scripts(manifest.join("../../linker"), "virt.ld");
    // `guest.wasm` is `guest.wat` assembled (a test keeps them equal); a
    // firmware's guest usually comes from a Wasm toolchain as `.wasm`, and
    // `basalt-build` reads text only with its `wat` feature.
    basalt_build::compile_file(manifest.join("guest.wasm"), "guest.bsl");
}
