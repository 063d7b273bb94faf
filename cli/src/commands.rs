//! The commands, once the command line is parsed (see `args.rs`).

use basalt::artifact::{self, ExportKind, PublicKey, ValType};
use basalt_cli::wast;
use basalt_cli::wast::WastOptions;
use basalt_compiler::{compile, BoundsChecks, CompileOptions};
use basalt_qemu::{Job, Machine, Outcome, RunOptions, Value, WasiEnd, WasiLimits};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// A parsed command line.
#[derive(Debug)]
pub enum Command {
    Compile {
        input: PathBuf,
        output: PathBuf,
        options: CompileOptions,
        keys: KeyFiles,
    },
    Run {
        input: PathBuf,
        export: String,
        args: Vec<String>,
        options: CompileOptions,
        timeout: Duration,
        limits: RunLimits,
        keys: KeyFiles,
        machine: Machine,
    },
    Wast {
        files: Vec<PathBuf>,
        options: WastOptions,
        keys: KeyFiles,
    },
    /// `run` without `--invoke`: a WASI command.
    RunWasi {
        input: PathBuf,
        args: Vec<String>,
        options: CompileOptions,
        timeout: Duration,
        limits: RunLimits,
        keys: KeyFiles,
        machine: Machine,
    },
    Keygen {
        name: PathBuf,
    },
    Objdump {
        input: PathBuf,
        options: CompileOptions,
    },
    Bench {
        input: PathBuf,
        export: String,
        args: Vec<String>,
        machine: Machine,
    },
}

/// Key files named on the command line, read when the command runs.
#[derive(Debug, Default)]
pub struct KeyFiles {
    /// `--sign <name.key>`: sign every artifact with this secret key.
    pub sign: Option<PathBuf>,
    /// `--trust <name.pub>`: the board runs only artifacts signed by these.
    pub trust: Vec<PathBuf>,
}

impl KeyFiles {
    /// Read the files: `options` gains the signing key; returns the trusted keys.
    fn load(&self, options: &mut CompileOptions) -> Result<Vec<PublicKey>, String> {
        if let Some(path) = &self.sign {
            options.sign =
                Some(basalt_compiler::read_signing_key(path).map_err(|e| e.to_string())?);
        }
        self.trust
            .iter()
            .map(|p| basalt_compiler::read_public_key(p).map_err(|e| e.to_string()))
            .collect()
    }
}

/// Interruption asked for on the command line (each compiles the module
/// with the matching instrumentation).
#[derive(Debug, Default, Clone)]
pub struct RunLimits {
    /// `--fuel N`: fuel granted to the call.
    pub fuel: Option<u64>,
    /// `--timeout-ms N`: epoch deadline in milliseconds of the board's timer.
    pub timeout_ms: Option<u64>,
    /// `--profile FILE`: where to write the folded stacks of a profile.
    pub profile: Option<PathBuf>,
}

fn parse_arg(text: &str, ty: ValType) -> Result<Value, String> {
    let bad = || format!("cannot parse `{text}` as {ty}");
    Ok(match ty {
        ValType::I32 => Value::I32(match text.parse::<i32>() {
            Ok(v) => v,
            Err(_) => text.parse::<u32>().map_err(|_| bad())? as i32,
        }),
        ValType::I64 => Value::I64(match text.parse::<i64>() {
            Ok(v) => v,
            Err(_) => text.parse::<u64>().map_err(|_| bad())? as i64,
        }),
        ValType::F32 => Value::F32(text.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Value::F64(text.parse::<f64>().map_err(|_| bad())?.to_bits()),
        other => {
            return Err(format!(
                "parameters of type {other} cannot be given on the command line"
            ))
        }
    })
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// An artifact from a file: used as is if it is one (signed, or re-signed,
/// when `options` has a key), compiled otherwise.
fn artifact_for(input: &PathBuf, options: &CompileOptions) -> Result<Vec<u8>, String> {
    let bytes = read(input)?;
    if bytes.starts_with(&artifact::MAGIC) {
        return match &options.sign {
            Some(key) => key
                .sign(&bytes)
                .map_err(|e| format!("{}: cannot sign: {e}", input.display())),
            None => Ok(bytes),
        };
    }
    compile(&bytes, options).map_err(|e| format!("{}: {e}", input.display()))
}

/// Compile (unless given an artifact) and check `export` and its arguments.
fn prepare(
    input: &PathBuf,
    export: &str,
    args: &[String],
    options: &CompileOptions,
) -> Result<(Vec<u8>, Vec<Value>), String> {
    let bytes = artifact_for(input, options)?;
    let a = artifact::read(&bytes).map_err(|e| format!("{}: {e}", input.display()))?;
    let meta = &a.metadata;
    let func = meta.exports.iter().find_map(|e| match e.kind {
        ExportKind::Func(i) if e.name == export => Some(i),
        _ => None,
    });
    let Some(func) = func else {
        let names: Vec<&str> = meta
            .exports
            .iter()
            .filter(|e| matches!(e.kind, ExportKind::Func(_)))
            .map(|e| e.name.as_str())
            .collect();
        return Err(format!(
            "no exported function `{export}` (exported functions: {})",
            names.join(", ")
        ));
    };
    // `func` is an index into the whole function space (imports first).
    let ty = meta
        .func_type_index(func)
        .and_then(|t| meta.types.get(t.index()))
        .ok_or_else(|| format!("{}: export `{export}` has no signature", input.display()))?;
    if args.len() != ty.params.len() {
        return Err(format!(
            "`{export}` takes {} argument(s), {} given",
            ty.params.len(),
            args.len()
        ));
    }
    let vals = args
        .iter()
        .zip(&ty.params)
        .map(|(a, &t)| parse_arg(a, t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((bytes, vals))
}

/// The CLI's knobs for one `run --invoke`.
struct RunSpec<'a> {
    export: &'a str,
    args: &'a [String],
    timeout: Duration,
    limits: RunLimits,
    trusted: &'a [PublicKey],
    machine: Machine,
}

fn run(input: &PathBuf, options: &CompileOptions, spec: RunSpec<'_>) -> Result<ExitCode, String> {
    let RunSpec {
        export,
        args,
        timeout,
        limits,
        trusted,
        machine,
    } = spec;
    let (bytes, vals) = prepare(input, export, args, options)?;
    let mut job = Job::empty();
    for key in trusted {
        job.trust(key.to_bytes());
    }
    let artifact = job.add_artifact(bytes);
    if let Some(fuel) = limits.fuel {
        job.set_fuel(fuel);
    }
    if let Some(ms) = limits.timeout_ms {
        job.epoch_timer(1000);
        job.epoch_deadline(ms);
    }
    job.instantiate_required(artifact, 0);
    if limits.profile.is_some() {
        job.profile_start(PROFILE_PERIOD_US);
    }
    let call = job.invoke_on(0, export, &vals);
    let profile_line = limits.profile.as_ref().map(|_| job.profile_report());
    let fuel_line = limits.fuel.map(|_| job.get_fuel());
    let report = job
        .run(&RunOptions {
            timeout,
            // A profile counts guest instructions, the same on every run.
            icount: limits.profile.is_some(),
            machine,
            ..RunOptions::default()
        })
        .map_err(|e| e.to_string())?;
    if let Some(e) = &report.load_error {
        return Err(e.clone());
    }
    if let (Some(path), Some(line)) = (&limits.profile, profile_line) {
        if let Outcome::Error(e) = report.result(line) {
            return Err(format!("profiler: {e}"));
        }
        write_profile(path, &report.profile, report.profile_dropped)?;
    }
    match report.outcomes.first() {
        Some(Outcome::Values(vals)) if report.status == 0 => {
            for v in vals {
                println!("{v}");
            }
            if let Some(Outcome::Values(left)) = fuel_line.map(|l| report.result(l).clone()) {
                eprintln!("remaining fuel: {}", left[0]);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Outcome::Trap(t)) => {
            eprintln!("error: wasm trap: {t}");
            eprint!("{}", report.backtrace(call));
            Ok(ExitCode::FAILURE)
        }
        Some(Outcome::Error(e)) => Err(e.clone()),
        _ => Err(format!(
            "the board stopped with status {}:\n{}",
            report.status, report.console
        )),
    }
}

/// Sampling period of `--profile`: 50 µs of guest time, i.e. one sample
/// per 50 000 instructions under -icount.
const PROFILE_PERIOD_US: u64 = 50;

/// Functions `--profile` lists on stderr.
const PROFILE_TOP: usize = 10;

/// Write the folded stacks to `path` and print the functions that were
/// running (the innermost frame of each sample) with their share.
fn write_profile(path: &PathBuf, stacks: &[(String, u64)], dropped: u64) -> Result<(), String> {
    let folded: String = stacks.iter().map(|(s, n)| format!("{s} {n}\n")).collect();
    std::fs::write(path, folded).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let total: u64 = stacks.iter().map(|(_, n)| n).sum();
    let mut own: std::collections::BTreeMap<&str, u64> = Default::default();
    for (stack, n) in stacks {
        let leaf = stack.rsplit(';').next().unwrap_or(stack);
        *own.entry(leaf).or_default() += n;
    }
    let mut top: Vec<(&str, u64)> = own.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    eprintln!(
        "profile: {total} samples (every {PROFILE_PERIOD_US} us of guest time) written to {}",
        path.display()
    );
    if dropped > 0 {
        eprintln!("profile: {dropped} samples dropped (sample buffer full)");
    }
    for (name, n) in top.iter().take(PROFILE_TOP) {
        eprintln!(
            "{:>7.2}%  {n:>8}  {name}",
            100.0 * *n as f64 / total.max(1) as f64
        );
    }
    Ok(())
}

/// Guest instructions per clock tick under `-icount` (the board's contract).
const INSTRUCTIONS_PER_TICK: i64 = basalt_protocol::INSTRUCTIONS_PER_TICK as i64;

/// Run one call in each bounds-check mode under `-icount` and print the
/// guest instructions it took (the clock read around an empty command is
/// subtracted).
fn bench(
    input: &PathBuf,
    export: &str,
    args: &[String],
    machine: Machine,
) -> Result<ExitCode, String> {
    println!(
        "{:<10} {:>16} {:>20}",
        "mode", "result", "guest instructions"
    );
    let mut counts = Vec::new();
    for mode in [BoundsChecks::Explicit, BoundsChecks::Guard] {
        let mut options = CompileOptions::default();
        options.settings.bounds_checks = mode;
        let (bytes, vals) = prepare(input, export, args, &options)?;
        let mut job = Job::empty();
        let a = job.add_artifact(bytes);
        job.instantiate_required(a, 0);
        let t0 = job.ticks();
        let t1 = job.ticks();
        let call = job.invoke(export, &vals);
        let t2 = job.ticks();
        let report = job
            .run(&RunOptions {
                icount: true,
                timeout: Duration::from_secs(600),
                machine,
                ..RunOptions::default()
            })
            .map_err(|e| e.to_string())?;
        if let Some(e) = &report.load_error {
            return Err(e.clone());
        }
        let tick = |line| match report.result(line) {
            Outcome::Values(v) => match v.first() {
                Some(Value::I64(t)) => Ok(*t),
                _ => Err("malformed clock reading".to_string()),
            },
            other => Err(format!("clock reading failed: {other:?}")),
        };
        let (t0, t1, t2) = (tick(t0)?, tick(t1)?, tick(t2)?);
        let result = match &report.outcomes[call] {
            Outcome::Values(v) => v
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            other => return Err(format!("{export} failed: {other:?}")),
        };
        let instructions = ((t2 - t1) - (t1 - t0)) * INSTRUCTIONS_PER_TICK;
        let name = if mode == BoundsChecks::Guard {
            "guard"
        } else {
            "explicit"
        };
        println!("{name:<10} {result:>16} {instructions:>20}");
        counts.push(instructions);
    }
    if counts[0] > 0 {
        println!("guard/explicit: {:.3}", counts[1] as f64 / counts[0] as f64);
    }
    Ok(ExitCode::SUCCESS)
}

/// `basalt run app.wasm [-- args...]`: call the WASI command's `_start` on
/// the board with `argv = [file name, args...]`, echoing its output as it
/// arrives, and exit with its exit code (a trap exits 1, as `--invoke`;
/// `--fuel` and `--timeout-ms` work as there too).
fn run_wasi(
    input: &PathBuf,
    args: &[String],
    options: &CompileOptions,
    timeout: Duration,
    limits: RunLimits,
    trusted: &[PublicKey],
    machine: Machine,
) -> Result<ExitCode, String> {
    let bytes = artifact_for(input, options)?;
    let name = input.file_name().unwrap_or(input.as_os_str());
    let mut argv = vec![name.to_string_lossy().into_owned()];
    argv.extend(args.iter().cloned());
    let opts = RunOptions {
        timeout,
        echo: true,
        machine,
        ..RunOptions::default()
    };
    let limits = WasiLimits {
        fuel: limits.fuel,
        timeout_ms: limits.timeout_ms,
    };
    let mut job = Job::wasi_run(bytes, &argv, limits);
    for key in trusted {
        job.trust(key.to_bytes());
    }
    let report = job.run_wasi(&opts).map_err(|e| e.to_string())?;
    if let Some(left) = report.fuel_left {
        eprintln!("remaining fuel: {left}");
    }
    match report.end {
        WasiEnd::Exit(code) => Ok(ExitCode::from(code as u8)),
        WasiEnd::Trap(message) => {
            eprintln!("error: wasm trap: {message}");
            Ok(ExitCode::FAILURE)
        }
        WasiEnd::LoadError(e) => Err(e),
    }
}

/// Run a parsed command; errors print and exit 1.
pub fn execute(cmd: Command) -> ExitCode {
    let result = match cmd {
        Command::Compile {
            input,
            output,
            mut options,
            keys,
        } => keys
            .load(&mut options)
            .and_then(|_| artifact_for(&input, &options))
            .and_then(|bytes| {
                std::fs::write(&output, bytes)
                    .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
                Ok(ExitCode::SUCCESS)
            }),
        Command::Run {
            input,
            export,
            args,
            mut options,
            timeout,
            limits,
            keys,
            machine,
        } => keys.load(&mut options).and_then(|trusted| {
            let spec = RunSpec {
                export: &export,
                args: &args,
                timeout,
                limits,
                trusted: &trusted,
                machine,
            };
            run(&input, &options, spec)
        }),
        Command::Bench {
            input,
            export,
            args,
            machine,
        } => bench(&input, &export, &args, machine),
        Command::RunWasi {
            input,
            args,
            mut options,
            timeout,
            limits,
            keys,
            machine,
        } => keys.load(&mut options).and_then(|trusted| {
            run_wasi(&input, &args, &options, timeout, limits, &trusted, machine)
        }),
        Command::Wast {
            files,
            mut options,
            keys,
        } => keys.load(&mut options.compile).map(|trusted| {
            options.trust = trusted;
            let passed = wast::run_files(&files, &options, &mut std::io::stdout().lock());
            if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }),
        Command::Objdump { input, options } => artifact_for(&input, &options).and_then(|bytes| {
            let text = basalt_compiler::objdump::disassemble(&bytes)
                .map_err(|e| format!("{}: {e}", input.display()))?;
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }),
        Command::Keygen { name } => basalt_compiler::keygen(&name)
            .map(|(secret, public)| {
                println!(
                    "wrote {} (secret seed, mode 0600: keep it private) and {}",
                    secret.display(),
                    public.display()
                );
                ExitCode::SUCCESS
            })
            .map_err(|e| e.to_string()),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_typed_arguments() {
        assert_eq!(parse_arg("-5", ValType::I32), Ok(Value::I32(-5)));
        assert_eq!(parse_arg("4294967295", ValType::I32), Ok(Value::I32(-1)));
        assert_eq!(
            parse_arg("1.5", ValType::F64),
            Ok(Value::F64(1.5f64.to_bits()))
        );
        assert!(parse_arg("x", ValType::I64).is_err());
    }
}
