//! `basalt-board`: the library a firmware for an aarch64 board is built on,
//! one machine per build: QEMU `virt` (feature `virt`, the default) or the
//! Raspberry Pi 3 / QEMU `raspi3b` (feature `raspi3b`).
//!
//! Everything here is shared except [`machine`], which holds what differs
//! between boards (memory map, UART, interrupt controller, boot map; see
//! `machine/virt.rs` for the seam).
//!
//! Boot (`boot.rs`) drops to EL1, installs the vectors and stacks and calls
//! `main`, which brings up the console, heap, MMU and interrupt controller
//! and calls the firmware's entry, declared with [`entry!`], with the
//! [`Arenas`](arena::Arenas) for Wasm code and memories. The firmware leaves
//! QEMU through semihosting with the entry's return value as its status
//! (`exit.rs`); a real board halts.
//!
//! The test and benchmark job runner is not part of the library: it is the
//! binaries in `src/bin/` (code in `src/runner/`, feature `runner`), built
//! on this library as any firmware is (see `examples/firmware/`).
#![no_std]

#[cfg(all(feature = "virt", feature = "raspi3b"))]
compile_error!(
    "choose one machine: `virt` (default) or `--no-default-features --features raspi3b`"
);
#[cfg(not(any(feature = "virt", feature = "raspi3b")))]
compile_error!("choose a machine: feature `virt` or `raspi3b`");

extern crate alloc;

#[macro_use]
pub mod console;

pub mod arena;
#[cfg(feature = "raspi3b")]
mod bcm2836;
mod boot;
mod daif;
mod exit;
#[cfg(feature = "virt")]
mod gic;
pub mod heap;
#[cfg_attr(feature = "virt", path = "machine/virt.rs")]
#[cfg_attr(feature = "raspi3b", path = "machine/raspi3b.rs")]
mod machine;
pub mod mmu;
mod platform;
#[cfg(feature = "runner")]
pub mod probes;
mod timer;
mod vaspace;
mod vectors;

pub use exit::exit;
pub use platform::BoardPlatform;

/// The one platform value every store on the board shares.
pub static PLATFORM: BoardPlatform = BoardPlatform;

/// Declare the firmware's entry: `fn(Arenas) -> i32`, called once at EL1
/// with the console, heap, MMU and interrupts up; its return value is the
/// exit status.
///
/// ```ignore
/// basalt_board::entry!(main);
/// fn main(arenas: basalt_board::arena::Arenas) -> i32 { 0 }
/// ```
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        /// The firmware entry the board library calls (see `basalt_board::entry!`).
        #[no_mangle]
        pub extern "Rust" fn __basalt_board_entry(arenas: $crate::arena::Arenas) -> i32 {
            let main: fn($crate::arena::Arenas) -> i32 = $main;
            main(arenas)
        }
    };
}

extern "Rust" {
    /// Defined by the firmware with [`entry!`].
    fn __basalt_board_entry(arenas: arena::Arenas) -> i32;
}

/// Rust entry, called once by `boot.rs` at EL1 on the main stack with
/// `.bss` zeroed, FP enabled and the boot map live (MMU on).
#[no_mangle]
extern "C" fn main() -> ! {
    console::init();
    heap::init();
    mmu::init();
    machine::irq::init();
    let arenas = arena::take().expect("arenas are taken once, here");
    // SAFETY: `entry!` defines the symbol with exactly this signature; a
    // firmware without it does not link.
    exit(unsafe { __basalt_board_entry(arenas) })
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut out = console::emergency();
    use core::fmt::Write;
    let _ = match info.location() {
        Some(at) => writeln!(
            out,
            "panic: {} at {}:{}",
            info.message(),
            at.file(),
            at.line()
        ),
        None => writeln!(out, "panic: {}", info.message()),
    };
    exit::exit(exit::EXIT_CRASH)
}
