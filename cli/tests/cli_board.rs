//! `basalt --board`, in its own test binary: building the Pi's firmware
//! takes the target directory's build lock, which would stall the timed
//! board runs of `cli.rs` if the two ran side by side.

use std::process::Command;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `--board raspi3b` runs the call on the Raspberry Pi 3 model; an unknown
/// board, or `--board` on `compile`, is a command-line error (exit 2),
/// not a panic.
#[test]
fn board_flag_selects_the_raspberry_pi() {
    let fib = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/fib.wat");
    let out = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(["run", "--board", "raspi3b", fib, "--invoke", "fib", "20"])
        .output()
        .expect("run basalt");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "6765\n");
    for args in [
        &["run", "--board", "rpi3", fib, "--invoke", "fib", "20"][..],
        &["compile", "--board", "raspi3b", fib, "-o", "/dev/null"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_basalt"))
            .args(args)
            .output()
            .expect("run basalt");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("board"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
