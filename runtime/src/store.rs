//! The store: a static arena, the runtime limits and every instance in it.

use crate::arena::Arena;
use crate::engine::Engine;
use crate::instance::InstanceData;
use crate::vm::VMRuntimeLimits;
use alloc::boxed::Box;
use alloc::vec::Vec;

/// Tunables of a store.
#[derive(Clone, Copy, Debug)]
pub struct StoreConfig {
    /// Largest reservation one linear memory takes from the arena. A memory
    /// grows in place up to its reservation; `memory.grow` past it returns -1.
    pub max_memory_bytes: usize,
    /// Stack kept free below Wasm for host functions and libcalls.
    pub host_stack_reserve: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            max_memory_bytes: 64 << 20,
            host_stack_reserve: 32 << 10,
        }
    }
}

/// Owns instances and their state, like `wasmtime::Store`, over an arena
/// the firmware provides (e.g. a `static` buffer placed by the linker).
pub struct Store<T> {
    pub(crate) engine: Engine,
    pub(crate) arena: Arena,
    pub(crate) config: StoreConfig,
    pub(crate) limits: Box<VMRuntimeLimits>,
    pub(crate) instances: Vec<InstanceData>,
    data: T,
}

impl<T> Store<T> {
    /// A store whose instances live in `arena`.
    pub fn new(engine: &Engine, arena: &'static mut [u8], data: T) -> Self {
        Self::with_config(engine, arena, data, StoreConfig::default())
    }

    /// A store with explicit tunables.
    pub fn with_config(
        engine: &Engine,
        arena: &'static mut [u8],
        data: T,
        config: StoreConfig,
    ) -> Self {
        Self {
            engine: engine.clone(),
            arena: Arena::new(arena),
            config,
            limits: Box::new(VMRuntimeLimits::new()),
            instances: Vec::new(),
            data,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// User data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// Mutable user data.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Bytes of the arena still free.
    pub fn arena_available(&self) -> usize {
        self.arena.available(16)
    }
}
