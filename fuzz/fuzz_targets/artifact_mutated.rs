//! Mutated valid artifacts with the checksum recomputed, so the mutations
//! reach the header fields behind the CRC, the postcard metadata and its
//! validation, the loader and instantiation (segments, tables, globals,
//! memories). The corpus starts from real artifacts (`run.sh` compiles the
//! examples and test modules); libFuzzer mutates them. Each input must be a
//! typed error or a clean load, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let mut bytes = bytes.to_vec();
    basalt_fuzz::fix_checksum(&mut bytes);
    basalt_fuzz::load_and_instantiate(&bytes);
});
