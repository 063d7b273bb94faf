//! The runtime's error type.

use crate::artifact::{ArtifactError, ValType};
use crate::backtrace::WasmBacktrace;
use crate::Trap;
use alloc::string::String;
use basalt_platform::{DeviceError, MapError};
use core::fmt;

/// Everything that can fail when loading, instantiating or calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The artifact was refused.
    Artifact(ArtifactError),
    /// Wasm trapped (during a call or instantiation): the reason and the
    /// Wasm frames on the stack when it happened, innermost first.
    Trap(Trap, WasmBacktrace),
    /// A profiler is already sampling (there is one sampling timer).
    ProfilerBusy,
    /// The engine's code arena cannot hold the module's code.
    CodeArenaFull {
        /// Bytes needed.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// The store's arena cannot hold an instance.
    StoreArenaFull {
        /// Bytes needed.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// The platform refused a mapping change.
    Map(MapError),
    /// A timer or the entropy source of the platform refused a request.
    Device(DeviceError),
    /// A module was instantiated in a store of another engine (its code
    /// and signature ids belong to its own engine).
    WrongEngine,
    /// The instance has no export of this name (or none of the kind asked for).
    UnknownExport(String),
    /// A call with the wrong number of arguments.
    ArgumentCount {
        /// Parameters of the function.
        expected: usize,
        /// Arguments given.
        given: usize,
    },
    /// An argument of the wrong type.
    ArgumentType {
        /// Position of the argument.
        index: usize,
        /// Parameter type.
        expected: ValType,
        /// Argument type.
        given: ValType,
    },
    /// The results slice does not match the function's result count.
    ResultCount {
        /// Results of the function.
        expected: usize,
        /// Slots given.
        given: usize,
    },
    /// A host function was about to reach Wasm (a table, a global, an
    /// argument or a result) but no module instantiated in the store imports
    /// a function of its signature, so there is no wasm-to-host trampoline
    /// through which Wasm could call it.
    NotCallable,
    /// The heap cannot hold what the module asks for (named).
    OutOfMemory(&'static str),
    /// Calling into Wasm needs an aarch64 host.
    UnsupportedHost,
    /// A handle (function, memory, table, global, instance, reference) was
    /// used with a store other than the one that made it.
    WrongStore,
    /// Limits that cannot be honoured (e.g. minimum above maximum).
    Limits(&'static str),
    /// A value of the wrong type for what it was given to.
    TypeMismatch(&'static str),
    /// A host access outside a memory or table.
    OutOfBounds,
    /// A memory or table could not grow.
    GrowFailed,
    /// `set` on an immutable global.
    Immutable,
    /// `Instance::new` got a different number of imports than the module has.
    ImportCount {
        /// Imports of the module.
        expected: usize,
        /// Externs given.
        given: usize,
    },
    /// The linker has no definition for an import.
    UnknownImport {
        /// Module name.
        module: String,
        /// Field name.
        name: String,
    },
    /// A definition does not match the import's type.
    IncompatibleImport {
        /// Module name.
        module: String,
        /// Field name.
        name: String,
        /// What differs.
        reason: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Artifact(e) => write!(f, "cannot load artifact: {e}"),
            Error::Trap(t, _) => write!(f, "wasm trap: {t}"),
            Error::ProfilerBusy => f.write_str("a profiler is already running"),
            Error::CodeArenaFull { needed, available } => {
                write!(f, "code arena full: need {needed} bytes, {available} left")
            }
            Error::StoreArenaFull { needed, available } => {
                write!(f, "store arena full: need {needed} bytes, {available} left")
            }
            Error::Map(e) => write!(f, "memory mapping failed: {e}"),
            Error::Device(e) => write!(f, "platform device: {e}"),
            Error::WrongEngine => {
                f.write_str("the module belongs to another engine than the store")
            }
            Error::UnknownExport(name) => write!(f, "the instance has no such export: `{name}`"),
            Error::ArgumentCount { expected, given } => {
                write!(
                    f,
                    "wrong number of arguments: expected {expected}, given {given}"
                )
            }
            Error::ArgumentType {
                index,
                expected,
                given,
            } => {
                write!(f, "argument {index} has type {given}, expected {expected}")
            }
            Error::ResultCount { expected, given } => {
                write!(
                    f,
                    "wrong number of result slots: expected {expected}, given {given}"
                )
            }
            Error::NotCallable => f.write_str(
                "host function cannot be called from Wasm: no module in the store imports a function of its signature",
            ),
            Error::OutOfMemory(what) => write!(f, "out of heap memory for {what}"),
            Error::UnsupportedHost => f.write_str("calling Wasm code needs an aarch64 host"),
            Error::WrongStore => f.write_str("a handle was used with a store other than its own"),
            Error::Limits(what) => write!(f, "invalid limits: {what}"),
            Error::TypeMismatch(what) => write!(f, "type mismatch: {what}"),
            Error::OutOfBounds => f.write_str("access out of bounds"),
            Error::GrowFailed => f.write_str("cannot grow: limit or arena exhausted"),
            Error::Immutable => f.write_str("global is immutable"),
            Error::ImportCount { expected, given } => {
                write!(f, "module has {expected} imports, {given} given")
            }
            Error::UnknownImport { module, name } => {
                write!(f, "unknown import: `{module}::{name}` has not been defined")
            }
            Error::IncompatibleImport {
                module,
                name,
                reason,
            } => {
                write!(
                    f,
                    "incompatible import type for `{module}::{name}`: {reason}"
                )
            }
        }
    }
}

impl From<ArtifactError> for Error {
    fn from(e: ArtifactError) -> Self {
        Error::Artifact(e)
    }
}

/// A trap without frames (raised by the host, outside Wasm).
impl From<Trap> for Error {
    fn from(t: Trap) -> Self {
        Error::Trap(t, WasmBacktrace::default())
    }
}

impl Error {
    /// The trap, if this is one.
    pub fn trap(&self) -> Option<Trap> {
        match self {
            Error::Trap(t, _) => Some(*t),
            _ => None,
        }
    }

    /// The trap's Wasm backtrace, if this is a trap.
    pub fn backtrace(&self) -> Option<&WasmBacktrace> {
        match self {
            Error::Trap(_, bt) => Some(bt),
            _ => None,
        }
    }
}

impl From<MapError> for Error {
    fn from(e: MapError) -> Self {
        Error::Map(e)
    }
}

impl From<DeviceError> for Error {
    fn from(e: DeviceError) -> Self {
        Error::Device(e)
    }
}

/// The inner error's text is part of this one's, so no `source` chain.
impl core::error::Error for Error {}
