//! `lifecycle <artifact> <failing-artifact> <cycles>`: load, instantiate,
//! call and drop a module `cycles` times and show that nothing leaks.
//!
//! Each cycle loads artifact `<artifact>` into the code arena, makes a
//! store over the memory arena, instantiates it with `host.nop`, calls its
//! `run` export (which must return -1: the guest calls `host.nop`, grows
//! its memory once and then asks for more than the arena holds, so a
//! failed grow is part of every cycle), tries to instantiate
//! `<failing-artifact>` (which must fail, e.g. a memory larger than the
//! arena, after its guard reservation was taken), then drops the store,
//! takes its arena back and drops the module.
//!
//! With a fourth word `pool`, every cycle's store takes its instances'
//! memories from one `MemoryPool` of two 4-page slots made before the
//! cycles (carved from the front of the arena), so the slots' reservations,
//! translation tables and pages persist across cycles, and the slot
//! counts join the reply.
//!
//! One warm-up cycle runs first: it sizes the registries' vectors and
//! builds the page tables above the reservation window, which are kept
//! for later loads by design. The reply is `#0 ok` and, as `i64` values:
//! heap free bytes, code-arena free bytes and reserved address space, each
//! before the cycles and after them; the same three as they were with the
//! last cycle's instance alive (so a reader can see the measurement would
//! notice a leak); then the store's free arena bytes before and after the
//! failing instantiation and the bytes `run` took from it (one page: the
//! failed grow takes nothing), all from the last cycle; last, the pool's
//! free slots before the cycles, after them and with the last cycle's
//! instances alive (all 0 without a pool).

use basalt::{Engine, Error, Linker, MemoryPool, Module, PoolConfig, Store};

const EXIT_FAILED: i32 = 1;
const EXIT_SCRIPT: i32 = 4;

/// What the firmware holds, as the leak check compares it.
#[derive(Clone, Copy, Default)]
struct Usage {
    heap_free: usize,
    code_free: usize,
    reserved: usize,
}

fn usage(engine: &Engine) -> Usage {
    Usage {
        heap_free: basalt_board::heap::free_bytes(),
        code_free: engine.code_arena_available(),
        reserved: basalt_board::mmu::reserved_bytes(),
    }
}

/// What one cycle saw: usage with its instance alive, the store arena's
/// free bytes around the failing instantiation, and what `run` took.
#[derive(Clone, Copy, Default)]
struct Seen {
    live: Usage,
    arena_before_failure: usize,
    arena_after_failure: usize,
    run_took: usize,
    live_slots: usize,
}

/// The pool of `lifecycle ... pool`: two slots of four Wasm pages.
const POOL_SLOTS: u32 = 2;
const POOL_PAGES: u64 = 4;

/// Run the command line `rest` (after `lifecycle `).
pub fn run(engine: &Engine, arena: &'static mut [u8], artifacts: &[&[u8]], rest: &str) -> i32 {
    let mut words = rest.split_whitespace().map(|w| w.parse::<usize>().ok());
    let (Some(Some(good)), Some(Some(bad)), Some(Some(cycles))) =
        (words.next(), words.next(), words.next())
    else {
        println!("script-error: lifecycle needs two artifact indices and a count");
        return EXIT_SCRIPT;
    };
    let (Some(&good), Some(&bad)) = (artifacts.get(good), artifacts.get(bad)) else {
        println!("script-error: lifecycle: unknown artifact");
        return EXIT_SCRIPT;
    };
    let (pool, arena) = match words.next() {
        None => (None, arena),
        Some(_) => {
            let (backing, rest) =
                arena.split_at_mut(POOL_SLOTS as usize * POOL_PAGES as usize * 65536);
            let config = PoolConfig {
                slots: POOL_SLOTS,
                max_pages: POOL_PAGES,
                guard_memories: true,
            };
            match MemoryPool::new(engine, backing, config) {
                Ok(pool) => (Some(pool), rest),
                Err(e) => {
                    println!("#0 error pool: {e}");
                    return EXIT_FAILED;
                }
            }
        }
    };
    let free_slots = || pool.as_ref().map_or(0, MemoryPool::free_slots);
    let mut arena = Some(arena);
    let mut seen = Seen::default();
    let mut before = Usage::default();
    let mut slots_before = 0;
    for i in 0..=cycles {
        if i == 1 {
            before = usage(engine);
            slots_before = free_slots();
        }
        match cycle(
            engine,
            arena.take().expect("returned by every cycle"),
            good,
            bad,
            pool.as_ref(),
        ) {
            Ok((back, s)) => {
                arena = Some(back);
                seen = s;
            }
            Err(e) => {
                println!("#0 error cycle {i}: {e}");
                return EXIT_FAILED;
            }
        }
    }
    let after = usage(engine);
    let values = [
        before.heap_free,
        after.heap_free,
        before.code_free,
        after.code_free,
        before.reserved,
        after.reserved,
        seen.live.heap_free,
        seen.live.code_free,
        seen.live.reserved,
        seen.arena_before_failure,
        seen.arena_after_failure,
        seen.run_took,
        slots_before,
        free_slots(),
        seen.live_slots,
    ];
    print!("#0 ok");
    for v in values {
        print!(" i64:{:#x}", v as u64);
    }
    println!();
    0
}

/// One load–instantiate–call–drop; returns the arena and what it saw.
fn cycle(
    engine: &Engine,
    arena: &'static mut [u8],
    good: &[u8],
    bad: &[u8],
    pool: Option<&MemoryPool>,
) -> Result<(&'static mut [u8], Seen), Error> {
    let module = Module::new(engine, good)?;
    let failing = Module::new(engine, bad)?;
    let mut store = Store::new(engine, arena, ());
    if let Some(pool) = pool {
        store.set_memory_pool(pool.clone());
    }
    let mut linker = Linker::new();
    linker.func_wrap("host", "nop", || {});
    let instance = linker.instantiate(&mut store, &module)?;
    let run = instance.get_typed_func::<(), i32>(&mut store, "run")?;
    let before_run = store.arena_available();
    if run.call(&mut store, ())? != -1 {
        return Err(Error::Limits(
            "lifecycle: the guest's oversized grow succeeded",
        ));
    }
    let arena_before_failure = store.arena_available();
    if linker.instantiate(&mut store, &failing).is_ok() {
        return Err(Error::Limits(
            "lifecycle: the failing artifact instantiated",
        ));
    }
    let seen = Seen {
        live: usage(engine),
        arena_before_failure,
        arena_after_failure: store.arena_available(),
        run_took: before_run - arena_before_failure,
        live_slots: pool.map_or(0, MemoryPool::free_slots),
    };
    drop(failing);
    let arena = store.into_arena();
    drop(module);
    Ok((arena, seen))
}
