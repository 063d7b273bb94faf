//! Where each kernel's extra instructions go, from comparing `basalt
//! objdump` of the kernels module (guard mode) with the native kernels in
//! the benchmark firmware (`llvm-objdump -d` of its ELF). The report
//! prints these lines under the tables; they describe the code the
//! compiler emits now, so a change to the translator that moves the
//! figures should update them.

/// `(kernel, where the rest goes)`, one line per kernel of
/// `basalt_bench_kernels::KERNELS`.
pub const WHERE_THE_REST_GOES: &[(&str, &str)] = &[
    (
        "crc32",
        "Below native: the data generator copies each 4-byte word with \
         `copy_from_slice`, a `memory.copy` that guard mode now does inline \
         for 1 to 8 bytes (two loads, two stores; it was a libcall of ~70 \
         instructions: 1.47x before) where native calls `memcpy`. Per byte, \
         native's table lookup is `and` + `ldr w, [x, w, uxtw #2]`, and so is \
         ours (a masked index shifted by a constant cannot wrap, so the shift \
         folds into the access). The unrolled loop's byte loads at `p+1..p+3` \
         are `ldrb w, [xB, w, sxtw]` from `base + 1..3` kept in registers \
         where native post-increments one pointer, and Cranelift does not \
         fuse the `lsr` into its `eor` (native: `eor w, w, w, lsr #8`): 27 \
         instructions per 4 bytes to native's 24.",
    ),
    (
        "sha256",
        "Wasm has no byte swap: the big-endian word loads arrive as an \
         `and`/`rotr`/`or` tree, which the translator now recognizes (it \
         follows where each byte comes from) and emits as one `rev`; the data \
         generator's 4-byte copies are inline (see crc32), and the loops' \
         exit tests read the incremented index, so no back edge moves it \
         (1.59x before). What remains: the round loop rotates the eight \
         working variables through eight moves and a branch (native: eight \
         moves), each `w[i]` \
         address rebuilds the frame address (`sub w, wsp, #0x100`), the \
         rotations are not fused into their `eor`s (native: `eor w, w, w, \
         ror #n`), and each block zeroes `w` through a `memory.fill` libcall.",
    ),
    (
        "sort",
        "The Rust bounds checks' panic calls pulled the partition loops' \
         values into their argument registers, and regalloc2 shuffled them \
         on every back edge; the calls now take their arguments through a \
         stack slot (1.76x before). What remains: the loops still move one \
         index per back edge (`mov x2, x23`), each element address is a \
         32-bit `add w, w, w, lsl #2` then a register-offset load (native: \
         one `ldr w, [x, x, lsl #2]`), and every recursive call pays the \
         frame record and keeping `vmctx` in a callee-saved register to pass \
         it on.",
    ),
    (
        "interp",
        "A third of the instructions were register moves: the Rust bounds \
         checks' panic calls wanted the dispatch loop's values in argument \
         registers, and regalloc2 shuffled them through every handler; the \
         calls now take their arguments through a stack slot and their \
         constants are built in their cold blocks (2.23x before). Dispatch \
         is an 11-case `br_table`: Cranelift clamps the index (`cmp`, \
         `csel`, `csdb`) and jumps through a table (`adr`, `ldrsw`, `add`, \
         `br`) where native uses a tree of compares; the ALU handler's \
         4-case and the 2-case `br_table`s are compare-and-branch chains. The \
         virtual registers live in linear memory addressed by 32-bit index \
         arithmetic (`sub w, wfp, #0x40; add w, w, w, lsl #2` before each \
         access where native does one `ldr w, [x, x, lsl #2]`).",
    ),
    (
        "matmul",
        "LLVM vectorizes part of native's inner loops (`fmul v.2d`); ours is \
         scalar: per step two loads, `fmul`, `fadd`, two 32-bit induction \
         variables per array (`add w11, #8`, `add w10, w10, w1, lsl #3`), the \
         loop test, and the kernel's own Rust bounds check on the index \
         (`add`, `cmp`, `b.hs`), which native code has too.",
    ),
    (
        "nbody",
        "Native pairs the x/y components in NEON `.2d` registers (SLP \
         vectorization, 51 `q` register uses); ours computes every component \
         in scalar `d` registers. The inverse square root's constants are now \
         kept in registers (`fmov d, #1.5` was rebuilt every iteration), and \
         each field's `base + K` costs one `add` before the inner loop, which \
         runs about twice per entry, instead of a `mov` and an `add` (1.40x \
         before).",
    ),
    (
        "stream",
        "Native fill, copy, triad and sum are auto-vectorized (4 words per \
         instruction); the scalar Wasm build does one word per load or store. \
         Each access was `add w1, w0, wK` + `str w, [xbase, w1, uxtw]` (the \
         i32 sum of the counting-up index and the array's address may wrap); \
         it is now one `str w, [xK, w0, sxtw]` from `base + K` kept in a \
         register, exact because a sum at or past 2^31 lands in the 2 GiB \
         unmapped below the memory (2.75x before). The triad's multiplier \
         and the check loop's `select` zero are kept in registers instead of \
         being rebuilt (`mov w, #k`) every iteration. The check loop's exit \
         test reads the new index, but Cranelift computes the increment before \
         the old index's last uses, so the back edge still moves it \
         (`cmp; b.eq; mov; b`). The simd128 build closes most of the rest.",
    ),
    (
        "random",
        "The main loop is 13 instructions to native's 10, with the same 2 \
         memory accesses (`base + offset` is kept in a register, and the masked \
         index's shift now folds into them: `ldr w, [x, w, uxtw #2]`, 1.49x \
         before); the xorshift's `lsr` is not fused into its `eor`, the fold \
         is `ror`, `mov w, w`, `eor` where native fuses `eor x, x, x, ror \
         #59`, and the loop counts with `sub` + `cbnz`; native also vectorizes \
         the table's set-up and check loops.",
    ),
    (
        "fib",
        "Native LLVM and the Wasm build both turn one of the two recursive \
         calls into a loop; per remaining call ours adds the frame pointer \
         (`mov x29, sp`) and keeps `vmctx` in a callee-saved register to pass \
         it on (`mov x21, x0`, its save and restore, `mov x0, x21`: 4 \
         instructions). A direct call no longer passes the caller's `vmctx` in \
         a second register (only host functions need it): 4% off this kernel. \
         Guard mode has no stack-limit check \
         in the prologue (the unmapped guard below the stack catches \
         overflow), which cut this kernel by 18%; explicit mode keeps it \
         (`ldur`, `ldur`, `add`, `cmp`, `b.lo`: 5 instructions per call).",
    ),
    (
        "indirect",
        "The table is frozen (defined, not exported, never written, filled by \
         constant segments), so each `call_indirect` clamps the index (`cmp`, \
         `csel`, `csdb`: an index out of bounds becomes that of an element \
         that fails the next test), tests its bit in a constant mask of the \
         elements holding a function of the called type (`lsr`, `tbz`: null \
         and signature at once; mask and spare index stay in registers across \
         the loop), loads the element and its code pointer and passes our own \
         `vmctx` (every candidate is one of the module's functions): 9 \
         instructions where native does `ldr` + `blr`. Before, the index \
         clamp, null check, signature-id and type loads with their compare, \
         the callee-`vmctx` load and the caller's `vmctx` took ~16: 20% off \
         this kernel. The check loop's `match` over `x & 3` is a 4-entry \
         `br_table`, now 3 compare-and-branch tests instead of the jump \
         table's 8 instructions (1.86x to 1.66x). The callees are leaves \
         that use no stack and build no frame record (the backtrace walker \
         takes their caller from `lr`), which cut this kernel by 11%.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_kernel() {
        let kernels: Vec<&str> = basalt_bench_kernels::KERNELS
            .iter()
            .map(|k| k.name)
            .collect();
        let lines: Vec<&str> = WHERE_THE_REST_GOES.iter().map(|(k, _)| *k).collect();
        assert_eq!(kernels, lines);
    }
}
