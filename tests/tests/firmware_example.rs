//! `examples/firmware/`, the standalone firmware a user copies, boots with
//! plain `cargo run` in its folder (its cargo runner starts QEMU) and
//! prints what its guest computed through the host functions.

use std::path::Path;

#[test]
fn the_example_firmware_boots_with_cargo_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("examples/firmware");
    // `--locked`: the committed Cargo.lock is complete. The shared target
    // dir saves a cold build of Cranelift for the guest's build script.
    let out = basalt_qemu::nested_cargo(&dir)
        .args(["run", "--locked"])
        .env("CARGO_TARGET_DIR", root.join("target"))
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "status {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    // From the guest's `host.print`, then `host.report` with the sum of
    // squares 1..=10 (385) plus the host's sensor reading (7).
    assert!(
        stdout.contains("guest says: hello from the guest\n"),
        "{stdout}"
    );
    assert!(stdout.contains("result: 392\n"), "{stdout}");
    assert!(stdout.contains("guest exited with status 0\n"), "{stdout}");
}

#[test]
fn the_example_guest_binary_is_its_text_assembled() {
    // The firmware's build script reads `guest.wasm` (so it needs no text
    // parser); `guest.wat` is what a reader edits. They must not drift.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/firmware");
    let text = wat::parse_file(dir.join("guest.wat")).expect("guest.wat parses");
    let binary = std::fs::read(dir.join("guest.wasm")).expect("guest.wasm is there");
    assert!(
        text == binary,
        "examples/firmware/guest.wasm is stale: assemble guest.wat again \
         (`wasm-tools parse guest.wat -o guest.wasm`, the same parser)"
    );
}
