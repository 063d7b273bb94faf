//! The runner on the host: a script planned into a job, then judged
//! against a canned board transcript.

use super::*;

const SCRIPT: &str = r#"(module $A
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "nan") (result f32) (f32.const nan))
  (func $r (export "r") (call $r))
  (global (export "g") i32 (i32.const 7)))
(register "a" $A)
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke $A "nan") (f32.const nan:canonical))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_return (get "g") (i32.const 7))
(invoke "add" (i32.const 0) (i32.const 0))
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_malformed (module quote "(func") "unexpected end")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(assert_exhaustion (invoke "r") "call stack exhausted")
(assert_invalid (module (func (result i32) (i32.const 0))) "compiles after all")
(module quote "(func (export \"f\") (result i32) (i32.const 5))")
(assert_return (invoke "f") (i32.const 5))
(assert_return (invoke $B "f") (i32.const 5))
"#;

const JOB_SCRIPT: &str = "\
instantiate 0 0
register 61 0
invoke 0 616464 i32:1 i32:2
invoke 0 6e616e
invoke 0 646976 i32:1 i32:0
get 0 67
invoke 0 616464 i32:0 i32:0
instantiate 1 1
invoke 0 72
instantiate 2 2
invoke 2 66
";

const TRANSCRIPT: &str = "\
#0 ok
#1 ok
#2 ok i32:3
#3 ok f32:ffc00000
#4 trap 7 integer divide by zero
#5 ok i32:7
#6 ok i32:0
#7 trap 9 wasm `unreachable` instruction executed
#8 trap 1 call stack exhausted
#9 ok
#10 ok i32:4
";

#[test]
fn a_script_becomes_one_job_and_verdicts() {
    let plan = prepare("t.wast", SCRIPT, &WastOptions::default()).unwrap();
    assert!(plan.needs_board);
    assert_eq!(plan.job.script(), JOB_SCRIPT);
    let replies = plan.job.report(0, TRANSCRIPT.into());
    let report = tally("t.wast", &plan, &replies, None);
    assert_eq!(
        report.failures,
        [
            "t.wast:18: assert_invalid: expected invalid module (\"compiles after all\"), got a module that compiles",
            "t.wast:20: assert_return: expected (i32.const 5), got (i32.const 4)",
            "t.wast:21: assert_return: cannot invoke \"f\": no module $B",
        ]
    );
    assert_eq!((report.passed, report.failed), (13, 3));
}

#[test]
fn a_board_that_stops_fails_the_rest() {
    let plan = prepare("t.wast", SCRIPT, &WastOptions::default()).unwrap();
    let cut: String = TRANSCRIPT
        .lines()
        .take(4)
        .map(|l| format!("{l}\n"))
        .collect();
    let replies = plan.job.report(101, cut);
    let report = tally(
        "t.wast",
        &plan,
        &replies,
        Some("t.wast: board crashed".into()),
    );
    assert!(report.failures.contains(&"t.wast:10: assert_trap: expected trap \"integer divide by zero\", got no reply from the board".to_string()));
    assert_eq!(report.failures.last().unwrap(), "t.wast: board crashed");
    // The module, register, first assert_return, NaN and the host-decided
    // invalid/malformed checks pass.
    assert_eq!(report.passed, 7);
}

#[test]
fn host_only_scripts_need_no_board() {
    let report = run_text(
        "v.wast",
        "(assert_invalid (module (func (result i32))) \"type mismatch\")\n\
         (assert_malformed (module quote \"(module\") \"unexpected end\")",
        &WastOptions::default(),
    )
    .unwrap();
    assert_eq!((report.passed, report.failed), (2, 0));
}

#[test]
fn parse_errors_name_the_file_and_line() {
    let err = run_text(
        "bad.wast",
        "(module)\n(assert_return (invoke",
        &WastOptions::default(),
    )
    .unwrap_err();
    let WastError::Parse(message) = err else {
        panic!("{err}")
    };
    assert!(message.contains("bad.wast:2:"), "{message}");
}

#[test]
fn run_files_prints_failures_and_a_summary() {
    let dir = std::env::temp_dir().join(format!("basalt-wast-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.wast");
    std::fs::write(
        &good,
        "(assert_invalid (module (func (result i32))) \"type mismatch\")\n",
    )
    .unwrap();
    let bad = dir.join("bad.wast");
    std::fs::write(&bad, "\n(assert_invalid (module) \"nothing wrong\")\n").unwrap();
    let missing = dir.join("missing.wast");

    let mut out = Vec::new();
    assert!(run_files(
        std::slice::from_ref(&good),
        &WastOptions::default(),
        &mut out
    ));
    assert_eq!(String::from_utf8(out).unwrap(), "1 passed, 0 failed\n");

    let mut out = Vec::new();
    let files = [good.clone(), bad.clone(), missing];
    assert!(!run_files(&files, &WastOptions::default(), &mut out));
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains(&format!(
            "{}:2: assert_invalid: expected invalid module",
            bad.display()
        )),
        "{out}"
    );
    assert!(out.contains("error: cannot read"), "{out}");
    assert!(
        out.ends_with("1 passed, 1 failed, 1 file(s) could not be run\n"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
