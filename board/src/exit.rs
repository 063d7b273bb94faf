//! Leaving QEMU with a status code through Arm semihosting (`SYS_EXIT`).

use core::arch::asm;
use core::sync::atomic::{AtomicBool, Ordering};

/// Status for a crash (unhandled exception or panic), as Rust uses for a
/// panicking test.
pub const EXIT_CRASH: i32 = basalt_protocol::exit::CRASH;

/// Semihosting operation number of `SYS_EXIT`.
const SYS_EXIT: u32 = 0x18;
/// `ADP_Stopped_ApplicationExit`: the reason that carries an exit code.
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x2_0026;

static EXITING: AtomicBool = AtomicBool::new(false);

/// End the VM with `code` (QEMU needs `-semihosting-config enable=on`).
///
/// Without semihosting `hlt` is an undefined instruction; the resulting
/// crash report calls `exit` again, so a second call parks the core instead
/// of recursing.
pub fn exit(code: i32) -> ! {
    if !EXITING.swap(true, Ordering::SeqCst) {
        let block: [u64; 2] = [ADP_STOPPED_APPLICATION_EXIT, code as u32 as u64];
        // SAFETY: `hlt #0xf000` with w0 = SYS_EXIT and x1 = address of a
        // two-word parameter block is the AArch64 semihosting exit call; it
        // only reads the block, which lives until the call (which does not
        // return under QEMU).
        unsafe {
            asm!("hlt #0xf000", in("w0") SYS_EXIT, in("x1") block.as_ptr(), options(nostack));
        }
    }
    loop {
        aarch64_cpu::asm::wfe();
    }
}
