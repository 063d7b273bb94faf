//! The fixed 64-byte artifact header.

use super::{ArtifactError, SIGNATURE_SIZE};

/// First eight bytes of every artifact.
pub const MAGIC: [u8; 8] = *b"BSLTart\0";
/// Version of the layout described in the module docs; bump on any change.
/// Version 2 added the signature offset, the `SPECTRE` settings bit, and
/// function names and the address map in the metadata. Version 3: every
/// wasm-to-host trampoline checks the stack limit (guard-mode code has no
/// prologue checks and may call any module's trampoline). Version 4:
/// explicit checks compare the 32-bit index, which needs the runtime's cap
/// of 65,535 pages per memory. Version 5: guard-mode code may address
/// up to 2 GiB below a memory's base (`memory::GUARD_BELOW`). Version 6:
/// Wasm functions take `(vmctx, params...)`; only calls that may reach a
/// host function append the caller's context (`(vmctx, params..., caller)`).
pub const FORMAT_VERSION: u32 = 6;
/// ELF machine number of aarch64.
pub const TARGET_AARCH64: u32 = 183;
/// Size of the header in bytes.
pub const HEADER_SIZE: usize = 64;

/// How compiled code keeps memory accesses in bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundsChecks {
    /// Compiled-in checks against `current_length`; needs no MMU.
    Explicit,
    /// Guard regions mapped by the platform; no checks in code.
    Guard,
}

/// Compile settings the runtime must honour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Bounds-check mode.
    pub bounds_checks: BoundsChecks,
    /// Fuel metering compiled in.
    pub fuel: bool,
    /// Epoch interruption compiled in.
    pub epoch: bool,
    /// Spectre v1 hardening compiled in: every explicit bounds check and
    /// table index check also clamps the address with a conditional select
    /// and a `csdb` barrier (the bulk libcalls' range checks always end
    /// with a speculation barrier, whatever this says).
    pub spectre: bool,
}

impl Settings {
    const GUARD: u32 = 1 << 0;
    const FUEL: u32 = 1 << 1;
    const EPOCH: u32 = 1 << 2;
    const SPECTRE: u32 = 1 << 3;

    fn bits(self) -> u32 {
        let mut bits = 0;
        if self.bounds_checks == BoundsChecks::Guard {
            bits |= Self::GUARD;
        }
        if self.fuel {
            bits |= Self::FUEL;
        }
        if self.epoch {
            bits |= Self::EPOCH;
        }
        if self.spectre {
            bits |= Self::SPECTRE;
        }
        bits
    }

    fn from_bits(bits: u32) -> Result<Self, ArtifactError> {
        if bits & !(Self::GUARD | Self::FUEL | Self::EPOCH | Self::SPECTRE) != 0 {
            return Err(ArtifactError::Settings { bits });
        }
        Ok(Self {
            bounds_checks: if bits & Self::GUARD != 0 {
                BoundsChecks::Guard
            } else {
                BoundsChecks::Explicit
            },
            fuel: bits & Self::FUEL != 0,
            epoch: bits & Self::EPOCH != 0,
            spectre: bits & Self::SPECTRE != 0,
        })
    }
}

impl Default for Settings {
    /// Explicit bounds checks with Spectre hardening (the README says why),
    /// no fuel, no epochs.
    fn default() -> Self {
        Self {
            bounds_checks: BoundsChecks::Explicit,
            fuel: false,
            epoch: false,
            spectre: true,
        }
    }
}

/// Optional aarch64 features compiled code may rely on, as bits. Armv8.0-A
/// with FP and Advanced SIMD is the baseline and needs no bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuFeatures(pub u64);

impl CpuFeatures {
    /// Large System Extensions (atomics).
    pub const LSE: u64 = 1 << 0;
}

/// The decoded header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version.
    pub version: u32,
    /// ELF machine number.
    pub target: u32,
    /// Features the code needs.
    pub cpu_features: CpuFeatures,
    /// Compile settings.
    pub settings: Settings,
    /// `VMOffsets::layout_fingerprint()` at compile time.
    pub layout: u64,
    /// Metadata (offset, length).
    pub metadata: (u32, u32),
    /// Code (offset, length).
    pub code: (u32, u32),
    /// Offset of the signature block, if signed: the signed bytes are
    /// everything before it, and the block ends the artifact.
    pub signature: Option<u32>,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32_at(b, at)) | (u64::from(u32_at(b, at + 4)) << 32)
}

/// The artifact checksum: CRC-32/ISO-HDLC (zlib's and `crc32fast`'s), one
/// byte per step through a 1 KiB table built at compile time. `crc32fast`
/// gives the same values 16 bytes per step, but with 16 KiB of tables and
/// 1.7 KiB of code in the firmware; loading checks an artifact once.
const CRC32: crc::Crc<u32, crc::Table<1>> =
    crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISO_HDLC);

/// CRC-32 of the first `end` bytes (everything before the signature block)
/// but the checksum field itself. `end` is at least `HEADER_SIZE`.
pub(crate) fn checksum(artifact: &[u8], end: usize) -> u32 {
    let mut digest = CRC32.digest();
    digest.update(&artifact[..60]);
    digest.update(&artifact[HEADER_SIZE..end]);
    digest.finalize()
}

impl Header {
    /// Encode with a zero checksum (filled in by `write`).
    pub fn encode(&self) -> [u8; HEADER_SIZE] {
        let mut h = [0u8; HEADER_SIZE];
        h[0..8].copy_from_slice(&MAGIC);
        h[8..12].copy_from_slice(&self.version.to_le_bytes());
        h[12..16].copy_from_slice(&self.target.to_le_bytes());
        h[16..24].copy_from_slice(&self.cpu_features.0.to_le_bytes());
        h[24..28].copy_from_slice(&self.settings.bits().to_le_bytes());
        h[32..40].copy_from_slice(&self.layout.to_le_bytes());
        h[40..44].copy_from_slice(&self.metadata.0.to_le_bytes());
        h[44..48].copy_from_slice(&self.metadata.1.to_le_bytes());
        h[48..52].copy_from_slice(&self.code.0.to_le_bytes());
        h[52..56].copy_from_slice(&self.code.1.to_le_bytes());
        h[56..60].copy_from_slice(&self.signature.unwrap_or(0).to_le_bytes());
        h
    }

    /// Length of the signed part: everything before the signature block
    /// (the whole artifact when unsigned).
    pub fn signed_len(&self, artifact_len: usize) -> usize {
        self.signature.map_or(artifact_len, |at| at as usize)
    }

    /// Decode and check magic, version, target, layout, settings and checksum.
    /// CPU features are checked against the running core by the loader.
    pub fn decode(bytes: &[u8]) -> Result<Self, ArtifactError> {
        if bytes.len() < HEADER_SIZE {
            if bytes.len() >= 8 && bytes[..8] != MAGIC {
                return Err(ArtifactError::BadMagic);
            }
            return Err(ArtifactError::TooShort { len: bytes.len() });
        }
        if bytes[..8] != MAGIC {
            return Err(ArtifactError::BadMagic);
        }
        let version = u32_at(bytes, 8);
        if version != FORMAT_VERSION {
            return Err(ArtifactError::Version {
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let target = u32_at(bytes, 12);
        if target != TARGET_AARCH64 {
            return Err(ArtifactError::Target { found: target });
        }
        let layout = u64_at(bytes, 32);
        let expected = crate::vm::VMOffsets::layout_fingerprint();
        if layout != expected {
            return Err(ArtifactError::Layout {
                found: layout,
                expected,
            });
        }
        // A signature block, if any, is the last thing in the artifact.
        let signature = match u32_at(bytes, 56) {
            0 => None,
            at if (at as usize).checked_add(SIGNATURE_SIZE) == Some(bytes.len())
                && at as usize >= HEADER_SIZE =>
            {
                Some(at)
            }
            _ => return Err(ArtifactError::Truncated),
        };
        let end = signature.map_or(bytes.len(), |at| at as usize);
        let stored = u32_at(bytes, 60);
        let computed = checksum(bytes, end);
        if stored != computed {
            return Err(ArtifactError::Checksum { stored, computed });
        }
        Ok(Self {
            version,
            target,
            cpu_features: CpuFeatures(u64_at(bytes, 16)),
            settings: Settings::from_bits(u32_at(bytes, 24))?,
            layout,
            metadata: (u32_at(bytes, 40), u32_at(bytes, 44)),
            code: (u32_at(bytes, 48), u32_at(bytes, 52)),
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_zlibs_crc32_skipping_its_own_field() {
        let mut bytes: alloc::vec::Vec<u8> = (0..60).collect();
        bytes.extend_from_slice(&[0xff; 4]);
        bytes.extend_from_slice(b"123456789");
        // Python: zlib.crc32(bytes(range(60)) + b"123456789")
        assert_eq!(checksum(&bytes, bytes.len()), 0x92ba_3f75);
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(CRC32.checksum(b"123456789"), 0xcbf4_3926);
    }
}
