//! wasmtime 48 as a benchmark peer on this board, embedded the way its
//! `min-platform` example does: runtime only (no compiler), no signals-based
//! traps (explicit bounds checks, no guard pages), no custom virtual memory.
//! The host precompiles the kernels (`basalt-bench`) for aarch64 and for
//! Pulley, wasmtime's portable interpreter, with the same [`config`].
//!
//! What the board supplies: the one thread-local pointer wasmtime's
//! `sys/custom` layer asks for ([`wasmtime_tls_get`]/[`wasmtime_tls_set`]),
//! and executable memory for precompiled code: each module is copied into a
//! slice of the code arena that Basalt does not use ([`CODE_SLOT`]) and
//! loaded in place with `Module::deserialize_raw`; wasmtime's
//! `CustomCodeMemory` hook flips its text to read+execute through the same
//! `mmu::protect` Basalt's loader uses (W^X), and back when it is dropped.

use basalt_platform::{Platform, Protection};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use spin::Mutex;
use wasmtime::{Config, CustomCodeMemory, Engine, Instance, Linker, Module, Store};

/// Bytes of the code arena kept for wasmtime (the kernels module is a few
/// hundred KiB of aarch64 code).
pub const CODE_SLOT: usize = 4 << 20;

/// The code slot: page-aligned, read-write except while a module's text is
/// published. One wasmtime module lives at a time.
static SLOT: Mutex<Option<&'static mut [u8]>> = Mutex::new(None);

/// Split [`CODE_SLOT`] bytes off the end of the code arena for wasmtime and
/// return the rest, for Basalt's engine.
pub fn split_code_arena(code: &'static mut [u8]) -> &'static mut [u8] {
    let keep = code.len().saturating_sub(CODE_SLOT);
    let (basalt, wasmtime) = code.split_at_mut(keep);
    *SLOT.lock() = Some(wasmtime);
    basalt
}

/// wasmtime's per-thread state pointer; one core, no threads, so one slot
/// per key. Slot 1 is only used by async component-model features.
static TLS: [AtomicPtr<u8>; 2] = [
    AtomicPtr::new(core::ptr::null_mut()),
    AtomicPtr::new(core::ptr::null_mut()),
];

/// Read wasmtime's thread-local pointer `slot`.
#[no_mangle]
pub extern "C" fn wasmtime_tls_get(slot: usize) -> *mut u8 {
    TLS.get(slot)
        .map_or(core::ptr::null_mut(), |p| p.load(Ordering::Relaxed))
}

/// Set wasmtime's thread-local pointer `slot`.
#[no_mangle]
pub extern "C" fn wasmtime_tls_set(slot: usize, ptr: *mut u8) {
    if let Some(p) = TLS.get(slot) {
        p.store(ptr, Ordering::Relaxed);
    }
}

/// Publishes code by changing page permissions in the code arena.
struct BoardCodeMemory;

impl CustomCodeMemory for BoardCodeMemory {
    fn required_alignment(&self) -> usize {
        basalt_board::mmu::PAGE_SIZE
    }

    fn publish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
        basalt_board::mmu::protect(ptr as usize, len, Protection::READ_EXECUTE)
            .map_err(|e| wasmtime::format_err!("cannot make code executable: {e}"))?;
        basalt_board::PLATFORM.sync_icache(ptr as usize, len);
        Ok(())
    }

    fn unpublish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
        basalt_board::mmu::protect(ptr as usize, len, Protection::READ_WRITE)
            .map_err(|e| wasmtime::format_err!("cannot make code writable: {e}"))
    }
}

/// Which code a precompiled module holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Cranelift's aarch64 code.
    Native,
    /// Pulley bytecode, run by wasmtime's interpreter.
    Pulley,
}

impl Flavor {
    /// `native` or `pulley`.
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "native" => Some(Flavor::Native),
            "pulley" => Some(Flavor::Pulley),
            _ => None,
        }
    }
}

/// The device side of the settings `basalt-bench` precompiles with: every
/// setting the artifact's compatibility header records must match.
fn config(flavor: Flavor) -> wasmtime::Result<Config> {
    let mut c = Config::new();
    if flavor == Flavor::Pulley {
        c.target("pulley64")?;
    }
    c.signals_based_traps(false);
    c.memory_reservation(0);
    c.memory_guard_size(0);
    c.memory_init_cow(false);
    c.memory_reservation_for_growth(0);
    c.max_wasm_stack(256 * 1024);
    c.with_custom_code_memory(Some(alloc::sync::Arc::new(BoardCodeMemory)));
    Ok(c)
}

/// A loaded module with its engine; drop it before loading the next one
/// (they share the code slot).
pub struct Loaded {
    /// The engine the module was loaded into.
    pub engine: Engine,
    /// The module, its code in the slot.
    pub module: Module,
}

/// Copy the precompiled `cwasm` into the code slot and load it in place.
pub fn load(flavor: Flavor, cwasm: &[u8]) -> wasmtime::Result<Loaded> {
    let engine = Engine::new(&config(flavor)?)?;
    let mut slot = SLOT.lock();
    let slot = slot
        .as_mut()
        .ok_or_else(|| wasmtime::format_err!("no code slot (split_code_arena not called)"))?;
    let dest = slot
        .get_mut(..cwasm.len())
        .ok_or_else(|| wasmtime::format_err!("module larger than the code slot"))?;
    dest.copy_from_slice(cwasm);
    let memory = NonNull::from(&mut *dest);
    // SAFETY: `cwasm` is `Engine::precompile_module` output for this wasmtime
    // version made by basalt-bench (wasmtime checks its header and refuses
    // other versions or settings). The slot is 'static, and nothing else
    // writes to it while the module lives: the only writer is this function,
    // and the benchmark commands drop each module before loading another.
    let module = unsafe { Module::deserialize_raw(&engine, memory)? };
    Ok(Loaded { engine, module })
}

/// Instantiate `loaded` in a fresh store with `bench.nop` as its only import.
pub fn instantiate(loaded: &Loaded) -> wasmtime::Result<(Store<()>, Instance)> {
    let mut store = Store::new(&loaded.engine, ());
    let mut linker = Linker::<()>::new(&loaded.engine);
    linker.func_wrap("bench", "nop", || {})?;
    let instance = linker.instantiate(&mut store, &loaded.module)?;
    Ok((store, instance))
}
