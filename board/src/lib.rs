//! `basalt-board`: Basalt firmware for an aarch64 board, one machine per
//! build: QEMU `virt` (feature `virt`, the default) or the Raspberry Pi 3 /
//! QEMU `raspi3b` (feature `raspi3b`).
//!
//! Everything here is shared except [`machine`], which holds what differs
//! between boards (memory map, UART, interrupt controller, boot map; see
//! `machine/virt.rs` for the seam). The binaries in `src/bin/` only link
//! this library with their machine's linker script.
//!
//! Boot (`boot.rs`) drops to EL1, installs the vectors and stacks and calls
//! [`main`], which brings up the console, heap, MMU and interrupt
//! controller, checks the job blob the loader placed at the linker script's
//! `__job_start` and hands it to [`job::run`]. The firmware leaves QEMU
//! through semihosting with the job's status (`exit.rs`).
#![no_std]

#[cfg(all(feature = "virt", feature = "raspi3b"))]
compile_error!(
    "choose one machine: `virt` (default) or `--no-default-features --features raspi3b`"
);
#[cfg(not(any(feature = "virt", feature = "raspi3b")))]
compile_error!("choose a machine: feature `virt` or `raspi3b`");

extern crate alloc;

#[macro_use]
mod console;

mod arena;
#[cfg(feature = "raspi3b")]
mod bcm2836;
mod boot;
mod bundled;
mod daif;
mod exit;
#[cfg(feature = "virt")]
mod gic;
mod heap;
mod job;
#[cfg_attr(feature = "virt", path = "machine/virt.rs")]
#[cfg_attr(feature = "raspi3b", path = "machine/raspi3b.rs")]
mod machine;
mod mmu;
mod platform;
mod timer;
mod vaspace;
mod vectors;

pub use exit::exit;
pub use platform::BoardPlatform;

/// The one platform value every store on the board shares.
pub static PLATFORM: BoardPlatform = BoardPlatform;

/// Job blob header: magic then little-endian payload length.
const JOB_MAGIC: &[u8; 4] = b"BJOB";
const JOB_HEADER_LEN: usize = 8;

/// Exit status for a job blob that is missing or malformed.
const EXIT_BAD_JOB: i32 = 2;

/// Rust entry, called once by `boot.rs` at EL1 on the main stack with
/// `.bss` zeroed, FP enabled and the boot map live (MMU on).
#[no_mangle]
extern "C" fn main() -> ! {
    console::init();
    heap::init();
    mmu::init();
    machine::irq::init();
    let payload = match job_payload() {
        Ok(payload) => payload,
        Err(message) => {
            println!("error: {message}");
            exit(EXIT_BAD_JOB);
        }
    };
    let arenas = arena::take().expect("arenas are taken once, here");
    exit(job::run(payload, arenas, &PLATFORM))
}

/// The payload of the job blob, after checking its header.
fn job_payload() -> Result<&'static [u8], &'static str> {
    let blob = arena::job_region();
    if &blob[..4] != JOB_MAGIC {
        return Err("no job loaded (bad magic)");
    }
    let len = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    if len > blob.len() - JOB_HEADER_LEN {
        return Err("job too large");
    }
    Ok(&blob[JOB_HEADER_LEN..JOB_HEADER_LEN + len])
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
