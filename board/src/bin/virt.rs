//! `basalt-virt`: the job-runner firmware for `qemu-system-aarch64 -M virt`:
//! the board library built with its `virt` machine, linked with
//! `linker/virt.ld` (build.rs), and the runner in `src/runner/`.
#![no_std]
#![no_main]

extern crate alloc;
#[macro_use]
extern crate basalt_board;

#[path = "../runner/mod.rs"]
mod runner;

basalt_board::entry!(runner::main);
