//! The platform at work: guard-page memories, the stack limit, fuel and
//! epoch interruption, each proved on the board.

use basalt_compiler::{compile as compile_with, BoundsChecks, CompileOptions};
use basalt_tests::*;
use Value::{I32, I64};

fn artifact(wat: &str, f: impl FnOnce(&mut CompileOptions)) -> Vec<u8> {
    let mut options = CompileOptions::default();
    f(&mut options);
    compile_with(wat.as_bytes(), &options).unwrap_or_else(|e| panic!("compile: {e}"))
}

/// Run `cases` on `wat` in guard and in explicit mode, each in a fresh
/// instance.
fn check_in_both_modes(wat: &str, cases: &[Case]) {
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let job = Job::new(artifact(wat, |o| o.settings.bounds_checks = mode));
        check_job(job, cases, &RunOptions::default());
    }
}

/// Run `cases` on `wat` in explicit mode with and without Spectre
/// hardening, in a contiguous pool slot of 4 pages (a store past the length
/// that a wrong check let through lands in mapped RAM instead of faulting),
/// and in guard mode.
fn check_in_every_mode(wat: &str, cases: &[Case]) {
    for (mode, spectre) in [
        (BoundsChecks::Explicit, true),
        (BoundsChecks::Explicit, false),
        (BoundsChecks::Guard, true),
    ] {
        let mut job = Job::empty();
        if mode == BoundsChecks::Explicit {
            job.command_line("option memory-pool 1 4");
            job.contiguous_memories();
        }
        let a = job.add_artifact(artifact(wat, |o| {
            o.settings.bounds_checks = mode;
            o.settings.spectre = spectre;
        }));
        job.instantiate_required(a, 0);
        check_job(job, cases, &RunOptions::default());
    }
}

fn run_job(job: &Job) -> JobReport {
    job.run(&RunOptions::default())
        .unwrap_or_else(|e| panic!("qemu: {e}"))
}

const EDGES: &str = r#"(module
  (memory 1 4)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load64_off") (param i32) (result i64) (i64.load offset=65528 (local.get 0)))
  (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "far") (param i32) (result i32) (i32.load offset=0xffffffff (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;

/// Every edge of a guard-mode memory: the last byte is readable, one past
/// faults into `MemoryOutOfBounds` (through the MMU, not compiled checks),
/// and after a trap the instance keeps working; grown pages become mapped.
#[test]
fn guard_mode_memory_edges() {
    let job = Job::new(artifact(EDGES, |o| {
        o.settings.bounds_checks = BoundsChecks::Guard
    }));
    let cases: Vec<Case> = vec![
        ("load8", &[I32(65535)], ok(&[I32(0)])),
        (
            "load8",
            &[I32(65536)],
            Outcome::Trap(Trap::MemoryOutOfBounds),
        ),
        ("load32", &[I32(65532)], ok(&[I32(0)])),
        (
            "load32",
            &[I32(65533)],
            Outcome::Trap(Trap::MemoryOutOfBounds),
        ),
        ("load32", &[I32(-1)], Outcome::Trap(Trap::MemoryOutOfBounds)),
        ("load64_off", &[I32(0)], ok(&[I64(0)])),
        (
            "load64_off",
            &[I32(1)],
            Outcome::Trap(Trap::MemoryOutOfBounds),
        ),
        ("far", &[I32(0)], Outcome::Trap(Trap::MemoryOutOfBounds)),
        ("far", &[I32(-1)], Outcome::Trap(Trap::MemoryOutOfBounds)),
        (
            "store32",
            &[I32(65533), I32(7)],
            Outcome::Trap(Trap::MemoryOutOfBounds),
        ),
        ("store32", &[I32(65532), I32(0x0102_0304)], ok(&[])),
        ("load32", &[I32(65532)], ok(&[I32(0x0102_0304)])),
        ("grow", &[I32(1)], ok(&[I32(1)])),
        ("load32", &[I32(65536 * 2 - 4)], ok(&[I32(0)])),
        (
            "load32",
            &[I32(65536 * 2 - 3)],
            Outcome::Trap(Trap::MemoryOutOfBounds),
        ),
        ("grow", &[I32(3)], ok(&[I32(-1)])),
        ("grow", &[I32(2)], ok(&[I32(2)])),
        ("load8", &[I32(65536 * 4 - 1)], ok(&[I32(0)])),
        (
            "load8",
            &[I32(65536 * 4)],
            Outcome::Trap(Trap::MemoryOutOfBounds),
        ),
    ];
    check_job(job, &cases, &RunOptions::default());
}

/// `memory.grow` takes pages from the store's arena until it is exhausted,
/// then returns -1; the memory keeps working.
#[test]
fn memory_grows_to_the_arena_limit() {
    let wat = r#"(module
      (memory 1)
      (func (export "grow_all") (result i32) (local $n i32)
        (block $full (loop $more
          (br_if $full (i32.eq (memory.grow (i32.const 256)) (i32.const -1)))
          (local.set $n (i32.add (local.get $n) (i32.const 256)))
          (br $more)))
        (local.get $n))
      (func (export "size") (result i32) (memory.size))
      (func (export "poke") (param i32) (result i32)
        (i32.store8 (local.get 0) (i32.const 9)) (i32.load8_u (local.get 0))))"#;
    for guard in [true, false] {
        let mode = if guard {
            BoundsChecks::Guard
        } else {
            BoundsChecks::Explicit
        };
        let mut job = Job::new(artifact(wat, |o| o.settings.bounds_checks = mode));
        if !guard {
            job.contiguous_memories();
        }
        job.invoke("grow_all", &[]);
        job.invoke("size", &[]);
        job.invoke("poke", &[I32(0)]);
        let r = run_job(&job);
        assert_eq!(r.status, 0, "{}", r.console);
        let Outcome::Values(grown) = &r.outcomes[0] else {
            panic!("{}", r.console)
        };
        let I32(grown) = grown[0] else { panic!() };
        // The board's arena is 256 MiB = 4096 pages: most of it is reachable.
        assert!(
            (3000..4096).contains(&grown),
            "grew {grown} pages (guard {guard})"
        );
        assert_eq!(r.outcomes[1], ok(&[I32(grown + 1)]), "{}", r.console);
        assert_eq!(r.outcomes[2], ok(&[I32(9)]), "{}", r.console);
    }
}

const FUEL: &str = r#"(module
  (func (export "three") (result i32) (i32.add (i32.const 1) (i32.const 2)))
  (func (export "count") (param $n i32) (result i32)
    (loop $l
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $n))
  (func (export "spin") (loop $l (br $l))))"#;

/// Fuel is charged at the documented rate and is exact after a call:
/// `three` costs 3 (two consts and an add; `end` is free); `count n` costs
/// 6 per iteration (get, const, sub, set, get, br_if) plus 2 (final get,
/// and the free loop/end). An endless loop is stopped with `OutOfFuel` and
/// the store works again once refuelled.
#[test]
fn fuel_is_exact_and_stops_endless_loops() {
    let mut job = Job::empty();
    let a = job.add_artifact(artifact(FUEL, |o| o.settings.fuel = true));
    job.set_fuel(1000);
    job.instantiate_required(a, 0);
    let three = job.invoke("three", &[]);
    let after_three = job.get_fuel();
    let count = job.invoke("count", &[I32(10)]);
    let after_count = job.get_fuel();
    let spin = job.invoke("spin", &[]);
    job.set_fuel(50);
    let again = job.invoke("three", &[]);
    let after_again = job.get_fuel();
    let r = run_job(&job);
    assert_eq!(r.status, 0, "{}", r.console);
    assert_eq!(r.outcomes[three], ok(&[I32(3)]));
    assert_eq!(r.result(after_three), &ok(&[I64(997)]), "{}", r.console);
    assert_eq!(r.outcomes[count], ok(&[I32(0)]));
    assert_eq!(
        r.result(after_count),
        &ok(&[I64(997 - (10 * 6 + 1))]),
        "{}",
        r.console
    );
    assert_eq!(
        r.outcomes[spin],
        Outcome::Trap(Trap::OutOfFuel),
        "{}",
        r.console
    );
    assert_eq!(r.outcomes[again], ok(&[I32(3)]));
    assert_eq!(r.result(after_again), &ok(&[I64(47)]), "{}", r.console);
}

/// The board's timer advances the epoch; an endless loop is interrupted
/// by its loop-header check once the deadline passes, and the instance keeps
/// working. Under -icount the board is instruction-exact, so the run also
/// shows that the deadline tick arrived during the call (the loop check, not
/// the entry check, stopped it) and gives the stop latency.
#[test]
fn epoch_timer_stops_endless_loops() {
    let mut job = Job::empty();
    let a = job.add_artifact(artifact(FUEL, |o| o.settings.epoch = true));
    job.epoch_timer(1000);
    job.epoch_deadline(3);
    job.instantiate_required(a, 0);
    let start = job.ticks();
    let spin = job.invoke("spin", &[]);
    let stamps = job.last_tick_and_trap();
    job.epoch_deadline(1_000_000);
    let three = job.invoke("three", &[]);
    let opts = RunOptions {
        icount: true,
        ..RunOptions::default()
    };
    let r = job.run(&opts).unwrap_or_else(|e| panic!("qemu: {e}"));
    assert_eq!(r.status, 0, "{}", r.console);
    assert_eq!(
        r.outcomes[spin],
        Outcome::Trap(Trap::Interrupt),
        "{}",
        r.console
    );
    assert_eq!(r.outcomes[three], ok(&[I32(3)]), "{}", r.console);
    let ticks = |line| match r.result(line) {
        Outcome::Values(v) => v
            .iter()
            .map(|v| if let I64(t) = v { *t } else { -1 })
            .collect::<Vec<_>>(),
        other => panic!("{other:?}\n{}", r.console),
    };
    let (start, stamps) = (ticks(start)[0], ticks(stamps));
    let (tick, trap) = (stamps[0], stamps[1]);
    // One period is 1 ms = 62,500 counter ticks.
    assert!(
        tick > start,
        "the deadline tick ({tick}) came before the call ({start})"
    );
    assert!(
        (0..62_500).contains(&(trap - tick)),
        "tick {tick}, trap {trap}"
    );
    println!(
        "epoch stop latency: {} counter ticks = {} guest instructions after the timer interrupt",
        trap - tick,
        (trap - tick) * basalt_protocol::INSTRUCTIONS_PER_TICK as i64
    );
}

/// Unbounded recursion ends in `StackOverflow`; a host function called at
/// the bottom of a deep recursion still has stack; a normal call works after.
#[test]
fn deep_recursion_and_host_calls_near_the_limit() {
    deep_recursion_and_host_calls_near_the_limit_in(BoundsChecks::Explicit);
}

/// The same in guard mode, where Wasm-to-Wasm calls have no stack-limit
/// check and overflow is a data abort in the stack guard.
#[test]
fn guard_mode_deep_recursion_and_host_calls_near_the_limit() {
    deep_recursion_and_host_calls_near_the_limit_in(BoundsChecks::Guard);
}

fn deep_recursion_and_host_calls_near_the_limit_in(mode: BoundsChecks) {
    let wat = r#"(module
      (import "spectest" "print_i32" (func $print (param i32)))
      (func $down (export "down") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (call $print (i32.const 7)) (i32.const 1))
          (else (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
      (func $forever (export "forever") (param i32) (result i32)
        (i32.add (call $forever (local.get 0)) (i32.const 1))))"#;
    let mut job = Job::new(artifact(wat, |o| o.settings.bounds_checks = mode));
    let depths: Vec<i32> = (0..40).map(|i| (1000.0 * 1.15f64.powi(i)) as i32).collect();
    let first = job.invoke("forever", &[I32(0)]);
    for &d in &depths {
        job.invoke("down", &[I32(d)]);
    }
    let last = job.invoke("down", &[I32(10)]);
    let r = run_job(&job);
    assert_eq!(r.status, 0, "{}", r.console);
    assert_eq!(r.outcomes[first], Outcome::Trap(Trap::StackOverflow));
    let mut deepest_ok = 0;
    for (i, &d) in depths.iter().enumerate() {
        match &r.outcomes[first + 1 + i] {
            Outcome::Values(v) => {
                assert_eq!(v, &vec![I32(d + 1)]);
                deepest_ok = d;
            }
            Outcome::Trap(Trap::StackOverflow) => {}
            other => panic!("depth {d}: {other:?}\n{}", r.console),
        }
    }
    // Deep enough that the host function ran with most of the stack used.
    assert!(
        deepest_ok > 10_000,
        "deepest successful recursion {deepest_ok}"
    );
    assert_eq!(r.outcomes[last], ok(&[I32(11)]));
}

/// Rust code Wasm calls (host functions, libcalls) never runs into the
/// stack guard: recursion that calls a host function (which enters Wasm
/// again), `memory.grow` or `memory.fill` at every level ends in
/// `StackOverflow` at whatever depth the stack runs out, in both modes, and
/// the board does not crash. In guard mode this rests on the checks kept
/// where Wasm calls Rust: without them the Rust frame at the bottom hits
/// the guard outside Wasm code, a crash.
#[test]
fn rust_called_at_every_depth_never_reaches_the_guard() {
    let wat = r#"(module
      (import "host" "reenter" (func $reenter))
      (memory 1)
      (func (export "reentered"))
      (func $host_each (export "host_each") (call $reenter) (call $host_each))
      (func $grow_each (export "grow_each") (result i32)
        (drop (memory.grow (i32.const 0))) (call $grow_each))
      (func $fill_each (export "fill_each")
        (memory.fill (i32.const 0) (i32.const 0) (i32.const 64)) (call $fill_each))
      (func (export "ok") (result i32) (i32.const 7)))"#;
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let mut job = Job::new(artifact(wat, |o| o.settings.bounds_checks = mode));
        let calls = ["host_each", "grow_each", "fill_each", "ok"].map(|f| job.invoke(f, &[]));
        let r = run_job(&job);
        assert_eq!(r.status, 0, "{mode:?}\n{}", r.console);
        for &c in &calls[..3] {
            assert_eq!(
                r.outcomes[c],
                Outcome::Trap(Trap::StackOverflow),
                "{mode:?}\n{}",
                r.console
            );
        }
        assert_eq!(r.outcomes[calls[3]], ok(&[I32(7)]), "{mode:?}");
    }
}

/// A host function's Wasm entry is the trampoline of the module that
/// imported it first: here an explicit-mode module imports `host.reenter`
/// and exports it, and a guard-mode module (no prologue checks) imports that
/// export and reaches it through `call_indirect`, i.e. through the
/// explicit-mode module's trampoline. Recursing with a host call at every depth must
/// still trap as `call stack exhausted`, never run Rust on the guard.
#[test]
fn a_lent_trampoline_checks_the_stack_for_guard_mode_callers() {
    let lender = r#"(module
      (import "host" "reenter" (func $reenter))
      (export "reenter" (func $reenter)))"#;
    let guard = r#"(module
      (import "lender" "reenter" (func $reenter))
      (type $v (func))
      (table 1 funcref)
      (elem (i32.const 0) $reenter)
      (func (export "reentered"))
      (func $host_each (export "host_each")
        (call_indirect (type $v) (i32.const 0)) (call $host_each))
      (func (export "ok") (result i32) (i32.const 7)))"#;
    let mut job = Job::empty();
    let a = job.add_artifact(artifact(lender, |o| {
        o.settings.bounds_checks = BoundsChecks::Explicit
    }));
    let b = job.add_artifact(artifact(guard, |o| {
        o.settings.bounds_checks = BoundsChecks::Guard
    }));
    job.instantiate_required(a, 1);
    job.register("lender", 1);
    job.instantiate_required(b, 0);
    let each = job.invoke("host_each", &[]);
    let ok_call = job.invoke("ok", &[]);
    let r = run_job(&job);
    assert_eq!(r.status, 0, "{}", r.console);
    assert_eq!(
        r.outcomes[each],
        Outcome::Trap(Trap::StackOverflow),
        "{}",
        r.console
    );
    assert_eq!(r.outcomes[ok_call], ok(&[I32(7)]));
}

/// Accesses inside loops, where explicit mode compares the 32-bit index
/// against a limit computed once outside the loop (`index_limit` in the
/// compiler), trap exactly at every edge: the last byte, one past, large
/// offsets, the far end of the index space, a grown memory, and a memory
/// of zero pages. Guard mode runs the same cases as the reference.
/// Each case fails if the limit is off by one or not clamped at zero.
#[test]
fn loops_over_memory_trap_at_every_edge() {
    // Sums the bytes in [at, end) in a loop that calls nothing.
    const SUM8: &str = r#"
      (func (export "sum8") (param $at i32) (param $end i32) (result i32) (local $s i32)
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
          (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $at))))
          (local.set $at (i32.add (local.get $at) (i32.const 1)))
          (br $next)))
        (local.get $s))"#;
    let loops_wat = format!(
        r#"(module
      (memory 1 4)
      (data (i32.const 65532) "\01\02\03\04")
      (func $id (param i32) (result i32) (local.get 0))
      {SUM8}
      (func (export "sum8_calling") (param $at i32) (param $end i32) (result i32) (local $s i32)
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
          (local.set $s (i32.add (local.get $s) (call $id (i32.load8_u (local.get $at)))))
          (local.set $at (i32.add (local.get $at) (i32.const 1)))
          (br $next)))
        (local.get $s))
      (func (export "sum64_off") (param $at i32) (param $n i32) (result i64) (local $s i64)
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $s (i64.add (local.get $s) (i64.load offset=65528 (local.get $at))))
          (local.set $at (i32.add (local.get $at) (i32.const 1)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
        (local.get $s))
      (func (export "far") (param $at i32) (param $n i32) (result i32) (local $s i32)
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $s (i32.add (local.get $s) (i32.load offset=0xfffffff0 (local.get $at))))
          (local.set $at (i32.add (local.get $at) (i32.const 4)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
        (local.get $s))
      (func (export "fill32") (param $at i32) (param $n i32)
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (i32.store (local.get $at) (local.get $n))
          (local.set $at (i32.add (local.get $at) (i32.const 4)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next))))
      (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#
    );
    let empty_wat = format!(
        r#"(module
      (memory 0 1)
      {SUM8}
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#
    );
    let oob = || Outcome::Trap(Trap::MemoryOutOfBounds);
    let loops: Vec<Case> = vec![
        ("sum8", &[I32(65530), I32(65536)], ok(&[I32(10)])),
        ("sum8", &[I32(65530), I32(65537)], oob()),
        ("sum8_calling", &[I32(65530), I32(65536)], ok(&[I32(10)])),
        ("sum8_calling", &[I32(65530), I32(65537)], oob()),
        ("sum8", &[I32(-2), I32(-1)], oob()),
        (
            "sum64_off",
            &[I32(0), I32(1)],
            ok(&[I64(0x0403_0201_0000_0000)]),
        ),
        ("sum64_off", &[I32(0), I32(2)], oob()),
        ("far", &[I32(0), I32(1)], oob()),
        ("far", &[I32(-16), I32(1)], oob()),
        ("fill32", &[I32(65524), I32(3)], ok(&[])),
        ("load32", &[I32(65532)], ok(&[I32(1)])),
        // Two words are written, the third (at 65536) traps.
        ("fill32", &[I32(65528), I32(3)], oob()),
        ("load32", &[I32(65528)], ok(&[I32(3)])),
        ("load32", &[I32(65532)], ok(&[I32(2)])),
        ("grow", &[I32(1)], ok(&[I32(1)])),
        ("sum8", &[I32(65530), I32(65540)], ok(&[I32(2)])),
        ("sum8", &[I32(131066), I32(131072)], ok(&[I32(0)])),
        ("sum8", &[I32(131066), I32(131073)], oob()),
        ("sum64_off", &[I32(65536), I32(1)], ok(&[I64(0)])),
        ("sum64_off", &[I32(65536), I32(2)], oob()),
    ];
    let empty: Vec<Case> = vec![
        ("sum8", &[I32(0), I32(0)], ok(&[I32(0)])),
        ("sum8", &[I32(0), I32(1)], oob()),
        ("grow", &[I32(1)], ok(&[I32(0)])),
        ("sum8", &[I32(65535), I32(65536)], ok(&[I32(0)])),
        ("sum8", &[I32(65535), I32(65537)], oob()),
    ];
    for mode in [BoundsChecks::Explicit, BoundsChecks::Guard] {
        for (wat, cases) in [(&loops_wat, &loops), (&empty_wat, &empty)] {
            // Explicit mode runs in a contiguous pool slot of 4 pages, as on a
            // board without an MMU: the bytes past the length are mapped RAM,
            // so only the compiled check stands between the guest and them.
            let mut job = Job::empty();
            if mode == BoundsChecks::Explicit {
                job.command_line("option memory-pool 1 4");
                job.contiguous_memories();
            }
            let a = job.add_artifact(artifact(wat, |o| o.settings.bounds_checks = mode));
            job.instantiate_required(a, 0);
            check_job(job, cases, &RunOptions::default());
        }
    }
}

/// Accesses with one dynamic index and constant distances share one check
/// in explicit mode (`compiler/src/translate/access_group.rs`); when it
/// fails, a copy of the group's code with a check per access runs instead.
/// The trap must be exactly the one of checking each access: a group whose
/// last, first or middle member (in program order) is out of bounds traps
/// there with every earlier store visible and no later one, an index that
/// wraps past 2^32 traps, and a trap of another kind between members comes
/// first. Guard mode and explicit mode without Spectre hardening run the
/// same cases. Explicit mode runs in a contiguous pool slot of 4 pages, so
/// a store past the length would land in mapped RAM if a check were wrong.
#[test]
fn grouped_accesses_trap_exactly_at_their_first_failing_member() {
    const GROUPS: &str = r#"(module
      (memory 1 4)
      (data (i32.const 0) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00")
      (func (export "store4") (param $p i32) (param $v i32)
        (i32.store offset=0 (local.get $p) (local.get $v))
        (i32.store offset=4 (local.get $p) (i32.add (local.get $v) (i32.const 1)))
        (i32.store offset=8 (local.get $p) (i32.add (local.get $v) (i32.const 2)))
        (i32.store offset=12 (local.get $p) (i32.add (local.get $v) (i32.const 3))))
      (func (export "shuffled") (param $p i32) (param $v i32)
        (i32.store (i32.add (local.get $p) (i32.const 8)) (local.get $v))
        (i32.store (local.get $p) (local.get $v))
        (i32.store (i32.add (local.get $p) (i32.const 12)) (local.get $v))
        (i32.store (i32.add (local.get $p) (i32.const 4)) (local.get $v)))
      (func (export "wrap") (param $p i32) (result i32)
        (i32.add
          (i32.add (i32.load (i32.add (local.get $p) (i32.const -8)))
                   (i32.load (i32.add (local.get $p) (i32.const -4))))
          (i32.add (i32.load (local.get $p))
                   (i32.load (i32.add (local.get $p) (i32.const 4))))))
      (func (export "bytes") (param $p i32) (result i32)
        (i32.or
          (i32.or (i32.load8_u (local.get $p))
                  (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 8)))
          (i32.or (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 16))
                  (i32.shl (i32.load8_u offset=3 (local.get $p)) (i32.const 24)))))
      (func (export "div_between") (param $p i32) (param $d i32)
        (i32.store (local.get $p) (i32.const 5))
        (i32.store offset=4 (local.get $p) (i32.div_u (i32.const 7) (local.get $d)))
        (i32.store offset=8 (local.get $p) (i32.const 9)))
      (func (export "fill4") (param $p i32) (param $n i32)
        (loop $next
          (i32.store (local.get $p) (local.get $n))
          (i32.store offset=4 (local.get $p) (local.get $n))
          (i32.store offset=8 (local.get $p) (local.get $n))
          (i32.store offset=12 (local.get $p) (local.get $n))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
      (func (export "retee") (param $p i32) (local $q i32)
        ;; The index passes through a local set inside the window.
        (local.set $q (local.get $p))
        (i32.store (local.get $q) (i32.add (i32.load (local.get $q)) (i32.const 1)))
        (local.set $q (i32.add (local.get $p) (i32.const 4)))
        (i32.store (local.get $q) (i32.add (i32.load (local.get $q)) (i32.const 1))))
      (func (export "deep") (param $p i32) (result i32)
        ;; Members whose indices were pushed before the window's start.
        local.get $p
        i32.const 8
        i32.add
        local.get $p
        local.get $p
        i32.const 1
        i32.store
        i32.const 7
        i32.store offset=4
        i32.load)
      (func (export "load32") (param i32) (result i32) (i32.load (local.get 0))))"#;
    let oob = || Outcome::Trap(Trap::MemoryOutOfBounds);
    let cases: Vec<Case> = vec![
        ("deep", &[I32(200)], ok(&[I32(0)])),
        ("load32", &[I32(200)], ok(&[I32(1)])),
        ("load32", &[I32(204)], ok(&[I32(7)])),
        ("load32", &[I32(212)], ok(&[I32(0)])),
        ("deep", &[I32(65528)], oob()),
        ("load32", &[I32(65528)], ok(&[I32(1)])),
        ("load32", &[I32(65532)], ok(&[I32(7)])),
        ("store4", &[I32(65520), I32(10)], ok(&[])),
        ("load32", &[I32(65532)], ok(&[I32(13)])),
        // The last member is out of bounds: the first three landed.
        ("store4", &[I32(65524), I32(20)], oob()),
        ("load32", &[I32(65524)], ok(&[I32(20)])),
        ("load32", &[I32(65528)], ok(&[I32(21)])),
        ("load32", &[I32(65532)], ok(&[I32(22)])),
        // The first member is out of bounds: nothing landed.
        ("store4", &[I32(65536), I32(30)], oob()),
        ("store4", &[I32(-4), I32(30)], oob()),
        ("load32", &[I32(65532)], ok(&[I32(22)])),
        ("load32", &[I32(0)], ok(&[I32(1)])),
        // Program order p+8, p, p+12, p+4: the third traps, the fourth
        // (in bounds) is not written.
        ("shuffled", &[I32(65524), I32(40)], oob()),
        ("load32", &[I32(65532)], ok(&[I32(40)])),
        ("load32", &[I32(65524)], ok(&[I32(40)])),
        ("load32", &[I32(65528)], ok(&[I32(21)])),
        // Indices p-8 .. p+4, wrapping when p < 8.
        ("wrap", &[I32(8)], ok(&[I32(10)])),
        ("wrap", &[I32(4)], oob()),
        ("wrap", &[I32(0)], oob()),
        ("wrap", &[I32(65532)], oob()),
        ("wrap", &[I32(65528)], ok(&[I32(10 + 40 + 21 + 40)])),
        ("bytes", &[I32(0)], ok(&[I32(1)])),
        ("bytes", &[I32(65532)], ok(&[I32(40)])),
        ("bytes", &[I32(65533)], oob()),
        ("bytes", &[I32(-1)], oob()),
        // A division by zero between members comes first, after the
        // first store, also when a later member is out of bounds.
        (
            "div_between",
            &[I32(100), I32(0)],
            Outcome::Trap(Trap::IntegerDivisionByZero),
        ),
        ("load32", &[I32(100)], ok(&[I32(5)])),
        ("load32", &[I32(104)], ok(&[I32(0)])),
        (
            "div_between",
            &[I32(65528), I32(0)],
            Outcome::Trap(Trap::IntegerDivisionByZero),
        ),
        ("load32", &[I32(65528)], ok(&[I32(5)])),
        ("load32", &[I32(65532)], ok(&[I32(40)])),
        ("div_between", &[I32(65528), I32(1)], oob()),
        ("load32", &[I32(65532)], ok(&[I32(7)])),
        // In a loop: the second round's last store traps.
        ("fill4", &[I32(65504), I32(2)], ok(&[])),
        ("load32", &[I32(65504)], ok(&[I32(2)])),
        ("load32", &[I32(65532)], ok(&[I32(1)])),
        ("fill4", &[I32(65512), I32(3)], oob()),
        ("load32", &[I32(65524)], ok(&[I32(3)])),
        ("load32", &[I32(65528)], ok(&[I32(2)])),
        ("load32", &[I32(65532)], ok(&[I32(2)])),
        ("retee", &[I32(300)], ok(&[])),
        ("load32", &[I32(300)], ok(&[I32(1)])),
        ("load32", &[I32(304)], ok(&[I32(1)])),
        // The second pair is out of bounds: the first store landed.
        ("retee", &[I32(65532)], oob()),
        ("load32", &[I32(65532)], ok(&[I32(3)])),
    ];
    check_in_every_mode(GROUPS, &cases);
}

/// A wide group (members in arrays 64 KiB apart, `a[i]`, `b[i]`, `c[i]`)
/// is checked once too, clamped to the memory's base under Spectre; its
/// cold copy rejoins the checked path. Traps stay exact: the last, first
/// or middle member out of bounds, earlier stores visible, a grown memory
/// admits what trapped before. Guard mode runs the same cases.
#[test]
fn wide_groups_trap_exactly_at_their_first_failing_member() {
    const WIDE: &str = r#"(module
      (memory 3 4)
      (func (export "tri") (param $p i32) (param $v i32)
        (i32.store (local.get $p) (local.get $v))
        (i32.store offset=0x10000 (local.get $p) (i32.add (local.get $v) (i32.const 1)))
        (i32.store (i32.add (local.get $p) (i32.const 0x20000)) (i32.add (local.get $v) (i32.const 2))))
      (func (export "tri_high_first") (param $p i32) (param $v i32)
        (i32.store (i32.add (local.get $p) (i32.const 0x20000)) (local.get $v))
        (i32.store (local.get $p) (local.get $v))
        (i32.store offset=0x10000 (local.get $p) (local.get $v)))
      (func (export "triad") (param $i i32) (param $n i32)
        (loop $next
          (i32.store offset=0x20000 (local.get $i)
            (i32.add (i32.load (local.get $i))
                     (i32.mul (i32.load offset=0x10000 (local.get $i)) (i32.const 3))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
      (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
    let oob = || Outcome::Trap(Trap::MemoryOutOfBounds);
    let cases: Vec<Case> = vec![
        ("tri", &[I32(0xfffc), I32(10)], ok(&[])),
        ("load32", &[I32(0xfffc)], ok(&[I32(10)])),
        ("load32", &[I32(0x1fffc)], ok(&[I32(11)])),
        ("load32", &[I32(0x2fffc)], ok(&[I32(12)])),
        // The last member is out of bounds: the first two landed.
        ("tri", &[I32(0x10000), I32(20)], oob()),
        ("load32", &[I32(0x10000)], ok(&[I32(20)])),
        ("load32", &[I32(0x20000)], ok(&[I32(21)])),
        // The first member is out of bounds: nothing landed.
        ("tri_high_first", &[I32(0xfff0), I32(30)], ok(&[])),
        ("tri_high_first", &[I32(0x10000), I32(40)], oob()),
        ("load32", &[I32(0x10000)], ok(&[I32(20)])),
        ("load32", &[I32(0x20000)], ok(&[I32(21)])),
        ("tri", &[I32(-4), I32(50)], oob()),
        // a = [0x0, 0x10000), b = a + 0x10000, c = a + 0x20000: the loop's
        // last round (i = 0x10000) reads b at 0x20000 and traps on c.
        ("triad", &[I32(0xfff0), I32(4)], ok(&[])),
        ("load32", &[I32(0x2fffc)], ok(&[I32(10 + 3 * 11)])),
        ("triad", &[I32(0xfff8), I32(3)], oob()),
        ("load32", &[I32(0x2fffc)], ok(&[I32(10 + 3 * 11)])),
        ("grow", &[I32(1)], ok(&[I32(3)])),
        ("tri", &[I32(0x10000), I32(60)], ok(&[])),
        ("load32", &[I32(0x30000)], ok(&[I32(62)])),
    ];
    check_in_every_mode(WIDE, &cases);
}

/// Scaled indices (`i32.shl` of a masked value or a byte load): guard mode
/// shifts in 64 bits when the value cannot wrap (`widen_index` in the
/// compiler) and must still wrap in 32 bits when it can: `0x4000_0000 << 2`
/// is address 0, not 4 GiB. Indices `x + K` (`basalt::memory::GUARD_BELOW`)
/// wrap or trap exactly, also when the folded address lies below the
/// memory (a fault there is a memory trap, not a crash). Explicit mode runs
/// the same cases.
#[test]
fn computed_indices_wrap_or_trap_as_wasm_says() {
    const SCALED: &str = r#"(module
      (memory 1 1)
      (data (i32.const 0) "\2a\00\00\00")
      (data (i32.const 65532) "\07\00\00\00")
      (data (i32.const 100) "\ff")
      (func (export "masked16") (param i32) (result i32)
        (i32.load (i32.shl (i32.and (local.get 0) (i32.const 0xffff)) (i32.const 2))))
      (func (export "masked31") (param i32) (result i32)
        (i32.load (i32.shl (i32.and (local.get 0) (i32.const 0x7fffffff)) (i32.const 2))))
      (func (export "shift34") (param i32) (result i32)
        (i32.load (i32.shl (i32.and (local.get 0) (i32.const 0xffff)) (i32.const 34))))
      (func (export "byte") (param i32) (result i32)
        (i32.load8_u (i32.shl (i32.load8_u (local.get 0)) (i32.const 9))))
      (func (export "add16") (param i32) (result i32)
        (i32.load (i32.add (local.get 0) (i32.const 16))))
      (func (export "add_big") (param i32) (result i32)
        (i32.load (i32.add (i32.const 0x7fff0000) (local.get 0))))
      (func (export "sub16") (param i32) (result i32)
        (i32.load (i32.add (local.get 0) (i32.const -16))))
      (func (export "add0") (param i32) (result i32)
        (i32.load (i32.add (local.get 0) (i32.const 0)))))"#;
    let oob = || Outcome::Trap(Trap::MemoryOutOfBounds);
    let cases: Vec<Case> = vec![
        ("masked16", &[I32(0)], ok(&[I32(42)])),
        ("masked16", &[I32(16383)], ok(&[I32(7)])),
        ("masked16", &[I32(16384)], oob()),
        ("masked16", &[I32(0x1_0000 + 16383)], ok(&[I32(7)])),
        ("masked31", &[I32(0x4000_0000)], ok(&[I32(42)])),
        ("masked31", &[I32(0x7fff_ffff)], oob()),
        ("shift34", &[I32(16383)], ok(&[I32(7)])),
        ("shift34", &[I32(16384)], oob()),
        ("byte", &[I32(100)], oob()),
        ("byte", &[I32(1)], ok(&[I32(42)])),
        // `x + K` with a constant 0 <= K < 2^31 is addressed as
        // `base + K + sext(x)` in guard mode: a wrap to a small index reads
        // it, a sum at or past 2^31 faults above or below the memory.
        ("add16", &[I32(-16)], ok(&[I32(42)])),
        ("add16", &[I32(65516)], ok(&[I32(7)])),
        ("add16", &[I32(65517)], oob()),
        ("add16", &[I32(0x7fff_fff0)], oob()),
        ("add16", &[I32(i32::MIN)], oob()),
        ("add16", &[I32(-17)], oob()),
        ("add16", &[I32(-18)], oob()),
        ("add_big", &[I32(-0x7fff_0000)], ok(&[I32(42)])),
        ("add_big", &[I32(0)], oob()),
        ("add_big", &[I32(-0x7fff_0001)], oob()),
        ("sub16", &[I32(16)], ok(&[I32(42)])),
        ("sub16", &[I32(8)], oob()),
        ("add0", &[I32(-1)], oob()),
        ("add0", &[I32(-2)], oob()),
        ("add0", &[I32(65532)], ok(&[I32(7)])),
    ];
    check_in_both_modes(SCALED, &cases);
}

/// An index whose own definition bounds it (a mask, a zero-extended byte
/// load, a remainder by a constant) below the memory's declared minimum
/// less the access's reach is accessed without a check in explicit mode
/// (`upper_bound` in `compiler/src/translate/memory.rs`); one byte more
/// keeps the check. Growing the memory changes nothing.
#[test]
fn statically_bounded_indices_need_no_check() {
    const BOUNDED: &str = r#"(module
      (memory 1 2)
      (data (i32.const 0) "\2a\00\00\00")
      (data (i32.const 8) "\ff\07")
      (data (i32.const 65532) "\07\00\00\63")
      (func (export "fits") (param i32) (result i32)
        (i32.load (i32.and (local.get 0) (i32.const 0xfffc))))
      (func (export "one_over") (param i32) (result i32)
        (i32.load (i32.and (local.get 0) (i32.const 0xfffd))))
      (func (export "byte_table") (param i32) (result i32)
        (i32.load8_u offset=65280 (i32.load8_u (local.get 0))))
      (func (export "rem") (param i32) (result i32)
        (i32.load (i32.rem_u (local.get 0) (i32.const 65533))))
      (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#;
    let oob = || Outcome::Trap(Trap::MemoryOutOfBounds);
    let cases: Vec<Case> = vec![
        ("fits", &[I32(0)], ok(&[I32(42)])),
        ("fits", &[I32(-1)], ok(&[I32(0x6300_0007)])),
        ("fits", &[I32(0x1_fffc)], ok(&[I32(0x6300_0007)])),
        ("one_over", &[I32(0xfffc)], ok(&[I32(0x6300_0007)])),
        ("one_over", &[I32(0xfffd)], oob()),
        ("one_over", &[I32(-1)], oob()),
        // The byte at 8 is 255: the last byte of the page, 0x63.
        ("byte_table", &[I32(8)], ok(&[I32(0x63)])),
        ("byte_table", &[I32(9)], ok(&[I32(0)])),
        ("rem", &[I32(65532)], ok(&[I32(0x6300_0007)])),
        ("rem", &[I32(65533)], ok(&[I32(42)])),
        // 2^32 - 1 = 8 (mod 65533): bytes ff 07 00 00.
        ("rem", &[I32(-1)], ok(&[I32(0x7ff)])),
        ("grow", &[], ok(&[I32(1)])),
        ("fits", &[I32(-1)], ok(&[I32(0x6300_0007)])),
        ("one_over", &[I32(0xfffd)], ok(&[I32(0x0063_0000)])),
    ];
    check_in_both_modes(BOUNDED, &cases);
}

/// A guarded memory holds at most 2 GiB (`basalt::memory::GUARD_BELOW` says
/// why): a module asking for more is refused with a typed error, while a
/// contiguous memory (a board without an MMU) may declare up to 65,535
/// pages and is refused here only for lack of arena.
#[test]
fn guarded_memories_hold_at_most_2_gib() {
    let big = |pages: u32| format!("(module (memory {pages}))");
    let limit = "invalid limits: memory minimum exceeds its maximum or the runtime's limit";
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let mut job = Job::empty();
        if mode == BoundsChecks::Explicit {
            job.contiguous_memories();
        }
        let fits = job.add_artifact(artifact(&big(2), |o| o.settings.bounds_checks = mode));
        let over = job.add_artifact(artifact(&big(32769), |o| o.settings.bounds_checks = mode));
        let max = job.add_artifact(artifact(&big(65535), |o| o.settings.bounds_checks = mode));
        let fits = job.instantiate(fits, 0);
        let over = job.instantiate(over, 1);
        let max = job.instantiate(max, 2);
        let r = run_job(&job);
        assert_eq!(r.status, 0, "{}", r.console);
        assert_eq!(r.result(fits), &ok(&[]), "{mode:?}");
        for line in [over, max] {
            let Outcome::Error(e) = r.result(line) else {
                panic!("{mode:?}: expected a refusal, got {:?}", r.result(line));
            };
            assert_eq!(
                e.contains(limit),
                mode == BoundsChecks::Guard,
                "{mode:?}: {e}"
            );
        }
    }
}

/// Explicit mode keeps memory 0's length in a register across a call that
/// cannot change it (`ModuleEnv::call_keeps_length`: no `memory.grow` in
/// the callee or anything it may call, no import, no table that is not
/// frozen) and reloads it after any other call. A loop that grows memory
/// through a direct call two levels down, or through a frozen table, must
/// see each new page at once; a loop calling a function that grows nothing
/// still traps exactly at the end of the memory.
#[test]
fn calls_that_may_grow_memory_reload_its_length() {
    const GROWTH: &str = r#"(module
      (memory 1 4)
      (type $v (func))
      (table 1 1 funcref)
      (elem (i32.const 0) $via)
      (func $grow1 (drop (memory.grow (i32.const 1))))
      (func $via (call $grow1))
      (func $leaf)
      ;; Grow by a page, then store into it: pages 2, 3, 4, then a trap.
      (func (export "direct") (param $n i32) (local $i i32)
        (loop $l
          (call $via)
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (i32.store (i32.mul (local.get $i) (i32.const 65536)) (local.get $i))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
      (func (export "indirect") (param $n i32) (local $i i32)
        (loop $l
          (call_indirect (type $v) (i32.const 0))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (i32.store (i32.mul (local.get $i) (i32.const 65536)) (local.get $i))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
      ;; Store at p, p + 4, ... calling a function that grows nothing.
      (func (export "leaf") (param $p i32) (param $n i32)
        (loop $l
          (call $leaf)
          (i32.store (local.get $p) (local.get $n))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
      (func (export "size") (result i32) (memory.size))
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#;
    let oob = || Outcome::Trap(Trap::MemoryOutOfBounds);
    let direct: Vec<Case> = vec![
        ("leaf", &[I32(65528), I32(2)], ok(&[])),
        ("leaf", &[I32(65528), I32(3)], oob()),
        ("load", &[I32(65532)], ok(&[I32(2)])),
        ("direct", &[I32(3)], ok(&[])),
        ("size", &[], ok(&[I32(4)])),
        ("load", &[I32(3 * 65536)], ok(&[I32(3)])),
        ("direct", &[I32(5)], oob()),
        ("load", &[I32(65536)], ok(&[I32(1)])),
    ];
    let indirect: Vec<Case> = vec![
        ("indirect", &[I32(2)], ok(&[])),
        ("size", &[], ok(&[I32(3)])),
        ("load", &[I32(2 * 65536)], ok(&[I32(2)])),
        ("leaf", &[I32(3 * 65536 - 8), I32(3)], oob()),
        ("indirect", &[I32(4)], oob()),
        ("load", &[I32(3 * 65536)], ok(&[I32(3)])),
    ];
    for cases in [&direct, &indirect] {
        check_in_both_modes(GROWTH, cases);
    }
}

/// Counted loops in explicit mode run a copy without checks when a test
/// before the loop proves every access of its induction variables in
/// bounds for all its iterations (`compiler/src/translate/versioning.rs`),
/// and the loop with its checks otherwise. Each case here is one such loop
/// at the edges: the last iteration one word past the end (the checked
/// copy must trap there, with the earlier stores done), a falling index
/// that would wrap below 0, an exit the step never reaches (the index runs
/// off the end), an invariant index, a count-down exit on another
/// variable, an early exit, and the index read before and after its
/// increment. Explicit mode runs in a contiguous pool slot, so a store
/// past the length that a missing check let through would land in mapped
/// RAM instead of faulting.
#[test]
fn counted_loops_check_once_or_trap_exactly() {
    const LOOPS: &str = r#"(module
      (memory 1 1)
      ;; a[i] = i for i = lo, lo + 4, .. up to (not including) hi.
      (func (export "rise") (param $lo i32) (param $hi i32) (local $i i32)
        (local.set $i (local.get $lo))
        (loop $l
          (i32.store (local.get $i) (local.get $i))
          (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4)))
                            (local.get $hi)))))
      ;; The same after the increment: a[i + 4 - 4] through offset.
      (func (export "after") (param $lo i32) (param $hi i32) (local $i i32)
        (local.set $i (local.get $lo))
        (loop $l
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (i32.store (i32.sub (local.get $i) (i32.const 4)) (i32.const 7))
          (br_if $l (i32.ne (local.get $i) (local.get $hi)))))
      ;; Falling: store at i for i = hi, hi - 8, .. down to lo (inclusive).
      (func (export "fall") (param $hi i32) (param $lo i32) (local $i i32)
        (local.set $i (local.get $hi))
        (loop $l
          (i32.store (local.get $i) (i32.const 9))
          (local.set $i (i32.sub (local.get $i) (i32.const 8)))
          (br_if $l (i32.ne (i32.add (local.get $i) (i32.const 8)) (local.get $lo)))))
      ;; Count down n, writing through a second induction variable p, and
      ;; reading an invariant slot q each time.
      (func (export "count") (param $p i32) (param $n i32) (param $q i32) (result i32)
        (local $s i32)
        (loop $l
          (i32.store (local.get $p) (local.get $n))
          (local.set $s (i32.add (local.get $s) (i32.load (local.get $q))))
          (local.set $p (i32.add (local.get $p) (i32.const 12)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $s))
      ;; Leaves early when it finds a zero word; result: where.
      (func (export "find") (param $i i32) (param $hi i32) (result i32)
        (block $found
          (loop $l
            (br_if $found (i32.eqz (i32.load (local.get $i))))
            (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4)))
                              (local.get $hi)))))
        (local.get $i))
      (func (export "zero") (param i32) (i32.store (local.get 0) (i32.const 0)))
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#;
    let oob = || Outcome::Trap(Trap::MemoryOutOfBounds);
    let cases: Vec<Case> = vec![
        ("rise", &[I32(65504), I32(65536)], ok(&[])),
        ("load", &[I32(65532)], ok(&[I32(65532)])),
        // One word past the end: the stores up to 65532 land, then a trap.
        ("rise", &[I32(0), I32(65540)], oob()),
        ("load", &[I32(65528)], ok(&[I32(65528)])),
        ("load", &[I32(65532)], ok(&[I32(65532)])),
        // 4 never reaches 6 in steps of 4: the index runs off the end.
        ("rise", &[I32(65000), I32(6)], oob()),
        ("load", &[I32(65532)], ok(&[I32(65532)])),
        // Wrapping start: 0xfffffffc is out of bounds at once.
        ("rise", &[I32(-4), I32(8)], oob()),
        ("after", &[I32(100), I32(120)], ok(&[])),
        ("load", &[I32(116)], ok(&[I32(7)])),
        ("load", &[I32(120)], ok(&[I32(120)])),
        ("after", &[I32(65528), I32(4)], oob()),
        ("load", &[I32(65532)], ok(&[I32(7)])),
        ("fall", &[I32(64), I32(0)], ok(&[])),
        ("load", &[I32(0)], ok(&[I32(9)])),
        ("load", &[I32(64)], ok(&[I32(9)])),
        // Falls past 0 (lo is not on the way): wraps to 0xfffffff8, traps
        // after storing at 20, 12 and 4.
        ("fall", &[I32(20), I32(-4)], oob()),
        ("load", &[I32(4)], ok(&[I32(9)])),
        ("count", &[I32(200), I32(3), I32(64)], ok(&[I32(27)])),
        ("load", &[I32(224)], ok(&[I32(1)])),
        ("count", &[I32(65512), I32(3), I32(0)], oob()),
        ("load", &[I32(65524)], ok(&[I32(2)])),
        ("count", &[I32(1000), I32(2), I32(65534)], oob()),
        ("load", &[I32(1000)], ok(&[I32(2)])),
        ("zero", &[I32(65452)], ok(&[])),
        ("find", &[I32(65400), I32(65536)], ok(&[I32(65452)])),
        ("find", &[I32(65456), I32(0)], oob()),
    ];
    check_in_every_mode(LOOPS, &cases);
}

/// `memory.copy` of 1 to 8 bytes is inline in both modes
/// (`compiler/src/translate/bulk.rs`); in explicit mode only its own
/// check stops a copy that ends one byte past the memory, since the slot's
/// next bytes are mapped RAM. Such a copy traps and writes nothing.
#[test]
fn small_copies_stop_at_the_last_byte() {
    const COPIES: &str = r#"(module
      (memory 1 4)
      (func (export "copy") (param i32 i32 i32)
        (memory.copy (local.get 0) (local.get 1) (local.get 2)))
      (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
      (func (export "load64") (param i32) (result i64) (i64.load (local.get 0))))"#;
    let oob = || Outcome::Trap(Trap::MemoryOutOfBounds);
    const BYTES: i64 = 0x0807_0605_0403_0201;
    let cases: Vec<Case> = vec![
        ("store64", &[I32(0), I64(BYTES)], ok(&[])),
        // Fits exactly: the last 8, 5 and 1 bytes.
        ("copy", &[I32(65528), I32(0), I32(8)], ok(&[])),
        ("load64", &[I32(65528)], ok(&[I64(BYTES)])),
        ("copy", &[I32(65531), I32(1), I32(5)], ok(&[])),
        ("load64", &[I32(65528)], ok(&[I64(0x0605_0403_0203_0201)])),
        ("copy", &[I32(0), I32(65535), I32(1)], ok(&[])),
        ("load64", &[I32(0)], ok(&[I64(0x0807_0605_0403_0206)])),
        // One byte past, as destination or source: nothing lands.
        ("copy", &[I32(65529), I32(0), I32(8)], oob()),
        ("copy", &[I32(65533), I32(0), I32(4)], oob()),
        ("copy", &[I32(65536), I32(0), I32(1)], oob()),
        ("copy", &[I32(16), I32(65529), I32(8)], oob()),
        ("copy", &[I32(-1), I32(0), I32(2)], oob()),
        ("load64", &[I32(65528)], ok(&[I64(0x0605_0403_0203_0201)])),
        ("load64", &[I32(16)], ok(&[I64(0)])),
    ];
    check_in_every_mode(COPIES, &cases);
}

/// Counted loops that call, whose indices are an unwritten base plus a
/// bounded slot (`base + ((x & 3) << 2)`, `base + ((x % 5) << 2)`), or
/// that step an index by a local (a column), are versioned too (`compiler/src/translate/versioning.rs`): memories only
/// grow, so a test before the loop still holds after a call grows one.
/// The bound of the slot counts in that test: a base 4 bytes too high
/// must take the checked copy and trap at the slot past the end.
#[test]
fn versioned_loops_call_and_index_bounded_slots() {
    const SLOTS: &str = r#"(module
      (memory 1 2)
      (global $grow_at (mut i32) (i32.const -1))
      (func $next (param $i i32) (result i32)
        (if (i32.eq (local.get $i) (global.get $grow_at))
          (then (drop (memory.grow (i32.const 1)))))
        (local.get $i))
      ;; Sum of the words at base + ((n & 3) << 2) for n = count .. 1.
      (func (export "masked") (param $base i32) (param $n i32) (result i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s)
            (i32.load (i32.add (local.get $base)
              (i32.shl (i32.and (call $next (local.get $n)) (i32.const 3)) (i32.const 2))))))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $s))
      ;; The same with slots (n % 5) << 2.
      (func (export "rems") (param $base i32) (param $n i32) (result i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s)
            (i32.load (i32.add (local.get $base)
              (i32.shl (i32.rem_u (call $next (local.get $n)) (i32.const 5)) (i32.const 2))))))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $s))
      ;; Sum of the words at p, p + stride, .. (n of them): a column.
      (func (export "column") (param $p i32) (param $stride i32) (param $n i32) (result i32)
        (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $s))
      (func (export "grow_at") (param i32) (global.set $grow_at (local.get 0)))
      (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1))))"#;
    let oob = || Outcome::Trap(Trap::MemoryOutOfBounds);
    let cases: Vec<Case> = vec![
        ("store", &[I32(65516), I32(1)], ok(&[])),
        ("store", &[I32(65520), I32(2)], ok(&[])),
        ("store", &[I32(65524), I32(4)], ok(&[])),
        ("store", &[I32(65528), I32(8)], ok(&[])),
        ("store", &[I32(65532), I32(16)], ok(&[])),
        // The last slot is the last word: n = 4, 3, 2, 1 reads slots
        // 0, 3, 2, 1.
        ("masked", &[I32(65520), I32(4)], ok(&[I32(2 + 16 + 8 + 4)])),
        // 4 bytes higher, slots 2 and 1 are in bounds, slot 3 is not.
        ("masked", &[I32(65524), I32(2)], ok(&[I32(16 + 8)])),
        ("masked", &[I32(65524), I32(3)], oob()),
        // n = 5 .. 1: slots 0, 4, 3, 2, 1.
        (
            "rems",
            &[I32(65516), I32(5)],
            ok(&[I32(1 + 16 + 8 + 4 + 2)]),
        ),
        ("rems", &[I32(65520), I32(3)], ok(&[I32(16 + 8 + 4)])),
        ("rems", &[I32(65520), I32(4)], oob()),
        // Strided by a local: the last word exactly, then one stride past.
        (
            "column",
            &[I32(65516), I32(8), I32(3)],
            ok(&[I32(1 + 4 + 16)]),
        ),
        ("column", &[I32(65516), I32(8), I32(4)], oob()),
        // A stride of -8 is 2^32 - 8 unsigned: checked copy, same sums.
        (
            "column",
            &[I32(65532), I32(-8), I32(3)],
            ok(&[I32(16 + 4 + 1)]),
        ),
        ("column", &[I32(8), I32(-8), I32(3)], oob()),
        ("column", &[I32(65528), I32(0), I32(5)], ok(&[I32(5 * 8)])),
        // A call grows the memory in the middle of the loop: the slot past
        // the old end is then in bounds (the new page reads 0).
        ("grow_at", &[I32(3)], ok(&[])),
        ("masked", &[I32(65524), I32(4)], ok(&[I32(4 + 0 + 16 + 8)])),
        ("masked", &[I32(65524), I32(4)], ok(&[I32(4 + 0 + 16 + 8)])),
    ];
    check_in_every_mode(SLOTS, &cases);
}
