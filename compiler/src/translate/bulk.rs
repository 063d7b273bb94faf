//! `memory.copy` of a few bytes inline.
//!
//! Rust copies small slices with `memory.copy` (`copy_from_slice` of a
//! 4-byte chunk: the kernels' data generator makes one per word), and the
//! libcall costs about 64 instructions in the runtime for a 4-byte copy.
//! A copy of 1 to 8 bytes is instead two loads of the first and last 4,
//! 2 or 1 bytes (overlapping when the length is not a power of two) and
//! two stores. Overlap is harmless because everything is loaded before
//! anything is stored. Other lengths, and 0 (which traps on an address
//! past the end without accessing anything), call the runtime.
//!
//! **Guard mode.** The faults are the bounds checks (the whole 32-bit
//! range plus 8 bytes lies inside the reservation). Both loads come before
//! any store, so a source out of bounds faults before anything is written,
//! and the store that reaches the last byte of the destination goes first,
//! so a destination out of bounds faults before anything is written too;
//! if it succeeds, every byte below it is in bounds.
//!
//! **Explicit mode.** The inline path is taken only when both ranges are
//! in bounds (`src + len` and `dst + len` at most the length, in 64 bits);
//! anything else calls the runtime, which traps exactly. With Spectre
//! hardening, a mispredicted branch into the inline path must not touch
//! bytes outside the memory: both indices and the last chunk's distance
//! are `and`ed with a mask that is zero unless the test held
//! (`select_spectre_guard`, then `csdb`), so such a path reads and writes
//! the memory's first 4 bytes, which exist when its declared minimum holds
//! [`INLINE_MAX`] bytes (otherwise every copy calls the runtime).

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
        let guard = self.env.settings.bounds_checks == BoundsChecks::Guard;
        let spectre = !guard && self.env.settings.spectre;
        if spectre && self.min_length() < INLINE_MAX as u64 {
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
        let go = if guard {
            small
        } else {
            let length = self.length_here();
            let n = self.b.ins().uextend(I64, len);
            let mut go = small;
            for index in [src, dst] {
                let index = self.b.ins().uextend(I64, index);
                let end = self.b.ins().iadd(index, n);
                let fits = self
                    .b
                    .ins()
                    .icmp(IntCC::UnsignedLessThanOrEqual, end, length);
                go = self.b.ins().band(go, fits);
            }
            go
        };
        self.b.ins().brif(go, inline, &[], call, &[]);
        self.b.seal_block(inline);
        self.b.seal_block(call);

        self.b.switch_to_block(inline);
        let mask = spectre.then(|| {
            let failed = self.b.ins().icmp_imm_u(IntCC::Equal, go, 0);
            let none = self.b.ins().iconst(I64, 0);
            let all = self.b.ins().iconst(I64, -1);
            self.b.ins().select_spectre_guard(failed, none, all)
        });
        let base = self.heap_base();
        let at = |t: &mut Self, index: Value| {
            let wide = t.b.ins().uextend(I64, index);
            let wide = match mask {
                Some(mask) => t.b.ins().band(wide, mask),
                None => wide,
            };
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
            self.copy_ends(from, to, len, ty, mask);
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
    /// comment). `mask` (Spectre hardening) clamps the last chunk's
    /// distance with the addresses.
    fn copy_ends(&mut self, from: Value, to: Value, n: Value, ty: Type, mask: Option<Value>) {
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
        let rest = match mask {
            Some(mask) => self.b.ins().band(rest, mask),
            None => rest,
        };
        let from_last = self.b.ins().iadd(from, rest);
        let last = load(self, from_last, 0);
        let to_last = self.b.ins().iadd(to, rest);
        store(self, last, to_last, 0);
        store(self, first, to, 0);
    }
}
