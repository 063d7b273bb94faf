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
    assert_eq!(u32_at(&a, 8), basalt::artifact::FORMAT_VERSION);
    a[8..12].copy_from_slice(&5u32.to_le_bytes());
    refused(
        a,
        "cannot load artifact: artifact format version 5, this runtime reads 6",
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

/// A checksum-valid artifact whose passive element segment is relabelled
/// from funcref to externref (both reference types, so validation cannot
/// object: it does not know which segment code hands to which table).
/// `table.init` of it into the funcref table must trap instead of copying
/// raw references of one kind into a table of the other.
#[test]
fn table_init_refuses_a_segment_of_another_type() {
    let good = compile(
        r#"(module
             (table $t 1 funcref)
             (elem $e funcref (ref.null func))
             (func (export "init") (result i32)
               (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 1))
               (ref.is_null (table.get $t (i32.const 0)))))"#,
    );
    let a = basalt::artifact::read(&good).unwrap();
    let mut m = a.metadata.clone();
    assert_eq!(m.elems[0].elem, basalt::ValType::FuncRef);
    m.elems[0].elem = basalt::ValType::ExternRef;
    let forged = basalt::artifact::write(a.header.settings, a.header.cpu_features, &m, a.code);
    let mut job = Job::new(good);
    job.invoke("init", &[]);
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(r.outcomes, vec![ok(&[I32(1)])], "{}", r.console);
    let mut job = Job::new(forged);
    job.invoke("init", &[]);
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(
        r.outcomes,
        vec![trap(basalt::Trap::TableOutOfBounds)],
        "{}",
        r.console
    );
}

/// Guard-mode code (no bounds checks) reading far past its memory.
const FAR_LOAD: &str = r#"(module
  (memory 1)
  (func (export "far") (param i32) (result i32) (i32.load (local.get 0))))"#;

fn guard_artifact(wat: &str) -> Vec<u8> {
    let mut options = basalt_compiler::CompileOptions::default();
    options.settings.bounds_checks = basalt_compiler::BoundsChecks::Guard;
    basalt_compiler::compile(wat.as_bytes(), &options).expect("compiles")
}

/// A data abort at a heap access is a trap only inside the running store's
/// memory reservation. Here guard-mode code is relabelled as explicit (the
/// checksum recomputed) and runs on a memory without guard pages: its load
/// 4 GiB past the memory leaves every reservation, so the board stops with
/// a crash report instead of reporting an ordinary trap and going on.
#[test]
fn a_heap_fault_outside_the_stores_reservations_stops_the_board() {
    let good = guard_artifact(FAR_LOAD);
    // Control: with guard pages the same access is an ordinary trap.
    let mut job = Job::new(good.clone());
    job.invoke("far", &[I32(-16)]);
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(
        r.outcomes,
        vec![trap(basalt::Trap::MemoryOutOfBounds)],
        "{}",
        r.console
    );

    let a = basalt::artifact::read(&good).unwrap();
    let mut settings = a.header.settings;
    settings.bounds_checks = basalt::artifact::BoundsChecks::Explicit;
    let forged = basalt::artifact::write(settings, a.header.cpu_features, &a.metadata, a.code);
    let mut job = Job::new(forged);
    job.contiguous_memories();
    job.invoke("far", &[I32(-16)]);
    job.invoke("far", &[I32(0)]);
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(r.status, 101, "{}", r.console);
    assert!(r.console.contains("crash: data abort"), "{}", r.console);
}

/// A fault in Wasm code at no trap site is a runtime fault, not a trap:
/// here the trap table of a guard-mode module is emptied (checksum
/// recomputed), so its out-of-bounds load is unexplained and the board
/// stops rather than carrying on.
#[test]
fn a_fault_at_no_trap_site_stops_the_board() {
    let good = guard_artifact(FAR_LOAD);
    let a = basalt::artifact::read(&good).unwrap();
    let mut m = a.metadata.clone();
    assert!(!m.traps.is_empty());
    m.traps.clear();
    let forged = basalt::artifact::write(a.header.settings, a.header.cpu_features, &m, a.code);
    let mut job = Job::new(forged);
    job.invoke("far", &[I32(4)]);
    job.invoke("far", &[I32(-16)]);
    job.invoke("far", &[I32(0)]);
    let r = job.run(&RunOptions::default()).expect("qemu");
    assert_eq!(r.status, 101, "{}", r.console);
    assert_eq!(r.outcomes[0], ok(&[I32(0)]), "{}", r.console);
    assert!(r.console.contains("crash: data abort"), "{}", r.console);
}

/// An artifact whose metadata is larger than the board's 32 MiB heap (a
/// 36 MiB data segment; the artifact itself sits in the job region) is a
/// load error, not an allocation failure that crashes the board.
#[test]
fn metadata_larger_than_the_heap_is_refused() {
    let size = 36 << 20;
    let small = compile(
        r#"(module (memory 600) (data (i32.const 0) "a")
             (func (export "f") (result i32) (i32.const 42)))"#,
    );
    let a = basalt::artifact::read(&small).unwrap();
    let mut m = a.metadata.clone();
    m.data[0].bytes = vec![b'a'; size];
    let artifact = basalt::artifact::write(a.header.settings, a.header.cpu_features, &m, a.code);
    assert!(artifact.len() > size);
    refused(
        artifact,
        "cannot load artifact: artifact metadata does not decode (malformed, or larger than the heap)",
    );
}
