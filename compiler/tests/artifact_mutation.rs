//! Deterministic artifact mutation: bit flips over real artifacts with the
//! CRC-32 recomputed, so every flip reaches the header fields behind the
//! checksum, the postcard metadata, its validation, the loader and
//! instantiation. Each load must be a typed error or a clean load, never a
//! panic. (The fuzz target `artifact_mutated` does the same unguided by a
//! seed and for as long as it is given; this is the fixed slice of it that
//! runs with every `cargo test`.)
//!
//! Runs on the host: off aarch64 the runtime never executes the code blob
//! (a start function or call returns a trap before jumping into it), so
//! everything up to running code is covered.

use basalt::artifact::{self, ArtifactError};
use basalt::{Engine, Error, Linker, Module, Store, StoreConfig};
use basalt_compiler::{compile, BoundsChecks, CompileOptions};
use basalt_platform::LoadOnly;
use std::panic::{catch_unwind, AssertUnwindSafe};

static HOST: LoadOnly = LoadOnly;

fn artifacts() -> Vec<(String, Vec<u8>)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut sources: Vec<(String, String)> = ["fib", "memsum", "dot"]
        .iter()
        .map(|name| {
            let path = format!("{root}/examples/{name}.wat");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            (name.to_string(), text)
        })
        .collect();
    // The fuzz targets' own seeds: every kind of metadata, and a module
    // that instantiates without imports.
    for name in ["segments", "plain"] {
        let path = format!("{root}/fuzz/seeds/{name}.wat");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        sources.push((name.to_string(), text));
    }
    let guard = CompileOptions {
        settings: artifact::Settings {
            bounds_checks: BoundsChecks::Guard,
            fuel: true,
            epoch: true,
            spectre: true,
        },
        ..CompileOptions::default()
    };
    let mut out = Vec::new();
    for (name, text) in sources {
        for (mode, options) in [
            ("explicit", CompileOptions::default()),
            ("guard", guard.clone()),
        ] {
            let bytes = compile(text.as_bytes(), &options)
                .unwrap_or_else(|e| panic!("{name} ({mode}): {e}"));
            out.push((format!("{name} ({mode})"), bytes));
        }
    }
    out
}

/// xorshift64*: a fixed, dependency-free sequence, so a failure names a
/// mutation that reproduces on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Store the CRC-32 `basalt::artifact` expects (bytes 0..60 and 64..end).
fn fix_checksum(bytes: &mut [u8]) {
    let mut h = crc32fast::Hasher::new();
    h.update(&bytes[..60]);
    h.update(&bytes[64..]);
    let crc = h.finalize();
    bytes[60..64].copy_from_slice(&crc.to_le_bytes());
}

#[derive(Default, Debug)]
struct Tally {
    refused_by_reader: usize,
    refused_by_loader: usize,
    instantiate_failed: usize,
    instantiated: usize,
}

/// Load `bytes` like firmware would (read, load, instantiate against an
/// empty linker or one providing `env.f`/`env.g`), recording the outcome.
fn load(engine: &Engine, arena: StoreArena, bytes: &[u8], tally: &mut Tally) {
    let read = artifact::read(bytes);
    if let Err(e) = &read {
        assert!(
            !matches!(e, ArtifactError::Checksum { .. }),
            "the checksum fix-up failed"
        );
    }
    let module = match Module::new(engine, bytes) {
        Ok(m) => {
            assert!(read.is_ok(), "the loader accepted what the reader refused");
            m
        }
        // CPU features and a stack guard for guard-mode code are the
        // loader's checks (it knows the core and the platform).
        Err(Error::Artifact(
            ArtifactError::CpuFeatures { .. } | ArtifactError::BoundsChecksUnsupported,
        )) => {
            assert!(
                read.is_ok(),
                "the reader refused it, the loader blamed the CPU or platform"
            );
            tally.refused_by_loader += 1;
            return;
        }
        Err(Error::Artifact(_)) => {
            assert!(read.is_err(), "the loader refused what the reader accepted");
            tally.refused_by_reader += 1;
            return;
        }
        Err(_) => {
            tally.refused_by_loader += 1;
            return;
        }
    };
    let mut store = Store::with_config(
        engine,
        arena.take(),
        (),
        StoreConfig {
            guard_memories: false,
            ..StoreConfig::default()
        },
    );
    let mut linker = Linker::new();
    linker.func_wrap("env", "f", |x: i32| x);
    let g = basalt::Global::new(
        &mut store,
        basalt::GlobalType {
            ty: basalt::ValType::I32,
            mutable: false,
        },
        basalt::Val::I32(9),
    )
    .expect("a global fits");
    linker.define("env", "g", g);
    match linker.instantiate(&mut store, &module) {
        Ok(_) => tally.instantiated += 1,
        Err(_) => tally.instantiate_failed += 1,
    }
}

/// One store arena for thousands of short-lived stores (leaking one per
/// mutation would take gigabytes).
#[derive(Clone, Copy)]
struct StoreArena(*mut u8);

impl StoreArena {
    const LEN: usize = 16 << 20;

    fn new() -> Self {
        Self(Box::leak(vec![0u8; Self::LEN].into_boxed_slice()).as_mut_ptr())
    }

    /// The zeroed arena for the next store.
    fn take(self) -> &'static mut [u8] {
        // SAFETY: the allocation is leaked, so it lives forever, and only
        // one store holds it at a time: `load` drops its store before it
        // returns (also when it unwinds), and the runtime keeps no pointer
        // into a dropped store's arena.
        let arena = unsafe { std::slice::from_raw_parts_mut(self.0, Self::LEN) };
        arena.fill(0);
        arena
    }
}

#[test]
fn bit_flips_with_a_valid_checksum_are_refused_or_load_cleanly() {
    const MUTATIONS_PER_ARTIFACT: usize = 400;
    let engine = Engine::new(&HOST, Box::leak(vec![0u8; 256 << 20].into_boxed_slice()));
    let arena = StoreArena::new();
    let mut rng = Rng(0x5eed_ba5a_17c0_ffee);
    let mut tally = Tally::default();
    let mut panics = Vec::new();
    let artifacts = artifacts();
    for (name, original) in &artifacts {
        // Code bytes do not affect loading: aim the flips at the header and
        // the metadata, where every field is checked.
        let checked = original.len().min(
            artifact::read(original)
                .expect("a fresh artifact reads")
                .header
                .code
                .0 as usize,
        );
        for m in 0..MUTATIONS_PER_ARTIFACT {
            let mut bytes = original.clone();
            let flips = 1 + rng.below(4);
            let mut at = Vec::new();
            for _ in 0..flips {
                let bit = rng.below(checked * 8);
                bytes[bit / 8] ^= 1 << (bit % 8);
                at.push(bit);
            }
            fix_checksum(&mut bytes);
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                load(&engine, arena, &bytes, &mut tally)
            }));
            if let Err(panic) = outcome {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panics.push(format!("{name} mutation {m} (bits {at:?}): {message}"));
            }
        }
    }
    assert!(
        panics.is_empty(),
        "{} panics:\n{}",
        panics.len(),
        panics.join("\n")
    );
    // Both outcomes must occur, or the mutations are not reaching the checks.
    assert!(tally.refused_by_reader > 0, "{tally:?}");
    assert!(tally.instantiated > 0, "{tally:?}");
    let total = tally.refused_by_reader
        + tally.refused_by_loader
        + tally.instantiate_failed
        + tally.instantiated;
    assert_eq!(total, artifacts.len() * MUTATIONS_PER_ARTIFACT);
    eprintln!("{tally:?}");
}
