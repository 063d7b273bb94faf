//! The test and benchmark job runner: the firmware `basalt-qemu` boots. It
//! is built on the board library like any firmware (`entry!`), reads the
//! job blob the QEMU loader placed at the linker script's `__job_start` and
//! hands it to [`job::run`].

mod bundled;
mod job;

use basalt_board::arena::{self, Arenas};
use basalt_protocol::{exit, Payload};

/// The firmware entry: run the job the loader placed in RAM.
pub fn main(arenas: Arenas) -> i32 {
    match Payload::from_blob(arena::job_region()) {
        Ok(payload) => job::run(payload, arenas, &basalt_board::PLATFORM),
        Err(e) => {
            println!("error: {e}");
            exit::BAD_JOB
        }
    }
}
