//! Tables and references: `table.get/set/size` inline, the other table
//! operators through libcalls, and `ref.null/is_null/func`.
//!
//! A table element is 8 bytes: a `*const VMFuncRef` for funcref tables, the
//! raw word for externref tables; 0 is null in both.

use super::control::user_trap;
use super::FuncTranslator;
use crate::error::{unsupported, CompileError};
use basalt::index::{FuncIndex, TableIndex};
use basalt::vm::{BuiltinFunction, VMOffsets};
use basalt::Trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types::*, InstBuilder, MemFlagsData, Value};
use wasmparser::Operator as O;

impl FuncTranslator<'_, '_> {
    /// Address of table `table`'s `VMTableDefinition`, as (base, offset).
    fn table_definition(&mut self, table: u32) -> (Value, i32) {
        let table = TableIndex::from_u32(table);
        if let Some(defined) = self.env.offsets.defined_table_index(table) {
            let at = self.env.offsets.vmtable_definition(defined);
            (self.vmctx, at as i32)
        } else {
            let at = self.env.offsets.vmtable_import(table) + VMOffsets::VMTABLE_IMPORT_FROM;
            // Which definition an import points at never changes.
            let flags = MemFlagsData::trusted().with_readonly().with_can_move();
            let def = self.b.ins().load(I64, flags, self.vmctx, at as i32);
            (def, 0)
        }
    }

    /// Current size of a table: a constant for a sealed table (see
    /// `env::sealed_tables`), otherwise reloaded every time since
    /// `table.grow` (here or in another instance sharing the table)
    /// changes it.
    fn table_size(&mut self, table: u32) -> Value {
        if let Some(size) = self.env.sealed_table_size(table) {
            return self.i32const(size);
        }
        let (def, off) = self.table_definition(table);
        self.b.ins().load(
            I32,
            MemFlagsData::trusted(),
            def,
            off + VMOffsets::VMTABLE_DEFINITION_CURRENT_ELEMENTS as i32,
        )
    }

    /// Address of table `table`'s element array.
    pub(crate) fn table_base(&mut self, table: u32) -> Value {
        let (def, off) = self.table_definition(table);
        // A sealed table's elements never move: the load may be hoisted.
        let flags = match self.env.sealed_table_size(table) {
            Some(_) => MemFlagsData::trusted().with_readonly().with_can_move(),
            None => MemFlagsData::trusted(),
        };
        self.b.ins().load(
            I64,
            flags,
            def,
            off + VMOffsets::VMTABLE_DEFINITION_BASE as i32,
        )
    }

    /// Address of element `index` of `table`, trapping with
    /// `TableOutOfBounds` unless `index < current_elements`. With Spectre
    /// hardening the address goes through `select_spectre_guard` (null
    /// when the check fails, then `csdb`) and the trap tests that result,
    /// as for explicit memory checks (see `heap_address`): one compare, and
    /// a mispredicted check cannot read or write an element past the table
    /// on the speculative path. An element address is never null (the
    /// elements live in the store's arena). `table.get`, `table.set` and
    /// `call_indirect` all come through here.
    pub(crate) fn table_element_address(&mut self, table: u32, index: Value) -> Value {
        let size = self.table_size(table);
        let oob = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, size);
        let trap = user_trap(Trap::TableOutOfBounds);
        if !self.env.settings.spectre {
            self.b.ins().trapnz(oob, trap);
        }
        let base = self.table_base(table);
        let index = self.b.ins().uextend(I64, index);
        let scaled = self.b.ins().ishl_imm_u(index, 3);
        let addr = self.b.ins().iadd(base, scaled);
        if !self.env.settings.spectre {
            return addr;
        }
        // Pinned, so a loop keeps it in a register.
        let null = self.b.ins().iconst(I64, 0);
        let null = super::pinned(&mut self.b, null);
        let checked = self.b.ins().select_spectre_guard(oob, null, addr);
        self.b.ins().trapz(checked, trap);
        checked
    }

    /// Call a failing table libcall and trap with `TableOutOfBounds` on failure.
    fn table_libcall(&mut self, f: BuiltinFunction, args: &[Value]) {
        let failed = self.libcall(f, args).expect("table libcalls return a flag");
        self.b
            .ins()
            .trapnz(failed, user_trap(Trap::TableOutOfBounds));
    }

    fn i32const(&mut self, v: u32) -> Value {
        self.b.ins().iconst(I32, i64::from(v))
    }

    /// Translate a table or reference operator; false if `op` is not one.
    pub(crate) fn table_op(&mut self, op: &O<'_>, offset: u64) -> Result<bool, CompileError> {
        match op {
            O::TableGet { table } => {
                let index = self.pop();
                let addr = self.table_element_address(*table, index);
                let v = self.b.ins().load(I64, MemFlagsData::trusted(), addr, 0);
                self.push(v);
            }
            O::TableSet { table } => {
                let value = self.pop();
                let index = self.pop();
                let addr = self.table_element_address(*table, index);
                self.b.ins().store(MemFlagsData::trusted(), value, addr, 0);
            }
            O::TableSize { table } => {
                let v = self.table_size(*table);
                self.push(v);
            }
            O::TableGrow { table } => {
                let delta = self.pop();
                let init = self.pop();
                let t = self.i32const(*table);
                let old = self
                    .libcall(BuiltinFunction::TableGrow, &[t, delta, init])
                    .expect("table.grow returns the old size");
                self.push(old);
            }
            O::TableFill { table } => {
                let len = self.pop();
                let value = self.pop();
                let dst = self.pop();
                let t = self.i32const(*table);
                self.table_libcall(BuiltinFunction::TableFill, &[t, dst, value, len]);
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let len = self.pop();
                let src = self.pop();
                let dst = self.pop();
                let d = self.i32const(*dst_table);
                let s = self.i32const(*src_table);
                self.table_libcall(BuiltinFunction::TableCopy, &[d, s, dst, src, len]);
            }
            O::TableInit { elem_index, table } => {
                let len = self.pop();
                let src = self.pop();
                let dst = self.pop();
                let t = self.i32const(*table);
                let e = self.i32const(*elem_index);
                self.table_libcall(BuiltinFunction::TableInit, &[t, e, dst, src, len]);
            }
            O::ElemDrop { elem_index } => {
                let e = self.i32const(*elem_index);
                self.libcall(BuiltinFunction::ElemDrop, &[e]);
            }
            O::RefNull { .. } => {
                let v = self.b.ins().iconst(I64, 0);
                self.push(v);
            }
            O::RefIsNull => {
                let x = self.pop();
                let c = self.b.ins().icmp_imm_u(IntCC::Equal, x, 0);
                let v = self.b.ins().uextend(I32, c);
                self.push(v);
            }
            O::RefFunc { function_index } => {
                let Some(slot) = self.env.func_ref_slot(FuncIndex::from_u32(*function_index))
                else {
                    return unsupported("ref.func of an undeclared function", offset);
                };
                let at = self.env.offsets.vmfunc_ref(slot);
                let v = self.b.ins().iadd_imm_u(self.vmctx, i64::from(at));
                self.push(v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
