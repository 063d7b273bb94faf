//! Benchmark kernels, written once and compiled twice: to
//! `wasm32-unknown-unknown` (one export per kernel, run by Basalt and wasmi)
//! and natively for `aarch64-unknown-none` (linked into the board firmware as
//! the limit to compare against). Run on the host too, by the unit tests.
//!
//! Every kernel takes a size `n` and returns a checksum that must be the same
//! on every peer; each also checks its own result and panics when it is
//! wrong (a trap in Wasm, a crash on the board), so a miscompiled kernel can
//! never be timed as a fast one.
//!
//! The kernels use static scratch buffers, not the heap: the Wasm build has
//! no allocator and the board's allocator is not what is being measured.
#![no_std]

mod calls;
mod float;
mod integer;
mod memory;
mod scratch;

/// One benchmark kernel.
#[derive(Clone, Copy, Debug)]
pub struct Kernel {
    /// Export name in the Wasm build and command word on the board.
    pub name: &'static str,
    /// What kind of code it stands for.
    pub kind: &'static str,
    /// The kernel itself.
    pub run: fn(u32) -> u64,
    /// Size for the measurement (a few million native instructions).
    pub bench_n: u32,
    /// Size for the smoke test (fast even under wasmi without `-icount`).
    pub smoke_n: u32,
}

/// Every kernel, in report order.
pub const KERNELS: &[Kernel] = &[
    Kernel {
        name: "crc32",
        kind: "integer: table-driven CRC-32",
        run: integer::crc32,
        bench_n: 64,
        smoke_n: 1,
    },
    Kernel {
        name: "sha256",
        kind: "integer: SHA-256 compression",
        run: integer::sha256,
        bench_n: 256,
        smoke_n: 2,
    },
    Kernel {
        name: "sort",
        kind: "branchy: quicksort of u32",
        run: integer::sort,
        bench_n: 16384,
        smoke_n: 100,
    },
    Kernel {
        name: "interp",
        kind: "branchy: bytecode interpreter",
        run: integer::interp,
        bench_n: 20000,
        smoke_n: 50,
    },
    Kernel {
        name: "matmul",
        kind: "float: f64 matrix multiply",
        run: float::matmul,
        bench_n: 48,
        smoke_n: 4,
    },
    Kernel {
        name: "nbody",
        kind: "float: n-body with sqrt",
        run: float::nbody,
        bench_n: 20000,
        smoke_n: 10,
    },
    Kernel {
        name: "stream",
        kind: "memory: fill, copy, triad",
        run: memory::stream,
        bench_n: 16,
        smoke_n: 1,
    },
    Kernel {
        name: "random",
        kind: "memory: random read-modify-write",
        run: memory::random,
        bench_n: 500_000,
        smoke_n: 100,
    },
    Kernel {
        name: "fib",
        kind: "calls: recursive fib",
        run: calls::fib,
        bench_n: 25,
        smoke_n: 10,
    },
    Kernel {
        name: "indirect",
        kind: "calls: through a function table",
        run: calls::indirect,
        bench_n: 400_000,
        smoke_n: 100,
    },
];

/// The kernel called `name`.
pub fn kernel(name: &str) -> Option<&'static Kernel> {
    KERNELS.iter().find(|k| k.name == name)
}

/// A small deterministic generator (xorshift32): the same inputs on every
/// peer without a source of entropy.
#[derive(Clone, Copy)]
pub(crate) struct Rng(u32);

impl Rng {
    pub(crate) fn new(seed: u32) -> Self {
        Rng(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

/// The Wasm build's exports: `(param i32) (result i64)` per kernel.
#[cfg(target_arch = "wasm32")]
mod exports {
    macro_rules! export {
        ($($name:literal => $f:path),* $(,)?) => {$(
            const _: () = {
                #[export_name = $name]
                extern "C" fn export(n: u32) -> u64 {
                    $f(n)
                }
            };
        )*};
    }
    export! {
        "crc32" => crate::integer::crc32,
        "sha256" => crate::integer::sha256,
        "sort" => crate::integer::sort,
        "interp" => crate::integer::interp,
        "matmul" => crate::float::matmul,
        "nbody" => crate::float::nbody,
        "stream" => crate::memory::stream,
        "random" => crate::memory::random,
        "fib" => crate::calls::fib,
        "indirect" => crate::calls::indirect,
    }

    /// A failed self-check traps: `unreachable` is what Wasm has for it.
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        core::arch::wasm32::unreachable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test, not two: the kernels share static buffers, and the test
    /// harness would run two tests on two threads.
    #[test]
    fn every_kernel_checks_itself() {
        for k in KERNELS {
            (k.run)(k.smoke_n);
            (k.run)(k.bench_n);
        }
    }
}
