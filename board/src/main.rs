//! `basalt-virt`: Basalt firmware for `qemu-system-aarch64 -M virt`.
//!
//! Boot (`boot.rs`) drops to EL1, installs the vectors and stacks and calls
//! [`main`], which brings up the console, heap, MMU and GIC, checks the job blob
//! QEMU's loader placed at 0x4800_0000 and hands it to [`job::run`]. The
//! firmware leaves QEMU through semihosting with the job's status.
#![no_std]
#![no_main]

extern crate alloc;

#[macro_use]
mod console;

mod arena;
mod boot;
mod bundled;
mod exit;
mod gic;
mod heap;
mod job;
mod mmu;
mod platform;
mod timer;
mod vaspace;
mod vectors;

pub use exit::exit;
pub use platform::VirtPlatform;

/// The one platform value every store on the board shares.
pub static PLATFORM: VirtPlatform = VirtPlatform;

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
    gic::init();
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
