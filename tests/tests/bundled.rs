//! The board's bundled example: precompiled at build time by `basalt-build`
//! and run in place from the firmware image (`Module::from_static`).

use basalt_qemu::{run_job, RunOptions};

#[test]
fn bundled_artifact_runs_in_place_from_the_image() {
    // No artifacts in the payload: the code comes from the firmware itself.
    let payload = basalt_protocol::Payload {
        script: "bundled-fib 20",
        ..Default::default()
    };
    let out = run_job(&payload.to_body(), &RunOptions::default()).expect("qemu");
    assert_eq!(out.status, 0, "{}", out.console);
    assert!(
        out.console.lines().any(|l| l == "#0 ok i32:0x1a6d"),
        "{}",
        out.console
    );
    assert!(
        out.console.contains("in the firmware image: true"),
        "{}",
        out.console
    );
}
