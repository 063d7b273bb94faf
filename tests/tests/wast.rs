//! `basalt wast` on small hand-written scripts (tests/data): the verdicts,
//! the failure lines and the pass/fail result the CLI turns into its exit
//! code. The binary lives in another package, so its library entry point
//! `run_files` (which `basalt wast` calls and maps to exit 0/1) stands in.

use basalt_cli::wast::{run_file, run_files, WastError, WastOptions};
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

#[test]
fn every_directive_kind_passes() {
    let report = run_file(&data("directives.wast"), &WastOptions::default()).expect("runs");
    assert_eq!(report.failures, Vec::<String>::new());
    assert_eq!((report.passed, report.failed), (38, 0));
}

#[test]
fn failing_assertions_are_reported_and_fail_the_run() {
    let failing = data("failing.wast");
    let report = run_file(&failing, &WastOptions::default()).expect("runs");
    let name = failing.display();
    assert_eq!(
        report.failures,
        [
            format!("{name}:4: assert_return: expected (i32.const 5), got (i32.const 4)"),
            format!("{name}:5: assert_trap: expected trap \"unreachable\", got (i32.const 4)"),
        ]
    );
    assert_eq!((report.passed, report.failed), (2, 2));

    // Both files in one run: the failures, a line per file, the summary,
    // and a failed run (exit 1).
    let mut out = Vec::new();
    let ok = run_files(
        &[data("directives.wast"), failing.clone()],
        &WastOptions::default(),
        &mut out,
    );
    let out = String::from_utf8(out).unwrap();
    assert!(!ok, "{out}");
    assert!(out.contains(&report.failures[0]), "{out}");
    assert!(
        out.contains(&format!("{name}: 2 passed, 2 failed")),
        "{out}"
    );
    assert!(out.ends_with("\n40 passed, 2 failed\n"), "{out}");
}

#[test]
fn a_clean_run_succeeds() {
    let mut out = Vec::new();
    assert!(run_files(
        &[data("directives.wast")],
        &WastOptions::default(),
        &mut out
    ));
    assert_eq!(String::from_utf8(out).unwrap(), "38 passed, 0 failed\n");
}

#[test]
fn a_file_that_does_not_parse_fails_the_run() {
    let broken = data("broken.wast");
    match run_file(&broken, &WastOptions::default()) {
        Err(WastError::Parse(message)) => {
            assert!(
                message.contains(&format!("{}:", broken.display())),
                "{message}"
            )
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    let mut out = Vec::new();
    assert!(!run_files(&[broken], &WastOptions::default(), &mut out));
    let out = String::from_utf8(out).unwrap();
    assert!(out.starts_with("error: "), "{out}");
    assert!(
        out.ends_with("0 passed, 0 failed, 1 file(s) could not be run\n"),
        "{out}"
    );
}
