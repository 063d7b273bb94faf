//! Memory protection types shared by the runtime and boards.

use core::fmt;

/// Access rights of a mapped range. `write` and `execute` are never both set
/// by the runtime (W^X).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protection {
    /// Loads allowed.
    pub read: bool,
    /// Stores allowed.
    pub write: bool,
    /// Instruction fetch allowed.
    pub execute: bool,
}

impl Protection {
    /// No access (guard pages).
    pub const NONE: Self = Self {
        read: false,
        write: false,
        execute: false,
    };
    /// Read-only data.
    pub const READ: Self = Self {
        read: true,
        write: false,
        execute: false,
    };
    /// Read-write data, never executable.
    pub const READ_WRITE: Self = Self {
        read: true,
        write: true,
        execute: false,
    };
    /// Loaded code: read and execute, never writable.
    pub const READ_EXECUTE: Self = Self {
        read: true,
        write: false,
        execute: true,
    };
}

/// Why a mapping request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// The board cannot do this kind of mapping (e.g. no MMU support).
    Unsupported,
    /// Address or length is not aligned to the board's granule.
    Misaligned,
    /// The range is outside what the board manages.
    OutOfRange,
    /// No memory left to back the range.
    NoMemory,
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MapError::Unsupported => "the platform does not support this mapping",
            MapError::Misaligned => "range is not aligned to the mapping granule",
            MapError::OutOfRange => "range is outside the memory the platform manages",
            MapError::NoMemory => "no memory left to back the range",
        })
    }
}

impl core::error::Error for MapError {}
