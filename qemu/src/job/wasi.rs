//! WASI command jobs: `wasi-run` on the board (see `board/src/wasi_job.rs`)
//! and how its console transcript reads back.

use super::{hex_bytes, Job};
use crate::{QemuError, RunOptions};

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
    /// stripped), without the board's final status line.
    pub output: String,
    /// How it ended.
    pub end: WasiEnd,
}

impl WasiReport {
    /// Read a `wasi-run` transcript: the board's status line, if any, is
    /// the last line and starts with `wasi-trap ` or `load-error: `.
    pub fn parse(status: i32, console: String) -> Self {
        let body = console.strip_suffix('\n').unwrap_or(&console);
        let (head, last) = match body.rfind('\n') {
            Some(i) => (&console[..=i], &body[i + 1..]),
            None => ("", body),
        };
        let end = if let Some(rest) = last.strip_prefix("wasi-trap ") {
            let message = rest.split_once(' ').map_or(rest, |(_, m)| m);
            WasiEnd::Trap(message.to_string())
        } else if let Some(message) = last.strip_prefix("load-error: ") {
            WasiEnd::LoadError(message.to_string())
        } else {
            return Self {
                status,
                output: console,
                end: WasiEnd::Exit(status),
            };
        };
        Self {
            status,
            output: head.to_string(),
            end,
        }
    }
}

impl Job {
    /// Run WASI command `artifact` with `args` (`argv[0]` first): the board
    /// calls its `_start` and exits with its exit code.
    pub fn wasi_run<A: AsRef<[u8]>>(artifact: Vec<u8>, args: &[A]) -> Self {
        let mut job = Self::empty();
        let a = job.add_artifact(artifact);
        let mut command = format!("wasi-run {a}");
        for arg in args {
            command.push(' ');
            command.push_str(&hex_bytes(arg.as_ref()));
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
        let job = Job::wasi_run(vec![1], &["app.wasm", "a b", ""]);
        assert_eq!(job.script(), "wasi-run 0 6170702e7761736d 612062 \n");
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
    }
}
