//! Structured control flow: block, loop, if/else, branches, return.

use super::FuncTranslator;
use crate::error::CompileError;
use basalt::Trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, BlockArg, InstBuilder, JumpTableData, TrapCode};
use wasmparser::{BlockType, Operator};

/// Trap code Cranelift carries for a Basalt trap that has no built-in code.
pub(crate) fn user_trap(trap: Trap) -> TrapCode {
    TrapCode::unwrap_user(trap as u8)
}

pub(crate) enum Kind {
    Block,
    Loop(ir::Block),
    If {
        else_block: ir::Block,
        params: Vec<ir::Value>,
        else_seen: bool,
    },
    Function,
}

/// One entry of the control stack.
pub(crate) struct Frame {
    kind: Kind,
    /// Continuation after `end`; its block parameters are the frame's results.
    next: ir::Block,
    num_params: usize,
    num_results: usize,
    /// Stack height below the frame's parameters.
    base: usize,
    branched_to: bool,
    /// False for frames opened inside unreachable code.
    live: bool,
}

impl Frame {
    pub(crate) fn function(exit: ir::Block, num_results: usize) -> Self {
        Frame {
            kind: Kind::Function,
            next: exit,
            num_params: 0,
            num_results,
            base: 0,
            branched_to: false,
            live: true,
        }
    }
}

/// Most compare-and-branch pairs a `br_table` becomes instead of a jump
/// table. Cranelift's jump table costs 8 instructions on every dispatch
/// (clamp the index with `cmp`, `csel` and `csdb`, then `adr`, `ldrsw`,
/// `add`, `br`); each test costs 2 (`cmp`, `b.eq`; `cbz` for case 0), so up
/// to 3 tests are cheaper for every case, 4 on average.
const MAX_TESTS: usize = 4;

impl FuncTranslator<'_, '_> {
    /// Translate a `br_table` with few targets as a chain of tests, one
    /// per case that does not go where the default goes; false (nothing
    /// emitted) if it needs more than `MAX_TESTS`. Every index no test
    /// takes, out-of-range ones included, reaches the default's block, as
    /// Wasm requires, and no index is used to address anything (no
    /// speculative out-of-bounds read to harden).
    fn br_table_as_branches(
        &mut self,
        index: ir::Value,
        table: &[ir::Block],
        default: ir::Block,
        args: &[BlockArg],
    ) -> bool {
        let tests: Vec<(i64, ir::Block)> = table
            .iter()
            .enumerate()
            .filter(|&(_, &target)| target != default)
            .map(|(case, &target)| (case as i64, target))
            .collect();
        if tests.len() > MAX_TESTS {
            return false;
        }
        // Cranelift rematerializes an index like `x & 3` in every block
        // that uses it, so once per test; behind a `bitcast` it is computed
        // once.
        let index = super::pinned(&mut self.b, index);
        for (case, target) in tests {
            let hit = self.b.ins().icmp_imm_u(IntCC::Equal, index, case);
            let next = self.b.create_block();
            self.b.ins().brif(hit, target, args, next, &[]);
            self.b.seal_block(next);
            self.b.switch_to_block(next);
        }
        self.b.ins().jump(default, args);
        true
    }

    /// Parameter and result types of a block.
    pub(super) fn block_sig(
        &self,
        bt: BlockType,
        offset: u64,
    ) -> Result<(Vec<ir::Type>, Vec<ir::Type>), CompileError> {
        Ok(match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (
                vec![],
                vec![self.env.clif_type(crate::module::val_type(t, offset)?)],
            ),
            BlockType::FuncType(i) => {
                let ft = &self.env.module.meta.types[i as usize];
                (
                    ft.params.iter().map(|&t| self.env.clif_type(t)).collect(),
                    ft.results.iter().map(|&t| self.env.clif_type(t)).collect(),
                )
            }
        })
    }

    fn block_with_params(&mut self, tys: &[ir::Type]) -> ir::Block {
        let block = self.b.create_block();
        for &t in tys {
            self.b.append_block_param(block, t);
        }
        block
    }

    fn dead_frame(&mut self) {
        let next = self.b.create_block();
        self.control.push(Frame {
            kind: Kind::Block,
            next,
            num_params: 0,
            num_results: 0,
            base: self.stack.len(),
            branched_to: false,
            live: false,
        });
    }

    /// Branch target and arity of the frame `depth` levels up.
    fn target(&mut self, depth: u32) -> (ir::Block, usize) {
        let i = self.control.len() - 1 - depth as usize;
        let frame = &mut self.control[i];
        match frame.kind {
            Kind::Loop(header) => (header, frame.num_params),
            _ => {
                frame.branched_to = true;
                (frame.next, frame.num_results)
            }
        }
    }

    /// Translate a control operator; false if `op` is not one.
    pub(crate) fn control_op(
        &mut self,
        op: &Operator<'_>,
        offset: u64,
    ) -> Result<bool, CompileError> {
        match op {
            Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty }
                if !self.reachable =>
            {
                let _ = blockty;
                self.dead_frame();
            }
            Operator::Block { blockty } => {
                let (params, results) = self.block_sig(*blockty, offset)?;
                let next = self.block_with_params(&results);
                self.control.push(Frame {
                    kind: Kind::Block,
                    next,
                    num_params: params.len(),
                    num_results: results.len(),
                    base: self.stack.len() - params.len(),
                    branched_to: false,
                    live: true,
                });
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_sig(*blockty, offset)?;
                let header = self.block_with_params(&params);
                let next = self.block_with_params(&results);
                let args = self.top_args(params.len());
                self.b.ins().jump(header, &args);
                let base = self.stack.len() - params.len();
                self.stack.truncate(base);
                self.b.switch_to_block(header);
                self.stack.extend_from_slice(self.b.block_params(header));
                self.interruption_checks();
                self.control.push(Frame {
                    kind: Kind::Loop(header),
                    next,
                    num_params: params.len(),
                    num_results: results.len(),
                    base,
                    branched_to: false,
                    live: true,
                });
            }
            Operator::If { blockty } => {
                let cond = self.pop();
                let (params, results) = self.block_sig(*blockty, offset)?;
                let next = self.block_with_params(&results);
                let then_block = self.b.create_block();
                let else_block = self.b.create_block();
                self.b.ins().brif(cond, then_block, &[], else_block, &[]);
                self.b.seal_block(then_block);
                self.b.seal_block(else_block);
                self.b.switch_to_block(then_block);
                let base = self.stack.len() - params.len();
                self.control.push(Frame {
                    kind: Kind::If {
                        else_block,
                        params: self.stack[base..].to_vec(),
                        else_seen: false,
                    },
                    next,
                    num_params: params.len(),
                    num_results: results.len(),
                    base,
                    branched_to: false,
                    live: true,
                });
            }
            Operator::Else => {
                let reachable = self.reachable;
                let frame = self.control.last_mut().expect("validated");
                if !frame.live {
                    return Ok(true);
                }
                let args: Vec<BlockArg> = if reachable {
                    frame.branched_to = true;
                    let n = frame.num_results;
                    self.stack[self.stack.len() - n..]
                        .iter()
                        .map(|&v| BlockArg::Value(v))
                        .collect()
                } else {
                    Vec::new()
                };
                let frame = self.control.last_mut().expect("validated");
                let Kind::If {
                    else_block,
                    params,
                    else_seen,
                } = &mut frame.kind
                else {
                    unreachable!("validated: else without if")
                };
                *else_seen = true;
                let (else_block, params, next, base) =
                    (*else_block, params.clone(), frame.next, frame.base);
                if reachable {
                    self.b.ins().jump(next, &args);
                }
                self.stack.truncate(base);
                self.stack.extend(params);
                self.b.switch_to_block(else_block);
                self.reachable = true;
            }
            Operator::End => {
                let mut frame = self.control.pop().expect("validated");
                if !frame.live {
                    return Ok(true);
                }
                if self.reachable {
                    let args = self.top_args(frame.num_results);
                    self.b.ins().jump(frame.next, &args);
                    frame.branched_to = true;
                }
                match &frame.kind {
                    Kind::If {
                        else_block,
                        params,
                        else_seen: false,
                    } => {
                        self.b.switch_to_block(*else_block);
                        let args: Vec<BlockArg> =
                            params.iter().map(|&v| BlockArg::Value(v)).collect();
                        self.b.ins().jump(frame.next, &args);
                        frame.branched_to = true;
                    }
                    Kind::Loop(header) => self.b.seal_block(*header),
                    _ => {}
                }
                self.stack.truncate(frame.base);
                self.b.switch_to_block(frame.next);
                self.b.seal_block(frame.next);
                self.stack
                    .extend_from_slice(self.b.block_params(frame.next));
                self.reachable = frame.branched_to;
                if let Kind::Function = frame.kind {
                    if self.reachable {
                        self.fuel_store();
                        let results = std::mem::take(&mut self.stack);
                        self.b.ins().return_(&results);
                    }
                }
            }
            _ if !self.reachable => return Ok(false),
            Operator::Br { relative_depth } => {
                let (block, n) = self.target(*relative_depth);
                let args = self.top_args(n);
                self.b.ins().jump(block, &args);
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                let (block, n) = self.target(*relative_depth);
                let args = self.top_args(n);
                let cont = self.b.create_block();
                self.b.ins().brif(cond, block, &args, cont, &[]);
                self.b.seal_block(cont);
                self.b.switch_to_block(cont);
            }
            Operator::BrTable { targets } => {
                let index = self.pop();
                let depths: Vec<u32> = targets.targets().collect::<Result<_, _>>()?;
                let default = targets.default();
                let (_, arity) = self.target(default);
                // Each target gets the arguments straight from the table;
                // Cranelift splits the critical edges that need moves.
                let args = self.top_args(arity);
                let default_block = self.target(default).0;
                let table: Vec<ir::Block> = depths.iter().map(|&d| self.target(d).0).collect();
                if self.br_table_as_branches(index, &table, default_block, &args) {
                    self.reachable = false;
                    return Ok(true);
                }
                let pool = &mut self.b.func.dfg;
                let default_call = pool.block_call(default_block, &args);
                let calls: Vec<_> = table
                    .iter()
                    .map(|&blk| pool.block_call(blk, &args))
                    .collect();
                let jt = self
                    .b
                    .create_jump_table(JumpTableData::new(default_call, &calls));
                self.b.ins().br_table(index, jt);
                self.reachable = false;
            }
            Operator::Return => {
                let (block, n) = self.target(self.control.len() as u32 - 1);
                let args = self.top_args(n);
                self.b.ins().jump(block, &args);
                self.reachable = false;
            }
            Operator::Unreachable => {
                self.b.ins().trap(user_trap(Trap::UnreachableCodeReached));
                self.reachable = false;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
