//! `VMOffsets`: the single definition of the `VMContext` layout.
//!
//! ```text
//! 0   magic: u32 ("core")           40  store: *mut dyn Store (fat, 16)
//! 8   runtime_limits: *const         56  builtin_functions: *const
//! 16  callee: *const                 64  signature_ids: *const u32
//! 24  epoch_ptr: *const              72  imported functions, tables, memories, globals,
//! 32  externref_activations_table        defined tables, defined memory pointers,
//!                                        owned memories, (align 16) defined globals, func_refs
//! ```

use crate::index::{
    DefinedFuncIndex, DefinedGlobalIndex, DefinedMemoryIndex, DefinedTableIndex, FuncIndex,
    GlobalIndex, MemoryIndex, TableIndex,
};

/// The two conversions between an index space (imports first) and its
/// defined part, for each kind of entity: the one place `- imported` is
/// written.
macro_rules! index_conversions {
    ($($to_defined:ident / $to_space:ident: $space:ident / $defined:ident, $imported:ident;)*) => {$(
        #[doc = concat!("The `", stringify!($defined), "` a `", stringify!($space), "` names, or `None` for an import.")]
        pub const fn $to_defined(&self, i: $space) -> Option<$defined> {
            match i.as_u32().checked_sub(self.counts.$imported) {
                Some(d) => Some($defined::from_u32(d)),
                None => None,
            }
        }
        #[doc = concat!("The `", stringify!($space), "` of a `", stringify!($defined), "`.")]
        pub const fn $to_space(&self, i: $defined) -> $space {
            $space::from_u32(self.counts.$imported + i.as_u32())
        }
    )*};
}

/// `"core"` little-endian: the first word of every `VMContext`.
pub const VMCONTEXT_MAGIC: u32 = u32::from_le_bytes(*b"core");

/// `"ARRF"` little-endian: the first word of a host function's context.
pub const VMHOST_FUNC_MAGIC: u32 = u32::from_le_bytes(*b"ARRF");

const PTR: u32 = 8;

/// How many of each entity a module has; all the layout depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VMOffsetsCounts {
    /// Imported functions.
    pub imported_functions: u32,
    /// Imported tables.
    pub imported_tables: u32,
    /// Imported memories.
    pub imported_memories: u32,
    /// Imported globals.
    pub imported_globals: u32,
    /// Tables the module defines.
    pub defined_tables: u32,
    /// Memories the module defines.
    pub defined_memories: u32,
    /// Defined memories whose definition lives inline in the context (all non-shared ones).
    pub owned_memories: u32,
    /// Globals the module defines.
    pub defined_globals: u32,
    /// Functions that need a `VMFuncRef` (exported, in tables, `ref.func`).
    pub escaped_funcs: u32,
}

/// Offsets of every field of a module's `VMContext`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VMOffsets {
    /// The counts this layout was computed from.
    pub counts: VMOffsetsCounts,
    imported_functions: u32,
    imported_tables: u32,
    imported_memories: u32,
    imported_globals: u32,
    defined_tables: u32,
    defined_memories: u32,
    owned_memories: u32,
    defined_globals: u32,
    func_refs: u32,
    size: u32,
}

const fn align(offset: u32, to: u32) -> u32 {
    offset.div_ceil(to) * to
}

impl VMOffsets {
    /// Size of `VMFunctionImport`.
    pub const SIZE_OF_VMFUNCTION_IMPORT: u32 = 4 * PTR;
    /// Size of `VMTableImport`.
    pub const SIZE_OF_VMTABLE_IMPORT: u32 = 2 * PTR;
    /// Size of `VMMemoryImport`.
    pub const SIZE_OF_VMMEMORY_IMPORT: u32 = 3 * PTR;
    /// Size of `VMGlobalImport`.
    pub const SIZE_OF_VMGLOBAL_IMPORT: u32 = PTR;
    /// Size of `VMTableDefinition`.
    pub const SIZE_OF_VMTABLE_DEFINITION: u32 = 2 * PTR;
    /// Size of `VMMemoryDefinition`.
    pub const SIZE_OF_VMMEMORY_DEFINITION: u32 = 2 * PTR;
    /// Size of `VMGlobalDefinition`.
    pub const SIZE_OF_VMGLOBAL_DEFINITION: u32 = 16;
    /// Size of `VMFuncRef`.
    pub const SIZE_OF_VMFUNC_REF: u32 = 5 * PTR;
    /// Size of `VMRuntimeLimits`.
    pub const SIZE_OF_VMRUNTIME_LIMITS: u32 = 6 * PTR;
    /// Size of `VMSharedSignatureIndex`.
    pub const SIZE_OF_VMSHARED_SIGNATURE_INDEX: u32 = 4;
    /// Size of `ValRaw` / `VMInvokeArgument`.
    pub const SIZE_OF_VAL_RAW: u32 = 16;

    /// `VMFunctionImport::wasm_call`.
    pub const VMFUNCTION_IMPORT_WASM_CALL: u32 = 0;
    /// `VMFunctionImport::native_call`.
    pub const VMFUNCTION_IMPORT_NATIVE_CALL: u32 = PTR;
    /// `VMFunctionImport::array_call`.
    pub const VMFUNCTION_IMPORT_ARRAY_CALL: u32 = 2 * PTR;
    /// `VMFunctionImport::vmctx`.
    pub const VMFUNCTION_IMPORT_VMCTX: u32 = 3 * PTR;
    /// `VMTableImport::from`.
    pub const VMTABLE_IMPORT_FROM: u32 = 0;
    /// `VMTableImport::vmctx`.
    pub const VMTABLE_IMPORT_VMCTX: u32 = PTR;
    /// `VMMemoryImport::from`.
    pub const VMMEMORY_IMPORT_FROM: u32 = 0;
    /// `VMMemoryImport::vmctx`.
    pub const VMMEMORY_IMPORT_VMCTX: u32 = PTR;
    /// `VMMemoryImport::index`.
    pub const VMMEMORY_IMPORT_INDEX: u32 = 2 * PTR;
    /// `VMGlobalImport::from`.
    pub const VMGLOBAL_IMPORT_FROM: u32 = 0;
    /// `VMMemoryDefinition::base`.
    pub const VMMEMORY_DEFINITION_BASE: u32 = 0;
    /// `VMMemoryDefinition::current_length`.
    pub const VMMEMORY_DEFINITION_CURRENT_LENGTH: u32 = PTR;
    /// `VMTableDefinition::base`.
    pub const VMTABLE_DEFINITION_BASE: u32 = 0;
    /// `VMTableDefinition::current_elements`.
    pub const VMTABLE_DEFINITION_CURRENT_ELEMENTS: u32 = PTR;
    /// `VMFuncRef::native_call`.
    pub const VMFUNC_REF_NATIVE_CALL: u32 = 0;
    /// `VMFuncRef::array_call`.
    pub const VMFUNC_REF_ARRAY_CALL: u32 = PTR;
    /// `VMFuncRef::wasm_call`.
    pub const VMFUNC_REF_WASM_CALL: u32 = 2 * PTR;
    /// `VMFuncRef::type_index`.
    pub const VMFUNC_REF_TYPE_INDEX: u32 = 3 * PTR;
    /// `VMFuncRef::vmctx`.
    pub const VMFUNC_REF_VMCTX: u32 = 4 * PTR;
    /// `VMRuntimeLimits::stack_limit`.
    pub const VMRUNTIME_LIMITS_STACK_LIMIT: u32 = 0;
    /// `VMRuntimeLimits::fuel_consumed`.
    pub const VMRUNTIME_LIMITS_FUEL_CONSUMED: u32 = PTR;
    /// `VMRuntimeLimits::epoch_deadline`.
    pub const VMRUNTIME_LIMITS_EPOCH_DEADLINE: u32 = 2 * PTR;
    /// `VMRuntimeLimits::last_wasm_exit_fp`.
    pub const VMRUNTIME_LIMITS_LAST_WASM_EXIT_FP: u32 = 3 * PTR;
    /// `VMRuntimeLimits::last_wasm_exit_pc`.
    pub const VMRUNTIME_LIMITS_LAST_WASM_EXIT_PC: u32 = 4 * PTR;
    /// `VMRuntimeLimits::last_wasm_entry_sp`. Reserved (seed layout): the
    /// backtrace walk finds each activation's entry frame from the SP
    /// `basalt_enter` saves in its jump buffer, so nothing writes this.
    pub const VMRUNTIME_LIMITS_LAST_WASM_ENTRY_SP: u32 = 5 * PTR;

    /// `VMContext` magic.
    pub const VMCTX_MAGIC: u32 = 0;
    /// `VMContext` pointer to the store's `VMRuntimeLimits`.
    pub const VMCTX_RUNTIME_LIMITS: u32 = PTR;
    /// `VMContext` callee slot. Reserved (seed layout): host functions
    /// have their own context (`VMHOST_FUNC_*`), so it stays zero.
    pub const VMCTX_CALLEE: u32 = 2 * PTR;
    /// `VMContext` pointer to the engine's epoch counter.
    pub const VMCTX_EPOCH_PTR: u32 = 3 * PTR;
    /// `VMContext` externref activations table. Reserved (seed layout):
    /// externrefs are store-owned handles without a GC, so it stays zero.
    pub const VMCTX_EXTERNREF_ACTIVATIONS_TABLE: u32 = 4 * PTR;
    /// `VMContext` store (fat pointer, two words). Reserved (seed layout):
    /// libcalls reach their instance's state (and through it the store)
    /// from the header in front of the context, so it stays zero.
    pub const VMCTX_STORE: u32 = 5 * PTR;
    /// `VMContext` pointer to the `VMBuiltinFunctionsArray`.
    pub const VMCTX_BUILTIN_FUNCTIONS: u32 = 7 * PTR;
    /// `VMContext` pointer to the signature-id array.
    pub const VMCTX_SIGNATURE_IDS: u32 = 8 * PTR;
    const HEADER_SIZE: u32 = 9 * PTR;

    /// Host-function context: its magic (`VMHOST_FUNC_MAGIC`) at 0.
    pub const VMHOST_FUNC_CONTEXT_MAGIC: u32 = 0;
    /// Host-function context: its array-call entry, which a wasm-to-host
    /// trampoline loads from the callee vmctx.
    pub const VMHOST_FUNC_CONTEXT_ARRAY_CALL: u32 = PTR;
    /// Host-function context: its `VMFuncRef`.
    pub const VMHOST_FUNC_CONTEXT_FUNC_REF: u32 = 2 * PTR;

    /// Lay out a context for a module with these counts.
    pub const fn new(counts: VMOffsetsCounts) -> Self {
        let imported_functions = Self::HEADER_SIZE;
        let imported_tables =
            imported_functions + counts.imported_functions * Self::SIZE_OF_VMFUNCTION_IMPORT;
        let imported_memories =
            imported_tables + counts.imported_tables * Self::SIZE_OF_VMTABLE_IMPORT;
        let imported_globals =
            imported_memories + counts.imported_memories * Self::SIZE_OF_VMMEMORY_IMPORT;
        let defined_tables =
            imported_globals + counts.imported_globals * Self::SIZE_OF_VMGLOBAL_IMPORT;
        let defined_memories =
            defined_tables + counts.defined_tables * Self::SIZE_OF_VMTABLE_DEFINITION;
        let owned_memories = defined_memories + counts.defined_memories * PTR;
        let defined_globals = align(
            owned_memories + counts.owned_memories * Self::SIZE_OF_VMMEMORY_DEFINITION,
            16,
        );
        let func_refs =
            defined_globals + counts.defined_globals * Self::SIZE_OF_VMGLOBAL_DEFINITION;
        let size = align(
            func_refs + counts.escaped_funcs * Self::SIZE_OF_VMFUNC_REF,
            16,
        );
        Self {
            counts,
            imported_functions,
            imported_tables,
            imported_memories,
            imported_globals,
            defined_tables,
            defined_memories,
            owned_memories,
            defined_globals,
            func_refs,
            size,
        }
    }

    /// Total size of the context in bytes (a multiple of 16).
    pub const fn size(&self) -> u32 {
        self.size
    }

    /// Start of the imported-function array.
    pub const fn imported_functions_begin(&self) -> u32 {
        self.imported_functions
    }
    /// `VMFunctionImport` of imported function `i`.
    pub const fn vmfunction_import(&self, i: FuncIndex) -> u32 {
        self.imported_functions + i.as_u32() * Self::SIZE_OF_VMFUNCTION_IMPORT
    }
    /// `VMTableImport` of imported table `i`.
    pub const fn vmtable_import(&self, i: TableIndex) -> u32 {
        self.imported_tables + i.as_u32() * Self::SIZE_OF_VMTABLE_IMPORT
    }
    /// `VMMemoryImport` of imported memory `i`.
    pub const fn vmmemory_import(&self, i: MemoryIndex) -> u32 {
        self.imported_memories + i.as_u32() * Self::SIZE_OF_VMMEMORY_IMPORT
    }
    /// `VMGlobalImport` of imported global `i`.
    pub const fn vmglobal_import(&self, i: GlobalIndex) -> u32 {
        self.imported_globals + i.as_u32() * Self::SIZE_OF_VMGLOBAL_IMPORT
    }
    /// `VMTableDefinition` of defined table `i`.
    pub const fn vmtable_definition(&self, i: DefinedTableIndex) -> u32 {
        self.defined_tables + i.as_u32() * Self::SIZE_OF_VMTABLE_DEFINITION
    }
    /// Pointer to the `VMMemoryDefinition` of defined memory `i`.
    pub const fn vmmemory_pointer(&self, i: DefinedMemoryIndex) -> u32 {
        self.defined_memories + i.as_u32() * PTR
    }
    /// Inline `VMMemoryDefinition` of owned (defined) memory `i`.
    pub const fn vmmemory_definition(&self, i: DefinedMemoryIndex) -> u32 {
        self.owned_memories + i.as_u32() * Self::SIZE_OF_VMMEMORY_DEFINITION
    }
    /// `VMGlobalDefinition` of defined global `i`.
    pub const fn vmglobal_definition(&self, i: DefinedGlobalIndex) -> u32 {
        self.defined_globals + i.as_u32() * Self::SIZE_OF_VMGLOBAL_DEFINITION
    }
    /// `VMFuncRef` of escaped function `i`.
    pub const fn vmfunc_ref(&self, i: u32) -> u32 {
        self.func_refs + i * Self::SIZE_OF_VMFUNC_REF
    }

    index_conversions! {
        defined_func_index / func_index: FuncIndex / DefinedFuncIndex, imported_functions;
        defined_table_index / table_index: TableIndex / DefinedTableIndex, imported_tables;
        defined_memory_index / memory_index: MemoryIndex / DefinedMemoryIndex, imported_memories;
        defined_global_index / global_index: GlobalIndex / DefinedGlobalIndex, imported_globals;
    }

    /// Every fixed size, offset and magic above, by name: what compiled
    /// code bakes in. A test checks that no `pub const` of this type is
    /// missing, so a new one cannot be left out of the fingerprint.
    pub const LAYOUT_FACTS: &'static [(&'static str, u32)] = &[
        ("SIZE_OF_VMFUNCTION_IMPORT", Self::SIZE_OF_VMFUNCTION_IMPORT),
        ("SIZE_OF_VMTABLE_IMPORT", Self::SIZE_OF_VMTABLE_IMPORT),
        ("SIZE_OF_VMMEMORY_IMPORT", Self::SIZE_OF_VMMEMORY_IMPORT),
        ("SIZE_OF_VMGLOBAL_IMPORT", Self::SIZE_OF_VMGLOBAL_IMPORT),
        (
            "SIZE_OF_VMTABLE_DEFINITION",
            Self::SIZE_OF_VMTABLE_DEFINITION,
        ),
        (
            "SIZE_OF_VMMEMORY_DEFINITION",
            Self::SIZE_OF_VMMEMORY_DEFINITION,
        ),
        (
            "SIZE_OF_VMGLOBAL_DEFINITION",
            Self::SIZE_OF_VMGLOBAL_DEFINITION,
        ),
        ("SIZE_OF_VMFUNC_REF", Self::SIZE_OF_VMFUNC_REF),
        ("SIZE_OF_VMRUNTIME_LIMITS", Self::SIZE_OF_VMRUNTIME_LIMITS),
        (
            "SIZE_OF_VMSHARED_SIGNATURE_INDEX",
            Self::SIZE_OF_VMSHARED_SIGNATURE_INDEX,
        ),
        ("SIZE_OF_VAL_RAW", Self::SIZE_OF_VAL_RAW),
        (
            "VMFUNCTION_IMPORT_WASM_CALL",
            Self::VMFUNCTION_IMPORT_WASM_CALL,
        ),
        (
            "VMFUNCTION_IMPORT_NATIVE_CALL",
            Self::VMFUNCTION_IMPORT_NATIVE_CALL,
        ),
        (
            "VMFUNCTION_IMPORT_ARRAY_CALL",
            Self::VMFUNCTION_IMPORT_ARRAY_CALL,
        ),
        ("VMFUNCTION_IMPORT_VMCTX", Self::VMFUNCTION_IMPORT_VMCTX),
        ("VMTABLE_IMPORT_FROM", Self::VMTABLE_IMPORT_FROM),
        ("VMTABLE_IMPORT_VMCTX", Self::VMTABLE_IMPORT_VMCTX),
        ("VMMEMORY_IMPORT_FROM", Self::VMMEMORY_IMPORT_FROM),
        ("VMMEMORY_IMPORT_VMCTX", Self::VMMEMORY_IMPORT_VMCTX),
        ("VMMEMORY_IMPORT_INDEX", Self::VMMEMORY_IMPORT_INDEX),
        ("VMGLOBAL_IMPORT_FROM", Self::VMGLOBAL_IMPORT_FROM),
        ("VMMEMORY_DEFINITION_BASE", Self::VMMEMORY_DEFINITION_BASE),
        (
            "VMMEMORY_DEFINITION_CURRENT_LENGTH",
            Self::VMMEMORY_DEFINITION_CURRENT_LENGTH,
        ),
        ("VMTABLE_DEFINITION_BASE", Self::VMTABLE_DEFINITION_BASE),
        (
            "VMTABLE_DEFINITION_CURRENT_ELEMENTS",
            Self::VMTABLE_DEFINITION_CURRENT_ELEMENTS,
        ),
        ("VMFUNC_REF_NATIVE_CALL", Self::VMFUNC_REF_NATIVE_CALL),
        ("VMFUNC_REF_ARRAY_CALL", Self::VMFUNC_REF_ARRAY_CALL),
        ("VMFUNC_REF_WASM_CALL", Self::VMFUNC_REF_WASM_CALL),
        ("VMFUNC_REF_TYPE_INDEX", Self::VMFUNC_REF_TYPE_INDEX),
        ("VMFUNC_REF_VMCTX", Self::VMFUNC_REF_VMCTX),
        (
            "VMRUNTIME_LIMITS_STACK_LIMIT",
            Self::VMRUNTIME_LIMITS_STACK_LIMIT,
        ),
        (
            "VMRUNTIME_LIMITS_FUEL_CONSUMED",
            Self::VMRUNTIME_LIMITS_FUEL_CONSUMED,
        ),
        (
            "VMRUNTIME_LIMITS_EPOCH_DEADLINE",
            Self::VMRUNTIME_LIMITS_EPOCH_DEADLINE,
        ),
        (
            "VMRUNTIME_LIMITS_LAST_WASM_EXIT_FP",
            Self::VMRUNTIME_LIMITS_LAST_WASM_EXIT_FP,
        ),
        (
            "VMRUNTIME_LIMITS_LAST_WASM_EXIT_PC",
            Self::VMRUNTIME_LIMITS_LAST_WASM_EXIT_PC,
        ),
        (
            "VMRUNTIME_LIMITS_LAST_WASM_ENTRY_SP",
            Self::VMRUNTIME_LIMITS_LAST_WASM_ENTRY_SP,
        ),
        ("VMCTX_MAGIC", Self::VMCTX_MAGIC),
        ("VMCTX_RUNTIME_LIMITS", Self::VMCTX_RUNTIME_LIMITS),
        ("VMCTX_CALLEE", Self::VMCTX_CALLEE),
        ("VMCTX_EPOCH_PTR", Self::VMCTX_EPOCH_PTR),
        (
            "VMCTX_EXTERNREF_ACTIVATIONS_TABLE",
            Self::VMCTX_EXTERNREF_ACTIVATIONS_TABLE,
        ),
        ("VMCTX_STORE", Self::VMCTX_STORE),
        ("VMCTX_BUILTIN_FUNCTIONS", Self::VMCTX_BUILTIN_FUNCTIONS),
        ("VMCTX_SIGNATURE_IDS", Self::VMCTX_SIGNATURE_IDS),
        ("VMHOST_FUNC_CONTEXT_MAGIC", Self::VMHOST_FUNC_CONTEXT_MAGIC),
        (
            "VMHOST_FUNC_CONTEXT_ARRAY_CALL",
            Self::VMHOST_FUNC_CONTEXT_ARRAY_CALL,
        ),
        (
            "VMHOST_FUNC_CONTEXT_FUNC_REF",
            Self::VMHOST_FUNC_CONTEXT_FUNC_REF,
        ),
        ("VMCONTEXT_MAGIC", VMCONTEXT_MAGIC),
        ("VMHOST_FUNC_MAGIC", VMHOST_FUNC_MAGIC),
        ("VMCTX_HEADER_SIZE", Self::HEADER_SIZE),
        ("ARTIFACT_HEADER_SIZE", crate::artifact::HEADER_SIZE as u32),
        ("BUILTINS", super::VMBuiltinFunctionsArray::LEN as u32),
    ];

    /// A fingerprint of [`VMOffsets::LAYOUT_FACTS`] and of every builtin's
    /// slot and signature. Artifacts record it and the runtime refuses one
    /// built against another layout or another set of libcalls.
    pub const fn layout_fingerprint() -> u64 {
        let mut hash = FNV_OFFSET;
        let mut i = 0;
        while i < Self::LAYOUT_FACTS.len() {
            hash = fnv(hash, Self::LAYOUT_FACTS[i].1);
            i += 1;
        }
        let mut b = 0;
        while b < super::BuiltinFunction::ALL.len() {
            let f = super::BuiltinFunction::ALL[b];
            let (params, result) = f.signature();
            hash = fnv(hash, f.index());
            let mut p = 0;
            while p < params.len() {
                hash = fnv(hash, params[p] as u32);
                p += 1;
            }
            hash = fnv(
                hash,
                match result {
                    Some(t) => t as u32,
                    None => 0,
                },
            );
            b += 1;
        }
        hash
    }
}

/// FNV-1a (64-bit) start value.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// One little-endian `u32` more into an FNV-1a hash; order matters.
const fn fnv(mut hash: u64, fact: u32) -> u64 {
    let bytes = fact.to_le_bytes();
    let mut j = 0;
    while j < 4 {
        hash ^= bytes[j] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        j += 1;
    }
    hash
}
