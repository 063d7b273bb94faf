//! `basalt-virt`: the firmware for `qemu-system-aarch64 -M virt`, i.e. the
//! board library built with its `virt` machine and linked with
//! `linker/virt.ld` (build.rs). Everything, `_start` included, is in the
//! library.
#![no_std]
#![no_main]

use basalt_board as _;
