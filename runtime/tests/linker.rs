//! The linker's name lookup: a later definition of a name replaces the
//! earlier one, names are `(module, name)` pairs, and an undefined name is
//! `None`. Runs on the host: no Wasm code is executed.

use basalt::{Engine, Extern, Global, GlobalType, Linker, Store, Val, ValType};
use basalt_platform::LoadOnly;

static PLATFORM: LoadOnly = LoadOnly;

fn arena(bytes: usize) -> &'static mut [u8] {
    Box::leak(vec![0u8; bytes].into_boxed_slice())
}

fn global(store: &mut Store<()>, value: i32) -> Global {
    let ty = GlobalType {
        ty: ValType::I32,
        mutable: false,
    };
    Global::new(store, ty, Val::I32(value)).unwrap()
}

fn value(store: &mut Store<()>, linker: &Linker<()>, module: &str, name: &str) -> Option<Val> {
    match linker.get(&mut *store, module, name)? {
        Extern::Global(g) => Some(g.get(&*store)),
        _ => panic!("{module}::{name} is not a global"),
    }
}

#[test]
fn later_definitions_replace_earlier_ones_by_module_and_name() {
    let engine = Engine::new(&PLATFORM, arena(1 << 16));
    let mut store = Store::new(&engine, arena(1 << 20), ());
    let (one, two, three) = (
        global(&mut store, 1),
        global(&mut store, 2),
        global(&mut store, 3),
    );
    let mut linker = Linker::new();
    linker.define("env", "x", one);
    linker.define("other", "x", two);
    linker.define("env", "y", two);
    assert_eq!(value(&mut store, &linker, "env", "x"), Some(Val::I32(1)));
    assert_eq!(value(&mut store, &linker, "other", "x"), Some(Val::I32(2)));
    linker.define("env", "x", three);
    assert_eq!(value(&mut store, &linker, "env", "x"), Some(Val::I32(3)));
    assert_eq!(value(&mut store, &linker, "other", "x"), Some(Val::I32(2)));
    assert_eq!(value(&mut store, &linker, "env", "y"), Some(Val::I32(2)));
    assert_eq!(value(&mut store, &linker, "env", "z"), None);
    assert_eq!(value(&mut store, &linker, "envx", ""), None);
}
