//! The bundled example: `examples/fib.wat`, precompiled by `build.rs` with
//! `basalt-build` and embedded in the firmware's `.text`, so its code runs
//! in place from the image (zero-copy, as from flash) through
//! `Module::from_static`.

use basalt::{Engine, Error, Instance, Module, Store};

/// An artifact aligned so its code section (16-aligned within the
/// artifact) is 16-aligned in memory.
#[repr(C, align(16))]
struct Aligned<T: ?Sized>(T);

/// In `.text`: mapped read-only and executable, like code in flash.
#[link_section = ".text.basalt_bundled"]
static FIB: Aligned<[u8; include_bytes!(concat!(env!("OUT_DIR"), "/fib.bsl")).len()]> =
    Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/fib.bsl")));

/// Run `fib(n)` from the bundled artifact; returns the result and where its
/// code ran.
pub fn fib(engine: &Engine, arena: &'static mut [u8], n: i32) -> Result<(i32, usize), Error> {
    // SAFETY: `FIB` lives in the firmware's `.text`, mapped read-only and
    // executable for the whole run and never written.
    let module = unsafe { Module::from_static(engine, &FIB.0)? };
    let mut store = Store::new(engine, arena, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let fib = instance.get_typed_func::<i32, i32>(&mut store, "fib")?;
    Ok((fib.call(&mut store, n)?, module.code_range().start))
}
