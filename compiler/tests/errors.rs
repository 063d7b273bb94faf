//! Errors that say what happened: a module used with another engine's
//! store is `WrongEngine`, a missing export is `UnknownExport`. Runs on the
//! host (instantiation without a start function executes no Wasm code).

use basalt::{Engine, Error, Linker, Module, Store};
use basalt_compiler::{compile, CompileOptions};
use basalt_platform::LoadOnly;

static HOST: LoadOnly = LoadOnly;

fn engine() -> Engine {
    Engine::new(&HOST, Box::leak(vec![0u8; 1 << 20].into_boxed_slice()))
}

fn store(engine: &Engine) -> Store<()> {
    Store::new(engine, Box::leak(vec![0u8; 1 << 20].into_boxed_slice()), ())
}

const WAT: &str = r#"(module (func (export "f") (result i32) i32.const 7))"#;

#[test]
fn wrong_engine_and_unknown_export_are_named() {
    let wasm = wat::parse_str(WAT).unwrap();
    let artifact = compile(&wasm, &CompileOptions::default()).expect("compiles");
    let (a, b) = (engine(), engine());
    let module = Module::new(&a, &artifact).expect("loads");

    let mut foreign = store(&b);
    let err = Linker::new().instantiate(&mut foreign, &module).err();
    assert_eq!(err, Some(Error::WrongEngine));

    let mut own = store(&a);
    let instance = Linker::new()
        .instantiate(&mut own, &module)
        .expect("instantiates");
    let err = instance.get_typed_func::<(), i32>(&mut own, "g").err();
    assert_eq!(err, Some(Error::UnknownExport("g".into())));
    assert!(instance.get_typed_func::<(), i32>(&mut own, "f").is_ok());
}
