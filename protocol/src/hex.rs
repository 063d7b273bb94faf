//! The hex codec of the reply lines: names (any UTF-8, spaces and the
//! empty name included) and bit patterns travel as lowercase hex words.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// Bytes in lowercase hex (the empty word for no bytes).
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Bytes from lowercase or uppercase hex; `None` for an odd length or a
/// non-hex digit.
pub fn decode(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A UTF-8 string from hex.
pub fn decode_str(hex: &str) -> Option<String> {
    String::from_utf8(decode(hex)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects() {
        assert_eq!(encode(b"M 1"), "4d2031");
        assert_eq!(encode(b""), "");
        assert_eq!(decode("4D2031").as_deref(), Some(&b"M 1"[..]));
        assert_eq!(decode_str("").as_deref(), Some(""));
        assert_eq!(decode("abc"), None);
        assert_eq!(decode("zz"), None);
        assert_eq!(decode_str("ff"), None);
    }
}
