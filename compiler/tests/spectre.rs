//! Spectre v1 hardening in the generated code: with `spectre` on, every
//! explicit bounds check and every table index check is followed by a
//! conditional select of the address and a `csdb`; guard-mode memory
//! accesses get none, and with it off there are none at all.

use basalt::artifact::{self, BoundsChecks};
use basalt_compiler::{compile, CompileOptions};

/// `csdb` (HINT #20).
const CSDB: u32 = 0xd503_229f;

/// Is `insn` a 64-bit `csel` (sf=1, op=0, S=0, op2=00)?
fn is_csel64(insn: u32) -> bool {
    insn & 0xffe0_0c00 == 0x9a80_0000
}

/// Instructions of the artifact's code.
fn code(wat: &str, mode: BoundsChecks, spectre: bool) -> Vec<u32> {
    let mut options = CompileOptions::default();
    options.settings.bounds_checks = mode;
    options.settings.spectre = spectre;
    let bytes = compile(wat.as_bytes(), &options).expect("compiles");
    let a = artifact::read(&bytes).expect("reads back");
    assert_eq!(a.header.settings.spectre, spectre);
    a.code
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Number of `csdb`s, checking each directly follows a `csel`.
fn clamps(insns: &[u32]) -> usize {
    let mut n = 0;
    for (i, &insn) in insns.iter().enumerate() {
        if insn == CSDB {
            assert!(
                i > 0 && is_csel64(insns[i - 1]),
                "csdb at {i} after {:#010x}",
                insns[i - 1]
            );
            n += 1;
        }
    }
    n
}

/// Five accesses in five functions (so none can share a clamp): scalar
/// load and store, a large offset, a SIMD load and a lane store.
const MEMORY: &str = r#"(module (memory 1)
  (func (export "a") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "b") (param i32) (i64.store offset=8 (local.get 0) (i64.const 1)))
  (func (export "c") (param i32) (result i32) (i32.load8_u offset=0x10000000 (local.get 0)))
  (func (export "d") (param i32) (result v128) (v128.load (local.get 0)))
  (func (export "e") (param i32 v128) (v128.store32_lane 1 (local.get 0) (local.get 1))))"#;

/// `table.get`, `table.set` and `call_indirect`, one per function.
const TABLES: &str = r#"(module (table 4 funcref) (type $t (func (result i32)))
  (func (export "get") (param i32) (result funcref) (table.get (local.get 0)))
  (func (export "set") (param i32) (table.set (local.get 0) (ref.null func)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $t) (local.get 0))))"#;

#[test]
fn explicit_memory_accesses_are_clamped_only_with_spectre_on() {
    assert_eq!(clamps(&code(MEMORY, BoundsChecks::Explicit, true)), 5);
    assert_eq!(clamps(&code(MEMORY, BoundsChecks::Explicit, false)), 0);
    // Guard mode has no checks to speculate past.
    assert_eq!(clamps(&code(MEMORY, BoundsChecks::Guard, true)), 0);
    // No select at all when off: the check is a compare and a branch.
    assert!(!code(MEMORY, BoundsChecks::Explicit, false)
        .iter()
        .any(|&i| is_csel64(i)));
}

#[test]
fn table_index_checks_are_clamped_in_both_modes() {
    for mode in [BoundsChecks::Explicit, BoundsChecks::Guard] {
        assert_eq!(clamps(&code(TABLES, mode, true)), 3, "{mode:?}");
        assert_eq!(clamps(&code(TABLES, mode, false)), 0, "{mode:?}");
    }
}

#[test]
fn spectre_is_on_by_default() {
    assert!(CompileOptions::default().settings.spectre);
}
