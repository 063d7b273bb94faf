//! Explicit bounds checks shared by a group of accesses.
//!
//! An unrolled loop (`a[i + 0] .. a[i + 7]`), the fields of a struct
//! (`p.x`, `p.y` at `p + off`) or a run of bytes (`p + 0 .. p + 3`) index
//! memory with one dynamic value and constant distances. Memory is
//! contiguous from 0, so the lowest and the highest of such accesses in
//! bounds imply every one between: one check covers them all, and each
//! member then addresses memory as one checked base plus an immediate.
//!
//! **Window.** At a scalar access the translator looks ahead over a
//! straight-line window of core operators (no control flow, call,
//! `unreachable` or `memory.grow`: the length cannot change inside it) and
//! evaluates each access's index symbolically as `root + K` (mod 2^32),
//! where `root` is a value that exists at the window's start (an operand on
//! the stack, or a local's value at the start) and `K` comes
//! from `i32.add`/`i32.sub` of constants. Accesses with the same root whose
//! index distances and byte ranges fit in [`SPAN`] bytes form a group;
//! wider ones (arrays indexed alike: `c[i] = a[i] + b[i]`), up to
//! [`WIDE_SPAN`] and the memory's declared minimum length, a wide group. A
//! group needs two members; an access whose index is statically in bounds
//! (unchecked anyway, `memory.rs`) joins none. The window ends at the last
//! member of a group.
//!
//! **Check.** Before the window's first operator, each group computes
//! `lo = root + Kmin` in 32 bits, as Wasm wraps, and checks
//! `lo + c + reach <= length` without wrapping (`c` the lowest byte offset
//! of a member from `lo`, `reach` the members' extent past it). Member `j`'s
//! Wasm index is exactly `lo + d_j` (`d_j = K_j - Kmin`) whenever the check
//! holds, so its address is `base + lo + c + e_j` with a constant `e_j`
//! (an immediate offset, or for far members of a wide group a register).
//! With Spectre hardening the group's address is clamped when the check
//! fails (`select_spectre_guard` then `csdb`), so a mispredicted branch
//! reads only harmless bytes: to null, as a single access's is, with the
//! members within [`SPAN`] (the first page) of it, and the branch tests
//! that result (`cbz`); a wide group's to the memory's base, with the
//! members within its minimum length, and the branch tests the
//! comparison.
//!
//! **Exact traps.** A failing check branches to a cold copy of the window
//! translated as if there were no groups (a check per access). Nothing of
//! the window has run yet, so the copy runs its operators in order: stores
//! before the first out-of-bounds access land, a trap of another kind
//! before it (a division by zero) comes first, and the access that is out
//! of bounds traps where it is. Without a wide group the copy always
//! traps: the member with the highest reach is out of bounds unless its
//! index wrapped past 2^32, and then `lo > 2^32 - SPAN`, above every
//! memory's length (at most `2^32 - 65536`, `basalt::memory::MAX_PAGES`),
//! so the lowest member is; the copy ends with a trap that is never
//! reached. With a wide group that argument fails (a wrapped member may be
//! in bounds in a memory of nearly 4 GiB), so the copy rejoins the checked
//! path after the window, its stack above the window's lowest depth passed
//! as block parameters. Trap-ended copies are preferred: a join costs
//! register moves on the checked path.

use super::memory::scalar_access;
use super::FuncTranslator;
use crate::error::CompileError;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types::*, Block, InstBuilder, Opcode, SourceLoc, TrapCode, Value};
use std::collections::HashMap;
use wasmparser::{Operator as O, OperatorsReader};

/// The most bytes one group's members span (and their index distances):
/// an immediate offset reaches them from one address, and with Spectre
/// hardening a clamped (null) address stays in the first page.
const SPAN: i64 = 4096;

/// The most bytes a wide group spans (also at most the memory's minimum
/// length): members of several arrays indexed alike (`a[i]`, `b[i]`,
/// `c[i]`).
const WIDE_SPAN: i64 = 1 << 20;

/// Operators a window may hold at most (the cold copy duplicates them).
const MAX_WINDOW: usize = 128;

/// The window being translated on its checked path.
pub(crate) struct AccessGroups {
    /// Members by Wasm offset: the group's checked address and the
    /// member's displacement from it.
    members: HashMap<u32, (Value, i64)>,
    /// Operators of the window still to translate.
    remaining: usize,
    /// For a window with a wide group: where the cold copy joins the
    /// checked path after the window, and the stack depth below which the
    /// window leaves the stack alone.
    join: Option<(Block, usize)>,
}

/// What `plan_window` found.
struct Window {
    groups: Vec<Group>,
    /// Operators from the window's start to its last member.
    len: usize,
    /// The lowest stack depth those operators reach.
    depth: usize,
}

/// A value as the window's symbolic evaluation sees it.
#[derive(Clone, Copy)]
enum Sym {
    Unknown,
    Const(u32),
    /// `root + k` (mod 2^32) of an `i32` root.
    Rel(Value, u32),
}

/// One access of a group: Wasm offset, index distance from the group's
/// first member, static offset and size.
#[derive(Clone, Copy)]
struct Member {
    offset: u32,
    delta: i64,
    mem_offset: i64,
    size: i64,
}

/// Accesses with one root, at most [`SPAN`] apart.
struct Group {
    root: Value,
    /// Members the fast copy of a versioned loop leaves unchecked
    /// (`versioning.rs`): the group then needs no check either.
    covered: bool,
    /// The first member's `K`.
    k: u32,
    members: Vec<Member>,
    /// Position of the last member in the window.
    last: usize,
}

impl Group {
    /// Lowest index distance, and lowest and highest byte of the members
    /// relative to the first member's index.
    fn extent(members: &[Member]) -> (i64, i64, i64) {
        let dmin = members.iter().map(|m| m.delta).min().unwrap_or(0);
        let lo = members.iter().map(|m| m.delta + m.mem_offset).min();
        let hi = members
            .iter()
            .map(|m| m.delta + m.mem_offset + m.size)
            .max();
        (dmin, lo.unwrap_or(0), hi.unwrap_or(0))
    }

    /// Whether the group spans more than [`SPAN`] (its distances or bytes).
    fn wide(members: &[Member]) -> bool {
        let (dmin, lo, hi) = Self::extent(members);
        let dmax = members.iter().map(|m| m.delta).max().unwrap_or(0);
        dmax - dmin > SPAN || hi - lo > SPAN
    }

    /// Add `m` if the group still fits `span` bytes.
    fn admit(&mut self, m: Member, at: usize, span: i64) -> bool {
        let mut members = self.members.clone();
        members.push(m);
        let (dmin, lo, hi) = Self::extent(&members);
        let dmax = members.iter().map(|m| m.delta).max().unwrap_or(0);
        if dmax - dmin > span || hi - lo > span {
            return false;
        }
        self.members = members;
        self.last = at;
        true
    }
}

/// `Some((inputs, outputs))` for the operators a window may hold: the
/// core proposals' operators of fixed arity (straight-line code), less
/// `unreachable` and `memory.grow`.
fn window_arity(op: &O<'_>) -> Option<(u32, u32)> {
    if matches!(op, O::Unreachable | O::MemoryGrow { .. }) {
        return None;
    }
    core_arity(op)
}

macro_rules! define_core_arity {
    (@arity mvp arity $a:literal -> $b:literal) => (Some(($a, $b)));
    (@arity mvp arity memarg $a:literal -> $b:literal) => (Some(($a, $b)));
    (@arity sign_extension arity $a:literal -> $b:literal) => (Some(($a, $b)));
    (@arity saturating_float_to_int arity $a:literal -> $b:literal) => (Some(($a, $b)));
    (@arity $($other:tt)*) => (None);
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        /// Arity of the MVP, sign-extension and saturating-conversion
        /// operators whose arity is fixed (not control flow or calls).
        pub(super) fn core_arity(op: &O<'_>) -> Option<(u32, u32)> {
            match op {
                $( O::$op { .. } => define_core_arity!(@arity $proposal $($ann)*), )*
                _ => None,
            }
        }
    };
}
wasmparser::for_each_operator!(define_core_arity);

impl FuncTranslator<'_, '_> {
    /// `v` as `root + k`, looking through `iadd`s of constants.
    fn symbolic(&self, v: Value) -> Sym {
        if self.b.func.dfg.value_type(v) != I32 {
            return Sym::Unknown;
        }
        if let Some(k) = self.constant32(v) {
            return Sym::Const(k as u32);
        }
        let (mut root, mut k) = (v, 0u32);
        while let Some([a, b]) = self.operands(root, Opcode::Iadd) {
            match (self.constant32(a), self.constant32(b)) {
                (_, Some(c)) => (root, k) = (a, k.wrapping_add(c as u32)),
                (Some(c), None) => (root, k) = (b, k.wrapping_add(c as u32)),
                (None, None) => break,
            }
        }
        Sym::Rel(root, k)
    }

    /// The groups of the window starting at `first` (at `offset`; `rest`
    /// reads the operators after it), and the window's length in operators.
    fn plan_window(
        &mut self,
        first: &O<'_>,
        offset: u64,
        rest: &OperatorsReader<'_>,
    ) -> Result<Window, CompileError> {
        let mut stack: Vec<Sym> = self.stack.iter().map(|&v| self.symbolic(v)).collect();
        // Locals set in the window, and what they hold.
        let mut assigned: HashMap<u32, Sym> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        // Per position: the lowest stack depth the window reaches so far.
        let mut low = Vec::new();
        let mut depth = stack.len();
        let span = (self.min_length() as i64).clamp(SPAN, WIDE_SPAN);
        let mut ops = rest.clone();
        let (mut op, mut at) = (first.clone(), offset);
        for pos in 0..MAX_WINDOW {
            let Some((inputs, outputs)) = window_arity(&op) else {
                break;
            };
            depth = depth.min(stack.len().saturating_sub(inputs as usize));
            low.push(depth);
            match op {
                O::LocalGet { local_index } => {
                    let sym = match assigned.get(&local_index) {
                        Some(&sym) => sym,
                        None => {
                            let v = self.b.use_var(self.locals[local_index as usize]);
                            self.symbolic(v)
                        }
                    };
                    stack.push(sym);
                }
                O::LocalSet { local_index } | O::LocalTee { local_index } => {
                    let sym = stack.last().copied().unwrap_or(Sym::Unknown);
                    assigned.insert(local_index, sym);
                    if matches!(op, O::LocalSet { .. }) {
                        stack.pop();
                    }
                }
                O::I32Const { value } => stack.push(Sym::Const(value as u32)),
                O::I32Add | O::I32Sub => {
                    let (b, a) = (stack.pop(), stack.pop());
                    let sub = matches!(op, O::I32Sub);
                    let sym = match (a, b) {
                        (Some(Sym::Rel(r, k)), Some(Sym::Const(c))) if sub => {
                            Sym::Rel(r, k.wrapping_sub(c))
                        }
                        (Some(Sym::Const(x)), Some(Sym::Const(c))) if sub => {
                            Sym::Const(x.wrapping_sub(c))
                        }
                        _ if sub => Sym::Unknown,
                        (Some(Sym::Rel(r, k)), Some(Sym::Const(c)))
                        | (Some(Sym::Const(c)), Some(Sym::Rel(r, k))) => {
                            Sym::Rel(r, k.wrapping_add(c))
                        }
                        (Some(Sym::Const(x)), Some(Sym::Const(c))) => Sym::Const(x.wrapping_add(c)),
                        _ => Sym::Unknown,
                    };
                    stack.push(sym);
                }
                _ => {
                    if let Some((arg, size, store)) = scalar_access(&op) {
                        // The index is below a store's value.
                        let below = if store { 2 } else { 1 };
                        let index = stack.len().checked_sub(below).map(|i| stack[i]);
                        match index {
                            // Unchecked anyway (`heap_address`).
                            Some(Sym::Rel(root, k))
                                if self.statically_in_bounds(
                                    root,
                                    k,
                                    arg.offset + u64::from(size),
                                ) => {}
                            Some(Sym::Rel(root, k)) => {
                                let covered = self.versioned_covers(at as u32);
                                let m = (k, arg.offset, size, at, pos);
                                self.join(&mut groups, root, covered, m, span)
                            }
                            _ => {}
                        }
                    }
                    let keep = stack.len().saturating_sub(inputs as usize);
                    stack.truncate(keep);
                    for _ in 0..outputs {
                        stack.push(Sym::Unknown);
                    }
                }
            }
            if ops.eof() {
                break;
            }
            (op, at) = ops.read_with_offset()?;
        }
        // A covered group's members address memory from its masked index,
        // which is 0 when a mispredicted branch entered the fast copy: they
        // must then stay within the memory's declared minimum.
        let min_length = self.min_length() as i64;
        groups.retain(|g| {
            let (dmin, _, hi) = Group::extent(&g.members);
            g.members.len() >= 2 && (!g.covered || hi - dmin <= min_length)
        });
        let len = groups.iter().map(|g| g.last + 1).max().unwrap_or(0);
        let depth = len.checked_sub(1).map_or(stack.len(), |last| low[last]);
        Ok(Window { groups, len, depth })
    }

    /// Put the access `root + k` with static offset and size at Wasm
    /// offset `at` (position `pos` in the window) into the first group of
    /// `root` it fits within `span` bytes, or a new one.
    fn join(
        &self,
        groups: &mut Vec<Group>,
        root: Value,
        covered: bool,
        (k, mem_offset, size, at, pos): (u32, u64, u32, u64, usize),
        span: i64,
    ) {
        let Ok(mem_offset) = i64::try_from(mem_offset) else {
            return;
        };
        for g in groups
            .iter_mut()
            .filter(|g| g.root == root && g.covered == covered)
        {
            let m = Member {
                offset: at as u32,
                delta: i64::from(k.wrapping_sub(g.k) as i32),
                mem_offset,
                size: i64::from(size),
            };
            if g.admit(m, pos, span) {
                return;
            }
        }
        groups.push(Group {
            root,
            covered,
            k,
            members: vec![Member {
                offset: at as u32,
                delta: 0,
                mem_offset,
                size: i64::from(size),
            }],
            last: pos,
        });
    }

    /// At a scalar access in explicit mode, outside any window: look ahead
    /// for groups; if there are any, check them, translate the window's
    /// cold copy, and leave the translator at the start of the checked path
    /// with the members recorded for `heap_address`.
    pub(super) fn start_access_groups(
        &mut self,
        op: &O<'_>,
        offset: u64,
        rest: &OperatorsReader<'_>,
    ) -> Result<(), CompileError> {
        if !self.reachable
            || self.access_groups.is_some()
            || !self.explicit_checks()
            || scalar_access(op).is_none()
        {
            return Ok(());
        }
        let Window { groups, len, depth } = self.plan_window(op, offset, rest)?;
        if groups.is_empty() {
            return Ok(());
        }
        let checked = groups.iter().any(|g| !g.covered);
        let rejoin = groups.iter().any(|g| !g.covered && Group::wide(&g.members));
        let cold = self.b.create_block();
        let mut members = HashMap::new();
        for g in &groups {
            let (dmin, lo, hi) = Group::extent(&g.members);
            // `lo_index = root + K + dmin` (wrapping); member bytes start at
            // `lo_index + c + e` with `c = lo - dmin`.
            let k = g.k.wrapping_add(dmin as u32);
            let c = lo - dmin;
            let base = if g.covered {
                self.covered_group(g.root, k, c)
            } else {
                let wide = Group::wide(&g.members);
                self.check_group(g.root, k, c, (c + hi - lo) as u64, cold, wide)
            };
            for m in &g.members {
                let e = m.delta + m.mem_offset - lo;
                members.insert(m.offset, (base, e));
            }
        }
        let join = if checked {
            self.b.set_cold_block(cold);
            self.b.seal_block(cold);
            self.translate_cold_copy(cold, op, offset, rest, len, rejoin.then_some(depth))?
        } else {
            None
        };
        self.access_groups = Some(AccessGroups {
            members,
            remaining: len,
            join: join.map(|j| (j, depth)),
        });
        Ok(())
    }

    /// After each operator: at the end of a window whose cold copy
    /// rejoins, join it.
    pub(super) fn end_access_groups(&mut self) {
        let Some(groups) = self.access_groups.as_mut() else {
            return;
        };
        groups.remaining -= 1;
        if groups.remaining > 0 {
            return;
        }
        let join = groups.join;
        self.access_groups = None;
        let Some((join, depth)) = join else {
            return;
        };
        let args = self.top_args(self.stack.len() - depth);
        self.b.ins().jump(join, &args);
        self.b.seal_block(join);
        self.b.switch_to_block(join);
        self.stack.truncate(depth);
        let params = self.b.block_params(join).to_vec();
        self.stack.extend(params);
    }

    /// Check `index + c + reach <= length` for `index = root + k` (mod
    /// 2^32), branch to `cold` if it fails, and return `base + index + c`
    /// (clamped with Spectre hardening) in the new current block.
    fn check_group(
        &mut self,
        root: Value,
        k: u32,
        c: i64,
        reach: u64,
        cold: Block,
        wide: bool,
    ) -> Value {
        let index = if k == 0 {
            root
        } else {
            let k = super::wide_const(&mut self.b, I32, i64::from(k as i32));
            self.b.ins().iadd(root, k)
        };
        let oob = self.out_of_bounds(index, reach);
        let heap = self.heap_base();
        let base = if c == 0 {
            heap
        } else {
            let c = super::wide_const(&mut self.b, I64, c);
            self.b.ins().iadd(heap, c)
        };
        let index = self.b.ins().uextend(I64, index);
        let addr = self.b.ins().iadd(base, index);
        let next = self.b.create_block();
        let addr = if wide {
            // A wide group's members reach past the first page from null:
            // the clamp selects the memory's base instead, from which they
            // stay within the memory's minimum length (`WIDE_SPAN`). The
            // branch then tests the comparison itself.
            let addr = match self.env.settings.spectre {
                true => self.b.ins().select_spectre_guard(oob, heap, addr),
                false => addr,
            };
            self.b.ins().brif(oob, cold, &[], next, &[]);
            addr
        } else if self.env.settings.spectre {
            // Kept in a register (Cranelift would rebuild it in loops).
            let null = self.b.ins().iconst(I64, 0);
            let null = super::pinned(&mut self.b, null);
            let checked = self.b.ins().select_spectre_guard(oob, null, addr);
            // `cold` as the first successor: see `translate_cold_copy`.
            let failed = self.b.ins().icmp_imm_s(IntCC::Equal, checked, 0);
            self.b.ins().brif(failed, cold, &[], next, &[]);
            checked
        } else {
            self.b.ins().brif(oob, cold, &[], next, &[]);
            addr
        };
        self.b.seal_block(next);
        self.b.switch_to_block(next);
        addr
    }

    /// `base + index + c` for the covered group whose lowest index is
    /// `index = root + k` (mod 2^32), in the fast copy of a versioned loop:
    /// the test before the loop bounded every member's index, so the
    /// members' indices are `index + d_j` without wrapping (each is below
    /// the length, their distances below [`WIDE_SPAN`]). No check; with
    /// Spectre hardening the index is `and`ed with the fast copy's mask,
    /// once for all members.
    fn covered_group(&mut self, root: Value, k: u32, c: i64) -> Value {
        let index = if k == 0 {
            root
        } else {
            let k = super::wide_const(&mut self.b, I32, i64::from(k as i32));
            self.b.ins().iadd(root, k)
        };
        let index = self.versioned_mask(index);
        let heap = self.heap_base();
        let base = if c == 0 {
            heap
        } else {
            let c = super::wide_const(&mut self.b, I64, c);
            self.b.ins().iadd(heap, c)
        };
        let index = self.b.ins().uextend(I64, index);
        self.b.ins().iadd(base, index)
    }

    /// Translate the window's `len` operators (`first`, then `rest`) into
    /// `cold` with a check per access, then return to the current block
    /// with the stack and pending fuel as they were.
    ///
    /// Every check branches to `cold` as its first successor, which puts
    /// `cold` after the checked path in Cranelift's block order. That
    /// matters: its loop-invariant code motion walks the dominator tree in
    /// that order and forgets the enclosing loop once it visits a block
    /// outside it (`cold` ends in a trap), so any block of the loop visited
    /// after `cold` would keep invariant code (the limits of other
    /// accesses) inside the loop.
    fn translate_cold_copy(
        &mut self,
        cold: Block,
        first: &O<'_>,
        offset: u64,
        rest: &OperatorsReader<'_>,
        len: usize,
        rejoin: Option<usize>,
    ) -> Result<Option<Block>, CompileError> {
        let hot = self.b.current_block().expect("translating a block");
        let stack = self.stack.clone();
        let fuel = self.fuel_pending();
        self.b.switch_to_block(cold);
        self.translate(first, offset)?;
        let mut ops = rest.clone();
        for _ in 1..len {
            let (op, at) = ops.read_with_offset()?;
            self.b.set_srcloc(SourceLoc::new(at as u32));
            self.translate(&op, at)?;
        }
        let join = match rejoin {
            Some(depth) => {
                let join = self.b.create_block();
                for &v in &self.stack[depth..] {
                    let ty = self.b.func.dfg.value_type(v);
                    self.b.append_block_param(join, ty);
                }
                let args = self.top_args(self.stack.len() - depth);
                self.b.ins().jump(join, &args);
                Some(join)
            }
            None => {
                // Never reached: some access of the window is out of bounds.
                self.b.ins().trap(TrapCode::HEAP_OUT_OF_BOUNDS);
                None
            }
        };
        self.stack = stack;
        self.set_fuel_pending(fuel);
        self.b.switch_to_block(hot);
        self.b.set_srcloc(SourceLoc::new(offset as u32));
        Ok(join)
    }

    /// If the access being translated is a member of the current window's
    /// group: its checked address and displacement.
    pub(super) fn group_member(&mut self) -> Option<(Value, i32)> {
        let groups = self.access_groups.as_mut()?;
        let (base, e) = groups.members.remove(&self.b.srcloc().bits())?;
        if e < 4096 {
            return Some((base, e as i32));
        }
        // A wide group's far member: the distance in a register (loop
        // invariant), added by the access (`ldr w, [x, x]`).
        let e = self.b.ins().iconst(I64, e);
        let e = super::pinned(&mut self.b, e);
        Some((self.b.ins().iadd(base, e), 0))
    }
}
