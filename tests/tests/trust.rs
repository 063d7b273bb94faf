//! Signed artifacts on the board: an engine with a trusted key runs what
//! that key signed and refuses, with a typed error, an unsigned artifact,
//! one signed by another key, and one with a single flipped bit anywhere
//! (CRC recomputed, so only the signature can notice). Without trusted keys
//! the board runs signed and unsigned artifacts alike, as before.

use basalt_compiler::{compile as compile_with, BoundsChecks, CompileOptions, SigningKey};
use basalt_protocol::Payload;
use basalt_qemu::run_job;
use basalt_tests::*;
use Value::I32;

const WAT: &str = r#"(module
  (memory 1)
  (data (i32.const 0) "signed")
  (func (export "f") (param i32) (result i32)
    (i32.add (local.get 0) (i32.load8_u (i32.const 0)))))"#;

/// `f(1)`: 1 + b's'.
const F1: i32 = 1 + b's' as i32;

const UNSIGNED: &str =
    "cannot load artifact: artifact is not signed, and this engine runs only signed artifacts";
const UNTRUSTED: &str =
    "cannot load artifact: artifact is signed by a key this engine does not trust";
const BAD: &str =
    "cannot load artifact: artifact signature does not verify: the artifact changed after signing";

fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32])
}

fn artifact(sign: Option<&SigningKey>, mode: BoundsChecks) -> Vec<u8> {
    let mut options = CompileOptions {
        sign: sign.cloned(),
        ..CompileOptions::default()
    };
    options.settings.bounds_checks = mode;
    compile_with(WAT.as_bytes(), &options).expect("compiles")
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

/// Flip one bit and recompute the CRC-32 (IEEE, written out here) over the
/// signed part less the checksum field, as a forger would.
fn flipped(a: &[u8], at: usize, bit: u8) -> Vec<u8> {
    let mut a = a.to_vec();
    a[at] ^= 1 << bit;
    let end = u32_at(&a, 56);
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
    a
}

#[test]
fn a_trusting_board_runs_signed_artifacts_and_refuses_the_rest() {
    let k = key(1);
    let signed = artifact(Some(&k), BoundsChecks::Explicit);
    let guard = artifact(Some(&k), BoundsChecks::Guard);
    let (meta, code, sig) = (
        u32_at(&signed, 40),
        u32_at(&signed, 48),
        u32_at(&signed, 56),
    );
    let mut cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        ("signed", signed.clone(), None),
        ("signed, guard mode", guard.clone(), None),
        (
            "unsigned",
            artifact(None, BoundsChecks::Explicit),
            Some(UNSIGNED),
        ),
        (
            "another key",
            artifact(Some(&key(2)), BoundsChecks::Explicit),
            Some(UNTRUSTED),
        ),
        // Guard-mode code relabelled as explicit (settings bit 0).
        ("relabelled", flipped(&guard, 24, 0), Some(BAD)),
        ("reserved header word", flipped(&signed, 29, 3), Some(BAD)),
        ("metadata", flipped(&signed, meta + 3, 1), Some(BAD)),
        ("code", flipped(&signed, code + 4, 4), Some(BAD)),
        ("last code byte", flipped(&signed, sig - 1, 7), Some(BAD)),
        ("signature", flipped(&signed, sig + 32 + 10, 2), Some(BAD)),
        (
            "signer's key",
            flipped(&signed, sig + 5, 0),
            Some(UNTRUSTED),
        ),
    ];
    let mut job = Job::empty();
    job.trust(k.public_bytes());
    let mut lines = Vec::new();
    for (i, (_, bytes, _)) in cases.iter_mut().enumerate() {
        let a = job.add_artifact(std::mem::take(bytes));
        let inst = job.instantiate(a, i as u32);
        let call = job.invoke_on(i as u32, "f", &[I32(1)]);
        lines.push((inst, call));
    }
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(r.status, 0, "{}", r.console);
    for ((what, _, refusal), (inst, call)) in cases.iter().zip(lines) {
        match refusal {
            None => {
                assert_eq!(r.result(inst), &ok(&[]), "{what}: {}", r.console);
                assert_eq!(r.result(call), &ok(&[I32(F1)]), "{what}: {}", r.console);
            }
            Some(reason) => {
                assert_eq!(
                    r.result(inst),
                    &Outcome::Error(reason.to_string()),
                    "{what}: {}",
                    r.console
                );
                assert_eq!(
                    r.result(call),
                    &Outcome::Error("unknown instance".into()),
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn without_trusted_keys_signed_and_unsigned_both_run() {
    let mut job = Job::empty();
    for (i, a) in [
        artifact(Some(&key(3)), BoundsChecks::Explicit),
        artifact(None, BoundsChecks::Explicit),
    ]
    .into_iter()
    .enumerate()
    {
        let a = job.add_artifact(a);
        job.instantiate_required(a, i as u32);
        job.invoke_on(i as u32, "f", &[I32(1)]);
    }
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(r.load_error, None, "{}", r.console);
    assert_eq!(
        r.outcomes,
        vec![ok(&[I32(F1)]), ok(&[I32(F1)])],
        "{}",
        r.console
    );
}

#[test]
fn a_required_unsigned_artifact_stops_the_board() {
    let mut job = Job::new(artifact(None, BoundsChecks::Explicit));
    job.trust(key(4).public_bytes());
    job.invoke("f", &[I32(1)]);
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(r.status, 3, "{}", r.console);
    assert_eq!(r.load_error.as_deref(), Some(UNSIGNED), "{}", r.console);
    assert_eq!(r.outcomes, vec![Outcome::Missing]);
}

/// `Module::from_static` checks signatures too: the bundled example is
/// unsigned, so a board that trusts a key refuses to run it.
#[test]
fn the_unsigned_bundled_artifact_is_refused_by_a_trusting_board() {
    let payload = Payload {
        artifacts: vec![],
        trusted: vec![key(5).public_bytes()],
        script: "bundled-fib 20",
    };
    let out = run_job(&payload.to_body(), &RunOptions::default()).expect("qemu");
    assert_eq!(out.status, 1, "{}", out.console);
    assert!(
        out.console
            .lines()
            .any(|l| l == format!("#0 error {UNSIGNED}")),
        "{}",
        out.console
    );
}

/// A trusted key that is not a valid Ed25519 point is a malformed job.
#[test]
fn a_malformed_trusted_key_is_a_script_error() {
    // Half of all 32-byte strings decode to no curve point.
    let bad = (0..=u8::MAX)
        .map(|b| [b; 32])
        .find(|k| basalt::artifact::PublicKey::from_bytes(k).is_err())
        .expect("some byte pattern is not a point");
    let payload = Payload {
        artifacts: vec![],
        trusted: vec![bad],
        script: "layout\n",
    };
    let out = run_job(&payload.to_body(), &RunOptions::default()).expect("qemu");
    assert_eq!(out.status, basalt_protocol::exit::SCRIPT, "{}", out.console);
    assert!(
        out.console.contains("script-error: malformed trusted key"),
        "{}",
        out.console
    );
}
