//! Jobs: the artifacts plus a script of commands for the board's job runner,
//! and the parsed report of what the board printed (see `board/src/runner/job.rs`).
//!
//! Payload: a postcard-encoded `basalt_protocol::Payload` (the artifacts,
//! the public keys the board's engine trusts and the UTF-8 script). Script
//! lines are numbered from 0; the board prefixes every reply with
//! `#<line> `. Names travel hex-encoded ([`basalt_protocol::hex`]) so any
//! UTF-8 name (spaces, the empty name) survives the trip.

mod report;
mod value;
mod wasi;

pub use report::{JobReport, Outcome};
pub use value::Value;
pub use wasi::{WasiEnd, WasiLimits, WasiReport, WASI_STATUS_PREFIXES};

use crate::{run_job, QemuError, RunOptions};
use basalt_protocol::{hex, Payload};

/// What to run on the board.
#[derive(Clone, Debug, Default)]
pub struct Job {
    artifacts: Vec<Vec<u8>>,
    script: String,
    /// Lines in `script`.
    lines: usize,
    /// The script lines of the invokes, in order ([`JobReport::outcomes`]).
    invokes: Vec<usize>,
    /// Ed25519 public keys the board's engine trusts (none: it runs any
    /// artifact).
    trusted: Vec<[u8; 32]>,
}

impl Job {
    /// A job with no artifacts and an empty script.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The single-module job: `artifact` as artifact 0, instantiated as
    /// instance 0 with `instantiate!`, so a failure stops the board with
    /// `load-error:` and status 3 (it lands in [`JobReport::load_error`]).
    pub fn new(artifact: Vec<u8>) -> Self {
        let mut job = Self::empty();
        let a = job.add_artifact(artifact);
        job.instantiate_required(a, 0);
        job
    }

    /// Instantiate like [`Job::instantiate`], but a failure stops the board
    /// with `load-error:` and status 3; returns the line.
    pub fn instantiate_required(&mut self, artifact: usize, inst: u32) -> usize {
        self.command(format!("instantiate! {artifact} {inst}"))
    }

    /// Add an artifact to the payload; returns its index for
    /// [`Job::instantiate`].
    pub fn add_artifact(&mut self, bytes: Vec<u8>) -> usize {
        self.artifacts.push(bytes);
        self.artifacts.len() - 1
    }

    /// Instantiate artifact `artifact` as instance `inst` (against the
    /// `spectest` module and everything registered so far); returns the line.
    pub fn instantiate(&mut self, artifact: usize, inst: u32) -> usize {
        self.command(format!("instantiate {artifact} {inst}"))
    }

    /// Make instance `inst`'s exports importable as module `name`; returns
    /// the line.
    pub fn register(&mut self, name: &str, inst: u32) -> usize {
        self.command(format!("register {} {inst}", hex_name(name)))
    }

    /// Call export `name` of instance 0 with `args`; returns the outcome's
    /// index in [`JobReport::outcomes`].
    pub fn invoke(&mut self, name: &str, args: &[Value]) -> usize {
        self.invoke_on(0, name, args);
        self.invokes.len() - 1
    }

    /// Call export `name` of instance `inst` with `args`; returns the line.
    pub fn invoke_on(&mut self, inst: u32, name: &str, args: &[Value]) -> usize {
        let mut command = format!("invoke {inst} {}", hex_name(name));
        for a in args {
            command.push(' ');
            command.push_str(&a.to_word());
        }
        let line = self.command(command);
        self.invokes.push(line);
        line
    }

    /// Read exported global `name` of instance `inst`; returns the line.
    pub fn get(&mut self, inst: u32, name: &str) -> usize {
        self.command(format!("get {inst} {}", hex_name(name)))
    }

    /// Ask the board to check the `VMContext` layout it was built with;
    /// returns the line (the board answers with `layout ...` lines, not `#`).
    pub fn check_layout(&mut self) -> usize {
        self.command("layout".into())
    }

    /// Ask the board to write into instance 0's code (W^X must stop it);
    /// returns the line.
    pub fn poke_code(&mut self) -> usize {
        self.command("poke-code 0".into())
    }

    /// Grant `fuel` units to the store (fuel-metered artifacts); returns the line.
    pub fn set_fuel(&mut self, fuel: u64) -> usize {
        self.command(format!("fuel {fuel}"))
    }

    /// Read the board's clock (`CNTVCT_EL0`; under `-icount shift=0` one
    /// tick is 16 guest instructions); the reply is one `i64` value.
    pub fn ticks(&mut self) -> usize {
        self.command("ticks".into())
    }

    /// Counter values (`CNTVCT_EL0`) of the last epoch tick and of the last
    /// Wasm trap; the reply is two `i64` values.
    pub fn last_tick_and_trap(&mut self) -> usize {
        self.command("last-tick-and-trap".into())
    }

    /// Ask for the store's remaining fuel; the reply is one `i64` value.
    pub fn get_fuel(&mut self) -> usize {
        self.command("get-fuel".into())
    }

    /// Start the board's epoch timer, one epoch per `period_us`
    /// microseconds; returns the line.
    pub fn epoch_timer(&mut self, period_us: u64) -> usize {
        self.command(format!("epoch-timer {period_us}"))
    }

    /// Let epoch-checked code run `delta` more epochs; returns the line.
    pub fn epoch_deadline(&mut self, delta: u64) -> usize {
        self.command(format!("epoch-deadline {delta}"))
    }

    /// Start the board's sampling profiler, one sample per `period_us`
    /// microseconds of guest time; returns the line.
    pub fn profile_start(&mut self, period_us: u64) -> usize {
        self.command(format!("profile-start {period_us}"))
    }

    /// Stop the profiler; its stacks land in [`JobReport::profile`].
    /// Returns the line.
    pub fn profile_report(&mut self) -> usize {
        self.command("profile-report".into())
    }

    /// Give memories contiguous arena backing instead of guard pages (as on
    /// a board without an MMU). Applies to the whole job wherever it appears.
    pub fn contiguous_memories(&mut self) -> usize {
        self.command("option contiguous-memories".into())
    }

    /// Make the board's engine run only artifacts signed by `key` (or by
    /// another key given here), for the whole job, wherever it is called.
    pub fn trust(&mut self, key: [u8; 32]) {
        self.trusted.push(key);
    }

    /// Any other command line (e.g. the board's `bench-*` commands); returns
    /// the line, whose reply [`JobReport::result`] gives.
    pub fn command_line(&mut self, text: &str) -> usize {
        self.command(text.to_string())
    }

    /// The script as the board will read it.
    pub fn script(&self) -> &str {
        &self.script
    }

    /// The payload the board's job runner reads.
    pub fn encode(&self) -> Vec<u8> {
        self.payload().to_body()
    }

    /// The typed payload.
    pub fn payload(&self) -> Payload<'_> {
        Payload {
            artifacts: self.artifacts.iter().map(Vec::as_slice).collect(),
            trusted: self.trusted.clone(),
            script: &self.script,
        }
    }

    /// Boot the board with this job and parse what it printed.
    pub fn run(&self, opts: &RunOptions) -> Result<JobReport, QemuError> {
        let out = run_job(&self.encode(), opts)?;
        Ok(self.report(out.status, out.console))
    }

    /// Parse a console transcript of this job (e.g. one cut short by a
    /// timeout) into a report.
    pub fn report(&self, status: i32, console: String) -> JobReport {
        JobReport::parse(status, console, self.lines, &self.invokes)
    }

    fn command(&mut self, text: String) -> usize {
        debug_assert!(!text.contains('\n'));
        self.script.push_str(&text);
        self.script.push('\n');
        self.lines += 1;
        self.lines - 1
    }
}

/// A name's UTF-8 bytes in hex (empty for the empty name).
fn hex_name(name: &str) -> String {
    hex::encode(name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_artifacts_then_script() {
        let mut job = Job::empty();
        assert_eq!(job.add_artifact(vec![1, 2, 3]), 0);
        assert_eq!(job.add_artifact(vec![]), 1);
        assert_eq!(job.instantiate(0, 7), 0);
        assert_eq!(job.register("M 1", 7), 1);
        assert_eq!(
            job.invoke_on(7, "f", &[Value::I32(-1), Value::ExternRef(None)]),
            2
        );
        assert_eq!(job.invoke_on(7, "", &[Value::F32(0x7fc0_0000)]), 3);
        assert_eq!(job.get(7, "g"), 4);
        let script = "instantiate 0 7\nregister 4d2031 7\ninvoke 7 66 i32:ffffffff externref:null\ninvoke 7  f32:7fc00000\nget 7 67\n";
        assert_eq!(job.script(), script);
        let payload = job.encode();
        let blob = basalt_protocol::frame(&payload);
        let back = Payload::from_blob(&blob).unwrap();
        assert_eq!(back.artifacts, [&[1, 2, 3][..], &[][..]]);
        assert!(back.trusted.is_empty());
        assert_eq!(back.script, script);
    }

    #[test]
    fn trusted_keys_travel_outside_the_script() {
        let mut job = Job::new(vec![7]);
        job.trust([0xab; 32]);
        assert_eq!(job.invoke("f", &[]), 0);
        assert_eq!(job.script(), "instantiate! 0 0\ninvoke 0 66\n");
        let blob = basalt_protocol::frame(&job.encode());
        let back = Payload::from_blob(&blob).unwrap();
        assert_eq!(back.trusted, [[0xab; 32]]);
        assert_eq!(back.artifacts, [&[7][..]]);
        assert_eq!(back.script, job.script());
    }

    #[test]
    fn single_module_jobs_keep_their_shape() {
        let mut job = Job::new(vec![9]);
        assert_eq!(job.invoke("add", &[Value::I32(1), Value::I64(2)]), 0);
        assert_eq!(job.check_layout(), 2);
        assert_eq!(job.invoke("add", &[]), 1);
        assert_eq!(job.poke_code(), 4);
        assert_eq!(
            job.script(),
            "instantiate! 0 0\ninvoke 0 616464 i32:1 i64:2\nlayout\ninvoke 0 616464\npoke-code 0\n"
        );
        let r = job.report(101, "#0 ok\n#1 ok i32:3\nlayout ok 40\n".into());
        assert_eq!(
            r.outcomes,
            vec![Outcome::Values(vec![Value::I32(3)]), Outcome::Missing]
        );
        assert_eq!(r.result(0), &Outcome::Values(vec![]));
    }
}
