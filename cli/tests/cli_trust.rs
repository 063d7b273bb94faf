//! The `basalt` command line end to end: `keygen`, `compile --sign`,
//! `run --trust` (on the board) for `--invoke` and for WASI commands, and
//! `--spectre=on|off` recorded in the artifact header.

use basalt::artifact;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn basalt(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs basalt")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A fresh directory with `fib.wat` and a WASI command that exits with 7.
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("basalt-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::copy(root.join("examples/fib.wat"), dir.join("fib.wat")).unwrap();
    std::fs::write(
        dir.join("exit7.wat"),
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (func (export "_start") (call $exit (i32.const 7))))"#,
    )
    .unwrap();
    dir
}

const UNSIGNED: &str =
    "error: cannot load artifact: artifact is not signed, and this engine runs only signed artifacts";
const UNTRUSTED: &str =
    "error: cannot load artifact: artifact is signed by a key this engine does not trust";

#[test]
fn signed_artifacts_run_and_others_are_refused() {
    let dir = workdir("sign");
    let out = basalt(&["keygen", "dev"], &dir);
    assert!(out.status.success(), "{}", text(&out));
    assert!(dir.join("dev.key").exists() && dir.join("dev.pub").exists());
    // keygen never overwrites.
    let out = basalt(&["keygen", "dev"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(basalt(&["keygen", "other"], &dir).status.success());

    let out = basalt(
        &["compile", "fib.wat", "-o", "fib.bsl", "--sign", "dev.key"],
        &dir,
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = basalt(&["compile", "fib.wat", "-o", "plain.bsl"], &dir);
    assert!(out.status.success(), "{}", text(&out));
    // An existing artifact is signed as it is.
    let out = basalt(
        &[
            "compile",
            "plain.bsl",
            "-o",
            "resigned.bsl",
            "--sign",
            "dev.key",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", text(&out));
    let signed = std::fs::read(dir.join("fib.bsl")).unwrap();
    assert_eq!(signed, std::fs::read(dir.join("resigned.bsl")).unwrap());

    let run = |file: &str, key: &str| {
        basalt(
            &["run", file, "--trust", key, "--invoke", "fib", "20"],
            &dir,
        )
    };
    let out = run("fib.bsl", "dev.pub");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "6765\n");
    // Several keys: any of them will do.
    let out = basalt(
        &[
            "run",
            "fib.bsl",
            "--trust",
            "other.pub",
            "--trust",
            "dev.pub",
            "--invoke",
            "fib",
            "10",
        ],
        &dir,
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "55\n",
        "{}",
        text(&out)
    );
    for (file, key, error) in [
        ("plain.bsl", "dev.pub", UNSIGNED),
        ("fib.wat", "dev.pub", UNSIGNED),
        ("fib.bsl", "other.pub", UNTRUSTED),
    ] {
        let out = run(file, key);
        assert_eq!(out.status.code(), Some(1), "{file}: {}", text(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim_end(),
            error,
            "{file}"
        );
    }
    // Compiled and signed in one go.
    let out = basalt(
        &[
            "run", "fib.wat", "--sign", "dev.key", "--trust", "dev.pub", "--invoke", "fib", "7",
        ],
        &dir,
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "13\n",
        "{}",
        text(&out)
    );
    // Bad key files and misplaced flags.
    std::fs::write(dir.join("junk.pub"), b"not a key").unwrap();
    let out = run("fib.bsl", "junk.pub");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("expected 32 raw bytes, found 9"),
        "{}",
        text(&out)
    );
    let out = basalt(
        &["compile", "fib.wat", "-o", "x.bsl", "--trust", "dev.pub"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wasi_commands_obey_trust_too() {
    let dir = workdir("wasi");
    assert!(basalt(&["keygen", "k"], &dir).status.success());
    let out = basalt(
        &["run", "exit7.wat", "--sign", "k.key", "--trust", "k.pub"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    let out = basalt(&["run", "exit7.wat", "--trust", "k.pub"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim_end(), UNSIGNED);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn spectre_setting_is_recorded_in_the_header() {
    let dir = workdir("spectre");
    for (flag, on) in [
        (None, true),
        (Some("--spectre=on"), true),
        (Some("--spectre=off"), false),
    ] {
        let mut args = vec!["compile", "fib.wat", "-o", "out.bsl"];
        args.extend(flag);
        let out = basalt(&args, &dir);
        assert!(out.status.success(), "{}", text(&out));
        let bytes = std::fs::read(dir.join("out.bsl")).unwrap();
        let a = artifact::read(&bytes).unwrap();
        assert_eq!(a.header.settings.spectre, on, "{flag:?}");
    }
    let out = basalt(
        &["compile", "fib.wat", "-o", "out.bsl", "--spectre=maybe"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // clap's message names the value and the flag.
    assert!(
        text(&out).contains("invalid value 'maybe' for '--spectre"),
        "{}",
        text(&out)
    );
    // Spectre-hardened code computes the same results.
    let out = basalt(
        &[
            "run",
            "fib.wat",
            "--spectre",
            "off",
            "--invoke",
            "fib",
            "20",
        ],
        &dir,
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "6765\n",
        "{}",
        text(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
