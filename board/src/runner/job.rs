//! The job runner: load the artifacts QEMU placed in RAM and run the host's
//! script against them, one reply line per command.
//!
//! Payload: a postcard-encoded `basalt_protocol::Payload`: the artifacts,
//! the trusted public keys (with any, the engine loads only artifacts
//! signed by one of them, in every job kind below) and a UTF-8 script. Its
//! lines are numbered from 0; each reply to line `n` starts with `#n ` and
//! is `ok [values]`, `trap <code> <message>` or `error <message>`.
//! - `instantiate <artifact> <instance-id>`; `instantiate!` additionally
//!   prints `load-error: ...` and exits 3 when it fails.
//! - `register <hex-name> <instance-id>`: exports become importable as `name`.
//! - `invoke <instance-id> <hex-name> [values]` and `get <instance-id> <hex-name>`.
//! - `option memory-pool <slots> <pages>` (anywhere, for the whole job):
//!   instances' memories come from a `MemoryPool` of `<slots>` slots of
//!   `<pages>` Wasm pages, carved from the front of the memory arena.
//! - `new-store`: drop the store (and so its instances, returning their
//!   pool slots) and continue in a fresh one over the same arena, with a
//!   fresh linker; instance ids are forgotten.
//! - `pool-free`: the pool's free slots, as an `i64`.
//! - `layout` (check the `VMContext` layout), `poke-code <instance-id>`
//!   (write into sealed code: W^X must make this fault).
//! - `profile-start <period-us>`: sample guest code from the sampling
//!   timer; `profile-report`: stop, then one `#n profile <count> <hex
//!   folded stack>` line per stack and `#n profile-dropped <count>`.
//!
//! Values: `i32:<hex>`, `i64:<hex>`, `f32:<hex bits>`, `f64:<hex bits>`,
//! `v128:<hex, lane 0 least significant>`, `funcref:null`, `funcref:<hex>`,
//! `externref:null`, `externref:<hex n>`.
//! The `spectest` module of the Wasm spec tests is always defined, and a
//! `host` module for tests of host calls: `host.fail` traps with
//! `host function failed`; `host.reenter` calls the calling instance's
//! export `reentered` and passes its trap on; `host.mix` (`i32 i64 f32
//! f64 -> f64 f32 i64 i32`: `d * 2, c * 2, b * 3, a + 1`), `host.unsigned`
//! (`u32 u64 -> u64`: the sum) and `host.not128` (`v128 -> v128`: bitwise
//! not) exercise typed host functions.
//!
//! A script starting with `lifecycle` is the leak check of
//! `lifecycle_job.rs` instead, one starting with `two-stores` the nested
//! entry into a second store of `two_stores_job.rs`.
//!
//! Exit status (`basalt_protocol::exit`): `OK` when the script ran to its
//! end (traps included), `LOAD` when a required instantiation fails,
//! `SCRIPT` on a malformed script.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use basalt::artifact::PublicKey;
use basalt::profile::Profiler;
use basalt::{
    Caller, Engine, Error, ExternRef, Func, Global, GlobalType, Instance, Linker, Memory,
    MemoryPool, MemoryType, Module, PoolConfig, Store, StoreConfig, Table, TableType, Trap, Val,
    ValType, WasmBacktrace,
};
use basalt_board::arena::Arenas;
use basalt_board::BoardPlatform;
use basalt_platform::Platform;

use basalt_protocol::exit::{LOAD as EXIT_LOAD, SCRIPT as EXIT_SCRIPT};
use basalt_protocol::hex;
use basalt_protocol::Payload;

/// Store data: one `ExternRef` per host value `n` the script mentions.
#[derive(Default)]
struct Host {
    externs: BTreeMap<u32, ExternRef>,
}

struct Runner<'a> {
    engine: Engine,
    store: Store<Host>,
    config: StoreConfig,
    pool: Option<MemoryPool>,
    linker: Linker<Host>,
    artifacts: Vec<&'a [u8]>,
    modules: BTreeMap<usize, Module>,
    instances: BTreeMap<u32, Instance>,
    profiler: Option<Profiler>,
}

/// Run one job; the return value is the VM's exit status.
pub fn run(payload: Payload<'static>, arenas: Arenas, platform: &'static BoardPlatform) -> i32 {
    let Payload {
        artifacts,
        trusted,
        script,
    } = payload;
    let Ok(trusted) = trusted
        .iter()
        .map(PublicKey::from_bytes)
        .collect::<Result<Vec<_>, _>>()
    else {
        println!("script-error: malformed trusted key");
        return EXIT_SCRIPT;
    };
    #[cfg(feature = "bench")]
    let arenas = Arenas {
        code: bench::wasmtime_peer::split_code_arena(arenas.code),
        ..arenas
    };
    let engine = Engine::with_trusted_keys(platform, arenas.code, &trusted);
    if let Some(n) = script.strip_prefix("bundled-fib ") {
        // The bundled example runs alone: it takes the memory arena.
        return match n
            .trim()
            .parse()
            .map_err(|_| Error::TypeMismatch("fib argument"))
            .and_then(|n| crate::runner::bundled::fib(&engine, arenas.memory, n))
        {
            Ok((v, code)) => {
                let text = basalt_board::arena::text_range();
                println!("#0 ok i32:{v:#x}");
                println!(
                    "bundled: code at {code:#x}, in the firmware image: {}",
                    text.contains(&code)
                );
                0
            }
            Err(e) => {
                println!("#0 error {e}");
                1
            }
        };
    }
    if let Some(rest) = script.strip_prefix("example-embedding ") {
        return example(&engine, arenas.memory, &artifacts, rest);
    }
    if let Some(rest) = script.strip_prefix("wasi-run ") {
        return wasi_job::run(&engine, arenas.memory, &artifacts, rest);
    }
    if let Some(rest) = script.strip_prefix("lifecycle ") {
        return lifecycle_job::run(&engine, arenas.memory, &artifacts, rest);
    }
    if let Some(rest) = script.strip_prefix("two-stores ") {
        return two_stores_job::run(&engine, arenas.memory, &artifacts, rest);
    }
    let config = StoreConfig {
        // `option contiguous-memories` anywhere in the script: no guard pages,
        // as on a board without an MMU (explicit-mode code only).
        guard_memories: !script.lines().any(|l| l == "option contiguous-memories"),
        ..StoreConfig::default()
    };
    let (pool, arena) = match memory_pool(&engine, script, arenas.memory) {
        Ok(split) => split,
        Err(e) => {
            println!("script-error: memory-pool: {e}");
            return EXIT_SCRIPT;
        }
    };
    let mut store = Store::with_config(&engine, arena, Host::default(), config);
    if let Some(pool) = &pool {
        store.set_memory_pool(pool.clone());
    }
    let mut linker = Linker::new();
    if let Err(e) = define_spectest(&mut store, &mut linker) {
        println!("script-error: spectest: {e}");
        return EXIT_SCRIPT;
    }
    let mut r = Runner {
        engine,
        store,
        config,
        pool,
        linker,
        artifacts,
        modules: BTreeMap::new(),
        instances: BTreeMap::new(),
        profiler: None,
    };
    for (n, line) in script.lines().enumerate() {
        // Single spaces separate fields; an empty export name is an empty field.
        let mut words = line.split(' ');
        let reply = match words.next() {
            None => continue,
            Some(cmd @ ("instantiate" | "instantiate!")) => {
                let reply = r.instantiate(&mut words);
                if cmd == "instantiate!" {
                    match &reply {
                        Err(Reply::Error(e)) => println!("load-error: {e}"),
                        Err(Reply::Trap(_, e, _)) => println!("load-error: wasm trap: {e}"),
                        Ok(_) => {}
                    }
                    if reply.is_err() {
                        return EXIT_LOAD;
                    }
                }
                reply
            }
            Some("register") => r.register(&mut words),
            Some("option") => continue,
            Some("new-store") => r.new_store(),
            Some("pool-free") => r
                .pool
                .as_ref()
                .map(|p| alloc::vec![Val::I64(p.free_slots() as i64)])
                .ok_or_else(|| bad("no memory pool")),
            Some("fuel") => number64(&mut words).map(|n| {
                r.store.set_fuel(n);
                Vec::new()
            }),
            Some("ticks") => Ok(alloc::vec![Val::I64(platform.ticks() as i64)]),
            // Counter values of the last trap and of the epoch tick before it.
            Some("last-tick-and-trap") => {
                let tick = basalt_board::probes::TICK_BEFORE_TRAP
                    .load(core::sync::atomic::Ordering::Relaxed);
                let trap =
                    basalt_board::probes::LAST_TRAP_AT.load(core::sync::atomic::Ordering::Relaxed);
                Ok(alloc::vec![Val::I64(tick as i64), Val::I64(trap as i64)])
            }
            Some("get-fuel") => Ok(alloc::vec![Val::I64(r.store.get_fuel() as i64)]),
            Some("epoch-deadline") => number64(&mut words).map(|n| {
                r.store.set_epoch_deadline(n);
                Vec::new()
            }),
            Some("epoch-timer") => number64(&mut words).and_then(|us| {
                let period = (platform.tick_hz() * us / 1_000_000).max(1);
                r.engine.start_epoch_timer(period).map_err(Reply::from)?;
                Ok(Vec::new())
            }),
            Some("invoke") => r.invoke(&mut words),
            Some("profile-start") => number64(&mut words).and_then(|us| {
                let period = (platform.tick_hz() * us / 1_000_000).max(1);
                r.start_profile(period)
            }),
            Some("profile-report") => r.profile_report(n),
            Some("get") => r.get(&mut words),
            Some("layout") => {
                layout();
                continue;
            }
            Some("poke-code") => {
                r.poke_code(&mut words);
                continue;
            }
            #[cfg(feature = "bench")]
            Some(cmd) if cmd.starts_with("bench-") => {
                bench::command(&mut r, cmd, &mut words, platform)
            }
            Some(other) => {
                println!("script-error: unknown command {other:?}");
                return EXIT_SCRIPT;
            }
        };
        match reply {
            Ok(vals) => {
                print!("#{n} ok");
                for v in &vals {
                    print!(" ");
                    print_val(&r.store, v);
                }
                println!();
            }
            Err(Reply::Trap(code, msg, backtrace)) => {
                println!("#{n} trap {code} {msg}");
                print_backtrace(&alloc::format!("#{n} "), &backtrace);
            }
            Err(Reply::Error(msg)) => println!("#{n} error {msg}"),
        }
    }
    0
}

/// `example-embedding <artifact>`: run `examples/embedding/embed.rs`, the
/// firmware-style embedding example, on that artifact (alone in the script).
fn example(engine: &Engine, arena: &'static mut [u8], artifacts: &[&[u8]], rest: &str) -> i32 {
    let Some(artifact) = rest
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|i| artifacts.get(i))
    else {
        println!("script-error: example-embedding needs an artifact index");
        return EXIT_SCRIPT;
    };
    struct Out;
    impl core::fmt::Write for Out {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            print!("{s}");
            Ok(())
        }
    }
    match embedding::run(engine, arena, artifact, &mut Out) {
        Ok(()) => 0,
        Err(e) => {
            println!("example error: {e}");
            1
        }
    }
}

#[path = "../../../examples/embedding/embed.rs"]
mod embedding;

#[path = "wasi_job.rs"]
mod wasi_job;

#[path = "lifecycle_job.rs"]
mod lifecycle_job;

#[path = "two_stores_job.rs"]
mod two_stores_job;

#[cfg(feature = "bench")]
#[path = "bench.rs"]
mod bench;

/// A failed command: a trap (code, message, backtrace) or an error message.
enum Reply {
    Trap(u8, String, WasmBacktrace),
    Error(String),
}

impl From<Error> for Reply {
    fn from(e: Error) -> Self {
        match e {
            Error::Trap(t, backtrace) => Reply::Trap(t as u8, alloc::format!("{t}"), backtrace),
            e => Reply::Error(alloc::format!("{e}")),
        }
    }
}

/// One `<prefix>frame ...` line per frame of `backtrace` (see the module
/// docs), then `<prefix>frames-truncated` if it is.
pub fn print_backtrace(prefix: &str, backtrace: &WasmBacktrace) {
    let hex_or_dash = |s: Option<&str>| match s {
        Some(s) => hex::encode(s.as_bytes()),
        None => String::from("-"),
    };
    for frame in backtrace.frames() {
        let offset = match frame.module_offset {
            Some(o) => alloc::format!("{o:x}"),
            None => String::from("-"),
        };
        println!(
            "{prefix}frame {} {offset} {} {}",
            frame.func_index,
            hex_or_dash(frame.module_name.as_deref()),
            hex_or_dash(frame.func_name.as_deref()),
        );
    }
    if backtrace.truncated() {
        println!("{prefix}frames-truncated");
    }
}

/// Words of the profiler's sample buffer: 64 Ki samples of the usual
/// depth, 512 KiB of the 32 MiB heap, taken once per job.
const PROFILE_WORDS: usize = 1 << 16;

fn bad(what: &str) -> Reply {
    Reply::Error(String::from(what))
}

fn hex_name(word: &str) -> Option<String> {
    hex::decode_str(word)
}

fn number<'w>(words: &mut impl Iterator<Item = &'w str>) -> Result<u32, Reply> {
    words
        .next()
        .and_then(|w| w.parse().ok())
        .ok_or_else(|| bad("malformed number"))
}

fn number64<'w>(words: &mut impl Iterator<Item = &'w str>) -> Result<u64, Reply> {
    words
        .next()
        .and_then(|w| w.parse().ok())
        .ok_or_else(|| bad("malformed number"))
}

impl Runner<'_> {
    fn instance<'w>(&self, words: &mut impl Iterator<Item = &'w str>) -> Result<Instance, Reply> {
        let id = number(words)?;
        self.instances
            .get(&id)
            .copied()
            .ok_or_else(|| bad("unknown instance"))
    }

    /// `new-store`: the old store and its instances go, their pool slots
    /// back to the pool; the next commands run in a fresh store.
    fn new_store(&mut self) -> Result<Vec<Val>, Reply> {
        // An empty placeholder while the old store hands its arena back.
        let empty = Store::with_config(&self.engine, &mut [], Host::default(), self.config);
        let arena = core::mem::replace(&mut self.store, empty).into_arena();
        self.instances.clear();
        self.store = Store::with_config(&self.engine, arena, Host::default(), self.config);
        if let Some(pool) = &self.pool {
            self.store.set_memory_pool(pool.clone());
        }
        self.linker = Linker::new();
        define_spectest(&mut self.store, &mut self.linker)?;
        Ok(Vec::new())
    }

    fn instantiate<'w>(
        &mut self,
        words: &mut impl Iterator<Item = &'w str>,
    ) -> Result<Vec<Val>, Reply> {
        let artifact = number(words)? as usize;
        let id = number(words)?;
        let bytes = *self
            .artifacts
            .get(artifact)
            .ok_or_else(|| bad("unknown artifact"))?;
        let module = match self.modules.get(&artifact) {
            Some(m) => m.clone(),
            None => {
                let m = Module::new(&self.engine, bytes)?;
                self.modules.insert(artifact, m.clone());
                m
            }
        };
        let instance = self.linker.instantiate(&mut self.store, &module)?;
        self.instances.insert(id, instance);
        Ok(Vec::new())
    }

    fn register<'w>(
        &mut self,
        words: &mut impl Iterator<Item = &'w str>,
    ) -> Result<Vec<Val>, Reply> {
        let name = words
            .next()
            .and_then(hex_name)
            .ok_or_else(|| bad("malformed name"))?;
        let instance = self.instance(words)?;
        self.linker.instance(&self.store, &name, instance);
        Ok(Vec::new())
    }

    fn invoke<'w>(&mut self, words: &mut impl Iterator<Item = &'w str>) -> Result<Vec<Val>, Reply> {
        let instance = self.instance(words)?;
        let name = words
            .next()
            .and_then(hex_name)
            .ok_or_else(|| bad("malformed export name"))?;
        let mut args = Vec::new();
        for w in words {
            args.push(self.parse_val(w).ok_or_else(|| bad("malformed argument"))?);
        }
        let func = instance
            .get_func(&mut self.store, &name)
            .ok_or_else(|| Reply::Error(alloc::format!("unknown export {name:?}")))?;
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = Vec::new();
        for &t in &ty.results {
            results.push(Val::zero(t));
        }
        func.call(&mut self.store, &args, &mut results)?;
        Ok(results)
    }

    fn start_profile(&mut self, period: u64) -> Result<Vec<Val>, Reply> {
        if self.profiler.is_some() {
            return Err(bad("profiler already running"));
        }
        let buffer = alloc::vec![0usize; PROFILE_WORDS].leak();
        self.profiler = Some(Profiler::start(&self.engine, buffer, period)?);
        Ok(Vec::new())
    }

    /// Stop the profiler and print its stacks (before the `ok` reply).
    fn profile_report(&mut self, n: usize) -> Result<Vec<Val>, Reply> {
        let profiler = self
            .profiler
            .take()
            .ok_or_else(|| bad("no profiler running"))?;
        let (profile, _) = profiler.finish();
        for (stack, count) in profile.stacks() {
            println!(
                "#{n} profile {count} {}",
                hex::encode(stack.join(";").as_bytes())
            );
        }
        println!("#{n} profile-dropped {}", profile.dropped());
        Ok(Vec::new())
    }

    fn get<'w>(&mut self, words: &mut impl Iterator<Item = &'w str>) -> Result<Vec<Val>, Reply> {
        let instance = self.instance(words)?;
        let name = words
            .next()
            .and_then(hex_name)
            .ok_or_else(|| bad("malformed export name"))?;
        let global = instance
            .get_global(&mut self.store, &name)
            .ok_or_else(|| Reply::Error(alloc::format!("unknown global {name:?}")))?;
        Ok(alloc::vec![global.get(&self.store)])
    }

    fn parse_val(&mut self, word: &str) -> Option<Val> {
        let (ty, bits) = word.split_once(':')?;
        if bits == "null" {
            return match ty {
                "funcref" => Some(Val::FuncRef(None)),
                "externref" => Some(Val::ExternRef(None)),
                _ => None,
            };
        }
        if ty == "v128" {
            let bits = u128::from_str_radix(bits.trim_start_matches("0x"), 16).ok()?;
            return Some(Val::V128(bits));
        }
        let bits = u64::from_str_radix(bits.trim_start_matches("0x"), 16).ok()?;
        Some(match ty {
            "i32" => Val::I32(u32::try_from(bits).ok()? as i32),
            "i64" => Val::I64(bits as i64),
            "f32" => Val::F32(u32::try_from(bits).ok()?),
            "f64" => Val::F64(bits),
            "externref" => {
                let n = u32::try_from(bits).ok()?;
                let existing = self.store.data().externs.get(&n).copied();
                let r = existing.unwrap_or_else(|| {
                    let r = ExternRef::new(&mut self.store, n);
                    self.store.data_mut().externs.insert(n, r);
                    r
                });
                Val::ExternRef(Some(r))
            }
            _ => return None,
        })
    }

    fn poke_code<'w>(&mut self, words: &mut impl Iterator<Item = &'w str>) {
        let Ok(instance) = self.instance(words) else {
            println!("poke-code: unknown instance");
            return;
        };
        let at = instance.module(&self.store).code_range().start as *mut u32;
        println!("poke-code: writing to {at:p}");
        // SAFETY: deliberately unsound if W^X were broken: the code is sealed
        // read-only, so this store must fault and the board reports the crash.
        unsafe { at.write_volatile(0) };
        println!("poke-code: write succeeded (W^X broken)");
    }
}

fn print_val(store: &Store<Host>, v: &Val) {
    match v {
        Val::I32(v) => print!("i32:{:#x}", *v as u32),
        Val::I64(v) => print!("i64:{:#x}", *v as u64),
        Val::F32(b) => print!("f32:{b:#x}"),
        Val::F64(b) => print!("f64:{b:#x}"),
        Val::V128(b) => print!("v128:{b:#x}"),
        Val::FuncRef(None) => print!("funcref:null"),
        Val::FuncRef(Some(f)) => print!("funcref:{:#x}", f as *const Func as usize),
        Val::ExternRef(None) => print!("externref:null"),
        Val::ExternRef(Some(r)) => match r.data(store).downcast_ref::<u32>() {
            Some(n) => print!("externref:{n:#x}"),
            None => print!("externref:?"),
        },
    }
}

/// The `spectest` host module the Wasm spec tests import from, and the
/// `host` module of host-call tests.
/// The job's memory pool, if its script asks for one (`option memory-pool
/// <slots> <pages>`), carved from the front of `arena`; the rest of
/// `arena` for the store.
fn memory_pool(
    engine: &Engine,
    script: &str,
    arena: &'static mut [u8],
) -> Result<(Option<MemoryPool>, &'static mut [u8]), Error> {
    let option = script
        .lines()
        .find_map(|l| l.strip_prefix("option memory-pool "));
    let Some(option) = option else {
        return Ok((None, arena));
    };
    let mut words = option.split(' ').map(str::parse::<u32>);
    let (Some(Ok(slots)), Some(Ok(pages))) = (words.next(), words.next()) else {
        return Err(Error::Limits("expected a slot count and pages per slot"));
    };
    let bytes = (slots as usize)
        .checked_mul(pages as usize * 65536)
        .filter(|&b| b <= arena.len())
        .ok_or(Error::Limits("the pool is larger than the memory arena"))?;
    let (backing, rest) = arena.split_at_mut(bytes);
    let config = PoolConfig {
        slots,
        max_pages: pages.into(),
        guard_memories: !script.lines().any(|l| l == "option contiguous-memories"),
    };
    Ok((Some(MemoryPool::new(engine, backing, config)?), rest))
}

fn define_spectest(store: &mut Store<Host>, linker: &mut Linker<Host>) -> Result<(), Error> {
    linker.func_wrap("host", "fail", || -> Result<(), Trap> {
        Err(Trap::HostError)
    });
    linker.func_wrap(
        "host",
        "reenter",
        |mut caller: Caller<'_, Host>| -> Result<(), Error> {
            let f = caller
                .get_export("reentered")
                .and_then(|e| e.into_func())
                .ok_or_else(|| Error::UnknownExport("reentered".into()))?;
            f.call(&mut caller, &[], &mut [])
        },
    );
    // Every typed value kind through the typed host entry, results reordered
    // and changed so a slot read or written in the wrong place shows.
    linker.func_wrap("host", "mix", |a: i32, b: i64, c: f32, d: f64| {
        (d * 2.0, c * 2.0, b.wrapping_mul(3), a.wrapping_add(1))
    });
    linker.func_wrap("host", "unsigned", |a: u32, b: u64| u64::from(a) + b);
    linker.func_wrap("host", "not128", |v: u128| !v);
    linker.func_wrap("spectest", "print", || println!("spectest: print"));
    linker.func_wrap("spectest", "print_i32", |v: i32| {
        println!("spectest: print_i32 {v}")
    });
    linker.func_wrap("spectest", "print_i64", |v: i64| {
        println!("spectest: print_i64 {v}")
    });
    linker.func_wrap("spectest", "print_f32", |v: f32| {
        println!("spectest: print_f32 {v}")
    });
    linker.func_wrap("spectest", "print_f64", |v: f64| {
        println!("spectest: print_f64 {v}")
    });
    linker.func_wrap("spectest", "print_i32_f32", |a: i32, b: f32| {
        println!("spectest: print_i32_f32 {a} {b}")
    });
    linker.func_wrap("spectest", "print_f64_f64", |a: f64, b: f64| {
        println!("spectest: print_f64_f64 {a} {b}")
    });
    let immutable = |ty| GlobalType { ty, mutable: false };
    let globals = [
        (
            "global_i32",
            Global::new(&mut *store, immutable(ValType::I32), Val::I32(666))?,
        ),
        (
            "global_i64",
            Global::new(&mut *store, immutable(ValType::I64), Val::I64(666))?,
        ),
        (
            "global_f32",
            Global::new(
                &mut *store,
                immutable(ValType::F32),
                Val::F32(666.6f32.to_bits()),
            )?,
        ),
        (
            "global_f64",
            Global::new(
                &mut *store,
                immutable(ValType::F64),
                Val::F64(666.6f64.to_bits()),
            )?,
        ),
    ];
    for (name, g) in globals {
        linker.define("spectest", name, g);
    }
    let table = Table::new(
        &mut *store,
        TableType {
            elem: ValType::FuncRef,
            min: 10,
            max: Some(20),
        },
        Val::FuncRef(None),
    )?;
    linker.define("spectest", "table", table);
    let memory = Memory::new(
        &mut *store,
        MemoryType {
            min_pages: 1,
            max_pages: Some(2),
        },
    )?;
    linker.define("spectest", "memory", memory);
    Ok(())
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
