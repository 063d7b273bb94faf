//! Links both firmwares with the board's memory map for QEMU `virt` and
//! precompiles the example's guest, as `examples/firmware/build.rs` does.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../..");
    basalt_build::link_with_board_scripts(root.join("linker"), "virt.ld");
    basalt_build::compile_file(root.join("examples/firmware/guest.wasm"), "guest.bsl");
}
