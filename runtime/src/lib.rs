//! Basalt: a `no_std` WebAssembly runtime for aarch64 bare metal.
//!
//! Firmware creates an [`Engine`] over its [`basalt_platform::Platform`] and
//! code arena, loads precompiled artifacts as [`Module`]s, instantiates them
//! in a [`Store`] over a static arena and calls exports; every trap comes
//! back as `Err(Error::Trap(_))` and the store stays usable.
#![no_std]

extern crate alloc;

mod arena;
pub mod artifact;
mod code;
mod engine;
mod enter;
mod error;
mod func;
mod instance;
mod libcalls;
mod module;
mod store;
pub mod trap;
mod val;
pub mod vm;

pub use artifact::{FuncType, ValType};
pub use engine::Engine;
pub use error::Error;
pub use func::Func;
pub use instance::Instance;
pub use module::Module;
pub use store::{Store, StoreConfig};
pub use trap::Trap;
pub use val::Val;
