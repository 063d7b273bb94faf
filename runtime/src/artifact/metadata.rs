//! Module metadata stored in an artifact: written with `postcard` (serde) by
//! the compiler, read by [`decode`](super::decode) on the device.

use super::ArtifactError;
use crate::index::{DefinedFuncIndex, FuncIndex, GlobalIndex, MemoryIndex, TableIndex, TypeIndex};
use crate::trap::Trap;
use alloc::string::String;
use alloc::vec::Vec;
use serde::Serialize;

/// A Wasm value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 128-bit vector.
    V128,
    /// Function reference.
    FuncRef,
    /// External reference.
    ExternRef,
}

impl core::fmt::Display for ValType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        })
    }
}

/// A function signature.
#[derive(Debug, Eq, Serialize)]
pub struct FuncType {
    /// Parameter types.
    pub params: Vec<ValType>,
    /// Result types.
    pub results: Vec<ValType>,
}

/// As derived, but one out-of-line copy for the signature registry and
/// import checks rather than one inlined in each.
impl PartialEq for FuncType {
    #[inline(never)]
    fn eq(&self, other: &Self) -> bool {
        self.params == other.params && self.results == other.results
    }
}

/// As derived, out of line: one copy for the signature registry and
/// host functions.
impl Clone for FuncType {
    #[inline(never)]
    fn clone(&self) -> Self {
        FuncType {
            params: self.params.clone(),
            results: self.results.clone(),
        }
    }
}

/// Over the same fields as [`PartialEq`], so equal types hash equally.
impl core::hash::Hash for FuncType {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.params.hash(state);
        self.results.hash(state);
    }
}

/// A constant expression (initialiser of globals and segment offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ConstExpr {
    /// `i32.const`.
    I32(i32),
    /// `i64.const`.
    I64(i64),
    /// `f32.const` (bits).
    F32(u32),
    /// `f64.const` (bits).
    F64(u64),
    /// `global.get` of an (imported) global.
    GlobalGet(GlobalIndex),
    /// `ref.null` of a reference type.
    RefNull,
    /// `ref.func` of a function index.
    RefFunc(FuncIndex),
    /// `v128.const` (the 16 bytes as a little-endian integer).
    V128(u128),
}

/// A function defined by the module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FuncInfo {
    /// Index into `Metadata::types`.
    pub type_index: TypeIndex,
    /// Body: offset and length in the code section.
    pub body: (u32, u32),
    /// Array-call trampoline offset; present for every escaping function
    /// (exported, in an element segment, `ref.func`'d) and the start function.
    pub array_call: Option<u32>,
}

/// Table limits and element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TablePlan {
    /// `FuncRef` or `ExternRef`.
    pub elem: ValType,
    /// Initial size in elements.
    pub min: u32,
    /// Maximum size, if declared.
    pub max: Option<u32>,
}

/// A global's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GlobalType {
    /// Value type.
    pub ty: ValType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
}

/// What an import expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ImportKind {
    /// A function of this type index.
    Func(TypeIndex),
    /// A table.
    Table(TablePlan),
    /// A memory.
    Memory(MemoryPlan),
    /// A global.
    Global(GlobalType),
}

/// An import, in module order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Import {
    /// Module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// What is expected.
    pub kind: ImportKind,
}

/// How an element segment is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ElemMode {
    /// Copied into a table at instantiation, then dropped.
    Active {
        /// Table index.
        table: TableIndex,
        /// Offset expression.
        offset: ConstExpr,
    },
    /// Used by `table.init`.
    Passive,
    /// Only declares `ref.func` targets; dropped at instantiation.
    Declared,
}

/// An element segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ElemSegment {
    /// Mode.
    pub mode: ElemMode,
    /// `FuncRef` or `ExternRef`.
    pub elem: ValType,
    /// Items: `RefFunc`, `RefNull` or `GlobalGet`.
    pub items: Vec<ConstExpr>,
}

/// What an export refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ExportKind {
    /// Function index.
    Func(FuncIndex),
    /// Table index.
    Table(TableIndex),
    /// Memory index.
    Memory(MemoryIndex),
    /// Global index.
    Global(GlobalIndex),
}

/// A named export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Export {
    /// Export name.
    pub name: String,
    /// What it refers to.
    pub kind: ExportKind,
}

/// A linear memory declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MemoryPlan {
    /// Initial size in 64 KiB pages.
    pub min_pages: u64,
    /// Maximum size in pages, if declared.
    pub max_pages: Option<u64>,
}

/// A global defined by the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GlobalPlan {
    /// Value type.
    pub ty: ValType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
    /// Initial value.
    pub init: ConstExpr,
}

/// A data segment: active ones (`Some((memory, offset))`) are copied into
/// memory at instantiation and dropped; passive ones serve `memory.init`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DataSegment {
    /// Target memory and offset expression, for an active segment.
    pub active: Option<(MemoryIndex, ConstExpr)>,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// A trap site: code offset of the trapping instruction and its reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TrapSite {
    /// Offset of the `udf` (or faulting instruction) in the code section.
    pub offset: u32,
    /// `Trap` discriminant.
    pub code: u8,
}

/// Everything but the code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Metadata {
    /// Module name from the name section, if any.
    pub name: Option<String>,
    /// Signatures.
    pub types: Vec<FuncType>,
    /// Imports in module order.
    pub imports: Vec<Import>,
    /// Defined functions (function index = number of imported functions + position).
    pub funcs: Vec<FuncInfo>,
    /// Function index of each `VMFuncRef` slot in the `VMContext`.
    pub func_refs: Vec<FuncIndex>,
    /// Wasm-to-host trampolines: (type index, code offset), one per type of
    /// an imported function.
    pub host_trampolines: Vec<(TypeIndex, u32)>,
    /// Exports.
    pub exports: Vec<Export>,
    /// Defined tables.
    pub tables: Vec<TablePlan>,
    /// Defined memories.
    pub memories: Vec<MemoryPlan>,
    /// Defined globals.
    pub globals: Vec<GlobalPlan>,
    /// Element segments.
    pub elems: Vec<ElemSegment>,
    /// Data segments.
    pub data: Vec<DataSegment>,
    /// Start function.
    pub start: Option<FuncIndex>,
    /// Trap sites sorted by offset.
    pub traps: Vec<TrapSite>,
    /// Function names from the name section, `(function index, name)`
    /// sorted by index, for backtraces and profiles; empty when the module
    /// has none or the compiler was told `--strip-names`.
    pub func_names: Vec<(FuncIndex, String)>,
    /// Where each run of machine code came from in the original module:
    /// `(code offset, Wasm byte offset)` sorted by code offset; an entry
    /// holds until the next one. Backtraces report the Wasm offset.
    pub address_map: Vec<(u32, u32)>,
}

impl Metadata {
    /// Imported functions, tables, memories and globals, in one pass.
    fn import_counts(&self) -> [usize; 4] {
        let mut n = [0; 4];
        for i in &self.imports {
            n[match i.kind {
                ImportKind::Func(_) => 0,
                ImportKind::Table(_) => 1,
                ImportKind::Memory(_) => 2,
                ImportKind::Global(_) => 3,
            }] += 1;
        }
        n
    }

    /// Imported functions (they come first in the function index space).
    pub fn num_imported_funcs(&self) -> usize {
        self.import_counts()[0]
    }

    /// Imported tables.
    pub fn num_imported_tables(&self) -> usize {
        self.import_counts()[1]
    }

    /// Imported memories.
    pub fn num_imported_memories(&self) -> usize {
        self.import_counts()[2]
    }

    /// Imported globals.
    pub fn num_imported_globals(&self) -> usize {
        self.import_counts()[3]
    }

    /// The `VMContext` layout of this module.
    #[inline(never)]
    pub fn offsets(&self) -> crate::vm::VMOffsets {
        let [funcs, tables, memories, globals] = self.import_counts();
        crate::vm::VMOffsets::new(crate::vm::VMOffsetsCounts {
            imported_functions: funcs as u32,
            imported_tables: tables as u32,
            imported_memories: memories as u32,
            imported_globals: globals as u32,
            defined_tables: self.tables.len() as u32,
            defined_memories: self.memories.len() as u32,
            owned_memories: self.memories.len() as u32,
            defined_globals: self.globals.len() as u32,
            escaped_funcs: self.func_refs.len() as u32,
        })
    }

    /// The defined function `index` names, or `None` for an import (as
    /// [`VMOffsets::defined_func_index`](crate::vm::VMOffsets::defined_func_index),
    /// which hot paths use: this one counts the imports).
    pub fn defined_func_index(&self, index: FuncIndex) -> Option<DefinedFuncIndex> {
        self.offsets().defined_func_index(index)
    }

    /// The function-space index of defined function `index` (counts the
    /// imports, as [`Metadata::defined_func_index`]).
    pub fn func_index(&self, index: DefinedFuncIndex) -> FuncIndex {
        self.offsets().func_index(index)
    }

    /// Type index of function `index` (imported or defined).
    pub fn func_type_index(&self, index: FuncIndex) -> Option<TypeIndex> {
        let mut imported = self.imports.iter().filter_map(|i| match i.kind {
            ImportKind::Func(t) => Some(t),
            _ => None,
        });
        nth_or_defined(&mut imported, index.index(), |d| {
            self.funcs.get(d).map(|f| f.type_index)
        })
    }

    /// Element type of table `index` (imported or defined).
    pub fn table_elem(&self, index: TableIndex) -> Option<ValType> {
        let mut imported = self.imports.iter().filter_map(|i| match i.kind {
            ImportKind::Table(t) => Some(t.elem),
            _ => None,
        });
        nth_or_defined(&mut imported, index.index(), |d| {
            self.tables.get(d).map(|t| t.elem)
        })
    }

    /// Type of global `index` (imported or defined).
    pub fn global_type(&self, index: GlobalIndex) -> Option<GlobalType> {
        let mut imported = self.imports.iter().filter_map(|i| match i.kind {
            ImportKind::Global(g) => Some(g),
            _ => None,
        });
        nth_or_defined(&mut imported, index.index(), |d| {
            self.globals.get(d).map(|g| GlobalType {
                ty: g.ty,
                mutable: g.mutable,
            })
        })
    }

    /// Check what the loader relies on, so a forged artifact cannot make it
    /// index out of bounds, jump outside the code or turn a value of one
    /// type into another (an integer into a function pointer). Linear in
    /// the metadata's size: every lookup goes through [`IndexSpaces`].
    pub fn validate(&self, code_len: usize) -> Result<(), ArtifactError> {
        // Keep every `VMOffsets` computation far from u32 overflow.
        const MAX_ENTITIES: usize = 1 << 20;
        if [
            self.imports.len(),
            self.funcs.len(),
            self.func_refs.len(),
            self.tables.len(),
            self.globals.len(),
        ]
        .iter()
        .any(|&n| n > MAX_ENTITIES)
        {
            return bad("too many entities");
        }
        let spaces = IndexSpaces::new(self)?;
        self.validate_code_refs(code_len, &spaces)?;
        self.validate_exports(&spaces)?;
        self.validate_tables(&spaces)?;
        self.validate_initialisers(&spaces)?;
        self.validate_start(&spaces)?;
        self.validate_traps(code_len)?;
        self.validate_debug_info(code_len, &spaces)
    }

    /// Function bodies, trampolines and `func_refs` point into the code and
    /// at functions that exist.
    fn validate_code_refs(&self, code_len: usize, s: &IndexSpaces) -> Result<(), ArtifactError> {
        let in_code = |off: u32, len: u32| (off as usize).saturating_add(len as usize) <= code_len;
        for f in &self.funcs {
            if f.type_index.index() >= self.types.len() {
                return bad("function type index out of range");
            }
            if !in_code(f.body.0, f.body.1) || f.array_call.is_some_and(|t| !in_code(t, 4)) {
                return bad("function code outside the code section");
            }
        }
        // The compiler finds slots by binary search: sorted, no duplicates.
        if self.func_refs.windows(2).any(|w| w[0] >= w[1]) {
            return bad("func_refs unsorted or duplicated");
        }
        for &f in &self.func_refs {
            if f.index() >= s.num_funcs(self) {
                return bad("func_ref of a missing function");
            }
            if s.defined_func(self, f)
                .is_some_and(|d| d.array_call.is_none())
            {
                return bad("escaping function without an array-call trampoline");
            }
        }
        for &(t, off) in &self.host_trampolines {
            if t.index() >= self.types.len() || !in_code(off, 4) {
                return bad("host trampoline out of range");
            }
        }
        let mut has_trampoline = alloc::vec![false; self.types.len()];
        for &(t, _) in &self.host_trampolines {
            has_trampoline[t.index()] = true;
        }
        // Imported function types are in range (`IndexSpaces::new`).
        let mut imported_types = self.imports.iter().filter_map(|i| match i.kind {
            ImportKind::Func(t) => Some(t),
            _ => None,
        });
        if imported_types.any(|t| !has_trampoline[t.index()]) {
            return bad("imported function type without a host trampoline");
        }
        Ok(())
    }

    fn validate_exports(&self, s: &IndexSpaces) -> Result<(), ArtifactError> {
        for e in &self.exports {
            let ok = match e.kind {
                ExportKind::Func(i) => s.escapes(self, i),
                ExportKind::Table(i) => i.index() < s.num_tables(self),
                ExportKind::Memory(i) => i.index() < s.num_memories(self),
                ExportKind::Global(i) => i.index() < s.num_globals(self),
            };
            if !ok {
                return bad("export index out of range");
            }
        }
        Ok(())
    }

    /// Tables hold references and nothing else; one memory at most.
    fn validate_tables(&self, s: &IndexSpaces) -> Result<(), ArtifactError> {
        let imported = (0..s.tables.len()).filter_map(|i| s.imported_table(self, i));
        if !imported
            .chain(self.tables.iter().map(|t| t.elem))
            .all(is_ref)
        {
            return bad("table of a non-reference type");
        }
        if s.num_memories(self) > 1 {
            return bad("more than one memory");
        }
        Ok(())
    }

    /// Globals, data and element segments: initialisers of the right type,
    /// targets that exist and match.
    fn validate_initialisers(&self, s: &IndexSpaces) -> Result<(), ArtifactError> {
        for g in &self.globals {
            if !s.expr_is(self, &g.init, g.ty) {
                return bad("global initialiser out of range or of the wrong type");
            }
        }
        for d in &self.data {
            if let Some((m, off)) = &d.active {
                if m.index() >= s.num_memories(self) || !s.expr_is(self, off, ValType::I32) {
                    return bad("data segment out of range");
                }
            }
        }
        for e in &self.elems {
            if !is_ref(e.elem) {
                return bad("element segment of a non-reference type");
            }
            if let ElemMode::Active { table, offset } = &e.mode {
                if s.table_elem(self, *table) != Some(e.elem)
                    || !s.expr_is(self, offset, ValType::I32)
                {
                    return bad("element segment out of range or of the wrong type");
                }
            }
            if !e.items.iter().all(|x| s.expr_is(self, x, e.elem)) {
                return bad("element item out of range or of the wrong type");
            }
        }
        Ok(())
    }

    fn validate_start(&self, s: &IndexSpaces) -> Result<(), ArtifactError> {
        let Some(f) = self.start else { return Ok(()) };
        // One lookup: a scan of the imports is fine.
        let takes_nothing = self
            .func_type_index(f)
            .and_then(|t| self.types.get(t.index()))
            .is_some_and(|t| t.params.is_empty() && t.results.is_empty());
        if !takes_nothing {
            return bad("start function must take and return nothing");
        }
        if s.defined_func(self, f)
            .is_some_and(|d| d.array_call.is_none())
        {
            return bad("start function out of range or not callable");
        }
        Ok(())
    }

    fn validate_traps(&self, code_len: usize) -> Result<(), ArtifactError> {
        let in_code = |off: u32| (off as usize).saturating_add(4) <= code_len;
        if self.traps.windows(2).any(|w| w[0].offset >= w[1].offset)
            || self
                .traps
                .iter()
                .any(|t| Trap::from_u8(t.code).is_none() || !in_code(t.offset))
        {
            return bad("trap table unsorted or invalid");
        }
        Ok(())
    }

    /// Names and the address map (for backtraces) are sorted and in range.
    fn validate_debug_info(&self, code_len: usize, s: &IndexSpaces) -> Result<(), ArtifactError> {
        if self.func_names.windows(2).any(|w| w[0].0 >= w[1].0)
            || self
                .func_names
                .iter()
                .any(|n| n.0.index() >= s.num_funcs(self))
        {
            return bad("function names unsorted or out of range");
        }
        if self.address_map.windows(2).any(|w| w[0].0 >= w[1].0)
            || self.address_map.iter().any(|a| a.0 as usize > code_len)
        {
            return bad("address map unsorted or outside the code");
        }
        Ok(())
    }

    /// The trap at a code offset, if it is a trap site.
    pub fn trap_at(&self, offset: u32) -> Option<Trap> {
        let i = self
            .traps
            .binary_search_by_key(&offset, |t| t.offset)
            .ok()?;
        Trap::from_u8(self.traps[i].code)
    }

    /// The defined function whose body holds code offset `offset`, as its
    /// position in `funcs` (bodies are laid out in order).
    #[inline(never)]
    pub fn defined_func_at(&self, offset: u32) -> Option<DefinedFuncIndex> {
        let i = self
            .funcs
            .partition_point(|f| f.body.0 <= offset)
            .checked_sub(1)?;
        let (start, len) = self.funcs[i].body;
        (offset - start < len).then_some(DefinedFuncIndex::from_u32(i as u32))
    }

    /// The name-section name of function `index`, if kept.
    pub fn func_name(&self, index: FuncIndex) -> Option<&str> {
        let i = self.func_names.binary_search_by_key(&index, |n| n.0).ok()?;
        Some(&self.func_names[i].1)
    }

    /// The Wasm byte offset of the code at `offset` inside the body
    /// `body`: the last address-map entry at or before it, else the body's
    /// first entry (prologue code has none of its own).
    pub fn wasm_offset(&self, body: (u32, u32), offset: u32) -> Option<u32> {
        let after = self.address_map.partition_point(|a| a.0 <= offset);
        let first = self.address_map.partition_point(|a| a.0 < body.0);
        let in_body = |i: usize| {
            self.address_map
                .get(i)
                .filter(|a| a.0 >= body.0 && a.0 - body.0 < body.1)
        };
        after
            .checked_sub(1)
            .and_then(in_body)
            .or_else(|| in_body(first))
            .map(|a| a.1)
    }
}

/// Entry `index` of an index space: the `index`th import, or else the
/// defined entry at the rest (`defined` gets `index - imports`).
fn nth_or_defined<T>(
    imported: &mut impl Iterator<Item = T>,
    index: usize,
    defined: impl FnOnce(usize) -> Option<T>,
) -> Option<T> {
    let mut count = 0;
    for item in imported {
        if count == index {
            return Some(item);
        }
        count += 1;
    }
    defined(index - count)
}

fn bad(what: &'static str) -> Result<(), ArtifactError> {
    Err(ArtifactError::Inconsistent(what))
}

/// `funcref` or `externref`.
fn is_ref(ty: ValType) -> bool {
    matches!(ty, ValType::FuncRef | ValType::ExternRef)
}

/// The imported part of each index space, gathered in one pass over the
/// imports so [`Metadata::validate`] looks each index up in constant time:
/// counts, and where in `imports` each imported table and global is (one
/// vector type for both, so one copy of its code).
struct IndexSpaces {
    /// Imported functions.
    funcs: usize,
    /// Imported memories.
    memories: usize,
    /// Position in `Metadata::imports` of each imported table.
    tables: Vec<u32>,
    /// Position in `Metadata::imports` of each imported global.
    globals: Vec<u32>,
}

impl IndexSpaces {
    fn new(meta: &Metadata) -> Result<Self, ArtifactError> {
        let mut s = IndexSpaces {
            funcs: 0,
            memories: 0,
            tables: Vec::new(),
            globals: Vec::new(),
        };
        // `validate` bounds the imports far below `u32::MAX`.
        for (at, i) in meta.imports.iter().enumerate() {
            match i.kind {
                ImportKind::Func(t) if t.index() >= meta.types.len() => {
                    bad("imported function type out of range")?
                }
                ImportKind::Func(_) => s.funcs += 1,
                ImportKind::Table(_) => s.tables.push(at as u32),
                ImportKind::Memory(_) => s.memories += 1,
                ImportKind::Global(_) => s.globals.push(at as u32),
            }
        }
        Ok(s)
    }

    /// Element type of imported table `i`.
    fn imported_table(&self, meta: &Metadata, i: usize) -> Option<ValType> {
        match meta.imports.get(*self.tables.get(i)? as usize)?.kind {
            ImportKind::Table(t) => Some(t.elem),
            _ => None,
        }
    }

    /// Type of imported global `i`.
    fn imported_global(&self, meta: &Metadata, i: usize) -> Option<GlobalType> {
        match meta.imports.get(*self.globals.get(i)? as usize)?.kind {
            ImportKind::Global(g) => Some(g),
            _ => None,
        }
    }

    fn num_funcs(&self, meta: &Metadata) -> usize {
        self.funcs + meta.funcs.len()
    }

    fn num_tables(&self, meta: &Metadata) -> usize {
        self.tables.len() + meta.tables.len()
    }

    fn num_memories(&self, meta: &Metadata) -> usize {
        self.memories + meta.memories.len()
    }

    fn num_globals(&self, meta: &Metadata) -> usize {
        self.globals.len() + meta.globals.len()
    }

    /// The defined function `index` names, if it names one.
    fn defined_func<'m>(&self, meta: &'m Metadata, index: FuncIndex) -> Option<&'m FuncInfo> {
        index
            .index()
            .checked_sub(self.funcs)
            .and_then(|i| meta.funcs.get(i))
    }

    /// Whether function `index` has a `VMFuncRef` slot (may be referenced).
    #[inline(never)]
    fn escapes(&self, meta: &Metadata, index: FuncIndex) -> bool {
        meta.func_refs.binary_search(&index).is_ok()
    }

    fn table_elem(&self, meta: &Metadata, index: TableIndex) -> Option<ValType> {
        match index.index().checked_sub(self.tables.len()) {
            None => self.imported_table(meta, index.index()),
            Some(d) => meta.tables.get(d).map(|t| t.elem),
        }
    }

    /// The type a constant expression produces; `None` if it refers to
    /// something missing (only imported globals are visible to it) or is
    /// `ref.null`, which fits any reference type.
    fn expr_type(&self, meta: &Metadata, e: &ConstExpr) -> Option<ValType> {
        Some(match *e {
            ConstExpr::I32(_) => ValType::I32,
            ConstExpr::I64(_) => ValType::I64,
            ConstExpr::F32(_) => ValType::F32,
            ConstExpr::F64(_) => ValType::F64,
            ConstExpr::V128(_) => ValType::V128,
            ConstExpr::GlobalGet(g) => self.imported_global(meta, g.index())?.ty,
            ConstExpr::RefFunc(f) if self.escapes(meta, f) => ValType::FuncRef,
            ConstExpr::RefFunc(_) | ConstExpr::RefNull => return None,
        })
    }

    /// Whether `e` produces a value of type `ty`.
    #[inline(never)]
    fn expr_is(&self, meta: &Metadata, e: &ConstExpr, ty: ValType) -> bool {
        match e {
            ConstExpr::RefNull => is_ref(ty),
            e => self.expr_type(meta, e) == Some(ty),
        }
    }
}
