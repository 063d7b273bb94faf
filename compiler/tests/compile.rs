//! Host-side compile tests: artifacts decode, bad input gets typed errors.

use basalt::artifact::{self, ArtifactError, ExportKind};
use basalt_compiler::{compile, CompileError, CompileOptions};

const SAMPLE: &str = r#"
(module
  (memory 1 4)
  (global $g (mut i64) (i64.const 7))
  (data (i32.const 16) "hello")
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "mix") (param f64 i64) (result f64 i64)
    (local.get 0) (f64.sqrt) (local.get 1) (global.get $g) (i64.add))
  (func (export "sum") (param i32) (result i32) (local i32)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (i32.load8_u (local.get 0))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $top)))
    (local.get 1))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "sel") (param i32) (result i32)
    (block $a (block $b (block $c (br_table $a $b $c (local.get 0))) (return (i32.const 30))) (return (i32.const 20)))
    (i32.const 10))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "boom") unreachable))
"#;

#[test]
fn sample_compiles_to_a_readable_artifact() {
    let bytes = compile(SAMPLE.as_bytes(), &CompileOptions::default()).expect("compiles");
    let a = artifact::read(&bytes).expect("reads back");
    assert_eq!(a.metadata.funcs.len(), 7);
    assert_eq!(a.metadata.memories[0].min_pages, 1);
    assert_eq!(a.metadata.data[0].bytes, b"hello");
    let fib = a.metadata.exports.iter().find(|e| e.name == "fib").unwrap();
    let ExportKind::Func(i) = fib.kind else {
        panic!()
    };
    assert!(a.metadata.funcs[i as usize].array_call.is_some());
    // Traps: at least the stack check, div traps, the bounds check, unreachable.
    let codes: std::collections::HashSet<u8> = a.metadata.traps.iter().map(|t| t.code).collect();
    for t in [
        basalt::Trap::StackOverflow,
        basalt::Trap::IntegerDivisionByZero,
        basalt::Trap::IntegerOverflow,
        basalt::Trap::MemoryOutOfBounds,
        basalt::Trap::UnreachableCodeReached,
    ] {
        assert!(
            codes.contains(&(t as u8)),
            "no trap site for {t:?}: {codes:?}"
        );
    }
    for t in &a.metadata.traps {
        let at = t.offset as usize;
        let insn = u32::from_le_bytes(a.code[at..at + 4].try_into().unwrap());
        // Either `udf #0xc11f` or a memory access that may fault.
        assert!(
            insn == 0x0000_c11f || t.code == basalt::Trap::MemoryOutOfBounds as u8,
            "{insn:#x} at {at}"
        );
    }
}

#[test]
fn malformed_and_invalid_modules_are_typed_errors() {
    let err = compile(b"\0asm\x01\0\0\0\x01", &CompileOptions::default()).unwrap_err();
    assert!(matches!(err, CompileError::Invalid { .. }), "{err}");
    let err = compile(
        b"(module (func (result i32) (i64.const 1)))",
        &CompileOptions::default(),
    )
    .unwrap_err();
    let CompileError::Invalid { message, offset } = &err else {
        panic!("{err}")
    };
    assert!(message.contains("type mismatch"), "{message}");
    assert!(*offset > 0);
    assert!(err.to_string().contains("at offset"));
    let err = compile(b"(module (func", &CompileOptions::default()).unwrap_err();
    assert!(matches!(err, CompileError::Text(_)), "{err}");
}

#[test]
fn corrupted_artifacts_are_refused() {
    let good = compile(SAMPLE.as_bytes(), &CompileOptions::default()).unwrap();
    assert!(matches!(
        artifact::read(&good[..10]),
        Err(ArtifactError::TooShort { .. })
    ));
    assert!(matches!(
        artifact::read(&good[..good.len() - 1]),
        Err(ArtifactError::Checksum { .. })
    ));
    let mut bad = good.clone();
    bad[0] = b'X';
    assert_eq!(artifact::read(&bad).unwrap_err(), ArtifactError::BadMagic);
    let mut bad = good.clone();
    bad[8] = 9;
    assert!(matches!(
        artifact::read(&bad),
        Err(ArtifactError::Version { found: 9, .. })
    ));
    let mut bad = good.clone();
    bad[33] ^= 1;
    assert!(matches!(
        artifact::read(&bad),
        Err(ArtifactError::Layout { .. })
    ));
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x40;
    assert!(matches!(
        artifact::read(&bad),
        Err(ArtifactError::Checksum { .. })
    ));
}
