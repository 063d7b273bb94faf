//! Shared pieces of the fuzz targets.
//!
//! The runtime is `no_std` and runs aarch64 code; on the fuzzing host it can
//! still check, load and instantiate artifacts (everything up to running
//! code: off aarch64 the runtime's entry returns a trap instead of jumping
//! into the code blob). `basalt_platform::LoadOnly` gives it the little it needs for
//! that, [`load_and_instantiate`] drives it, [`fix_checksum`] lets mutated
//! artifacts past the CRC, and [`wasm2_config`] keeps wasm-smith inside the
//! Wasm 2.0 features the compiler supports.

use basalt::artifact::ArtifactError;
use basalt::{Engine, Error, Func, Linker, Module, Store, StoreConfig, Val, ValType};
use basalt_platform::LoadOnly;
use std::sync::Mutex;

static PLATFORM: LoadOnly = LoadOnly;

/// Code arena per engine; a fresh engine replaces a full one.
const CODE_ARENA: usize = 64 << 20;
/// Store arena, reused by every iteration.
const STORE_ARENA: usize = 16 << 20;

struct Host {
    engine: Engine,
    /// The store arena, handed to one `Store` at a time.
    store_arena: *mut u8,
    /// Bytes of it the last store used (all that needs zeroing again).
    store_used: usize,
}

// SAFETY: `store_arena` points to a leaked allocation that is only touched
// while the `HOST` mutex is held, so moving `Host` between threads is sound.
unsafe impl Send for Host {}

/// A static, not a thread-local: it stays reachable at exit, so the leak
/// checker does not report the arenas the runtime needs as `'static`.
static HOST: Mutex<Option<Host>> = Mutex::new(None);

fn leak(bytes: usize) -> &'static mut [u8] {
    Box::leak(vec![0u8; bytes].into_boxed_slice())
}

fn fresh_engine() -> Engine {
    Engine::new(&PLATFORM, leak(CODE_ARENA))
}

/// Flip nothing, just make the stored CRC-32 (bytes 60..64) match the rest,
/// as `basalt::artifact` computes it: over bytes 0..60 and 64..end.
pub fn fix_checksum(bytes: &mut [u8]) {
    if bytes.len() < 64 {
        return;
    }
    let mut h = crc32fast::Hasher::new();
    h.update(&bytes[..60]);
    h.update(&bytes[64..]);
    let crc = h.finalize();
    bytes[60..64].copy_from_slice(&crc.to_le_bytes());
}

/// What happened to one artifact; every variant is a clean outcome.
#[derive(Debug)]
pub enum Loaded {
    /// `artifact::read` or `Module::new` refused it.
    Refused(Error),
    /// It loaded; instantiation gave this (a typed error or an instance).
    Instantiated(Result<(), Error>),
}

/// Read, load and instantiate `bytes` on the host, then call every export
/// that instantiation produced. Any panic is a finding; every outcome
/// returned is a typed result.
///
/// Off aarch64 a call (including a start function) cannot run the code: it
/// returns `Trap::UnexplainedFault` after the runtime's argument checks, so
/// calls here exercise those checks, not the generated code.
pub fn load_and_instantiate(bytes: &[u8]) -> Loaded {
    // The reader alone must agree with the loader about refusals.
    let read_ok = basalt::artifact::read(bytes).is_ok();
    {
        let mut slot = HOST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let host = slot.get_or_insert_with(|| Host {
            engine: fresh_engine(),
            store_arena: leak(STORE_ARENA).as_mut_ptr(),
            store_used: 0,
        });
        let module = match Module::new(&host.engine, bytes) {
            Err(Error::CodeArenaFull { .. }) => {
                host.engine = fresh_engine();
                Module::new(&host.engine, bytes)
            }
            other => other,
        };
        let module = match module {
            Ok(m) => m,
            Err(e) => {
                // Beyond the reader, only the core's CPU features can
                // refuse an artifact as such.
                assert!(
                    !read_ok
                        || !matches!(e, Error::Artifact(_))
                        || matches!(e, Error::Artifact(ArtifactError::CpuFeatures { .. })),
                    "artifact::read accepted what Module::new refused: {e:?}"
                );
                return Loaded::Refused(e);
            }
        };
        assert!(read_ok, "Module::new accepted what artifact::read refused");
        // Boards start with zeroed arenas; so does every iteration (only
        // what the last store used is dirty).
        // SAFETY: `store_arena` is a leaked allocation of `STORE_ARENA`
        // bytes only ever handed to one store at a time: the store of the
        // previous iteration was dropped before this one returned, and the
        // runtime keeps no pointer into a dropped store's arena.
        let arena = unsafe { std::slice::from_raw_parts_mut(host.store_arena, STORE_ARENA) };
        arena[..host.store_used].fill(0);
        let config = StoreConfig {
            guard_memories: false,
            ..StoreConfig::default()
        };
        let mut store = Store::with_config(&host.engine, arena, (), config);
        let linker = Linker::<()>::new();
        let result = linker.instantiate(&mut store, &module).map(|instance| {
            let exports: Vec<String> = module.exported_funcs().map(|(n, _)| n.into()).collect();
            for name in exports {
                let Some(func) = instance.get_func(&mut store, &name) else {
                    panic!("exported function {name:?} not found on its instance");
                };
                call_on_host(&mut store, func);
            }
        });
        host.store_used = STORE_ARENA - store.arena_available();
        drop(store);
        Loaded::Instantiated(result)
    }
}

/// Call `func` with zero arguments of the right types and with one argument
/// too many: both must come back as typed results.
fn call_on_host(store: &mut Store<()>, func: Func) {
    let ty = func.ty(&*store);
    let args: Vec<Val> = ty.params.iter().map(|t| zero(*t)).collect();
    let mut results: Vec<Val> = ty.results.iter().map(|t| zero(*t)).collect();
    let _ = func.call(&mut *store, &args, &mut results);
    let mut extra = args.clone();
    extra.push(Val::I32(0));
    assert!(
        func.call(&mut *store, &extra, &mut results).is_err(),
        "a call with one argument too many was accepted"
    );
}

fn zero(t: ValType) -> Val {
    match t {
        ValType::I32 => Val::I32(0),
        ValType::I64 => Val::I64(0),
        ValType::F32 => Val::F32(0),
        ValType::F64 => Val::F64(0),
        ValType::V128 => Val::V128(0),
        ValType::FuncRef => Val::FuncRef(None),
        ValType::ExternRef => Val::ExternRef(None),
    }
}

/// Restrict a wasm-smith configuration to Wasm 2.0 (what
/// `basalt_compiler::compile` validates against): no threads, memory64,
/// multi-memory, tail calls, GC, exceptions, relaxed SIMD, extended
/// constants or later proposals. Only turns things off, which keeps the
/// configuration consistent.
pub fn wasm2_config(config: &mut wasm_smith::Config) {
    config.threads_enabled = false;
    config.shared_everything_threads_enabled = false;
    config.memory64_enabled = false;
    config.max_memories = config.max_memories.min(1);
    config.tail_call_enabled = false;
    config.gc_enabled = false;
    config.exceptions_enabled = false;
    config.max_tags = 0;
    config.relaxed_simd_enabled = false;
    config.extended_const_enabled = false;
    config.custom_page_sizes_enabled = false;
    config.wide_arithmetic_enabled = false;
    config.compact_imports_enabled = false;
    config.custom_descriptors_enabled = false;
}

/// Whether wasmparser accepts `wasm` with exactly the compiler's features.
pub fn valid_wasm2(wasm: &[u8]) -> Result<(), wasmparser::BinaryReaderError> {
    wasmparser::Validator::new_with_features(
        wasmparser::WasmFeatures::WASM2 | wasmparser::WasmFeatures::FLOATS,
    )
    .validate_all(wasm)
    .map(|_| ())
}
