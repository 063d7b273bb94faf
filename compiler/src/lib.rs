//! The Basalt precompiler: validate a Wasm module with wasmparser, translate
//! it to Cranelift IR, compile it for aarch64 and write a Basalt artifact.

mod codegen;
mod env;
mod error;
mod module;
mod trampoline;
mod translate;
pub mod wast;

pub use basalt::artifact::BoundsChecks;
pub use error::CompileError;

use basalt::artifact::{self, CpuFeatures, ImportKind, Settings};
use cranelift_frontend::FunctionBuilderContext;
use std::collections::BTreeSet;

/// How to compile.
#[derive(Clone, Copy, Debug, Default)]
pub struct CompileOptions {
    /// Compile settings recorded in the artifact.
    pub settings: Settings,
}

/// Accept `.wat` text or a binary module.
pub fn wasm_from_bytes(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, CompileError> {
    wat::parse_bytes(bytes).map_err(|e| CompileError::Text(e.to_string()))
}

/// Compile a Wasm binary (or text) to an artifact.
pub fn compile(input: &[u8], options: &CompileOptions) -> Result<Vec<u8>, CompileError> {
    let wasm = wasm_from_bytes(input)?;
    let module = module::parse(&wasm)?;
    let isa = codegen::target_isa();
    let env = env::ModuleEnv::new(&module, &*isa, options.settings);
    let mut fctx = FunctionBuilderContext::new();
    let mut linker = codegen::Linker::default();
    let mut meta = module.meta.clone();
    for (i, body) in module.bodies.iter().enumerate() {
        let func = translate::translate_function(&env, i as u32, body, &mut fctx)?;
        meta.funcs[i].body = linker.add(&*isa, func, i as u32)?;
    }
    // The host enters through escaping functions and the start function.
    let imported = env.num_imported_funcs();
    let entries = meta.func_refs.iter().copied().chain(meta.start);
    for defined in entries.filter_map(|f| f.checked_sub(imported)) {
        if meta.funcs[defined as usize].array_call.is_none() {
            let tramp = trampoline::array_call_trampoline(&env, defined, &mut fctx);
            meta.funcs[defined as usize].array_call = Some(linker.add(&*isa, tramp, defined)?.0);
        }
    }
    // Imported functions are called through one trampoline per signature.
    let host_types: BTreeSet<u32> = meta
        .imports
        .iter()
        .filter_map(|i| match i.kind {
            ImportKind::Func(t) => Some(t),
            _ => None,
        })
        .collect();
    for t in host_types {
        let tramp = trampoline::host_trampoline(&env, t, &mut fctx);
        let (offset, _) = linker.add(&*isa, tramp, t)?;
        meta.host_trampolines.push((t, offset));
    }
    let (code, traps) = linker.finish()?;
    meta.traps = traps;
    Ok(artifact::write(
        options.settings,
        CpuFeatures::default(),
        &meta,
        &code,
    ))
}
