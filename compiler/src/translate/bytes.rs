//! Byte swaps written without a byte-swap operator.
//!
//! Wasm has no byte swap, so `u32::from_be_bytes` and friends arrive as a
//! tree of masks, rotations or shifts by whole bytes, and ors: for an i32,
//! LLVM emits `rotr(x & 0x00ff00ff, 8) | (rotr(x, 24) & 0x00ff00ff)`, five
//! instructions where aarch64 has one `rev`. Rather than match that one
//! spelling, the translator follows where each byte of an `or`'s result
//! comes from: if every byte is a byte of one value `x`, in reverse order,
//! the `or` is `bswap(x)`. A mask that keeps part of a byte, a shift that
//! is not a whole number of bytes, two sources or any other order keep
//! the operators as written.

use super::FuncTranslator;
use cranelift_codegen::ir::{InstBuilder, InstructionData, Opcode, Value};

/// How deep the walk looks below an `or` (a 64-bit swap written with
/// shifts is an `or` of eight terms: three levels of `or`s, each term a
/// shift of a mask).
const DEPTH: u32 = 8;

/// Where each byte of a value comes from: `from[i]` is the byte of
/// `source` that lands in byte `i` (little-endian), `None` a zero byte.
#[derive(Clone, Copy, PartialEq, Debug)]
struct Bytes {
    source: Value,
    from: [Option<u8>; 8],
}

impl Bytes {
    /// `v` itself, byte for byte.
    fn identity(v: Value, n: usize) -> Self {
        let mut from = [None; 8];
        for (i, f) in from.iter_mut().enumerate().take(n) {
            *f = Some(i as u8);
        }
        Bytes { source: v, from }
    }

    /// Byte `i` of the result is byte `map(i)` of `self`'s (none if `None`).
    fn remap(self, n: usize, map: impl Fn(usize) -> Option<usize>) -> Self {
        let mut from = [None; 8];
        for (i, f) in from.iter_mut().enumerate().take(n) {
            *f = map(i).and_then(|j| self.from[j]);
        }
        Bytes { from, ..self }
    }
}

impl FuncTranslator<'_, '_> {
    /// `a | b`, as one `bswap` if it is a byte swap of one value.
    pub(super) fn or_or_bswap(&mut self, a: Value, b: Value) -> Value {
        let n = self.b.func.dfg.value_type(a).bytes() as usize;
        let swapped = self
            .bytes(a, n, DEPTH)
            .zip(self.bytes(b, n, DEPTH))
            .and_then(|(x, y)| merge(x, y, n))
            .filter(|x| (0..n).all(|i| x.from[i] == Some((n - 1 - i) as u8)));
        match swapped {
            Some(x) => self.b.ins().bswap(x.source),
            None => self.b.ins().bor(a, b),
        }
    }

    /// Where the bytes of `v` (of `n` bytes) come from, looking through
    /// byte masks, rotations and shifts by whole bytes and `or`s up to
    /// `depth` levels deep; `v` itself below that or at any other value.
    fn bytes(&self, v: Value, n: usize, depth: u32) -> Option<Bytes> {
        let leaf = Some(Bytes::identity(v, n));
        let Some(InstructionData::Binary {
            opcode,
            args: [x, k],
        }) = self.defining(v).filter(|_| depth > 0)
        else {
            return leaf;
        };
        let inner = |t: &Self, x: Value| t.bytes(x, n, depth - 1);
        // A rotation or shift by `k` whole bytes (amounts are modulo the
        // width, as in Wasm).
        let by_bytes = |t: &Self| {
            let bits = t.constant(k)? % (8 * n as u64);
            bits.is_multiple_of(8).then_some((bits / 8) as usize)
        };
        let result = match opcode {
            Opcode::Band => {
                let (x, mask) = match (self.constant(k), self.constant(x)) {
                    (Some(m), _) => (x, m),
                    (None, Some(m)) => (k, m),
                    _ => return leaf,
                };
                let mut keep = [false; 8];
                for (i, keep) in keep.iter_mut().enumerate().take(n) {
                    match (mask >> (8 * i)) & 0xff {
                        0xff => *keep = true,
                        0 => {}
                        _ => return leaf,
                    }
                }
                inner(self, x).map(|b| b.remap(n, |i| keep[i].then_some(i)))
            }
            Opcode::Rotl | Opcode::Rotr | Opcode::Ishl | Opcode::Ushr => {
                let Some(s) = by_bytes(self) else {
                    return leaf;
                };
                inner(self, x).map(|b| match opcode {
                    Opcode::Rotl => b.remap(n, |i| Some((i + n - s) % n)),
                    Opcode::Rotr => b.remap(n, |i| Some((i + s) % n)),
                    Opcode::Ishl => b.remap(n, |i| i.checked_sub(s)),
                    _ => b.remap(n, |i| Some(i + s).filter(|&j| j < n)),
                })
            }
            Opcode::Bor => inner(self, x)
                .zip(inner(self, k))
                .and_then(|(a, b)| merge(a, b, n)),
            _ => None,
        };
        result.or(leaf)
    }

    /// The bits of `v` if it is an integer constant, also one kept in a
    /// register behind a `bitcast` (`pinned`).
    fn constant(&self, v: Value) -> Option<u64> {
        match self.defining(v)? {
            InstructionData::LoadNoOffset {
                opcode: Opcode::Bitcast,
                arg,
                ..
            } => self.iconst(arg),
            _ => self.iconst(v),
        }
    }
}

/// `a | b`, if both take their bytes from the same value and no byte of
/// the result takes two different bytes.
fn merge(a: Bytes, b: Bytes, n: usize) -> Option<Bytes> {
    if a.source != b.source {
        return None;
    }
    let mut from = [None; 8];
    for (i, f) in from.iter_mut().enumerate().take(n) {
        *f = match (a.from[i], b.from[i]) {
            (Some(x), Some(y)) if x != y => return None,
            (x, y) => x.or(y),
        };
    }
    Some(Bytes { from, ..a })
}
