//! wasm-smith modules (Wasm 2.0 features only) through
//! `basalt_compiler::compile` in both bounds-check modes, with and without
//! fuel and epoch instrumentation: the compiler must never panic, and every
//! module wasmparser accepts with the compiler's features must compile to an
//! artifact the runtime's reader accepts.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use basalt::artifact::{BoundsChecks, Settings};
use basalt_compiler::CompileOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(mut config) = wasm_smith::Config::arbitrary(&mut u) else {
        return;
    };
    basalt_fuzz::wasm2_config(&mut config);
    let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
        return;
    };
    let (fuel, epoch, spectre) = (
        u.arbitrary().unwrap_or(false),
        u.arbitrary().unwrap_or(false),
        u.arbitrary().unwrap_or(false),
    );
    let wasm = module.to_bytes();
    if let Err(e) = basalt_fuzz::valid_wasm2(&wasm) {
        panic!("the wasm-smith configuration left Wasm 2.0: {e}");
    }
    for bounds_checks in [BoundsChecks::Explicit, BoundsChecks::Guard] {
        let options = CompileOptions {
            settings: Settings {
                bounds_checks,
                fuel,
                epoch,
                spectre,
            },
            ..CompileOptions::default()
        };
        let artifact = basalt_compiler::compile(&wasm, &options)
            .unwrap_or_else(|e| panic!("valid module refused ({bounds_checks:?}): {e}"));
        if let Err(e) = basalt::artifact::read(&artifact) {
            panic!("the runtime refuses the compiler's artifact: {e}");
        }
    }
});
