//! Layout checks of every seed-contract struct against [`VMOffsets`].
//!
//! The table is evaluated at compile time (the build fails on any mismatch,
//! for every target) and also exposed as data, so the host test suite and the
//! firmware (which reports it from the board) both check the layout they were
//! built with, in the spirit of wasmtime's offset tests.

use super::*;
use core::mem::{align_of, offset_of, size_of};

/// One checked fact: what the struct has, what `VMOffsets` (and the contract) says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutFact {
    /// What is measured, e.g. `VMFuncRef::type_index`.
    pub what: &'static str,
    /// Measured on this build.
    pub actual: usize,
    /// Required by the contract.
    pub expected: usize,
}

macro_rules! facts {
    ($( $what:expr => $actual:expr, $expected:expr; )*) => {
        /// Every layout fact of the seed contract.
        pub const LAYOUT_FACTS: &[LayoutFact] = &[
            $( LayoutFact { what: $what, actual: $actual, expected: $expected as usize }, )*
        ];
    };
}

type O = VMOffsets;

facts! {
    "size VMFunctionImport" => size_of::<VMFunctionImport>(), O::SIZE_OF_VMFUNCTION_IMPORT;
    "VMFunctionImport::wasm_call" => offset_of!(VMFunctionImport, wasm_call), O::VMFUNCTION_IMPORT_WASM_CALL;
    "VMFunctionImport::native_call" => offset_of!(VMFunctionImport, native_call), O::VMFUNCTION_IMPORT_NATIVE_CALL;
    "VMFunctionImport::array_call" => offset_of!(VMFunctionImport, array_call), O::VMFUNCTION_IMPORT_ARRAY_CALL;
    "VMFunctionImport::vmctx" => offset_of!(VMFunctionImport, vmctx), O::VMFUNCTION_IMPORT_VMCTX;
    "size VMFunctionImport (contract)" => size_of::<VMFunctionImport>(), 32;
    "size VMTableImport" => size_of::<VMTableImport>(), O::SIZE_OF_VMTABLE_IMPORT;
    "VMTableImport::from" => offset_of!(VMTableImport, from), O::VMTABLE_IMPORT_FROM;
    "VMTableImport::vmctx" => offset_of!(VMTableImport, vmctx), O::VMTABLE_IMPORT_VMCTX;
    "size VMTableImport (contract)" => size_of::<VMTableImport>(), 16;
    "size VMMemoryImport" => size_of::<VMMemoryImport>(), O::SIZE_OF_VMMEMORY_IMPORT;
    "VMMemoryImport::from" => offset_of!(VMMemoryImport, from), O::VMMEMORY_IMPORT_FROM;
    "VMMemoryImport::vmctx" => offset_of!(VMMemoryImport, vmctx), O::VMMEMORY_IMPORT_VMCTX;
    "VMMemoryImport::index" => offset_of!(VMMemoryImport, index), O::VMMEMORY_IMPORT_INDEX;
    "size VMMemoryImport (contract)" => size_of::<VMMemoryImport>(), 24;
    "size VMGlobalImport" => size_of::<VMGlobalImport>(), O::SIZE_OF_VMGLOBAL_IMPORT;
    "VMGlobalImport::from" => offset_of!(VMGlobalImport, from), O::VMGLOBAL_IMPORT_FROM;
    "size VMGlobalImport (contract)" => size_of::<VMGlobalImport>(), 8;
    "size VMMemoryDefinition" => size_of::<VMMemoryDefinition>(), O::SIZE_OF_VMMEMORY_DEFINITION;
    "VMMemoryDefinition::base" => offset_of!(VMMemoryDefinition, base), O::VMMEMORY_DEFINITION_BASE;
    "VMMemoryDefinition::current_length" => offset_of!(VMMemoryDefinition, current_length), O::VMMEMORY_DEFINITION_CURRENT_LENGTH;
    "size VMMemoryDefinition (contract)" => size_of::<VMMemoryDefinition>(), 16;
    "size VMTableDefinition" => size_of::<VMTableDefinition>(), O::SIZE_OF_VMTABLE_DEFINITION;
    "VMTableDefinition::base" => offset_of!(VMTableDefinition, base), O::VMTABLE_DEFINITION_BASE;
    "VMTableDefinition::current_elements" => offset_of!(VMTableDefinition, current_elements), O::VMTABLE_DEFINITION_CURRENT_ELEMENTS;
    "size VMTableDefinition (contract)" => size_of::<VMTableDefinition>(), 16;
    "size VMGlobalDefinition" => size_of::<VMGlobalDefinition>(), O::SIZE_OF_VMGLOBAL_DEFINITION;
    "align VMGlobalDefinition" => align_of::<VMGlobalDefinition>(), 16;
    "size VMSharedSignatureIndex" => size_of::<VMSharedSignatureIndex>(), O::SIZE_OF_VMSHARED_SIGNATURE_INDEX;
    "size VMFuncRef" => size_of::<VMFuncRef>(), O::SIZE_OF_VMFUNC_REF;
    "VMFuncRef::native_call" => offset_of!(VMFuncRef, native_call), O::VMFUNC_REF_NATIVE_CALL;
    "VMFuncRef::array_call" => offset_of!(VMFuncRef, array_call), O::VMFUNC_REF_ARRAY_CALL;
    "VMFuncRef::wasm_call" => offset_of!(VMFuncRef, wasm_call), O::VMFUNC_REF_WASM_CALL;
    "VMFuncRef::type_index" => offset_of!(VMFuncRef, type_index), O::VMFUNC_REF_TYPE_INDEX;
    "VMFuncRef::vmctx" => offset_of!(VMFuncRef, vmctx), O::VMFUNC_REF_VMCTX;
    "size VMFuncRef (contract)" => size_of::<VMFuncRef>(), 40;
    "size VMInvokeArgument" => size_of::<VMInvokeArgument>(), O::SIZE_OF_VAL_RAW;
    "align VMInvokeArgument" => align_of::<VMInvokeArgument>(), 16;
    "size VMRuntimeLimits" => size_of::<VMRuntimeLimits>(), O::SIZE_OF_VMRUNTIME_LIMITS;
    "VMRuntimeLimits::stack_limit" => offset_of!(VMRuntimeLimits, stack_limit), O::VMRUNTIME_LIMITS_STACK_LIMIT;
    "VMRuntimeLimits::fuel_consumed" => offset_of!(VMRuntimeLimits, fuel_consumed), O::VMRUNTIME_LIMITS_FUEL_CONSUMED;
    "VMRuntimeLimits::epoch_deadline" => offset_of!(VMRuntimeLimits, epoch_deadline), O::VMRUNTIME_LIMITS_EPOCH_DEADLINE;
    "VMRuntimeLimits::last_wasm_exit_fp" => offset_of!(VMRuntimeLimits, last_wasm_exit_fp), O::VMRUNTIME_LIMITS_LAST_WASM_EXIT_FP;
    "VMRuntimeLimits::last_wasm_exit_pc" => offset_of!(VMRuntimeLimits, last_wasm_exit_pc), O::VMRUNTIME_LIMITS_LAST_WASM_EXIT_PC;
    "VMRuntimeLimits::last_wasm_entry_sp" => offset_of!(VMRuntimeLimits, last_wasm_entry_sp), O::VMRUNTIME_LIMITS_LAST_WASM_ENTRY_SP;
    "size VMRuntimeLimits (contract)" => size_of::<VMRuntimeLimits>(), 48;
    "size ValRaw" => size_of::<ValRaw>(), O::SIZE_OF_VAL_RAW;
    "align ValRaw" => align_of::<ValRaw>(), 16;
    "align VMContext" => align_of::<VMContext>(), 16;
    "size VMBuiltinFunctionsArray" => size_of::<VMBuiltinFunctionsArray>(), VMBuiltinFunctionsArray::LEN * 8;
    "size VMArrayCallFunction" => size_of::<VMArrayCallFunction>(), 8;
    "VMOpaqueContext::magic" => offset_of!(VMOpaqueContext, magic), O::VMCTX_MAGIC;
    "VMContext::runtime_limits" => O::VMCTX_RUNTIME_LIMITS as usize, 8;
    "VMContext::callee" => O::VMCTX_CALLEE as usize, 16;
    "VMContext::epoch_ptr" => O::VMCTX_EPOCH_PTR as usize, 24;
    "VMContext::externref_activations_table" => O::VMCTX_EXTERNREF_ACTIVATIONS_TABLE as usize, 32;
    "VMContext::store" => O::VMCTX_STORE as usize, 40;
    "VMContext::builtin_functions" => O::VMCTX_BUILTIN_FUNCTIONS as usize, 56;
    "VMContext::signature_ids" => O::VMCTX_SIGNATURE_IDS as usize, 64;
}

const _: () = {
    let mut i = 0;
    while i < LAYOUT_FACTS.len() {
        assert!(LAYOUT_FACTS[i].actual == LAYOUT_FACTS[i].expected);
        i += 1;
    }
};

/// Facts that do not hold on this build (empty when the layout is right).
pub fn layout_mismatches() -> impl Iterator<Item = &'static LayoutFact> {
    LAYOUT_FACTS.iter().filter(|f| f.actual != f.expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::*;

    #[test]
    fn every_struct_matches_vmoffsets() {
        let bad: alloc::vec::Vec<_> = layout_mismatches().collect();
        assert!(bad.is_empty(), "{bad:?}");
        assert!(LAYOUT_FACTS.len() >= 50);
    }

    #[test]
    fn vmcontext_arrays_follow_the_contract_order() {
        let o = VMOffsets::new(VMOffsetsCounts {
            imported_functions: 2,
            imported_tables: 1,
            imported_memories: 1,
            imported_globals: 3,
            defined_tables: 1,
            defined_memories: 1,
            owned_memories: 1,
            defined_globals: 2,
            escaped_funcs: 2,
        });
        assert_eq!(o.vmfunction_import(FuncIndex::from_u32(0)), 72);
        assert_eq!(o.vmfunction_import(FuncIndex::from_u32(1)), 104);
        assert_eq!(o.vmtable_import(TableIndex::from_u32(0)), 136);
        assert_eq!(o.vmmemory_import(MemoryIndex::from_u32(0)), 152);
        assert_eq!(o.vmglobal_import(GlobalIndex::from_u32(0)), 176);
        assert_eq!(o.vmtable_definition(DefinedTableIndex::from_u32(0)), 200);
        assert_eq!(o.vmmemory_pointer(DefinedMemoryIndex::from_u32(0)), 216);
        assert_eq!(o.vmmemory_definition(DefinedMemoryIndex::from_u32(0)), 224);
        // 240 is already 16-aligned.
        assert_eq!(o.vmglobal_definition(DefinedGlobalIndex::from_u32(0)), 240);
        assert_eq!(o.vmglobal_definition(DefinedGlobalIndex::from_u32(1)), 256);
        assert_eq!(o.vmfunc_ref(0), 272);
        assert_eq!(o.vmfunc_ref(1), 312);
        assert_eq!(o.size(), 352);
        assert_eq!(o.size() % 16, 0);
    }

    #[test]
    fn index_spaces_convert_at_the_import_count() {
        let o = VMOffsets::new(VMOffsetsCounts {
            imported_functions: 2,
            imported_tables: 1,
            imported_memories: 0,
            imported_globals: 3,
            ..Default::default()
        });
        // Imports have no defined index; the first defined one is 0.
        assert_eq!(o.defined_func_index(FuncIndex::from_u32(1)), None);
        let d = o.defined_func_index(FuncIndex::from_u32(2));
        assert_eq!(d, Some(DefinedFuncIndex::from_u32(0)));
        assert_eq!(o.func_index(DefinedFuncIndex::from_u32(5)).as_u32(), 7);
        assert_eq!(o.defined_table_index(TableIndex::from_u32(0)), None);
        assert_eq!(
            o.defined_table_index(TableIndex::from_u32(1)),
            Some(DefinedTableIndex::from_u32(0))
        );
        assert_eq!(
            o.defined_memory_index(MemoryIndex::from_u32(0)),
            Some(DefinedMemoryIndex::from_u32(0))
        );
        assert_eq!(o.defined_global_index(GlobalIndex::from_u32(2)), None);
        assert_eq!(o.global_index(DefinedGlobalIndex::from_u32(1)).as_u32(), 4);
        // Round trips.
        for i in 0..10 {
            let f = FuncIndex::from_u32(i);
            if let Some(d) = o.defined_func_index(f) {
                assert_eq!(o.func_index(d), f);
            }
            let g = GlobalIndex::from_u32(i);
            if let Some(d) = o.defined_global_index(g) {
                assert_eq!(o.global_index(d), g);
            }
        }
    }

    #[test]
    fn typed_indices_encode_as_bare_numbers() {
        let mut typed = [0u8; 8];
        let mut raw = [0u8; 8];
        let a = postcard::to_slice(
            &(FuncIndex::from_u32(300), TypeIndex::from_u32(7)),
            &mut typed,
        )
        .unwrap()
        .to_vec();
        let b = postcard::to_slice(&(300u32, 7u32), &mut raw)
            .unwrap()
            .to_vec();
        assert_eq!(a, b);
        let back: (FuncIndex, TypeIndex) = postcard::from_bytes(&b).unwrap();
        assert_eq!(back, (FuncIndex::from_u32(300), TypeIndex::from_u32(7)));
    }

    #[test]
    fn globals_are_aligned_after_odd_counts() {
        let o = VMOffsets::new(VMOffsetsCounts {
            imported_globals: 1,
            defined_globals: 1,
            ..Default::default()
        });
        assert_eq!(o.vmglobal_import(GlobalIndex::from_u32(0)), 72);
        assert_eq!(o.vmglobal_definition(DefinedGlobalIndex::from_u32(0)), 80);
        assert_eq!(
            o.vmglobal_definition(DefinedGlobalIndex::from_u32(0)) % 16,
            0
        );
    }

    #[test]
    fn fingerprint_is_stable_within_a_build() {
        assert_eq!(
            VMOffsets::layout_fingerprint(),
            VMOffsets::layout_fingerprint()
        );
        assert_ne!(VMOffsets::layout_fingerprint(), 0);
    }

    /// Every constant compiled code may bake in is in the fingerprint: each
    /// `pub const NAME: u32` of `offsets.rs` (the layout compiler and runtime
    /// share), the epoch pointer and host-function context offsets among
    /// them, plus the header sizes and the builtins.
    #[test]
    fn fingerprint_covers_every_layout_constant() {
        let source = include_str!("offsets.rs");
        let facts: alloc::collections::BTreeSet<&str> =
            VMOffsets::LAYOUT_FACTS.iter().map(|f| f.0).collect();
        let mut seen = 0;
        for line in source.lines() {
            let Some(rest) = line.trim().strip_prefix("pub const ") else {
                continue;
            };
            let Some((name, ty)) = rest.split_once(':') else {
                continue;
            };
            let constant = name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
            if constant && ty.trim_start().starts_with("u32") {
                seen += 1;
                assert!(facts.contains(name), "{name} is not in LAYOUT_FACTS");
            }
        }
        assert!(seen > 40, "parsed only {seen} constants");
        for fact in [
            "VMCTX_EPOCH_PTR",
            "VMHOST_FUNC_CONTEXT_ARRAY_CALL",
            "VMCTX_HEADER_SIZE",
            "ARTIFACT_HEADER_SIZE",
        ] {
            assert!(facts.contains(fact), "{fact}");
        }
    }
}
