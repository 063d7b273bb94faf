//! Explicit bounds checks hoisted out of counted loops (loop versioning).
//!
//! A loop as LLVM writes `for` loops over arrays (`i += C; br_if (i != N)`
//! at its end) indexes memory with induction variables: locals the loop
//! writes once per iteration, at its top level, as `x = x + step`. When the
//! exit test is `x + a != N` with a power-of-two step and `N` a constant or
//! a local the loop never writes, the number of iterations is known when
//! the loop is entered: the loop ends at the first `k` with
//! `x0 + k * step + a = N` (mod 2^32), `k_last = (N - a - x0) / step`, and
//! only if `step` divides that distance (otherwise the test never holds
//! and the loop leaves some other way, or never: no fast copy then).
//!
//! An access whose index is `y + K` (`y` an induction variable or a local
//! the loop never writes) then touches, over iterations `0..=k_last`, the
//! indices `y0 + K + k * step_y`. Before the loop, one test per such local
//! checks that all of them (for every `K` the loop uses with it) stay within
//! the memory without wrapping; if every test holds, a copy of the loop
//! with no checks on those accesses runs, otherwise the loop as it is. The
//! two copies join after the loop. Traps stay exact: a loop that might go
//! out of bounds runs with every check.
//!
//! **Spectre.** The branch between the copies can be mispredicted, so the
//! fast copy's unchecked accesses `and` their index with a mask that is all
//! ones only when the tests hold (`select_spectre_guard`, then `csdb`):
//! speculating into the fast copy without it reads at index 0, and only
//! accesses whose offset and size fit the memory's declared minimum are
//! left unchecked, so that address is always inside the memory.
//!
//! An induction variable may also step by a local the loop never writes
//! (`x = x + s`, a matrix column): its indices rise by `s` as an unsigned
//! value, and the test bounds `x0 + K + k_last * s` (with `k_last` and `s`
//! at most the length, so nothing overflows 64 bits).
//!
//! An index may also be such a `y + K` plus a bounded term `t` in `0..=m`
//! (a mask, shift or remainder by a constant, a byte or halfword load:
//! `base[(x & 3) << 2]`); its test then reaches `m` bytes further.
//!
//! Only innermost loops with no other branch back to the loop are
//! candidates: every iteration passes the increment once. Calls and
//! `memory.grow` are fine: they change no local, and a memory only grows
//! and never moves, so what the test found in bounds stays in bounds.
//!
//! Accesses of the fast copy with one root form groups as in the checked
//! code (`access_group.rs`), with no check: one masked index per group.

use super::access_group::core_arity;
use super::memory::scalar_access;
use super::FuncTranslator;
use crate::error::CompileError;
use basalt::index::FuncIndex;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types::*, InstBuilder, SourceLoc, Value};
use std::collections::{HashMap, HashSet};
use wasmparser::{BlockType, Operator as O, OperatorsReader};

/// A value as the scan sees it: `local + k` is the local's value at the
/// start of the iteration plus `k` (mod 2^32).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sym {
    Unknown,
    Const(u32),
    Rel(u32, u32),
    /// `local + k + t` (mod 2^32) for some `t` in `0..=m` (`m > 0`): a
    /// table slot `base[(x & 3) << 2]` from an unwritten `base`.
    Span(u32, u32, u32),
    /// Some value in `0..=m`: a mask, a byte load, a remainder.
    Range(u32),
    /// `a + b` of two locals' values at the start of the iteration: an
    /// induction variable's step by a local the loop never writes (a
    /// matrix column's stride).
    Sum(u32, u32),
    /// `a != b`.
    Ne(Term, Term),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Term {
    Const(u32),
    Rel(u32, u32),
}

impl Sym {
    fn term(self) -> Option<Term> {
        match self {
            Sym::Const(c) => Some(Term::Const(c)),
            Sym::Rel(l, k) => Some(Term::Rel(l, k)),
            _ => None,
        }
    }
}

/// What a versioned loop's checks need.
pub(crate) struct Plan {
    /// The exit test's induction variable, its step (`±2^m`), the constant
    /// it is tested with (`x + a`) and what it is compared with.
    exit: (u32, i32, u32, Term),
    /// Step of each induction variable.
    steps: HashMap<u32, i32>,
    /// Induction variables stepped by a local the loop never writes, and
    /// that local.
    strides: HashMap<u32, u32>,
    /// Per local used as an index: `(K, offset + size)` of its accesses.
    uses: HashMap<u32, Vec<(u32, u64)>>,
    /// Wasm offsets of the accesses the fast copy leaves unchecked.
    covered: HashSet<u32>,
}

/// The fast copy being translated: which accesses skip their check, and
/// the Spectre mask for their indices.
pub(crate) struct Fast {
    covered: HashSet<u32>,
    mask: Option<Value>,
}

/// A control frame of the scan: stack height, results, and whether code in
/// it is reachable.
struct ScanFrame {
    height: usize,
    results: usize,
    live: bool,
}

impl Sym {
    /// The bound a mask, shift or remainder by a constant gives (`a op b`).
    fn range(op: &O<'_>, a: Sym, b: Sym) -> Sym {
        let bound = |s: Sym| match s {
            Sym::Const(c) => Some(c),
            Sym::Range(m) => Some(m),
            _ => None,
        };
        let m = match (op, a, b) {
            (O::I32And, _, _) => match (bound(a), bound(b)) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            },
            (O::I32Shl, _, Sym::Const(s)) => bound(a)
                .map(u64::from)
                .map(|m| m << (s % 32))
                .and_then(|m| u32::try_from(m).ok()),
            (O::I32ShrU, _, Sym::Const(s)) => Some(bound(a).unwrap_or(u32::MAX) >> (s % 32)),
            (O::I32RemU, _, Sym::Const(c)) if c > 0 => Some(c - 1),
            _ => None,
        };
        m.map_or(Sym::Unknown, Sym::Range)
    }
}

/// A call's effect on the scan's stack: `params` operands popped (the
/// callee's index too for `call_indirect`), `results` unknown values pushed.
fn call_effect(stack: &mut Vec<Sym>, frames: &[ScanFrame], params: usize, results: usize) {
    let floor = frames.last().map_or(0, |f| f.height);
    let keep = stack.len().saturating_sub(params).max(floor);
    stack.truncate(keep);
    stack.extend((0..results).map(|_| Sym::Unknown));
}

impl FuncTranslator<'_, '_> {
    /// The plan for versioning the loop whose `loop` operator (of type
    /// `blockty`) was just read (`rest` reads what follows), if it is a
    /// candidate with accesses to leave unchecked.
    fn plan_loop(
        &self,
        blockty: BlockType,
        rest: &OperatorsReader<'_>,
    ) -> Result<Option<Plan>, CompileError> {
        if !matches!(blockty, BlockType::Empty | BlockType::Type(_)) {
            return Ok(None);
        }
        let mut ops = rest.clone();
        let mut stack: Vec<Sym> = Vec::new();
        let mut frames: Vec<ScanFrame> = vec![];
        let mut current: HashMap<u32, Sym> = HashMap::new();
        let mut writes: HashMap<u32, (u32, Option<i32>)> = HashMap::new();
        let mut strides: HashMap<u32, u32> = HashMap::new();
        let mut accesses: Vec<(u32, Sym, u64)> = Vec::new();
        let mut live = true;
        let mut exit = None;
        let min_length = self.min_length();
        loop {
            if ops.eof() {
                return Ok(None);
            }
            let (op, at) = ops.read_with_offset()?;
            let depth = frames.len();
            let pop = |stack: &mut Vec<Sym>, frames: &[ScanFrame]| {
                let floor = frames.last().map_or(0, |f| f.height);
                if stack.len() > floor {
                    stack.pop().unwrap_or(Sym::Unknown)
                } else {
                    Sym::Unknown
                }
            };
            if !live {
                match op {
                    O::Block { .. } | O::If { .. } | O::Loop { .. } => frames.push(ScanFrame {
                        height: stack.len(),
                        results: 0,
                        live: false,
                    }),
                    O::Else => live = frames.last().is_some_and(|f| f.live),
                    O::End => match frames.pop() {
                        Some(f) => {
                            stack.truncate(f.height);
                            live = f.live;
                            stack.extend((0..f.results).map(|_| Sym::Unknown));
                        }
                        None => break,
                    },
                    _ => {}
                }
                continue;
            }
            match op {
                O::LocalGet { local_index } => {
                    let v = current
                        .get(&local_index)
                        .copied()
                        .unwrap_or(Sym::Rel(local_index, 0));
                    stack.push(v);
                }
                O::LocalSet { local_index } | O::LocalTee { local_index } => {
                    let v = pop(&mut stack, &frames);
                    if matches!(op, O::LocalTee { .. }) {
                        stack.push(v);
                    }
                    let w = writes.entry(local_index).or_insert((0, None));
                    w.0 += 1;
                    match v {
                        Sym::Sum(a, b) if depth == 0 && w.0 == 1 && local_index == a => {
                            strides.insert(a, b);
                        }
                        Sym::Sum(a, b) if depth == 0 && w.0 == 1 && local_index == b => {
                            strides.insert(b, a);
                        }
                        _ => {}
                    }
                    w.1 = match v {
                        Sym::Rel(l, c) if l == local_index && c != 0 && depth == 0 && w.0 == 1 => {
                            Some(c as i32)
                        }
                        _ => None,
                    };
                    current.insert(local_index, if depth == 0 { v } else { Sym::Unknown });
                }
                O::I32Const { value } => stack.push(Sym::Const(value as u32)),
                O::I32Add | O::I32Sub => {
                    let b = pop(&mut stack, &frames);
                    let a = pop(&mut stack, &frames);
                    let sub = matches!(op, O::I32Sub);
                    let c = |c: u32| if sub { c.wrapping_neg() } else { c };
                    let span = |l: u32, k: u32, m: Option<u32>| match m {
                        Some(m) if m > 0 => Sym::Span(l, k, m),
                        _ => Sym::Unknown,
                    };
                    stack.push(match (a, b) {
                        (Sym::Rel(l, k), Sym::Const(x)) => Sym::Rel(l, k.wrapping_add(c(x))),
                        (Sym::Const(x), Sym::Rel(l, k)) if !sub => Sym::Rel(l, k.wrapping_add(x)),
                        (Sym::Const(x), Sym::Const(y)) => Sym::Const(x.wrapping_add(c(y))),
                        (Sym::Span(l, k, m), Sym::Const(x)) => {
                            Sym::Span(l, k.wrapping_add(c(x)), m)
                        }
                        (Sym::Const(x), Sym::Span(l, k, m)) if !sub => {
                            Sym::Span(l, k.wrapping_add(x), m)
                        }
                        (Sym::Rel(l, k), Sym::Range(m)) | (Sym::Range(m), Sym::Rel(l, k))
                            if !sub =>
                        {
                            span(l, k, Some(m))
                        }
                        (Sym::Span(l, k, m), Sym::Range(r))
                        | (Sym::Range(r), Sym::Span(l, k, m))
                            if !sub =>
                        {
                            span(l, k, m.checked_add(r))
                        }
                        (Sym::Range(a), Sym::Range(b)) if !sub => {
                            a.checked_add(b).map_or(Sym::Unknown, Sym::Range)
                        }
                        (Sym::Rel(a, 0), Sym::Rel(b, 0)) if !sub => Sym::Sum(a, b),
                        _ => Sym::Unknown,
                    });
                }
                O::I32And | O::I32Shl | O::I32ShrU | O::I32RemU => {
                    let b = pop(&mut stack, &frames);
                    let a = pop(&mut stack, &frames);
                    stack.push(Sym::range(&op, a, b));
                }
                O::I32Ne => {
                    let b = pop(&mut stack, &frames);
                    let a = pop(&mut stack, &frames);
                    stack.push(match (a.term(), b.term()) {
                        (Some(a), Some(b)) => Sym::Ne(a, b),
                        _ => Sym::Unknown,
                    });
                }
                O::Block { blockty } | O::If { blockty } => {
                    if matches!(op, O::If { .. }) {
                        pop(&mut stack, &frames);
                    }
                    let results = match blockty {
                        BlockType::Empty => 0,
                        BlockType::Type(_) => 1,
                        BlockType::FuncType(_) => return Ok(None),
                    };
                    frames.push(ScanFrame {
                        height: stack.len(),
                        results,
                        live: true,
                    });
                }
                O::Else => {
                    let f = frames.last().expect("validated");
                    stack.truncate(f.height);
                }
                O::End => match frames.pop() {
                    Some(f) => {
                        stack.truncate(f.height);
                        stack.extend((0..f.results).map(|_| Sym::Unknown));
                        // A nested write may or may not have happened.
                    }
                    None => break,
                },
                O::Br { relative_depth } | O::BrIf { relative_depth } => {
                    let cond = match op {
                        O::BrIf { .. } => Some(pop(&mut stack, &frames)),
                        _ => None,
                    };
                    if relative_depth as usize == depth {
                        // Back to the loop: only as its last operator.
                        let mut next = ops.clone();
                        let last = depth == 0
                            && cond.is_some()
                            && !next.eof()
                            && matches!(next.read()?, O::End);
                        if !last {
                            return Ok(None);
                        }
                        exit = cond;
                    }
                    if cond.is_none() {
                        live = false;
                    }
                }
                O::BrTable { ref targets } => {
                    for t in targets.targets() {
                        if t? as usize == depth {
                            return Ok(None);
                        }
                    }
                    if targets.default() as usize == depth {
                        return Ok(None);
                    }
                    live = false;
                }
                O::Return | O::Unreachable => live = false,
                // Calls change no local, and memories only grow (at a fixed
                // base): what the test before the loop found in bounds
                // stays in bounds.
                O::Call { function_index } => {
                    let ty = self.env.func_type(FuncIndex::from_u32(function_index));
                    let (params, results) = (ty.params.len(), ty.results.len());
                    call_effect(&mut stack, &frames, params, results);
                }
                O::CallIndirect { type_index, .. } => {
                    let ty = &self.env.module.meta.types[type_index as usize];
                    let (params, results) = (ty.params.len(), ty.results.len());
                    call_effect(&mut stack, &frames, params + 1, results);
                }
                O::Loop { .. } => return Ok(None),
                _ => {
                    let Some((inputs, outputs)) = core_arity(&op) else {
                        return Ok(None);
                    };
                    if let Some((arg, size, store)) = scalar_access(&op) {
                        let below = if store { 2 } else { 1 };
                        let floor = frames.last().map_or(0, |f| f.height);
                        let index = stack
                            .len()
                            .checked_sub(below)
                            .filter(|&i| i >= floor)
                            .map_or(Sym::Unknown, |i| stack[i]);
                        accesses.push((at as u32, index, arg.offset + u64::from(size)));
                    }
                    for _ in 0..inputs {
                        pop(&mut stack, &frames);
                    }
                    let out = match op {
                        O::I32Load8U { .. } => Sym::Range(0xff),
                        O::I32Load16U { .. } => Sym::Range(0xffff),
                        _ => Sym::Unknown,
                    };
                    stack.extend((0..outputs).map(|_| out));
                }
            }
        }
        // `br_if` on `x + a` itself continues while it is not zero.
        let (p, q) = match exit {
            Some(Sym::Ne(p, q)) => (p, q),
            Some(Sym::Rel(l, a)) => (Term::Rel(l, a), Term::Const(0)),
            _ => return Ok(None),
        };
        let steps: HashMap<u32, i32> = writes
            .iter()
            .filter_map(|(&l, &(count, step))| Some((l, step.filter(|_| count == 1)?)))
            .collect();
        let unwritten = |l: u32| !writes.contains_key(&l);
        strides.retain(|l, by| writes[l].0 == 1 && unwritten(*by));
        let power_of_two = |c: i32| c.unsigned_abs().is_power_of_two();
        let exit = [(p, q), (q, p)].into_iter().find_map(|(x, n)| {
            let Term::Rel(l, a) = x else { return None };
            let step = *steps.get(&l)?;
            let bound_ok = match n {
                Term::Const(_) => true,
                Term::Rel(m, _) => unwritten(m),
            };
            (power_of_two(step) && bound_ok).then_some((l, step, a, n))
        });
        let Some(exit) = exit else {
            return Ok(None);
        };
        let mut uses: HashMap<u32, Vec<(u32, u64)>> = HashMap::new();
        let mut covered = HashSet::new();
        for (at, index, reach) in accesses {
            // `t` in `0..=m` past `l + k`: the access reaches `m` further.
            let (l, k, m) = match index {
                Sym::Rel(l, k) => (l, k, 0),
                Sym::Span(l, k, m) => (l, k, u64::from(m)),
                _ => continue,
            };
            let induction = steps.contains_key(&l) || strides.contains_key(&l);
            if !(induction || unwritten(l)) || reach > min_length {
                continue;
            }
            uses.entry(l).or_default().push((k, reach + m));
            covered.insert(at);
        }
        if covered.is_empty() {
            return Ok(None);
        }
        Ok(Some(Plan {
            exit,
            steps,
            strides,
            uses,
            covered,
        }))
    }

    /// The local's value as an `i64` (zero-extended), `+ k` in 32 bits.
    fn local_plus(&mut self, local: u32, k: u32) -> Value {
        let v = self.b.use_var(self.locals[local as usize]);
        let v = if k == 0 {
            v
        } else {
            self.b.ins().iadd_imm_s(v, i64::from(k as i32))
        };
        self.b.ins().uextend(I64, v)
    }

    /// Whether every access the plan covers stays in bounds for the whole
    /// loop (an `i8` flag), computed before it.
    fn loop_in_bounds(&mut self, plan: &Plan) -> Value {
        let (x, step, a, n) = plan.exit;
        let x0 = self.b.use_var(self.locals[x as usize]);
        let n = match n {
            Term::Const(c) => self.b.ins().iconst(I32, i64::from(c as i32)),
            Term::Rel(m, b) => {
                let v = self.b.use_var(self.locals[m as usize]);
                self.b.ins().iadd_imm_s(v, i64::from(b as i32))
            }
        };
        // `distance = (N - a - x0)` for a rising, `(x0 + a - N)` for a
        // falling variable (mod 2^32); `k_last = distance / |step|`.
        let xa = self.b.ins().iadd_imm_s(x0, i64::from(a as i32));
        let distance = if step > 0 {
            self.b.ins().isub(n, xa)
        } else {
            self.b.ins().isub(xa, n)
        };
        let shift = step.unsigned_abs().trailing_zeros();
        let low = self
            .b
            .ins()
            .band_imm_u(distance, (step.unsigned_abs() - 1) as i64);
        let mut ok = self.b.ins().icmp_imm_u(IntCC::Equal, low, 0);
        let distance = self.b.ins().uextend(I64, distance);
        let k_last = self.b.ins().ushr_imm_u(distance, i64::from(shift));
        let len = self.current_length();
        if !plan.strides.is_empty() {
            // `k_last * stride` cannot overflow 64 bits, nor can the sums
            // below, when both are at most the length (below 2^32).
            let few = self
                .b
                .ins()
                .icmp(IntCC::UnsignedLessThanOrEqual, k_last, len);
            ok = self.b.ins().band(ok, few);
        }
        let mut locals: Vec<(&u32, &Vec<(u32, u64)>)> = plan.uses.iter().collect();
        locals.sort_by_key(|(l, _)| **l);
        for (&l, uses) in locals {
            // Indices `l + K_j` are `lo + d_j` with `lo = l + Kmin` when no
            // sum wraps, which the test below implies.
            let kmin = uses.iter().map(|&(k, _)| k as i32).min().expect("a use");
            let reach = uses
                .iter()
                .map(|&(k, r)| i64::from(k as i32) - i64::from(kmin) + r as i64)
                .max()
                .expect("a use");
            let lo = self.local_plus(l, kmin as u32);
            // The highest index: at the last iteration for a rising
            // variable, at the first otherwise (which must not have wrapped
            // below 0 by the last).
            let high = match plan.steps.get(&l) {
                Some(&s) if s > 0 => {
                    let span = self.b.ins().imul_imm_u(k_last, i64::from(s));
                    self.b.ins().iadd(lo, span)
                }
                Some(&s) => {
                    let span = self.b.ins().imul_imm_u(k_last, i64::from(s.unsigned_abs()));
                    let fits = self
                        .b
                        .ins()
                        .icmp(IntCC::UnsignedGreaterThanOrEqual, lo, span);
                    ok = self.b.ins().band(ok, fits);
                    lo
                }
                None => match plan.strides.get(&l) {
                    // Rising by the stride, an unsigned 32-bit value: a
                    // stride that wraps (a fall) fails the test.
                    Some(&by) => {
                        let by = self.local_plus(by, 0);
                        let narrow = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, by, len);
                        ok = self.b.ins().band(ok, narrow);
                        let span = self.b.ins().imul(k_last, by);
                        self.b.ins().iadd(lo, span)
                    }
                    None => lo,
                },
            };
            let end = self.b.ins().iadd_imm_s(high, reach);
            let fits = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, end, len);
            ok = self.b.ins().band(ok, fits);
        }
        ok
    }

    /// Translate the loop whose `loop` operator (`op` at `offset`) was just
    /// read, twice if [`Self::plan_loop`] finds it a candidate: returns
    /// false (nothing done) otherwise. On true, `ops` has read past the
    /// loop's `end`.
    pub(super) fn translate_versioned(
        &mut self,
        op: &O<'_>,
        offset: u64,
        ops: &mut OperatorsReader<'_>,
    ) -> Result<bool, CompileError> {
        let O::Loop { blockty } = *op else {
            return Ok(false);
        };
        if !self.reachable || self.fast.is_some() || !self.explicit_checks() {
            return Ok(false);
        }
        let Some(plan) = self.plan_loop(blockty, ops)? else {
            return Ok(false);
        };
        let ok = self.loop_in_bounds(&plan);
        let mask = self.env.settings.spectre.then(|| {
            let all = self.b.ins().iconst(I32, -1);
            let none = self.b.ins().iconst(I32, 0);
            let failed = self.b.ins().icmp_imm_u(IntCC::Equal, ok, 0);
            self.b.ins().select_spectre_guard(failed, none, all)
        });
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        self.b.ins().brif(ok, fast, &[], slow, &[]);
        self.b.seal_block(fast);
        self.b.seal_block(slow);
        let (_, results) = self.block_sig(blockty, offset)?;
        let join = self.b.create_block();
        for &t in &results {
            self.b.append_block_param(join, t);
        }
        let stack = self.stack.clone();
        let fuel = self.fuel_pending();

        self.b.switch_to_block(fast);
        self.fast = Some(Fast {
            covered: plan.covered,
            mask,
        });
        let mut copy = ops.clone();
        self.translate_loop_body(op, offset, &mut copy)?;
        self.fast = None;
        let fast_reaches = self.reachable;
        if fast_reaches {
            let args = self.top_args(results.len());
            self.b.ins().jump(join, &args);
        }

        self.stack = stack.clone();
        self.set_fuel_pending(fuel);
        self.reachable = true;
        self.b.switch_to_block(slow);
        self.translate_loop_body(op, offset, ops)?;
        let slow_reaches = self.reachable;
        if slow_reaches {
            let args = self.top_args(results.len());
            self.b.ins().jump(join, &args);
        }

        self.b.switch_to_block(join);
        self.b.seal_block(join);
        self.stack = stack;
        self.stack.extend_from_slice(self.b.block_params(join));
        self.reachable = fast_reaches || slow_reaches;
        Ok(true)
    }

    /// Translate `op` (a `loop`) and the operators of its body through its
    /// `end`, read from `ops`.
    fn translate_loop_body(
        &mut self,
        op: &O<'_>,
        offset: u64,
        ops: &mut OperatorsReader<'_>,
    ) -> Result<(), CompileError> {
        self.b.set_srcloc(SourceLoc::new(offset as u32));
        self.translate(op, offset)?;
        let mut depth = 0usize;
        loop {
            let (op, at) = ops.read_with_offset()?;
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => depth += 1,
                O::End if depth == 0 => {
                    self.translate_one(&op, at, ops)?;
                    return Ok(());
                }
                O::End => depth -= 1,
                _ => {}
            }
            self.translate_one(&op, at, ops)?;
        }
    }

    /// Whether the access at Wasm offset `at` is one the fast copy being
    /// translated leaves unchecked (it then stays out of access groups).
    pub(super) fn versioned_covers(&self, at: u32) -> bool {
        self.fast.as_ref().is_some_and(|f| f.covered.contains(&at))
    }

    /// The unchecked access at the current Wasm offset in the fast copy of
    /// a versioned loop: its index, masked against speculation.
    pub(super) fn versioned_index(&mut self, index: Value) -> Option<Value> {
        let fast = self.fast.as_ref()?;
        if !fast.covered.contains(&self.b.srcloc().bits()) {
            return None;
        }
        Some(self.versioned_mask(index))
    }

    /// `index` `and`ed with the fast copy's Spectre mask, if it has one.
    pub(super) fn versioned_mask(&mut self, index: Value) -> Value {
        match self.fast.as_ref().and_then(|f| f.mask) {
            Some(mask) => self.b.ins().band(index, mask),
            None => index,
        }
    }
}
