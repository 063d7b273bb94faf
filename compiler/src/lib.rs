//! The Basalt precompiler: validate a Wasm module with wasmparser, translate
//! it to Cranelift IR, compile it for aarch64 and write a Basalt artifact.

mod codegen;
mod env;
mod error;
mod module;
#[cfg(feature = "objdump")]
pub mod objdump;
mod signing;
mod trampoline;
mod translate;

pub use basalt::artifact::BoundsChecks;
pub use error::CompileError;
pub use signing::{keygen, read_public_key, read_signing_key, KeyError, SigningKey};

use basalt::artifact::{self, ImportKind, Settings};
use basalt::index::{DefinedFuncIndex, TypeIndex};
use cranelift_frontend::FunctionBuilderContext;
use std::collections::BTreeSet;

/// How to compile.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Compile settings recorded in the artifact.
    pub settings: Settings,
    /// Leave function names out of the artifact (`--strip-names`): smaller,
    /// but backtraces and profiles show `<wasm function N>`.
    pub strip_names: bool,
    /// Sign the artifact with this key (see [`SigningKey::sign`]).
    pub sign: Option<SigningKey>,
}

/// Accept `.wat` text (with the `wat` feature) or a binary module.
pub fn wasm_from_bytes(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, CompileError> {
    #[cfg(feature = "wat")]
    {
        wat::parse_bytes(bytes).map_err(|e| CompileError::Text(e.to_string()))
    }
    #[cfg(not(feature = "wat"))]
    {
        if bytes.starts_with(b"\0asm") {
            Ok(std::borrow::Cow::Borrowed(bytes))
        } else {
            Err(CompileError::Text(
                "not a binary module; text modules need basalt-compiler's `wat` feature".into(),
            ))
        }
    }
}

/// Compile a Wasm binary (or text) to an artifact.
pub fn compile(input: &[u8], options: &CompileOptions) -> Result<Vec<u8>, CompileError> {
    let wasm = wasm_from_bytes(input)?;
    let module = module::parse(&wasm)?;
    let stack = codegen::StackCheck::of(&options.settings);
    let isa = codegen::target_isa(options.settings.spectre, stack, codegen::CodeKind::WasmBody);
    let tramp_isa = codegen::target_isa(
        options.settings.spectre,
        stack,
        codegen::CodeKind::Trampoline,
    );
    let env = env::ModuleEnv::new(&module, &*isa, options.settings);
    let mut fctx = FunctionBuilderContext::new();
    let mut linker = codegen::Linker::default();
    let mut meta = module.meta.clone();
    for (i, func) in compile_bodies(&env, &*isa, &module.bodies)?
        .into_iter()
        .enumerate()
    {
        meta.funcs[i].body = linker.append(func)?;
    }
    // The host enters through escaping functions and the start function.
    let entries = meta.func_refs.iter().copied().chain(meta.start);
    for defined in entries.filter_map(|f| env.offsets.defined_func_index(f)) {
        let func = &mut meta.funcs[defined.index()];
        if func.array_call.is_none() {
            let tramp = trampoline::array_call_trampoline(&env, defined, &mut fctx);
            func.array_call = Some(linker.add(&*tramp_isa, tramp, defined.as_u32())?.0);
        }
    }
    // Imported functions are called through one trampoline per signature.
    let host_types: BTreeSet<TypeIndex> = meta
        .imports
        .iter()
        .filter_map(|i| match i.kind {
            ImportKind::Func(t) => Some(t),
            _ => None,
        })
        .collect();
    for t in host_types {
        let tramp = trampoline::host_trampoline(&env, t, &mut fctx);
        let (offset, _) = linker.add(&*tramp_isa, tramp, t.as_u32())?;
        meta.host_trampolines.push((t, offset));
    }
    let linked = linker.finish()?;
    meta.traps = linked.traps;
    meta.address_map = linked.address_map;
    if options.strip_names {
        meta.func_names.clear();
    }
    let cpu = codegen::cpu_features(&*isa);
    let artifact = artifact::write(options.settings, cpu, &meta, &linked.code);
    match &options.sign {
        Some(key) => key.sign(&artifact).map_err(CompileError::Sign),
        None => Ok(artifact),
    }
}

/// Translate and compile every function body, in parallel across functions
/// on the host's cores (compiling dominates the host tool's time), and
/// return them in index order; the first failing function's error wins, so
/// errors are the same as sequential compilation's.
fn compile_bodies(
    env: &env::ModuleEnv<'_>,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    bodies: &[wasmparser::FunctionBody<'_>],
) -> Result<Vec<codegen::CompiledFunc>, CompileError> {
    let compile_one = |i: usize, fctx: &mut FunctionBuilderContext| {
        let defined = DefinedFuncIndex::from_u32(i as u32);
        let func = translate::translate_function(env, defined, &bodies[i], fctx)?;
        codegen::compile_function(isa, func, i as u32)
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(bodies.len());
    if threads <= 1 {
        let mut fctx = FunctionBuilderContext::new();
        return (0..bodies.len())
            .map(|i| compile_one(i, &mut fctx))
            .collect();
    }
    // Functions vary wildly in size, so threads take the next index as they
    // finish rather than fixed shares.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<codegen::CompiledFunc, CompileError>)> =
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut fctx = FunctionBuilderContext::new();
                        let mut out = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if i >= bodies.len() {
                                break out;
                            }
                            out.push((i, compile_one(i, &mut fctx)));
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("compiler thread panicked"))
                .collect()
        });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}
