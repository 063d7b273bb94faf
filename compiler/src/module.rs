//! Reading a validated module into what the translator and artifact need.

use crate::error::{unsupported, CompileError};
use basalt::artifact::{
    ConstExpr, DataSegment, Export, ExportKind, FuncType, GlobalPlan, MemoryPlan, ValType,
};
use wasmparser::{FunctionBody, Parser, Payload, Validator, WasmFeatures};

/// A parsed module, borrowing its function bodies from the input bytes.
pub struct ModuleInfo<'a> {
    /// Signatures by type index.
    pub types: Vec<FuncType>,
    /// Type index of each defined function.
    pub func_types: Vec<u32>,
    /// Bodies of the defined functions.
    pub bodies: Vec<FunctionBody<'a>>,
    /// Defined memories.
    pub memories: Vec<MemoryPlan>,
    /// Defined globals.
    pub globals: Vec<GlobalPlan>,
    /// Exports.
    pub exports: Vec<Export>,
    /// Active data segments.
    pub data: Vec<DataSegment>,
    /// Start function.
    pub start: Option<u32>,
    /// Name from the name section.
    pub name: Option<String>,
}

/// The Wasm features this compiler accepts; anything else is rejected by
/// validation with wasmparser's own message.
fn features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::FLOATS
}

pub(crate) fn val_type(t: wasmparser::ValType, offset: u64) -> Result<ValType, CompileError> {
    Ok(match t {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        other => return unsupported(format!("value type {other:?}"), offset),
    })
}

fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr, CompileError> {
    let mut reader = expr.get_operators_reader();
    let offset = reader.original_position();
    let value = match reader.read()? {
        wasmparser::Operator::I32Const { value } => ConstExpr::I32(value),
        wasmparser::Operator::I64Const { value } => ConstExpr::I64(value),
        wasmparser::Operator::F32Const { value } => ConstExpr::F32(value.bits()),
        wasmparser::Operator::F64Const { value } => ConstExpr::F64(value.bits()),
        wasmparser::Operator::GlobalGet { global_index } => ConstExpr::GlobalGet(global_index),
        other => return unsupported(format!("constant expression {other:?}"), offset),
    };
    match reader.read()? {
        wasmparser::Operator::End => Ok(value),
        _ => unsupported("extended constant expression", offset),
    }
}

/// Validate `wasm` with wasmparser and read it.
pub fn parse(wasm: &[u8]) -> Result<ModuleInfo<'_>, CompileError> {
    Validator::new_with_features(features()).validate_all(wasm)?;
    let mut m = ModuleInfo {
        types: Vec::new(),
        func_types: Vec::new(),
        bodies: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        exports: Vec::new(),
        data: Vec::new(),
        start: None,
        name: None,
    };
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group?.into_types() {
                        let ft = sub.unwrap_func();
                        let params = ft
                            .params()
                            .iter()
                            .map(|t| val_type(*t, 0))
                            .collect::<Result<_, _>>()?;
                        let results = ft
                            .results()
                            .iter()
                            .map(|t| val_type(*t, 0))
                            .collect::<Result<_, _>>()?;
                        m.types.push(FuncType { params, results });
                    }
                }
            }
            Payload::ImportSection(reader) if reader.count() > 0 => {
                return unsupported("imports", reader.range().start);
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    m.func_types.push(ty?);
                }
            }
            Payload::TableSection(reader) if reader.count() > 0 => {
                return unsupported("tables", reader.range().start);
            }
            Payload::MemorySection(reader) => {
                let start = reader.range().start;
                for mem in reader {
                    let mem = mem?;
                    if mem.memory64 || mem.shared {
                        return unsupported("64-bit or shared memory", start);
                    }
                    m.memories.push(MemoryPlan {
                        min_pages: mem.initial,
                        max_pages: mem.maximum,
                    });
                }
            }
            Payload::GlobalSection(reader) => {
                let start = reader.range().start;
                for g in reader {
                    let g = g?;
                    m.globals.push(GlobalPlan {
                        ty: val_type(g.ty.content_type, start)?,
                        mutable: g.ty.mutable,
                        init: const_expr(&g.init_expr)?,
                    });
                }
            }
            Payload::ExportSection(reader) => {
                let start = reader.range().start;
                for e in reader {
                    let e = e?;
                    let kind = match e.kind {
                        wasmparser::ExternalKind::Func => ExportKind::Func(e.index),
                        wasmparser::ExternalKind::Memory => ExportKind::Memory(e.index),
                        wasmparser::ExternalKind::Global => ExportKind::Global(e.index),
                        wasmparser::ExternalKind::Table => ExportKind::Table(e.index),
                        other => return unsupported(format!("export of {other:?}"), start),
                    };
                    m.exports.push(Export {
                        name: e.name.to_string(),
                        kind,
                    });
                }
            }
            Payload::StartSection { func, .. } => m.start = Some(func),
            Payload::ElementSection(reader) if reader.count() > 0 => {
                return unsupported("element segments", reader.range().start);
            }
            Payload::DataSection(reader) => {
                let start = reader.range().start;
                for d in reader {
                    let d = d?;
                    match d.kind {
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => {
                            m.data.push(DataSegment {
                                memory: memory_index,
                                offset: const_expr(&offset_expr)?,
                                bytes: d.data.to_vec(),
                            });
                        }
                        wasmparser::DataKind::Passive => {
                            return unsupported("passive data segments", start)
                        }
                    }
                }
            }
            Payload::CodeSectionEntry(body) => m.bodies.push(body),
            Payload::CustomSection(c) => {
                if let wasmparser::KnownCustom::Name(names) = c.as_known() {
                    for name in names.into_iter().flatten() {
                        if let wasmparser::Name::Module { name, .. } = name {
                            m.name = Some(name.to_string());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(m)
}
