//! WASI preview 1 (`wasi_snapshot_preview1`) over a [`Platform`], for
//! programs built for `wasm32-wasip1` (Rust) or with wasi-libc (C).
//!
//! [`add_to_linker`] defines all 46 functions of the module, so any WASI
//! command links. Real behaviour: `fd_write` (stdout/stderr to
//! [`Platform::console_write`]), `fd_read` (stdin from bytes the embedder
//! gives, else `EBADF`), `fd_fdstat_get`, `fd_filestat_get`, `fd_close`,
//! `fd_seek`/`fd_tell` (`ESPIPE`), `fd_prestat_*` (`EBADF`: no preopens),
//! `args_*`, `environ_*`, `clock_res_get`/`clock_time_get` (from
//! [`Platform::ticks`]), `random_get` ([`Platform::random`]), `proc_exit`,
//! `sched_yield`, `poll_oneoff` (clock sleeps; stdio always ready). The
//! rest — files, directories, sockets, signals — return the errno a libc
//! expects on a system without them (see `table.rs`).
//!
//! `proc_exit` stores the code in the [`WasiCtx`] and unwinds with
//! [`Trap::Exit`]; [`run_start`] turns that back into an exit code.
//!
//! ```no_run
//! # use basalt::{Engine, Error, Linker, Module, Store};
//! # use basalt::wasi::{self, WasiCtx};
//! # fn demo(engine: &Engine, arena: &'static mut [u8], artifact: &[u8]) -> Result<u32, Error> {
//! let module = Module::new(engine, artifact)?;
//! let ctx = WasiCtx::new().arg("app.wasm").arg("--verbose").env("LANG", "C");
//! let mut store = Store::new(engine, arena, ctx);
//! let mut linker = Linker::new();
//! wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx);
//! let instance = linker.instantiate(&mut store, &module)?;
//! wasi::run_start(&mut store, &instance, |ctx: &mut WasiCtx| ctx) // the exit code
//! # }
//! ```

mod ctx;
mod errno;
mod guest;
mod proc;
mod stdio;
mod table;

pub use ctx::WasiCtx;
pub use errno::Errno;

use crate::artifact::{FuncType, ValType};
use crate::error::Error;
use crate::host::Caller;
use crate::instance::{Extern, Instance};
use crate::linker::Linker;
use crate::store::{AsContext, Store};
use crate::trap::Trap;
use crate::val::Val;
use alloc::vec::Vec;
use basalt_platform::Platform;
use core::sync::atomic::{AtomicU64, Ordering};
use table::{Kind, FUNCTIONS};

/// Import module name of WASI preview 1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// What a WASI function works on: the context, the caller's memory (empty
/// if it exports none: every pointer is then `EFAULT`) and the platform.
pub(crate) struct Env<'a> {
    ctx: &'a mut WasiCtx,
    mem: &'a mut [u8],
    platform: &'static dyn Platform,
    /// The store's epoch deadline, for waits inside host calls.
    epoch_deadline: u64,
    /// The engine's epoch counter, compared with the deadline.
    epoch: *const AtomicU64,
    /// The store's fuel counter (`VMRuntimeLimits::fuel_consumed`, counting
    /// up to 0) when the caller meters fuel: waits are charged to it.
    fuel: Option<*mut i64>,
}

/// Fuel a wait costs per nanosecond: what a core at 1 GHz could have
/// executed meanwhile, so fuel bounds a guest's use of the core whether it
/// computes or sleeps.
pub(crate) const FUEL_PER_NS: u64 = 1;

impl Env<'_> {
    /// Wait on the platform clock until `deadline_ns` (`now` is the current
    /// time). The wait is guest time: it traps with `interrupt` once the
    /// store's epoch deadline passes, and costs [`FUEL_PER_NS`] per
    /// nanosecond when the caller meters fuel; a wait longer than the fuel
    /// left consumes it all and traps with out-of-fuel at once.
    pub(crate) fn wait_until(
        &mut self,
        now: u64,
        deadline_ns: u64,
        clock: impl Fn(&Self) -> u64,
    ) -> Result<(), Fail> {
        if let Some(fuel) = self.fuel {
            let cost = deadline_ns.saturating_sub(now).saturating_mul(FUEL_PER_NS);
            // SAFETY: the counter belongs to the calling store, whose Wasm
            // is suspended in this host call; nothing else touches it.
            let consumed = unsafe { &mut *fuel };
            let left = consumed.saturating_neg().max(0) as u64;
            if cost > left {
                *consumed = 0;
                return Err(Fail::Trap(Trap::OutOfFuel));
            }
            *consumed += cost as i64;
        }
        while clock(self) < deadline_ns {
            // SAFETY: the counter lives in the engine, which the calling
            // store (suspended in this host call) keeps alive.
            if unsafe { &*self.epoch }.load(Ordering::Relaxed) >= self.epoch_deadline {
                return Err(Fail::Trap(Trap::Interrupt));
            }
            core::hint::spin_loop();
        }
        Ok(())
    }
}

/// The parameters of one call (types checked by the signature).
pub(crate) struct Args<'a>(&'a [Val]);

impl Args<'_> {
    fn u32(&self, i: usize) -> u32 {
        match self.0.get(i) {
            Some(Val::I32(v)) => *v as u32,
            _ => 0,
        }
    }
}

/// How a WASI function fails: an errno for the guest, or a trap (exit).
pub(crate) enum Fail {
    Errno(Errno),
    Trap(Trap),
}

impl From<Errno> for Fail {
    fn from(e: Errno) -> Self {
        Fail::Errno(e)
    }
}

pub(crate) type Outcome = Result<(), Fail>;

/// A function with real behaviour. Plain `fn`s over [`Env`], not generic
/// over the store's data, so the layer is compiled once whatever `T` is.
pub(crate) type Body = fn(&mut Env<'_>, &Args<'_>) -> Outcome;

/// Define every `wasi_snapshot_preview1` function in `linker`; `get` finds
/// the [`WasiCtx`] in the store's data.
pub fn add_to_linker<T: 'static>(linker: &mut Linker<T>, get: fn(&mut T) -> &mut WasiCtx) {
    for def in FUNCTIONS {
        let params: Vec<ValType> = def
            .params
            .bytes()
            .map(|c| {
                if c == b'I' {
                    ValType::I64
                } else {
                    ValType::I32
                }
            })
            .collect();
        let results = if def.name == "proc_exit" {
            Vec::new()
        } else {
            alloc::vec![ValType::I32]
        };
        let kind = &def.kind;
        linker.func_new(
            MODULE,
            def.name,
            FuncType { params, results },
            move |mut caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                let mut env = env(&mut caller, get);
                let errno = match call(kind, &mut env, &Args(params)) {
                    Ok(()) => Errno::SUCCESS,
                    Err(Fail::Errno(e)) => e,
                    Err(Fail::Trap(t)) => return Err(t),
                };
                if let Some(r) = results.first_mut() {
                    *r = Val::I32(errno.0 as i32);
                }
                Ok(())
            },
        );
    }
}

/// Run one function of the table.
fn call(kind: &Kind, env: &mut Env<'_>, args: &Args<'_>) -> Outcome {
    match kind {
        Kind::Real(body) => body(env, args),
        Kind::OnFd { at, errno } if env.ctx.is_open(args.u32(*at as usize)) => Err((*errno).into()),
        Kind::OnFd { .. } => Err(Errno::BADF.into()),
        Kind::Fixed(errno) => Err((*errno).into()),
    }
}

/// The caller's WASI context and memory, side by side.
fn env<'a, T>(caller: &'a mut Caller<'_, T>, get: fn(&mut T) -> &mut WasiCtx) -> Env<'a> {
    let platform = caller.as_context().engine.platform();
    let epoch: *const AtomicU64 = &caller.as_context().engine.inner.epoch;
    let memory = caller.get_export("memory").and_then(Extern::into_memory);
    // The memory's bytes live in the store's arena and the context in the
    // store's data, so the two mutable borrows never overlap; the public
    // `Memory::data_mut` would tie the bytes to the whole caller instead.
    let mem: &'a mut [u8] = match memory {
        Some(m) => m.state().bytes_mut(),
        None => &mut [],
    };
    // SAFETY: the limits belong to this store and only Wasm of it, which
    // is suspended in this host call, writes them.
    let epoch_deadline = unsafe { *caller.as_context().limits.epoch_deadline.get() };
    let fuel = caller
        .meters_fuel()
        .then(|| caller.as_context().limits.fuel_consumed.get());
    Env {
        ctx: get(caller.data_mut()),
        mem,
        platform,
        epoch_deadline,
        epoch,
        fuel,
    }
}

/// Call the command's `_start` and return its exit code: `proc_exit`'s
/// argument, or 0 when `_start` returns. Traps and other failures come
/// back as `Err`, as from any call.
pub fn run_start<T>(
    store: &mut Store<T>,
    instance: &Instance,
    get: fn(&mut T) -> &mut WasiCtx,
) -> Result<u32, Error> {
    let start = instance.get_typed_func::<(), ()>(&mut *store, "_start")?;
    match start.call(&mut *store, ()) {
        Ok(()) => Ok(0),
        Err(Error::Trap(Trap::Exit, _)) => Ok(get(store.data_mut()).exit_code().unwrap_or(0)),
        Err(e) => Err(e),
    }
}
