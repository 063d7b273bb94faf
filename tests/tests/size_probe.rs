//! The size probe (`bench/size-probe`) measures what it claims: its
//! `with-runtime` firmware is `examples/firmware` and runs its guest, its
//! baseline boots, prints and exits on the same board library, and the
//! runtime's `.text` is their difference less the guest artifact.

use basalt_bench::size::{build, measure};
use basalt_qemu::{boot_elf, RunOptions};

#[test]
fn both_probe_firmwares_boot_and_the_difference_is_the_runtime() {
    let probe = build().expect("bench/size-probe builds");
    let opts = RunOptions::default();
    let firmware = boot_elf(&probe.firmware, &opts).expect("with-runtime boots");
    assert_eq!(firmware.status, 0, "{}", firmware.console);
    assert!(
        firmware.console.contains("result: 392\n"),
        "{}",
        firmware.console
    );
    let baseline = boot_elf(&probe.baseline, &opts).expect("baseline boots");
    assert_eq!(baseline.status, 0, "{}", baseline.console);
    assert!(
        baseline.console.contains("guest exited with status 0\n"),
        "{}",
        baseline.console
    );

    let size = measure().expect("sizes");
    // The guest is the example's artifact, a few hundred bytes.
    assert!((256..4096).contains(&size.guest), "{size:?}");
    assert!(size.baseline_text > 4096, "{size:?}");
    assert_eq!(
        size.runtime_text(),
        size.firmware_text - size.baseline_text - size.guest
    );
    // No runtime code in the baseline: none of the runtime's symbols.
    let nm = std::process::Command::new("nm")
        .arg("-C")
        .arg(&probe.baseline)
        .output()
        .expect("nm runs");
    let symbols = String::from_utf8_lossy(&nm.stdout);
    assert!(
        !symbols
            .lines()
            .any(|l| l.contains("basalt::") || l.contains(" basalt_enter")),
        "runtime code in the baseline"
    );
}
