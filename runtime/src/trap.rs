//! Why Wasm execution stopped abnormally.

use core::fmt;

/// A trap raised by Wasm code. The discriminant is what artifacts store in
/// their trap tables, so it never changes for an existing variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Trap {
    /// The call stack reached `VMRuntimeLimits::stack_limit`.
    StackOverflow = 1,
    /// A load or store outside linear memory.
    MemoryOutOfBounds = 2,
    /// An access outside a table.
    TableOutOfBounds = 3,
    /// `call_indirect` to a null entry.
    IndirectCallToNull = 4,
    /// `call_indirect` whose signature does not match.
    BadSignature = 5,
    /// Signed division overflow or float-to-int conversion out of range.
    IntegerOverflow = 6,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero = 7,
    /// Float-to-int conversion of NaN.
    BadConversionToInteger = 8,
    /// An `unreachable` instruction ran.
    UnreachableCodeReached = 9,
    /// The epoch deadline passed.
    Interrupt = 10,
    /// Fuel ran out.
    OutOfFuel = 11,
    /// A null reference was dereferenced.
    NullReference = 12,
    /// A fault inside Wasm code that the trap table does not explain.
    UnexplainedFault = 13,
    /// A host function produced values of the wrong type.
    HostResultType = 14,
    /// A host function failed.
    HostError = 15,
    /// A host function asked to end the program (WASI `proc_exit`): not a
    /// fault, but it unwinds the Wasm stack through the same path as a trap
    /// so no guest code runs after it. The exit code stays with the host
    /// function's state (e.g. `basalt::wasi::WasiCtx::exit_code`), since a
    /// trap is one byte. Compiled code never raises it, so
    /// [`Trap::from_u8`] does not decode it from trap tables.
    Exit = 16,
    /// A host function returned a reference from another store. It unwinds
    /// like a trap and the outermost call returns `Error::WrongStore`;
    /// compiled code never raises it.
    WrongStore = 17,
}

impl Trap {
    /// Decode a trap-table byte.
    pub fn from_u8(code: u8) -> Option<Self> {
        Some(match code {
            1 => Trap::StackOverflow,
            2 => Trap::MemoryOutOfBounds,
            3 => Trap::TableOutOfBounds,
            4 => Trap::IndirectCallToNull,
            5 => Trap::BadSignature,
            6 => Trap::IntegerOverflow,
            7 => Trap::IntegerDivisionByZero,
            8 => Trap::BadConversionToInteger,
            9 => Trap::UnreachableCodeReached,
            10 => Trap::Interrupt,
            11 => Trap::OutOfFuel,
            12 => Trap::NullReference,
            13 => Trap::UnexplainedFault,
            14 => Trap::HostResultType,
            15 => Trap::HostError,
            _ => return None,
        })
    }

    /// The message the spec testsuite and wasmtime use.
    pub fn message(self) -> &'static str {
        match self {
            Trap::StackOverflow => "call stack exhausted",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::TableOutOfBounds => "undefined element: out of bounds table access",
            Trap::IndirectCallToNull => "uninitialized element",
            Trap::BadSignature => "indirect call type mismatch",
            Trap::IntegerOverflow => "integer overflow",
            Trap::IntegerDivisionByZero => "integer divide by zero",
            Trap::BadConversionToInteger => "invalid conversion to integer",
            Trap::UnreachableCodeReached => "wasm `unreachable` instruction executed",
            Trap::Interrupt => "interrupt",
            Trap::OutOfFuel => "all fuel consumed by WebAssembly",
            Trap::NullReference => "null reference",
            Trap::UnexplainedFault => "unexplained fault in wasm code",
            Trap::HostResultType => "host function returned a value of the wrong type",
            Trap::HostError => "host function failed",
            Trap::Exit => "program exited",
            Trap::WrongStore => "a host function returned a reference from another store",
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for Trap {}
