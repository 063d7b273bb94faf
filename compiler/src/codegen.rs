//! Cranelift for aarch64: ISA settings, compiling functions, and linking
//! them into one position-independent code blob with its trap table.

use crate::error::CompileError;
use basalt::artifact::TrapSite;
use basalt::Trap;
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, ExternalName, TrapCode};
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, FinalizedRelocTarget};
use std::str::FromStr;

/// The aarch64 target with settings chosen for bare metal.
pub fn target_isa() -> OwnedTargetIsa {
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v)
            .unwrap_or_else(|e| panic!("cranelift setting {k}={v}: {e}"))
    };
    set(&mut flags, "opt_level", "speed");
    // No out-of-line probestack on aarch64: stack overflow is caught by the
    // prologue's check against VMRuntimeLimits::stack_limit instead.
    set(&mut flags, "enable_probestack", "false");
    // Frame pointers let the runtime walk Wasm frames from a trap.
    set(&mut flags, "preserve_frame_pointers", "true");
    // No unwinder on the board; traps resume at a saved host context.
    set(&mut flags, "unwind_info", "false");
    // Functions with several results return them through a hidden pointer.
    set(&mut flags, "enable_multi_ret_implicit_sret", "true");
    let triple = target_lexicon::Triple::from_str("aarch64-unknown-none").expect("known triple");
    isa::lookup(triple)
        .expect("cranelift built with the arm64 backend")
        .finish(settings::Flags::new(flags))
        .expect("valid aarch64 settings")
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
        let mut ctx = Context::for_function(func);
        let err = |message: String| CompileError::Codegen {
            func: index,
            message,
        };
        let compiled = ctx
            .compile(isa, &mut ControlPlane::default())
            .map_err(|e| err(format!("{:?}", e.inner)))?;
        let start = self.code.len().next_multiple_of(16);
        self.code.resize(start, 0);
        let start = u32::try_from(start).map_err(|_| CompileError::TooLarge)?;
        self.code.extend_from_slice(compiled.code_buffer());
        let len = compiled.code_buffer().len() as u32;
        let relocs = compiled.buffer.relocs().to_vec();
        for trap in compiled.buffer.traps() {
            self.traps.push(TrapSite {
                offset: start + trap.offset,
                code: trap_of(trap.code) as u8,
            });
        }
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
            self.calls.push(CallSite {
                at: start + reloc.offset,
                callee,
            });
        }
        let name = ctx.func.name.clone();
        if let ir::UserFuncName::User(u) = name {
            if u.namespace == 0 {
                let i = u.index as usize;
                if self.func_offsets.len() <= i {
                    self.func_offsets.resize(i + 1, None);
                }
                self.func_offsets[i] = Some(start);
            }
        }
        Ok((start, len))
    }

    /// Resolve every direct call (`bl`, ±128 MiB) and return the blob and
    /// its sorted trap table.
    pub fn finish(mut self) -> Result<(Vec<u8>, Vec<TrapSite>), CompileError> {
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
        Ok((self.code, self.traps))
    }
}
