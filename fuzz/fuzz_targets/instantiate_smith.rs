//! wasm-smith modules (Wasm 2.0, no imports) compiled in explicit
//! bounds-check mode, then loaded and instantiated on the host through
//! `basalt_platform::LoadOnly`: memories, tables, globals, element and data
//! segments are set up exactly as on a board without an MMU. Off aarch64
//! the runtime cannot run code, so a start function or call ends in a trap
//! after the runtime's argument checks; what this covers is loading,
//! validation, instantiation and those checks, not the generated code
//! (`tests/tests/differential.rs` runs that on the board).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use basalt_fuzz::Loaded;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(mut config) = wasm_smith::Config::arbitrary(&mut u) else {
        return;
    };
    basalt_fuzz::wasm2_config(&mut config);
    config.max_imports = 0;
    config.min_imports = 0;
    // The host store arena is 16 MiB: keep memories (and their reserve) well inside it.
    config.max_memory32_bytes = config.max_memory32_bytes.min(1 << 20);
    config.max_table_elements = config.max_table_elements.min(10_000);
    let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
        return;
    };
    let wasm = module.to_bytes();
    let artifact = basalt_compiler::compile(&wasm, &Default::default())
        .unwrap_or_else(|e| panic!("valid module refused: {e}"));
    match basalt_fuzz::load_and_instantiate(&artifact) {
        Loaded::Refused(e) => panic!("the runtime refuses the compiler's artifact: {e}"),
        // Instantiation may fail cleanly: a segment out of bounds or a
        // start function (which cannot run on the host) is a typed error.
        Loaded::Instantiated(_) => {}
    }
});
