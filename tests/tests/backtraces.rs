//! Wasm backtraces on the board: every trap comes back with the Wasm
//! frames that led to it, innermost first, with names from the name
//! section and offsets in the original module.

use basalt::{FrameInfo, WasmBacktrace, MAX_FRAMES};
use basalt_compiler::{BoundsChecks, CompileOptions};
use basalt_tests::*;

/// Module offsets of the operators `pick` selects in each function body
/// (in function index order among defined functions), read with
/// wasmparser, so expectations come from the binary and not from Basalt.
fn offsets(wasm: &[u8], pick: impl Fn(&wasmparser::Operator<'_>) -> bool) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
            let mut ops = body.get_operators_reader().unwrap();
            let mut found = Vec::new();
            while !ops.eof() {
                let (op, at) = ops.read_with_offset().unwrap();
                if pick(&op) {
                    found.push(at as u32);
                }
            }
            out.push(found);
        }
    }
    out
}

fn is_call_or_trap(op: &wasmparser::Operator<'_>) -> bool {
    use wasmparser::Operator::*;
    matches!(op, Call { .. } | Unreachable | I32DivU)
}

/// Run `export` of `wasm` compiled with `options`; the trap and backtrace.
fn trap_of(wasm: &[u8], options: &CompileOptions, export: &str) -> (Outcome, WasmBacktrace) {
    let artifact = basalt_compiler::compile(wasm, options).expect("compiles");
    let mut job = Job::new(artifact);
    let line = job.invoke_on(0, export, &[]);
    let report = job.run(&RunOptions::default()).expect("qemu");
    (report.result(line).clone(), report.backtrace(line))
}

fn names(bt: &WasmBacktrace) -> Vec<String> {
    bt.frames()
        .iter()
        .map(|f| f.display_name().to_string())
        .collect()
}

const NESTED: &str = r#"
(module $nest
  (func $inner (unreachable))
  (func $middle (nop) (call $inner))
  (func $outer (export "outer") (call $middle) (nop)))
"#;

#[test]
fn nested_trap_names_every_frame_with_its_offset() {
    let wasm = wat::parse_str(NESTED).unwrap();
    let (outcome, bt) = trap_of(&wasm, &Default::default(), "outer");
    assert_eq!(outcome, trap(Trap::UnreachableCodeReached));
    let at = offsets(&wasm, is_call_or_trap);
    let frame = |func_index: u32, name: &str, offset: u32| FrameInfo {
        func_index,
        func_name: Some(name.into()),
        module_name: Some("nest".into()),
        module_offset: Some(offset),
    };
    assert_eq!(
        bt.frames(),
        [
            frame(0, "inner", at[0][0]),
            frame(1, "middle", at[1][0]),
            frame(2, "outer", at[2][0]),
        ]
    );
    assert!(!bt.truncated());
    assert_eq!(
        bt.to_string(),
        format!(
            "wasm backtrace:\n    0: {:#6x} - nest!inner\n    1: {:#6x} - nest!middle\n    2: {:#6x} - nest!outer\n",
            at[0][0], at[1][0], at[2][0]
        )
    );
}

const HOST_CALLS: &str = r#"
(module $hosted
  (import "host" "reenter" (func $reenter))
  (import "host" "fail" (func $fail))
  (func $deep (param i32) (result i32)
    (i32.div_u (i32.const 1) (local.get 0)))
  (func $reentered (export "reentered") (drop (call $deep (i32.const 0))))
  (func $caller (call $reenter))
  (func $start (export "start") (call $caller))
  (func $failing (export "failing") (nop) (call $fail)))
"#;

#[test]
fn trap_inside_a_host_call_shows_the_wasm_on_both_sides() {
    let wasm = wat::parse_str(HOST_CALLS).unwrap();
    let (outcome, bt) = trap_of(&wasm, &Default::default(), "start");
    assert_eq!(outcome, trap(Trap::IntegerDivisionByZero));
    // Wasm (start → caller) → host.reenter → Wasm (reentered → deep).
    assert_eq!(names(&bt), ["deep", "reentered", "caller", "start"]);
    let indices: Vec<u32> = bt.frames().iter().map(|f| f.func_index).collect();
    assert_eq!(indices, [2, 3, 4, 5]);
    let at = offsets(&wasm, is_call_or_trap);
    let offsets_seen: Vec<u32> = bt
        .frames()
        .iter()
        .map(|f| f.module_offset.unwrap())
        .collect();
    assert_eq!(offsets_seen, [at[0][0], at[1][0], at[2][0], at[3][0]]);
}

#[test]
fn trap_raised_by_a_host_function_starts_at_its_wasm_caller() {
    let wasm = wat::parse_str(HOST_CALLS).unwrap();
    let (outcome, bt) = trap_of(&wasm, &Default::default(), "failing");
    assert_eq!(outcome, trap(Trap::HostError));
    assert_eq!(names(&bt), ["failing"]);
    let at = offsets(&wasm, is_call_or_trap);
    assert_eq!(bt.frames()[0].module_offset, Some(at[4][0]));
}

#[test]
fn stack_overflow_keeps_the_innermost_frames_and_says_it_is_truncated() {
    let wat = r#"
    (module
      (func $recurse (export "recurse") (param i32) (result i32)
        (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
      (func $entry (export "entry") (result i32) (call $recurse (i32.const 0))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let (outcome, bt) = trap_of(&wasm, &Default::default(), "entry");
    assert_eq!(outcome, trap(Trap::StackOverflow));
    assert!(bt.truncated(), "thousands of frames cannot fit");
    assert_eq!(bt.frames().len(), MAX_FRAMES);
    assert!(names(&bt).iter().all(|n| n == "recurse"), "{bt}");
    // The innermost frame traps in the prologue: it maps to its function's
    // first instruction; every outer one to the recursive call.
    let calls = offsets(&wasm, |op| matches!(op, wasmparser::Operator::Call { .. }));
    assert!(bt.frames()[1..]
        .iter()
        .all(|f| f.module_offset == Some(calls[0][0])));
    assert!(bt
        .to_string()
        .ends_with("  ... older frames not recorded (limit 64)\n"));
}

#[test]
fn modules_without_names_show_function_indices() {
    let anonymous = r#"
    (module
      (func (unreachable))
      (func (export "go") (call 0)))"#;
    let wasm = wat::parse_str(anonymous).unwrap();
    assert!(
        offsets(&wasm, |_| false).len() == 2 && !String::from_utf8_lossy(&wasm).contains("name"),
        "the module really has no name section"
    );
    let (outcome, bt) = trap_of(&wasm, &Default::default(), "go");
    assert_eq!(outcome, trap(Trap::UnreachableCodeReached));
    assert_eq!(names(&bt), ["<wasm function 0>", "<wasm function 1>"]);
    assert!(bt.frames().iter().all(|f| f.module_name.is_none()));
    assert!(bt.to_string().contains(" - <unknown>!<wasm function 0>\n"));

    // `--strip-names` drops the names of a module that has them, and
    // nothing else.
    let named = wat::parse_str(NESTED).unwrap();
    let stripped = CompileOptions {
        strip_names: true,
        ..Default::default()
    };
    let (_, full) = trap_of(&named, &Default::default(), "outer");
    let (_, bare) = trap_of(&named, &stripped, "outer");
    assert_eq!(
        names(&bare),
        [
            "<wasm function 0>",
            "<wasm function 1>",
            "<wasm function 2>"
        ]
    );
    let offsets_of =
        |bt: &WasmBacktrace| -> Vec<_> { bt.frames().iter().map(|f| f.module_offset).collect() };
    assert_eq!(offsets_of(&bare), offsets_of(&full));
    let size = |o: &CompileOptions| basalt_compiler::compile(&named, o).unwrap().len();
    assert!(size(&stripped) < size(&Default::default()));
}

const LEAVES: &str = r#"
(module $leaves
  (memory 1)
  (func $div (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func $load (param i32) (result i32) (i32.load (local.get 0)))
  (func $mid (param i32) (result i32)
    (i32.add (call $div (local.get 0)) (call $load (i32.const 0x10000))))
  (func $by_zero (export "by_zero") (result i32) (call $mid (i32.const 0)))
  (func $past_end (export "past_end") (result i32) (call $mid (i32.const 1))))
"#;

/// A trap in a leaf that builds no frame record (a `udf`, or in guard mode
/// a data abort past the memory) still names its caller: the walker takes
/// it from the fault's `lr`. Without that the caller's frame is skipped.
#[test]
fn trap_in_a_frameless_leaf_has_its_full_backtrace() {
    let wasm = wat::parse_str(LEAVES).unwrap();
    let at = offsets(&wasm, |op| {
        use wasmparser::Operator::*;
        matches!(op, Call { .. } | I32DivU | I32Load { .. })
    });
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let mut options = CompileOptions::default();
        options.settings.bounds_checks = mode;
        let (outcome, bt) = trap_of(&wasm, &options, "by_zero");
        assert_eq!(outcome, trap(Trap::IntegerDivisionByZero), "{mode:?}");
        assert_eq!(names(&bt), ["div", "mid", "by_zero"], "{mode:?}");
        let seen: Vec<_> = bt.frames().iter().map(|f| f.module_offset).collect();
        assert_eq!(seen, [Some(at[0][0]), Some(at[2][0]), Some(at[3][0])]);

        let (outcome, bt) = trap_of(&wasm, &options, "past_end");
        assert_eq!(outcome, trap(Trap::MemoryOutOfBounds), "{mode:?}");
        assert_eq!(names(&bt), ["load", "mid", "past_end"], "{mode:?}");
        let seen: Vec<_> = bt.frames().iter().map(|f| f.module_offset).collect();
        assert_eq!(seen, [Some(at[1][0]), Some(at[2][1]), Some(at[4][0])]);
    }
}

/// Guard mode: the overflow is a data abort in the stack guard, often on
/// the first store of a frame whose record is not linked yet; the
/// backtrace is still every `recurse` frame, innermost first.
#[test]
fn guard_mode_stack_overflow_keeps_the_innermost_frames() {
    let wat = r#"
    (module
      (func $recurse (export "recurse") (param i32) (result i32)
        (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
      (func $entry (export "entry") (result i32) (call $recurse (i32.const 0))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let mut options = CompileOptions::default();
    options.settings.bounds_checks = BoundsChecks::Guard;
    let (outcome, bt) = trap_of(&wasm, &options, "entry");
    assert_eq!(outcome, trap(Trap::StackOverflow));
    assert!(bt.truncated(), "thousands of frames cannot fit");
    assert_eq!(bt.frames().len(), MAX_FRAMES);
    assert!(names(&bt).iter().all(|n| n == "recurse"), "{bt}");
    let calls = offsets(&wasm, |op| matches!(op, wasmparser::Operator::Call { .. }));
    assert!(
        bt.frames()[1..]
            .iter()
            .all(|f| f.module_offset == Some(calls[0][0])),
        "{bt}"
    );
}
