//! `wasi-run <artifact> <hex-arg>...`: run a WASI command on the board.
//!
//! The artifact is instantiated against `wasi_snapshot_preview1` alone
//! (no `spectest`) with the hex-decoded arguments (`argv[0]` included) and
//! an empty environment, and its `_start` is called. The program's output
//! goes straight to the console as it writes it; the board then exits with
//! the program's exit code (`proc_exit`'s argument, or 0 when `_start`
//! returns). Failures end with one status line of their own, so the host
//! can tell them from output: `wasi-trap <code> <message>` (exit
//! [`EXIT_TRAP`]) or `load-error: <message>` (exit 3).

use super::unhex;
use alloc::vec::Vec;
use basalt::wasi::{self, WasiCtx};
use basalt::{Engine, Error, Linker, Module, Store};

/// Status after a trap: 128 + SIGABRT, what a Unix shell shows for an
/// aborted process (and what wasmtime's CLI exits with on a trap).
pub const EXIT_TRAP: i32 = 134;
const EXIT_LOAD: i32 = 3;
const EXIT_SCRIPT: i32 = 4;

/// Run the command line `rest` (after `wasi-run `).
pub fn run(engine: &Engine, arena: &'static mut [u8], artifacts: &[&[u8]], rest: &str) -> i32 {
    let mut words = rest.trim_end().split(' ');
    let artifact = words
        .next()
        .and_then(|w| w.parse::<usize>().ok())
        .and_then(|i| artifacts.get(i));
    let args: Option<Vec<Vec<u8>>> = words.map(unhex).collect();
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
    match wasi::run_start(&mut store, &instance, |ctx: &mut WasiCtx| ctx) {
        Ok(code) => code as i32,
        Err(Error::Trap(t)) => {
            status_line(format_args!("wasi-trap {} {t}", t as u8));
            EXIT_TRAP
        }
        Err(e) => {
            status_line(format_args!("load-error: {e}"));
            EXIT_LOAD
        }
    }
}

/// Print a status line, starting a new line if the program left one open.
fn status_line(line: core::fmt::Arguments<'_>) {
    if !crate::console::at_line_start() {
        println!();
    }
    println!("{line}");
}
