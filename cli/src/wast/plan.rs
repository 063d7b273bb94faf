//! Turning a wast script into one board job plus the checks to make on the
//! board's replies.
//!
//! Everything the host can decide (whether a module compiles, whether a
//! value can be sent at all) is decided here, so a job holds only commands
//! whose replies matter. Instances are numbered in script order; a module
//! that does not compile leaves a placeholder so actions on it fail with the
//! reason instead of hitting whatever instance came before it.

use super::pattern::{arg, ret};
use super::verdict::Want;
use basalt_compiler::{compile, CompileError, CompileOptions};
use basalt_qemu::Job;
use std::collections::HashMap;
use std::fmt;
use wast::token::{Id, Span};
use wast::{QuoteWat, WastDirective, WastExecute, WastInvoke, Wat};

/// One assertion (or module, or action) of the script.
#[derive(Debug)]
pub(crate) struct Check {
    /// 1-based line of the directive in the wast file.
    pub line: usize,
    /// The directive's keyword, for failure lines.
    pub directive: &'static str,
    pub verdict: Pending,
}

/// How a check is decided.
#[derive(Debug)]
pub(crate) enum Pending {
    /// On the host already: `Err` holds the failure text.
    Decided(Result<(), String>),
    /// By the board's reply to job line `line`.
    Reply { line: usize, want: Want },
}

/// The job for a whole file and the checks on its replies, in file order.
#[derive(Debug)]
pub(crate) struct Plan {
    pub job: Job,
    pub checks: Vec<Check>,
    /// Whether any check waits for the board (else there is nothing to run).
    pub needs_board: bool,
}

/// Why a module gave no artifact.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The text did not parse or encode.
    Text(String),
    /// The compiler refused the binary.
    Compile(CompileError),
    /// Outside what `basalt wast` handles (components).
    Unsupported(&'static str),
}

impl Refusal {
    /// Whether this counts as rejecting an invalid or malformed module: a
    /// text or validation error does; "not supported yet" or a compiler bug
    /// says nothing about the module.
    fn is_rejection(&self) -> bool {
        matches!(
            self,
            Refusal::Text(_)
                | Refusal::Compile(CompileError::Text(_) | CompileError::Invalid { .. })
        )
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Text(m) => write!(f, "text error: {m}"),
            Refusal::Compile(e) => write!(f, "{e}"),
            Refusal::Unsupported(what) => write!(f, "{what} not supported"),
        }
    }
}

fn compile_wat(wat: &mut Wat<'_>, opts: &CompileOptions) -> Result<Vec<u8>, Refusal> {
    if matches!(wat, Wat::Component(_)) {
        return Err(Refusal::Unsupported("components are"));
    }
    let binary = wat.encode().map_err(|e| Refusal::Text(e.message()))?;
    compile(&binary, opts).map_err(Refusal::Compile)
}

fn compile_quote(module: &mut QuoteWat<'_>, opts: &CompileOptions) -> Result<Vec<u8>, Refusal> {
    match module {
        QuoteWat::Wat(wat) => compile_wat(wat, opts),
        QuoteWat::QuoteComponent(..) => Err(Refusal::Unsupported("components are")),
        QuoteWat::QuoteModule(..) => {
            let binary = module.encode().map_err(|e| Refusal::Text(e.message()))?;
            compile(&binary, opts).map_err(Refusal::Compile)
        }
    }
}

/// An instance number, or why the module behind a name has none.
type Instance = Result<u32, String>;

/// Line numbers from byte offsets, without rescanning the file each time.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines(starts)
    }

    fn of(&self, span: Span) -> usize {
        self.0.partition_point(|&start| start <= span.offset())
    }
}

struct Builder<'o> {
    opts: &'o CompileOptions,
    job: Job,
    checks: Vec<Check>,
    next_instance: u32,
    /// The latest module instantiated by a module directive.
    current: Option<Instance>,
    named: HashMap<String, Instance>,
    /// `(module definition $M ...)`: artifact index, or why there is none.
    definitions: HashMap<String, Result<usize, String>>,
    last_definition: Option<Result<usize, String>>,
    /// The directive being planned.
    line: usize,
    directive: &'static str,
}

/// Plan `directives` (parsed from `text`) as one job.
pub(crate) fn plan(text: &str, directives: Vec<WastDirective<'_>>, opts: &CompileOptions) -> Plan {
    let lines = Lines::new(text);
    let mut b = Builder {
        opts,
        job: Job::empty(),
        checks: Vec::new(),
        next_instance: 0,
        current: None,
        named: HashMap::new(),
        definitions: HashMap::new(),
        last_definition: None,
        line: 0,
        directive: "",
    };
    for d in directives {
        b.line = lines.of(d.span());
        b.directive = keyword(&d);
        b.directive(d);
    }
    let needs_board = b
        .checks
        .iter()
        .any(|c| matches!(c.verdict, Pending::Reply { .. }));
    Plan {
        job: b.job,
        checks: b.checks,
        needs_board,
    }
}

fn keyword(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
    }
}

impl Builder<'_> {
    fn decide(&mut self, verdict: Result<(), String>) {
        self.checks.push(Check {
            line: self.line,
            directive: self.directive,
            verdict: Pending::Decided(verdict),
        });
    }

    fn expect(&mut self, line: usize, want: Want) {
        self.checks.push(Check {
            line: self.line,
            directive: self.directive,
            verdict: Pending::Reply { line, want },
        });
    }

    fn fresh_instance(&mut self) -> u32 {
        self.next_instance += 1;
        self.next_instance - 1
    }

    fn directive(&mut self, d: WastDirective<'_>) {
        match d {
            WastDirective::Module(mut module) => {
                let name = module.name();
                let instance = match compile_quote(&mut module, self.opts) {
                    Ok(artifact) => {
                        let a = self.job.add_artifact(artifact);
                        Ok(self.instantiate(a, Want::Success))
                    }
                    Err(e) => Err(self.not_compiled(e)),
                };
                self.set_current(name, instance);
            }
            WastDirective::ModuleDefinition(mut module) => {
                let artifact = match compile_quote(&mut module, self.opts) {
                    Ok(artifact) => {
                        self.decide(Ok(()));
                        Ok(self.job.add_artifact(artifact))
                    }
                    Err(e) => Err(self.not_compiled(e)),
                };
                if let Some(id) = module.name() {
                    self.definitions
                        .insert(id.name().to_string(), artifact.clone());
                }
                self.last_definition = Some(artifact);
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let definition = match module {
                    Some(id) => self.definitions.get(id.name()).cloned(),
                    None => self.last_definition.clone(),
                };
                let instance_of = match definition {
                    Some(Ok(a)) => Ok(self.instantiate(a, Want::Success)),
                    Some(Err(why)) => {
                        self.decide(Err(format!("cannot instantiate: {why}")));
                        Err(why)
                    }
                    None => {
                        let why = "no such module definition".to_string();
                        self.decide(Err(why.clone()));
                        Err(why)
                    }
                };
                self.set_current(instance, instance_of);
            }
            WastDirective::Register { name, module, .. } => match self.instance(module) {
                Ok(i) => {
                    let line = self.job.register(name, i);
                    self.expect(line, Want::Success);
                }
                Err(why) => self.decide(Err(format!("cannot register: {why}"))),
            },
            WastDirective::Invoke(invoke) => self.invoke(&invoke, Want::Success),
            WastDirective::AssertReturn {
                mut exec, results, ..
            } => match results.iter().map(ret).collect::<Result<Vec<_>, _>>() {
                Ok(patterns) => self.execute(&mut exec, Want::Values(patterns)),
                Err(why) => self.decide(Err(format!("cannot check: {why}"))),
            },
            WastDirective::AssertTrap {
                mut exec, message, ..
            } => self.execute(&mut exec, Want::Trap(message.to_string())),
            WastDirective::AssertExhaustion { call, .. } => self.invoke(&call, Want::Exhaustion),
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => self.uninstantiable(&mut module, Want::Unlinkable(message.to_string())),
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => self.refused(&mut module, "invalid", message),
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => self.refused(&mut module, "malformed", message),
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. }
            | WastDirective::AssertException { .. }
            | WastDirective::AssertSuspension { .. }
            | WastDirective::Thread(_)
            | WastDirective::Wait { .. } => self.decide(Err(format!(
                "`{}` is beyond Wasm 2.0 and not supported",
                self.directive
            ))),
        }
    }

    /// Record a module that should have compiled; returns the reason later
    /// actions on it give.
    fn not_compiled(&mut self, e: Refusal) -> String {
        self.decide(Err(format!("expected a module that compiles, got {e}")));
        format!("the module at line {} did not compile", self.line)
    }

    fn instantiate(&mut self, artifact: usize, want: Want) -> u32 {
        let i = self.fresh_instance();
        let line = self.job.instantiate(artifact, i);
        self.expect(line, want);
        i
    }

    fn set_current(&mut self, name: Option<Id<'_>>, instance: Instance) {
        if let Some(id) = name {
            self.named.insert(id.name().to_string(), instance.clone());
        }
        self.current = Some(instance);
    }

    fn instance(&self, name: Option<Id<'_>>) -> Instance {
        match name {
            Some(id) => self
                .named
                .get(id.name())
                .cloned()
                .unwrap_or_else(|| Err(format!("no module ${}", id.name()))),
            None => self
                .current
                .clone()
                .unwrap_or_else(|| Err("no module defined yet".into())),
        }
    }

    fn execute(&mut self, exec: &mut WastExecute<'_>, want: Want) {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(invoke, want),
            WastExecute::Get { module, global, .. } => match self.instance(*module) {
                Ok(i) => {
                    let line = self.job.get(i, global);
                    self.expect(line, want);
                }
                Err(why) => self.decide(Err(format!("cannot get {global:?}: {why}"))),
            },
            WastExecute::Wat(wat) => self.uninstantiable(wat, want),
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>, want: Want) {
        let prepared = self.instance(invoke.module).and_then(|i| {
            let args = invoke.args.iter().map(arg).collect::<Result<Vec<_>, _>>()?;
            Ok((i, args))
        });
        match prepared {
            Ok((i, args)) => {
                let line = self.job.invoke_on(i, invoke.name, &args);
                self.expect(line, want);
            }
            Err(why) => self.decide(Err(format!("cannot invoke {:?}: {why}", invoke.name))),
        }
    }

    /// A module that must compile and then fail to instantiate as `want`
    /// says; it never becomes the current module.
    fn uninstantiable(&mut self, wat: &mut Wat<'_>, want: Want) {
        match compile_wat(wat, self.opts) {
            Ok(artifact) => {
                let a = self.job.add_artifact(artifact);
                self.instantiate(a, want);
            }
            Err(e) => {
                self.not_compiled(e);
            }
        }
    }

    /// `assert_invalid` / `assert_malformed`: decided on the host.
    fn refused(&mut self, module: &mut QuoteWat<'_>, kind: &str, message: &str) {
        let verdict = match compile_quote(module, self.opts) {
            Err(e) if e.is_rejection() => Ok(()),
            Err(e) => Err(format!("expected {kind} module ({message:?}), got {e}")),
            Ok(_) => Err(format!(
                "expected {kind} module ({message:?}), got a module that compiles"
            )),
        };
        self.decide(verdict);
    }
}
