//! Jobs: an artifact plus a script of commands for the board's job runner,
//! and the parsed report of what the board printed (see `board/src/job.rs`).

use crate::{run_job, QemuError, RunOptions};
use basalt::{Trap, Val};
use std::fmt::Write;

/// What to run on the board.
#[derive(Clone, Debug, Default)]
pub struct Job {
    artifact: Vec<u8>,
    script: String,
    commands: usize,
}

/// What one `invoke` came back with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The results.
    Values(Vec<Val>),
    /// The call trapped.
    Trap(Trap),
    /// The call was refused (unknown export, wrong arguments...).
    Error(String),
    /// The board printed nothing for it (it stopped first).
    Missing,
}

/// The board's answer to a job.
#[derive(Clone, Debug)]
pub struct JobReport {
    /// QEMU's exit status (the board's).
    pub status: i32,
    /// Everything the board printed.
    pub console: String,
    /// One outcome per `invoke`, in order.
    pub outcomes: Vec<Outcome>,
    /// Why the artifact was not loaded or instantiated, if it was not.
    pub load_error: Option<String>,
}

impl Job {
    /// A job that loads and instantiates `artifact`.
    pub fn new(artifact: Vec<u8>) -> Self {
        Self {
            artifact,
            ..Self::default()
        }
    }

    /// Call export `name` with `args`; returns the outcome's index.
    pub fn invoke(&mut self, name: &str, args: &[Val]) -> usize {
        self.script.push_str("invoke ");
        for b in name.as_bytes() {
            let _ = write!(self.script, "{b:02x}");
        }
        for a in args {
            let _ = match a {
                Val::I32(v) => write!(self.script, " i32:{:x}", *v as u32),
                Val::I64(v) => write!(self.script, " i64:{:x}", *v as u64),
                Val::F32(b) => write!(self.script, " f32:{b:x}"),
                Val::F64(b) => write!(self.script, " f64:{b:x}"),
            };
        }
        self.script.push('\n');
        self.commands += 1;
        self.commands - 1
    }

    /// Ask the board to check the `VMContext` layout it was built with.
    pub fn check_layout(&mut self) {
        self.script.push_str("layout\n");
        self.commands += 1;
    }

    /// Ask the board to write into the loaded code (W^X must stop it).
    pub fn poke_code(&mut self) {
        self.script.push_str("poke-code\n");
        self.commands += 1;
    }

    /// The payload the board's job runner reads.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = (self.artifact.len() as u32).to_le_bytes().to_vec();
        out.extend_from_slice(&self.artifact);
        out.extend_from_slice(self.script.as_bytes());
        out
    }

    /// Boot the board with this job and parse what it printed.
    pub fn run(&self, opts: &RunOptions) -> Result<JobReport, QemuError> {
        let out = run_job(&self.encode(), opts)?;
        let mut report = JobReport {
            status: out.status,
            console: out.console,
            outcomes: Vec::new(),
            load_error: None,
        };
        let mut by_line: Vec<(usize, Outcome)> = Vec::new();
        for line in report.console.lines() {
            if let Some(rest) = line
                .strip_prefix("load-error: ")
                .or_else(|| line.strip_prefix("instantiate-error: "))
            {
                report.load_error = Some(rest.to_string());
            } else if let Some(parsed) = parse_outcome(line) {
                by_line.push(parsed);
            }
        }
        // Outcomes are numbered by script line; invokes are numbered in order.
        let invoke_lines: Vec<usize> = self
            .script
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with("invoke "))
            .map(|(n, _)| n)
            .collect();
        report.outcomes = invoke_lines
            .iter()
            .map(|n| {
                by_line
                    .iter()
                    .find(|(m, _)| m == n)
                    .map(|(_, o)| o.clone())
                    .unwrap_or(Outcome::Missing)
            })
            .collect();
        Ok(report)
    }
}

fn parse_val(word: &str) -> Option<Val> {
    let (ty, bits) = word.split_once(':')?;
    let bits = u64::from_str_radix(bits.trim_start_matches("0x"), 16).ok()?;
    Some(match ty {
        "i32" => Val::I32(bits as u32 as i32),
        "i64" => Val::I64(bits as i64),
        "f32" => Val::F32(bits as u32),
        "f64" => Val::F64(bits),
        _ => return None,
    })
}

fn parse_outcome(line: &str) -> Option<(usize, Outcome)> {
    let rest = line.strip_prefix('#')?;
    let (n, rest) = rest.split_once(' ')?;
    let n = n.parse().ok()?;
    let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let outcome = match kind {
        "ok" => Outcome::Values(
            rest.split_ascii_whitespace()
                .map(parse_val)
                .collect::<Option<_>>()?,
        ),
        "trap" => Outcome::Trap(Trap::from_u8(rest.split(' ').next()?.parse().ok()?)?),
        "error" => Outcome::Error(rest.to_string()),
        _ => return None,
    };
    Some((n, outcome))
}
