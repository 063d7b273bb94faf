//! A firmware of your own on Basalt: the board library boots the core and
//! calls [`main`] with the arenas for Wasm code and memory; `main` loads
//! the guest that `build.rs` precompiled, gives it its host functions,
//! calls its `main` and exits (under QEMU) with the status the guest
//! returned.
#![no_std]
#![no_main]

extern crate alloc;
#[macro_use]
extern crate basalt_board;

use basalt::{Caller, Engine, Error, Linker, Module, Store, Trap};
use basalt_board::arena::Arenas;

basalt_board::entry!(main);

/// An artifact aligned so its code section (16-aligned inside the
/// artifact) is 16-aligned in memory.
#[repr(C, align(16))]
struct Aligned<T: ?Sized>(T);

/// The guest, precompiled by `build.rs`, in `.text` like code in flash.
#[link_section = ".text.guest"]
static GUEST: Aligned<[u8; include_bytes!(concat!(env!("OUT_DIR"), "/guest.bsl")).len()]> =
    Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/guest.bsl")));

/// What the guest reads from `host.sensor`.
const SENSOR: i32 = 7;

fn main(arenas: Arenas) -> i32 {
    match run(arenas, 10) {
        Ok(status) => {
            println!("guest exited with status {status}");
            status
        }
        Err(e) => {
            println!("error: {e}");
            1
        }
    }
}

/// Instantiate the guest with its host functions and call `main(n)`.
fn run(arenas: Arenas, n: i32) -> Result<i32, Error> {
    let engine = Engine::new(&basalt_board::PLATFORM, arenas.code);
    // SAFETY: `GUEST` is in the firmware's `.text`, mapped read-only and
    // executable for the whole run and never written.
    let module = unsafe { Module::from_static(&engine, &GUEST.0)? };
    let mut store = Store::new(&engine, arenas.memory, ());
    let mut linker = Linker::new();
    linker.func_wrap(
        "host",
        "print",
        |mut caller: Caller<'_, ()>, ptr: i32, len: i32| -> Result<(), Trap> {
            let memory = caller
                .get_export("memory")
                .and_then(|e| e.into_memory())
                .ok_or(Trap::HostError)?;
            let mut buf = [0u8; 64];
            let buf = buf.get_mut(..len as usize).ok_or(Trap::HostError)?;
            memory
                .read(&caller, ptr as usize, buf)
                .map_err(|_| Trap::HostError)?;
            let text = core::str::from_utf8(buf).map_err(|_| Trap::HostError)?;
            println!("guest says: {text}");
            Ok(())
        },
    );
    linker.func_wrap("host", "sensor", || SENSOR);
    linker.func_wrap("host", "report", |result: i32| {
        println!("result: {result}");
    });
    let instance = linker.instantiate(&mut store, &module)?;
    let main = instance.get_typed_func::<i32, i32>(&mut store, "main")?;
    main.call(&mut store, n)
}
