//! Reading a validated module into the artifact's metadata plus what the
//! translator needs (function bodies and per-index types).

use crate::error::{unsupported, CompileError};
use basalt::artifact::{
    ConstExpr, DataSegment, ElemMode, ElemSegment, Export, ExportKind, FuncInfo, FuncType,
    GlobalPlan, GlobalType, Import, ImportKind, MemoryPlan, Metadata, TablePlan, ValType,
};
use basalt::index::{FuncIndex, GlobalIndex, MemoryIndex, TableIndex, TypeIndex};
use std::collections::BTreeSet;
use wasmparser::{FunctionBody, Parser, Payload, TypeRef, Validator, WasmFeatures};

/// A parsed module, borrowing its function bodies from the input bytes.
pub struct ModuleInfo<'a> {
    /// Metadata without code: `funcs` have empty bodies and no trampolines,
    /// `host_trampolines` and `traps` are empty until code generation.
    pub meta: Metadata,
    /// Type index of every function, imported ones first.
    pub func_types: Vec<TypeIndex>,
    /// Type of every global, imported ones first.
    pub global_types: Vec<GlobalType>,
    /// Bodies of the defined functions.
    pub bodies: Vec<FunctionBody<'a>>,
}

/// Wasm 2.0: MVP, mutable globals, bulk memory, reference types, sign
/// extension, saturating conversions, multi-value and SIMD.
fn features() -> WasmFeatures {
    WasmFeatures::WASM2 | WasmFeatures::FLOATS
}

/// The artifact's value type of a Wasm value type; typed references beyond
/// Wasm 2.0 are not translated.
pub(crate) fn val_type(t: wasmparser::ValType, offset: u64) -> Result<ValType, CompileError> {
    Ok(match t {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::Ref(r) => ref_type(r, offset)?,
        wasmparser::ValType::V128 => ValType::V128,
    })
}

fn ref_type(r: wasmparser::RefType, offset: u64) -> Result<ValType, CompileError> {
    if r == wasmparser::RefType::FUNCREF {
        Ok(ValType::FuncRef)
    } else if r == wasmparser::RefType::EXTERNREF {
        Ok(ValType::ExternRef)
    } else {
        unsupported(format!("reference type {r:?}"), offset)
    }
}

fn table_plan(t: &wasmparser::TableType, offset: u64) -> Result<TablePlan, CompileError> {
    if t.table64 || t.shared {
        return unsupported("64-bit or shared table", offset);
    }
    // Validation bounds 32-bit table limits, so these conversions hold.
    let limit = |v: u64| {
        u32::try_from(v).map_err(|_| CompileError::Invalid {
            message: "table limit exceeds 32 bits".into(),
            offset,
        })
    };
    Ok(TablePlan {
        elem: ref_type(t.element_type, offset)?,
        min: limit(t.initial)?,
        max: t.maximum.map(limit).transpose()?,
    })
}

fn memory_plan(m: &wasmparser::MemoryType, offset: u64) -> Result<MemoryPlan, CompileError> {
    if m.memory64 || m.shared || m.page_size_log2.is_some() {
        return unsupported("64-bit, shared or custom-page-size memory", offset);
    }
    Ok(MemoryPlan {
        min_pages: m.initial,
        max_pages: m.maximum,
    })
}

fn global_type(g: &wasmparser::GlobalType, offset: u64) -> Result<GlobalType, CompileError> {
    if g.shared {
        return unsupported("shared global", offset);
    }
    Ok(GlobalType {
        ty: val_type(g.content_type, offset)?,
        mutable: g.mutable,
    })
}

/// A constant expression: one constant, `global.get`, `ref.null` or
/// `ref.func` (extended constant expressions are not part of Wasm 2.0).
fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr, CompileError> {
    use wasmparser::Operator as O;
    let mut reader = expr.get_operators_reader();
    let offset = reader.original_position();
    let value = match reader.read()? {
        O::I32Const { value } => ConstExpr::I32(value),
        O::I64Const { value } => ConstExpr::I64(value),
        O::F32Const { value } => ConstExpr::F32(value.bits()),
        O::F64Const { value } => ConstExpr::F64(value.bits()),
        O::V128Const { value } => ConstExpr::V128(value.i128() as u128),
        O::GlobalGet { global_index } => ConstExpr::GlobalGet(GlobalIndex::from_u32(global_index)),
        O::RefNull { .. } => ConstExpr::RefNull,
        O::RefFunc { function_index } => ConstExpr::RefFunc(FuncIndex::from_u32(function_index)),
        other => return unsupported(format!("constant expression {other:?}"), offset),
    };
    match reader.read()? {
        O::End => Ok(value),
        _ => unsupported("extended constant expression", offset),
    }
}

fn import_kind(ty: TypeRef, offset: u64) -> Result<ImportKind, CompileError> {
    Ok(match ty {
        TypeRef::Func(t) => ImportKind::Func(TypeIndex::from_u32(t)),
        TypeRef::Table(t) => ImportKind::Table(table_plan(&t, offset)?),
        TypeRef::Memory(m) => ImportKind::Memory(memory_plan(&m, offset)?),
        TypeRef::Global(g) => ImportKind::Global(global_type(&g, offset)?),
        other => return unsupported(format!("import of {other:?}"), offset),
    })
}

fn element(e: wasmparser::Element<'_>) -> Result<ElemSegment, CompileError> {
    let offset = e.range.start;
    let mode = match e.kind {
        wasmparser::ElementKind::Active {
            table_index,
            offset_expr,
        } => ElemMode::Active {
            table: TableIndex::from_u32(table_index.unwrap_or(0)),
            offset: const_expr(&offset_expr)?,
        },
        wasmparser::ElementKind::Passive => ElemMode::Passive,
        wasmparser::ElementKind::Declared => ElemMode::Declared,
    };
    let (elem, items) = match e.items {
        wasmparser::ElementItems::Functions(funcs) => (
            ValType::FuncRef,
            funcs
                .into_iter()
                .map(|f| Ok(ConstExpr::RefFunc(FuncIndex::from_u32(f?))))
                .collect::<Result<_, CompileError>>()?,
        ),
        wasmparser::ElementItems::Expressions(ty, exprs) => (
            ref_type(ty, offset)?,
            exprs
                .into_iter()
                .map(|e| const_expr(&e?))
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok(ElemSegment { mode, elem, items })
}

/// Validate `wasm` with wasmparser and read it, one section at a time.
pub fn parse(wasm: &[u8]) -> Result<ModuleInfo<'_>, CompileError> {
    Validator::new_with_features(features()).validate_all(wasm)?;
    let mut m = ModuleInfo {
        meta: Metadata::default(),
        func_types: Vec::new(),
        global_types: Vec::new(),
        bodies: Vec::new(),
    };
    for payload in Parser::new(0).parse_all(wasm) {
        m.section(payload?)?;
    }
    m.finish();
    Ok(m)
}

impl<'a> ModuleInfo<'a> {
    /// Read one section (or code entry) into the metadata.
    fn section(&mut self, payload: Payload<'a>) -> Result<(), CompileError> {
        match payload {
            Payload::TypeSection(reader) => self.types(reader),
            Payload::ImportSection(reader) => self.imports(reader),
            Payload::FunctionSection(reader) => self.functions(reader),
            Payload::TableSection(reader) => self.tables(reader),
            Payload::MemorySection(reader) => self.memories(reader),
            Payload::GlobalSection(reader) => self.globals(reader),
            Payload::ExportSection(reader) => self.exports(reader),
            Payload::StartSection { func, .. } => {
                self.meta.start = Some(FuncIndex::from_u32(func));
                Ok(())
            }
            Payload::ElementSection(reader) => self.elements(reader),
            Payload::DataSection(reader) => self.data(reader),
            Payload::CodeSectionEntry(body) => {
                self.bodies.push(body);
                Ok(())
            }
            Payload::CustomSection(c) => {
                self.names(&c);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn types(&mut self, reader: wasmparser::TypeSectionReader<'a>) -> Result<(), CompileError> {
        let start = reader.range().start;
        for group in reader {
            for sub in group?.into_types() {
                let wasmparser::CompositeInnerType::Func(ft) = &sub.composite_type.inner else {
                    return unsupported("non-function type", start);
                };
                let conv = |ts: &[wasmparser::ValType]| {
                    ts.iter()
                        .map(|&t| val_type(t, start))
                        .collect::<Result<Vec<_>, _>>()
                };
                self.meta.types.push(FuncType {
                    params: conv(ft.params())?,
                    results: conv(ft.results())?,
                });
            }
        }
        Ok(())
    }

    fn imports(&mut self, reader: wasmparser::ImportSectionReader<'a>) -> Result<(), CompileError> {
        let start = reader.range().start;
        for import in reader.into_imports() {
            let import = import?;
            let kind = import_kind(import.ty, start)?;
            match kind {
                ImportKind::Func(t) => self.func_types.push(t),
                ImportKind::Global(g) => self.global_types.push(g),
                _ => {}
            }
            self.meta.imports.push(Import {
                module: import.module.to_string(),
                name: import.name.to_string(),
                kind,
            });
        }
        Ok(())
    }

    fn functions(
        &mut self,
        reader: wasmparser::FunctionSectionReader<'a>,
    ) -> Result<(), CompileError> {
        for ty in reader {
            let ty = TypeIndex::from_u32(ty?);
            self.func_types.push(ty);
            self.meta.funcs.push(FuncInfo {
                type_index: ty,
                body: (0, 0),
                array_call: None,
            });
        }
        Ok(())
    }

    fn tables(&mut self, reader: wasmparser::TableSectionReader<'a>) -> Result<(), CompileError> {
        let start = reader.range().start;
        for table in reader {
            let table = table?;
            if let wasmparser::TableInit::Expr(_) = table.init {
                return unsupported("table initialiser expression", start);
            }
            self.meta.tables.push(table_plan(&table.ty, start)?);
        }
        Ok(())
    }

    fn memories(
        &mut self,
        reader: wasmparser::MemorySectionReader<'a>,
    ) -> Result<(), CompileError> {
        let start = reader.range().start;
        for mem in reader {
            self.meta.memories.push(memory_plan(&mem?, start)?);
        }
        Ok(())
    }

    fn globals(&mut self, reader: wasmparser::GlobalSectionReader<'a>) -> Result<(), CompileError> {
        let start = reader.range().start;
        for g in reader {
            let g = g?;
            let ty = global_type(&g.ty, start)?;
            self.global_types.push(ty);
            self.meta.globals.push(GlobalPlan {
                ty: ty.ty,
                mutable: ty.mutable,
                init: const_expr(&g.init_expr)?,
            });
        }
        Ok(())
    }

    fn exports(&mut self, reader: wasmparser::ExportSectionReader<'a>) -> Result<(), CompileError> {
        let start = reader.range().start;
        for e in reader {
            let e = e?;
            let kind = match e.kind {
                wasmparser::ExternalKind::Func => ExportKind::Func(FuncIndex::from_u32(e.index)),
                wasmparser::ExternalKind::Memory => {
                    ExportKind::Memory(MemoryIndex::from_u32(e.index))
                }
                wasmparser::ExternalKind::Global => {
                    ExportKind::Global(GlobalIndex::from_u32(e.index))
                }
                wasmparser::ExternalKind::Table => ExportKind::Table(TableIndex::from_u32(e.index)),
                other => return unsupported(format!("export of {other:?}"), start),
            };
            self.meta.exports.push(Export {
                name: e.name.to_string(),
                kind,
            });
        }
        Ok(())
    }

    fn elements(
        &mut self,
        reader: wasmparser::ElementSectionReader<'a>,
    ) -> Result<(), CompileError> {
        for e in reader {
            self.meta.elems.push(element(e?)?);
        }
        Ok(())
    }

    fn data(&mut self, reader: wasmparser::DataSectionReader<'a>) -> Result<(), CompileError> {
        for d in reader {
            let d = d?;
            let active = match d.kind {
                wasmparser::DataKind::Active {
                    memory_index,
                    offset_expr,
                } => Some((
                    MemoryIndex::from_u32(memory_index),
                    const_expr(&offset_expr)?,
                )),
                wasmparser::DataKind::Passive => None,
            };
            self.meta.data.push(DataSegment {
                active,
                bytes: d.data.to_vec(),
            });
        }
        Ok(())
    }

    /// The module and function names of a name section. It is advisory: a
    /// malformed one is ignored, as wasmtime does, rather than failing.
    fn names(&mut self, c: &wasmparser::CustomSectionReader<'a>) {
        let wasmparser::KnownCustom::Name(names) = c.as_known() else {
            return;
        };
        for name in names.into_iter().flatten() {
            match name {
                wasmparser::Name::Module { name, .. } => {
                    self.meta.name = Some(name.to_string());
                }
                wasmparser::Name::Function(map) => {
                    let names = &mut self.meta.func_names;
                    *names = map
                        .into_iter()
                        .flatten()
                        .map(|n| (FuncIndex::from_u32(n.index), n.name.to_string()))
                        .collect();
                    names.sort_by_key(|n| n.0);
                    names.dedup_by_key(|n| n.0);
                }
                _ => {}
            }
        }
    }

    /// What needs the whole module: the escaping functions, and names of
    /// functions the module does not have (the name section is not
    /// validated; the runtime would refuse them), dropped.
    fn finish(&mut self) {
        let meta = &mut self.meta;
        meta.func_refs = escaping_functions(meta);
        let num_funcs = self.func_types.len();
        meta.func_names.retain(|n| n.0.index() < num_funcs);
    }
}

/// Every function that can become a reference: exported ones, `ref.func`
/// targets in element segments and global initialisers. Validation only
/// accepts a `ref.func` in code whose target is declared in one of those
/// places, so this set covers the code too. Sorted, without duplicates.
fn escaping_functions(meta: &Metadata) -> Vec<FuncIndex> {
    let mut set = BTreeSet::new();
    for e in &meta.exports {
        if let ExportKind::Func(f) = e.kind {
            set.insert(f);
        }
    }
    let exprs = meta
        .globals
        .iter()
        .map(|g| &g.init)
        .chain(meta.elems.iter().flat_map(|e| e.items.iter()));
    for e in exprs {
        if let ConstExpr::RefFunc(f) = e {
            set.insert(*f);
        }
    }
    set.into_iter().collect()
}
