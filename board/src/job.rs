//! The job runner: load the artifact QEMU placed in RAM, instantiate it and
//! run the host's script against it, reporting one line per command.
//!
//! Payload: `u32` LE artifact length, the artifact, then a UTF-8 script.
//! Script lines (export names are hex-encoded so any name survives):
//! - `invoke <hex-name> [<type>:<hex-bits>]...` → `#<n> ok <type>:<hex>...`,
//!   `#<n> trap <code> <message>` or `#<n> error <message>`
//! - `layout` → `layout ok <facts>` or `layout mismatch <what> <actual> <expected>`
//! - `poke-code` → writes into the loaded code; W^X must make this fault.
//!
//! Exit status: 0 when the script ran to its end (traps included), 3 when
//! the artifact is refused or instantiation fails, 4 on a malformed script.

use crate::arena::Arenas;
use crate::VirtPlatform;
use alloc::vec::Vec;
use basalt::{Engine, Error, Instance, Module, Store, Val};

const EXIT_LOAD: i32 = 3;
const EXIT_SCRIPT: i32 = 4;

/// Run one job; the return value is the VM's exit status.
pub fn run(payload: &'static [u8], arenas: Arenas, platform: &'static VirtPlatform) -> i32 {
    let Some((artifact, script)) = split(payload) else {
        println!("script-error: payload shorter than its artifact length");
        return EXIT_SCRIPT;
    };
    let Ok(script) = core::str::from_utf8(script) else {
        println!("script-error: script is not UTF-8");
        return EXIT_SCRIPT;
    };
    let engine = Engine::new(platform, arenas.code);
    let module = match Module::new(&engine, artifact) {
        Ok(m) => m,
        Err(e) => {
            println!("load-error: {e}");
            return EXIT_LOAD;
        }
    };
    let mut store = Store::new(&engine, arenas.memory, ());
    let instance = match Instance::new(&mut store, &module) {
        Ok(i) => i,
        Err(e) => {
            println!("instantiate-error: {e}");
            return EXIT_LOAD;
        }
    };
    println!("loaded: {} bytes of code", module.code_range().len());
    for (n, line) in script.lines().enumerate() {
        let mut words = line.split_ascii_whitespace();
        match words.next() {
            Some("invoke") => invoke(n, &mut store, instance, words),
            Some("layout") => layout(),
            Some("poke-code") => poke_code(&module),
            None => {}
            Some(other) => {
                println!("script-error: unknown command {other:?}");
                return EXIT_SCRIPT;
            }
        }
    }
    0
}

fn split(payload: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_le_bytes(payload.get(..4)?.try_into().ok()?) as usize;
    let artifact = payload.get(4..4usize.checked_add(len)?)?;
    Some((artifact, &payload[4 + len..]))
}

fn parse_val(word: &str) -> Option<Val> {
    let (ty, bits) = word.split_once(':')?;
    let bits = u64::from_str_radix(bits.trim_start_matches("0x"), 16).ok()?;
    Some(match ty {
        "i32" => Val::I32(u32::try_from(bits).ok()? as i32),
        "i64" => Val::I64(bits as i64),
        "f32" => Val::F32(u32::try_from(bits).ok()?),
        "f64" => Val::F64(bits),
        _ => return None,
    })
}

fn hex_name(hex: &str) -> Option<alloc::string::String> {
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    alloc::string::String::from_utf8(bytes?).ok()
}

fn invoke<'a>(
    n: usize,
    store: &mut Store<()>,
    instance: Instance,
    mut words: impl Iterator<Item = &'a str>,
) {
    let Some(name) = words.next().and_then(hex_name) else {
        println!("#{n} error malformed export name");
        return;
    };
    let args: Option<Vec<Val>> = words.map(parse_val).collect();
    let Some(args) = args else {
        println!("#{n} error malformed argument");
        return;
    };
    let Some(func) = instance.get_func(store, &name) else {
        println!("#{n} error unknown export {name:?}");
        return;
    };
    let mut results: Vec<Val> = Vec::new();
    for &t in &func.ty(store).results {
        match Val::zero(t) {
            Some(v) => results.push(v),
            None => {
                println!("#{n} error result type {t} not supported by the host");
                return;
            }
        }
    }
    match func.call(store, &args, &mut results) {
        Ok(()) => {
            print!("#{n} ok");
            for r in &results {
                match r {
                    Val::I32(v) => print!(" i32:{:#x}", *v as u32),
                    Val::I64(v) => print!(" i64:{:#x}", *v as u64),
                    Val::F32(b) => print!(" f32:{b:#x}"),
                    Val::F64(b) => print!(" f64:{b:#x}"),
                }
            }
            println!();
        }
        Err(Error::Trap(t)) => println!("#{n} trap {} {}", t as u8, t),
        Err(e) => println!("#{n} error {e}"),
    }
}

fn layout() {
    let mut bad = 0;
    for f in basalt::vm::layout_mismatches() {
        println!("layout mismatch {} {} {}", f.what, f.actual, f.expected);
        bad += 1;
    }
    if bad == 0 {
        println!("layout ok {}", basalt::vm::LAYOUT_FACTS.len());
    }
}

fn poke_code(module: &Module) {
    let at = module.code_range().start as *mut u32;
    println!("poke-code: writing to {at:p}");
    // SAFETY: deliberately unsound if W^X were broken: the code is sealed
    // read-only, so this store must fault and the board reports the crash.
    unsafe { at.write_volatile(0) };
    println!("poke-code: write succeeded (W^X broken)");
}
