//! The store: a static arena, the runtime limits and everything
//! instantiated or created in it. Handles (`Func`, `Memory`, ...) belong to
//! the store that made them.

use crate::arena::Arena;
use crate::engine::Engine;
use crate::host::HostFuncContext;
use crate::instance::InstanceState;
use crate::memory::MemoryState;
use crate::pool::MemoryPool;
use crate::table::TableState;
use crate::vm::VMRuntimeLimits;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::any::Any;

/// Tunables of a store.
#[derive(Clone, Copy, Debug)]
pub struct StoreConfig {
    /// Bytes a linear memory reserves beyond its initial size (bounded by
    /// its declared maximum). A memory grows in place within its
    /// reservation, and the newest allocation of the arena may grow further
    /// into the arena's free tail; `memory.grow` past that returns -1.
    pub memory_reserve: usize,
    /// Elements a table reserves beyond its initial size, likewise.
    pub table_reserve: u32,
    /// Stack kept free below Wasm for host functions and libcalls.
    pub host_stack_reserve: usize,
    /// Put linear memories in guard-page reservations when the platform can
    /// map memory (required by guard-mode artifacts; explicit-mode code
    /// works with either kind).
    pub guard_memories: bool,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            memory_reserve: 1 << 20,
            table_reserve: 1024,
            host_stack_reserve: 32 << 10,
            guard_memories: true,
        }
    }
}

/// Owns instances and their state, like `wasmtime::Store`, over an arena
/// the firmware provides (e.g. a `static` buffer placed by the linker).
pub struct Store<T> {
    pub(crate) inner: Box<StoreOpaque<T>>,
}

/// The store's contents, at a stable address (compiled code and host
/// functions point into it). Reached through [`AsContext`].
pub struct StoreOpaque<T> {
    pub(crate) id: StoreId,
    pub(crate) engine: Engine,
    pub(crate) arena: Arena,
    pub(crate) config: StoreConfig,
    pub(crate) limits: VMRuntimeLimits,
    pub(crate) instances: Vec<Box<InstanceState>>,
    pub(crate) host_funcs: Vec<Box<HostFuncContext<T>>>,
    pub(crate) host_memories: Vec<Box<MemoryState>>,
    pub(crate) host_tables: Vec<Box<TableState>>,
    pub(crate) externrefs: Vec<Box<dyn Any + Send + Sync>>,
    /// Where instances' own memories come from, if not the arena.
    pub(crate) pool: Option<MemoryPool>,
    pub(crate) data: T,
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
            inner: Box::new(StoreOpaque {
                id: StoreId::next(),
                engine: engine.clone(),
                arena: Arena::new(arena),
                config,
                limits: VMRuntimeLimits::new(),
                instances: Vec::new(),
                host_funcs: Vec::new(),
                host_memories: Vec::new(),
                host_tables: Vec::new(),
                externrefs: Vec::new(),
                pool: None,
                data,
            }),
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Take the memories of instances made from now on from `pool`'s
    /// slots rather than this store's arena (memories the host creates
    /// with `Memory::new` still come from the arena). A slot goes back to
    /// the pool, zeroed, when the store drops.
    pub fn set_memory_pool(&mut self, pool: MemoryPool) {
        self.inner.pool = Some(pool);
    }

    /// Drop the store and everything in it (instances, memories, host
    /// functions, its hold on modules) and take its arena back, e.g. for
    /// the next store: firmware that creates an instance per request
    /// reuses one static buffer.
    pub fn into_arena(self) -> &'static mut [u8] {
        let arena = {
            let inner = *self.inner;
            let StoreOpaque { arena, .. } = inner;
            arena
            // The rest of the store (instances, memories, pool slots) drops
            // here, while nothing else refers to the arena it used.
        };
        // SAFETY: the store is gone, and with it every pointer into the
        // arena it handed out (instances, memories, tables); the arena was
        // made from exactly this exclusive `'static` slice.
        unsafe { arena.into_slice() }
    }

    /// User data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }

    /// Mutable user data.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    /// Bytes of the arena still free.
    pub fn arena_available(&self) -> usize {
        self.inner.arena.available(16)
    }

    /// Grant `fuel` units to fuel-metered code (see the compiler's rate
    /// table); running out traps with `Trap::OutOfFuel`.
    pub fn set_fuel(&mut self, fuel: u64) {
        let consumed = -(fuel.min(i64::MAX as u64) as i64);
        // SAFETY: no Wasm of this store runs while the host holds `&mut self`.
        unsafe { *self.inner.limits.fuel_consumed.get() = consumed };
    }

    /// Fuel left (exact after a call returns).
    pub fn get_fuel(&self) -> u64 {
        // SAFETY: as in `set_fuel`.
        let consumed = unsafe { *self.inner.limits.fuel_consumed.get() };
        if consumed >= 0 {
            0
        } else {
            consumed.unsigned_abs()
        }
    }

    /// Let epoch-checked code run until the engine's epoch advances `delta`
    /// more times; then it traps with `Trap::Interrupt`.
    pub fn set_epoch_deadline(&mut self, delta: u64) {
        let now = self.inner.engine.epoch();
        // SAFETY: as in `set_fuel`.
        unsafe { *self.inner.limits.epoch_deadline.get() = now.saturating_add(delta) };
    }
}

/// Identity of a store. Every handle (`Func`, `Memory`, `Instance`, ...)
/// carries its store's id, so using it with another store is an error
/// rather than a dangling pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StoreId(u64);

impl StoreId {
    fn next() -> Self {
        static NEXT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);
        StoreId(NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed))
    }
}

/// Read access to a store: implemented by [`Store`] and [`crate::Caller`].
pub trait AsContext {
    /// The store's user data type.
    type Data;
    /// The store's contents.
    fn as_context(&self) -> &StoreOpaque<Self::Data>;
}

/// Write access to a store: implemented by [`Store`] and [`crate::Caller`].
pub trait AsContextMut: AsContext {
    /// The store's contents.
    fn as_context_mut(&mut self) -> &mut StoreOpaque<Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> &StoreOpaque<T> {
        &self.inner
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> &mut StoreOpaque<T> {
        &mut self.inner
    }
}

impl<T> AsContext for StoreOpaque<T> {
    type Data = T;
    fn as_context(&self) -> &StoreOpaque<T> {
        self
    }
}

impl<T> AsContextMut for StoreOpaque<T> {
    fn as_context_mut(&mut self) -> &mut StoreOpaque<T> {
        self
    }
}

impl<S: AsContext> AsContext for &S {
    type Data = S::Data;
    fn as_context(&self) -> &StoreOpaque<S::Data> {
        (**self).as_context()
    }
}

impl<S: AsContext> AsContext for &mut S {
    type Data = S::Data;
    fn as_context(&self) -> &StoreOpaque<S::Data> {
        (**self).as_context()
    }
}

impl<S: AsContextMut> AsContextMut for &mut S {
    fn as_context_mut(&mut self) -> &mut StoreOpaque<S::Data> {
        (**self).as_context_mut()
    }
}

impl<T> StoreOpaque<T> {
    /// This store's identity.
    pub fn id(&self) -> StoreId {
        self.id
    }

    /// Fail unless a handle made by store `owner` belongs to this store.
    pub(crate) fn check(&self, owner: StoreId) -> Result<(), crate::Error> {
        if owner == self.id {
            Ok(())
        } else {
            Err(crate::Error::WrongStore)
        }
    }

    /// Like [`StoreOpaque::check`] for calls that cannot return an error:
    /// using a handle with a foreign store is a bug in the embedder.
    pub(crate) fn assert_owns(&self, owner: StoreId) {
        assert!(
            owner == self.id,
            "a handle was used with a store other than its own"
        );
    }

    /// Whether `addr` lies in the guard reservation of one of this store's
    /// memories (the trap hook's test for a heap access that faulted).
    pub(crate) fn owns_heap_address(&self, addr: usize) -> bool {
        let instance_memories = self.instances.iter().flat_map(|i| &i.owned_memories);
        instance_memories
            .chain(&self.host_memories)
            .any(|m| m.reservation_contains(addr))
    }

    /// The platform, if new memories should be guarded (it may still turn
    /// out unable to reserve; then memories are contiguous).
    pub(crate) fn guard_platform(&self) -> Option<&'static dyn basalt_platform::Platform> {
        self.config
            .guard_memories
            .then_some(self.engine.inner.platform)
    }

    /// User data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// Mutable user data.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}
