//! Values as the host writes them into scripts and reads them from replies.
//!
//! The host keeps its own value type rather than `basalt::Val`: the
//! runtime's values are bound to a store (references point into it), while a
//! script can only name what survives a trip through text — numbers by their
//! bits and references by opaque numbers.

use std::fmt;

/// A Wasm value on the host side of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// `i32`.
    I32(i32),
    /// `i64`.
    I64(i64),
    /// `f32`, by its bits (so NaN payloads survive).
    F32(u32),
    /// `f64`, by its bits.
    F64(u64),
    /// `v128`: lane 0 in the least significant bits.
    V128(u128),
    /// A `funcref`: `None` is null; a non-null one is an opaque number the
    /// board chose, only good for telling null from non-null.
    FuncRef(Option<u64>),
    /// An `externref`: `None` is null; `Some(n)` is the host reference the
    /// board keeps for the wast value `(ref.extern n)`.
    ExternRef(Option<u32>),
}

impl Value {
    /// The script form: `<type>:<hex bits>`, `funcref:null`, ...
    pub(crate) fn to_word(self) -> String {
        match self {
            Value::I32(v) => format!("i32:{:x}", v as u32),
            Value::I64(v) => format!("i64:{:x}", v as u64),
            Value::F32(b) => format!("f32:{b:x}"),
            Value::F64(b) => format!("f64:{b:x}"),
            Value::V128(b) => format!("v128:{b:x}"),
            Value::FuncRef(None) => "funcref:null".into(),
            Value::FuncRef(Some(r)) => format!("funcref:{r:x}"),
            Value::ExternRef(None) => "externref:null".into(),
            Value::ExternRef(Some(n)) => format!("externref:{n:x}"),
        }
    }

    /// Parse the script form; the hex digits may carry a `0x` prefix.
    pub(crate) fn from_word(word: &str) -> Option<Value> {
        let (ty, payload) = word.split_once(':')?;
        let bits = || u64::from_str_radix(payload.trim_start_matches("0x"), 16).ok();
        let null = payload == "null";
        Some(match ty {
            "i32" => Value::I32(u32::try_from(bits()?).ok()? as i32),
            "i64" => Value::I64(bits()? as i64),
            "f32" => Value::F32(u32::try_from(bits()?).ok()?),
            "f64" => Value::F64(bits()?),
            "v128" => Value::V128(u128::from_str_radix(payload.trim_start_matches("0x"), 16).ok()?),
            "funcref" if null => Value::FuncRef(None),
            "funcref" => Value::FuncRef(Some(bits()?)),
            "externref" if null => Value::ExternRef(None),
            "externref" => Value::ExternRef(Some(u32::try_from(bits()?).ok()?)),
            _ => return None,
        })
    }
}

impl fmt::Display for Value {
    /// As `wasmtime run --invoke` prints results.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I32(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::F32(b) => write!(f, "{}", f32::from_bits(*b)),
            Value::F64(b) => write!(f, "{}", f64::from_bits(*b)),
            Value::V128(b) => write!(f, "{b:#034x}"),
            Value::FuncRef(None) | Value::ExternRef(None) => f.write_str("null"),
            Value::FuncRef(Some(r)) => write!(f, "funcref({r:#x})"),
            Value::ExternRef(Some(n)) => write!(f, "externref({n})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for v in [
            Value::I32(-1),
            Value::I32(0),
            Value::I64(i64::MIN),
            Value::F32(0x7fc0_0001),
            Value::F64(0xfff8_0000_0000_0000),
            Value::V128(0),
            Value::V128(u128::MAX),
            Value::V128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10),
            Value::FuncRef(None),
            Value::FuncRef(Some(0x4000_1230)),
            Value::ExternRef(None),
            Value::ExternRef(Some(0)),
            Value::ExternRef(Some(u32::MAX)),
        ] {
            assert_eq!(Value::from_word(&v.to_word()), Some(v), "{}", v.to_word());
        }
        assert_eq!(Value::I32(-2).to_word(), "i32:fffffffe");
        assert_eq!(Value::ExternRef(Some(17)).to_word(), "externref:11");
    }

    #[test]
    fn board_words_with_prefix_and_bad_words() {
        assert_eq!(Value::from_word("i32:0xb"), Some(Value::I32(11)));
        assert_eq!(Value::from_word("f64:0x0"), Some(Value::F64(0)));
        assert_eq!(Value::from_word("i32:100000000"), None);
        assert_eq!(Value::from_word("i32:null"), None);
        assert_eq!(Value::from_word("v128:0"), Some(Value::V128(0)));
        assert_eq!(
            Value::from_word("v128:1ffffffffffffffffffffffffffffffff"),
            None
        );
        assert_eq!(Value::from_word("externref:zz"), None);
        assert_eq!(Value::from_word("i32"), None);
    }
}
