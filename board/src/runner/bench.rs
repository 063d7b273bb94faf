//! Benchmark commands of the job runner (`bench-*`), for `basalt-bench`.
//!
//! Each reply is `#n ok` followed by `i64` values, the first ones being what
//! was measured in clock ticks (`CNTVCT_EL0`; under `-icount shift=0` one
//! tick is 16 guest instructions). The cost of reading the clock itself is
//! subtracted, so an empty region measures 0.
//! - `bench-native <kernel> <n>`: the kernel compiled natively into this
//!   firmware → result, ticks.
//! - `bench-call <instance-id> <export> <n>`: a Basalt instance's
//!   `(i32) -> i64` export → result, ticks.
//! - `bench-wasmi <artifact> <export> <n>`: the raw `.wasm` in artifact slot
//!   `<artifact>`, compiled eagerly by wasmi and instantiated outside the
//!   timed region → result, ticks.
//! - `bench-instantiate <artifact> <instance-id>`: instantiate a Basalt
//!   artifact (loaded outside the timed region) → ticks, memory-arena bytes
//!   and heap bytes the instance took.
//! - `bench-store`: create a `Store<()>` with the job's memory pool (if
//!   any), as an instance per request needs one → ticks, heap bytes.
//! - `bench-wasmi-instantiate <artifact>`: the same for wasmi, from raw
//!   `.wasm` (parse, validate, compile, instantiate) → ticks, heap bytes.
//! - `bench-calls <instance-id> <k>`: `k` calls each of the call-cost
//!   module's exports (see `basalt-bench`) → ticks of `k` calls to `empty`,
//!   `k` calls to `call_host` (host → Wasm → host), one `loop_host k` (Wasm
//!   → host k times) and one `loop_empty k` (the same loop without calls).
//! - `bench-wasmtime <artifact> <native|pulley> <export> <n>`: a wasmtime
//!   precompiled module, loaded and instantiated outside the timed region
//!   → result, ticks.
//! - `bench-wasmtime-instantiate <artifact> <native|pulley>`: instantiate
//!   (module already loaded) → ticks, heap bytes the instance and its store
//!   took.
//! - `bench-wasmtime-calls <artifact> <native|pulley> <k>`: as `bench-calls`.
//! - `bench-verify <artifact>`: check the artifact's Ed25519 signature
//!   against the job's trusted keys (header decoded outside the timed
//!   region) → ticks.
//!
//! Modules that import `bench.nop` get it from here: the runner's linker
//! gains it on the first `bench-instantiate`.

use super::{bad, number, Reply, Runner};
use alloc::vec::Vec;
use basalt::{Error, Val};
use basalt_platform::Platform;

/// Run one `bench-*` command.
pub(super) fn command<'w>(
    r: &mut Runner<'_>,
    cmd: &str,
    words: &mut impl Iterator<Item = &'w str>,
    platform: &dyn Platform,
) -> Result<Vec<Val>, Reply> {
    let clock = Clock::new(platform);
    let values: Vec<i64> = match cmd {
        "bench-native" => {
            let name = words.next().ok_or_else(|| bad("missing kernel"))?;
            let kernel = basalt_bench_kernels::kernel(name).ok_or_else(|| bad("unknown kernel"))?;
            let n = number(words)?;
            let (result, ticks) = clock.time(|| (kernel.run)(n));
            alloc::vec![result as i64, ticks]
        }
        "bench-call" => {
            let instance = r.instance(words)?;
            let name = words.next().ok_or_else(|| bad("missing export"))?;
            let n = number(words)?;
            let f = instance.get_typed_func::<i32, i64>(&mut r.store, name)?;
            let (result, ticks) = clock.time(|| f.call(&mut r.store, n as i32));
            alloc::vec![result?, ticks]
        }
        "bench-wasmi" => {
            let wasm = artifact(r, words)?;
            let name = words.next().ok_or_else(|| bad("missing export"))?;
            let n = number(words)?;
            let (mut store, instance) = wasmi_instance(wasm)?;
            let f = instance
                .get_typed_func::<i32, i64>(&store, name)
                .map_err(wasmi_error)?;
            let (result, ticks) = clock.time(|| f.call(&mut store, n as i32));
            alloc::vec![result.map_err(wasmi_error)?, ticks]
        }
        "bench-instantiate" => {
            let index = number(words)? as usize;
            let id = number(words)?;
            let bytes = *r
                .artifacts
                .get(index)
                .ok_or_else(|| bad("unknown artifact"))?;
            let module = basalt::Module::new(&r.engine, bytes)?;
            r.linker.func_wrap("bench", "nop", || {});
            let (arena, heap) = (r.store.arena_available(), basalt_board::heap::free_bytes());
            let (instance, ticks) = clock.time(|| r.linker.instantiate(&mut r.store, &module));
            let instance = instance?;
            let arena_used = arena - r.store.arena_available();
            let heap_used = heap.saturating_sub(basalt_board::heap::free_bytes());
            r.modules.insert(index, module);
            r.instances.insert(id, instance);
            alloc::vec![ticks, arena_used as i64, heap_used as i64]
        }
        "bench-store" => {
            let heap = basalt_board::heap::free_bytes();
            let (store, ticks) = clock.time(|| {
                let mut store = basalt::Store::new(&r.engine, &mut [], ());
                if let Some(pool) = &r.pool {
                    store.set_memory_pool(pool.clone());
                }
                store
            });
            let heap_used = heap.saturating_sub(basalt_board::heap::free_bytes());
            drop(store);
            alloc::vec![ticks, heap_used as i64]
        }
        "bench-wasmi-instantiate" => {
            let wasm = artifact(r, words)?;
            let heap = basalt_board::heap::free_bytes();
            let (made, ticks) = clock.time(|| wasmi_instance(wasm));
            let heap_used = heap.saturating_sub(basalt_board::heap::free_bytes());
            drop(made?);
            alloc::vec![ticks, heap_used as i64]
        }
        "bench-calls" => {
            let instance = r.instance(words)?;
            let k = number(words)?;
            let s = &mut r.store;
            let empty = instance.get_typed_func::<(), ()>(&mut *s, "empty")?;
            let host = instance.get_typed_func::<(), ()>(&mut *s, "call_host")?;
            let loop_host = instance.get_typed_func::<i32, ()>(&mut *s, "loop_host")?;
            let loop_empty = instance.get_typed_func::<i32, ()>(&mut *s, "loop_empty")?;
            let repeat = |f: &basalt::TypedFunc<(), ()>, s: &mut basalt::Store<_>| {
                clock.time(|| (0..k).try_for_each(|_| f.call(&mut *s, ())))
            };
            let (a, empty_ticks) = repeat(&empty, s);
            let (b, host_ticks) = repeat(&host, s);
            let (c, loop_host_ticks) = clock.time(|| loop_host.call(&mut *s, k as i32));
            let (d, loop_empty_ticks) = clock.time(|| loop_empty.call(&mut *s, k as i32));
            a.and(b).and(c).and(d)?;
            alloc::vec![empty_ticks, host_ticks, loop_host_ticks, loop_empty_ticks]
        }
        "bench-wasmtime" => {
            let (loaded, _) = wasmtime_module(r, words)?;
            let name = words.next().ok_or_else(|| bad("missing export"))?;
            let n = number(words)?;
            let (mut store, instance) =
                wasmtime_peer::instantiate(&loaded).map_err(wasmtime_error)?;
            let f = instance
                .get_typed_func::<i32, i64>(&mut store, name)
                .map_err(wasmtime_error)?;
            let (result, ticks) = clock.time(|| f.call(&mut store, n as i32));
            alloc::vec![result.map_err(wasmtime_error)?, ticks]
        }
        "bench-wasmtime-instantiate" => {
            let (loaded, _) = wasmtime_module(r, words)?;
            let heap = basalt_board::heap::free_bytes();
            let (made, ticks) = clock.time(|| wasmtime_peer::instantiate(&loaded));
            let heap_used = heap.saturating_sub(basalt_board::heap::free_bytes());
            drop(made.map_err(wasmtime_error)?);
            alloc::vec![ticks, heap_used as i64]
        }
        "bench-wasmtime-calls" => {
            let (loaded, _) = wasmtime_module(r, words)?;
            let k = number(words)?;
            let (mut store, instance) =
                wasmtime_peer::instantiate(&loaded).map_err(wasmtime_error)?;
            let s = &mut store;
            let typed = |s: &mut wasmtime::Store<()>, name: &str| {
                instance
                    .get_typed_func::<(), ()>(&mut *s, name)
                    .map_err(wasmtime_error)
            };
            let empty = typed(s, "empty")?;
            let host = typed(s, "call_host")?;
            let loop_host = instance
                .get_typed_func::<i32, ()>(&mut *s, "loop_host")
                .map_err(wasmtime_error)?;
            let loop_empty = instance
                .get_typed_func::<i32, ()>(&mut *s, "loop_empty")
                .map_err(wasmtime_error)?;
            let repeat = |f: &wasmtime::TypedFunc<(), ()>, s: &mut wasmtime::Store<()>| {
                clock.time(|| (0..k).try_for_each(|_| f.call(&mut *s, ())))
            };
            let (a, empty_ticks) = repeat(&empty, s);
            let (b, host_ticks) = repeat(&host, s);
            let (c, loop_host_ticks) = clock.time(|| loop_host.call(&mut *s, k as i32));
            let (d, loop_empty_ticks) = clock.time(|| loop_empty.call(&mut *s, k as i32));
            a.and(b).and(c).and(d).map_err(wasmtime_error)?;
            alloc::vec![empty_ticks, host_ticks, loop_host_ticks, loop_empty_ticks]
        }
        "bench-verify" => {
            let bytes = artifact(r, words)?;
            let header = basalt::artifact::Header::decode(bytes).map_err(Error::from)?;
            let keys = r.engine.trusted_keys();
            let (verified, ticks) = clock.time(|| basalt::artifact::verify(bytes, &header, keys));
            verified.map_err(Error::from)?;
            alloc::vec![ticks]
        }
        _ => return Err(bad("unknown bench command")),
    };
    Ok(values.into_iter().map(Val::I64).collect())
}

/// The board's clock, with the cost of reading it measured once.
struct Clock<'p> {
    platform: &'p dyn Platform,
    overhead: u64,
}

impl<'p> Clock<'p> {
    fn new(platform: &'p dyn Platform) -> Self {
        let t0 = platform.ticks();
        let t1 = platform.ticks();
        Clock {
            platform,
            overhead: t1 - t0,
        }
    }

    /// Run `f`, returning its value and the ticks it took.
    fn time<R>(&self, f: impl FnOnce() -> R) -> (R, i64) {
        let t0 = self.platform.ticks();
        let value = f();
        let t1 = self.platform.ticks();
        (value, (t1 - t0).saturating_sub(self.overhead) as i64)
    }
}

/// The bytes in the artifact slot the next word names.
fn artifact<'a, 'w>(
    r: &Runner<'a>,
    words: &mut impl Iterator<Item = &'w str>,
) -> Result<&'a [u8], Reply> {
    let index = number(words)? as usize;
    r.artifacts
        .get(index)
        .copied()
        .ok_or_else(|| bad("unknown artifact"))
}

/// Compile `wasm` with wasmi (eagerly, so no translation happens inside a
/// timed call) and instantiate it, with `bench.nop` as its only host
/// function.
fn wasmi_instance(wasm: &[u8]) -> Result<(wasmi::Store<()>, wasmi::Instance), Reply> {
    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Eager);
    let engine = wasmi::Engine::new(&config);
    let module = wasmi::Module::new(&engine, wasm).map_err(wasmi_error)?;
    let mut store = wasmi::Store::new(&engine, ());
    let mut linker = wasmi::Linker::<()>::new(&engine);
    linker
        .func_wrap("bench", "nop", || {})
        .map_err(|e| Reply::Error(alloc::format!("wasmi: {e}")))?;
    let instance = linker
        .instantiate_and_start(&mut store, &module)
        .map_err(wasmi_error)?;
    Ok((store, instance))
}

fn wasmi_error(e: wasmi::Error) -> Reply {
    Reply::Error(alloc::format!("wasmi: {e}"))
}

/// Load the wasmtime module in the artifact slot and flavor the next two
/// words name.
fn wasmtime_module<'w>(
    r: &Runner<'_>,
    words: &mut impl Iterator<Item = &'w str>,
) -> Result<(wasmtime_peer::Loaded, wasmtime_peer::Flavor), Reply> {
    let cwasm = artifact(r, words)?;
    let flavor = words
        .next()
        .and_then(wasmtime_peer::Flavor::parse)
        .ok_or_else(|| bad("expected native or pulley"))?;
    let loaded = wasmtime_peer::load(flavor, cwasm).map_err(wasmtime_error)?;
    Ok((loaded, flavor))
}

fn wasmtime_error(e: wasmtime::Error) -> Reply {
    Reply::Error(alloc::format!("wasmtime: {e}"))
}

#[path = "bench_wasmtime.rs"]
pub(super) mod wasmtime_peer;
