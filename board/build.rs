//! Passes the machine's linker script (`../linker/<machine>.ld`, which
//! includes the shared `layout.ld`) to the linker by absolute path, so the
//! build works from any current directory (e.g. when `basalt-qemu` runs
//! it), and, for the job runner (feature `runner`), precompiles the
//! bundled example with `basalt-build` into `OUT_DIR`.

use std::path::PathBuf;

/// The binary and linker script of each machine feature.
const MACHINES: [(&str, &str, &str); 2] = [
    ("CARGO_FEATURE_VIRT", "basalt-virt", "virt.ld"),
    ("CARGO_FEATURE_RASPI3B", "basalt-raspi3b", "raspi3b.ld"),
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let linker = manifest.join("../linker");
    let linker = linker.canonicalize().unwrap_or(linker);
    println!(
        "cargo:rerun-if-changed={}",
        linker.join("layout.ld").display()
    );
    for (feature, bin, script) in MACHINES {
        if std::env::var_os(feature).is_some() {
            let script = linker.join(script);
            println!("cargo:rerun-if-changed={}", script.display());
            // -L: where the script's `INCLUDE layout.ld` is found.
            println!("cargo:rustc-link-arg-bin={bin}=-L{}", linker.display());
            println!("cargo:rustc-link-arg-bin={bin}=-T{}", script.display());
        }
    }
    // Only the job runner bundles the example: a firmware built on the
    // library does not pay for compiling it.
    if std::env::var_os("CARGO_FEATURE_RUNNER").is_some() {
        basalt_build::compile_file(manifest.join("../examples/fib.wat"), "fib.bsl");
    }
}
