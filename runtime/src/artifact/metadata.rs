//! Module metadata stored in an artifact (postcard-encoded).

use super::ArtifactError;
use crate::trap::Trap;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// A Wasm value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FuncType {
    /// Parameter types.
    pub params: Vec<ValType>,
    /// Result types.
    pub results: Vec<ValType>,
}

/// A constant expression (initialiser of globals and segment offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    GlobalGet(u32),
}

/// A function defined by the module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuncInfo {
    /// Index into `Metadata::types`.
    pub type_index: u32,
    /// Body: offset and length in the code section.
    pub body: (u32, u32),
    /// Array-call trampoline offset, for functions the host can call.
    pub array_call: Option<u32>,
}

/// What an export refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportKind {
    /// Function index.
    Func(u32),
    /// Table index.
    Table(u32),
    /// Memory index.
    Memory(u32),
    /// Global index.
    Global(u32),
}

/// A named export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    /// Export name.
    pub name: String,
    /// What it refers to.
    pub kind: ExportKind,
}

/// A linear memory declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryPlan {
    /// Initial size in 64 KiB pages.
    pub min_pages: u64,
    /// Maximum size in pages, if declared.
    pub max_pages: Option<u64>,
}

/// A global defined by the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalPlan {
    /// Value type.
    pub ty: ValType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
    /// Initial value.
    pub init: ConstExpr,
}

/// An active data segment, copied into memory at instantiation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSegment {
    /// Target memory.
    pub memory: u32,
    /// Byte offset expression.
    pub offset: ConstExpr,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// A trap site: code offset of the trapping instruction and its reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrapSite {
    /// Offset of the `udf` (or faulting instruction) in the code section.
    pub offset: u32,
    /// `Trap` discriminant.
    pub code: u8,
}

/// Everything but the code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Module name from the name section, if any.
    pub name: Option<String>,
    /// Signatures.
    pub types: Vec<FuncType>,
    /// Defined functions (function index = number of imported functions + position).
    pub funcs: Vec<FuncInfo>,
    /// Exports.
    pub exports: Vec<Export>,
    /// Defined memories.
    pub memories: Vec<MemoryPlan>,
    /// Defined globals.
    pub globals: Vec<GlobalPlan>,
    /// Active data segments.
    pub data: Vec<DataSegment>,
    /// Start function.
    pub start: Option<u32>,
    /// Trap sites sorted by offset.
    pub traps: Vec<TrapSite>,
}

impl Metadata {
    /// Check what the loader relies on, so a forged artifact cannot make it
    /// index out of bounds or jump outside the code.
    pub fn validate(&self, code_len: usize) -> Result<(), ArtifactError> {
        let in_code = |off: u32, len: u32| (off as usize).saturating_add(len as usize) <= code_len;
        for f in &self.funcs {
            if f.type_index as usize >= self.types.len() {
                return Err(ArtifactError::Inconsistent(
                    "function type index out of range",
                ));
            }
            if !in_code(f.body.0, f.body.1) || f.array_call.is_some_and(|t| !in_code(t, 4)) {
                return Err(ArtifactError::Inconsistent(
                    "function code outside the code section",
                ));
            }
        }
        for e in &self.exports {
            let ok = match e.kind {
                ExportKind::Func(i) => (i as usize) < self.funcs.len(),
                ExportKind::Memory(i) => (i as usize) < self.memories.len(),
                ExportKind::Global(i) => (i as usize) < self.globals.len(),
                ExportKind::Table(_) => false,
            };
            if !ok {
                return Err(ArtifactError::Inconsistent("export index out of range"));
            }
        }
        if self.memories.len() > 1 {
            return Err(ArtifactError::Inconsistent("more than one memory"));
        }
        for d in &self.data {
            if d.memory as usize >= self.memories.len() {
                return Err(ArtifactError::Inconsistent(
                    "data segment for a missing memory",
                ));
            }
        }
        for g in &self.globals {
            if matches!(g.init, ConstExpr::GlobalGet(_)) {
                return Err(ArtifactError::Inconsistent(
                    "global.get of an import without imports",
                ));
            }
        }
        if self.start.is_some_and(|s| s as usize >= self.funcs.len()) {
            return Err(ArtifactError::Inconsistent("start function out of range"));
        }
        if self.traps.windows(2).any(|w| w[0].offset >= w[1].offset)
            || self
                .traps
                .iter()
                .any(|t| Trap::from_u8(t.code).is_none() || !in_code(t.offset, 4))
        {
            return Err(ArtifactError::Inconsistent(
                "trap table unsorted or invalid",
            ));
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
}
