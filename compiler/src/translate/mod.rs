//! Wasm function bodies to Cranelift IR.
//!
//! One [`FuncTranslator`] walks a body's operators once, keeping the Wasm
//! value stack as Cranelift SSA values and the control stack as frames whose
//! continuation blocks take the frame's results as block parameters (so
//! multi-value blocks need no special case). Operators in unreachable code
//! are skipped; only the nesting of their control frames is tracked.

mod control;
mod memory;
mod numeric;

use crate::env::ModuleEnv;
use crate::error::{unsupported, CompileError};
use basalt::vm::VMOffsets;
use cranelift_codegen::ir::{
    self, types, BlockArg, FuncRef, InstBuilder, MemFlagsData, SigRef, UserExternalName,
    UserFuncName, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;
use wasmparser::{FunctionBody, Operator};

pub(crate) use control::Frame;

/// Translate defined function `index` into a Cranelift function.
pub fn translate_function(
    env: &ModuleEnv<'_>,
    index: u32,
    body: &FunctionBody<'_>,
    fctx: &mut FunctionBuilderContext,
) -> Result<ir::Function, CompileError> {
    let ty = env.func_type(index);
    let sig = env.wasm_signature(ty);
    let mut func = ir::Function::with_name_signature(UserFuncName::user(0, index), sig);
    let vmctx_gv = func.create_global_value(ir::GlobalValueData::VMContext);
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

    let mut b = FunctionBuilder::new(&mut func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let vmctx = b.block_params(entry)[0];

    let mut locals = Vec::new();
    for (i, &t) in ty.params.iter().enumerate() {
        let var = b.declare_var(env.clif_type(t));
        let param = b.block_params(entry)[i + 2];
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
        grow_sig: None,
    };
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset()?;
        t.translate(&op, offset)?;
    }
    t.b.finalize(env.frontend_config);
    Ok(func)
}

fn zero_value(b: &mut FunctionBuilder<'_>, t: ir::Type) -> Value {
    match t {
        types::F32 => b.ins().f32const(0.0),
        types::F64 => b.ins().f64const(0.0),
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
    func_refs: HashMap<u32, FuncRef>,
    pub(crate) grow_sig: Option<SigRef>,
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

    fn func_ref(&mut self, callee: u32) -> FuncRef {
        if let Some(&r) = self.func_refs.get(&callee) {
            return r;
        }
        let sig = self.env.wasm_signature(self.env.func_type(callee));
        let sig = self.b.import_signature(sig);
        let name = self
            .b
            .func
            .declare_imported_user_function(UserExternalName::new(0, callee));
        let r = self.b.import_function(ir::ExtFuncData {
            name: ir::ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.func_refs.insert(callee, r);
        r
    }

    fn translate(&mut self, op: &Operator<'_>, offset: u64) -> Result<(), CompileError> {
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
                let g = &self.env.module.globals[*global_index as usize];
                let ty = self.env.clif_type(g.ty);
                let off = self.env.offsets.vmglobal_definition(*global_index) as i32;
                let v = self
                    .b
                    .ins()
                    .load(ty, MemFlagsData::trusted(), self.vmctx, off);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let v = self.pop();
                let off = self.env.offsets.vmglobal_definition(*global_index) as i32;
                self.b
                    .ins()
                    .store(MemFlagsData::trusted(), v, self.vmctx, off);
            }
            Operator::Call { function_index } => {
                let ty = self.env.func_type(*function_index);
                let n = ty.params.len();
                let mut args = vec![self.vmctx, self.vmctx];
                args.extend(self.stack.drain(self.stack.len() - n..));
                let r = self.func_ref(*function_index);
                let call = self.b.ins().call(r, &args);
                let results = self.b.inst_results(call).to_vec();
                self.stack.extend(results);
            }
            _ => {
                if !self.memory_op(op, offset)? && !self.numeric_op(op)? {
                    return unsupported(format!("operator {op:?}"), offset);
                }
            }
        }
        Ok(())
    }
}
