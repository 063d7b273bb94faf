//! `basalt wast`: run spec-format `.wast` scripts on the board.
//!
//! Each file becomes one board job: every module is compiled on the host,
//! all artifacts travel in one payload, and the script instantiates,
//! registers and invokes them in file order (see `basalt_qemu::Job`). One
//! boot per file keeps QEMU's start-up cost out of the thousands of
//! assertions a spec file holds. Validation (`assert_invalid`,
//! `assert_malformed`) is decided on the host, where compilation happens.

mod pattern;
mod plan;
#[cfg(test)]
mod tests;
mod verdict;

use basalt_compiler::CompileOptions;
use basalt_qemu::{JobReport, Machine, QemuError, RunOptions};
use plan::{Pending, Plan};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How to run wast files.
#[derive(Clone, Debug)]
pub struct WastOptions {
    /// How every module is compiled.
    pub compile: CompileOptions,
    /// Wall-clock limit for one file's boot.
    pub timeout: Duration,
    /// Back memories with contiguous arena ranges instead of guard pages,
    /// as on a board without an MMU (explicit-mode code only).
    pub contiguous_memories: bool,
    /// Keys the board's engine trusts: every module must be signed by one
    /// (sign them with `compile.sign`). Empty: any artifact runs.
    pub trust: Vec<basalt::artifact::PublicKey>,
    /// The board that runs the files.
    pub machine: Machine,
}

impl Default for WastOptions {
    /// Spec files hold thousands of assertions: a generous limit.
    fn default() -> Self {
        Self {
            compile: CompileOptions::default(),
            timeout: Duration::from_secs(120),
            contiguous_memories: false,
            trust: Vec::new(),
            machine: Machine::Virt,
        }
    }
}

/// The verdicts for one file.
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    /// The name failure lines start with (the path, for files).
    pub name: String,
    /// Directives that did what the script says.
    pub passed: usize,
    /// Directives that did not, plus one if the board itself misbehaved.
    pub failed: usize,
    /// One line per failure: `file:line: <directive>: expected X, got Y`.
    pub failures: Vec<String>,
}

/// A file that could not be run at all.
#[derive(Debug)]
pub enum WastError {
    /// The file could not be read.
    Read(PathBuf, std::io::Error),
    /// The file is not a wast script (message with file, line and column).
    Parse(String),
    /// The board could not be run (QEMU missing, firmware build failed...).
    Qemu(String, QemuError),
}

impl fmt::Display for WastError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WastError::Read(path, e) => write!(f, "cannot read {}: {e}", path.display()),
            WastError::Parse(message) => f.write_str(message),
            WastError::Qemu(name, e) => write!(f, "{name}: cannot run the board: {e}"),
        }
    }
}

impl std::error::Error for WastError {}

/// Run the wast file at `path`.
pub fn run_file(path: &Path, opts: &WastOptions) -> Result<FileReport, WastError> {
    let text = std::fs::read_to_string(path).map_err(|e| WastError::Read(path.to_path_buf(), e))?;
    run_text(&path.display().to_string(), &text, opts)
}

/// Run wast `text`; `name` starts its failure lines.
pub fn run_text(name: &str, text: &str, opts: &WastOptions) -> Result<FileReport, WastError> {
    let plan = prepare(name, text, opts)?;
    let (replies, board_failure) = if plan.needs_board {
        boot(name, &plan, opts)?
    } else {
        (plan.job.report(0, String::new()), None)
    };
    Ok(tally(name, &plan, &replies, board_failure))
}

/// Parse `text` and plan its job (compiling every module).
fn prepare(name: &str, text: &str, opts: &WastOptions) -> Result<Plan, WastError> {
    let parse_error = |mut e: wast::Error| {
        e.set_path(Path::new(name));
        e.set_text(text);
        WastError::Parse(e.to_string())
    };
    // The spec suite spells some names with bidirectional-override
    // characters on purpose; the lexer refuses them unless told.
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buffer = wast::parser::ParseBuffer::new_with_lexer(lexer).map_err(parse_error)?;
    let script = wast::parser::parse::<wast::Wast<'_>>(&buffer).map_err(parse_error)?;
    let mut plan = plan::plan(text, script.directives, &opts.compile);
    if opts.contiguous_memories {
        plan.job.contiguous_memories();
    }
    for key in &opts.trust {
        plan.job.trust(key.to_bytes());
    }
    Ok(plan)
}

/// Run the plan's job. A board that stops early or times out still has
/// its replies so far judged; the stop itself becomes one more failure.
fn boot(
    name: &str,
    plan: &Plan,
    opts: &WastOptions,
) -> Result<(JobReport, Option<String>), WastError> {
    let run = RunOptions {
        timeout: opts.timeout,
        machine: opts.machine,
        ..RunOptions::default()
    };
    let (report, stop) = match plan.job.run(&run) {
        Ok(r) if r.status == 0 => (r, None),
        Ok(r) => {
            let why = format!("board exited with status {}", r.status);
            (r, Some(why))
        }
        Err(QemuError::Timeout { after, console }) => {
            let why = format!("board timed out after {} s", after.as_secs_f64());
            (plan.job.report(-1, console), Some(why))
        }
        Err(QemuError::Killed { console }) => {
            let why = "QEMU was killed".to_string();
            (plan.job.report(-1, console), Some(why))
        }
        Err(e) => return Err(WastError::Qemu(name.to_string(), e)),
    };
    let stop = stop.map(|why| {
        let tail: Vec<&str> = report.console.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!("{name}: {why}; console ends:\n    {}", tail.join("\n    "))
    });
    Ok((report, stop))
}

fn tally(
    name: &str,
    plan: &Plan,
    replies: &JobReport,
    board_failure: Option<String>,
) -> FileReport {
    let mut report = FileReport {
        name: name.to_string(),
        ..FileReport::default()
    };
    for check in &plan.checks {
        let verdict = match &check.verdict {
            Pending::Decided(v) => v.clone(),
            Pending::Reply { line, want } => verdict::judge(want, replies.result(*line)),
        };
        match verdict {
            Ok(()) => report.passed += 1,
            Err(why) => {
                report.failed += 1;
                report
                    .failures
                    .push(format!("{name}:{}: {}: {why}", check.line, check.directive));
            }
        }
    }
    if let Some(failure) = board_failure {
        report.failed += 1;
        report.failures.push(failure);
    }
    report
}

/// `basalt wast`: run every file, print each failure and a summary to
/// `out`; returns whether everything passed (no failure, no unreadable or
/// unparsable file).
pub fn run_files(paths: &[PathBuf], opts: &WastOptions, out: &mut dyn Write) -> bool {
    let (mut passed, mut failed, mut broken) = (0, 0, 0);
    for path in paths {
        match run_file(path, opts) {
            Ok(report) => {
                for line in &report.failures {
                    let _ = writeln!(out, "{line}");
                }
                if paths.len() > 1 {
                    let _ = writeln!(
                        out,
                        "{}: {} passed, {} failed",
                        report.name, report.passed, report.failed
                    );
                }
                passed += report.passed;
                failed += report.failed;
            }
            Err(e) => {
                let _ = writeln!(out, "error: {e}");
                broken += 1;
            }
        }
    }
    let _ = write!(out, "{passed} passed, {failed} failed");
    if broken > 0 {
        let _ = write!(out, ", {broken} file(s) could not be run");
    }
    let _ = writeln!(out);
    failed == 0 && broken == 0
}
