//! The `basalt` command line and the `.wast` runner it shares with the
//! end-to-end tests. The host tools that boot QEMU live here, not in
//! `basalt-compiler`, so a firmware's build script (through
//! `basalt-build`) compiles only the compiler (see ARCHITECTURE.md).

pub mod wast;
