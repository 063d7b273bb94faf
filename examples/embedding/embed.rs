//! A firmware-style embedding of Basalt, using only the public API:
//! host functions (one reads guest memory through its `Caller`), the host
//! writing into guest memory, a trap handled, the instance used again, and
//! a host callback placed in the guest's table.
//!
//! The board links this file into its firmware (`board/src/runner/job.rs`, script
//! command `example-embedding`); a firmware of your own would call `run`
//! the same way with an artifact from flash and arenas from its linker script.

use basalt::{Caller, Engine, Error, Func, Linker, Module, Store, Trap, Val};
use core::fmt::Write;

/// What the host keeps per store: the lines the guest logged.
#[derive(Default)]
pub struct Host {
    /// Every message passed to `env.log`.
    pub log: alloc::vec::Vec<alloc::string::String>,
}

/// Load `artifact` (compiled from `guest.wat`), run it, and report each
/// step through `out`.
pub fn run(
    engine: &Engine,
    arena: &'static mut [u8],
    artifact: &[u8],
    out: &mut dyn Write,
) -> Result<(), Error> {
    let module = Module::new(engine, artifact)?;
    let mut store = Store::new(engine, arena, Host::default());
    let mut linker = Linker::new();
    linker.func_wrap(
        "env",
        "log",
        |mut caller: Caller<'_, Host>, ptr: i32, len: i32| -> Result<(), Trap> {
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
            caller.data_mut().log.push(text.into());
            Ok(())
        },
    );
    let platform = engine.platform();
    linker.func_wrap("env", "ticks", move || platform.ticks() as i64);
    let instance = linker.instantiate(&mut store, &module)?;

    // The host writes its input into guest memory, then lets the guest work on it.
    let memory = instance
        .get_memory(&mut store, "memory")
        .ok_or_else(|| Error::UnknownExport("memory".into()))?;
    memory.write(&mut store, 1024, b"basalt")?;
    let checksum = instance.get_typed_func::<(i32, i32), i32>(&mut store, "checksum")?;
    let _ = writeln!(out, "checksum = {}", checksum.call(&mut store, (1024, 6))?);

    // A trap is an ordinary error with the Wasm frames that led to it; the
    // store and instance stay usable.
    let ratio = instance.get_typed_func::<(i32, i32), i32>(&mut store, "ratio")?;
    match ratio.call(&mut store, (7, 0)) {
        Err(Error::Trap(trap, backtrace)) => {
            let _ = writeln!(out, "ratio(7, 0) trapped: {trap}");
            let _ = write!(out, "{backtrace}");
        }
        other => {
            let _ = writeln!(out, "ratio(7, 0) did not trap: {other:?}");
        }
    }
    let _ = writeln!(out, "ratio(42, 6) = {}", ratio.call(&mut store, (42, 6))?);
    let calls = instance.get_typed_func::<(), i32>(&mut store, "calls")?;
    let _ = writeln!(out, "calls = {}", calls.call(&mut store, ())?);
    let elapsed = instance.get_typed_func::<(), i64>(&mut store, "elapsed")?;
    let _ = writeln!(out, "clock moving = {}", elapsed.call(&mut store, ())? > 0);

    // A host function as a callback in the guest's table: Wasm calls it
    // through the trampoline of its signature, which the guest's own import
    // of `env.ticks` (also `() -> i64`) brought along.
    let callbacks = instance
        .get_table(&mut store, "callbacks")
        .ok_or_else(|| Error::UnknownExport("callbacks".into()))?;
    let answer = Func::wrap(&mut store, || 42i64);
    callbacks.set(&mut store, 0, Val::FuncRef(Some(answer)))?;
    let callback = instance.get_typed_func::<i32, i64>(&mut store, "callback")?;
    let _ = writeln!(out, "callback(0) = {}", callback.call(&mut store, 0)?);
    // No module imports an `(f64) -> f64`, so Wasm could not call this one.
    let halve = Func::wrap(&mut store, |x: f64| x / 2.0);
    match callbacks.set(&mut store, 0, Val::FuncRef(Some(halve))) {
        Err(e) => {
            let _ = writeln!(out, "unimportable callback refused: {e}");
        }
        Ok(()) => {
            let _ = writeln!(out, "unimportable callback accepted");
        }
    }
    for line in &store.data().log {
        let _ = writeln!(out, "guest logged: {line}");
    }
    Ok(())
}
