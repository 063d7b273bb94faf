//! Reading the board's replies: one `#<line> ...` line per script command.

use super::value::Value;
use basalt::Trap;

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
}

impl JobReport {
    /// The outcome of script line `line` (`Missing` past the end).
    pub fn result(&self, line: usize) -> &Outcome {
        self.results.get(line).unwrap_or(&Outcome::Missing)
    }

    /// Parse `console` for a script of `lines` lines whose invokes sit on
    /// the lines `invokes`. Replies for lines outside the script and lines
    /// that are not replies (the board's own chatter, `spectest` prints) are
    /// ignored; when the board answers a line twice, the first answer counts.
    pub(crate) fn parse(status: i32, console: String, lines: usize, invokes: &[usize]) -> Self {
        let mut results = vec![Outcome::Missing; lines];
        let mut load_error = None;
        for text in console.lines() {
            if let Some(message) = text.strip_prefix("load-error: ") {
                load_error.get_or_insert_with(|| message.to_string());
            } else if let Some((line, outcome)) = parse_reply(text) {
                if let Some(slot @ Outcome::Missing) = results.get_mut(line) {
                    *slot = outcome;
                }
            }
        }
        let outcomes = invokes.iter().map(|&l| results[l].clone()).collect();
        JobReport {
            status,
            console,
            outcomes,
            results,
            load_error,
        }
    }
}

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
