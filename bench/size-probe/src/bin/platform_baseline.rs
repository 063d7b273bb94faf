//! The size probe's platform baseline: the baseline (boots, prints a
//! formatted line, exits) plus the board's whole `Platform`
//! implementation, without the runtime. `with-runtime` less this is the
//! runtime alone; the board's `Platform` is the embedder's code (as the C
//! platform functions of wasmtime's `min-platform` example are), which only
//! the runtime calls.
#![no_std]
#![no_main]

#[macro_use]
extern crate basalt_board;

use basalt_board::arena::Arenas;
use basalt_platform::Platform;

basalt_board::entry!(main);

fn main(arenas: Arenas) -> i32 {
    // The runtime's `Engine` holds the board's platform as the same
    // `&'static dyn Platform`; an opaque one keeps its vtable, and so every
    // method, as the runtime's does, with none of the runtime.
    core::hint::black_box(&basalt_board::PLATFORM as &'static dyn Platform);
    let status = i32::from(core::hint::black_box(arenas.code.is_empty()));
    println!("guest exited with status {status}");
    status
}
