//! `basalt-raspi3b`: the job-runner firmware for the Raspberry Pi 3 /
//! `qemu-system-aarch64 -M raspi3b`: the board library built with its
//! `raspi3b` machine, linked with `linker/raspi3b.ld` (build.rs), and the
//! runner in `src/runner/`.
#![no_std]
#![no_main]

extern crate alloc;
#[macro_use]
extern crate basalt_board;

#[path = "../runner/mod.rs"]
mod runner;

basalt_board::entry!(runner::main);
