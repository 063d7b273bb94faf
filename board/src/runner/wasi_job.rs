//! `wasi-run <artifact> [fuel=<n>] [timeout-ms=<n>] <hex-arg>...`: run a
//! WASI command on the board.
//!
//! The artifact is instantiated against `wasi_snapshot_preview1` alone
//! (no `spectest`) with the hex-decoded arguments (`argv[0]` included) and
//! an empty environment, and its `_start` is called, with `n` units of fuel
//! and an epoch deadline `n` ms ahead (one epoch per millisecond of the
//! board's timer) when asked. The program's output goes straight to the
//! console as it writes it; the board then exits with the program's exit
//! code (`proc_exit`'s argument, or 0 when `_start` returns). Failures end
//! with one status line of their own, so the host can tell them from
//! output: `wasi-trap <code> <message>` (exit [`EXIT_TRAP`]) or
//! `load-error: <message>` (exit 3); a run given fuel ends with
//! `wasi-fuel <fuel left>`.

use alloc::vec::Vec;
use basalt::wasi::{self, WasiCtx};
use basalt::{Engine, Error, Linker, Module, Store};
use basalt_platform::Platform;
use basalt_protocol::hex;

// After a trap: 128 + SIGABRT, what a Unix shell shows for an aborted
// process (and what wasmtime's CLI exits with on a trap).
use basalt_protocol::exit::{LOAD as EXIT_LOAD, SCRIPT as EXIT_SCRIPT, WASI_TRAP as EXIT_TRAP};

/// Run the command line `rest` (after `wasi-run `).
pub fn run(engine: &Engine, arena: &'static mut [u8], artifacts: &[&[u8]], rest: &str) -> i32 {
    let mut words = rest.trim_end().split(' ').peekable();
    let artifact = words
        .next()
        .and_then(|w| w.parse::<usize>().ok())
        .and_then(|i| artifacts.get(i));
    // Hex arguments never contain `=`, so the limits are told apart.
    let (mut fuel, mut timeout_ms) = (None, None);
    while let Some((key, value)) = words.peek().and_then(|w| w.split_once('=')) {
        let slot = match key {
            "fuel" => &mut fuel,
            "timeout-ms" => &mut timeout_ms,
            _ => break,
        };
        match value.parse::<u64>() {
            Ok(n) => *slot = Some(n),
            Err(_) => {
                println!("script-error: bad wasi-run limit {key}={value}");
                return EXIT_SCRIPT;
            }
        }
        words.next();
    }
    let args: Option<Vec<Vec<u8>>> = words.map(hex::decode).collect();
    let (Some(artifact), Some(args)) = (artifact, args) else {
        println!("script-error: wasi-run needs an artifact index and hex arguments");
        return EXIT_SCRIPT;
    };
    let mut store = Store::new(engine, arena, WasiCtx::new().args(args));
    let mut linker = Linker::new();
    wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx);
    let instance =
        match Module::new(engine, artifact).and_then(|m| linker.instantiate(&mut store, &m)) {
            Ok(i) => i,
            Err(e) => {
                status_line(format_args!("load-error: {e}"));
                return EXIT_LOAD;
            }
        };
    if let Some(fuel) = fuel {
        store.set_fuel(fuel);
    }
    if let Some(ms) = timeout_ms {
        let period = (basalt_board::PLATFORM.tick_hz() / 1000).max(1);
        if let Err(e) = engine.start_epoch_timer(period) {
            status_line(format_args!("load-error: {e}"));
            return EXIT_LOAD;
        }
        store.set_epoch_deadline(ms);
    }
    let status = match wasi::run_start(&mut store, &instance, |ctx: &mut WasiCtx| ctx) {
        Ok(code) => code as i32,
        Err(Error::Trap(t, _)) => {
            status_line(format_args!("wasi-trap {} {t}", t as u8));
            EXIT_TRAP
        }
        Err(e) => {
            status_line(format_args!("load-error: {e}"));
            EXIT_LOAD
        }
    };
    if fuel.is_some() {
        status_line(format_args!("wasi-fuel {}", store.get_fuel()));
    }
    status
}

/// Print a status line, starting a new line if the program left one open.
fn status_line(line: core::fmt::Arguments<'_>) {
    if !basalt_board::console::at_line_start() {
        println!();
    }
    println!("{line}");
}
