//! Command-line parsing and the three commands.

use basalt::artifact::{self, ExportKind, ValType};
use basalt_compiler::wast::{self, WastOptions};
use basalt_compiler::{compile, BoundsChecks, CompileOptions};
use basalt_qemu::{Job, Outcome, RunOptions, Value};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

pub const USAGE: &str = "\
usage:
  basalt compile <in.wasm|in.wat> -o <out.bsl> [--bounds-checks=explicit]
  basalt run <in.wasm|in.wat|in.bsl> --invoke <export> [args...] [--timeout <seconds>]
  basalt wast <script.wast>... [--timeout <seconds>]

`run` compiles the module (unless given an artifact), boots the basalt-virt
board under qemu-system-aarch64, calls the export and prints each result on
its own line. A trap prints `error: wasm trap: <reason>` and exits 1.

`wast` runs spec-format test scripts, one board boot per file (default
timeout 120 s each), prints one line per failed assertion and a summary, and
exits 1 if anything failed.";

/// A parsed command line.
#[derive(Debug)]
pub enum Command {
    Compile {
        input: PathBuf,
        output: PathBuf,
        options: CompileOptions,
    },
    Run {
        input: PathBuf,
        export: String,
        args: Vec<String>,
        options: CompileOptions,
        timeout: Duration,
    },
    Wast {
        files: Vec<PathBuf>,
        options: WastOptions,
    },
}

fn bounds_checks(v: &str) -> Result<BoundsChecks, String> {
    match v {
        "explicit" => Ok(BoundsChecks::Explicit),
        "guard" => Ok(BoundsChecks::Guard),
        other => Err(format!(
            "unknown bounds-check mode `{other}` (explicit or guard)"
        )),
    }
}

/// Parse arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Command, String> {
    let (sub, rest) = args.split_first().ok_or("missing command")?;
    let mut input = None;
    let mut output = None;
    let mut export = None;
    let mut invoke_args = Vec::new();
    let mut inputs = Vec::new();
    let mut options = CompileOptions::default();
    let mut timeout = None;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "-o" | "--output" => output = Some(PathBuf::from(value(a)?)),
            "--invoke" => export = Some(value(a)?),
            "--timeout" => {
                let v = value(a)?;
                let secs: f64 = v.parse().map_err(|_| format!("bad --timeout `{v}`"))?;
                if !(secs > 0.0 && secs < 1e6) {
                    return Err(format!("bad --timeout `{v}`"));
                }
                timeout = Some(Duration::from_secs_f64(secs));
            }
            "--bounds-checks" => options.settings.bounds_checks = bounds_checks(&value(a)?)?,
            s if s.starts_with("--bounds-checks=") => {
                options.settings.bounds_checks = bounds_checks(&s["--bounds-checks=".len()..])?
            }
            s if export.is_some() => invoke_args.push(s.to_string()),
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option `{s}`")),
            s if input.is_none() => input = Some(PathBuf::from(s)),
            s if sub == "wast" => inputs.push(PathBuf::from(s)),
            s => return Err(format!("unexpected argument `{s}`")),
        }
    }
    let input = input.ok_or("missing input file")?;
    match sub.as_str() {
        "wast" => {
            if output.is_some() || export.is_some() {
                return Err("`basalt wast` takes no -o or --invoke".into());
            }
            inputs.insert(0, input);
            let defaults = WastOptions::default();
            Ok(Command::Wast {
                files: inputs,
                options: WastOptions {
                    compile: options,
                    timeout: timeout.unwrap_or(defaults.timeout),
                },
            })
        }
        "compile" => {
            if export.is_some() {
                return Err("--invoke belongs to `basalt run`".into());
            }
            Ok(Command::Compile {
                input,
                output: output.ok_or("missing -o <out>")?,
                options,
            })
        }
        "run" => Ok(Command::Run {
            input,
            export: export.ok_or("missing --invoke <export>")?,
            args: invoke_args,
            options,
            timeout: timeout.unwrap_or(Duration::from_secs(60)),
        }),
        other => Err(format!("unknown command `{other}`")),
    }
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

/// An artifact from a file: used as is if it is one, compiled otherwise.
fn artifact_for(input: &PathBuf, options: &CompileOptions) -> Result<Vec<u8>, String> {
    let bytes = read(input)?;
    if bytes.starts_with(&artifact::MAGIC) {
        return Ok(bytes);
    }
    compile(&bytes, options).map_err(|e| format!("{}: {e}", input.display()))
}

fn run(
    input: &PathBuf,
    export: &str,
    args: &[String],
    options: &CompileOptions,
    timeout: Duration,
) -> Result<ExitCode, String> {
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
    let ty = &meta.types[meta.funcs[func as usize].type_index as usize];
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
    let mut job = Job::new(bytes);
    job.invoke(export, &vals);
    let report = job
        .run(&RunOptions {
            timeout,
            ..RunOptions::default()
        })
        .map_err(|e| e.to_string())?;
    if let Some(e) = &report.load_error {
        return Err(e.clone());
    }
    match report.outcomes.first() {
        Some(Outcome::Values(vals)) if report.status == 0 => {
            for v in vals {
                println!("{v}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Outcome::Trap(t)) => {
            eprintln!("error: wasm trap: {t}");
            Ok(ExitCode::FAILURE)
        }
        Some(Outcome::Error(e)) => Err(e.clone()),
        _ => Err(format!(
            "the board stopped with status {}:\n{}",
            report.status, report.console
        )),
    }
}

/// Run a parsed command; errors print and exit 1.
pub fn execute(cmd: Command) -> ExitCode {
    let result = match cmd {
        Command::Compile {
            input,
            output,
            options,
        } => artifact_for(&input, &options).and_then(|bytes| {
            std::fs::write(&output, bytes)
                .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
            Ok(ExitCode::SUCCESS)
        }),
        Command::Run {
            input,
            export,
            args,
            options,
            timeout,
        } => run(&input, &export, &args, &options, timeout),
        Command::Wast { files, options } => {
            let passed = wast::run_files(&files, &options, &mut std::io::stdout().lock());
            Ok(if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Command, String> {
        parse(&s.split_whitespace().map(String::from).collect::<Vec<_>>())
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
        assert!(p("compile a.wat").unwrap_err().contains("-o"));
        assert!(p("run a.wat").unwrap_err().contains("--invoke"));
        assert!(p("run a.wat --bogus --invoke f")
            .unwrap_err()
            .contains("--bogus"));
        assert!(p("frobnicate a.wat").unwrap_err().contains("frobnicate"));
        assert!(p("compile a.wat -o b --bounds-checks=fast")
            .unwrap_err()
            .contains("fast"));
        assert!(p("wast").unwrap_err().contains("missing input"));
        assert!(p("wast a.wast -o b").is_err());
        assert!(p("run a.wat b.wat --invoke f")
            .unwrap_err()
            .contains("b.wat"));
    }

    #[test]
    fn parses_wast_with_several_files() {
        let Command::Wast { files, options } = p("wast a.wast --timeout 5 b.wast").unwrap() else {
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
