//! The size probe's baseline: a firmware on the board library that boots,
//! prints a formatted line and exits, without the runtime. Its `.text`
//! (board, allocator, console, `core::fmt`) is what `with-runtime`
//! (examples/firmware) would cost without Basalt.
#![no_std]
#![no_main]

#[macro_use]
extern crate basalt_board;

use basalt_board::arena::Arenas;

basalt_board::entry!(main);

fn main(arenas: Arenas) -> i32 {
    // Formats an integer as the example does; `black_box` keeps the value
    // opaque so the formatting is not folded away.
    let status = i32::from(core::hint::black_box(arenas.code.is_empty()));
    println!("guest exited with status {status}");
    status
}
