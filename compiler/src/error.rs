//! Everything that can go wrong when compiling a module.

use std::fmt;

/// A compile failure; the CLI prints it and exits 1.
#[derive(Debug)]
pub enum CompileError {
    /// The `.wat` text does not parse.
    Text(String),
    /// wasmparser rejected the module.
    Invalid {
        /// wasmparser's message.
        message: String,
        /// Byte offset in the binary.
        offset: u64,
    },
    /// Valid Wasm that this compiler does not translate yet.
    Unsupported {
        /// What is missing.
        what: String,
        /// Byte offset in the binary.
        offset: u64,
    },
    /// Cranelift failed on a function (a compiler bug, reported with context).
    Codegen {
        /// Function index.
        func: u32,
        /// Cranelift's message.
        message: String,
    },
    /// Code grew beyond what one artifact can address.
    TooLarge,
    /// The artifact could not be signed.
    Sign(basalt::artifact::ArtifactError),
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::Text(m) => write!(f, "invalid text format: {m}"),
            CompileError::Invalid { message, offset } => {
                write!(f, "invalid module: {message} (at offset {offset:#x})")
            }
            CompileError::Unsupported { what, offset } => {
                write!(f, "unsupported: {what} (at offset {offset:#x})")
            }
            CompileError::Codegen { func, message } => {
                write!(f, "code generation failed in function {func}: {message}")
            }
            CompileError::TooLarge => f.write_str("module too large for one artifact"),
            CompileError::Sign(e) => write!(f, "cannot sign the artifact: {e}"),
        }
    }
}

impl std::error::Error for CompileError {}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        CompileError::Invalid {
            message: e.message().to_string(),
            offset: e.offset(),
        }
    }
}

/// Shorthand for an unsupported feature at an offset.
pub(crate) fn unsupported<T>(what: impl Into<String>, offset: u64) -> Result<T, CompileError> {
    Err(CompileError::Unsupported {
        what: what.into(),
        offset,
    })
}
