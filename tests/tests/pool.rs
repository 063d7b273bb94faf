//! Memory pools: a pooled slot never shows one instance's memory to the
//! next, grows up to the slot's size or the memory's maximum and no
//! further, and comes back when its store drops, also from a failed
//! instantiation. On the board (guard slots, and contiguous slots as on a
//! board without an MMU) and, for the contiguous kind, on the host.

use basalt::{Engine, Error, Linker, MemoryPool, Module, PoolConfig, Store};
use basalt_compiler::{BoundsChecks, CompileOptions};
use basalt_platform::LoadOnly;
use basalt_tests::*;
use Value::I32;

const GUEST: &str = r#"(module
  (memory (export "memory") 1 4)
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;

fn artifact(wat: &str, mode: BoundsChecks) -> Vec<u8> {
    let mut options = CompileOptions::default();
    options.settings.bounds_checks = mode;
    basalt_compiler::compile(wat.as_bytes(), &options).unwrap_or_else(|e| panic!("compile: {e}"))
}

/// A job whose store takes memories from a pool of `slots` slots of
/// `pages` pages, guard slots in guard mode, contiguous ones otherwise.
fn pool_job(mode: BoundsChecks, slots: u32, pages: u32) -> Job {
    let mut job = Job::empty();
    job.command_line(&format!("option memory-pool {slots} {pages}"));
    if mode == BoundsChecks::Explicit {
        job.contiguous_memories();
    }
    job
}

fn run(job: &Job) -> JobReport {
    job.run(&RunOptions::default())
        .unwrap_or_else(|e| panic!("qemu: {e}"))
}

/// One slot, so the second instance gets the first one's: what the first
/// wrote (in its initial page and a grown one) reads as zero, and in guard
/// mode the grown page is unmapped again until the new instance grows.
#[test]
fn a_reused_slot_reads_as_zero() {
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let mut job = pool_job(mode, 1, 2);
        let a = job.add_artifact(artifact(GUEST, mode));
        job.instantiate_required(a, 0);
        let mut expect = Vec::new();
        let mut call = |job: &mut Job, name: &str, args: &[Value], out: Outcome| {
            expect.push((job.invoke_on(0, name, args), out));
        };
        call(&mut job, "store", &[I32(0), I32(0x1234_5678)], ok(&[]));
        call(&mut job, "store", &[I32(65532), I32(-1)], ok(&[]));
        call(&mut job, "grow", &[I32(1)], ok(&[I32(1)]));
        call(&mut job, "store", &[I32(65636), I32(7)], ok(&[]));
        call(&mut job, "load", &[I32(0)], ok(&[I32(0x1234_5678)]));
        let renew = job.command_line("new-store");
        job.instantiate_required(a, 0);
        call(&mut job, "load", &[I32(0)], ok(&[I32(0)]));
        call(&mut job, "load", &[I32(65532)], ok(&[I32(0)]));
        call(
            &mut job,
            "load",
            &[I32(65636)],
            Outcome::Trap(Trap::MemoryOutOfBounds),
        );
        call(&mut job, "grow", &[I32(1)], ok(&[I32(1)]));
        call(&mut job, "load", &[I32(65636)], ok(&[I32(0)]));
        let report = run(&job);
        assert_eq!(report.result(renew), &ok(&[]), "{mode:?}");
        for (line, want) in expect {
            assert_eq!(report.result(line), &want, "{mode:?}, line {line}");
        }
    }
}

/// A pooled memory grows up to the smaller of its maximum and the slot.
#[test]
fn growth_stops_at_the_slot_or_the_maximum() {
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        // Slot of 2 pages, memory maximum 4: the slot stops it.
        let mut job = pool_job(mode, 2, 2);
        let a = job.add_artifact(artifact(GUEST, mode));
        job.instantiate_required(a, 0);
        let small_max = job.add_artifact(artifact(
            "(module (memory 1 2) (func (export \"grow\") (param i32) (result i32) \
             (memory.grow (local.get 0))))",
            mode,
        ));
        job.instantiate_required(small_max, 1);
        let lines = [
            (job.invoke_on(0, "grow", &[I32(2)]), ok(&[I32(-1)])),
            (job.invoke_on(0, "grow", &[I32(1)]), ok(&[I32(1)])),
            (job.invoke_on(0, "grow", &[I32(1)]), ok(&[I32(-1)])),
            (job.invoke_on(0, "store", &[I32(131068), I32(5)]), ok(&[])),
            (
                job.invoke_on(0, "load", &[I32(131069)]),
                Outcome::Trap(Trap::MemoryOutOfBounds),
            ),
            // Maximum 2 in a 2-page slot: the maximum stops it.
            (job.invoke_on(1, "grow", &[I32(2)]), ok(&[I32(-1)])),
            (job.invoke_on(1, "grow", &[I32(1)]), ok(&[I32(1)])),
            (job.invoke_on(1, "grow", &[I32(1)]), ok(&[I32(-1)])),
        ];
        let report = run(&job);
        for (line, want) in lines {
            assert_eq!(report.result(line), &want, "{mode:?}, line {line}");
        }
    }
}

/// A full pool and a memory larger than a slot are errors that name the
/// pool; slots come back when their store drops, also the one a failed
/// instantiation (a trapping data segment) held, and one taken by an
/// instantiation that fails before joining the store comes back at once.
#[test]
fn slots_are_returned_and_exhaustion_is_an_error() {
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let mut job = pool_job(mode, 1, 1);
        let good = job.add_artifact(artifact("(module (memory 1))", mode));
        let big = job.add_artifact(artifact("(module (memory 2))", mode));
        let trapping = job.add_artifact(artifact(
            r#"(module (memory 1) (data (i32.const 65536) "x"))"#,
            mode,
        ));
        let free = |job: &mut Job| job.command_line("pool-free");
        let l_big = job.instantiate(big, 0);
        let l_free_start = free(&mut job);
        let l_trap = job.instantiate(trapping, 0);
        let l_free_trap = free(&mut job);
        let l_full = job.instantiate(good, 1);
        job.command_line("new-store");
        let l_free_new = free(&mut job);
        let l_good = job.instantiate(good, 1);
        let l_full_again = job.instantiate(good, 2);
        let report = run(&job);
        let error_with = |line: usize, text: &str| match report.result(line) {
            Outcome::Error(e) => assert!(e.contains(text), "{mode:?}: {e}"),
            other => panic!("{mode:?}: line {line}: {other:?}"),
        };
        error_with(l_big, "larger than the pool's slots");
        assert_eq!(report.result(l_free_start), &ok(&[Value::I64(1)]));
        assert_eq!(
            report.result(l_trap),
            &Outcome::Trap(Trap::MemoryOutOfBounds),
            "{mode:?}"
        );
        assert_eq!(report.result(l_free_trap), &ok(&[Value::I64(0)]));
        error_with(l_full, "every slot of the memory pool is taken");
        assert_eq!(report.result(l_free_new), &ok(&[Value::I64(1)]));
        assert_eq!(report.result(l_good), &ok(&[]), "{mode:?}");
        error_with(l_full_again, "every slot of the memory pool is taken");
    }
}

/// Guard-mode code cannot use a contiguous slot: the instantiation fails
/// after taking the slot, and gives it back at once.
#[test]
fn a_refused_slot_comes_back_at_once() {
    let mut job = pool_job(BoundsChecks::Explicit, 1, 1);
    let guard = job.add_artifact(artifact("(module (memory 1))", BoundsChecks::Guard));
    let explicit = job.add_artifact(artifact("(module (memory 1))", BoundsChecks::Explicit));
    let l_guard = job.instantiate(guard, 0);
    let l_free = job.command_line("pool-free");
    let l_explicit = job.instantiate(explicit, 1);
    let report = run(&job);
    assert!(
        matches!(report.result(l_guard), Outcome::Error(e) if e.contains("bounds")),
        "{:?}",
        report.result(l_guard)
    );
    assert_eq!(report.result(l_free), &ok(&[Value::I64(1)]));
    assert_eq!(report.result(l_explicit), &ok(&[]));
}

static LOAD_ONLY: LoadOnly = LoadOnly;

fn leaked(bytes: usize) -> &'static mut [u8] {
    Box::leak(vec![0u8; bytes].into_boxed_slice())
}

/// On the host (contiguous slots, no Wasm runs): the host's writes into a
/// pooled memory are gone for the next store's instance, the slot count
/// tracks the stores, and a pool that cannot hold its slots is refused.
#[test]
fn host_pool_zeroes_and_returns_slots() {
    let artifact = artifact(GUEST, BoundsChecks::Explicit);
    let engine = Engine::new(&LOAD_ONLY, leaked(1 << 20));
    let config = PoolConfig {
        slots: 2,
        max_pages: 2,
        guard_memories: true,
    };
    let too_small = MemoryPool::new(&engine, leaked(3 * 65536), config);
    assert!(matches!(too_small, Err(Error::StoreArenaFull { .. })));
    let pool = MemoryPool::new(&engine, leaked(4 * 65536 + 4096), config).unwrap();
    assert!(!pool.guarded(), "LoadOnly has no MMU");
    let module = Module::new(&engine, &artifact).unwrap();
    let mut arena = leaked(1 << 16);
    for round in 0..4u8 {
        let mut store = Store::new(&engine, arena, ());
        store.set_memory_pool(pool.clone());
        let instance = Linker::new().instantiate(&mut store, &module).unwrap();
        assert_eq!(pool.free_slots(), 1);
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        assert!(memory.data(&store).iter().all(|&b| b == 0), "round {round}");
        memory.grow(&mut store, 1).unwrap();
        assert!(memory.data(&store).iter().all(|&b| b == 0), "round {round}");
        assert!(matches!(memory.grow(&mut store, 1), Err(Error::GrowFailed)));
        memory.data_mut(&mut store).fill(round + 1);
        arena = store.into_arena();
        assert_eq!(pool.free_slots(), 2);
    }
}
