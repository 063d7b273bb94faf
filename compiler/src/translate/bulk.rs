//! `memory.copy` of a few bytes inline (guard mode).
//!
//! Rust copies small slices with `memory.copy` (`copy_from_slice` of a
//! 4-byte chunk: the kernels' data generator makes one per word), and the
//! libcall costs about 70 instructions in the runtime for a 4-byte copy.
//! A copy of 1 to 8 bytes is instead two loads of the first and last 4,
//! 2 or 1 bytes (overlapping when the length is not a power of two) and
//! two stores. Exactness: both loads come before any store, so a source
//! out of bounds faults before anything is written, and the store that
//! reaches the last byte of the destination goes first, so a destination
//! out of bounds faults before anything is written too; if it succeeds,
//! every byte below it is in bounds. Overlap is harmless because
//! everything is loaded before anything is stored. Guard mode only: there
//! the faults are the bounds checks (the whole 32-bit range plus 8 bytes
//! lies inside the reservation). Other lengths, and 0 (which traps on an
//! address past the end without accessing anything), call the runtime.

use super::FuncTranslator;
use basalt::artifact::BoundsChecks;
use basalt::vm::BuiltinFunction;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types::*, InstBuilder, Type, Value};

/// The longest copy done inline.
const INLINE_MAX: i64 = 8;

impl FuncTranslator<'_, '_> {
    /// `memory.copy` of `len` bytes from `src` to `dst` in memory 0.
    pub(super) fn memory_copy(&mut self, dst: Value, src: Value, len: Value) {
        if self.env.settings.bounds_checks != BoundsChecks::Guard {
            self.memory_libcall(BuiltinFunction::MemoryCopy, &[dst, src, len]);
            return;
        }
        let inline = self.b.create_block();
        let call = self.b.create_block();
        let done = self.b.create_block();
        // 1 <= len <= 8, as one unsigned compare of len - 1.
        let less = self.b.ins().iadd_imm_s(len, -1);
        let small = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, less, INLINE_MAX);
        self.b.ins().brif(small, inline, &[], call, &[]);
        self.b.seal_block(inline);
        self.b.seal_block(call);

        self.b.switch_to_block(inline);
        let base = self.heap_base();
        let at = |t: &mut Self, index: Value| {
            let wide = t.b.ins().uextend(I64, index);
            t.b.ins().iadd(base, wide)
        };
        let (from, to) = (at(self, src), at(self, dst));
        // Widest chunk first: 4..=8 bytes, 2..=3, 1.
        for (i, ty) in [I32, I16, I8].into_iter().enumerate() {
            let size = i64::from(ty.bytes());
            let fits = if i < 2 {
                let here = self.b.create_block();
                let next = self.b.create_block();
                let c = self
                    .b
                    .ins()
                    .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, len, size);
                self.b.ins().brif(c, here, &[], next, &[]);
                self.b.seal_block(here);
                self.b.seal_block(next);
                self.b.switch_to_block(here);
                Some(next)
            } else {
                None
            };
            self.copy_ends(from, to, len, ty);
            self.b.ins().jump(done, &[]);
            match fits {
                Some(next) => self.b.switch_to_block(next),
                None => break,
            }
        }

        self.b.switch_to_block(call);
        self.b.set_cold_block(call);
        self.memory_libcall(BuiltinFunction::MemoryCopy, &[dst, src, len]);
        self.b.ins().jump(done, &[]);
        self.b.seal_block(done);
        self.b.switch_to_block(done);
    }

    /// Copy the first and the last `ty`-sized chunk of the `n` bytes (an
    /// `i32`) at
    /// `from` to `to` (`ty.bytes() <= n <= 2 * ty.bytes()`): both loads,
    /// then the last chunk's store, then the first's (see the module
    /// comment).
    fn copy_ends(&mut self, from: Value, to: Value, n: Value, ty: Type) {
        let flags = self.heap_flags();
        let back = -i32::try_from(ty.bytes()).expect("small");
        let load = |t: &mut Self, addr: Value, off: i32| match ty {
            I32 => t.b.ins().load(I32, flags, addr, off),
            I16 => t.b.ins().uload16(I32, flags, addr, off),
            _ => t.b.ins().uload8(I32, flags, addr, off),
        };
        let store = |t: &mut Self, v: Value, addr: Value, off: i32| match ty {
            I32 => t.b.ins().store(flags, v, addr, off),
            I16 => t.b.ins().istore16(flags, v, addr, off),
            _ => t.b.ins().istore8(flags, v, addr, off),
        };
        let first = load(self, from, 0);
        if ty == I8 {
            // n == 1: one byte, the first and the last.
            store(self, first, to, 0);
            return;
        }
        // `n - size` (at least 0) as a 32-bit index: Cranelift would
        // otherwise rebuild `-size` as a 64-bit constant next to each use.
        let rest = self.b.ins().iadd_imm_s(n, i64::from(back));
        let rest = self.b.ins().uextend(I64, rest);
        let from_last = self.b.ins().iadd(from, rest);
        let last = load(self, from_last, 0);
        let to_last = self.b.ins().iadd(to, rest);
        store(self, last, to_last, 0);
        store(self, first, to, 0);
    }
}
