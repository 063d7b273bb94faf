//! Signed artifacts on the host: what an engine with trusted keys accepts
//! and refuses (`artifact::read_trusted`, the check `Module::new` runs), and
//! the key files `basalt keygen` writes. The board runs the same checks in
//! tests/tests/trust.rs.

use basalt::artifact::{self, ArtifactError, BoundsChecks, PublicKey};
use basalt_compiler::{compile, CompileOptions, KeyError, SigningKey};

const WAT: &str = r#"(module
  (memory 1)
  (data (i32.const 0) "signed")
  (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))"#;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32])
}

fn signed_with(k: &SigningKey, settings: impl FnOnce(&mut CompileOptions)) -> Vec<u8> {
    let mut options = CompileOptions {
        sign: Some(k.clone()),
        ..CompileOptions::default()
    };
    settings(&mut options);
    compile(WAT.as_bytes(), &options).expect("compiles")
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

/// CRC-32 (IEEE) of the signed part less the checksum field, written out
/// here so a forger's view does not borrow the runtime's.
fn reseal(a: &mut [u8]) {
    let end = match u32_at(a, 56) {
        0 => a.len(),
        at => at,
    };
    let mut crc = !0u32;
    for &byte in a[..60].iter().chain(&a[64..end]) {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    a[60..64].copy_from_slice(&(!crc).to_le_bytes());
}

fn trusting(bytes: &[u8], keys: &[PublicKey]) -> Result<(), ArtifactError> {
    artifact::read_trusted(bytes, keys).map(|_| ())
}

#[test]
fn a_signed_artifact_loads_only_with_its_key_trusted() {
    let k = key(1);
    let a = signed_with(&k, |_| {});
    // The block: the signer's public key, then 64 signature bytes, at the end.
    let at = u32_at(&a, 56);
    assert_eq!(at + artifact::SIGNATURE_SIZE, a.len());
    assert_eq!(a[at..at + 32], k.public_bytes());
    assert_eq!(trusting(&a, &[k.public_key()]), Ok(()));
    // Any of several trusted keys will do.
    assert_eq!(trusting(&a, &[key(2).public_key(), k.public_key()]), Ok(()));
    assert_eq!(
        trusting(&a, &[key(2).public_key()]),
        Err(ArtifactError::UntrustedKey)
    );
    // Without trusted keys the signature is not needed, and unsigned
    // artifacts still load.
    assert_eq!(trusting(&a, &[]), Ok(()));
    let unsigned = compile(WAT.as_bytes(), &CompileOptions::default()).unwrap();
    assert_eq!(u32_at(&unsigned, 56), 0);
    assert_eq!(trusting(&unsigned, &[]), Ok(()));
    assert_eq!(
        trusting(&unsigned, &[k.public_key()]),
        Err(ArtifactError::Unsigned)
    );
    // The signed artifact's sections are the unsigned one's.
    let (s, u) = (
        artifact::read(&a).unwrap(),
        artifact::read(&unsigned).unwrap(),
    );
    assert_eq!((s.code, s.metadata.exports), (u.code, u.metadata.exports));
}

/// One flipped bit anywhere, with the CRC recomputed so only the signature
/// can notice: every bit of every byte outside the CRC field.
#[test]
fn every_single_bit_flip_is_refused() {
    let k = key(3);
    let good = signed_with(&k, |_| {});
    let trusted = [k.public_key()];
    assert_eq!(trusting(&good, &trusted), Ok(()));
    let mut flips = 0;
    for at in (0..good.len()).filter(|at| !(60..64).contains(at)) {
        for bit in 0..8 {
            let mut a = good.clone();
            a[at] ^= 1 << bit;
            // A damaged signature offset that points nowhere cannot be
            // resealed; the header check refuses it on its own.
            let offset = u32_at(&a, 56);
            let resealed = offset == 0 || (64..=a.len()).contains(&offset);
            if resealed {
                reseal(&mut a);
            }
            match trusting(&a, &trusted) {
                Ok(()) => panic!("byte {at} bit {bit} accepted"),
                // Resealed, so the checksum cannot be what refuses it.
                Err(ArtifactError::Checksum { .. }) if resealed => {
                    panic!("byte {at} bit {bit}: reseal failed")
                }
                Err(_) => flips += 1,
            }
        }
    }
    assert_eq!(flips, 8 * (good.len() - 4));
}

#[test]
fn relabelling_or_stripping_is_refused() {
    let k = key(4);
    let trusted = [k.public_key()];
    // Guard-mode code marked as explicit, CRC resealed.
    let mut a = signed_with(&k, |o| o.settings.bounds_checks = BoundsChecks::Guard);
    assert_eq!(
        artifact::read(&a).unwrap().header.settings.bounds_checks,
        BoundsChecks::Guard
    );
    a[24] &= !1;
    reseal(&mut a);
    assert_eq!(
        artifact::read(&a).unwrap().header.settings.bounds_checks,
        BoundsChecks::Explicit
    );
    assert_eq!(trusting(&a, &trusted), Err(ArtifactError::BadSignature));
    // Spectre hardening switched off after signing.
    let mut a = signed_with(&k, |_| {});
    assert!(artifact::read(&a).unwrap().header.settings.spectre);
    a[24] &= !(1 << 3);
    reseal(&mut a);
    assert_eq!(trusting(&a, &trusted), Err(ArtifactError::BadSignature));
    // The signature cut off and the header pointed at nothing: unsigned.
    let mut a = signed_with(&k, |_| {});
    a.truncate(a.len() - artifact::SIGNATURE_SIZE);
    a[56..60].fill(0);
    reseal(&mut a);
    assert_eq!(trusting(&a, &[]), Ok(()));
    assert_eq!(trusting(&a, &trusted), Err(ArtifactError::Unsigned));
    // Signed again by another key, claiming to be ours: its own key is in
    // the block, so it is simply untrusted; ours in its place fails.
    let other = key(5).sign(&signed_with(&k, |_| {})).unwrap();
    assert_eq!(trusting(&other, &trusted), Err(ArtifactError::UntrustedKey));
    let mut forged = other.clone();
    let at = u32_at(&forged, 56);
    forged[at..at + 32].copy_from_slice(&k.public_bytes());
    assert_eq!(
        trusting(&forged, &trusted),
        Err(ArtifactError::BadSignature)
    );
}

#[test]
fn re_signing_replaces_the_signature() {
    let (k1, k2) = (key(6), key(7));
    let once = signed_with(&k1, |_| {});
    let twice = k2.sign(&once).unwrap();
    assert_eq!(twice.len(), once.len());
    assert_eq!(trusting(&twice, &[k2.public_key()]), Ok(()));
    assert_eq!(
        trusting(&twice, &[k1.public_key()]),
        Err(ArtifactError::UntrustedKey)
    );
    // Signing is deterministic (Ed25519), so re-signing with the same key
    // gives the same bytes.
    assert_eq!(k1.sign(&once).unwrap(), once);
    // Garbage is not signed.
    assert_eq!(
        k1.sign(b"not an artifact").unwrap_err(),
        ArtifactError::BadMagic
    );
}

#[test]
fn keygen_writes_a_private_seed_and_a_public_key() {
    let dir = std::env::temp_dir().join(format!("basalt-keygen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let name = dir.join("release");
    let (secret, public) = basalt_compiler::keygen(&name).unwrap();
    assert_eq!(
        (secret.clone(), public.clone()),
        (dir.join("release.key"), dir.join("release.pub"))
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    assert_eq!(std::fs::read(&secret).unwrap().len(), 32);
    let k = basalt_compiler::read_signing_key(&secret).unwrap();
    let p = basalt_compiler::read_public_key(&public).unwrap();
    assert_eq!(k.public_key(), p);
    assert_eq!(trusting(&signed_with(&k, |_| {}), &[p]), Ok(()));
    // Never overwritten, and a second key differs from the first.
    let e = basalt_compiler::keygen(&name).unwrap_err();
    assert!(matches!(e, KeyError::Exists(_)), "{e}");
    let (secret2, _) = basalt_compiler::keygen(&dir.join("other")).unwrap();
    assert_ne!(
        std::fs::read(&secret).unwrap(),
        std::fs::read(&secret2).unwrap()
    );
    // Files of the wrong size are refused with a reason.
    std::fs::write(dir.join("short.pub"), [1u8; 31]).unwrap();
    let e = basalt_compiler::read_public_key(&dir.join("short.pub")).unwrap_err();
    assert!(e.to_string().contains("found 31"), "{e}");
    let e = basalt_compiler::read_signing_key(&dir.join("missing.key")).unwrap_err();
    assert!(matches!(e, KeyError::Io { .. }), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
