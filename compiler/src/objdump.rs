//! `basalt objdump`: the aarch64 disassembly of an artifact's code, one
//! block per compiled function under its Wasm name, with trap sites (from
//! the artifact's trap table) and call targets marked.
//!
//! Works on artifact bytes alone, so it shows exactly what the board runs.
//! Decoding is `yaxpeax-arm`'s; naming comes from the metadata: function
//! bodies and trampolines by their offsets, direct `bl`s by the function
//! whose body starts at the target, and libcalls by following, within a
//! function, the two loads that fetch a pointer from the context's
//! `VMBuiltinFunctionsArray` (`ldr xA, [xV, #builtins]`, then
//! `ldr xB, [xA, #8*slot]`) to the `blr xB` that calls it.

use basalt::artifact::{self, ArtifactError};
use basalt::index::{DefinedFuncIndex, FuncIndex};
use basalt::vm::{BuiltinFunction, VMOffsets};
use basalt::Trap;
use std::collections::BTreeMap;
use std::fmt::Write;
use yaxpeax_arch::{Decoder, U8Reader};
use yaxpeax_arm::armv8::a64::{InstDecoder, Instruction, Opcode, Operand};

/// One labelled run of code.
struct Region {
    start: u32,
    /// The body's length when the metadata records it (functions);
    /// trampolines run to the next region.
    len: Option<u32>,
    label: String,
}

/// Disassemble every function and trampoline of an artifact.
pub fn disassemble(bytes: &[u8]) -> Result<String, ArtifactError> {
    let a = artifact::read(bytes)?;
    let meta = &a.metadata;
    let offsets = meta.offsets();
    let names: BTreeMap<FuncIndex, &str> = meta
        .func_names
        .iter()
        .map(|(i, n)| (*i, n.as_str()))
        .collect();
    let name = |index: FuncIndex| match names.get(&index) {
        Some(n) => n.to_string(),
        None => format!("<wasm function {index}>"),
    };
    let mut regions = Vec::new();
    let mut bodies = BTreeMap::new();
    for (i, f) in meta.funcs.iter().enumerate() {
        let index = offsets.func_index(DefinedFuncIndex::from_u32(i as u32));
        bodies.insert(f.body.0, name(index));
        regions.push(Region {
            start: f.body.0,
            len: Some(f.body.1),
            label: name(index),
        });
        if let Some(at) = f.array_call {
            regions.push(Region {
                start: at,
                len: None,
                label: format!("array-call trampoline of {}", name(index)),
            });
        }
    }
    for &(ty, at) in &meta.host_trampolines {
        regions.push(Region {
            start: at,
            len: None,
            label: format!("wasm-to-host trampoline of type {ty}"),
        });
    }
    regions.sort_by_key(|r| r.start);
    let traps: BTreeMap<u32, u8> = meta.traps.iter().map(|t| (t.offset, t.code)).collect();
    let code = a.code;
    let mut out = String::new();
    for (i, r) in regions.iter().enumerate() {
        let next = regions.get(i + 1).map_or(code.len() as u32, |n| n.start);
        let end = match r.len {
            Some(len) => r.start.saturating_add(len).min(next),
            None => trailing_padding_trimmed(code, r.start, next),
        };
        // Unnamed functions are already `<wasm function N>`.
        let _ = if r.label.starts_with('<') {
            writeln!(out, "{:08x} {}:", r.start, r.label)
        } else {
            writeln!(out, "{:08x} <{}>:", r.start, r.label)
        };
        let body = code.get(r.start as usize..end as usize).unwrap_or_default();
        function(&mut out, r.start, body, &traps, &bodies);
        out.push('\n');
    }
    Ok(out)
}

/// End of a trampoline: `next`, less the zero words that align the next one.
fn trailing_padding_trimmed(code: &[u8], start: u32, next: u32) -> u32 {
    let mut end = next.min(code.len() as u32);
    while end >= start + 4 && code[end as usize - 4..end as usize] == [0; 4] {
        end -= 4;
    }
    end
}

/// What is known to be in a register, for naming libcalls.
#[derive(Clone, Copy, PartialEq)]
enum Known {
    Nothing,
    /// The `VMBuiltinFunctionsArray` pointer.
    Builtins,
    /// A libcall's address.
    Builtin(u32),
}

fn function(
    out: &mut String,
    start: u32,
    body: &[u8],
    traps: &BTreeMap<u32, u8>,
    bodies: &BTreeMap<u32, String>,
) {
    let decoder = InstDecoder::default();
    let mut regs = [Known::Nothing; 32];
    for (i, word) in body.chunks(4).enumerate() {
        let at = start + 4 * i as u32;
        let raw = u32::from_le_bytes(word.try_into().unwrap_or([0; 4]));
        let mut reader = U8Reader::new(word);
        let (text, note) = match decoder.decode(&mut reader) {
            Ok(inst) => {
                let note = call_note(&inst, at, bodies, &regs);
                track(&inst, &mut regs);
                (inst.to_string(), note)
            }
            Err(e) => (format!("<undecodable: {e}>"), None),
        };
        let note = match traps.get(&at) {
            Some(&code) => Some(match Trap::from_u8(code) {
                Some(t) => format!("trap: {t}"),
                None => format!("trap: code {code}"),
            }),
            None => note,
        };
        let _ = match note {
            Some(n) => writeln!(out, "{at:8x}:  {raw:08x}  {text:<40} ; {n}"),
            None => writeln!(out, "{at:8x}:  {raw:08x}  {text}"),
        };
    }
}

/// The call target of a `bl` or `blr`, if it can be named.
fn call_note(
    inst: &Instruction,
    at: u32,
    bodies: &BTreeMap<u32, String>,
    regs: &[Known; 32],
) -> Option<String> {
    match (inst.opcode, inst.operands[0]) {
        (Opcode::BL, Operand::PCOffset(delta)) => {
            let target = i64::from(at) + delta;
            Some(
                match u32::try_from(target).ok().and_then(|t| bodies.get(&t)) {
                    Some(name) => format!("call {name}"),
                    None => format!("call {target:#x}"),
                },
            )
        }
        (Opcode::BLR, Operand::Register(_, r)) => match regs[r as usize & 31] {
            Known::Builtin(slot) => Some(match BuiltinFunction::ALL.get(slot as usize) {
                Some(f) => format!("libcall {f:?}"),
                None => format!("libcall slot {slot}"),
            }),
            _ => None,
        },
        _ => None,
    }
}

/// Update what is known about registers after `inst`: the two loads of a
/// libcall address set it; any other instruction forgets its destination.
/// Control flow is ignored, which is sound for the straight-line pattern
/// the compiler emits right before the call (a label between the loads
/// and the call would only lose the name, as every write clears it).
fn track(inst: &Instruction, regs: &mut [Known; 32]) {
    let builtins = VMOffsets::VMCTX_BUILTIN_FUNCTIONS as i32;
    let load = match (inst.opcode, inst.operands[0], inst.operands[1]) {
        (Opcode::LDR, Operand::Register(_, rt), Operand::RegPreIndex(rn, off, false)) => {
            Some((rt, rn, off))
        }
        _ => None,
    };
    match load {
        Some((rt, rn, off)) => {
            let rt = rt as usize & 31;
            regs[rt] = match regs[rn as usize & 31] {
                Known::Builtins if off >= 0 && off % 8 == 0 => Known::Builtin(off as u32 / 8),
                _ if off == builtins => Known::Builtins,
                _ => Known::Nothing,
            };
        }
        None => {
            if let Operand::Register(_, rd) | Operand::RegisterPair(_, rd) = inst.operands[0] {
                regs[rd as usize & 31] = Known::Nothing;
            }
            // Loads of pairs and calls write more than their first operand.
            if let Operand::Register(_, rd) = inst.operands[1] {
                if matches!(inst.opcode, Opcode::LDP | Opcode::LDPSW) {
                    regs[rd as usize & 31] = Known::Nothing;
                }
            }
            if matches!(inst.opcode, Opcode::BL | Opcode::BLR) {
                *regs = [Known::Nothing; 32];
            }
        }
    }
}
