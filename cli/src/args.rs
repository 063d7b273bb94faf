//! The command line, declared with clap's derive API: one struct per
//! subcommand, the options several share flattened in from one place, and
//! [`Cli::into_command`] turning a parse into the [`Command`] to execute
//! (the checks clap cannot express become clap errors, so they print and
//! exit 2 like every other bad command line).
//!
//! A new subcommand is a variant of [`Sub`], its struct here, and a
//! [`Command`] variant with its code in `commands.rs`.

use crate::commands::{Command, KeyFiles, RunLimits};
use basalt_cli::wast::WastOptions;
use basalt_compiler::{BoundsChecks, CompileOptions};
use basalt_qemu::Machine;
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Compile WebAssembly ahead of time for aarch64 bare metal and run it on
/// the board under QEMU.
#[derive(Debug, Parser)]
#[command(name = "basalt", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Compile a module (or re-sign an artifact) into a `.bsl` artifact for firmware.
    Compile(CompileCmd),
    /// Compile a module, boot the board and call an export (`--invoke`), or
    /// run a WASI command's `_start` (no `--invoke`).
    ///
    /// With `--invoke` each result is printed on its own line; a trap prints
    /// `error: wasm trap: <reason>` and the Wasm backtrace, and exits 1.
    /// Without it, `_start` gets the file name and the arguments after `--`
    /// as argv, its output streams as it is written, and `basalt` exits with
    /// the program's exit code.
    Run(RunCmd),
    /// Run spec-format `.wast` scripts on the board, one boot per file.
    ///
    /// Prints one line per failed assertion and a summary; exits 1 if
    /// anything failed.
    Wast(WastCmd),
    /// Count the guest instructions of one call, in each bounds-check mode.
    Bench(BenchCmd),
    /// Write an Ed25519 key pair: <NAME>.key (the 32-byte secret seed, mode
    /// 0600) and <NAME>.pub (the 32-byte public key).
    Keygen(KeygenCmd),
    /// Disassemble every compiled function under its Wasm name, with trap
    /// sites, calls and libcalls marked.
    Objdump(ObjdumpCmd),
}

/// Options that decide the code generated.
#[derive(Debug, Args)]
struct CodeFlags {
    /// How linear-memory accesses are checked.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = Bounds::Explicit)]
    bounds_checks: Bounds,
    /// Spectre v1 hardening of bounds and table checks.
    #[arg(long, value_enum, value_name = "on|off", default_value_t = OnOff::On)]
    spectre: OnOff,
}

/// Options that decide how modules are compiled and signed.
#[derive(Debug, Args)]
struct CompileFlags {
    #[command(flatten)]
    code: CodeFlags,
    /// Sign every artifact made with this secret key.
    #[arg(long, value_name = "NAME.key")]
    sign: Option<PathBuf>,
}

/// Interruption: each compiles the module with the matching instrumentation.
#[derive(Debug, Args)]
struct LimitFlags {
    /// Compile with fuel metering and grant N units (prints the fuel left).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Compile with epoch checks and stop the guest after N ms of the board's timer.
    #[arg(long, value_name = "N")]
    timeout_ms: Option<u64>,
}

/// Where the module runs and whom the board trusts.
#[derive(Debug, Args)]
struct BoardFlags {
    /// The board QEMU models.
    #[arg(long, value_name = "virt|raspi3b", value_parser = machine, default_value = "virt")]
    board: Machine,
    /// Run only artifacts signed by this key (repeatable).
    #[arg(long, value_name = "NAME.pub")]
    trust: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct CompileCmd {
    /// A `.wasm`, `.wat` or `.bsl` file.
    input: PathBuf,
    /// The artifact to write.
    #[arg(short, long, value_name = "OUT.bsl")]
    output: PathBuf,
    /// Leave function names out (backtraces then show `<wasm function N>`).
    #[arg(long)]
    strip_names: bool,
    #[command(flatten)]
    compile: CompileFlags,
    #[command(flatten)]
    limits: LimitFlags,
}

#[derive(Debug, Args)]
struct RunCmd {
    /// A `.wasm`, `.wat` or `.bsl` file.
    input: PathBuf,
    /// The export to call, then its arguments (negative numbers allowed).
    #[arg(long, value_name = "EXPORT [ARGS]", num_args = 1.., allow_negative_numbers = true)]
    invoke: Option<Vec<String>>,
    /// Wall-clock limit for QEMU, in seconds.
    #[arg(long, value_name = "SECONDS", value_parser = seconds, default_value = "60")]
    timeout: Duration,
    /// Sample the guest, write folded stacks to this file and rank functions (needs --invoke).
    #[arg(long, value_name = "OUT.folded", requires = "invoke")]
    profile: Option<PathBuf>,
    /// Leave function names out of the artifact.
    #[arg(long)]
    strip_names: bool,
    #[command(flatten)]
    compile: CompileFlags,
    #[command(flatten)]
    limits: LimitFlags,
    #[command(flatten)]
    board: BoardFlags,
    /// A WASI command's arguments (after `--`).
    #[arg(last = true, value_name = "ARGS", conflicts_with = "invoke")]
    program_args: Vec<String>,
}

#[derive(Debug, Args)]
struct WastCmd {
    /// Spec-format scripts.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Wall-clock limit for each file's boot, in seconds.
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    timeout: Option<Duration>,
    #[command(flatten)]
    compile: CompileFlags,
    #[command(flatten)]
    limits: LimitFlags,
    #[command(flatten)]
    board: BoardFlags,
}

#[derive(Debug, Args)]
struct BenchCmd {
    /// A `.wasm` or `.wat` file.
    input: PathBuf,
    /// The export to call, then its arguments.
    #[arg(long, value_name = "EXPORT [ARGS]", num_args = 1.., allow_negative_numbers = true, required = true)]
    invoke: Vec<String>,
    /// The board QEMU models.
    #[arg(long, value_name = "virt|raspi3b", value_parser = machine, default_value = "virt")]
    board: Machine,
}

#[derive(Debug, Args)]
struct ObjdumpCmd {
    /// A `.wasm`, `.wat` or `.bsl` file.
    input: PathBuf,
    #[command(flatten)]
    code: CodeFlags,
    #[command(flatten)]
    limits: LimitFlags,
}

#[derive(Debug, Args)]
struct KeygenCmd {
    /// Path and stem of the two key files.
    name: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Bounds {
    Explicit,
    Guard,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OnOff {
    On,
    Off,
}

fn machine(s: &str) -> Result<Machine, String> {
    s.parse()
}

fn seconds(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs < 1e6 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(format!("`{s}` is not a number of seconds in (0, 1e6)")),
    }
}

impl CompileFlags {
    fn options(&self, limits: &LimitFlags, strip_names: bool) -> CompileOptions {
        self.code.options(limits, strip_names)
    }

    fn keys(&self, trust: Vec<PathBuf>) -> KeyFiles {
        KeyFiles {
            sign: self.sign.clone(),
            trust,
        }
    }
}

impl CodeFlags {
    fn options(&self, limits: &LimitFlags, strip_names: bool) -> CompileOptions {
        let mut options = CompileOptions::default();
        options.settings.bounds_checks = match self.bounds_checks {
            Bounds::Explicit => BoundsChecks::Explicit,
            Bounds::Guard => BoundsChecks::Guard,
        };
        options.settings.spectre = matches!(self.spectre, OnOff::On);
        options.settings.fuel = limits.fuel.is_some();
        options.settings.epoch = limits.timeout_ms.is_some();
        options.strip_names = strip_names;
        options
    }
}

impl LimitFlags {
    fn run_limits(&self, profile: Option<PathBuf>) -> RunLimits {
        RunLimits {
            fuel: self.fuel,
            timeout_ms: self.timeout_ms,
            profile,
        }
    }
}

impl Cli {
    /// The command to execute.
    pub fn into_command(self) -> Result<Command, clap::Error> {
        Ok(match self.command {
            Sub::Compile(c) => Command::Compile {
                options: c.compile.options(&c.limits, c.strip_names),
                keys: c.compile.keys(Vec::new()),
                input: c.input,
                output: c.output,
            },
            Sub::Run(r) => {
                let options = r.compile.options(&r.limits, r.strip_names);
                let keys = r.compile.keys(r.board.trust);
                let limits = r.limits.run_limits(r.profile);
                match r.invoke {
                    Some(invoke) => {
                        let (export, args) = split_invoke(invoke)?;
                        Command::Run {
                            input: r.input,
                            export,
                            args,
                            options,
                            timeout: r.timeout,
                            limits,
                            keys,
                            machine: r.board.board,
                        }
                    }
                    None => Command::RunWasi {
                        input: r.input,
                        args: r.program_args,
                        options,
                        timeout: r.timeout,
                        limits,
                        keys,
                        machine: r.board.board,
                    },
                }
            }
            Sub::Wast(w) => {
                let defaults = WastOptions::default();
                Command::Wast {
                    keys: w.compile.keys(w.board.trust),
                    options: WastOptions {
                        compile: w.compile.options(&w.limits, false),
                        timeout: w.timeout.unwrap_or(defaults.timeout),
                        machine: w.board.board,
                        ..defaults
                    },
                    files: w.files,
                }
            }
            Sub::Bench(b) => {
                let (export, args) = split_invoke(b.invoke)?;
                Command::Bench {
                    input: b.input,
                    export,
                    args,
                    machine: b.board,
                }
            }
            Sub::Keygen(k) => Command::Keygen { name: k.name },
            Sub::Objdump(o) => Command::Objdump {
                options: o.code.options(&o.limits, false),
                input: o.input,
            },
        })
    }
}

/// `--invoke EXPORT ARGS...` as the export and its arguments (clap has
/// already required at least one value).
fn split_invoke(mut values: Vec<String>) -> Result<(String, Vec<String>), clap::Error> {
    if values.is_empty() {
        return Err(Cli::command().error(ErrorKind::InvalidValue, "--invoke needs an export name"));
    }
    let export = values.remove(0);
    Ok((export, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("basalt").chain(s.split_whitespace()))?.into_command()
    }

    fn err(s: &str) -> String {
        p(s).unwrap_err().to_string()
    }

    #[test]
    fn parses_run_with_negative_args() {
        let Command::Run { export, args, .. } = p("run a.wat --invoke f -1 2.5").unwrap() else {
            panic!()
        };
        assert_eq!(export, "f");
        assert_eq!(args, ["-1", "2.5"]);
    }

    #[test]
    fn rejects_bad_command_lines() {
        assert!(p("").is_err());
        assert!(err("compile a.wat").contains("--output"));
        assert!(p("run a.wat -- x").is_ok());
        assert!(err("run a.wat --bogus --invoke f").contains("--bogus"));
        assert!(err("frobnicate a.wat").contains("frobnicate"));
        assert!(err("compile a.wat -o b --bounds-checks=fast").contains("fast"));
        assert!(err("wast").contains("FILES"));
        assert!(p("wast a.wast -o b").is_err());
        assert!(err("run a.wat b.wat --invoke f").contains("b.wat"));
        assert!(err("run a.wat --board pdp11 --invoke f").contains("pdp11"));
        assert!(err("compile a.wat -o b --board virt").contains("--board"));
        assert!(err("run a.wat --timeout -3 --invoke f").contains("-3"));
        // Every one of these is a usage error: clap exits 2 for them.
        for bad in ["", "frobnicate", "compile a.wat", "run a.wat --bogus"] {
            assert_eq!(p(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn parses_wasi_runs() {
        let Command::RunWasi { input, args, .. } =
            p("run app.wasm --timeout 5 -- -v --invoke x").unwrap()
        else {
            panic!()
        };
        assert_eq!(input, PathBuf::from("app.wasm"));
        assert_eq!(args, ["-v", "--invoke", "x"]);
        let Command::RunWasi { args, .. } = p("run app.wasm").unwrap() else {
            panic!()
        };
        assert!(args.is_empty());
    }

    #[test]
    fn parses_wast_with_several_files() {
        let Command::Wast { files, options, .. } = p("wast a.wast --timeout 5 b.wast").unwrap()
        else {
            panic!()
        };
        assert_eq!(files, [PathBuf::from("a.wast"), PathBuf::from("b.wast")]);
        assert_eq!(options.timeout, Duration::from_secs(5));
        let Command::Wast { options, .. } = p("wast a.wast").unwrap() else {
            panic!()
        };
        assert_eq!(options.timeout, WastOptions::default().timeout);
    }

    #[test]
    fn parses_profile_and_strip_names() {
        let Command::Run { limits, args, .. } =
            p("run a.wat --invoke f 1 --profile out.folded").unwrap()
        else {
            panic!()
        };
        assert_eq!(limits.profile, Some(PathBuf::from("out.folded")));
        assert_eq!(args, ["1"]);
        assert!(err("run a.wat --profile x").contains("--invoke"));
        assert!(p("run a.wat --invoke f --profile").is_err());
        let Command::Compile { options, .. } = p("compile a.wat -o b --strip-names").unwrap()
        else {
            panic!()
        };
        assert!(options.strip_names);
    }

    #[test]
    fn parses_keys_spectre_and_limits() {
        let Command::Run {
            options,
            keys,
            limits,
            ..
        } = p(
            "run a.bsl --spectre off --trust a.pub --trust b.pub --sign k.key --fuel 9 --invoke f",
        )
        .unwrap()
        else {
            panic!()
        };
        assert!(!options.settings.spectre);
        assert!(options.settings.fuel && !options.settings.epoch);
        assert_eq!(limits.fuel, Some(9));
        assert_eq!(keys.trust, [PathBuf::from("a.pub"), PathBuf::from("b.pub")]);
        assert_eq!(keys.sign, Some(PathBuf::from("k.key")));
        let Command::Keygen { name } = p("keygen release").unwrap() else {
            panic!()
        };
        assert_eq!(name, PathBuf::from("release"));
        assert!(p("keygen a -o b").is_err());
        assert!(err("compile a.wat -o b --trust k.pub").contains("--trust"));
        assert!(p("bench a.wat --sign k.key --invoke f").is_err());
        assert!(err("run a.wat --spectre=sometimes --invoke f").contains("sometimes"));
        let Command::Compile { options, .. } =
            p("compile a.wat -o b --bounds-checks guard --timeout-ms 5").unwrap()
        else {
            panic!()
        };
        assert_eq!(options.settings.bounds_checks, BoundsChecks::Guard);
        assert!(options.settings.epoch);
    }

    #[test]
    fn the_declaration_is_consistent() {
        Cli::command().debug_assert();
    }
}
