//! Host side of the wasmtime peer: precompile Wasm with wasmtime's own
//! Cranelift for the board, as aarch64 code or as Pulley bytecode. The
//! settings mirror the board's engine (`board/src/runner/bench_wasmtime.rs`):
//! wasmtime checks them when it loads the module and refuses a mismatch.

use wasmtime::{Config, Engine, OptLevel};

/// What to precompile for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Cranelift's aarch64 code, run natively.
    Native,
    /// Pulley bytecode, run by wasmtime's interpreter.
    Pulley,
}

impl Flavor {
    /// The word the board's `bench-wasmtime*` commands take.
    pub fn word(self) -> &'static str {
        match self {
            Flavor::Native => "native",
            Flavor::Pulley => "pulley",
        }
    }
}

/// The engine that precompiles for `flavor`: the board's settings (no
/// signals-based traps, so explicit bounds checks; no virtual memory),
/// Cranelift at `opt_level=speed` as wasmtime defaults to.
pub fn engine(flavor: Flavor) -> Result<Engine, String> {
    let mut c = Config::new();
    let target = match flavor {
        Flavor::Native => "aarch64-unknown-none",
        Flavor::Pulley => "pulley64",
    };
    c.target(target)
        .map_err(|e| format!("wasmtime target {target}: {e}"))?;
    c.cranelift_opt_level(OptLevel::Speed);
    c.signals_based_traps(false);
    c.memory_reservation(0);
    c.memory_guard_size(0);
    c.memory_init_cow(false);
    c.memory_reservation_for_growth(0);
    c.max_wasm_stack(256 * 1024);
    Engine::new(&c).map_err(|e| format!("wasmtime engine: {e}"))
}

/// Precompile `wasm` (binary) for `flavor`.
pub fn precompile(wasm: &[u8], flavor: Flavor) -> Result<Vec<u8>, String> {
    engine(flavor)?
        .precompile_module(wasm)
        .map_err(|e| format!("wasmtime precompile ({}): {e}", flavor.word()))
}
