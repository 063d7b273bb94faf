//! Basalt: a `no_std` WebAssembly runtime for aarch64 bare metal.
//!
//! Firmware creates an [`Engine`] over its [`basalt_platform::Platform`] and
//! code arena, loads precompiled artifacts as [`Module`]s, instantiates them
//! in a [`Store`] over a static arena (through a [`Linker`] that provides
//! host functions and other instances' exports) and calls exports; every
//! trap comes back as `Err(Error::Trap(reason, backtrace))` and the store
//! stays usable.
//!
//! ```no_run
//! use basalt::{Caller, Engine, Error, Linker, Module, Store, Trap};
//! use basalt_platform::{DeviceError, MapError, Platform, Protection, StackBounds};
//!
//! struct Board;
//! impl Platform for Board {
//!     fn page_size(&self) -> usize { 4096 }
//!     fn has_mmu(&self) -> bool { false }
//!     fn reserve(&self, _: usize) -> Result<usize, MapError> { Err(MapError::Unsupported) }
//!     fn map(&self, _: usize, _: usize, _: usize, _: Protection) -> Result<(), MapError> { Err(MapError::Unsupported) }
//!     fn protect(&self, _: usize, _: usize, _: Protection) -> Result<(), MapError> { Ok(()) }
//!     fn unmap(&self, _: usize, _: usize) -> Result<(), MapError> { Err(MapError::Unsupported) }
//!     fn sync_icache(&self, _: usize, _: usize) {}
//!     fn stack_bounds(&self) -> StackBounds { StackBounds { low: 0x4061_3000, high: 0x4071_3000 } }
//!     fn ticks(&self) -> u64 { 0 }
//!     fn tick_hz(&self) -> u64 { 1 }
//!     fn start_epoch_timer(&self, _: u64) -> Result<(), DeviceError> { Err(DeviceError::Unsupported) }
//! }
//! static BOARD: Board = Board;
//!
//! fn run(code_arena: &'static mut [u8], memory_arena: &'static mut [u8], artifact: &[u8]) -> Result<(), Error> {
//!     let engine = Engine::new(&BOARD, code_arena);
//!     let module = Module::new(&engine, artifact)?;
//!     let mut store = Store::new(&engine, memory_arena, 0u32);
//!     let mut linker = Linker::new();
//!     // A host function that reads the guest's memory and counts calls.
//!     linker.func_wrap("env", "log", |mut caller: Caller<'_, u32>, ptr: i32, len: i32| -> Result<(), Trap> {
//!         *caller.data_mut() += 1;
//!         let memory = caller.get_export("memory").and_then(|e| e.into_memory()).ok_or(Trap::HostError)?;
//!         let mut buf = [0u8; 64];
//!         let len = (len as usize).min(buf.len());
//!         memory.read(&caller, ptr as usize, &mut buf[..len]).map_err(|_| Trap::HostError)?;
//!         Ok(())
//!     });
//!     let instance = linker.instantiate(&mut store, &module)?;
//!     let step = instance.get_typed_func::<i32, i32>(&mut store, "step")?;
//!     match step.call(&mut store, 0) {
//!         // e.g. integer divide by zero, and the Wasm frames that led there
//!         Err(Error::Trap(trap, backtrace)) => { let _ = (trap, backtrace.frames()); }
//!         other => { other?; }
//!     }
//!     let next = step.call(&mut store, 1)?; // the instance keeps working after a trap
//!     let _ = (next, store.data());
//!     Ok(())
//! }
//! ```
#![no_std]
// Store and instance state is boxed inside vectors on purpose: compiled code,
// other instances and libcalls hold pointers to it while the vectors grow.
#![allow(clippy::vec_box)]

extern crate alloc;

mod arena;
pub mod artifact;
mod backtrace;
mod code;
mod engine;
mod enter;
mod error;
mod externref;
mod func;
mod global;
mod host;
pub mod index;
mod instance;
mod instantiate;
mod libcalls;
mod linker;
mod memory;
mod module;
mod pool;
pub mod profile;
mod signatures;
pub mod stack;
mod store;
mod table;
pub mod trap;
mod typed;
mod val;
pub mod vm;
#[cfg(feature = "wasi")]
pub mod wasi;

pub use artifact::{
    FuncType, GlobalType, MemoryPlan as MemoryType, TablePlan as TableType, ValType,
};
pub use backtrace::{FrameInfo, FuncName, WasmBacktrace, MAX_FRAMES};
pub use engine::Engine;
pub use error::Error;
pub use externref::ExternRef;
pub use func::Func;
pub use global::Global;
pub use host::{Caller, HostFn, HostFunc, IntoFunc, WasmRet, WasmTy, WithCaller};
pub use instance::{Extern, Instance};
pub use linker::Linker;
pub use memory::Memory;
pub use module::Module;
pub use pool::{MemoryPool, PoolConfig};
pub use store::{AsContext, AsContextMut, Store, StoreConfig, StoreOpaque};
pub use table::Table;
pub use trap::Trap;
pub use typed::{TypedFunc, WasmParams, WasmResults};
pub use val::Val;
