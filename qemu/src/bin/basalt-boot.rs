//! `basalt-boot <firmware.elf> [timeout-seconds]`: boot a firmware ELF on
//! QEMU `virt` (installing QEMU when it is missing), stream its console and
//! exit with its status. A firmware crate names it as its cargo `runner`
//! (see `examples/firmware/.cargo/config.toml`), so `cargo run` boots it.

use basalt_qemu::{boot_elf, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(elf), timeout, None) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: basalt-boot <firmware.elf> [timeout-seconds]");
        return ExitCode::from(2);
    };
    let timeout = match timeout.map(|t| t.to_string_lossy().parse::<u64>()) {
        None => Duration::from_secs(60),
        Some(Ok(secs)) if secs > 0 => Duration::from_secs(secs),
        Some(_) => {
            eprintln!("basalt-boot: the timeout is a whole number of seconds");
            return ExitCode::from(2);
        }
    };
    let opts = RunOptions {
        timeout,
        echo: true,
        ..RunOptions::default()
    };
    match boot_elf(&PathBuf::from(elf), &opts) {
        // Semihosting exit codes are 0..=255 on the host.
        Ok(out) => ExitCode::from(out.status as u8),
        Err(e) => {
            eprintln!("basalt-boot: {e}");
            ExitCode::FAILURE
        }
    }
}
