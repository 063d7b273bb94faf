//! Basalt: a `no_std` WebAssembly runtime for aarch64 bare metal.
#![no_std]

extern crate alloc;

pub mod artifact;
pub mod trap;
pub mod vm;

pub use trap::Trap;
