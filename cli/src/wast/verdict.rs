//! Judging a board reply against what a directive expects.

use super::pattern::{show, Pattern};
use basalt::Trap;
use basalt_qemu::Outcome;

/// What a directive expects from the board's reply to one script line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Want {
    /// Success with any results: modules, `register`, standalone actions.
    Success,
    /// `assert_return`: these results.
    Values(Vec<Pattern>),
    /// `assert_trap`: a trap whose message contains this text (the spec's
    /// messages are prefixes or parts of the runtime's, e.g. `unreachable`).
    Trap(String),
    /// `assert_exhaustion`: the stack-overflow trap.
    Exhaustion,
    /// `assert_unlinkable`: a link error like this text.
    Unlinkable(String),
}

/// The two link errors the board reports, as the spec words them.
const LINK_ERRORS: [&str; 2] = ["unknown import", "incompatible import type"];

fn is_link_error(message: &str) -> bool {
    LINK_ERRORS.iter().any(|e| message.contains(e))
}

/// Whether `trap` is the trap the spec words as `expected`. The spec
/// interpreter appends an element index to one message (`uninitialized
/// element 2`) that the runtime cannot know, so a trailing number may be
/// left out of the comparison.
fn trap_matches(trap: Trap, expected: &str) -> bool {
    let message = trap.message();
    message.contains(expected)
        || expected
            .rsplit_once(' ')
            .is_some_and(|(head, index)| index.parse::<u32>().is_ok() && message.contains(head))
}

/// `Ok` if `got` is what `want` asks for, else `expected X, got Y`.
pub(crate) fn judge(want: &Want, got: &Outcome) -> Result<(), String> {
    let pass = match (want, got) {
        (Want::Success, Outcome::Values(_)) => true,
        (Want::Values(pats), Outcome::Values(vals)) => {
            pats.len() == vals.len() && pats.iter().zip(vals).all(|(p, v)| p.matches(v))
        }
        (Want::Trap(message), Outcome::Trap(t)) => trap_matches(*t, message),
        (Want::Exhaustion, Outcome::Trap(t)) => *t == Trap::StackOverflow,
        // Loosely: runtimes word link errors differently, so either text
        // containing the other, or both being link errors, is a match.
        (Want::Unlinkable(message), Outcome::Error(e)) => {
            e.contains(message.as_str())
                || (!e.is_empty() && message.contains(e.as_str()))
                || (is_link_error(e) && is_link_error(message))
        }
        _ => false,
    };
    if pass {
        Ok(())
    } else {
        Err(format!(
            "expected {}, got {}",
            expected(want),
            describe(got)
        ))
    }
}

fn expected(want: &Want) -> String {
    match want {
        Want::Success => "success".into(),
        Want::Values(pats) if pats.is_empty() => "no results".into(),
        Want::Values(pats) => pats
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        Want::Trap(m) => format!("trap {m:?}"),
        Want::Exhaustion => format!("trap {:?}", Trap::StackOverflow.message()),
        Want::Unlinkable(m) => format!("link error {m:?}"),
    }
}

/// A board reply in words.
pub(crate) fn describe(got: &Outcome) -> String {
    match got {
        Outcome::Values(vals) if vals.is_empty() => "success with no results".into(),
        Outcome::Values(vals) => vals.iter().map(show).collect::<Vec<_>>().join(" "),
        Outcome::Trap(t) => format!("trap {:?}", t.message()),
        Outcome::Error(e) => format!("error {e:?}"),
        Outcome::Missing => "no reply from the board".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use basalt_qemu::Value;

    #[test]
    fn values_must_all_match_in_number_and_kind() {
        let want = Want::Values(vec![Pattern::I32(1), Pattern::I64(2)]);
        assert!(judge(&want, &Outcome::Values(vec![Value::I32(1), Value::I64(2)])).is_ok());
        let err = judge(&want, &Outcome::Values(vec![Value::I32(1)])).unwrap_err();
        assert_eq!(
            err,
            "expected (i32.const 1) (i64.const 2), got (i32.const 1)"
        );
        assert!(judge(&want, &Outcome::Trap(Trap::IntegerOverflow)).is_err());
        assert!(judge(&Want::Values(vec![]), &Outcome::Values(vec![])).is_ok());
    }

    #[test]
    fn spec_trap_messages_match_the_runtime() {
        // Every message the Wasm 2.0 suite expects, and the trap it means.
        for (spec, trap) in [
            ("unreachable", Trap::UnreachableCodeReached),
            ("integer divide by zero", Trap::IntegerDivisionByZero),
            ("integer overflow", Trap::IntegerOverflow),
            (
                "invalid conversion to integer",
                Trap::BadConversionToInteger,
            ),
            ("out of bounds memory access", Trap::MemoryOutOfBounds),
            ("out of bounds table access", Trap::TableOutOfBounds),
            ("undefined element", Trap::TableOutOfBounds),
            ("uninitialized element", Trap::IndirectCallToNull),
            ("uninitialized element 2", Trap::IndirectCallToNull),
            ("indirect call type mismatch", Trap::BadSignature),
        ] {
            assert!(
                judge(&Want::Trap(spec.into()), &Outcome::Trap(trap)).is_ok(),
                "{spec}"
            );
        }
        let err = judge(
            &Want::Trap("integer overflow".into()),
            &Outcome::Trap(Trap::IntegerDivisionByZero),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "expected trap \"integer overflow\", got trap \"integer divide by zero\""
        );
        assert!(judge(&Want::Exhaustion, &Outcome::Trap(Trap::StackOverflow)).is_ok());
        assert!(judge(&Want::Exhaustion, &Outcome::Values(vec![])).is_err());
    }

    #[test]
    fn link_errors_compare_loosely() {
        let want = Want::Unlinkable("incompatible import type".into());
        let e = |s: &str| Outcome::Error(s.into());
        assert!(judge(&want, &e("incompatible import type for `spectest`.`f`")).is_ok());
        assert!(judge(&want, &e("unknown import `m`.`g`")).is_ok());
        assert!(judge(&want, &e("import")).is_ok());
        assert!(judge(&want, &e("cannot load artifact: bad magic")).is_err());
        assert!(judge(&want, &Outcome::Values(vec![])).is_err());
        assert!(judge(&want, &Outcome::Trap(Trap::MemoryOutOfBounds)).is_err());
    }

    #[test]
    fn success_takes_any_results_but_no_trap_or_silence() {
        assert!(judge(&Want::Success, &Outcome::Values(vec![Value::I32(3)])).is_ok());
        assert_eq!(
            judge(&Want::Success, &Outcome::Missing).unwrap_err(),
            "expected success, got no reply from the board"
        );
        assert!(judge(&Want::Success, &Outcome::Error("unknown instance".into())).is_err());
    }
}
