//! A small but real program: it uses std's args, environment, clocks,
//! hashing (seeded from `random_get`), stdin and `process::exit`, so
//! running it exercises each of them in Basalt's WASI layer.
//!
//! Built by `tests/tests/wasi.rs` into `target/wasi-examples/`; run it
//! with `basalt run target/wasi-examples/wasm32-wasip1/release/wasi-rust.wasm
//! -- a b`. It prints a CRC-32 the tests recompute and exits with 42.

use std::collections::HashMap;
use std::io::Read;
use std::time::Instant;

/// CRC-32 (IEEE, reflected), bit by bit: the guest has real work to do.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    println!("argc = {}", args.len());
    for (i, a) in args.iter().enumerate().skip(1) {
        println!("argv[{i}] = {a}");
    }
    println!("env vars = {}", std::env::vars().count());

    let start = Instant::now();
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
    println!("crc32 = {:08x}", crc32(&data));
    let elapsed = start.elapsed();
    println!("clock moved = {}", elapsed.as_nanos() > 0);

    // A HashMap's RandomState asks random_get for its keys.
    let mut words: HashMap<&str, usize> = HashMap::new();
    for w in "the quick brown fox jumps over the lazy dog the end".split(' ') {
        *words.entry(w).or_default() += 1;
    }
    println!("\"the\" appears {} times", words["the"]);

    let mut input = String::new();
    let read = std::io::stdin().read_to_string(&mut input);
    println!("stdin bytes = {}", read.map_or(-1, |n| n as i64));

    eprintln!("exiting with 42");
    std::process::exit(42);
}
