//! Reading the board's replies: one `#<line> ...` line per script command.

use super::value::Value;
use basalt::{FrameInfo, Trap, WasmBacktrace};
use std::collections::BTreeMap;

/// What one command came back with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `ok`, with the results (none for `instantiate` and `register`).
    Values(Vec<Value>),
    /// The command trapped (an invoke, or a start function or segment
    /// during `instantiate`).
    Trap(Trap),
    /// The command was refused: unknown export, wrong arguments, artifact
    /// refused, link error... (also a reply the host cannot read).
    Error(String),
    /// The board printed nothing for it (it stopped first, or the command
    /// has no reply).
    Missing,
}

/// The board's answer to a job.
#[derive(Clone, Debug)]
pub struct JobReport {
    /// QEMU's exit status (the board's).
    pub status: i32,
    /// Everything the board printed.
    pub console: String,
    /// One outcome per invoke (on any instance), in the order they were added.
    pub outcomes: Vec<Outcome>,
    /// One outcome per script line, indexed by the line numbers the `Job`
    /// methods return.
    pub results: Vec<Outcome>,
    /// What the board printed as `load-error:` (an `instantiate!` failed).
    pub load_error: Option<String>,
    /// The backtrace of each trapping line, by line.
    pub backtraces: BTreeMap<usize, WasmBacktrace>,
    /// Folded stacks (`outer;inner`) and sample counts of a
    /// `profile-report`, and the samples it dropped.
    pub profile: Vec<(String, u64)>,
    /// Samples the profiler's buffer could not hold.
    pub profile_dropped: u64,
}

impl JobReport {
    /// The outcome of script line `line` (`Missing` past the end).
    pub fn result(&self, line: usize) -> &Outcome {
        self.results.get(line).unwrap_or(&Outcome::Missing)
    }

    /// The backtrace of line `line`'s trap (empty if it has none).
    pub fn backtrace(&self, line: usize) -> WasmBacktrace {
        self.backtraces.get(&line).cloned().unwrap_or_default()
    }

    /// Parse `console` for a script of `lines` lines whose invokes sit on
    /// the lines `invokes`. Replies for lines outside the script and lines
    /// that are not replies (the board's own chatter, `spectest` prints) are
    /// ignored; when the board answers a line twice, the first answer counts.
    pub(crate) fn parse(status: i32, console: String, lines: usize, invokes: &[usize]) -> Self {
        let mut results = vec![Outcome::Missing; lines];
        let mut load_error = None;
        let mut frames: BTreeMap<usize, (Vec<FrameInfo>, bool)> = BTreeMap::new();
        let mut profile = Vec::new();
        let mut profile_dropped = 0;
        for text in console.lines() {
            if let Some(extra) = parse_extra(text) {
                match extra {
                    Extra::Frame(line, f) => frames.entry(line).or_default().0.push(f),
                    Extra::Truncated(line) => frames.entry(line).or_default().1 = true,
                    Extra::Profile(stack, count) => profile.push((stack, count)),
                    Extra::Dropped(n) => profile_dropped = n,
                }
            } else if let Some(message) = text.strip_prefix("load-error: ") {
                load_error.get_or_insert_with(|| message.to_string());
            } else if let Some((line, outcome)) = parse_reply(text) {
                if let Some(slot @ Outcome::Missing) = results.get_mut(line) {
                    *slot = outcome;
                }
            }
        }
        let outcomes = invokes.iter().map(|&l| results[l].clone()).collect();
        let backtraces = frames
            .into_iter()
            .map(|(line, (f, truncated))| (line, WasmBacktrace::new(f, truncated)))
            .collect();
        JobReport {
            status,
            console,
            outcomes,
            results,
            load_error,
            backtraces,
            profile,
            profile_dropped,
        }
    }
}

/// Lines that accompany a reply: backtrace frames and profile stacks.
enum Extra {
    Frame(usize, FrameInfo),
    Truncated(usize),
    Profile(String, u64),
    Dropped(u64),
}

/// `#<line> frame <index> <offset|-> <hex module|-> <hex name|->`,
/// `#<line> frames-truncated`, `#<line> profile <count> <hex stack>` or
/// `#<line> profile-dropped <count>`.
fn parse_extra(text: &str) -> Option<Extra> {
    let (number, rest) = text.strip_prefix('#')?.split_once(' ')?;
    let line: usize = number.parse().ok()?;
    let mut words = rest.split(' ');
    let optional_hex = |w: &str| -> Option<Option<String>> {
        if w == "-" {
            Some(None)
        } else {
            unhex(w).map(Some)
        }
    };
    Some(match words.next()? {
        "frame" => {
            let func_index = words.next()?.parse().ok()?;
            let offset = words.next()?;
            let module_offset = if offset == "-" {
                None
            } else {
                Some(u32::from_str_radix(offset, 16).ok()?)
            };
            let module_name = optional_hex(words.next()?)?;
            let func_name = optional_hex(words.next()?)?;
            Extra::Frame(
                line,
                FrameInfo {
                    func_index,
                    func_name,
                    module_name,
                    module_offset,
                },
            )
        }
        "frames-truncated" => Extra::Truncated(line),
        "profile" => {
            let count = words.next()?.parse().ok()?;
            Extra::Profile(unhex(words.next()?)?, count)
        }
        "profile-dropped" => Extra::Dropped(words.next()?.parse().ok()?),
        _ => return None,
    })
}

use basalt_protocol::hex::decode_str as unhex;

/// `#<line> ok <vals>`, `#<line> trap <code> <message>` or
/// `#<line> error <message>`; `None` for anything else.
fn parse_reply(text: &str) -> Option<(usize, Outcome)> {
    let (number, rest) = text.strip_prefix('#')?.split_once(' ')?;
    let line = number.parse().ok()?;
    let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let unreadable = || Outcome::Error(format!("unreadable reply from the board: {text:?}"));
    let outcome = match kind {
        "ok" => rest
            .split_ascii_whitespace()
            .map(Value::from_word)
            .collect::<Option<_>>()
            .map_or_else(unreadable, Outcome::Values),
        "trap" => {
            let (code, message) = rest.split_once(' ').unwrap_or((rest, ""));
            match code.parse().ok().and_then(Trap::from_u8) {
                Some(trap) => Outcome::Trap(trap),
                None => Outcome::Error(format!("trap with unknown code {code}: {message}")),
            }
        }
        "error" => Outcome::Error(rest.to_string()),
        _ => return None,
    };
    Some((line, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRANSCRIPT: &str = "\
basalt-virt: booting
#0 ok
spectest: print_i32 7
#1 ok i32:0x2a f64:0x3ff8000000000000
#2 trap 7 integer divide by zero
#3 error unknown export \"nope\"
#4 ok funcref:null externref:2a funcref:40001000
#4 ok i32:1
#5 ok i32:
#6 trap 99 something new
#6 frame 3 2a 6d -
#6 frame 1 - - 6f75746572
#6 frames-truncated
#7 weird
#99 ok i32:1
";

    #[test]
    fn replies_are_filed_by_line() {
        let r = JobReport::parse(0, TRANSCRIPT.into(), 9, &[1, 2, 8]);
        assert_eq!(r.results.len(), 9);
        assert_eq!(r.result(0), &Outcome::Values(vec![]));
        assert_eq!(
            r.result(1),
            &Outcome::Values(vec![Value::I32(42), Value::F64(1.5f64.to_bits())])
        );
        assert_eq!(r.result(2), &Outcome::Trap(Trap::IntegerDivisionByZero));
        assert_eq!(
            r.result(3),
            &Outcome::Error("unknown export \"nope\"".into())
        );
        // The first answer counts.
        assert_eq!(
            r.result(4),
            &Outcome::Values(vec![
                Value::FuncRef(None),
                Value::ExternRef(Some(42)),
                Value::FuncRef(Some(0x4000_1000)),
            ])
        );
        assert!(matches!(r.result(5), Outcome::Error(e) if e.contains("unreadable")));
        assert!(matches!(r.result(6), Outcome::Error(e) if e.contains("unknown code 99")));
        let bt = r.backtrace(6);
        assert!(bt.truncated());
        assert_eq!(
            bt.frames(),
            [
                FrameInfo {
                    func_index: 3,
                    func_name: None,
                    module_name: Some("m".into()),
                    module_offset: Some(0x2a),
                },
                FrameInfo {
                    func_index: 1,
                    func_name: Some("outer".into()),
                    module_name: None,
                    module_offset: None,
                },
            ]
        );
        assert_eq!(
            bt.to_string(),
            "wasm backtrace:\n    0:   0x2a - m!<wasm function 3>\n    1: <unknown>!outer\n  ... older frames not recorded (limit 64)\n"
        );
        assert!(r.backtrace(2).frames().is_empty());
        assert_eq!(r.result(7), &Outcome::Missing);
        assert_eq!(r.result(8), &Outcome::Missing);
        assert_eq!(r.result(99), &Outcome::Missing);
        assert_eq!(
            r.outcomes,
            vec![r.result(1).clone(), r.result(2).clone(), Outcome::Missing]
        );
        assert_eq!(r.load_error, None);
    }

    #[test]
    fn load_errors_are_kept() {
        let console = "#0 error cannot load artifact: bad magic\nload-error: cannot load artifact: bad magic\n";
        let r = JobReport::parse(3, console.into(), 2, &[1]);
        assert_eq!(
            r.load_error.as_deref(),
            Some("cannot load artifact: bad magic")
        );
        assert_eq!(r.outcomes, vec![Outcome::Missing]);
        assert_eq!(r.status, 3);
    }
}
