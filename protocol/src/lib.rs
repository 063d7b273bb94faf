//! The contract between the job-runner firmware (`board/src/runner/`) and
//! the host driver (`basalt-qemu`), in one `no_std` crate both depend on,
//! so no constant or codec is written twice.
//!
//! The host places a job blob in guest RAM with QEMU's loader: the
//! [`JOB_MAGIC`], the payload's length (`u32` LE), then the [`Payload`],
//! postcard-encoded. The board answers on its console, one line per
//! script command (see `board/src/runner/job.rs`), with names and bit
//! patterns in [`hex`], and leaves QEMU with one of the [`exit`] statuses.
#![no_std]

extern crate alloc;

pub mod hex;

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// First bytes of a job blob.
pub const JOB_MAGIC: [u8; 4] = *b"BJOB";
/// The magic and the payload length.
pub const JOB_HEADER_LEN: usize = 8;

/// Guest instructions per `CNTVCT_EL0` tick under QEMU's `-icount
/// shift=0`: the counter runs at 62.5 MHz and one instruction takes 1 ns.
pub const INSTRUCTIONS_PER_TICK: u64 = 16;

/// Exit statuses of the job-runner firmware (QEMU's, through semihosting).
pub mod exit {
    /// The script ran to its end (traps included).
    pub const OK: i32 = 0;
    /// No job blob, or one whose header is wrong.
    pub const BAD_JOB: i32 = 2;
    /// A required instantiation (or a WASI command's load) failed.
    pub const LOAD: i32 = 3;
    /// The payload or its script is malformed.
    pub const SCRIPT: i32 = 4;
    /// An unhandled exception or a panic, as Rust uses for a panicking test.
    pub const CRASH: i32 = 101;
    /// A WASI command trapped (as a shell reports SIGABRT).
    pub const WASI_TRAP: i32 = 134;
}

/// What a job carries to the board.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload<'a> {
    /// Artifacts, numbered from 0 in the script.
    #[serde(borrow)]
    pub artifacts: Vec<&'a [u8]>,
    /// Ed25519 public keys the board's engine trusts; none: any artifact runs.
    pub trusted: Vec<[u8; 32]>,
    /// The commands, one per line, numbered from 0 in the replies.
    pub script: &'a str,
}

/// Why a job blob cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub enum BlobError {
    /// The blob does not start with [`JOB_MAGIC`].
    Magic,
    /// The header's length runs past the blob.
    TooLarge,
    /// The payload does not decode.
    Payload,
}

impl core::fmt::Display for BlobError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            BlobError::Magic => "no job loaded (bad magic)",
            BlobError::TooLarge => "job too large",
            BlobError::Payload => "payload malformed",
        })
    }
}

impl core::error::Error for BlobError {}

impl<'a> Payload<'a> {
    /// The job blob: header, then the postcard-encoded payload.
    pub fn to_blob(&self) -> Vec<u8> {
        frame(&self.to_body())
    }

    /// The postcard encoding, without the header.
    pub fn to_body(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("a payload always serializes")
    }

    /// Read a job blob (which may be followed by the rest of its RAM region).
    pub fn from_blob(blob: &'a [u8]) -> Result<Self, BlobError> {
        let body = blob_body(blob)?;
        postcard::from_bytes(body).map_err(|_| BlobError::Payload)
    }
}

/// `body` behind a blob header.
pub fn frame(body: &[u8]) -> Vec<u8> {
    // Lengths beyond `u32` cannot be framed; saturating makes the board
    // reject the blob instead of misreading it.
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
    let mut blob = Vec::with_capacity(JOB_HEADER_LEN + body.len());
    blob.extend_from_slice(&JOB_MAGIC);
    blob.extend_from_slice(&len.to_le_bytes());
    blob.extend_from_slice(body);
    blob
}

/// The payload bytes behind a blob's header.
pub fn blob_body(blob: &[u8]) -> Result<&[u8], BlobError> {
    if blob.get(..4) != Some(&JOB_MAGIC[..]) {
        return Err(BlobError::Magic);
    }
    let len = blob
        .get(4..JOB_HEADER_LEN)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or(BlobError::TooLarge)?;
    blob.get(JOB_HEADER_LEN..)
        .and_then(|rest| rest.get(..len))
        .ok_or(BlobError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn a_payload_survives_the_trip() {
        let (a, b) = ([1u8, 2, 3], [0u8; 300]);
        let payload = Payload {
            artifacts: vec![&a[..], &[][..], &b[..]],
            trusted: vec![[0xab; 32]],
            script: "invoke 0 66\n",
        };
        let mut blob = payload.to_blob();
        assert_eq!(&blob[..4], b"BJOB");
        let len = u32::from_le_bytes(blob[4..8].try_into().unwrap()) as usize;
        assert_eq!(len, blob.len() - JOB_HEADER_LEN);
        // The loader's region is larger than the blob.
        blob.extend_from_slice(&[0xff; 16]);
        assert_eq!(Payload::from_blob(&blob), Ok(payload));
    }

    #[test]
    fn bad_blobs_are_typed_errors() {
        assert_eq!(Payload::from_blob(b"XJOB\0\0\0\0"), Err(BlobError::Magic));
        assert_eq!(Payload::from_blob(b"BJ"), Err(BlobError::Magic));
        assert_eq!(
            Payload::from_blob(b"BJOB\x09\0\0\0abc"),
            Err(BlobError::TooLarge)
        );
        assert_eq!(
            Payload::from_blob(b"BJOB\x02\0\0\0\x05\x01"),
            Err(BlobError::Payload)
        );
    }
}
