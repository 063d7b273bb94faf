//! The boards the firmware runs on, and what differs in running each:
//! QEMU's machine arguments, how the kernel is handed over, and where the
//! job blob goes (read from the firmware's own `__job_start`/`__job_end`
//! symbols, so the linker script is the one place that decides it).

use object::{Object, ObjectSegment, ObjectSymbol};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A board (a QEMU machine) the firmware is built for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Machine {
    /// `-M virt -cpu cortex-a72 -m 1G`: GICv2, PL011 at 0x0900_0000; the
    /// ELF is loaded directly and entered at EL1.
    #[default]
    Virt,
    /// `-M raspi3b` (Raspberry Pi 3, BCM2837): the raw `kernel8.img` is
    /// loaded at 0x8_0000 as the Pi firmware does and core 0 enters at EL2,
    /// the others waiting in a spin table.
    Raspi3b,
}

impl Machine {
    /// Every machine, for listings and tests.
    pub const ALL: [Machine; 2] = [Machine::Virt, Machine::Raspi3b];

    /// The name `--board` and QEMU's `-M` take.
    pub fn name(self) -> &'static str {
        match self {
            Machine::Virt => "virt",
            Machine::Raspi3b => "raspi3b",
        }
    }

    /// The firmware binary cargo builds for this machine.
    pub(crate) fn binary(self) -> &'static str {
        match self {
            Machine::Virt => "basalt-virt",
            Machine::Raspi3b => "basalt-raspi3b",
        }
    }

    /// The board crate's features selecting this machine (`virt` is the
    /// crate's default feature).
    pub(crate) fn cargo_features(self) -> &'static [&'static str] {
        match self {
            Machine::Virt => &[],
            Machine::Raspi3b => &["--no-default-features", "--features", "raspi3b"],
        }
    }

    /// QEMU's machine arguments.
    pub(crate) fn qemu_args(self) -> &'static [&'static str] {
        match self {
            Machine::Virt => &["-M", "virt", "-cpu", "cortex-a72", "-m", "1G"],
            // The machine fixes CPU (4× Cortex-A53) and RAM (1 GiB).
            Machine::Raspi3b => &["-M", "raspi3b"],
        }
    }

    /// Whether QEMU boots the raw image (as the Pi firmware loads
    /// `kernel8.img`) rather than the ELF.
    fn boots_raw_image(self) -> bool {
        self == Machine::Raspi3b
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Machine {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Machine::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown board `{s}` (virt or raspi3b)"))
    }
}

/// A built firmware, ready to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// The ELF cargo linked (symbols, debugging).
    pub elf: PathBuf,
    /// What QEMU's `-kernel` gets: the ELF, or for the Pi the raw image
    /// (`kernel8.img` next to the ELF), which is also what a real board
    /// boots from its SD card.
    pub kernel: PathBuf,
    /// Guest addresses reserved for the job blob (`__job_start..__job_end`).
    pub job: Range<u64>,
}

impl Image {
    /// Read the job region from `elf` and, if the machine boots a raw
    /// image, write it (`objcopy -O binary`: the loadable segments from the
    /// lowest address up, gaps zero-filled) as `kernel8.img` beside it.
    pub(crate) fn prepare(machine: Machine, elf: PathBuf) -> Result<Image, String> {
        let data =
            std::fs::read(&elf).map_err(|e| format!("cannot read {}: {e}", elf.display()))?;
        let file = object::File::parse(&*data)
            .map_err(|e| format!("{} is not an object file: {e}", elf.display()))?;
        let symbol = |name: &str| {
            file.symbols()
                .find(|s| s.name() == Ok(name))
                .map(|s| s.address())
                .ok_or_else(|| format!("{} has no `{name}` symbol", elf.display()))
        };
        let job = symbol("__job_start")?..symbol("__job_end")?;
        let kernel = if machine.boots_raw_image() {
            let raw = raw_image(&file).map_err(|e| format!("{}: {e}", elf.display()))?;
            let path = elf.with_file_name("kernel8.img");
            write_if_changed(&path, &raw)?;
            path
        } else {
            elf.clone()
        };
        Ok(Image { elf, kernel, job })
    }
}

/// The loadable segments laid out from the lowest address, as a boot
/// loader that copies a flat image to its load address sees them. The
/// firmware is identity-mapped, so virtual and load addresses agree.
fn raw_image(file: &object::File<'_>) -> Result<Vec<u8>, String> {
    let mut segments = Vec::new();
    for segment in file.segments() {
        let data = segment
            .data()
            .map_err(|e| format!("unreadable segment: {e}"))?;
        if !data.is_empty() {
            segments.push((segment.address(), data));
        }
    }
    let base = segments
        .iter()
        .map(|(address, _)| *address)
        .min()
        .ok_or("no loadable segment")?;
    let end = segments
        .iter()
        .map(|(address, data)| address + data.len() as u64)
        .max()
        .unwrap_or(base);
    let len = usize::try_from(end - base).map_err(|_| "image too large")?;
    let mut raw = vec![0; len];
    for (address, data) in segments {
        let at = (address - base) as usize;
        raw[at..at + data.len()].copy_from_slice(data);
    }
    Ok(raw)
}

/// Write `bytes` to `path` unless it already holds them (a running QEMU of
/// another test process may be reading it).
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    // Write aside and rename, so a reader never sees half an image.
    let temp = path.with_extension(format!("img.{}", std::process::id()));
    std::fs::write(&temp, bytes)
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_names_round_trip() {
        for machine in Machine::ALL {
            assert_eq!(machine.name().parse::<Machine>(), Ok(machine));
        }
        assert!("rpi3".parse::<Machine>().is_err());
        assert_eq!(Machine::default(), Machine::Virt);
    }
}
