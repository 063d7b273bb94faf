//! Basalt: a `no_std` WebAssembly runtime for aarch64 bare metal.
#![no_std]

extern crate alloc;

pub mod vm;
