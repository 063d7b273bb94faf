//! The runtime's code size as a firmware pays it.
//!
//! `bench/size-probe` builds three firmwares on the board library, as a
//! firmware team builds for flash (release, fat LTO, one codegen unit,
//! `panic = "abort"`, `-strict-align` as the board): `with-runtime` is
//! `examples/firmware` unchanged (an `Engine`, a precompiled guest loaded
//! with `Module::from_static`, three host functions through a `Linker`,
//! one `Store<()>`, instantiation, `get_typed_func`, a call and its
//! `Result`); `baseline` boots, prints a formatted line and exits through
//! the same library with no runtime; `platform-baseline` is the baseline
//! plus the board's whole `Platform` implementation (kept through an
//! opaque `&dyn Platform`, as the runtime's `Engine` holds it), still
//! without the runtime.
//!
//! The runtime's size is `with-runtime` less `platform-baseline` less the
//! guest artifact the example keeps in `.text`: it counts what LTO inlined
//! into the firmware's own functions and the runtime's dependencies, and
//! leaves out boot, allocator, console, `core::fmt` and the board's
//! `Platform` implementation (the embedder's code, like the C platform
//! functions of wasmtime's `min-platform` example). Against `baseline`
//! instead, the same difference is the runtime with the board's `Platform`.

use crate::repo_root;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The bare-metal target both probe firmwares build for.
const TARGET: &str = "aarch64-unknown-none";

/// The probe's profile, for the report.
pub const PROFILE: &str = "release profile with `lto = \"fat\"`, `codegen-units = 1`, \
                           `panic = \"abort\"`, opt-level 3, `-C target-feature=-strict-align`";

/// Section sizes of the two probe firmwares, in bytes.
#[derive(Clone, Debug, Default)]
pub struct RuntimeSize {
    /// `.text` of `examples/firmware` built by the probe.
    pub firmware_text: u64,
    /// `.text` of the baseline (board library, no runtime).
    pub baseline_text: u64,
    /// `.text` of the platform baseline (the baseline and the board's
    /// `Platform` implementation, no runtime).
    pub platform_baseline_text: u64,
    /// The guest artifact the example keeps in `.text` (its `GUEST` static).
    pub guest: u64,
    /// `.rodata` of the firmware (constants, tables, strings).
    pub firmware_rodata: u64,
    /// `.rodata` of the platform baseline.
    pub platform_baseline_rodata: u64,
}

impl RuntimeSize {
    /// The runtime's `.text` (the targets' figure): firmware less the
    /// platform baseline less the guest.
    pub fn runtime_text(&self) -> u64 {
        self.firmware_text
            .saturating_sub(self.platform_baseline_text)
            .saturating_sub(self.guest)
    }

    /// The runtime's `.text` with the board's `Platform` implementation:
    /// firmware less the baseline less the guest.
    pub fn runtime_and_platform_text(&self) -> u64 {
        self.firmware_text
            .saturating_sub(self.baseline_text)
            .saturating_sub(self.guest)
    }

    /// The board's `Platform` implementation's `.text`.
    pub fn platform_text(&self) -> u64 {
        self.platform_baseline_text
            .saturating_sub(self.baseline_text)
    }

    /// The runtime's `.rodata`: firmware less the platform baseline.
    pub fn runtime_rodata(&self) -> u64 {
        self.firmware_rodata
            .saturating_sub(self.platform_baseline_rodata)
    }
}

/// The three probe firmwares' ELF files.
pub struct Probe {
    /// `examples/firmware` built for flash.
    pub firmware: PathBuf,
    /// The baseline: the same board library, no runtime.
    pub baseline: PathBuf,
    /// The baseline with the board's `Platform` implementation kept.
    pub platform_baseline: PathBuf,
}

/// Build the three probe firmwares (`cargo build --release` in
/// `bench/size-probe`, into the repository's target directory).
pub fn build() -> Result<Probe, String> {
    let root = repo_root();
    let dir = root.join("bench/size-probe");
    let target_dir = root.join("target");
    basalt_qemu::ensure_rust_target(&dir, TARGET);
    let mut command = basalt_qemu::nested_cargo(&dir);
    command
        .args(["build", "--release", "--locked", "--target-dir"])
        .arg(&target_dir);
    crate::run_cargo(&mut command, "bench/size-probe")?;
    let elf = |name: &str| target_dir.join(TARGET).join("release").join(name);
    Ok(Probe {
        firmware: elf("with-runtime"),
        baseline: elf("baseline"),
        platform_baseline: elf("platform-baseline"),
    })
}

/// Build the probe firmwares and measure them.
pub fn measure() -> Result<RuntimeSize, String> {
    let probe = build()?;
    Ok(RuntimeSize {
        firmware_text: section_size(&probe.firmware, ".text")?,
        baseline_text: section_size(&probe.baseline, ".text")?,
        platform_baseline_text: section_size(&probe.platform_baseline, ".text")?,
        guest: symbol_size(&probe.firmware, "::GUEST")?,
        firmware_rodata: section_size(&probe.firmware, ".rodata")?,
        platform_baseline_rodata: section_size(&probe.platform_baseline, ".rodata")?,
    })
}

/// Size of section `name` in `elf`, from `readelf -SW`.
fn section_size(elf: &Path, name: &str) -> Result<u64, String> {
    let text = tool("readelf", &["-SW"], elf)?;
    parse_section_size(&text, name)
        .ok_or_else(|| format!("{} has no {name} section", elf.display()))
}

/// The size column of `name`'s line in `readelf -SW` output: the fields
/// after the name are type, address, offset, size.
fn parse_section_size(readelf: &str, name: &str) -> Option<u64> {
    readelf.lines().find_map(|line| {
        let line = line.split_once(']').map_or(line, |(_, rest)| rest);
        let mut fields = line.split_whitespace();
        (fields.next()? == name).then_some(())?;
        u64::from_str_radix(fields.nth(3)?, 16).ok()
    })
}

/// Size of the one symbol whose demangled name ends with `suffix`.
fn symbol_size(elf: &Path, suffix: &str) -> Result<u64, String> {
    let text = tool("nm", &["-S", "-C"], elf)?;
    let sizes: Vec<u64> = text
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.splitn(4, ' ').collect();
            match f[..] {
                [_, size, _, name] if name.ends_with(suffix) => u64::from_str_radix(size, 16).ok(),
                _ => None,
            }
        })
        .collect();
    match sizes[..] {
        [size] => Ok(size),
        _ => Err(format!(
            "expected one symbol `*{suffix}` in {}, found {}",
            elf.display(),
            sizes.len()
        )),
    }
}

/// The output of binutils' `name` with `args` on `elf`.
pub(crate) fn tool(name: &str, args: &[&str], elf: &Path) -> Result<String, String> {
    let out = Command::new(name)
        .args(args)
        .arg(elf)
        .output()
        .map_err(|e| format!("cannot run {name} (binutils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_size_column_of_readelf() {
        let out = "  [Nr] Name              Type            Address          Off    Size   ES Flg Lk Inf Al\n  \
                   [ 1] .text             PROGBITS        0000000040200000 010000 019c10 00  AX  0   0 2048\n  \
                   [ 2] .rodata           PROGBITS        0000000040400000 030000 007f58 00 AMS  0   0 4096\n";
        assert_eq!(parse_section_size(out, ".text"), Some(0x19c10));
        assert_eq!(parse_section_size(out, ".rodata"), Some(0x7f58));
        assert_eq!(parse_section_size(out, ".data"), None);
    }
}
