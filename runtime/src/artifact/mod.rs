//! The artifact format: what the compiler writes and the runtime loads.
//!
//! ```text
//! 0   magic "BSLTart\0"          32  layout fingerprint (VMOffsets)
//! 8   format version u32         40  metadata offset u32, length u32
//! 12  target (ELF machine) u32   48  code offset u32, length u32 (16-aligned)
//! 16  required CPU features u64  56  signature offset u32 (0: unsigned)
//! 24  settings u32, reserved u32 60  CRC-32 of bytes 0..60 and 64..signed end
//! ```
//! Little-endian throughout. Metadata is `postcard`; code is raw aarch64
//! machine code, position independent (calls inside the blob are resolved by
//! the compiler; libcalls and imports go through the `VMContext`). A signed
//! artifact ends with a 96-byte signature block over everything before it
//! (see [`signature`](self::signature)); sections must lie before it.

mod decode;
mod error;
mod header;
mod metadata;
mod signature;

pub use error::ArtifactError;
pub use header::{
    BoundsChecks, CpuFeatures, Header, Settings, FORMAT_VERSION, HEADER_SIZE, MAGIC, TARGET_AARCH64,
};
pub use metadata::*;
pub use signature::{sign, verify, PublicKey, PUBLIC_KEY_SIZE, SIGNATURE_SIZE};

use alloc::vec::Vec;

/// Serialize an artifact.
pub fn write(
    settings: Settings,
    cpu_features: CpuFeatures,
    meta: &Metadata,
    code: &[u8],
) -> Vec<u8> {
    let meta_bytes = postcard::to_allocvec(meta).expect("metadata always serializes");
    let meta_offset = HEADER_SIZE;
    let code_offset = (meta_offset + meta_bytes.len()).next_multiple_of(16);
    let header = Header {
        version: FORMAT_VERSION,
        target: TARGET_AARCH64,
        cpu_features,
        settings,
        layout: crate::vm::VMOffsets::layout_fingerprint(),
        metadata: (meta_offset as u32, meta_bytes.len() as u32),
        code: (code_offset as u32, code.len() as u32),
        signature: None,
    };
    let mut out = Vec::with_capacity(code_offset + code.len());
    out.extend_from_slice(&header.encode());
    out.extend_from_slice(&meta_bytes);
    out.resize(code_offset, 0);
    out.extend_from_slice(code);
    let crc = header::checksum(&out, out.len());
    out[60..64].copy_from_slice(&crc.to_le_bytes());
    out
}

/// A checked artifact: header, decoded metadata and a view of the code.
#[derive(Debug)]
pub struct Artifact<'a> {
    /// The decoded header.
    pub header: Header,
    /// The decoded metadata.
    pub metadata: Metadata,
    /// The machine code.
    pub code: &'a [u8],
}

/// Check every header field and the checksum, then decode the metadata.
/// The signature, if any, is not checked: see [`read_trusted`].
pub fn read(bytes: &[u8]) -> Result<Artifact<'_>, ArtifactError> {
    read_trusted(bytes, &[])
}

/// [`read`], but when `trusted` is not empty the artifact must be signed by
/// one of those keys, checked right after the header and before anything
/// else is decoded.
pub fn read_trusted<'a>(
    bytes: &'a [u8],
    trusted: &[PublicKey],
) -> Result<Artifact<'a>, ArtifactError> {
    let header = Header::decode(bytes)?;
    if !trusted.is_empty() {
        verify(bytes, &header, trusted)?;
    }
    // Sections must lie in the signed part, never in the signature block.
    let bytes = &bytes[..header.signed_len(bytes.len())];
    let section = |(offset, len): (u32, u32)| {
        let start = offset as usize;
        let end = start
            .checked_add(len as usize)
            .ok_or(ArtifactError::Truncated)?;
        bytes.get(start..end).ok_or(ArtifactError::Truncated)
    };
    let meta = section(header.metadata)?;
    let code = section(header.code)?;
    if header.code.0 % 16 != 0 {
        return Err(ArtifactError::Misaligned);
    }
    let metadata = decode::metadata(meta)?;
    metadata.validate(code.len())?;
    Ok(Artifact {
        header,
        metadata,
        code,
    })
}
