//! `basalt run` shows a trap's Wasm backtrace the way wasmtime does, and
//! `--profile` writes folded stacks and ranks functions (on the board).

use std::process::Command;

fn basalt(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(args)
        .output()
        .expect("basalt runs")
}

fn temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("basalt-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn trap_prints_a_wasmtime_style_backtrace() {
    // Offsets: `unreachable` is at 0x24, the calls at 0x28 and 0x2d.
    let wat = temp(
        "nested.wat",
        "(module $demo\n  (func $inner (unreachable))\n  (func $middle (call $inner))\n  (func $outer (export \"outer\") (call $middle)))\n",
    );
    let out = basalt(&["run", wat.to_str().unwrap(), "--invoke", "outer"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: wasm trap: wasm `unreachable` instruction executed\n\
         wasm backtrace:\n    0:   0x24 - demo!inner\n    1:   0x28 - demo!middle\n    2:   0x2d - demo!outer\n"
    );
}

#[test]
fn profile_writes_folded_stacks_and_ranks_the_hot_function_first() {
    let wat = temp(
        "hot.wat",
        r#"(module
  (func $spin (param $n i32)
    (loop $l (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
  (func $hot (param $n i32) (call $spin (i32.mul (local.get $n) (i32.const 8))) (call $spin (local.get $n)))
  (func $cold (param $n i32) (call $spin (local.get $n)))
  (func (export "main") (param $n i32) (call $cold (local.get $n)) (call $hot (local.get $n))))"#,
    );
    let folded = wat.with_extension("folded");
    let out = basalt(&[
        "run",
        wat.to_str().unwrap(),
        "--invoke",
        "main",
        "300000",
        "--profile",
        folded.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let text = std::fs::read_to_string(&folded).unwrap();
    let mut stacks: Vec<(&str, u64)> = text
        .lines()
        .map(|l| {
            let (stack, n) = l.rsplit_once(' ').expect("`stack count` lines");
            (stack, n.parse().expect("a count"))
        })
        .collect();
    stacks.sort_by_key(|s| std::cmp::Reverse(s.1));
    assert_eq!(stacks[0].0, "<wasm function 3>;hot;spin", "{text}");
    assert!(
        stacks.iter().any(|s| s.0 == "<wasm function 3>;cold;spin"),
        "{text}"
    );
    // Every sample is in `spin`, the only function that loops.
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with("profile: ") && lines[0].contains(" samples"),
        "{stderr}"
    );
    assert!(
        lines[1].trim_start().starts_with("100.00%") && lines[1].ends_with("  spin"),
        "{stderr}"
    );
}
