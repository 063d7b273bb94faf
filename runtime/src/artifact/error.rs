//! Why an artifact was refused.

use core::fmt;

/// An artifact the runtime cannot run correctly, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactError {
    /// Shorter than the header.
    TooShort {
        /// Bytes given.
        len: usize,
    },
    /// Not a Basalt artifact.
    BadMagic,
    /// Written by another format version.
    Version {
        /// Version in the artifact.
        found: u32,
        /// Version this runtime reads.
        expected: u32,
    },
    /// Compiled for another architecture.
    Target {
        /// ELF machine number in the artifact.
        found: u32,
    },
    /// Needs CPU features this core lacks.
    CpuFeatures {
        /// Bits required but missing.
        missing: u64,
    },
    /// Compiled against another `VMContext` layout.
    Layout {
        /// Fingerprint in the artifact.
        found: u64,
        /// Fingerprint of this runtime.
        expected: u64,
    },
    /// Contents do not match the checksum (corrupt or truncated).
    Checksum {
        /// Checksum in the header.
        stored: u32,
        /// Checksum of the bytes.
        computed: u32,
    },
    /// A section lies outside the artifact.
    Truncated,
    /// The code section is not 16-byte aligned.
    Misaligned,
    /// Unknown bits in the settings word.
    Settings {
        /// The settings word.
        bits: u32,
    },
    /// The platform cannot back the artifact's bounds-check mode.
    BoundsChecksUnsupported,
    /// Metadata does not decode: malformed, or too large for the heap.
    Metadata,
    /// Metadata decodes but is inconsistent (e.g. code ranges out of bounds).
    Inconsistent(&'static str),
    /// The engine trusts signing keys and the artifact carries no signature.
    Unsigned,
    /// Signed by a key the engine does not trust.
    UntrustedKey,
    /// The signature does not verify: the artifact changed after signing.
    BadSignature,
    /// 32 bytes that are not an Ed25519 public key.
    BadPublicKey,
}

impl fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArtifactError::TooShort { len } => write!(f, "artifact too short ({len} bytes)"),
            ArtifactError::BadMagic => f.write_str("not a Basalt artifact (bad magic)"),
            ArtifactError::Version { found, expected } => {
                write!(f, "artifact format version {found}, this runtime reads {expected}")
            }
            ArtifactError::Target { found } => {
                write!(f, "artifact compiled for ELF machine {found}, not aarch64")
            }
            ArtifactError::CpuFeatures { missing } => {
                write!(f, "artifact needs CPU features this core lacks ({missing:#x})")
            }
            ArtifactError::Layout { found, expected } => write!(
                f,
                "artifact compiled for VMContext layout {found:#018x}, runtime has {expected:#018x}"
            ),
            ArtifactError::Checksum { stored, computed } => write!(
                f,
                "artifact checksum mismatch (stored {stored:#010x}, computed {computed:#010x}): corrupt or truncated"
            ),
            ArtifactError::Truncated => f.write_str("artifact truncated: a section lies past its end"),
            ArtifactError::Misaligned => f.write_str("artifact code section is not 16-byte aligned"),
            ArtifactError::Settings { bits } => write!(f, "unknown artifact settings {bits:#x}"),
            ArtifactError::BoundsChecksUnsupported => {
                f.write_str("the platform cannot back this artifact's bounds-check mode")
            }
            ArtifactError::Metadata => {
                f.write_str("artifact metadata does not decode (malformed, or larger than the heap)")
            }
            ArtifactError::Inconsistent(what) => write!(f, "artifact metadata inconsistent: {what}"),
            ArtifactError::Unsigned => {
                f.write_str("artifact is not signed, and this engine runs only signed artifacts")
            }
            ArtifactError::UntrustedKey => {
                f.write_str("artifact is signed by a key this engine does not trust")
            }
            ArtifactError::BadSignature => f.write_str(
                "artifact signature does not verify: the artifact changed after signing",
            ),
            ArtifactError::BadPublicKey => f.write_str("not an Ed25519 public key"),
        }
    }
}

impl core::error::Error for ArtifactError {}
