//! The shape of the code the translator emits for the levers that cut
//! instructions (see `BENCHMARKS.md`): each test looks at `basalt objdump`'s
//! listing of a small module and fails on the code emitted before the
//! lever.

use basalt_compiler::{compile, objdump, BoundsChecks, CompileOptions};

fn listing(wat: &str, mode: BoundsChecks) -> String {
    let mut options = CompileOptions::default();
    options.settings.bounds_checks = mode;
    let bytes = compile(wat.as_bytes(), &options).expect("compiles");
    objdump::disassemble(&bytes).expect("disassembles")
}

/// `(offset, instruction text)` of the function labelled `name`.
fn function(listing: &str, name: &str) -> Vec<(u32, String)> {
    let header = format!("<{name}>:");
    listing
        .lines()
        .skip_while(|l| !l.ends_with(&header))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let (at, rest) = l.split_once(':').expect("offset");
            let text = rest.trim_start().split_once("  ").expect("word").1;
            (
                u32::from_str_radix(at.trim(), 16).expect("hex"),
                text.trim().to_string(),
            )
        })
        .collect()
}

/// The instructions of the function's loop: from the target of its one
/// backward branch to that branch.
fn loop_body(code: &[(u32, String)]) -> Vec<String> {
    let (end, target) = code
        .iter()
        .find_map(|(at, text)| {
            let delta = text.split("$-").nth(1)?;
            let delta = u32::from_str_radix(delta.trim_start_matches("0x"), 16).ok()?;
            Some((*at, at - delta))
        })
        .expect("a backward branch");
    code.iter()
        .filter(|(at, _)| (target..=end).contains(at))
        .map(|(_, t)| t.clone())
        .collect()
}

const FILL: &str = r#"(module (memory 1)
  (func $fill (export "fill") (param $i i32)
    (loop $l
      (i32.store (i32.add (local.get $i) (i32.const 0x12345)) (local.get $i))
      (i32.store offset=0x23456 (local.get $i) (local.get $i))
      (local.set $i (i32.sub (local.get $i) (i32.const 4)))
      (br_if $l (local.get $i)))))"#;

#[test]
fn wide_constants_and_large_offsets_stay_out_of_loops() {
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let code = function(&listing(FILL, mode), "fill");
        let body = loop_body(&code);
        assert!(
            !body.iter().any(|t| t.starts_with("movk")),
            "{mode:?}: a constant is rebuilt in the loop: {body:#?}"
        );
    }
    // Guard mode: each store is one instruction plus, for the i32.add, one add.
    let body = loop_body(&function(&listing(FILL, BoundsChecks::Guard), "fill"));
    assert!(body.len() <= 6, "{body:#?}");
}

#[test]
fn explicit_checks_clamp_once_and_keep_the_length_in_a_register() {
    let wat = r#"(module (memory 1)
      (func $sum (export "sum") (param $i i32) (result i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s) (i32.load (local.get $i))))
          (local.set $i (i32.sub (local.get $i) (i32.const 4)))
          (br_if $l (local.get $i)))
        (local.get $s)))"#;
    let body = loop_body(&function(&listing(wat, BoundsChecks::Explicit), "sum"));
    let count = |p: &str| body.iter().filter(|t| t.starts_with(p)).count();
    // One compare feeds the clamp and, through `cbz`, the trap.
    assert_eq!(count("cmp "), 1, "{body:#?}");
    assert_eq!(count("csel "), 1, "{body:#?}");
    assert_eq!(count("cbz x"), 1, "{body:#?}");
    assert_eq!(count("b.hi"), 0, "{body:#?}");
    // The only load in the loop is the access: the length is in a register.
    assert_eq!(count("ldr"), 1, "{body:#?}");
}

#[test]
fn a_table_that_cannot_grow_has_a_constant_size() {
    let module = |export: &str| {
        format!(
            r#"(module
              (type $t (func (result i32)))
              (table $tab 3 funcref) {export}
              (elem (i32.const 0) $a $a $a)
              (func $a (result i32) (i32.const 1))
              (func $call (export "call") (param i32) (result i32)
                (call_indirect (type $t) (local.get 0))))"#
        )
    };
    let sealed = function(&listing(&module(""), BoundsChecks::Guard), "call");
    let exported = function(
        &listing(
            &module(r#"(export "tab" (table $tab))"#),
            BoundsChecks::Guard,
        ),
        "call",
    );
    assert!(
        sealed
            .iter()
            .any(|(_, t)| t.contains(", #0x3") && t.starts_with("cmp ")),
        "{sealed:#?}"
    );
    assert!(
        !exported
            .iter()
            .any(|(_, t)| t.contains(", #0x3") && t.starts_with("cmp ")),
        "{exported:#?}"
    );
    assert!(sealed.len() < exported.len(), "{sealed:#?}\n{exported:#?}");
}

const STACK: &str = r#"(module
  (import "spectest" "print_i32" (func $print (param i32)))
  (memory 1)
  (func $leaf (param i32) (result i32) (i32.div_u (i32.const 10) (local.get 0)))
  (func $rec (param i32) (result i32)
    (i32.add (call $rec (local.get 0)) (call $leaf (local.get 0))))
  (func $grows (result i32) (memory.grow (i32.const 0)))
  (func $prints (call $print (i32.const 1))))"#;

fn has_stack_check(code: &[(u32, String)]) -> bool {
    code.iter().any(|(_, t)| t.contains("call stack exhausted"))
}

/// Guard mode: Wasm-to-Wasm prologues have no stack-limit check (the guard
/// page catches overflow); code that calls Rust keeps one (a libcall's
/// caller in its prologue, the wasm-to-host trampoline before the call).
/// Explicit mode checks every prologue that grows the stack.
#[test]
fn guard_mode_checks_the_stack_only_where_rust_is_called() {
    let guard = listing(STACK, BoundsChecks::Guard);
    assert!(!has_stack_check(&function(&guard, "rec")), "{guard}");
    assert!(has_stack_check(&function(&guard, "grows")), "{guard}");
    let tramp = function(&guard, "wasm-to-host trampoline of type 0");
    assert!(has_stack_check(&tramp), "{guard}");
    let explicit = listing(STACK, BoundsChecks::Explicit);
    assert!(has_stack_check(&function(&explicit, "rec")), "{explicit}");
}

/// A leaf that uses no stack builds no frame record; everything that
/// calls does (the backtrace walker relies on both).
#[test]
fn stackless_leaves_have_no_frame_record() {
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let code = listing(STACK, mode);
        let first = |name: &str| function(&code, name)[0].1.clone();
        assert!(!first("leaf").starts_with("stp x29, x30"), "{code}");
        for name in ["rec", "grows", "prints"] {
            assert_eq!(first(name), "stp x29, x30, [sp, #-0x10]!", "{code}");
        }
    }
}

/// Guard mode: a frame larger than the probe interval touches each 4 KiB
/// step of its new area before using it, so it cannot step over the stack
/// guard (here the wasm-to-host trampoline of a 300-parameter import, whose
/// value array is 4,800 bytes). Explicit mode checks the limit instead.
#[test]
fn guard_mode_probes_large_frames() {
    let params = vec!["i32"; 300].join(" ");
    let args = vec!["(i32.const 0)"; 300].join(" ");
    let wat = format!(
        r#"(module (import "m" "f" (func $f (param {params})))
             (func (export "g") (call $f {args})))"#
    );
    let probes = |mode| {
        let code = listing(&wat, mode);
        function(&code, "wasm-to-host trampoline of type 0")
            .iter()
            .filter(|(_, t)| t == "stur wzr, [sp]")
            .count()
    };
    assert_eq!(probes(BoundsChecks::Guard), 1);
    assert_eq!(probes(BoundsChecks::Explicit), 0);
}

/// `call_indirect` through a frozen table (defined, not exported, never
/// written): null and signature are one bit of a constant mask (`tbz`),
/// with no load of the engine's signature ids (`vmctx+0x40`) or of the
/// `VMFuncRef`'s type (`+0x18`) or context (`+0x20`): the callees are the
/// module's own, so the context is ours. Exported, the table keeps the
/// general checks.
#[test]
fn a_frozen_table_checks_signatures_with_a_mask() {
    let module = |export: &str| {
        format!(
            r#"(module
              (type $t (func (param i32) (result i32)))
              (table $tab 4 funcref) {export}
              (elem (i32.const 1) $a $b $c)
              (func $a (param i32) (result i32) (local.get 0))
              (func $b (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
              (func $c (result i32) (i32.const 1))
              (func $call (export "call") (param i32 i32) (result i32)
                (call_indirect (type $t) (local.get 1) (local.get 0))))"#
        )
    };
    let loads = |code: &[(u32, String)], off: &str| {
        code.iter()
            .filter(|(_, t)| t.starts_with("ldr") && t.contains(off))
            .count()
    };
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let frozen = function(&listing(&module(""), mode), "call");
        assert!(
            frozen.iter().any(|(_, t)| t.starts_with("tbz")),
            "{frozen:#?}"
        );
        for off in ["#0x18]", "#0x20]", "#0x40]"] {
            assert_eq!(loads(&frozen, off), 0, "{off}: {frozen:#?}");
        }
        let exported = function(
            &listing(&module(r#"(export "tab" (table $tab))"#), mode),
            "call",
        );
        for off in ["#0x18]", "#0x20]", "#0x40]"] {
            assert_eq!(loads(&exported, off), 1, "{off}: {exported:#?}");
        }
    }
}

/// A direct call passes only the callee's context (`x0`) and the
/// arguments from `x1` on: no caller's context, which only host functions
/// need, so the parameter goes through in the register it came in.
#[test]
fn direct_calls_pass_no_callers_context() {
    let wat = r#"(module
      (func $id (param i32) (result i32) (local.get 0))
      (func $call (export "call") (param i32) (result i32) (call $id (local.get 0))))"#;
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let code = listing(wat, mode);
        assert_eq!(function(&code, "id")[0].1, "mov x0, x1", "{code}");
        let call = function(&code, "call");
        assert!(
            !call
                .iter()
                .any(|(_, t)| ["mov x1,", "mov x2,", "mov w1,", "mov w2,"]
                    .iter()
                    .any(|m| t.starts_with(m))),
            "{call:#?}"
        );
    }
}

/// A multiplier or `select` arm that is a constant is materialized once
/// before the loop and kept in a register, not rematerialized (`mov w, #k`)
/// on every iteration.
#[test]
fn constant_multipliers_and_select_arms_stay_out_of_loops() {
    const LOOP: &str = r#"(module (memory 1)
      (func $triad (export "triad") (param $i i32) (param $n i32) (result i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s)
            (i32.mul (i32.load (local.get $i)) (i32.const 3))))
          (local.set $s (i32.xor (local.get $s)
            (select (i32.const 0) (local.get $i) (i32.and (local.get $i) (i32.const 60)))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $s)))"#;
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let code = function(&listing(LOOP, mode), "triad");
        let body = loop_body(&code);
        let movs: Vec<&String> = body
            .iter()
            .filter(|t| t.starts_with("mov w") && t.contains('#'))
            .collect();
        assert!(
            movs.is_empty(),
            "{mode:?}: constants rematerialized in the loop: {movs:?}\n{body:#?}"
        );
        assert!(
            body.iter()
                .any(|t| t.starts_with("madd") || t.starts_with("mul")),
            "{body:#?}"
        );
    }
}

/// A call that never returns (`call $panic; unreachable`, Rust's failed
/// bounds checks) costs the code around it no register moves: its
/// arguments, values that stay live around the interpreter loop below, go
/// through a stack slot instead of pulling those values into argument
/// registers, and a constant argument is built in the call's block, not
/// in the hot path. Before, this loop had 29 register-to-register moves
/// outside the calls' blocks with the panic calls, and 6 without them
/// (guard); then one `mov w, #16` per bound check it shares with a call.
#[test]
fn calls_that_never_return_cost_the_hot_path_no_moves() {
    const INTERP: &str = r#"(module (memory 1)
      (func $panic (param i32 i32 i32) (i32.store (i32.const 0) (local.get 0)))
      (func $run (export "run") (param $code i32) (param $len i32) (param $sp i32) (result i32)
        (local $pc i32) (local $op i32) (local $acc i32)
        loop $l
          (if (i32.ge_u (local.get $pc) (local.get $len))
            (then (call $panic (local.get $pc) (local.get $len) (i32.const 1)) unreachable))
          (local.set $op (i32.load8_u (i32.add (local.get $code) (local.get $pc))))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          block $done block $c block $b block $a
            (br_table $a $b $c $done (local.get $op))
          end
          (if (i32.ge_u (local.get $sp) (i32.const 16))
            (then (call $panic (local.get $sp) (i32.const 16) (i32.const 2)) unreachable))
          (i32.store (i32.shl (local.get $sp) (i32.const 2)) (local.get $acc))
          (local.set $sp (i32.add (local.get $sp) (i32.const 1)))
          (br $l)
          end
          (local.set $sp (i32.sub (local.get $sp) (i32.const 1)))
          (if (i32.ge_u (local.get $sp) (i32.const 16))
            (then (call $panic (local.get $sp) (i32.const 16) (i32.const 3)) unreachable))
          (local.set $acc (i32.add (local.get $acc) (i32.load (i32.shl (local.get $sp) (i32.const 2)))))
          (br $l)
          end
          (if (i32.ge_u (local.get $op) (local.get $len))
            (then (call $panic (local.get $op) (local.get $len) (i32.const 4)) unreachable))
          (local.set $pc (i32.load8_u offset=1 (i32.add (local.get $code) (local.get $pc))))
          (br $l)
          end
        end
        (local.get $acc)))"#;
    // The instructions of the loop (from the first target of a backward
    // branch to the last such branch; the entry may save the context the
    // calls take) outside the panic calls' own blocks (where the caller's
    // context moves to `x0`, as it must).
    let hot = |wat: &str, mode| {
        let code = function(&listing(wat, mode), "run");
        let back: Vec<(u32, u32)> = code
            .iter()
            .filter_map(|(at, text)| {
                let delta = text.split("$-").nth(1)?;
                let delta = u32::from_str_radix(delta.trim_start_matches("0x"), 16).ok()?;
                Some((at - delta, *at))
            })
            .collect();
        let start = back.iter().map(|b| b.0).min().expect("a loop");
        let end = back.iter().map(|b| b.1).max().expect("a loop");
        let mut runs = vec![Vec::new()];
        for (_, t) in code
            .into_iter()
            .filter(|(at, _)| (start..=end).contains(at))
        {
            let ends = [
                "b ", "b.", "cbz", "cbnz", "tbz", "tbnz", "br ", "ret", "udf",
            ];
            let end = ends.iter().any(|e| t.starts_with(e));
            runs.last_mut().expect("a run").push(t);
            if end {
                runs.push(Vec::new());
            }
        }
        runs.into_iter()
            .filter(|run| !run.iter().any(|t| t.contains("call panic")))
            .flatten()
            .collect::<Vec<String>>()
    };
    // `mov r, r`, and `mov r, #k`: a constant built for the calls in the hot
    // path costs a move there too.
    let moves = |wat: &str, mode| {
        hot(wat, mode)
            .iter()
            .filter(|t| {
                let mut parts = t.split([' ', ',']).filter(|p| !p.is_empty());
                parts.next() == Some("mov")
                    && parts.all(|r| {
                        r.starts_with('#')
                            || r.starts_with(['x', 'w']) && r[1..].parse::<u8>().is_ok()
                    })
            })
            .count()
    };
    // The bound 16 is an immediate of the checks' compares; only the calls
    // take it as a value, so only their blocks build it.
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let built: Vec<String> = hot(INTERP, mode)
            .into_iter()
            .filter(|t| t.starts_with("mov") && t.ends_with("#0x10"))
            .collect();
        assert!(built.is_empty(), "{mode:?}: {built:?}");
    }
    // The same function with each panic call replaced by the evaluation of
    // its arguments and drops: the calls' blocks stay, their calls go.
    let without = INTERP
        .replace("(call $panic ", "")
        .replace(")) unreachable", ") drop drop drop unreachable");
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let (with, bare) = (moves(INTERP, mode), moves(&without, mode));
        assert!(
            with <= bare,
            "{mode:?}: {with} moves with the panic calls, {bare} without"
        );
    }
}

/// Explicit mode: an index that its own definition bounds below the
/// memory's declared minimum less the reach (here a mask: at most
/// 0xfffc + 4 = one page) is accessed without a check: no compare, no
/// Spectre clamp. One byte more and the check is back.
#[test]
fn statically_bounded_indices_are_not_checked() {
    let wat = |mask: u32| {
        format!(
            r#"(module (memory 1)
              (func $get (export "get") (param i32) (result i32)
                (i32.load (i32.and (local.get 0) (i32.const {mask})))))"#
        )
    };
    let checks = |mask| {
        function(&listing(&wat(mask), BoundsChecks::Explicit), "get")
            .iter()
            .filter(|(_, t)| t.starts_with("cmp") || t.starts_with("csdb"))
            .count()
    };
    assert_eq!(checks(0xfffc), 0);
    assert!(checks(0xfffd) >= 2, "the check and its clamp");
}

#[test]
fn explicit_mode_checks_a_group_of_accesses_once() {
    // An unrolled fill (`i + K_j`) and a struct's fields (`p + offset`).
    let wat = r#"(module (memory 1)
      (func $fill (export "fill") (param $i i32) (param $v i32)
        (loop $l
          (i32.store (i32.add (local.get $i) (i32.const 0x12340)) (local.get $v))
          (i32.store (i32.add (local.get $i) (i32.const 0x12344)) (local.get $v))
          (i32.store (i32.add (local.get $i) (i32.const 0x12348)) (local.get $v))
          (i32.store (i32.add (local.get $i) (i32.const 0x1234c)) (local.get $v))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $l (local.get $i))))
      (func $fields (export "fields") (param $p i32) (result f64)
        (f64.add (f64.load offset=8 (local.get $p))
          (f64.add (f64.load offset=16 (local.get $p)) (f64.load offset=24 (local.get $p))))))"#;
    let text = listing(wat, BoundsChecks::Explicit);
    let body = loop_body(&function(&text, "fill"));
    let count = |code: &[String], p: &str| code.iter().filter(|t| t.starts_with(p)).count();
    assert_eq!(count(&body, "str "), 4, "{body:#?}");
    // One compare, clamp and branch for the four stores, each of which is
    // one instruction with an immediate offset from the clamped address.
    assert_eq!(count(&body, "csdb"), 1, "{body:#?}");
    assert_eq!(count(&body, "cmp "), 1, "{body:#?}");
    assert!(body.len() <= 12, "{body:#?}");
    let fields: Vec<String> = function(&text, "fields")
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    // The hot path, up to its return (the cold copy of the three loads,
    // a check each, follows it).
    let ret = fields.iter().position(|t| t == "ret").expect("a return");
    let hot = &fields[..ret];
    assert_eq!(count(hot, "csdb"), 1, "{fields:#?}");
    assert_eq!(count(hot, "ldr d"), 3, "{fields:#?}");
}

/// Accesses that their index's definition bounds within the memory's
/// minimum stay unchecked when they could form a group too (`random`'s
/// `t[r] += 1`).
#[test]
fn statically_bounded_accesses_form_no_group() {
    let wat = r#"(module (memory 1)
      (func $bump (export "bump") (param $r i32)
        (local $a i32)
        (local.set $a (i32.shl (i32.and (local.get $r) (i32.const 0x3fff)) (i32.const 2)))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))))"#;
    let code = function(&listing(wat, BoundsChecks::Explicit), "bump");
    let checks = code.iter().filter(|(_, t)| t.starts_with("csdb")).count();
    assert_eq!(checks, 0, "{code:#?}");
}

/// Float constants are built once before a loop and kept in registers:
/// Cranelift would rebuild each (`fmov d, #k`, or a literal load) on every
/// iteration. Zero stays a plain constant (comparisons take it as `#0.0`).
#[test]
fn float_constants_stay_out_of_loops() {
    let wat = r#"(module
      (func $poly (export "poly") (param $x f64) (param $n i32) (result f64) (local $s f64)
        (loop $l
          (local.set $s (f64.add (f64.mul (local.get $s) (f64.const 1.5))
                                 (f64.mul (local.get $x) (f64.const 0.1))))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $s)))"#;
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let body = loop_body(&function(&listing(wat, mode), "poly"));
        let built: Vec<&String> = body
            .iter()
            .filter(|t| t.starts_with("fmov d") && t.contains('#') || t.starts_with("ldr d"))
            .collect();
        assert!(built.is_empty(), "{mode:?}: {built:?}\n{body:#?}");
        assert!(body.iter().any(|t| t.starts_with("fmul")), "{body:#?}");
    }
}

/// Guard mode addresses `x + K` as `base + K + sext(x)` with `base + K`
/// kept in a register; a small `K` is one `add` of an immediate before the
/// loop, not a `mov` of the constant and an `add`.
#[test]
fn small_displacements_are_one_add_before_the_loop() {
    let wat = r#"(module (memory 1)
      (func $walk (export "walk") (param $i i32) (result i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s)
            (i32.load (i32.add (local.get $i) (i32.const 0x38)))))
          (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 4)))))
        (local.get $s)))"#;
    let code = function(&listing(wat, BoundsChecks::Guard), "walk");
    let texts: Vec<&String> = code.iter().map(|(_, t)| t).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("add x") && t.ends_with("#0x38")),
        "{texts:#?}"
    );
    assert!(
        !texts
            .iter()
            .any(|t| t.starts_with("mov") && t.ends_with("#0x38")),
        "{texts:#?}"
    );
}

/// Explicit mode: a loop that calls a function that cannot change the
/// memory's length (`ModuleEnv::call_keeps_length`) keeps the length, and
/// the access's 32-bit limit, in registers: no reload after the call, and
/// the check is one `cmp w, w`.
#[test]
fn calls_that_keep_the_length_reload_nothing() {
    let wat = r#"(module (memory 1)
      (func $leaf)
      (func $walk (export "walk") (param $p i32) (param $n i32)
        (loop $l
          (call $leaf)
          (i32.store (local.get $p) (local.get $n))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))"#;
    let body = loop_body(&function(&listing(wat, BoundsChecks::Explicit), "walk"));
    assert!(!body.iter().any(|t| t.starts_with("ldr")), "{body:#?}");
    assert!(body.iter().any(|t| t.starts_with("cmp w")), "{body:#?}");
}

/// A loop whose exit test reads the incremented induction variable
/// (`i' = i + 4; br_if (i' != 256)`, as LLVM writes it) compares the new
/// value: the add updates its register in place and the back edge moves
/// nothing. Before, Cranelift's `i + 4 != 256` -> `i != 252` rewrite kept
/// the old value alive next to the new one (`add w0, w7, #4; cmp w7,
/// #0xfc; b.eq; mov x7, x0; b`).
#[test]
fn loop_exit_tests_read_the_new_induction_value() {
    const SUM: &str = r#"(module (memory 1)
      (func $sum (export "sum") (param $p i32) (result i32) (local $i i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s)
            (i32.load (i32.add (local.get $p) (local.get $i)))))
          (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4)))
                            (i32.const 256))))
        (i32.store (i32.const 0) (local.get $s))
        (local.get $i)))"#;
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let body = loop_body(&function(&listing(SUM, mode), "sum"));
        let moves: Vec<&String> = body.iter().filter(|t| is_register_move(t)).collect();
        assert!(moves.is_empty(), "{mode:?}: moves {moves:?}\n{body:#?}");
        // `add wI, wI, #0x4` in place, and the test of `wI` against 256.
        let step = body
            .iter()
            .find_map(|t| {
                let rest = t.strip_prefix("add ")?.strip_suffix(", #0x4")?;
                let (d, s) = rest.split_once(", ")?;
                (d == s).then(|| d.to_string())
            })
            .unwrap_or_else(|| panic!("{mode:?}: no in-place step\n{body:#?}"));
        assert!(
            body.contains(&format!("cmp {step}, #0x100")),
            "{mode:?}: {body:#?}"
        );
    }
}

/// `mov` between two general registers.
fn is_register_move(t: &str) -> bool {
    let mut parts = t.split([' ', ',']).filter(|p| !p.is_empty());
    parts.next() == Some("mov")
        && parts.all(|r| r.starts_with(['x', 'w']) && r[1..].parse::<u8>().is_ok())
}

/// A byte swap written with masks, rotations or shifts by whole bytes and
/// ors (Wasm has no byte swap) becomes one `rev`; near misses do not.
/// `tests/tests/numeric.rs` runs the same functions on the board.
#[test]
fn byte_swaps_become_rev_and_near_misses_do_not() {
    let wat = byte_swaps_wat();
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let listing = listing(&wat, mode);
        for (name, swaps) in BYTE_SWAPS {
            let code = function(&listing, name);
            let revs = code.iter().filter(|(_, t)| t.starts_with("rev")).count();
            assert_eq!(revs, usize::from(*swaps), "{mode:?} {name}: {code:#?}");
            if *swaps {
                // `rev` and `ret`, nothing else.
                assert!(code.len() <= 2, "{mode:?} {name}: {code:#?}");
            }
        }
    }
}

/// The functions of `byte_swaps_wat` and whether each is a byte swap.
const BYTE_SWAPS: &[(&str, bool)] = &[
    ("rot32", true),
    ("shift32", true),
    ("shift64", true),
    ("mask_off_by_one", false),
    ("rot_by_16", false),
    ("two_sources", false),
    ("shift_by_7", false),
    ("signed_shift", false),
    ("overlap", false),
];

/// The module of `BYTE_SWAPS` (`tests/data/byte_swaps.wat`, which `tests/tests/numeric.rs` also runs).
fn byte_swaps_wat() -> String {
    include_str!("../../tests/data/byte_swaps.wat").to_string()
}

/// A `br_table` with few targets is a chain of compare-and-branch, not
/// Cranelift's jump table (`cmp`, `csel`, `csdb`, `adr`, `ldrsw`, `add`,
/// `br`); one with many keeps the jump table.
#[test]
fn small_br_tables_are_tests() {
    const SWITCH: &str = r#"(module
      (func $small (export "small") (param $x i32) (result i32)
        block $d block $c block $b block $a
          (br_table $a $b $c $d $a (i32.and (local.get $x) (i32.const 3)))
        end (return (i32.const 10))
        end (return (i32.const 20))
        end (return (i32.const 30))
        end (i32.const 40))
      (func $large (export "large") (param $x i32) (result i32)
        block $f block $e block $d block $c block $b block $a
          (br_table $a $b $c $d $e $f (local.get $x))
        end (return (i32.const 10))
        end (return (i32.const 20))
        end (return (i32.const 30))
        end (return (i32.const 40))
        end (return (i32.const 50))
        end (i32.const 60)))"#;
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let listing = listing(SWITCH, mode);
        let jumps = |name| {
            function(&listing, name)
                .iter()
                .filter(|(_, t)| t.starts_with("br "))
                .count()
        };
        assert_eq!(jumps("small"), 0, "{mode:?}: {listing}");
        assert_eq!(jumps("large"), 1, "{mode:?}: {listing}");
    }
}

/// Both modes copy 1 to 8 bytes inline (two loads, two stores per width)
/// and call the runtime only for other lengths (and, in explicit mode, for
/// copies that are out of bounds); a copy of a constant 4 bytes is one load
/// and one store. `tests/tests/small_copies.rs` and
/// `limits.rs::small_copies_stop_at_the_last_byte` check the semantics.
#[test]
fn small_copies_are_inline() {
    const COPY: &str = r#"(module (memory 1)
      (func $copy4 (export "copy4") (param i32 i32)
        (memory.copy (local.get 0) (local.get 1) (i32.const 4)))
      (func $copy (export "copy") (param i32 i32 i32)
        (memory.copy (local.get 0) (local.get 1) (local.get 2))))"#;
    let count = |code: &[(u32, String)], prefix: &str| {
        code.iter().filter(|(_, t)| t.starts_with(prefix)).count()
    };
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let code = listing(COPY, mode);
        let copy4 = function(&code, "copy4");
        // Explicit mode calls the runtime when a range is out of bounds.
        let calls = usize::from(mode == BoundsChecks::Explicit);
        assert_eq!(count(&copy4, "blr"), calls, "{mode:?}: {copy4:#?}");
        // Both chunks of exactly 4 bytes are the same word: Cranelift
        // keeps one load and one store.
        assert_eq!(count(&copy4, "ldr w"), 1, "{mode:?}: {copy4:#?}");
        assert_eq!(count(&copy4, "str w"), 1, "{mode:?}: {copy4:#?}");
        let copy = function(&code, "copy");
        for (load, store) in [("ldr w", "str w"), ("ldrh", "strh"), ("ldrb", "strb")] {
            assert!(
                count(&copy, load) >= 1 && count(&copy, store) >= 1,
                "{mode:?}: {copy:#?}"
            );
        }
        assert_eq!(count(&copy, "blr"), 1, "the other lengths: {copy:#?}");
    }
}

/// The constant arguments of a call that never returns (a bounds check's
/// length, the same constant its compare takes as an immediate) are built
/// in the call's cold block, not in the hot block before the branch
/// (`mov w9, #0x10; cmp w8, #0x10; b.hs`): in the bench's interpreter
/// kernel (`tests/data/interp_kernel.wat`) there were 9 such moves, one to
/// three per dispatch.
#[test]
fn constant_arguments_of_calls_that_never_return_stay_cold() {
    let wat = include_str!("../../tests/data/interp_kernel.wat");
    for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let code = function(&listing(wat, mode), "interp");
        let hot: Vec<&(u32, String)> = code
            .iter()
            .filter(|(_, t)| {
                t.starts_with("mov w")
                    && [", #0x10", ", #0x4", ", #0xffffffff"]
                        .iter()
                        .any(|k| t.ends_with(k))
            })
            .collect();
        assert!(hot.is_empty(), "{mode:?}: {hot:?}");
    }
}

/// The null that an explicit check's Spectre clamp selects stays in a
/// register: a loop over memory does not rebuild it (`mov x, #0x0`) next
/// to every access.
#[test]
fn the_spectre_clamps_null_stays_out_of_loops() {
    let wat = r#"(module (memory 1)
      (func $sum (export "sum") (param $a i32) (param $b i32) (result i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s) (i32.load (local.get $a))))
          (local.set $s (i32.add (local.get $s) (i32.load (local.get $b))))
          (local.set $a (i32.sub (local.get $a) (i32.const 4)))
          (local.set $b (i32.add (local.get $b) (i32.const 8)))
          (br_if $l (local.get $a)))
        (local.get $s)))"#;
    let body = loop_body(&function(&listing(wat, BoundsChecks::Explicit), "sum"));
    assert_eq!(
        body.iter().filter(|t| t.starts_with("csdb")).count(),
        2,
        "{body:#?}"
    );
    assert!(!body.iter().any(|t| t.ends_with(", #0x0")), "{body:#?}");
}

/// Explicit mode: `c[i] = a[i] + 3 * b[i]` over arrays 64 KiB apart is one
/// check and clamp for the three accesses (a wide group, clamped to the
/// memory's base); the far members add a distance kept in a register.
#[test]
fn explicit_mode_checks_accesses_to_several_arrays_once() {
    let wat = r#"(module (memory 4)
      (func $triad (export "triad") (param $i i32) (param $n i32)
        (loop $next
          (i32.store offset=0x20000 (local.get $i)
            (i32.add (i32.load (local.get $i))
                     (i32.mul (i32.load offset=0x10000 (local.get $i)) (i32.const 3))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))"#;
    let body = loop_body(&function(&listing(wat, BoundsChecks::Explicit), "triad"));
    let count = |p: &str| body.iter().filter(|t| t.starts_with(p)).count();
    assert_eq!(count("csdb"), 1, "{body:#?}");
    assert_eq!(count("ldr "), 2, "{body:#?}");
    assert_eq!(count("str "), 1, "{body:#?}");
    assert!(!body.iter().any(|t| t.starts_with("mov")), "{body:#?}");
    assert!(body.len() <= 14, "{body:#?}");
}

/// Explicit mode: a counted loop (`i += 4` until `i == hi`) gets a copy
/// whose access has no check, entered when a test before the loop proves
/// every iteration's index in bounds; the index is only masked against
/// speculation (`and`). The copy with the check stays for the other case.
#[test]
fn counted_loops_get_a_copy_without_checks() {
    let wat = r#"(module (memory 1)
      (func $rise (export "rise") (param $lo i32) (param $hi i32) (local $i i32)
        (local.set $i (local.get $lo))
        (loop $l
          (i32.store (local.get $i) (local.get $i))
          (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4)))
                            (local.get $hi))))))"#;
    let code = function(&listing(wat, BoundsChecks::Explicit), "rise");
    // Every loop: from the target of a backward branch to that branch.
    let loops: Vec<Vec<&String>> = code
        .iter()
        .filter_map(|(at, text)| {
            let delta = text.split("$-").nth(1)?;
            let delta = u32::from_str_radix(delta.trim_start_matches("0x"), 16).ok()?;
            let start = at - delta;
            Some(
                code.iter()
                    .filter(|(a, _)| (start..=*at).contains(a))
                    .map(|(_, t)| t)
                    .collect(),
            )
        })
        .collect();
    assert_eq!(loops.len(), 2, "{code:#?}");
    let checked = |body: &[&String]| body.iter().any(|t| t.starts_with("csdb"));
    let fast = loops
        .iter()
        .find(|b| !checked(b))
        .expect("a copy without checks");
    assert!(fast.iter().any(|t| t.starts_with("str")), "{fast:#?}");
    assert!(fast.len() <= 5, "{fast:#?}");
    assert!(loops.iter().any(|b| checked(b)), "{code:#?}");
}

/// Explicit mode, in a loop that calls (the length is reloaded after each
/// call): the check compares the address the access computes anyway with
/// `base + length - reach`, without widening the index into a register of
/// its own (`mov w, w`) and adding the reach to it.
#[test]
fn checks_in_loops_that_call_compare_the_address() {
    // `$id` may grow the memory, so its calls reload the length.
    let wat = r#"(module (memory 1)
      (func $id (param i32) (result i32)
        (if (i32.eqz (local.get 0)) (then (drop (memory.grow (i32.const 1)))))
        (local.get 0))
      (func $sum (export "sum") (param $i i32) (result i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s) (call $id (i32.load offset=8 (local.get $i)))))
          (local.set $i (i32.sub (local.get $i) (i32.const 4)))
          (br_if $l (local.get $i)))
        (local.get $s)))"#;
    let body = loop_body(&function(&listing(wat, BoundsChecks::Explicit), "sum"));
    let widen = body
        .iter()
        .filter(|t| {
            t.starts_with("mov w") && t.split(", ").nth(1).is_some_and(|r| r.starts_with('w'))
        })
        .count();
    assert_eq!(widen, 0, "{body:#?}");
    assert_eq!(
        body.iter().filter(|t| t.starts_with("cmp x")).count(),
        1,
        "{body:#?}"
    );
}

/// Explicit mode: an index that passes through a local set inside the
/// window (`local.tee $q (p + 88)` then `local.get $q`, as `nbody`'s
/// fields) still joins its group: one check for the four accesses.
#[test]
fn groups_follow_indices_through_locals() {
    let wat = r#"(module (memory 1)
      (func $bump2 (export "bump2") (param $p i32) (local $q i32)
        (local.set $q (i32.add (local.get $p) (i32.const 80)))
        (f64.store (local.get $q) (f64.add (f64.load (local.get $q)) (f64.const 1)))
        (local.set $q (i32.add (local.get $p) (i32.const 88)))
        (f64.store (local.get $q) (f64.add (f64.load (local.get $q)) (f64.const 1)))))"#;
    let code: Vec<String> = function(&listing(wat, BoundsChecks::Explicit), "bump2")
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let ret = code.iter().position(|t| t == "ret").expect("a return");
    let hot = &code[..ret];
    assert_eq!(
        hot.iter().filter(|t| t.starts_with("csdb")).count(),
        1,
        "{code:#?}"
    );
}
