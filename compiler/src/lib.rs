//! The Basalt precompiler: validate a Wasm module with wasmparser, translate
//! it to Cranelift IR, compile it for aarch64 and write a Basalt artifact.

mod codegen;
mod env;
mod error;
mod module;
mod trampoline;
mod translate;

pub use basalt::artifact::BoundsChecks;
pub use error::CompileError;

use basalt::artifact::{self, CpuFeatures, ExportKind, FuncInfo, Metadata, Settings};
use cranelift_frontend::FunctionBuilderContext;

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
    if options.settings.bounds_checks != BoundsChecks::Explicit
        || options.settings.fuel
        || options.settings.epoch
    {
        return Err(CompileError::Unsupported {
            what: "guard-page bounds checks, fuel and epochs are not implemented yet".into(),
            offset: 0,
        });
    }
    let isa = codegen::target_isa();
    let env = env::ModuleEnv::new(&module, &*isa);
    let mut fctx = FunctionBuilderContext::new();
    let mut linker = codegen::Linker::default();
    let mut funcs = Vec::with_capacity(module.bodies.len());
    for (i, body) in module.bodies.iter().enumerate() {
        let func = translate::translate_function(&env, i as u32, body, &mut fctx)?;
        let body_range = linker.add(&*isa, func, i as u32)?;
        funcs.push(FuncInfo {
            type_index: module.func_types[i],
            body: body_range,
            array_call: None,
        });
    }
    // The host enters through exports and the start function.
    let entries = module.exports.iter().filter_map(|e| match e.kind {
        ExportKind::Func(i) => Some(i),
        _ => None,
    });
    for i in entries.chain(module.start) {
        if funcs[i as usize].array_call.is_none() {
            let tramp = trampoline::array_call_trampoline(&env, i, &mut fctx);
            funcs[i as usize].array_call = Some(linker.add(&*isa, tramp, i)?.0);
        }
    }
    let (code, traps) = linker.finish()?;
    let meta = Metadata {
        name: module.name.clone(),
        types: module.types.clone(),
        funcs,
        exports: module.exports.clone(),
        memories: module.memories.clone(),
        globals: module.globals.clone(),
        data: module.data.clone(),
        start: module.start,
        traps,
    };
    Ok(artifact::write(
        options.settings,
        CpuFeatures::default(),
        &meta,
        &code,
    ))
}
