//! Bad input on the board: every refused artifact exits 3 with a
//! `load_error` naming the reason and runs nothing; instantiation failures
//! (data segment out of bounds, trapping start function) likewise.

use basalt_tests::*;
use Value::I32;

const GOOD: &str = r#"(module
  (memory 1)
  (data (i32.const 0) "ok")
  (func (export "f") (result i32) (i32.const 42)))"#;

/// Run `artifact` with two invokes of `f`; assert it was refused with
/// exactly `reason` and that nothing ran.
fn refused(artifact: Vec<u8>, reason: &str) {
    let mut job = Job::new(artifact);
    job.invoke("f", &[]);
    job.invoke("f", &[]);
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(r.status, 3, "{}", r.console);
    assert_eq!(r.load_error.as_deref(), Some(reason), "{}", r.console);
    assert_eq!(r.outcomes, vec![Outcome::Missing, Outcome::Missing]);
    // Line 0 is the `instantiate!`; the invokes on lines 1 and 2 never ran.
    assert!(!r.console.contains("#1 "), "{}", r.console);
    assert!(!r.console.contains("#2 "), "{}", r.console);
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// CRC-32 (IEEE), written out here so the test does not borrow the
/// runtime's: of bytes 0..60 and 64..end, as the format documents.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = !0u32;
    for part in parts {
        for &byte in *part {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
    }
    !crc
}

/// Re-seal the header checksum after editing a field.
fn reseal(a: &mut [u8]) {
    let crc = crc32(&[&a[..60], &a[64..]]);
    a[60..64].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn the_good_artifact_runs() {
    // Control for the tests below: the unmodified artifact loads and runs,
    // and our CRC agrees with the stored checksum.
    let a = compile(GOOD);
    assert_eq!(crc32(&[&a[..60], &a[64..]]), u32_at(&a, 60));
    let r = check(GOOD, &[("f", &[], ok(&[I32(42)]))]);
    assert_eq!(r.load_error, None);
    assert_eq!(r.result(0), &ok(&[]), "{}", r.console);
}

#[test]
fn truncated_artifacts_are_refused() {
    let a = compile(GOOD);
    let stored = u32_at(&a, 60);
    let cut = &a[..a.len() - 1];
    let computed = crc32(&[&cut[..60], &cut[64..]]);
    refused(
        cut.to_vec(),
        &format!(
            "cannot load artifact: artifact checksum mismatch (stored {stored:#010x}, computed {computed:#010x}): corrupt or truncated"
        ),
    );
    refused(
        a[..40].to_vec(),
        "cannot load artifact: artifact too short (40 bytes)",
    );
    refused(
        Vec::new(),
        "cannot load artifact: artifact too short (0 bytes)",
    );
}

#[test]
fn a_flipped_code_byte_fails_the_checksum() {
    let mut a = compile(GOOD);
    let code = u32_at(&a, 48) as usize;
    assert!(u32_at(&a, 52) > 8 && code >= 64);
    let stored = u32_at(&a, 60);
    a[code + 4] ^= 0x10;
    let computed = crc32(&[&a[..60], &a[64..]]);
    assert_ne!(stored, computed);
    refused(
        a,
        &format!(
            "cannot load artifact: artifact checksum mismatch (stored {stored:#010x}, computed {computed:#010x}): corrupt or truncated"
        ),
    );
}

#[test]
fn wrong_layout_fingerprint_is_refused() {
    let mut a = compile(GOOD);
    let expected = u64::from_le_bytes(a[32..40].try_into().unwrap());
    assert_eq!(expected, basalt::vm::VMOffsets::layout_fingerprint());
    a[33] ^= 0x01;
    let found = expected ^ 0x100;
    refused(
        a,
        &format!(
            "cannot load artifact: artifact compiled for VMContext layout {found:#018x}, runtime has {expected:#018x}"
        ),
    );
}

#[test]
fn wrong_format_version_and_target_are_refused() {
    let mut a = compile(GOOD);
    assert_eq!(u32_at(&a, 8), 2);
    a[8..12].copy_from_slice(&1u32.to_le_bytes());
    refused(
        a,
        "cannot load artifact: artifact format version 1, this runtime reads 2",
    );

    let mut a = compile(GOOD);
    a[12..16].copy_from_slice(&62u32.to_le_bytes()); // EM_X86_64
    refused(
        a,
        "cannot load artifact: artifact compiled for ELF machine 62, not aarch64",
    );
}

#[test]
fn checksum_valid_but_unsupported_header_fields_are_refused() {
    // A CPU feature bit no core here has; the checksum is resealed so the
    // feature check itself must refuse it.
    let mut a = compile(GOOD);
    a[16..24].copy_from_slice(&(1u64 << 40).to_le_bytes());
    reseal(&mut a);
    refused(
        a,
        "cannot load artifact: artifact needs CPU features this core lacks (0x10000000000)",
    );

    let mut a = compile(GOOD);
    a[24..28].copy_from_slice(&0x80u32.to_le_bytes());
    reseal(&mut a);
    refused(a, "cannot load artifact: unknown artifact settings 0x80");
}

#[test]
fn things_that_are_not_artifacts_are_refused() {
    let bad_magic = "cannot load artifact: not a Basalt artifact (bad magic)";
    // The Wasm module itself, not compiled.
    let wasm = wat::parse_str(GOOD).unwrap();
    refused(wasm, bad_magic);
    refused(
        b"#!/bin/sh\necho this is a shell script, long enough to hold a header\n".to_vec(),
        bad_magic,
    );
    // Magic damaged in an otherwise perfect artifact.
    let mut a = compile(GOOD);
    a[0] = b'X';
    refused(a, bad_magic);
}

#[test]
fn data_segment_out_of_bounds_fails_instantiation() {
    let oob = "wasm trap: out of bounds memory access";
    // Two bytes at 65535 of a one-page memory: one byte too far.
    refused(
        compile(
            r#"(module (memory 1) (data (i32.const 65535) "ab") (func (export "f") (result i32) (i32.const 1)))"#,
        ),
        oob,
    );
    // Offset 0xffffffff must not wrap around to a small address.
    refused(
        compile(
            r#"(module (memory 1) (data (i32.const -1) "ab") (func (export "f") (result i32) (i32.const 1)))"#,
        ),
        oob,
    );
    // An empty segment past the end of an empty memory is still out of bounds.
    refused(
        compile(
            r#"(module (memory 0) (data (i32.const 1) "") (func (export "f") (result i32) (i32.const 1)))"#,
        ),
        oob,
    );
    // ... but one exactly at the end fits, and so does a segment ending at
    // the last byte.
    check(
        r#"(module (memory 0) (data (i32.const 0) "") (func (export "f") (result i32) (i32.const 1)))"#,
        &[("f", &[], ok(&[I32(1)]))],
    );
    check(
        r#"(module (memory 1) (data (i32.const 65534) "ab")
             (func (export "f") (result i32) (i32.load16_u (i32.const 65534))))"#,
        &[("f", &[], ok(&[I32(i32::from(u16::from_le_bytes(*b"ab")))]))],
    );
}

#[test]
fn trapping_start_function_fails_instantiation() {
    refused(
        compile(
            r#"(module (func $s unreachable) (start $s) (func (export "f") (result i32) (i32.const 1)))"#,
        ),
        "wasm trap: wasm `unreachable` instruction executed",
    );
    refused(
        compile(
            r#"(module (memory 1) (func $s (drop (i32.load (i32.const 65535)))) (start $s)
                    (func (export "f") (result i32) (i32.const 1)))"#,
        ),
        "wasm trap: out of bounds memory access",
    );
}
