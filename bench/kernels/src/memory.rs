//! Memory kernels: streaming (fill, copy, triad over 64 KiB buffers) and
//! random read-modify-write over a 256 KiB table.

use crate::scratch::Scratch;
use crate::Rng;

/// Words per streaming buffer (64 KiB each).
const STREAM_WORDS: usize = 16 * 1024;
static STREAM: Scratch<u32, { 3 * STREAM_WORDS }> = Scratch::new(0);

/// `n` rounds of: fill `a`, copy it to `b`, `c[i] = a[i] + 3 * b[i]`, sum `c`.
/// Self-check: every round's sum against its closed form.
pub fn stream(n: u32) -> u64 {
    // SAFETY: `STREAM` belongs to this kernel, which does not re-enter itself.
    let buf = unsafe { STREAM.get() };
    let (a, rest) = buf.split_at_mut(STREAM_WORDS);
    let (b, c) = rest.split_at_mut(STREAM_WORDS);
    let mut total = 0u64;
    for round in 0..n {
        a.fill(round);
        for (i, x) in a.iter_mut().enumerate().step_by(64) {
            *x = round ^ i as u32;
        }
        b.copy_from_slice(a);
        for ((c, &a), &b) in c.iter_mut().zip(a.iter()).zip(b.iter()) {
            *c = a.wrapping_add(b.wrapping_mul(3));
        }
        let sum = c.iter().fold(0u32, |s, &x| s.wrapping_add(x));
        let mut expect = 0u32;
        for i in 0..STREAM_WORDS {
            let v = if i % 64 == 0 { round ^ i as u32 } else { round };
            expect = expect.wrapping_add(v.wrapping_mul(4));
        }
        assert_eq!(sum, expect, "stream self-check");
        total = total.wrapping_mul(1_000_003).wrapping_add(u64::from(sum));
    }
    total
}

/// Table words (256 KiB: beyond a small data cache).
const TABLE_WORDS: usize = 64 * 1024;
static TABLE: Scratch<u32, TABLE_WORDS> = Scratch::new(0);

/// `n` random read-modify-writes: `t[r] += 1` at generated indices, folding
/// what was read. Self-check: the table's sum grew by exactly `n`.
pub fn random(n: u32) -> u64 {
    // SAFETY: `TABLE` belongs to this kernel, which does not re-enter itself.
    let t = unsafe { TABLE.get() };
    for (i, x) in t.iter_mut().enumerate() {
        *x = (i as u32).wrapping_mul(2_654_435_761);
    }
    let before = t.iter().fold(0u32, |s, &x| s.wrapping_add(x));
    let mut rng = Rng::new(0xdead_beef);
    let mut fold = 0u64;
    for _ in 0..n {
        let r = rng.next() as usize % TABLE_WORDS;
        let v = t[r];
        fold = fold.rotate_left(5) ^ u64::from(v);
        t[r] = v.wrapping_add(1);
    }
    let after = t.iter().fold(0u32, |s, &x| s.wrapping_add(x));
    assert_eq!(after, before.wrapping_add(n), "random self-check");
    fold
}
