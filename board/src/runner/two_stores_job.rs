//! `two-stores <outer-artifact> <inner-artifact>`: a host function called
//! by Wasm of one store enters Wasm of a second store, one never entered
//! before, on the same stack.
//!
//! The memory arena is split between the two stores. The outer module
//! imports `host.inner` (`() -> i32`) and exports `run` (`() -> i32`); the
//! inner one exports `recurse` (endless recursion) and `value`
//! (`() -> i32`). `host.inner` calls `recurse`, which must trap with
//! `call stack exhausted` (the nested entry set the inner store's stack
//! limit, from the bottom of the stack the outer entry runs on), then
//! `value`, and returns `value + 1000` when the trap was the expected one.
//! The reply is `#0 ok i32:<run's result>`, or `#0 error <message>`.

use basalt::{Caller, Engine, Error, Instance, Linker, Module, Store, Trap};

const EXIT_FAILED: i32 = 1;
const EXIT_SCRIPT: i32 = 4;

/// The inner store and instance, the outer store's data.
struct Inner {
    store: Store<()>,
    instance: Instance,
}

/// Run the job on `arena` with `artifacts` named by `rest`.
pub fn run(engine: &Engine, arena: &'static mut [u8], artifacts: &[&[u8]], rest: &str) -> i32 {
    let picked: Option<[&[u8]; 2]> = (|| {
        let mut words = rest.split_whitespace();
        let mut next = || artifacts.get(words.next()?.parse::<usize>().ok()?).copied();
        Some([next()?, next()?])
    })();
    let Some([outer, inner]) = picked else {
        println!("script-error: two-stores needs two artifact indices");
        return EXIT_SCRIPT;
    };
    match nested(engine, arena, outer, inner) {
        Ok(v) => {
            println!("#0 ok i32:{:#x}", v as u32);
            0
        }
        Err(e) => {
            println!("#0 error {e}");
            EXIT_FAILED
        }
    }
}

fn nested(
    engine: &Engine,
    arena: &'static mut [u8],
    outer: &[u8],
    inner: &[u8],
) -> Result<i32, Error> {
    let (outer_arena, inner_arena) = arena.split_at_mut(arena.len() / 2);
    let inner_module = Module::new(engine, inner)?;
    let mut inner_store = Store::new(engine, inner_arena, ());
    let instance = Linker::new().instantiate(&mut inner_store, &inner_module)?;
    let mut store = Store::new(
        engine,
        outer_arena,
        Inner {
            store: inner_store,
            instance,
        },
    );
    let mut linker = Linker::new();
    linker.func_wrap(
        "host",
        "inner",
        |mut caller: Caller<'_, Inner>| -> Result<i32, Error> {
            let Inner { store, instance } = caller.data_mut();
            let recurse = instance.get_typed_func::<(), ()>(&mut *store, "recurse")?;
            let overflowed = matches!(
                recurse.call(&mut *store, ()),
                Err(Error::Trap(Trap::StackOverflow, _))
            );
            let value = instance.get_typed_func::<(), i32>(&mut *store, "value")?;
            Ok(value.call(&mut *store, ())? + if overflowed { 1000 } else { 0 })
        },
    );
    let outer_module = Module::new(engine, outer)?;
    let outer_instance = linker.instantiate(&mut store, &outer_module)?;
    let run = outer_instance.get_typed_func::<(), i32>(&mut store, "run")?;
    run.call(&mut store, ())
}
