//! Typed Wasm values at the host boundary.

use crate::artifact::ValType;
use crate::externref::ExternRef;
use crate::func::Func;
use crate::store::StoreId;
use crate::vm::{VMFuncRef, ValRaw};
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
    /// `v128`: lane 0 in the least significant bits, as Wasm lays it out
    /// little-endian in memory.
    V128(u128),
    /// `funcref` (`None` is `ref.null func`).
    FuncRef(Option<Func>),
    /// `externref` (`None` is `ref.null extern`).
    ExternRef(Option<ExternRef>),
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }

    /// Whether this value can be used in `store`: numbers anywhere,
    /// references only in the store that made them.
    pub(crate) fn usable_in(&self, store: StoreId) -> bool {
        match self {
            Val::FuncRef(Some(f)) => f.store == store,
            Val::ExternRef(Some(e)) => e.store == store,
            _ => true,
        }
    }

    /// Zero (or null) of a type.
    pub fn zero(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
        }
    }

    pub(crate) fn to_raw(self) -> ValRaw {
        match self {
            Val::I32(v) => ValRaw::i32(v),
            Val::I64(v) => ValRaw::i64(v),
            Val::F32(v) => ValRaw::f32(v),
            Val::F64(v) => ValRaw::f64(v),
            Val::V128(v) => ValRaw::v128(v),
            Val::FuncRef(f) => ValRaw::i64(f.map_or(0, |f| f.ptr as i64)),
            Val::ExternRef(e) => ValRaw::i64(e.map_or(0, |e| e.raw() as i64)),
        }
    }

    /// Decode a raw value of type `ty`; references belong to `store`.
    pub(crate) fn from_raw(raw: &ValRaw, ty: ValType, store: StoreId) -> Val {
        match ty {
            ValType::I32 => Val::I32(raw.get_i32()),
            ValType::I64 => Val::I64(raw.get_i64()),
            ValType::F32 => Val::F32(raw.get_f32()),
            ValType::F64 => Val::F64(raw.get_f64()),
            ValType::V128 => Val::V128(raw.get_v128()),
            ValType::FuncRef | ValType::ExternRef => {
                Val::from_ref_raw(ty, raw.get_i64() as u64, store)
            }
        }
    }

    /// The 8-byte table/global representation of a reference of type `elem`.
    /// The 8-byte form of a reference of type `elem` made by `store`
    /// (`None` for another type or another store's reference).
    pub(crate) fn ref_raw(&self, elem: ValType, store: StoreId) -> Option<u64> {
        match (self, elem) {
            (Val::FuncRef(Some(f)), ValType::FuncRef) if f.store != store => None,
            (Val::ExternRef(Some(e)), ValType::ExternRef) if e.store != store => None,
            (Val::FuncRef(f), ValType::FuncRef) => Some(f.map_or(0, |f| f.ptr as u64)),
            (Val::ExternRef(e), ValType::ExternRef) => Some(e.map_or(0, |e| e.raw())),
            _ => None,
        }
    }

    pub(crate) fn from_ref_raw(elem: ValType, raw: u64, store: StoreId) -> Val {
        match elem {
            ValType::FuncRef => Val::FuncRef((raw != 0).then_some(Func {
                ptr: raw as *mut VMFuncRef,
                store,
            })),
            _ => Val::ExternRef(ExternRef::from_raw(raw, store)),
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Self {
        Val::I32(v)
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::I64(v)
    }
}

impl From<f32> for Val {
    fn from(v: f32) -> Self {
        Val::F32(v.to_bits())
    }
}

impl From<f64> for Val {
    fn from(v: f64) -> Self {
        Val::F64(v.to_bits())
    }
}

impl From<u128> for Val {
    fn from(v: u128) -> Self {
        Val::V128(v)
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
            Val::V128(v) => write!(f, "{v:#034x}"),
            Val::FuncRef(None) | Val::ExternRef(None) => f.write_str("null"),
            Val::FuncRef(Some(_)) => f.write_str("<funcref>"),
            Val::ExternRef(Some(e)) => write!(f, "<externref {}>", e.index),
        }
    }
}
