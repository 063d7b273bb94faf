//! Call-heavy kernels: recursive Fibonacci (direct calls) and calls through
//! a table of function pointers (`call_indirect` in Wasm).

/// Recursive, never inlined into itself: one call per node of the tree.
#[inline(never)]
fn fib_rec(n: u32) -> u64 {
    if n < 2 {
        u64::from(n)
    } else {
        fib_rec(n - 1) + fib_rec(n - 2)
    }
}

/// `fib(n)` recursively. Self-check: the iterative sum.
pub fn fib(n: u32) -> u64 {
    let n = n.min(40);
    let got = fib_rec(core::hint::black_box(n));
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a + b);
    }
    assert_eq!(got, a, "fib self-check");
    got
}

#[inline(never)]
fn op_add(x: u32) -> u32 {
    x.wrapping_add(0x9e37_79b9)
}

#[inline(never)]
fn op_mul(x: u32) -> u32 {
    x.wrapping_mul(0x0100_0193)
}

#[inline(never)]
fn op_xor(x: u32) -> u32 {
    x ^ (x >> 15)
}

#[inline(never)]
fn op_rot(x: u32) -> u32 {
    x.rotate_left(7)
}

static OPS: [fn(u32) -> u32; 4] = [op_add, op_mul, op_xor, op_rot];

/// `n` calls through the table, each picking the next by the value so far.
/// Self-check: the same chain with direct calls.
pub fn indirect(n: u32) -> u64 {
    // Opaque, so the optimizer cannot turn the table back into a `match`.
    let ops = core::hint::black_box(&OPS);
    let mut x = 1u32;
    for _ in 0..n {
        x = ops[(x & 3) as usize](x);
    }
    let mut y = 1u32;
    for _ in 0..n {
        y = match y & 3 {
            0 => op_add(y),
            1 => op_mul(y),
            2 => op_xor(y),
            _ => op_rot(y),
        };
    }
    assert_eq!(x, y, "indirect self-check");
    u64::from(x)
}
