//! Ed25519 signatures over artifacts.
//!
//! A signed artifact ends with a 96-byte signature block: the signer's
//! 32-byte Ed25519 public key, then the 64-byte signature. The header's
//! signature offset (bytes 56..60, 0 when unsigned) says where the block
//! starts, and the block must end the artifact. The signed message is every
//! byte before the block: the header (with its settings bits, the signature
//! offset and the CRC), the metadata and the code. So no field can be
//! changed, relabelled (guard-mode code marked explicit, say) or stripped of
//! its signature without the signature failing: an unsigned artifact has
//! offset 0, which an engine with trusted keys refuses outright.
//!
//! The CRC covers the signed bytes except its own field; the block is
//! outside it (the signature protects itself). Verification uses
//! `verify_strict` (no malleable signatures, no weak keys) and allocates
//! nothing.

use super::{header, ArtifactError, Header, HEADER_SIZE};
use alloc::vec::Vec;
use ed25519_dalek::{Signature, VerifyingKey};

/// Size of an Ed25519 public key.
pub const PUBLIC_KEY_SIZE: usize = 32;
/// Size of the signature block: public key, then signature.
pub const SIGNATURE_SIZE: usize = PUBLIC_KEY_SIZE + 64;

/// A public key an engine trusts to sign artifacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// A key from its 32 bytes (the `.pub` file `basalt keygen` writes).
    pub fn from_bytes(bytes: &[u8; PUBLIC_KEY_SIZE]) -> Result<Self, ArtifactError> {
        VerifyingKey::from_bytes(bytes)
            .map(PublicKey)
            .map_err(|_| ArtifactError::BadPublicKey)
    }

    /// The key's 32 bytes.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_SIZE] {
        self.0.to_bytes()
    }
}

/// Check that `bytes` (whose header is `header`, already decoded) is signed
/// by one of `trusted`. Called before anything past the header is decoded.
pub fn verify(bytes: &[u8], header: &Header, trusted: &[PublicKey]) -> Result<(), ArtifactError> {
    let at = header.signature.ok_or(ArtifactError::Unsigned)? as usize;
    // `Header::decode` checked that the block fills the artifact's end.
    let (message, block) = bytes.split_at(at);
    let (key, signature) = block.split_at(PUBLIC_KEY_SIZE);
    let key = trusted
        .iter()
        .find(|k| k.0.as_bytes()[..] == *key)
        .ok_or(ArtifactError::UntrustedKey)?;
    let signature = Signature::from_slice(signature).map_err(|_| ArtifactError::BadSignature)?;
    key.0
        .verify_strict(message, &signature)
        .map_err(|_| ArtifactError::BadSignature)
}

/// Sign an artifact: drop any signature it has, point its header at the
/// block to come, reseal the CRC, sign the result with `sign` (which gets
/// the message and returns the Ed25519 signature of `public_key`'s secret
/// key) and append the block. Keeps the signing key out of this crate:
/// the host tools hold it.
pub fn sign(
    artifact: &[u8],
    public_key: &[u8; PUBLIC_KEY_SIZE],
    sign: impl FnOnce(&[u8]) -> [u8; 64],
) -> Result<Vec<u8>, ArtifactError> {
    let h = Header::decode(artifact)?;
    let end = h.signed_len(artifact.len());
    let at = u32::try_from(end).map_err(|_| ArtifactError::Truncated)?;
    let mut out = Vec::with_capacity(end + SIGNATURE_SIZE);
    out.extend_from_slice(&artifact[..end]);
    let signed = Header {
        signature: Some(at),
        ..h
    };
    out[..HEADER_SIZE].copy_from_slice(&signed.encode());
    let crc = header::checksum(&out, end);
    out[60..64].copy_from_slice(&crc.to_le_bytes());
    let signature = sign(&out);
    out.extend_from_slice(public_key);
    out.extend_from_slice(&signature);
    Ok(out)
}
