//! Linear memory: loads, stores, `memory.size` inline; `memory.grow` and
//! the bulk operators (`memory.copy/fill/init`, `data.drop`) via libcalls.
//!
//! Explicit bounds checks (the `explicit` mode): every access traps with
//! `HEAP_OUT_OF_BOUNDS` if `index + offset + size` exceeds
//! `VMMemoryDefinition::current_length`, tested as a 32-bit compare of the
//! index against a limit derived from the length (`index_limit`). Accesses
//! with one dynamic index and constant distances share one check
//! (`access_group.rs`).
//! The memory's base never moves for a live instance (its reservation is
//! fixed), so the base load is marked read-only and may be hoisted. With
//! Spectre hardening the checked address is also clamped (`heap_address`). Memory 0
//! is either the context's own inline `VMMemoryDefinition` or, if imported,
//! the exporter's definition that its `VMMemoryImport` points to.

use super::FuncTranslator;
use crate::env::ModuleEnv;
use crate::error::CompileError;
use basalt::artifact::{BoundsChecks, ImportKind};
use basalt::index::{DefinedMemoryIndex, MemoryIndex};
use basalt::vm::{BuiltinFunction, VMOffsets};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types::*, InstBuilder, InstructionData, MemFlagsData, Opcode, TrapCode, Type, Value, ValueDef,
};
use cranelift_frontend::Variable;
use std::collections::HashSet;
use wasmparser::{FunctionBody, MemArg, Operator as O};

/// The Wasm page size, which the spec fixes.
const WASM_PAGE: u64 = 65536;

/// How a load widens its result.
#[derive(Clone, Copy)]
enum Ext {
    None,
    Signed,
    Unsigned,
}

/// Whether `op` is a scalar load or store (the accesses `memory_op` translates).
pub(super) fn is_scalar_access(op: &O<'_>) -> bool {
    scalar_access(op).is_some()
}

/// A scalar load's or store's memory argument, access size in bytes, and
/// whether it is a store.
pub(super) fn scalar_access(op: &O<'_>) -> Option<(MemArg, u32, bool)> {
    let (arg, size, store) = match *op {
        O::I32Load8S { memarg }
        | O::I32Load8U { memarg }
        | O::I64Load8S { memarg }
        | O::I64Load8U { memarg } => (memarg, 1, false),
        O::I32Load16S { memarg }
        | O::I32Load16U { memarg }
        | O::I64Load16S { memarg }
        | O::I64Load16U { memarg } => (memarg, 2, false),
        O::I32Load { memarg }
        | O::F32Load { memarg }
        | O::I64Load32S { memarg }
        | O::I64Load32U { memarg } => (memarg, 4, false),
        O::I64Load { memarg } | O::F64Load { memarg } => (memarg, 8, false),
        O::I32Store8 { memarg } | O::I64Store8 { memarg } => (memarg, 1, true),
        O::I32Store16 { memarg } | O::I64Store16 { memarg } => (memarg, 2, true),
        O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
            (memarg, 4, true)
        }
        O::I64Store { memarg } | O::F64Store { memarg } => (memarg, 8, true),
        _ => return None,
    };
    Some((arg, size, store))
}

/// Memory 0's length kept in a variable (explicit mode, functions that
/// loop over memory).
pub(crate) struct HeapLength {
    pub(crate) var: Variable,
    /// Wasm offsets of the accesses whose innermost loop calls nothing that
    /// returns: the length is not reloaded inside that loop, so their
    /// 32-bit limits (`index_limit`) are computed outside it.
    narrow: HashSet<u32>,
}

/// Whether a body loops over memory (has a loop and a scalar access; only
/// then does keeping the length in a register pay: straight-line code
/// reuses one load per block anyway, and a function without accesses would
/// only pay for reloading it after each call), and if so, which accesses
/// sit in a loop that calls no function or libcall that returns (each
/// reloads the length; a call followed by `unreachable`, a panic, does not
/// come back) and may change the length (`ModuleEnv::call_keeps_length`).
fn scan_loops(
    body: &FunctionBody<'_>,
    env: &ModuleEnv<'_>,
) -> Result<Option<HashSet<u32>>, CompileError> {
    // Per loop: whether it, or a loop inside it, calls.
    let mut loop_calls: Vec<bool> = Vec::new();
    // Per open block: the innermost loop it is in.
    let mut open: Vec<Option<usize>> = vec![None];
    // Accesses in loops: (Wasm offset, innermost loop).
    let mut accesses: Vec<(u32, usize)> = Vec::new();
    let mut has_access = false;
    let mut pending_call = false;
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset()?;
        let innermost = open.last().copied().flatten();
        if pending_call && !matches!(op, O::Unreachable) {
            for l in open.iter().flatten() {
                loop_calls[*l] = true;
            }
        }
        pending_call = false;
        match op {
            O::Loop { .. } => {
                open.push(Some(loop_calls.len()));
                loop_calls.push(false);
            }
            O::Block { .. } | O::If { .. } | O::TryTable { .. } => open.push(innermost),
            O::End => {
                open.pop();
            }
            ref op if is_scalar_access(op) => {
                has_access = true;
                if let Some(l) = innermost {
                    accesses.push((offset as u32, l));
                }
            }
            ref op if reloads_length(op) && !env.call_keeps_length(op) => pending_call = true,
            _ => {}
        }
    }
    if loop_calls.is_empty() || !has_access {
        return Ok(None);
    }
    let narrow = accesses
        .into_iter()
        .filter(|&(_, l)| !loop_calls[l])
        .map(|(offset, _)| offset)
        .collect();
    Ok(Some(narrow))
}

/// Operators after which the translator reloads the memory length: calls
/// and the operators translated as libcalls.
fn reloads_length(op: &O<'_>) -> bool {
    matches!(
        op,
        O::Call { .. }
            | O::CallIndirect { .. }
            | O::CallRef { .. }
            | O::MemoryGrow { .. }
            | O::MemoryCopy { .. }
            | O::MemoryFill { .. }
            | O::MemoryInit { .. }
            | O::DataDrop { .. }
            | O::TableGrow { .. }
            | O::TableCopy { .. }
            | O::TableFill { .. }
            | O::TableInit { .. }
            | O::ElemDrop { .. }
    )
}

impl FuncTranslator<'_, '_> {
    /// Address of memory 0's `VMMemoryDefinition`, as (base, offset).
    fn memory_definition(&mut self) -> (Value, i32) {
        if self.env.memory_imported() {
            let memory = MemoryIndex::from_u32(0);
            let at = self.env.offsets.vmmemory_import(memory) + VMOffsets::VMMEMORY_IMPORT_FROM;
            // Which definition an import points at never changes.
            let flags = MemFlagsData::trusted().with_readonly().with_can_move();
            let def = self.b.ins().load(I64, flags, self.vmctx, at as i32);
            (def, 0)
        } else {
            let defined = DefinedMemoryIndex::from_u32(0);
            (
                self.vmctx,
                self.env.offsets.vmmemory_definition(defined) as i32,
            )
        }
    }

    /// In explicit mode, load memory 0's length into a variable at entry
    /// (for functions that loop over memory, see `scan_loops`).
    /// Only a call can change it (`memory.grow` is a libcall, and another
    /// instance sharing the memory runs only when called), so it is
    /// reloaded after every call and otherwise stays in a register, also
    /// across loop iterations, where a load would be repeated every time.
    pub(super) fn heap_length_entry(
        &mut self,
        body: &FunctionBody<'_>,
    ) -> Result<(), CompileError> {
        if !self.explicit_checks() {
            return Ok(());
        }
        let Some(narrow) = scan_loops(body, self.env)? else {
            return Ok(());
        };
        let var = self.b.declare_var(I64);
        let len = self.current_length();
        self.b.def_var(var, len);
        self.heap_length = Some(HeapLength { var, narrow });
        Ok(())
    }

    /// Reload the length variable after a call.
    pub(super) fn heap_length_reload(&mut self) {
        if let Some(var) = self.heap_length.as_ref().map(|h| h.var) {
            let len = self.current_length();
            self.b.def_var(var, len);
        }
    }

    /// Current length in bytes, loaded from the definition (`memory.grow`,
    /// here or in another instance sharing the memory, changes it).
    pub(super) fn current_length(&mut self) -> Value {
        let (def, off) = self.memory_definition();
        self.b.ins().load(
            I64,
            MemFlagsData::trusted(),
            def,
            off + VMOffsets::VMMEMORY_DEFINITION_CURRENT_LENGTH as i32,
        )
    }

    /// Call a failing memory libcall and trap with `HEAP_OUT_OF_BOUNDS` on failure.
    pub(super) fn memory_libcall(&mut self, f: BuiltinFunction, args: &[Value]) {
        let failed = self
            .libcall(f, args)
            .expect("memory libcalls return a flag");
        self.b.ins().trapnz(failed, TrapCode::HEAP_OUT_OF_BOUNDS);
    }

    /// The first 32-bit index at which an access reaching `reach` bytes
    /// (offset plus size) is out of bounds: `max(length - reach + 1, 0)`.
    ///
    /// Comparing the Wasm index itself against it (`cmp w, w`) replaces
    /// widening the index and adding the reach on every access. The limit
    /// depends only on the length and the constant reach, so accesses with
    /// the same reach share it and, with the length in a register, it is
    /// computed once outside loops (`heap_address` uses it only in
    /// functions that keep the length in a register). It fits 32 bits because the runtime
    /// keeps every memory's length at most `2^32 - 65536` (65,535 pages,
    /// `basalt::memory::MAX_PAGES`); a reach beyond the length gives 0,
    /// so every index traps.
    fn index_limit(&mut self, len: Value, reach: u64) -> Value {
        // `reach` is at most 2^32 - 1 + 16, so `1 - reach` fits an i64.
        let limit = self.b.ins().iadd_imm_s(len, 1 - reach as i64);
        let zero = self.b.ins().iconst(I64, 0);
        let negative = self.b.ins().icmp(IntCC::SignedLessThan, limit, zero);
        let limit = self.b.ins().select(negative, zero, limit);
        self.b.ins().ireduce(I32, limit)
    }

    /// The 32-bit `index` zero-extended to 64 bits. A scaled index
    /// `x << k` whose `x` is known to stay below `2^(32 - k)` (masked by a
    /// constant, or a zero-extended byte or halfword load) cannot wrap, so
    /// it is shifted after widening instead: Cranelift then folds the shift
    /// into the access (`ldr w, [x, w, uxtw #2]`), where a shift in 32 bits
    /// would need its own `lsl` (it might wrap).
    ///
    /// Unchecked accesses only: an explicit check compares the 32-bit
    /// index, which keeps the 32-bit shift alive anyway.
    fn widen_index(&mut self, index: Value, unchecked: bool) -> Value {
        if let Some((x, k)) = self.scaled_without_wrap(index).filter(|_| unchecked) {
            let wide = self.b.ins().uextend(I64, x);
            return self.b.ins().ishl_imm_u(wide, i64::from(k));
        }
        self.b.ins().uextend(I64, index)
    }

    /// The instruction that defines `v`, if an instruction does.
    pub(super) fn defining(&self, v: Value) -> Option<InstructionData> {
        let dfg = &self.b.func.dfg;
        match dfg.value_def(v) {
            ValueDef::Result(inst, 0) => Some(dfg.insts[inst]),
            _ => None,
        }
    }

    /// The bits of `v` if it is an `iconst` (not one behind a `bitcast`).
    pub(super) fn iconst(&self, v: Value) -> Option<u64> {
        match self.defining(v)? {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits() as u64),
            _ => None,
        }
    }

    /// The value of an `i32` constant, also one kept in a register behind
    /// a `bitcast` (`pinned`).
    pub(super) fn constant32(&self, v: Value) -> Option<u64> {
        let bits = match self.defining(v)? {
            InstructionData::LoadNoOffset {
                opcode: Opcode::Bitcast,
                arg,
                ..
            } => self.iconst(arg)?,
            _ => self.iconst(v)?,
        };
        Some(bits & u64::from(u32::MAX))
    }

    /// The operands of `v` if an `opcode` instruction with two defines it.
    pub(super) fn operands(&self, v: Value, opcode: Opcode) -> Option<[Value; 2]> {
        match self.defining(v)? {
            InstructionData::Binary { opcode: op, args } if op == opcode => Some(args),
            _ => None,
        }
    }

    /// `(x, K)` if `index` is `x + K` (an `i32.add` with a constant) and
    /// `0 <= K < 2^31`.
    fn constant_add(&self, index: Value) -> Option<(Value, i64)> {
        let [a, b] = self.operands(index, Opcode::Iadd)?;
        let (x, k) = match (self.constant32(a), self.constant32(b)) {
            (_, Some(k)) => (a, k),
            (Some(k), None) => (b, k),
            (None, None) => return None,
        };
        (k < 1 << 31).then_some((x, k as i64))
    }

    /// `(x, k)` if `index` is `x << k` (an `i32.shl` by a constant) and `x`
    /// is below `2^(32 - k)`.
    fn scaled_without_wrap(&self, index: Value) -> Option<(Value, u32)> {
        let [x, amount] = self.operands(index, Opcode::Ishl)?;
        // `i32.shl` takes the amount modulo 32, as `ishl` does.
        let k = (self.constant32(amount)? & 31) as u32;
        (self.upper_bound(x, 0)? < 1u64 << (32 - k)).then_some((x, k))
    }

    /// An upper bound of the `i32` value `v` that its definition alone
    /// proves, whatever the inputs: a constant, a mask (`and` with a
    /// constant), a zero-extended byte or halfword load, a remainder by a
    /// constant, and shifts, sums and selects of such values that cannot
    /// wrap. These bounds hold architecturally, under speculation too (no
    /// branch is involved). `None` when nothing is known.
    pub(super) fn upper_bound(&self, v: Value, depth: u32) -> Option<u64> {
        if let Some(k) = self.constant32(v) {
            return Some(k);
        }
        if depth > 6 {
            return None;
        }
        let bound = |x: Value| self.upper_bound(x, depth + 1);
        let fits = |b: u64| (b <= u64::from(u32::MAX)).then_some(b);
        match self.defining(v)? {
            InstructionData::Load {
                opcode: Opcode::Uload8,
                ..
            } => Some(0xff),
            InstructionData::Load {
                opcode: Opcode::Uload16,
                ..
            } => Some(0xffff),
            InstructionData::Binary {
                opcode,
                args: [a, b],
            } => match opcode {
                Opcode::Band => match (bound(a), bound(b)) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                },
                Opcode::Iadd => fits(bound(a)? + bound(b)?),
                Opcode::Ishl => {
                    let k = self.constant32(b)? & 31;
                    fits(bound(a)? << k)
                }
                Opcode::Ushr => {
                    let k = self.constant32(b)? & 31;
                    Some(bound(a).unwrap_or(u64::from(u32::MAX)) >> k)
                }
                Opcode::Urem => Some(self.constant32(b)?.checked_sub(1)?),
                _ => None,
            },
            InstructionData::Ternary {
                opcode: Opcode::Select,
                args: [_, a, b],
            } => Some(bound(a)?.max(bound(b)?)),
            _ => None,
        }
    }

    /// Whether an access reaching `reach` bytes past the index `root + k`
    /// (mod 2^32) is in bounds whatever the inputs: `root`'s definition
    /// bounds it (`upper_bound`) so that the sum does not wrap and stays
    /// within the memory's minimum length. Such an access needs no check in
    /// either mode.
    pub(super) fn statically_in_bounds(&self, root: Value, k: u32, reach: u64) -> bool {
        self.upper_bound(root, 0).is_some_and(|max| {
            let end = max + u64::from(k);
            end <= u64::from(u32::MAX) && end + reach <= self.min_length()
        })
    }

    /// Memory 0's smallest possible length: its declared minimum (an
    /// imported memory is checked against its import's at instantiation),
    /// since memories only grow.
    pub(super) fn min_length(&self) -> u64 {
        let meta = &self.env.module.meta;
        let plan = if self.env.memory_imported() {
            meta.imports.iter().find_map(|i| match i.kind {
                ImportKind::Memory(plan) => Some(plan),
                _ => None,
            })
        } else {
            meta.memories.first().copied()
        };
        plan.map_or(0, |p| p.min_pages.saturating_mul(WASM_PAGE))
    }

    /// Pop the index, check `index + offset + size <= length`, and return
    /// the native address and the static offset to use with it.
    ///
    /// In guard mode there is no check: the memory sits 2 GiB into a
    /// 10 GiB + 64 KiB reservation, so `index + offset + size` (below
    /// 2^33 + 8) always lands inside it, and any access past the mapped
    /// pages faults; the access itself is the trap site. An index `x + K`
    /// with a constant `0 <= K < 2^31` and no static offset is addressed as
    /// `base + K + sext(x)`, one access instead of a 32-bit `add` and an
    /// access (`basalt::memory::GUARD_BELOW` says why that is exact).
    /// Speculation cannot leave the reservation either, so Spectre
    /// hardening adds nothing.
    ///
    /// In explicit mode, an index bounded by its own definition (a mask, a
    /// byte load, see `upper_bound`) so that the access stays within the
    /// memory's declared minimum needs no check: table lookups such as
    /// `crc32`'s `TABLE[(crc ^ b) & 0xff]` and `random`'s masked slots (1.2x
    /// and 1.4x fewer instructions in explicit mode). Every other access is
    /// checked. With Spectre hardening, the address (offset
    /// included) goes through `select_spectre_guard`, null when the check
    /// fails, and the trap tests that result (`cbz`) rather than the
    /// comparison: one compare feeds both, where a separate `trapnz` on the
    /// comparison would repeat the compare and add a conditional branch
    /// (Cranelift does not share flags between instructions). A checked
    /// address is never null: `base` points into the store's arena and
    /// `base + index + offset` stays below `base + 2^33`, which does not
    /// wrap. The access is data-dependent on the select (and `csdb` follows
    /// it), so even when the branch to the trap is mispredicted a
    /// speculative access past the end reads near address 0, not the
    /// attacker's chosen byte beyond the memory.
    ///
    /// A member of a group of accesses checked together (`access_group.rs`)
    /// uses the group's checked address instead.
    pub(super) fn heap_address(&mut self, arg: &MemArg, size: u32) -> (Value, i32) {
        if let Some(member) = self.group_member() {
            self.pop();
            return member;
        }
        let index32 = self.pop();
        // The fast copy of a versioned loop checked this access before it.
        let (index32, versioned) = match self.versioned_index(index32) {
            Some(masked) => (masked, true),
            None => (index32, false),
        };
        let guard = self.env.settings.bounds_checks == BoundsChecks::Guard;
        if guard && arg.offset == 0 {
            if let Some((x, k)) = self.constant_add(index32) {
                // `base + K + sext(x)`: see `basalt::memory::GUARD_BELOW`
                // for why this is `base + ((x + K) mod 2^32)` or faults.
                // The sum `base + K` is pinned, not `K`: Cranelift would
                // otherwise recompute an add of a small immediate next to
                // every access, and a pinned `K` would need its own `mov`
                // before the loop where `add x, x, #K` does (inner loops
                // with few iterations pay that on every entry: `nbody`).
                let base = self.heap_base();
                let base_k = self.b.ins().iadd_imm_s(base, k);
                let base_k = super::pinned(&mut self.b, base_k);
                let x = self.b.ins().sextend(I64, x);
                return (self.b.ins().iadd(base_k, x), 0);
            }
        }
        let reach = arg.offset + u64::from(size);
        let checked = !guard && !versioned && !self.statically_in_bounds(index32, 0, reach);
        let index = self.widen_index(index32, !checked);
        let mut oob = None;
        if checked {
            let out = self.out_of_bounds(index32, reach);
            if !self.env.settings.spectre {
                self.b.ins().trapnz(out, TrapCode::HEAP_OUT_OF_BOUNDS);
            }
            oob = Some(out);
        }
        let base = self.heap_base();
        let addr = self.b.ins().iadd(base, index);
        match oob {
            Some(oob) if self.env.settings.spectre => {
                // A small offset is one `add` of an immediate to the shared
                // `base + index`; a larger one goes on the base's side,
                // which stays in a register across loops.
                let addr = if arg.offset == 0 {
                    addr
                } else if arg.offset < 4096 {
                    self.b.ins().iadd_imm_u(addr, arg.offset as i64)
                } else {
                    let offset = super::wide_const(&mut self.b, I64, arg.offset as i64);
                    let offset_base = self.b.ins().iadd(base, offset);
                    self.b.ins().iadd(offset_base, index)
                };
                // Kept in a register (Cranelift would rebuild it in loops).
                let null = self.b.ins().iconst(I64, 0);
                let null = super::pinned(&mut self.b, null);
                let checked = self.b.ins().select_spectre_guard(oob, null, addr);
                self.b.ins().trapz(checked, TrapCode::HEAP_OUT_OF_BOUNDS);
                (checked, 0)
            }
            // An offset the access's immediate cannot hold goes on the
            // base's side instead (`base + offset`, loop-invariant and kept
            // in a register, see `wide_const`), so the access adds only
            // the index: `ldr w0, [xB, w1, uxtw]`.
            _ if !arg.offset.is_multiple_of(u64::from(size))
                || arg.offset / u64::from(size) > 4095 =>
            {
                let offset = super::wide_const(&mut self.b, I64, arg.offset as i64);
                let offset_base = self.b.ins().iadd(base, offset);
                (self.b.ins().iadd(offset_base, index), 0)
            }
            _ => (addr, arg.offset as i32),
        }
    }

    /// Whether accesses to memory 0 are checked in code (explicit mode).
    pub(super) fn explicit_checks(&self) -> bool {
        let has_memory = !self.env.module.meta.memories.is_empty() || self.env.memory_imported();
        self.env.settings.bounds_checks == BoundsChecks::Explicit && has_memory
    }

    /// Whether `index + reach` (the 32-bit index widened, no wrapping)
    /// exceeds memory 0's length, as a flag.
    pub(super) fn out_of_bounds(&mut self, index32: Value, reach: u64) -> Value {
        let len = self.length_here();
        let narrow = self
            .heap_length
            .as_ref()
            .is_some_and(|h| h.narrow.contains(&self.b.srcloc().bits()));
        if narrow {
            // Loops that call nothing: the limit is computed once per
            // reach outside them, and each access is one `cmp w, w`.
            let limit = self.index_limit(len, reach);
            self.b
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, index32, limit)
        } else {
            // Elsewhere (and in loops that call, where the length is
            // reloaded after each call) the access's address, which it
            // computes anyway, is compared with `base + length - reach`:
            // signed, as that may be negative (addresses and lengths are
            // far below 2^63, so nothing wraps).
            let base = self.heap_base();
            let index = self.b.ins().uextend(I64, index32);
            let addr = self.b.ins().iadd(base, index);
            let end = self.b.ins().iadd(base, len);
            let reach = super::wide_const(&mut self.b, I64, -(reach as i64));
            let limit = self.b.ins().iadd(end, reach);
            self.b.ins().icmp(IntCC::SignedGreaterThan, addr, limit)
        }
    }

    /// Memory 0's length in bytes, from the function's length variable when
    /// it keeps one, loaded otherwise.
    pub(super) fn length_here(&mut self) -> Value {
        match self.heap_length.as_ref() {
            Some(h) => self.b.use_var(h.var),
            None => self.current_length(),
        }
    }

    /// Memory 0's base address. It never moves for a live instance (its
    /// reservation is fixed), so the load may be hoisted and merged.
    pub(super) fn heap_base(&mut self) -> Value {
        let (def, def_off) = self.memory_definition();
        let flags = MemFlagsData::trusted().with_readonly().with_can_move();
        self.b.ins().load(
            I64,
            flags,
            def,
            def_off + VMOffsets::VMMEMORY_DEFINITION_BASE as i32,
        )
    }

    /// Flags of a Wasm memory access: may be unaligned, may fault (the fault
    /// is a heap-out-of-bounds trap in guard mode), and lives in the heap
    /// alias region: linear memory never overlaps the `VMContext`, so a heap
    /// store does not force `current_length` or globals to be reloaded.
    pub(super) fn heap_flags(&self) -> MemFlagsData {
        MemFlagsData::new()
            .with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS))
            .with_alias_region(Some(self.heap_region))
    }

    fn load(&mut self, arg: &MemArg, mem: Type, ty: Type, ext: Ext) {
        let (addr, off) = self.heap_address(arg, mem.bytes());
        let flags = self.heap_flags();
        let v = match (ext, mem.bits()) {
            (Ext::None, _) => self.b.ins().load(ty, flags, addr, off),
            (Ext::Signed, 8) => self.b.ins().sload8(ty, flags, addr, off),
            (Ext::Unsigned, 8) => self.b.ins().uload8(ty, flags, addr, off),
            (Ext::Signed, 16) => self.b.ins().sload16(ty, flags, addr, off),
            (Ext::Unsigned, 16) => self.b.ins().uload16(ty, flags, addr, off),
            (Ext::Signed, _) => self.b.ins().sload32(flags, addr, off),
            (Ext::Unsigned, _) => self.b.ins().uload32(flags, addr, off),
        };
        self.push(v);
    }

    fn store(&mut self, arg: &MemArg, mem: Type) {
        let value = self.pop();
        let (addr, off) = self.heap_address(arg, mem.bytes());
        let flags = self.heap_flags();
        let full = self.b.func.dfg.value_type(value).bits() == mem.bits();
        match mem.bits() {
            _ if full => self.b.ins().store(flags, value, addr, off),
            8 => self.b.ins().istore8(flags, value, addr, off),
            16 => self.b.ins().istore16(flags, value, addr, off),
            _ => self.b.ins().istore32(flags, value, addr, off),
        };
    }

    /// Translate a memory operator; false if `op` is not one.
    pub(crate) fn memory_op(&mut self, op: &O<'_>, _offset: u64) -> Result<bool, CompileError> {
        match op {
            O::I32Load { memarg } => self.load(memarg, I32, I32, Ext::None),
            O::I64Load { memarg } => self.load(memarg, I64, I64, Ext::None),
            O::F32Load { memarg } => self.load(memarg, F32, F32, Ext::None),
            O::F64Load { memarg } => self.load(memarg, F64, F64, Ext::None),
            O::I32Load8S { memarg } => self.load(memarg, I8, I32, Ext::Signed),
            O::I32Load8U { memarg } => self.load(memarg, I8, I32, Ext::Unsigned),
            O::I32Load16S { memarg } => self.load(memarg, I16, I32, Ext::Signed),
            O::I32Load16U { memarg } => self.load(memarg, I16, I32, Ext::Unsigned),
            O::I64Load8S { memarg } => self.load(memarg, I8, I64, Ext::Signed),
            O::I64Load8U { memarg } => self.load(memarg, I8, I64, Ext::Unsigned),
            O::I64Load16S { memarg } => self.load(memarg, I16, I64, Ext::Signed),
            O::I64Load16U { memarg } => self.load(memarg, I16, I64, Ext::Unsigned),
            O::I64Load32S { memarg } => self.load(memarg, I32, I64, Ext::Signed),
            O::I64Load32U { memarg } => self.load(memarg, I32, I64, Ext::Unsigned),
            O::I32Store { memarg } => self.store(memarg, I32),
            O::I64Store { memarg } => self.store(memarg, I64),
            O::F32Store { memarg } => self.store(memarg, F32),
            O::F64Store { memarg } => self.store(memarg, F64),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(memarg, I8),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(memarg, I16),
            O::I64Store32 { memarg } => self.store(memarg, I32),
            O::MemorySize { .. } => {
                let len = self.current_length();
                let pages = self.b.ins().ushr_imm_u(len, 16);
                let v = self.b.ins().ireduce(I32, pages);
                self.push(v);
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop();
                let delta = self.b.ins().uextend(I64, delta);
                let index = self.b.ins().iconst(I32, i64::from(*mem));
                let old = self
                    .libcall(BuiltinFunction::Memory32Grow, &[delta, index])
                    .expect("memory.grow returns the old size");
                let v = self.b.ins().ireduce(I32, old);
                self.push(v);
            }
            O::MemoryCopy { .. } => {
                let len = self.pop();
                let src = self.pop();
                let dst = self.pop();
                self.memory_copy(dst, src, len);
            }
            O::MemoryFill { .. } => {
                let len = self.pop();
                let value = self.pop();
                let dst = self.pop();
                self.memory_libcall(BuiltinFunction::MemoryFill, &[dst, value, len]);
            }
            O::MemoryInit { data_index, .. } => {
                let len = self.pop();
                let src = self.pop();
                let dst = self.pop();
                let data = self.b.ins().iconst(I32, i64::from(*data_index));
                self.memory_libcall(BuiltinFunction::MemoryInit, &[data, dst, src, len]);
            }
            O::DataDrop { data_index } => {
                let data = self.b.ins().iconst(I32, i64::from(*data_index));
                self.libcall(BuiltinFunction::DataDrop, &[data]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
