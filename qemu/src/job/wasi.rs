//! WASI command jobs: `wasi-run` on the board (see `board/src/runner/wasi_job.rs`)
//! and how its console transcript reads back.

use super::Job;
use crate::{QemuError, RunOptions};
use basalt_protocol::hex;

/// How a WASI program ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WasiEnd {
    /// `proc_exit(code)` or 0 when `_start` returned (QEMU passes the low
    /// 8 bits on, as a Unix process status does).
    Exit(i32),
    /// The program trapped; the message is the trap's (e.g. `integer
    /// divide by zero`).
    Trap(String),
    /// The artifact could not be loaded or linked.
    LoadError(String),
}

/// A finished WASI run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WasiReport {
    /// The board's exit status.
    pub status: i32,
    /// What the program wrote to stdout and stderr, in order (`\r`
    /// stripped), without the board's final status lines.
    pub output: String,
    /// How it ended.
    pub end: WasiEnd,
    /// Fuel left at the end, when the run was given fuel.
    pub fuel_left: Option<u64>,
}

/// Interruption for a WASI run, as `basalt run --fuel/--timeout-ms` give
/// it (the artifact must be compiled with the matching instrumentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WasiLimits {
    /// Fuel granted to `_start`.
    pub fuel: Option<u64>,
    /// Epoch deadline in milliseconds of the board's timer (one epoch per
    /// millisecond).
    pub timeout_ms: Option<u64>,
}

/// Status lines the board ends a WASI run with; the console echo hides
/// them (they are for the parser, not the user).
pub const WASI_STATUS_PREFIXES: [&str; 2] = ["wasi-trap ", "wasi-fuel "];

impl WasiReport {
    /// Read a `wasi-run` transcript: the board's status lines, if any, end
    /// it: `wasi-trap <code> <message>` or `load-error: <message>`, then
    /// `wasi-fuel <n>` when the run was given fuel.
    pub fn parse(status: i32, console: String) -> Self {
        let mut body = console.as_str();
        let mut fuel_left = None;
        if let Some((head, last)) = last_line(body) {
            if let Some(n) = last.strip_prefix("wasi-fuel ") {
                fuel_left = n.trim().parse().ok();
                body = head;
            }
        }
        let (head, end) = match last_line(body) {
            Some((head, last)) => match last.strip_prefix("wasi-trap ") {
                Some(rest) => {
                    let message = rest.split_once(' ').map_or(rest, |(_, m)| m);
                    (head, WasiEnd::Trap(message.to_string()))
                }
                None => match last.strip_prefix("load-error: ") {
                    Some(message) => (head, WasiEnd::LoadError(message.to_string())),
                    None => (body, WasiEnd::Exit(status)),
                },
            },
            None => (body, WasiEnd::Exit(status)),
        };
        Self {
            status,
            output: head.to_string(),
            end,
            fuel_left,
        }
    }
}

/// `text` split before its last line: (everything before, the last line
/// without its newline); `None` when empty.
fn last_line(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return None;
    }
    Some(match body.rfind('\n') {
        Some(i) => (&text[..=i], &body[i + 1..]),
        None => ("", body),
    })
}

impl Job {
    /// Run WASI command `artifact` with `args` (`argv[0]` first) under
    /// `limits`: the board calls its `_start` and exits with its exit code.
    pub fn wasi_run<A: AsRef<[u8]>>(artifact: Vec<u8>, args: &[A], limits: WasiLimits) -> Self {
        let mut job = Self::empty();
        let a = job.add_artifact(artifact);
        let mut command = format!("wasi-run {a}");
        if let Some(fuel) = limits.fuel {
            command.push_str(&format!(" fuel={fuel}"));
        }
        if let Some(ms) = limits.timeout_ms {
            command.push_str(&format!(" timeout-ms={ms}"));
        }
        for arg in args {
            command.push(' ');
            command.push_str(&hex::encode(arg.as_ref()));
        }
        job.command(command);
        job
    }

    /// Boot the board with a [`Job::wasi_run`] job; with `opts.echo` the
    /// program's output streams to our stdout line by line as it arrives.
    pub fn run_wasi(&self, opts: &RunOptions) -> Result<WasiReport, QemuError> {
        let out = crate::run_job(&self.encode(), opts)?;
        Ok(WasiReport::parse(out.status, out.console))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_hex_arguments() {
        let job = Job::wasi_run(vec![1], &["app.wasm", "a b", ""], WasiLimits::default());
        assert_eq!(job.script(), "wasi-run 0 6170702e7761736d 612062 \n");
        let limits = WasiLimits {
            fuel: Some(5),
            timeout_ms: Some(20),
        };
        let job = Job::wasi_run(vec![1], &["a"], limits);
        assert_eq!(job.script(), "wasi-run 0 fuel=5 timeout-ms=20 61\n");
    }

    #[test]
    fn reads_exit_trap_and_load_error() {
        let r = WasiReport::parse(7, "hello\nworld\n".into());
        assert_eq!(
            (r.output.as_str(), r.end),
            ("hello\nworld\n", WasiEnd::Exit(7))
        );
        let r = WasiReport::parse(134, "partial\nwasi-trap 7 integer divide by zero\n".into());
        assert_eq!(r.output, "partial\n");
        assert_eq!(r.end, WasiEnd::Trap("integer divide by zero".into()));
        let r = WasiReport::parse(3, "load-error: unknown import: `a::b`\n".into());
        assert_eq!(r.end, WasiEnd::LoadError("unknown import: `a::b`".into()));
        let r = WasiReport::parse(
            134,
            "out\nwasi-trap 9 all fuel consumed\nwasi-fuel 0\n".into(),
        );
        assert_eq!(
            (r.output.as_str(), r.end, r.fuel_left),
            ("out\n", WasiEnd::Trap("all fuel consumed".into()), Some(0))
        );
        let r = WasiReport::parse(0, "hi\nwasi-fuel 12\n".into());
        assert_eq!(
            (r.output.as_str(), r.end, r.fuel_left),
            ("hi\n", WasiEnd::Exit(0), Some(12))
        );
    }
}
