//! Lifetimes: loading, instantiating, calling and dropping a module 10,000
//! times on the board leaves the heap, the code arena, the guard-page
//! address space and the memory arena exactly where they started. Each
//! cycle also fails a grow and an instantiation (after its memory's guard
//! reservation was taken), so those paths must give back what they took.

use basalt::{Engine, Error, Linker, Module, Store};
use basalt_platform::LoadOnly;
use basalt_tests::{compile, Job, Outcome, RunOptions, Value};
use std::time::Duration;

const CYCLES: usize = 10_000;

/// Calls the host, grows by one page, then asks for more pages than the
/// board's 256 MiB memory arena holds: -1.
const GUEST: &str = r#"
(module
  (import "host" "nop" (func $nop))
  (memory 1)
  (func (export "run") (result i32)
    call $nop
    (drop (memory.grow (i32.const 1)))
    (memory.grow (i32.const 8192))))
"#;

/// A memory larger than the arena: instantiation reserves address space,
/// then fails for want of backing pages.
const FAILING: &str = "(module (memory 8192))";

/// In pool mode: a segment that traps, so the failed instance joins the
/// store holding its pool slot until the store drops.
const FAILING_POOLED: &str = r#"(module (memory 1) (data (i32.const 65536) "x"))"#;

/// The lifecycle job's reply: 15 figures (see `lifecycle_job.rs`).
fn lifecycle(failing: &str, pooled: bool) -> [i64; 15] {
    let mut job = Job::empty();
    let good = job.add_artifact(compile(GUEST));
    let bad = job.add_artifact(compile(failing));
    let pool = if pooled { " pool" } else { "" };
    let line = job.command_line(&format!("lifecycle {good} {bad} {CYCLES}{pool}"));
    let opts = RunOptions {
        timeout: Duration::from_secs(600),
        ..RunOptions::default()
    };
    let report = job.run(&opts).unwrap_or_else(|e| panic!("qemu: {e}"));
    let values: Vec<i64> = match report.result(line) {
        Outcome::Values(v) => v
            .iter()
            .map(|v| match v {
                Value::I64(x) => *x,
                other => panic!("unexpected value {other:?}"),
            })
            .collect(),
        other => panic!("lifecycle: {other:?}\n{}", report.console),
    };
    values
        .try_into()
        .unwrap_or_else(|v| panic!("expected 15 values, got {v:?}"))
}

#[test]
fn ten_thousand_cycles_leak_nothing() {
    let [heap, heap_after, code, code_after, reserved, reserved_after, heap_live, code_live, reserved_live, arena_before_failure, arena_after_failure, run_took, ..] =
        lifecycle(FAILING, false);
    // The measurement sees an instance: while one was alive, each figure
    // differed from its baseline.
    assert!(heap_live < heap, "heap {heap_live} vs {heap}");
    assert!(code_live < code, "code arena {code_live} vs {code}");
    assert!(
        reserved_live > reserved,
        "reserved {reserved_live} vs {reserved}"
    );
    // And after 10,000 cycles everything is back.
    assert_eq!(heap_after, heap, "heap free bytes");
    assert_eq!(code_after, code, "code arena free bytes");
    assert_eq!(reserved_after, reserved, "reserved address space");
    // Within a store: the failed instantiation gave its arena bytes back,
    // and `run` took one page for its successful grow, none for the failed.
    assert_eq!(
        arena_after_failure, arena_before_failure,
        "store arena bytes"
    );
    assert_eq!(run_took, 65536, "arena bytes the guest's grows took");
}

/// The same with every store's memories from one pool: its slots (and
/// their reservations and translation tables) outlive the stores, and
/// every slot comes back, including the one a failed instantiation held.
#[test]
fn ten_thousand_pooled_cycles_leak_nothing() {
    let [heap, heap_after, code, code_after, reserved, reserved_after, heap_live, code_live, reserved_live, _, _, run_took, slots, slots_after, slots_live] =
        lifecycle(FAILING_POOLED, true);
    assert!(heap_live < heap, "heap {heap_live} vs {heap}");
    assert!(code_live < code, "code arena {code_live} vs {code}");
    // Both instances, the failed one too, held a slot.
    assert_eq!((slots, slots_live), (2, 0), "free pool slots");
    // The pool's reservations stay; nothing else is reserved per cycle.
    assert_eq!(reserved_live, reserved, "reserved address space");
    assert_eq!(heap_after, heap, "heap free bytes");
    assert_eq!(code_after, code, "code arena free bytes");
    assert_eq!(reserved_after, reserved, "reserved address space");
    assert_eq!(slots_after, slots, "free pool slots");
    // The grow used the slot's pages, not the store's arena.
    assert_eq!(run_took, 0, "arena bytes the guest's grows took");
}

static LOAD_ONLY: LoadOnly = LoadOnly;

fn leaked(bytes: usize) -> &'static mut [u8] {
    Box::leak(vec![0u8; bytes].into_boxed_slice())
}

/// On the host (no Wasm runs): a code arena that holds the module only a
/// few times over serves a thousand loads, because a dropped module's pages
/// come back; while an instance holds the module they stay taken.
#[test]
fn dropped_modules_return_their_code_pages() {
    let artifact = compile(GUEST);
    let engine = Engine::new(&LOAD_ONLY, leaked(4 * artifact.len()));
    let empty = engine.code_arena_available();
    let mut arena = leaked(1 << 20);
    for _ in 0..1000 {
        let module = Module::new(&engine, &artifact).unwrap();
        let mut store = Store::new(&engine, arena, ());
        let mut linker = Linker::new();
        linker.func_wrap("host", "nop", || {});
        linker.instantiate(&mut store, &module).unwrap();
        drop(module);
        // The instance still holds the module.
        assert!(engine.code_arena_available() < empty);
        arena = store.into_arena();
        assert_eq!(engine.code_arena_available(), empty);
    }
}

/// A failed instantiation gives back the store-arena bytes it took (its
/// `VMContext` and whatever came before the failing memory).
#[test]
fn failed_instantiation_returns_its_arena_bytes() {
    let engine = Engine::new(&LOAD_ONLY, leaked(1 << 20));
    let module = Module::new(
        &engine,
        &compile("(module (table 10 funcref) (global i32 (i32.const 1)) (memory 64))"),
    )
    .unwrap();
    let mut store = Store::new(&engine, leaked(1 << 20), ());
    let before = store.arena_available();
    for _ in 0..100 {
        let e = Linker::new().instantiate(&mut store, &module).unwrap_err();
        assert!(matches!(e, Error::StoreArenaFull { .. }), "{e}");
        assert_eq!(store.arena_available(), before);
    }
}
