//! Typed Wasm values at the host boundary.

use crate::artifact::ValType;
use crate::vm::ValRaw;
use core::fmt;

/// A Wasm value. Floats are kept as bits so NaN payloads survive exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    /// `i32`.
    I32(i32),
    /// `i64`.
    I64(i64),
    /// `f32` bits.
    F32(u32),
    /// `f64` bits.
    F64(u64),
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
        }
    }

    /// Zero of a numeric type (`None` for types the host cannot hold yet).
    pub fn zero(ty: ValType) -> Option<Val> {
        Some(match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            _ => return None,
        })
    }

    pub(crate) fn to_raw(self) -> ValRaw {
        match self {
            Val::I32(v) => ValRaw::i32(v),
            Val::I64(v) => ValRaw::i64(v),
            Val::F32(v) => ValRaw::f32(v),
            Val::F64(v) => ValRaw::f64(v),
        }
    }

    pub(crate) fn from_raw(raw: &ValRaw, ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(raw.get_i32()),
            ValType::I64 => Val::I64(raw.get_i64()),
            ValType::F32 => Val::F32(raw.get_f32()),
            _ => Val::F64(raw.get_f64()),
        }
    }
}

impl fmt::Display for Val {
    /// As `wasmtime run --invoke` prints results.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::I32(v) => write!(f, "{v}"),
            Val::I64(v) => write!(f, "{v}"),
            Val::F32(b) => write!(f, "{}", f32::from_bits(*b)),
            Val::F64(b) => write!(f, "{}", f64::from_bits(*b)),
        }
    }
}
