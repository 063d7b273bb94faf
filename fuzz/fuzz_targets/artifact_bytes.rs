//! Arbitrary bytes through the artifact reader, the loader and
//! instantiation: every input must come back as a typed error or a clean
//! load, never a panic. Almost nothing gets past the magic and the CRC here;
//! `artifact_mutated` covers what lies behind them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    basalt_fuzz::load_and_instantiate(bytes);
});
