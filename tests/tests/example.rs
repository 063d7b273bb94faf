//! The firmware-style embedding example (examples/embedding) runs on the
//! board: host functions, host access to guest memory, a trap handled, the
//! instance used again, and a host callback called through the guest's
//! table (one of a signature no module imports is refused).

use basalt_qemu::{run_job, RunOptions};

#[test]
fn embedding_example_runs_on_the_board() {
    let guest = include_str!("../../examples/embedding/guest.wat");
    let artifact =
        basalt_compiler::compile(guest.as_bytes(), &Default::default()).expect("compiles");
    let payload = basalt_protocol::Payload {
        artifacts: vec![&artifact],
        trusted: vec![],
        script: "example-embedding 0",
    };
    let out = run_job(&payload.to_body(), &RunOptions::default()).expect("qemu");
    assert_eq!(out.status, 0, "{}", out.console);
    let sum: u32 = b"basalt".iter().map(|&b| u32::from(b)).sum();
    let expected = [
        format!("checksum = {sum}"),
        "ratio(7, 0) trapped: integer divide by zero".to_string(),
        // Its backtrace: the one Wasm frame, named from the name section.
        "wasm backtrace:".to_string(),
        "ratio(42, 6) = 7".to_string(),
        // checksum, the trapping ratio (counted before the trap) and ratio again.
        "calls = 3".to_string(),
        "clock moving = true".to_string(),
        "guest logged: hello from wasm".to_string(),
        "callback(0) = 42".to_string(),
        "unimportable callback refused: host function cannot be called from Wasm: \
         no module in the store imports a function of its signature"
            .to_string(),
    ];
    let lines: Vec<&str> = out.console.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("    0: ") && l.ends_with(" - <unknown>!ratio")),
        "no backtrace frame for ratio in:\n{}",
        out.console
    );
    for line in &expected {
        assert!(
            lines.contains(&line.as_str()),
            "missing {line:?} in:\n{}",
            out.console
        );
    }
}
