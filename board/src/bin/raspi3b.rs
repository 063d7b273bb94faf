//! `basalt-raspi3b`: the firmware for the Raspberry Pi 3 and
//! `qemu-system-aarch64 -M raspi3b`, i.e. the board library built with its
//! `raspi3b` machine and linked with `linker/raspi3b.ld` (build.rs). The
//! Pi boots it as a raw image (`kernel8.img`, made from this ELF by
//! `basalt-qemu`). Everything, `_start` included, is in the library.
#![no_std]
#![no_main]

use basalt_board as _;
