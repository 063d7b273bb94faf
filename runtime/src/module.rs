//! A loaded module: checked metadata plus sealed code in the code arena.

use crate::artifact::{self, ArtifactError, ExportKind, FuncType, ImportKind, Metadata, Settings};
use crate::code::{self, CodeRegion};
use crate::engine::Engine;
use crate::error::Error;
use crate::vm::{VMOffsets, VMSharedSignatureIndex};
use alloc::boxed::Box;
use alloc::sync::Arc;
use core::ops::Range;

/// A compiled module ready to instantiate. Cheap to clone.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

pub(crate) struct ModuleInner {
    pub(crate) engine: Engine,
    pub(crate) meta: Arc<Metadata>,
    pub(crate) code_base: usize,
    pub(crate) code_len: usize,
    /// Code-arena pages the code occupies (none for code run in place).
    code_pages: Option<CodePages>,
    pub(crate) offsets: VMOffsets,
    /// Bounds-check mode, fuel and epoch instrumentation of the code.
    pub(crate) settings: Settings,
    /// Engine-wide id of each of the module's types; `VMContext::signature_ids` points here.
    pub(crate) signature_ids: Box<[VMSharedSignatureIndex]>,
    /// Exports by name: WASI looks up `memory` on every call, and users
    /// look up functions by name.
    pub(crate) exports: Exports,
}

/// A module's exports by name: a scan of the metadata's list, first match
/// wins (validation refuses duplicate names in Wasm). Modules a firmware
/// runs export a handful of names, where a scan is as quick as hashing the
/// name, and it needs no table per module nor a hash map's code (3.5 KiB).
pub(crate) struct Exports(Arc<Metadata>);

impl Exports {
    /// The export called `name`.
    #[inline(never)]
    pub(crate) fn get(&self, name: &str) -> Option<&ExportKind> {
        self.0
            .exports
            .iter()
            .find(|e| e.name == name)
            .map(|e| &e.kind)
    }
}

/// Optional CPU features this core has, as `CpuFeatures` bits.
/// Code-arena pages and what gives them back: [`free_code_pages`], named
/// only by [`Module::new`], so a firmware that runs its code in place
/// (`Module::from_static`) links no code-arena freeing.
struct CodePages {
    pages: Range<usize>,
    free: fn(&Engine, Range<usize>),
}

fn free_code_pages(engine: &Engine, pages: Range<usize>) {
    engine.inner.code.lock().free(engine.inner.platform, pages);
}

fn cpu_features() -> u64 {
    #[cfg(target_arch = "aarch64")]
    {
        let isar0: u64;
        // SAFETY: reading an ID register has no side effects and is allowed at EL1.
        unsafe { core::arch::asm!("mrs {}, ID_AA64ISAR0_EL1", out(reg) isar0) };
        let mut bits = 0;
        if (isar0 >> 20) & 0xf >= 2 {
            bits |= artifact::CpuFeatures::LSE;
        }
        bits
    }
    #[cfg(not(target_arch = "aarch64"))]
    0
}

/// Refuse code that needs CPU features this core lacks.
fn check_cpu(a: &artifact::Artifact<'_>) -> Result<(), Error> {
    let missing = a.header.cpu_features.0 & !cpu_features();
    if missing != 0 {
        return Err(ArtifactError::CpuFeatures { missing }.into());
    }
    Ok(())
}

impl Module {
    /// Check an artifact (and its signature, if the engine trusts keys) and
    /// load its code: copy it into the engine's code arena, seal it
    /// read-only + executable and sync the instruction cache.
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<Module, Error> {
        let a = artifact::read_trusted(bytes, engine.trusted_keys())?;
        check_cpu(&a)?;
        let pages = engine
            .inner
            .code
            .lock()
            .load(engine.inner.platform, a.code)?;
        let (code_base, code_len) = (pages.start, a.code.len());
        Self::from_parts(
            engine,
            a.header.settings,
            a.metadata,
            code_base,
            code_len,
            Some(CodePages {
                pages,
                free: free_code_pages,
            }),
        )
    }

    /// Check an artifact that sits in executable, read-only memory for the
    /// life of the firmware (e.g. embedded in its `.text` with
    /// `include_bytes!` and a `#[link_section]`) and run its code in place:
    /// nothing is copied, no code arena is used. Signatures are checked as
    /// in [`Module::new`].
    ///
    /// # Safety
    /// `bytes` must be mapped executable and never written, and instruction
    /// fetch must see its contents (true for the firmware image itself).
    pub unsafe fn from_static(engine: &Engine, bytes: &'static [u8]) -> Result<Module, Error> {
        let a = artifact::read_trusted(bytes, engine.trusted_keys())?;
        check_cpu(&a)?;
        if !(a.code.as_ptr() as usize).is_multiple_of(16) {
            return Err(ArtifactError::Misaligned.into());
        }
        let (code_base, code_len) = (a.code.as_ptr() as usize, a.code.len());
        Self::from_parts(
            engine,
            a.header.settings,
            a.metadata,
            code_base,
            code_len,
            None,
        )
    }

    fn from_parts(
        engine: &Engine,
        settings: Settings,
        meta: Metadata,
        code_base: usize,
        code_len: usize,
        code_pages: Option<CodePages>,
    ) -> Result<Module, Error> {
        // Guard-mode code has no stack-limit checks between Wasm calls.
        if settings.bounds_checks == artifact::BoundsChecks::Guard
            && !crate::stack::guard_suffices(engine.inner.platform)
        {
            return Err(ArtifactError::BoundsChecksUnsupported.into());
        }
        let meta = Arc::new(meta);
        let signature_ids = meta
            .types
            .iter()
            .map(|t| engine.register_signature(t))
            .collect();
        let exports = Exports(meta.clone());
        // Built before registering, so any failure below drops it and its
        // `Drop` returns the code pages.
        let inner = ModuleInner {
            engine: engine.clone(),
            exports,
            offsets: meta.offsets(),
            settings,
            meta: meta.clone(),
            code_base,
            code_len,
            code_pages,
            signature_ids,
        };
        code::register(CodeRegion {
            start: code_base,
            end: code_base + code_len,
            meta,
        })?;
        Ok(Module {
            inner: Arc::new(inner),
        })
    }

    /// Where the module's code is (sealed read-only + executable).
    pub fn code_range(&self) -> core::ops::Range<usize> {
        self.inner.code_base..self.inner.code_base + self.inner.code_len
    }

    /// The module's name from its name section.
    pub fn name(&self) -> Option<&str> {
        self.inner.meta.name.as_deref()
    }

    /// Imports as (module, name, kind), in the order `Instance::new` takes them.
    pub fn imports(&self) -> impl Iterator<Item = (&str, &str, &ImportKind)> {
        self.inner
            .meta
            .imports
            .iter()
            .map(|i| (i.module.as_str(), i.name.as_str(), &i.kind))
    }

    /// Exported functions with their signatures.
    pub fn exported_funcs(&self) -> impl Iterator<Item = (&str, &FuncType)> {
        let meta = &self.inner.meta;
        meta.exports.iter().filter_map(move |e| match e.kind {
            ExportKind::Func(i) => {
                let t = meta.func_type_index(i)?;
                Some((e.name.as_str(), &meta.types[t.index()]))
            }
            _ => None,
        })
    }
}

impl Drop for ModuleInner {
    /// The last `Module` handle and the last instance of it are gone (each
    /// instance holds a handle): nothing can run or trap in its code any
    /// more, so the trap hook forgets it and its pages serve later loads.
    fn drop(&mut self) {
        code::unregister(&self.meta);
        if let Some(CodePages { pages, free }) = self.code_pages.take() {
            free(&self.engine, pages);
        }
    }
}
