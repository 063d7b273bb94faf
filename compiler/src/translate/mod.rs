//! Wasm function bodies to Cranelift IR.
//!
//! One [`FuncTranslator`] walks a body's operators once, keeping the Wasm
//! value stack as Cranelift SSA values and the control stack as frames whose
//! continuation blocks take the frame's results as block parameters (so
//! multi-value blocks need no special case). Operators in unreachable code
//! are skipped; only the nesting of their control frames is tracked.

mod access_group;
mod bulk;
mod bytes;
mod calls;
mod control;
mod limits;
mod memory;
mod numeric;
mod simd;
mod table;
mod versioning;

use crate::codegen::StackCheck;
use crate::env::ModuleEnv;
use crate::error::{unsupported, CompileError};
use basalt::index::{DefinedFuncIndex, GlobalIndex};
use basalt::vm::{BuiltinFunction, VMOffsets};
use cranelift_codegen::ir::{
    self, types, AliasRegion, AliasRegionData, BlockArg, FuncRef, InstBuilder, MemFlagsData,
    SigRef, UserFuncName, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;
use wasmparser::{FunctionBody, Operator};

pub(crate) use control::Frame;

/// Translate defined function `defined` (its position among the module's
/// own functions) into a Cranelift function named `user(0, defined)`.
pub fn translate_function(
    env: &ModuleEnv<'_>,
    defined: DefinedFuncIndex,
    body: &FunctionBody<'_>,
    fctx: &mut FunctionBuilderContext,
) -> Result<ir::Function, CompileError> {
    let ty = env.func_type(env.offsets.func_index(defined));
    let sig = env.wasm_signature(ty);
    let mut func = ir::Function::with_name_signature(UserFuncName::user(0, defined.as_u32()), sig);
    let vmctx_gv = func.create_global_value(ir::GlobalValueData::VMContext);
    let heap_region = func.dfg.alias_regions.insert(AliasRegionData {
        user_id: 0,
        description: "heap".into(),
    });
    let mut b = FunctionBuilder::new(&mut func, fctx);
    let params = entry_params(&mut b);
    let vmctx = params[0];

    let mut locals = Vec::new();
    for (i, &t) in ty.params.iter().enumerate() {
        let var = b.declare_var(env.clif_type(t));
        let param = params[i + 1];
        b.def_var(var, param);
        locals.push(var);
    }
    let mut reader = body.get_locals_reader()?;
    for _ in 0..reader.get_count() {
        let offset = reader.original_position();
        let (count, t) = reader.read()?;
        let t = crate::module::val_type(t, offset)?;
        let clif = env.clif_type(t);
        for _ in 0..count {
            let var = b.declare_var(clif);
            let zero = zero_value(&mut b, clif);
            b.def_var(var, zero);
            locals.push(var);
        }
    }

    let exit = b.create_block();
    for &t in &ty.results {
        b.append_block_param(exit, env.clif_type(t));
    }
    let mut t = FuncTranslator {
        b,
        env,
        vmctx,
        locals,
        stack: Vec::new(),
        control: vec![Frame::function(exit, ty.results.len())],
        reachable: true,
        func_refs: HashMap::new(),
        wasm_sigs: HashMap::new(),
        builtin_sigs: HashMap::new(),
        fuel: None,
        heap_region,
        heap_length: None,
        access_groups: None,
        calls_runtime: false,
        noreturn_call: false,
        spill_slot: None,
        fast: None,
    };
    // Every instruction carries the Wasm offset it came from (the entry
    // checks the function's own), for the artifact's address map.
    t.b.set_srcloc(ir::SourceLoc::new(body.range().start as u32));
    t.limits_entry();
    t.heap_length_entry(body)?;
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset()?;
        t.translate_one(&op, offset, &mut ops)?;
    }
    t.b.finalize(env.frontend_config);
    // Guard-mode code leaves overflow to the platform's stack guard, except
    // where it calls Rust (libcalls), which has no stack probes and must
    // start with the host's reserve below it: see `basalt::stack`.
    if StackCheck::of(&env.settings) == StackCheck::Prologue || t.calls_runtime {
        set_stack_limit(&mut func, vmctx_gv);
    }
    Ok(func)
}

/// Give `func` Cranelift's prologue check against
/// `VMRuntimeLimits::stack_limit` (reached through `vmctx_gv`): a prologue
/// that would take the stack below it traps with `StackOverflow`.
pub(crate) fn set_stack_limit(func: &mut ir::Function, vmctx_gv: ir::GlobalValue) {
    let trusted = func.dfg.mem_flags.insert_unchecked(MemFlagsData::trusted());
    let limits = func.create_global_value(ir::GlobalValueData::Load {
        base: vmctx_gv,
        offset: (VMOffsets::VMCTX_RUNTIME_LIMITS as i32).into(),
        global_type: types::I64,
        flags: trusted,
    });
    let stack_limit = func.create_global_value(ir::GlobalValueData::Load {
        base: limits,
        offset: (VMOffsets::VMRUNTIME_LIMITS_STACK_LIMIT as i32).into(),
        global_type: types::I64,
        flags: trusted,
    });
    func.stack_limit = Some(stack_limit);
}

/// Start a function: its entry block, sealed and current, whose parameters
/// (the function's) are returned.
pub(crate) fn entry_params(b: &mut FunctionBuilder<'_>) -> Vec<Value> {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    b.block_params(entry).to_vec()
}

/// An integer constant Cranelift keeps in a register across loops.
///
/// Cranelift rematerializes every `iconst` (and every `iadd` of one) in
/// each block that uses it, so a constant used in a loop is rebuilt on
/// every iteration: on aarch64 a `movz` + `movk` pair for one that needs
/// more than one 16-bit chunk, and a further `add` when it is a memory
/// offset too large for an addressing mode. A same-type `bitcast` of the
/// constant is an ordinary pure value instead, which loop-invariant code
/// motion hoists out of the loop: the loop then uses a register. Constants
/// one `mov` can build stay plain `iconst`s (free to rebuild, and still
/// folded into immediates).
pub(crate) fn wide_const(b: &mut FunctionBuilder<'_>, ty: ir::Type, value: i64) -> Value {
    let k = b.ins().iconst(ty, value);
    let bits = ty.bits();
    let value = (value as u64) & (u64::MAX >> (64 - bits));
    let chunks = |v: u64| {
        (0..bits / 16)
            .filter(|i| (v >> (16 * i)) & 0xffff != 0)
            .count()
    };
    let inverse = !value & (u64::MAX >> (64 - bits));
    if chunks(value) <= 1 || chunks(inverse) <= 1 {
        return k;
    }
    pinned(b, k)
}

/// `k` (a constant, or a value built from constants) behind a same-type
/// `bitcast`: Cranelift then computes it once outside loops and keeps it
/// in a register instead of rematerializing it next to each use inside
/// the loop (see `wide_const`).
pub(crate) fn pinned(b: &mut FunctionBuilder<'_>, k: Value) -> Value {
    let ty = b.func.dfg.value_type(k);
    b.ins().bitcast(ty, MemFlagsData::new(), k)
}

fn zero_value(b: &mut FunctionBuilder<'_>, t: ir::Type) -> Value {
    match t {
        types::F32 => b.ins().f32const(0.0),
        types::F64 => b.ins().f64const(0.0),
        _ if t.is_vector() => simd::vconst(b, 0),
        _ => b.ins().iconst(t, 0),
    }
}

/// State of one function's translation.
pub(crate) struct FuncTranslator<'e, 'f> {
    pub(crate) b: FunctionBuilder<'f>,
    pub(crate) env: &'e ModuleEnv<'e>,
    pub(crate) vmctx: Value,
    pub(crate) locals: Vec<Variable>,
    pub(crate) stack: Vec<Value>,
    pub(crate) control: Vec<Frame>,
    pub(crate) reachable: bool,
    /// The call being translated is followed by `unreachable`: it never
    /// returns (see `calls.rs`, `spill`).
    pub(crate) noreturn_call: bool,
    /// The stack slot those calls pass their arguments through.
    pub(crate) spill_slot: Option<ir::StackSlot>,
    /// The fast copy of a versioned loop being translated (`versioning`).
    pub(crate) fast: Option<versioning::Fast>,
    /// Direct-call targets imported into this function, by defined index.
    func_refs: HashMap<u32, FuncRef>,
    /// Wasm signatures imported into this function, by type index and
    /// whether the call may reach a host function (`calls.rs`).
    wasm_sigs: HashMap<(u32, bool), SigRef>,
    /// Libcall signatures imported into this function, by builtin slot.
    builtin_sigs: HashMap<u32, SigRef>,
    /// Fuel metering state, when the artifact meters fuel.
    fuel: Option<limits::Fuel>,
    /// Alias region of linear-memory accesses.
    pub(crate) heap_region: AliasRegion,
    /// Memory 0's length in bytes, kept in a variable in explicit mode so
    /// loops compare against a register (see `memory.rs`).
    pub(crate) heap_length: Option<memory::HeapLength>,
    /// The members of the window of accesses being translated, whose
    /// groups were checked at its start (explicit mode, `access_group.rs`).
    access_groups: Option<access_group::AccessGroups>,
    /// Whether the body calls a libcall (Rust code).
    calls_runtime: bool,
}

impl FuncTranslator<'_, '_> {
    pub(crate) fn pop(&mut self) -> Value {
        self.stack
            .pop()
            .expect("validated: operand stack underflow")
    }

    pub(crate) fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    pub(crate) fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    /// The top `n` stack values as block arguments.
    pub(crate) fn top_args(&self, n: usize) -> Vec<BlockArg> {
        self.stack[self.stack.len() - n..]
            .iter()
            .map(|&v| BlockArg::Value(v))
            .collect()
    }

    /// Call libcall `f` with `(vmctx, args...)` through the context's
    /// `VMBuiltinFunctionsArray`; returns its result, if it has one.
    pub(crate) fn libcall(&mut self, f: BuiltinFunction, args: &[Value]) -> Option<Value> {
        self.calls_runtime = true;
        let sig = match self.builtin_sigs.get(&f.index()) {
            Some(&s) => s,
            None => {
                let s = self.b.import_signature(self.env.builtin_signature(f));
                self.builtin_sigs.insert(f.index(), s);
                s
            }
        };
        // The array and its address never change for a live instance.
        let flags = MemFlagsData::trusted().with_readonly().with_can_move();
        let builtins = self.b.ins().load(
            types::I64,
            flags,
            self.vmctx,
            VMOffsets::VMCTX_BUILTIN_FUNCTIONS as i32,
        );
        let callee = self
            .b
            .ins()
            .load(types::I64, flags, builtins, f.offset() as i32);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        let call = self.b.ins().call_indirect(sig, callee, &all);
        let result = self.b.inst_results(call).first().copied();
        self.heap_length_reload();
        result
    }

    /// Where global `index` lives: a defined global inline in the context,
    /// an imported one behind the pointer its `VMGlobalImport` holds.
    fn global_address(&mut self, index: u32) -> (Value, i32) {
        let index = GlobalIndex::from_u32(index);
        if let Some(defined) = self.env.offsets.defined_global_index(index) {
            let at = self.env.offsets.vmglobal_definition(defined);
            (self.vmctx, at as i32)
        } else {
            let at = self.env.offsets.vmglobal_import(index) + VMOffsets::VMGLOBAL_IMPORT_FROM;
            let flags = MemFlagsData::trusted().with_readonly().with_can_move();
            let ptr = self.b.ins().load(types::I64, flags, self.vmctx, at as i32);
            (ptr, 0)
        }
    }

    /// Translate `op` (at `offset`; `ops` reads what follows): a counted
    /// loop possibly twice (`versioning`), a window of grouped accesses
    /// (`access_group`), anything else on its own.
    pub(crate) fn translate_one(
        &mut self,
        op: &Operator<'_>,
        offset: u64,
        ops: &mut wasmparser::OperatorsReader<'_>,
    ) -> Result<(), CompileError> {
        // Set for every operator, so it never describes an earlier call.
        self.noreturn_call = matches!(op, Operator::Call { .. } | Operator::CallIndirect { .. })
            && {
                let mut next = ops.clone();
                !next.eof() && matches!(next.read()?, Operator::Unreachable)
            };
        self.b.set_srcloc(ir::SourceLoc::new(offset as u32));
        if self.translate_versioned(op, offset, ops)? {
            return Ok(());
        }
        self.start_access_groups(op, offset, ops)?;
        self.translate(op, offset)?;
        self.end_access_groups();
        Ok(())
    }

    fn translate(&mut self, op: &Operator<'_>, offset: u64) -> Result<(), CompileError> {
        if self.reachable {
            self.fuel_charge(op);
            if matches!(
                op,
                Operator::Br { .. }
                    | Operator::BrIf { .. }
                    | Operator::BrTable { .. }
                    | Operator::If { .. }
                    | Operator::Else
                    | Operator::End
                    | Operator::Loop { .. }
                    | Operator::Return
            ) {
                self.fuel_flush();
            }
        }
        if self.control_op(op, offset)? {
            return Ok(());
        }
        if !self.reachable {
            return Ok(());
        }
        match op {
            Operator::Nop => {}
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let cond = self.pop();
                let (a, b) = self.pop2();
                let (a, b) = (self.in_register(a, false), self.in_register(b, false));
                let v = self.b.ins().select(cond, a, b);
                self.push(v);
            }
            Operator::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[*local_index as usize]);
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                self.b.def_var(self.locals[*local_index as usize], v);
            }
            Operator::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                self.b.def_var(self.locals[*local_index as usize], v);
            }
            Operator::GlobalGet { global_index } => {
                let ty = self.env.clif_type(
                    self.env
                        .global_type(GlobalIndex::from_u32(*global_index))
                        .ty,
                );
                let (base, off) = self.global_address(*global_index);
                let v = self.b.ins().load(ty, MemFlagsData::trusted(), base, off);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let v = self.pop();
                let (base, off) = self.global_address(*global_index);
                self.b.ins().store(MemFlagsData::trusted(), v, base, off);
            }
            Operator::Call { .. } | Operator::CallIndirect { .. } => {
                self.fuel_store();
                self.call_op(op, offset)?;
                // Only `unreachable` follows a call that never returns:
                // nothing to reload (which would keep `vmctx` live across it).
                if !self.noreturn_call {
                    self.fuel_reload();
                    if !self.env.call_keeps_length(op) {
                        self.heap_length_reload();
                    }
                }
            }
            _ => {
                if !self.call_op(op, offset)?
                    && !self.memory_op(op, offset)?
                    && !self.table_op(op, offset)?
                    && !self.numeric_op(op)?
                    && !self.simd_op(op)?
                {
                    return unsupported(format!("operator {op:?}"), offset);
                }
            }
        }
        Ok(())
    }
}
