//! The size probe (`bench/size-probe`) measures what it claims: its
//! `with-runtime` firmware is `examples/firmware` and runs its guest, its
//! baselines boot, print and exit on the same board library without any
//! runtime code, the platform baseline holds every method of the board's
//! `Platform` implementation the firmware has and the plain baseline none,
//! and the runtime's `.text` is the firmware less the platform baseline
//! less the guest artifact.

use basalt_bench::size::{build, measure};
use basalt_qemu::{boot_elf, RunOptions};

#[test]
fn probe_firmwares_boot_and_the_differences_are_the_runtime_and_the_platform() {
    let probe = build().expect("bench/size-probe builds");
    let opts = RunOptions::default();
    let firmware = boot_elf(&probe.firmware, &opts).expect("with-runtime boots");
    assert_eq!(firmware.status, 0, "{}", firmware.console);
    assert!(
        firmware.console.contains("result: 392\n"),
        "{}",
        firmware.console
    );
    for elf in [&probe.baseline, &probe.platform_baseline] {
        let run = boot_elf(elf, &opts).expect("baseline boots");
        assert_eq!(run.status, 0, "{}", run.console);
        assert!(
            run.console.contains("guest exited with status 0\n"),
            "{}",
            run.console
        );
    }

    let size = measure().expect("sizes");
    // The guest is the example's artifact, a few hundred bytes.
    assert!((256..4096).contains(&size.guest), "{size:?}");
    assert!(size.baseline_text > 4096, "{size:?}");
    assert_eq!(
        size.runtime_text(),
        size.firmware_text - size.platform_baseline_text - size.guest
    );
    assert_eq!(
        size.runtime_and_platform_text(),
        size.firmware_text - size.baseline_text - size.guest
    );
    assert_eq!(
        size.platform_text(),
        size.platform_baseline_text - size.baseline_text
    );

    // No runtime code in either baseline: none of the runtime's symbols.
    let firmware = symbols(&probe.firmware);
    let baseline = symbols(&probe.baseline);
    let platform_baseline = symbols(&probe.platform_baseline);
    for (name, syms) in [
        ("baseline", &baseline),
        ("platform baseline", &platform_baseline),
    ] {
        assert!(
            !syms
                .iter()
                .any(|s| s.contains("basalt::") || s.contains(" basalt_enter")),
            "runtime code in the {name}"
        );
    }
    // The board's `Platform` methods: all of the firmware's in the platform
    // baseline, none in the plain one.
    let platform = |syms: &[String]| -> Vec<String> {
        syms.iter()
            .filter_map(|s| s.split_once(" as basalt_platform::Platform>::"))
            .map(|(_, method)| method.to_string())
            .collect()
    };
    let methods = platform(&firmware);
    assert!(
        methods.len() >= 8,
        "firmware's platform methods: {methods:?}"
    );
    let kept = platform(&platform_baseline);
    for m in &methods {
        assert!(kept.contains(m), "platform baseline lacks `{m}`: {kept:?}");
    }
    assert!(
        platform(&baseline).is_empty(),
        "the plain baseline has platform methods"
    );
}

/// Demangled symbol names of `elf` (`nm -C`).
fn symbols(elf: &std::path::Path) -> Vec<String> {
    let nm = std::process::Command::new("nm")
        .arg("-C")
        .arg(elf)
        .output()
        .expect("nm runs");
    assert!(nm.status.success(), "nm {}", elf.display());
    String::from_utf8_lossy(&nm.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}
