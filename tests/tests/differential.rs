//! Differential testing against wasmi: wasm-smith modules from fixed seeds
//! run on the board and, as the reference, in wasmi on the host; every
//! result and trap must agree. The default run is small (40 modules); set
//! `BASALT_DIFF_MODULES=<n>` for a larger one (`BASALT_DIFF_FIRST=<seed>`
//! moves the seed range).
//!
//! The generator stays inside what both sides run and what the comparison
//! can decide:
//! - Wasm 2.0 without imports (SIMD included), every function exported;
//! - the bounds-check mode alternates every two seeds;
//! - `ensure_termination`: a fuel global checked at every function and loop
//!   head traps with `unreachable` when it runs out, so each module ends;
//! - every memory and table declares a maximum (16 pages, 1000 elements), so
//!   `memory.grow`/`table.grow` within it succeed on both sides and past it
//!   fail on both (Wasm lets an engine fail a grow at will; bounding it
//!   removes that freedom from the comparison);
//! - `canonicalize_nans`: every float result goes through a NaN
//!   canonicalisation, so NaN payloads (which Wasm leaves nondeterministic
//!   for arithmetic NaNs) cannot tell the engines apart, including inside
//!   `v128` lanes. On top of that a scalar `f32`/`f64` result that is NaN on
//!   both sides matches whatever its bits.
//!
//! Every call runs on a fresh instance on both sides (full fuel, initial
//! state), so one call's trap cannot leave the engines in different states
//! for the next. Comparison: values bit for bit (NaN as above), traps by
//! kind, instantiation (segments, start function) likewise. Stack depth is
//! implementation-defined, so `call stack exhausted` on one side matches
//! any outcome on the other (counted separately in the summary).

use arbitrary::Unstructured;
use basalt::artifact::{BoundsChecks, Settings};
use basalt_compiler::CompileOptions;
use basalt_tests::{Job, Outcome, RunOptions, Trap, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Fuel of the termination global: enough for real work, small enough that
/// a module runs in milliseconds. It also bounds recursion (every function
/// entry costs one), which keeps stack exhaustion, and with it the calls
/// that cannot be compared, rare.
const FUEL: u32 = 10_000;
/// Calls per module at most (one or two per export), each on a fresh
/// instance.
const MAX_CALLS: usize = 12;
/// Modules per board boot (each call's instance stays in the boot's store
/// until the end: at most 16 pages of memory each).
const BATCH: usize = 10;

/// One generated module and what wasmi made of it.
struct Case {
    /// The seed it came from.
    seed: u64,
    /// The module.
    wasm: Vec<u8>,
    /// Bounds-check mode it is compiled with on the board.
    bounds_checks: BoundsChecks,
    /// wasmi's instantiation: `Ok` or the trap of a segment or start.
    instantiate: Outcome,
    /// (export, arguments, wasmi's outcome), in call order.
    calls: Vec<(String, Vec<Value>, Outcome)>,
}

/// xorshift64*, seeded per module: the bytes wasm-smith reads and the
/// arguments depend on the seed alone.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Edge values half the time, uniform bits otherwise.
    fn bits(&mut self, edges: &[u64]) -> u64 {
        let r = self.next();
        if r & 1 == 0 {
            edges[(r >> 1) as usize % edges.len()]
        } else {
            self.next()
        }
    }
}

/// The generator's configuration. wasm-smith's `disallow_traps` is not
/// used: wasmi 2.0.0 miscomputes the guard it puts before divisions,
/// `(select (i32.const 1) (local.get $d) (i32.eqz (local.get $d)))` (with
/// `$d = 5` it yields 1), so such modules measure wasmi, not Basalt.
fn config() -> wasm_smith::Config {
    wasm_smith::Config {
        max_imports: 0,
        max_memories: 1,
        max_memory32_bytes: 16 << 16,
        memory_max_size_required: true,
        max_tables: 3,
        max_table_elements: 1000,
        table_max_size_required: true,
        export_everything: true,
        canonicalize_nans: true,
        min_funcs: 4,
        max_funcs: 12,
        max_instructions: 200,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        memory64_enabled: false,
        tail_call_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        max_tags: 0,
        relaxed_simd_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        compact_imports_enabled: false,
        custom_descriptors_enabled: false,
        ..wasm_smith::Config::default()
    }
}

/// The module of `seed`, or `None` when wasm-smith ran out of bytes.
fn generate(seed: u64) -> Option<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let bytes: Vec<u8> = (0..8192).map(|_| rng.next() as u8).collect();
    let mut module = wasm_smith::Module::new(config(), &mut Unstructured::new(&bytes)).ok()?;
    module.ensure_termination(FUEL).ok()?;
    Some(module.to_bytes())
}

fn wasmi_engine() -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config.wasm_simd(true);
    // Deeper than `FUEL` allows, so wasmi's own limit (1000 frames by
    // default) does not end calls the board completes.
    config.set_max_recursion_depth(100_000);
    config.set_max_stack_height(64 << 20);
    wasmi::Engine::new(&config)
}

fn trap_of(e: &wasmi::Error) -> Outcome {
    use wasmi::errors::{ErrorKind, InstantiationError, MemoryError};
    use wasmi::TrapCode as W;
    let code = match e.kind() {
        ErrorKind::TrapCode(code) => *code,
        // An active element or data segment past the end of its table or
        // memory: Wasm traps, wasmi reports an instantiation or memory
        // error instead of a trap code.
        ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. }) => {
            return Outcome::Trap(Trap::TableOutOfBounds)
        }
        ErrorKind::Memory(MemoryError::OutOfBoundsAccess) => {
            return Outcome::Trap(Trap::MemoryOutOfBounds)
        }
        _ => return Outcome::Error(format!("wasmi: {e}")),
    };
    Outcome::Trap(match code {
        W::UnreachableCodeReached => Trap::UnreachableCodeReached,
        W::MemoryOutOfBounds => Trap::MemoryOutOfBounds,
        W::TableOutOfBounds => Trap::TableOutOfBounds,
        W::IndirectCallToNull => Trap::IndirectCallToNull,
        W::IntegerDivisionByZero => Trap::IntegerDivisionByZero,
        W::IntegerOverflow => Trap::IntegerOverflow,
        W::BadConversionToInteger => Trap::BadConversionToInteger,
        W::StackOverflow => Trap::StackOverflow,
        W::BadSignature => Trap::BadSignature,
        W::OutOfFuel => Trap::OutOfFuel,
        other => return Outcome::Error(format!("wasmi trap {other:?}")),
    })
}

fn to_wasmi(v: Value) -> wasmi::Val {
    match v {
        Value::I32(x) => wasmi::Val::I32(x),
        Value::I64(x) => wasmi::Val::I64(x),
        Value::F32(b) => wasmi::Val::F32(wasmi::F32::from_bits(b)),
        Value::F64(b) => wasmi::Val::F64(wasmi::F64::from_bits(b)),
        Value::V128(b) => wasmi::Val::V128(b.into()),
        _ => unreachable!("only numeric exports are called"),
    }
}

fn from_wasmi(v: &wasmi::Val) -> Value {
    match v {
        wasmi::Val::I32(x) => Value::I32(*x),
        wasmi::Val::I64(x) => Value::I64(*x),
        wasmi::Val::F32(x) => Value::F32(x.to_bits()),
        wasmi::Val::F64(x) => Value::F64(x.to_bits()),
        wasmi::Val::V128(x) => Value::V128(x.as_u128()),
        _ => unreachable!("only numeric exports are called"),
    }
}

/// Arguments for a numeric signature, or `None` if it has reference types.
fn arguments(params: &[wasmi::ValType], rng: &mut Rng) -> Option<Vec<Value>> {
    use wasmi::ValType as T;
    const INT: [u64; 6] = [
        0,
        1,
        u64::MAX,
        0x8000_0000,
        0x7fff_ffff,
        0x8000_0000_0000_0000,
    ];
    const F32: [u64; 6] = [
        0,
        0x8000_0000,
        0x3f80_0000,
        0x7f80_0000,
        0x7fc0_0000,
        0x4f00_0000,
    ];
    const F64: [u64; 5] = [
        0,
        0x8000_0000_0000_0000,
        0x3ff0_0000_0000_0000,
        0x7ff8_0000_0000_0000,
        0x41e0_0000_0000_0000,
    ];
    params
        .iter()
        .map(|t| match t {
            T::I32 => Some(Value::I32(rng.bits(&INT) as i32)),
            T::I64 => Some(Value::I64(rng.bits(&INT) as i64)),
            T::F32 => Some(Value::F32(rng.bits(&F32) as u32)),
            T::F64 => Some(Value::F64(rng.bits(&F64))),
            T::V128 => Some(Value::V128(
                u128::from(rng.next()) << 64 | u128::from(rng.next()),
            )),
            _ => None,
        })
        .collect()
}

fn numeric(types: &[wasmi::ValType]) -> bool {
    use wasmi::ValType as T;
    types
        .iter()
        .all(|t| matches!(t, T::I32 | T::I64 | T::F32 | T::F64 | T::V128))
}

/// Generate the module of `seed` and run it in wasmi; `None` if wasm-smith
/// produced nothing to compare for this seed (no module, or one that
/// instantiates and has no export with a numeric signature: wasm-smith
/// makes many such tiny modules from some byte strings).
fn reference(seed: u64) -> Option<Case> {
    let wasm = generate(seed)?;
    let engine = wasmi_engine();
    let module = wasmi::Module::new(&engine, &wasm)
        .unwrap_or_else(|e| panic!("seed {seed}: wasmi refuses the module: {e}"));
    let linker = wasmi::Linker::<()>::new(&engine);
    // Every call gets a fresh instance (so full fuel and untouched state),
    // as on the board.
    let fresh = || {
        let mut store = wasmi::Store::new(&engine, ());
        linker
            .instantiate_and_start(&mut store, &module)
            .map(|instance| (store, instance))
    };
    let bounds_checks = if (seed / 2).is_multiple_of(2) {
        BoundsChecks::Explicit
    } else {
        BoundsChecks::Guard
    };
    let mut case = Case {
        seed,
        wasm: wasm.clone(),
        bounds_checks,
        instantiate: Outcome::Values(Vec::new()),
        calls: Vec::new(),
    };
    if let Err(e) = fresh() {
        case.instantiate = trap_of(&e);
        return Some(case);
    }
    let mut rng = Rng::new(seed ^ 0xa5a5_a5a5);
    let exports: Vec<String> = module
        .exports()
        .filter(|e| e.ty().func().is_some_and(|f| numeric(f.results())))
        .map(|e| e.name().to_string())
        .collect();
    for round in 0..2 {
        for name in &exports {
            if case.calls.len() == MAX_CALLS || (round == 1 && rng.next().is_multiple_of(2)) {
                continue;
            }
            let (mut store, instance) = fresh().expect("instantiated before");
            let func = instance.get_func(&store, name).expect("exported");
            let ty = func.ty(&store);
            let Some(args) = arguments(ty.params(), &mut rng) else {
                continue;
            };
            let inputs: Vec<wasmi::Val> = args.iter().map(|v| to_wasmi(*v)).collect();
            let mut results: Vec<wasmi::Val> = ty
                .results()
                .iter()
                .map(|t| wasmi::Val::default_for_ty(*t))
                .collect();
            let outcome = match func.call(&mut store, &inputs, &mut results) {
                Ok(()) => Outcome::Values(results.iter().map(from_wasmi).collect()),
                Err(e) => trap_of(&e),
            };
            case.calls.push((name.clone(), args, outcome));
        }
    }
    (!case.calls.is_empty()).then_some(case)
}

fn values_match(board: &[Value], wasmi: &[Value]) -> bool {
    board.len() == wasmi.len()
        && board.iter().zip(wasmi).all(|(b, w)| match (b, w) {
            (Value::F32(b), Value::F32(w)) => {
                b == w || (f32::from_bits(*b).is_nan() && f32::from_bits(*w).is_nan())
            }
            (Value::F64(b), Value::F64(w)) => {
                b == w || (f64::from_bits(*b).is_nan() && f64::from_bits(*w).is_nan())
            }
            _ => b == w,
        })
}

/// How one outcome pair compares.
enum Verdict {
    Same,
    /// Stack exhaustion on the board (`true`) or in wasmi: accepted.
    StackExhausted {
        board: bool,
    },
    Different,
}

fn compare(board: &Outcome, wasmi: &Outcome) -> Verdict {
    match (board, wasmi) {
        (Outcome::Trap(Trap::StackOverflow), _) => Verdict::StackExhausted { board: true },
        (_, Outcome::Trap(Trap::StackOverflow)) => Verdict::StackExhausted { board: false },
        (Outcome::Values(b), Outcome::Values(w)) if values_match(b, w) => Verdict::Same,
        (Outcome::Trap(b), Outcome::Trap(w)) if b == w => Verdict::Same,
        _ => Verdict::Different,
    }
}

/// Totals of a differential run.
#[derive(Debug, Default)]
struct Summary {
    /// Modules compared.
    modules: usize,
    /// Calls compared (instantiations not counted).
    calls: usize,
    /// Calls that returned values on both sides.
    values: usize,
    /// Calls that trapped alike on both sides, by trap.
    traps: BTreeMap<String, usize>,
    /// Outcomes accepted because the board exhausted its stack.
    stack_board: usize,
    /// Outcomes accepted because wasmi exhausted its stack (and the board
    /// did not).
    stack_wasmi: usize,
    /// Every disagreement, one line each (seed, call, both outcomes).
    mismatches: Vec<String>,
}

/// Compile `case` for the board.
fn artifact(case: &Case) -> Vec<u8> {
    let options = CompileOptions {
        settings: Settings {
            bounds_checks: case.bounds_checks,
            ..Settings::default()
        },
        ..CompileOptions::default()
    };
    basalt_compiler::compile(&case.wasm, &options)
        .unwrap_or_else(|e| panic!("seed {}: compile: {e}", case.seed))
}

/// Run `cases` in one boot, each module as its own instance, and compare.
fn run_batch(cases: &[Case], summary: &mut Summary) {
    let mut job = Job::empty();
    let mut lines = Vec::new();
    let mut next_instance = 0u32;
    let mut instance = || {
        next_instance += 1;
        next_instance - 1
    };
    for case in cases {
        let a = job.add_artifact(artifact(case));
        let instantiate = job.instantiate(a, instance());
        let calls: Vec<usize> = case
            .calls
            .iter()
            .map(|(name, args, _)| {
                let inst = instance();
                job.instantiate(a, inst);
                job.invoke_on(inst, name, args)
            })
            .collect();
        lines.push((instantiate, calls));
    }
    let opts = RunOptions {
        timeout: std::time::Duration::from_secs(120),
        ..RunOptions::default()
    };
    let report = job
        .run(&opts)
        .unwrap_or_else(|e| panic!("qemu: {e}\nseeds {:?}", seeds(cases)));
    if report.status != 0 {
        summary.mismatches.push(format!(
            "seeds {:?}: board exit status {}\n{}",
            seeds(cases),
            report.status,
            report.console
        ));
    }
    for (case, (instantiate, calls)) in cases.iter().zip(lines) {
        summary.modules += 1;
        match compare(report.result(instantiate), &case.instantiate) {
            Verdict::Same => {}
            // A start function that exhausted the stack on one side: the
            // calls' instances would not exist there.
            Verdict::StackExhausted { board } => {
                summary.stack_exhausted(board);
                continue;
            }
            Verdict::Different => {
                let board = report.result(instantiate);
                summary.mismatch(case, "instantiate", board, &case.instantiate);
                continue;
            }
        }
        for ((name, args, wasmi), line) in case.calls.iter().zip(calls) {
            let board = report.result(line);
            summary.calls += 1;
            match compare(board, wasmi) {
                Verdict::Same => match board {
                    Outcome::Trap(t) => *summary.traps.entry(t.message().into()).or_default() += 1,
                    _ => summary.values += 1,
                },
                Verdict::StackExhausted { board } => summary.stack_exhausted(board),
                Verdict::Different => {
                    summary.mismatch(case, &format!("{name:?}{args:?}"), board, wasmi)
                }
            }
        }
    }
}

fn seeds(cases: &[Case]) -> Vec<u64> {
    cases.iter().map(|c| c.seed).collect()
}

/// Compare `count` modules (seeds `first..`), `BATCH` per boot.
fn run(first: u64, count: usize) -> Summary {
    let mut summary = Summary::default();
    let mut batch = Vec::new();
    let mut seed = first;
    let mut made = 0;
    while made < count {
        if let Some(case) = reference(seed) {
            batch.push(case);
            made += 1;
        }
        seed += 1;
        if batch.len() == BATCH || (made == count && !batch.is_empty()) {
            run_batch(&batch, &mut summary);
            batch.clear();
        }
    }
    summary
}

impl Summary {
    fn mismatch(&mut self, case: &Case, what: &str, board: &Outcome, wasmi: &Outcome) {
        self.mismatches.push(format!(
            "seed {} ({:?}) {what}: board {board:?}, wasmi {wasmi:?}",
            case.seed, case.bounds_checks
        ));
    }

    fn stack_exhausted(&mut self, board: bool) {
        if board {
            self.stack_board += 1;
        } else {
            self.stack_wasmi += 1;
        }
    }

    /// One line of totals, for the test's output and the README.
    fn totals(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "{} modules, {} calls: {} equal results, {} equal traps {:?}, stack exhausted on the board {} / in wasmi {} times (accepted), {} mismatches",
            self.modules,
            self.calls,
            self.values,
            self.traps.values().sum::<usize>(),
            self.traps,
            self.stack_board,
            self.stack_wasmi,
            self.mismatches.len()
        );
        s
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).map_or(default, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {v:?}"))
    })
}

#[test]
fn board_agrees_with_wasmi_on_generated_modules() {
    let count = env("BASALT_DIFF_MODULES", 40) as usize;
    let first = env("BASALT_DIFF_FIRST", 0);
    let summary = run(first, count);
    eprintln!("differential: seeds from {first}: {}", summary.totals());
    assert!(
        summary.mismatches.is_empty(),
        "{}\n{}",
        summary.totals(),
        summary.mismatches.join("\n")
    );
    // The comparison must have had something to compare.
    assert_eq!(summary.modules, count);
    assert!(
        summary.values > 0 && !summary.traps.is_empty(),
        "{}",
        summary.totals()
    );
}
