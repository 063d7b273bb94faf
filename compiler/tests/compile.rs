//! Host-side compile tests: artifacts decode, bad input gets typed errors.

use basalt::artifact::{self, ArtifactError, ExportKind};
use basalt::index::{FuncIndex, GlobalIndex, MemoryIndex, TableIndex, TypeIndex};
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
    let defined = a.metadata.defined_func_index(i).expect("fib is defined");
    assert!(a.metadata.funcs[defined.index()].array_call.is_some());
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

const WASM2: &str = r#"
(module
  (type $ii (func (param i32) (result i32)))
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "g" (func $g (param i32) (result i32)))
  (import "env" "h" (func $h (param f64 i64 i32) (result i64 f64)))
  (import "env" "t" (table $t 2 funcref))
  (import "env" "m" (memory 1))
  (import "env" "gl" (global $gl i32))
  (import "env" "gl2" (global $gl2 funcref))
  (table $own 3 10 externref)
  (global $fr funcref (ref.func $k))
  (global $x (mut externref) (ref.null extern))
  (elem (table $t) (i32.const 0) func $k $f)
  (elem $p funcref (ref.func $g) (ref.null func) (global.get $gl2))
  (elem declare func $k)
  (data $d "passive")
  (data (global.get $gl) "active")
  (func $k (export "k") (type $ii)
    (call_indirect (type $ii) (local.get 0) (call $f (local.get 0))))
  (func (export "tables") (param externref) (result i32)
    (table.set $own (i32.const 1) (local.get 0))
    (drop (table.grow $own (table.get $own (i32.const 1)) (i32.const 2)))
    (table.fill $own (i32.const 0) (ref.null extern) (i32.const 1))
    (table.copy $t $t (i32.const 0) (i32.const 1) (i32.const 1))
    (table.init $t $p (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $p)
    (memory.copy (i32.const 0) (i32.const 1) (i32.const 2))
    (memory.fill (i32.const 0) (i32.const 7) (i32.const 2))
    (memory.init $d (i32.const 0) (i32.const 0) (i32.const 2))
    (data.drop $d)
    (global.set $x (local.get 0))
    (i32.add (table.size $own) (ref.is_null (ref.func $k))))
  (func (export "multi") (result i64 f64) (call $h (f64.const 1) (i64.const 2) (global.get $gl)))
  (export "f" (func $f)))
"#;

#[test]
fn wasm2_module_has_the_metadata_the_runtime_expects() {
    use basalt::artifact::{ConstExpr, ElemMode, ImportKind, ValType};
    let bytes = compile(WASM2.as_bytes(), &CompileOptions::default()).expect("compiles");
    let m = artifact::read(&bytes).expect("reads back").metadata;
    assert_eq!(m.imports.len(), 7);
    assert!(
        matches!(m.imports[3].kind, ImportKind::Table(t) if t.min == 2 && t.elem == ValType::FuncRef)
    );
    assert_eq!(m.tables.len(), 1);
    assert_eq!(
        (m.tables[0].elem, m.tables[0].max),
        (ValType::ExternRef, Some(10))
    );
    // $f (re-exported import 0), $g (elem item), $k (3), the two exports.
    let refs: Vec<u32> = m.func_refs.iter().map(|f| f.as_u32()).collect();
    assert_eq!(refs, vec![0, 1, 3, 4, 5]);
    assert!(m.funcs.iter().all(|f| f.array_call.is_some()));
    // Two distinct import signatures, sorted by type index.
    let types: Vec<u32> = m.host_trampolines.iter().map(|t| t.0.as_u32()).collect();
    assert_eq!(types.len(), 2);
    assert!(types.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        m.globals[0].init,
        ConstExpr::RefFunc(FuncIndex::from_u32(3))
    );
    assert_eq!(m.globals[1].init, ConstExpr::RefNull);
    assert_eq!(
        m.elems[0].mode,
        ElemMode::Active {
            table: TableIndex::from_u32(0),
            offset: ConstExpr::I32(0)
        }
    );
    assert_eq!(
        m.elems[0].items,
        vec![
            ConstExpr::RefFunc(FuncIndex::from_u32(3)),
            ConstExpr::RefFunc(FuncIndex::from_u32(0))
        ]
    );
    assert_eq!(m.elems[1].mode, ElemMode::Passive);
    assert_eq!(
        m.elems[1].items,
        vec![
            ConstExpr::RefFunc(FuncIndex::from_u32(1)),
            ConstExpr::RefNull,
            ConstExpr::GlobalGet(GlobalIndex::from_u32(1))
        ]
    );
    assert_eq!(m.elems[2].mode, ElemMode::Declared);
    assert_eq!(m.data[0].active, None);
    assert_eq!(
        m.data[1].active,
        Some((
            MemoryIndex::from_u32(0),
            ConstExpr::GlobalGet(GlobalIndex::from_u32(0))
        ))
    );
    let codes: std::collections::HashSet<u8> = m.traps.iter().map(|t| t.code).collect();
    for t in [
        basalt::Trap::TableOutOfBounds,
        basalt::Trap::IndirectCallToNull,
        basalt::Trap::BadSignature,
        basalt::Trap::MemoryOutOfBounds,
    ] {
        assert!(codes.contains(&(t as u8)), "no trap site for {t:?}");
    }
}

#[test]
fn simd_compiles_and_post_2_0_features_are_typed_errors() {
    for text in [
        "(module (func (param v128)))",
        "(module (func (result i32) (i32x4.extract_lane 0 (v128.const i64x2 1 2))))",
        "(module (func (drop (block (result v128) (unreachable)))))",
        "(module (global v128 (v128.const i64x2 0 0)))",
    ] {
        let bytes = compile(text.as_bytes(), &CompileOptions::default())
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        basalt::artifact::read(&bytes).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    // Beyond Wasm 2.0: refused with a typed error, never a crash.
    for text in ["(module (memory 1) (memory 1))", "(module (memory i64 1))"] {
        let err = compile(text.as_bytes(), &CompileOptions::default()).unwrap_err();
        assert!(
            matches!(
                err,
                CompileError::Unsupported { .. } | CompileError::Invalid { .. }
            ),
            "{text}: {err}"
        );
    }
}

/// Checksum-valid artifacts with forged metadata are refused before any of
/// it is used: wrongly typed constant expressions, a start function with a
/// signature, unsorted func refs, an import without its host trampoline.
#[test]
fn forged_metadata_is_refused() {
    let good = compile(
        br#"(module (table (export "t") 1 funcref) (func $f (export "f"))
             (elem (i32.const 0) $f) (start $f))"#,
        &CompileOptions::default(),
    )
    .unwrap();
    let a = artifact::read(&good).unwrap();
    let (settings, code) = (a.header.settings, a.code.to_vec());
    let forge = |edit: &dyn Fn(&mut artifact::Metadata)| {
        let mut m = a.metadata.clone();
        edit(&mut m);
        let bytes = artifact::write(settings, a.header.cpu_features, &m, &code);
        artifact::read(&bytes).map(|_| ())
    };
    assert_eq!(forge(&|_| {}), Ok(()));
    let refused = |what: &str, edit: &dyn Fn(&mut artifact::Metadata)| {
        assert!(
            matches!(forge(edit), Err(ArtifactError::Inconsistent(_))),
            "{what}"
        );
    };
    refused("integer element item", &|m| {
        m.elems[0].items[0] = artifact::ConstExpr::I64(0x4141_4141)
    });
    refused("i64 element offset", &|m| {
        m.elems[0].mode = artifact::ElemMode::Active {
            table: TableIndex::from_u32(0),
            offset: artifact::ConstExpr::I64(0),
        }
    });
    refused("externref segment into a funcref table", &|m| {
        m.elems[0].elem = basalt::ValType::ExternRef
    });
    refused("start with results", &|m| {
        m.types[0].results.push(basalt::ValType::I64);
    });
    refused("unsorted func refs", &|m| {
        m.func_refs = vec![FuncIndex::from_u32(0); 2];
    });
    refused("imported function without a host trampoline", &|m| {
        m.imports.push(artifact::Import {
            module: "env".into(),
            name: "g".into(),
            kind: artifact::ImportKind::Func(TypeIndex::from_u32(0)),
        })
    });
    // A table and its segments both relabelled as integers: every item
    // would then be a number stored where a function pointer is expected.
    refused("i64 table and i64 segment", &|m| {
        m.tables[0].elem = basalt::ValType::I64;
        m.elems[0].elem = basalt::ValType::I64;
        m.elems[0].items = vec![artifact::ConstExpr::I64(0x4141_4141)];
    });
    refused("passive i32 segment of integers", &|m| {
        m.elems.push(artifact::ElemSegment {
            mode: artifact::ElemMode::Passive,
            elem: basalt::ValType::I32,
            items: vec![artifact::ConstExpr::I32(0x4141_4141)],
        })
    });
    refused("imported table of i32", &|m| {
        m.imports.push(artifact::Import {
            module: "env".into(),
            name: "t".into(),
            kind: artifact::ImportKind::Table(artifact::TablePlan {
                elem: basalt::ValType::I32,
                min: 0,
                max: None,
            }),
        })
    });
}

/// Validation stays linear in the metadata's size: N imported functions
/// that all escape and are all exported, N imported funcref globals and an
/// element segment reading each of them is checked in milliseconds (the
/// former quadratic lookups took many seconds at this size).
#[test]
fn validation_is_linear() {
    let good = compile(
        br#"(module (import "env" "h" (func)) (table 1 funcref) (func $f (export "f"))
             (elem (i32.const 0) $f))"#,
        &CompileOptions::default(),
    )
    .unwrap();
    let a = artifact::read(&good).unwrap();
    let mut m = a.metadata.clone();
    const N: u32 = 30_000;
    let h = m.imports[0].clone();
    let funcref = basalt::GlobalType {
        ty: basalt::ValType::FuncRef,
        mutable: false,
    };
    m.imports = (0..N)
        .map(|i| artifact::Import {
            name: format!("h{i}"),
            ..h.clone()
        })
        .chain((0..N).map(|i| artifact::Import {
            module: "env".into(),
            name: format!("g{i}"),
            kind: artifact::ImportKind::Global(funcref),
        }))
        .collect();
    // The defined function now comes after the N imported ones.
    m.func_refs = (0..=N).map(FuncIndex::from_u32).collect();
    m.exports = (0..=N)
        .map(|i| artifact::Export {
            name: format!("f{i}"),
            kind: artifact::ExportKind::Func(FuncIndex::from_u32(i)),
        })
        .collect();
    m.elems[0].items = (0..N)
        .map(|g| artifact::ConstExpr::GlobalGet(GlobalIndex::from_u32(g)))
        .collect();
    let bytes = artifact::write(a.header.settings, a.header.cpu_features, &m, a.code);
    let start = std::time::Instant::now();
    artifact::read(&bytes).expect("valid");
    let took = start.elapsed();
    assert!(took.as_secs_f64() < 2.0, "validation took {took:?}");
}
