//! The test and benchmark job runner: the firmware `basalt-qemu` boots. It
//! is built on the board library like any firmware (`entry!`), reads the
//! job blob the QEMU loader placed at the linker script's `__job_start` and
//! hands it to [`job::run`].

mod bundled;
mod job;

use basalt_board::arena::{self, Arenas};

/// Job blob header: magic then little-endian payload length.
const JOB_MAGIC: &[u8; 4] = b"BJOB";
const JOB_HEADER_LEN: usize = 8;

/// Exit status for a job blob that is missing or malformed.
const EXIT_BAD_JOB: i32 = 2;

/// The firmware entry: run the job the loader placed in RAM.
pub fn main(arenas: Arenas) -> i32 {
    match job_payload() {
        Ok(payload) => job::run(payload, arenas, &basalt_board::PLATFORM),
        Err(message) => {
            println!("error: {message}");
            EXIT_BAD_JOB
        }
    }
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
