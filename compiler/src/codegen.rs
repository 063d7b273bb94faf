//! Cranelift for aarch64: ISA settings, compiling functions, and linking
//! them into one position-independent code blob with its trap table.

use crate::error::CompileError;
use basalt::artifact::{BoundsChecks, CpuFeatures, Settings, TrapSite};
use basalt::Trap;
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, ExternalName, TrapCode};
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, FinalizedRelocTarget};
use std::str::FromStr;

/// How compiled code finds out that the stack is exhausted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackCheck {
    /// Every prologue that grows the stack compares the new SP with
    /// `VMRuntimeLimits::stack_limit` (explicit bounds-check mode: no MMU
    /// needed).
    Prologue,
    /// No check: the platform's unmapped guard region below the stack
    /// turns an overflow into a data abort. Frames larger than
    /// [`basalt::stack::PROBE_INTERVAL`] touch every page of their new
    /// area on the way down (inline stack probes), so none skips the guard.
    GuardPage,
}

impl StackCheck {
    /// Guard-mode code relies on guard regions for memories and the stack
    /// alike, so a runtime that accepts it has both (it refuses it on a
    /// platform without a stack guard); explicit-mode code needs neither.
    pub fn of(settings: &Settings) -> Self {
        match settings.bounds_checks {
            BoundsChecks::Guard => StackCheck::GuardPage,
            BoundsChecks::Explicit => StackCheck::Prologue,
        }
    }
}

/// Which code a [`target_isa`] compiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// Wasm function bodies: leaves that use no stack build no frame
    /// record (the backtrace walker takes their caller from `lr`).
    WasmBody,
    /// Trampolines: always a frame record, since the wasm-to-host one
    /// reads its return address from it (`get_return_address`).
    Trampoline,
}

/// The aarch64 target with settings chosen for bare metal. With `spectre`
/// on, every `select_spectre_guard` (the clamps after explicit bounds and
/// table index checks) is followed by `csdb`, Arm's barrier that keeps a
/// conditional select's result from being predicted.
///
/// The flags left at their defaults were reviewed against the kernels
/// (guest instructions, `basalt-bench -- kernels`): `opt_level` is the
/// only one that shapes the code besides those set here, and
/// `speed_and_size` gives the same instructions as `speed` in Cranelift
/// 0.135 (every kernel, both modes); `regalloc_algorithm` stays
/// `backtracking` (`single_pass` is the fast, weaker allocator);
/// alias analysis stays on (it lets loads merge and hoist); NaN
/// canonicalization stays off (Wasm does not ask for it). The pinned
/// register was measured and not kept (`translate/calls.rs`).
pub fn target_isa(spectre: bool, stack: StackCheck, kind: CodeKind) -> OwnedTargetIsa {
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v)
            .unwrap_or_else(|e| panic!("cranelift setting {k}={v}: {e}"))
    };
    set(&mut flags, "opt_level", "speed");
    // The out-of-line probestack is unimplemented on aarch64; the inline
    // probes cover large frames when a guard page catches overflow.
    let probes = stack == StackCheck::GuardPage;
    set(
        &mut flags,
        "enable_probestack",
        if probes { "true" } else { "false" },
    );
    set(&mut flags, "probestack_strategy", "inline");
    let log2 = basalt::stack::PROBE_INTERVAL.trailing_zeros().to_string();
    set(&mut flags, "probestack_size_log2", &log2);
    // Without `preserve_frame_pointers` Cranelift still builds a frame
    // record in every function that calls, spills or saves registers, so
    // the fp chain stays intact; only stackless leaves go without.
    let frames = kind == CodeKind::Trampoline;
    set(
        &mut flags,
        "preserve_frame_pointers",
        if frames { "true" } else { "false" },
    );
    // No unwinder on the board; traps resume at a saved host context.
    set(&mut flags, "unwind_info", "false");
    // Functions with several results return them through a hidden pointer.
    set(&mut flags, "enable_multi_ret_implicit_sret", "true");
    let triple = target_lexicon::Triple::from_str("aarch64-unknown-none").expect("known triple");
    let mut isa = isa::lookup(triple).expect("cranelift built with the arm64 backend");
    if spectre {
        isa.enable("use_csdb").expect("aarch64 has use_csdb");
    }
    isa.finish(settings::Flags::new(flags))
        .expect("valid aarch64 settings")
}

/// The optional CPU features the code compiled for `isa` may use, for the
/// artifact header. Advanced SIMD (NEON), which `v128` code lowers to, and
/// FP are part of the Armv8-A baseline and need no bit. Of the ISA's
/// feature flags only `has_lse` has a header bit; [`target_isa`] enables
/// none of the others (FP16, DotProd, I8MM, BTI, PAuth), which a test checks.
pub fn cpu_features(isa: &dyn isa::TargetIsa) -> CpuFeatures {
    let enabled = |name: &str| {
        isa.isa_flags()
            .iter()
            .any(|f| f.name == name && f.as_bool() == Some(true))
    };
    let mut bits = 0;
    if enabled("has_lse") {
        bits |= CpuFeatures::LSE;
    }
    CpuFeatures(bits)
}

/// Map a Cranelift trap code to the artifact's `Trap`.
fn trap_of(code: TrapCode) -> Trap {
    match code {
        TrapCode::STACK_OVERFLOW => Trap::StackOverflow,
        TrapCode::HEAP_OUT_OF_BOUNDS => Trap::MemoryOutOfBounds,
        TrapCode::INTEGER_OVERFLOW => Trap::IntegerOverflow,
        TrapCode::INTEGER_DIVISION_BY_ZERO => Trap::IntegerDivisionByZero,
        TrapCode::BAD_CONVERSION_TO_INTEGER => Trap::BadConversionToInteger,
        other => Trap::from_u8(other.as_raw().get()).unwrap_or(Trap::UnexplainedFault),
    }
}

/// A call site to patch once every function has its place in the blob.
struct CallSite {
    at: u32,
    callee: u32,
}

/// Code blob under construction.
#[derive(Default)]
pub struct Linker {
    code: Vec<u8>,
    func_offsets: Vec<Option<u32>>,
    calls: Vec<CallSite>,
    traps: Vec<TrapSite>,
    address_map: Vec<(u32, u32)>,
}

/// The linked code: blob, trap table and address map.
pub struct Linked {
    /// Machine code.
    pub code: Vec<u8>,
    /// Trap sites sorted by offset.
    pub traps: Vec<TrapSite>,
    /// `(code offset, Wasm offset)` sorted by code offset.
    pub address_map: Vec<(u32, u32)>,
}

/// A function compiled to machine code but not yet placed in the blob:
/// what [`compile_function`] returns (on any thread) and
/// [`Linker::append`] places (in order, on one).
pub struct CompiledFunc {
    code: Vec<u8>,
    /// Offsets of `bl` instructions and the Wasm function each calls.
    calls: Vec<(u32, u32)>,
    /// Offsets of trapping instructions and their trap.
    traps: Vec<(u32, Trap)>,
    /// The Wasm function index, if this is a Wasm function (namespace 0).
    wasm_index: Option<u32>,
    /// `(code offset, Wasm offset)` where the source location changes.
    srclocs: Vec<(u32, u32)>,
}

/// Compile `func` (`index` names it in errors). Needs nothing but the ISA,
/// so functions can be compiled in parallel.
pub fn compile_function(
    isa: &dyn isa::TargetIsa,
    func: ir::Function,
    index: u32,
) -> Result<CompiledFunc, CompileError> {
    let mut ctx = Context::for_function(func);
    let err = |message: String| CompileError::Codegen {
        func: index,
        message,
    };
    let compiled = ctx
        .compile(isa, &mut ControlPlane::default())
        .map_err(|e| err(format!("{:?}", e.inner)))?;
    let code = compiled.code_buffer().to_vec();
    let traps = compiled
        .buffer
        .traps()
        .iter()
        .map(|t| (t.offset, trap_of(t.code)))
        .collect();
    // The Wasm offsets the translator attached to instructions, one entry
    // per change (code without a location, e.g. the epilogue, keeps the
    // previous one).
    let mut srclocs: Vec<(u32, u32)> = Vec::new();
    for loc in compiled.buffer.get_srclocs_sorted() {
        if !loc.loc.is_default() && srclocs.last().map(|l| l.1) != Some(loc.loc.bits()) {
            srclocs.push((loc.start, loc.loc.bits()));
        }
    }
    let relocs = compiled.buffer.relocs().to_vec();
    let mut calls = Vec::new();
    for reloc in &relocs {
        let callee = match (&reloc.kind, &reloc.target) {
            (Reloc::Arm64Call, FinalizedRelocTarget::ExternalName(ExternalName::User(r))) => {
                let name = &ctx.func.params.user_named_funcs()[*r];
                debug_assert_eq!(name.namespace, 0);
                name.index
            }
            (kind, target) => {
                return Err(err(format!("unexpected relocation {kind:?} to {target:?}")));
            }
        };
        calls.push((reloc.offset, callee));
    }
    let wasm_index = match ctx.func.name {
        ir::UserFuncName::User(u) if u.namespace == 0 => Some(u.index),
        _ => None,
    };
    Ok(CompiledFunc {
        code,
        calls,
        traps,
        wasm_index,
        srclocs,
    })
}

impl Linker {
    /// Compile `func` and append it; returns (offset, length). Functions in
    /// namespace 0 are Wasm functions and become call targets by index.
    pub fn add(
        &mut self,
        isa: &dyn isa::TargetIsa,
        func: ir::Function,
        index: u32,
    ) -> Result<(u32, u32), CompileError> {
        let compiled = compile_function(isa, func, index)?;
        self.append(compiled)
    }

    /// Append a compiled function; returns (offset, length).
    pub fn append(&mut self, func: CompiledFunc) -> Result<(u32, u32), CompileError> {
        let start = self.code.len().next_multiple_of(16);
        self.code.resize(start, 0);
        let start = u32::try_from(start).map_err(|_| CompileError::TooLarge)?;
        self.code.extend_from_slice(&func.code);
        let len = func.code.len() as u32;
        for (offset, trap) in func.traps {
            self.traps.push(TrapSite {
                offset: start + offset,
                code: trap as u8,
            });
        }
        for (offset, loc) in func.srclocs {
            self.address_map.push((start + offset, loc));
        }
        for (offset, callee) in func.calls {
            self.calls.push(CallSite {
                at: start + offset,
                callee,
            });
        }
        if let Some(i) = func.wasm_index {
            let i = i as usize;
            if self.func_offsets.len() <= i {
                self.func_offsets.resize(i + 1, None);
            }
            self.func_offsets[i] = Some(start);
        }
        Ok((start, len))
    }

    /// Resolve every direct call (`bl`, ±128 MiB) and return the blob with
    /// its sorted trap table and address map.
    pub fn finish(mut self) -> Result<Linked, CompileError> {
        for call in &self.calls {
            let target = self
                .func_offsets
                .get(call.callee as usize)
                .copied()
                .flatten()
                .ok_or(CompileError::Codegen {
                    func: call.callee,
                    message: "call to a function that was not compiled".into(),
                })?;
            let delta = (i64::from(target) - i64::from(call.at)) >> 2;
            if !(-(1 << 25)..(1 << 25)).contains(&delta) {
                return Err(CompileError::TooLarge);
            }
            let at = call.at as usize;
            let insn = u32::from_le_bytes(self.code[at..at + 4].try_into().expect("4 bytes"));
            let insn = (insn & 0xfc00_0000) | (delta as u32 & 0x03ff_ffff);
            self.code[at..at + 4].copy_from_slice(&insn.to_le_bytes());
        }
        self.traps.sort_by_key(|t| t.offset);
        self.traps.dedup_by_key(|t| t.offset);
        // Functions are appended in order, so the map is already sorted.
        Ok(Linked {
            code: self.code,
            traps: self.traps,
            address_map: self.address_map,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header records only LSE: no flag that would need a feature the
    /// header cannot name may be on.
    #[test]
    fn isa_needs_only_features_the_header_records() {
        let isa = target_isa(true, StackCheck::GuardPage, CodeKind::WasmBody);
        for f in isa.isa_flags() {
            if f.as_bool() == Some(true) {
                assert!(
                    ![
                        "has_fp16",
                        "has_dotprod",
                        "has_i8mm",
                        "use_bti",
                        "has_pauth"
                    ]
                    .contains(&f.name),
                    "{} is enabled",
                    f.name
                );
            }
        }
        assert_eq!(cpu_features(&*isa), CpuFeatures::default());
    }
}
