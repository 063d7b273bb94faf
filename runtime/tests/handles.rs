//! Handles belong to the store that made them: using one with another store
//! is a typed error (or, where an API cannot fail, a clear panic), never a
//! dangling pointer. Runs on the host: no Wasm code is executed.

use basalt::{
    Engine, Error, ExternRef, Func, FuncType, Global, GlobalType, Memory, MemoryType, Store, Table,
    TableType, Val, ValType,
};
use basalt_platform::LoadOnly;

static PLATFORM: LoadOnly = LoadOnly;

fn arena(bytes: usize) -> &'static mut [u8] {
    Box::leak(vec![0u8; bytes].into_boxed_slice())
}

fn stores() -> (Store<()>, Store<()>) {
    let engine = Engine::new(&PLATFORM, arena(1 << 16));
    (
        Store::new(&engine, arena(4 << 20), ()),
        Store::new(&engine, arena(4 << 20), ()),
    )
}

#[test]
fn handles_refuse_a_foreign_store() {
    let (mut a, mut b) = stores();
    let ty = GlobalType {
        ty: ValType::I32,
        mutable: true,
    };
    let g = Global::new(&mut a, ty, Val::I32(7)).unwrap();
    assert_eq!(g.get(&a), Val::I32(7));
    assert_eq!(g.set(&mut b, Val::I32(8)), Err(Error::WrongStore));
    assert_eq!(g.get(&a), Val::I32(7));

    let m = Memory::new(
        &mut a,
        MemoryType {
            min_pages: 1,
            max_pages: Some(2),
        },
    )
    .unwrap();
    m.write(&mut a, 10, b"hi").unwrap();
    assert_eq!(m.write(&mut b, 10, b"no"), Err(Error::WrongStore));
    let mut buf = [0u8; 2];
    assert_eq!(m.read(&b, 10, &mut buf), Err(Error::WrongStore));
    m.read(&a, 10, &mut buf).unwrap();
    assert_eq!(&buf, b"hi");
    assert_eq!(m.grow(&mut b, 1), Err(Error::WrongStore));

    // A reference from store `a` cannot be stored into a table of store `b`.
    let r = ExternRef::new(&mut a, 42u32);
    let t = Table::new(
        &mut b,
        TableType {
            elem: ValType::ExternRef,
            min: 1,
            max: None,
        },
        Val::ExternRef(None),
    )
    .unwrap();
    assert!(t.set(&mut b, 0, Val::ExternRef(Some(r))).is_err());
    assert_eq!(t.get(&b, 0), Some(Val::ExternRef(None)));
    let own = ExternRef::new(&mut b, 7u32);
    t.set(&mut b, 0, Val::ExternRef(Some(own))).unwrap();
    assert_eq!(t.get(&b, 0), Some(Val::ExternRef(Some(own))));
    assert_eq!(own.data(&b).downcast_ref::<u32>(), Some(&7));
    assert_eq!(
        Global::new(
            &mut b,
            GlobalType {
                ty: ValType::ExternRef,
                mutable: false
            },
            Val::ExternRef(Some(r))
        ),
        Err(Error::WrongStore)
    );
}

#[test]
#[should_panic(expected = "store other than its own")]
fn infallible_accessors_panic_on_a_foreign_store() {
    let (mut a, b) = stores();
    let m = Memory::new(
        &mut a,
        MemoryType {
            min_pages: 1,
            max_pages: None,
        },
    )
    .unwrap();
    let _ = m.size(&b);
}

#[test]
fn a_foreign_funcref_argument_is_refused_before_the_call() {
    let (mut a, mut b) = stores();
    let foreign = Func::wrap(&mut a, || 1i32);
    let ty = FuncType {
        params: vec![ValType::FuncRef],
        results: vec![],
    };
    let takes_ref = Func::new(&mut b, ty, |_, _, _| Ok::<(), Error>(()));
    assert_eq!(
        takes_ref.call(&mut b, &[Val::FuncRef(Some(foreign))], &mut []),
        Err(Error::WrongStore)
    );
}

#[test]
fn a_host_function_no_module_could_call_stays_out_of_tables_and_globals() {
    let (mut a, _) = stores();
    let host = Func::wrap(&mut a, |x: i32| x + 1);
    let funcs = TableType {
        elem: ValType::FuncRef,
        min: 1,
        max: None,
    };
    let t = Table::new(&mut a, funcs, Val::FuncRef(None)).unwrap();
    // No instance in the store imports an `(i32) -> i32`, so no trampoline
    // exists through which Wasm could enter it.
    let val = Val::FuncRef(Some(host));
    assert_eq!(t.set(&mut a, 0, val), Err(Error::NotCallable));
    assert_eq!(t.grow(&mut a, 1, val), Err(Error::NotCallable));
    assert_eq!(t.size(&a), 1);
    assert_eq!(
        Table::new(&mut a, funcs, val).map(|_| ()),
        Err(Error::NotCallable)
    );
    let global = GlobalType {
        ty: ValType::FuncRef,
        mutable: true,
    };
    assert_eq!(
        Global::new(&mut a, global, val).map(|_| ()),
        Err(Error::NotCallable)
    );
    let g = Global::new(&mut a, global, Val::FuncRef(None)).unwrap();
    assert_eq!(g.set(&mut a, val), Err(Error::NotCallable));
}
