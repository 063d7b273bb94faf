//! What the security settings cost on the board: checking an artifact's
//! Ed25519 signature (per KiB of artifact) and Spectre v1 hardening (per
//! kernel, in both bounds-check modes). One board job of its own, with the
//! engine trusting one key and every artifact signed by it, so the numbers
//! come from the same path firmware that requires signatures takes.

use crate::{line_values, KernelsWasm, Size, INSTRUCTIONS_PER_TICK, KERNELS};
use basalt_compiler::{compile, BoundsChecks, CompileOptions, SigningKey};
use basalt_qemu::{Firmware, Job, RunOptions};
use std::fmt::Write;
use std::time::Duration;

/// Time to check one artifact's signature.
#[derive(Clone, Debug)]
pub struct VerifyRun {
    /// Which artifact.
    pub what: &'static str,
    /// Its size in bytes (signature block included).
    pub bytes: usize,
    /// Guest instructions `artifact::verify` took.
    pub instructions: u64,
}

/// One kernel with Spectre hardening off and on.
#[derive(Clone, Debug)]
pub struct SpectreRun {
    /// The kernel's name.
    pub kernel: &'static str,
    /// Guest instructions: explicit off, explicit on, guard off, guard on.
    pub instructions: [u64; 4],
}

/// Everything [`run_board`] measures.
#[derive(Clone, Debug)]
pub struct SecurityFigures {
    /// Signature checks, smallest artifact first.
    pub verify: Vec<VerifyRun>,
    /// Per kernel.
    pub spectre: Vec<SpectreRun>,
}

/// The four builds of the kernels, in [`SpectreRun::instructions`] order.
const BUILDS: [(BoundsChecks, bool); 4] = [
    (BoundsChecks::Explicit, false),
    (BoundsChecks::Explicit, true),
    (BoundsChecks::Guard, false),
    (BoundsChecks::Guard, true),
];

/// Run the signature and Spectre measurements in one board job.
pub fn run_board(wasm: &KernelsWasm, size: Size) -> Result<SecurityFigures, String> {
    let key = SigningKey::from_seed(&[0x5a; 32]);
    let signed = |input: &[u8], (mode, spectre): (BoundsChecks, bool)| {
        let mut options = CompileOptions {
            sign: Some(key.clone()),
            ..CompileOptions::default()
        };
        options.settings.bounds_checks = mode;
        options.settings.spectre = spectre;
        compile(input, &options).map_err(|e| e.to_string())
    };
    let mut job = Job::empty();
    job.trust(key.public_bytes());
    let mut verify = Vec::new();
    let mut verify_lines = Vec::new();
    let inputs: [(&'static str, &[u8]); 4] = [
        ("call-cost module", crate::CALLS_WAT.as_bytes()),
        ("instantiation module", crate::SMALL_WAT.as_bytes()),
        ("kernels (scalar)", &wasm.scalar),
        ("kernels (simd128)", &wasm.simd),
    ];
    for (what, input) in inputs {
        let bytes = signed(input, BUILDS[1])?;
        verify.push(VerifyRun {
            what,
            bytes: bytes.len(),
            instructions: 0,
        });
        let a = job.add_artifact(bytes);
        verify_lines.push(job.command_line(&format!("bench-verify {a}")));
    }
    for (i, build) in BUILDS.into_iter().enumerate() {
        let a = job.add_artifact(signed(&wasm.scalar, build)?);
        job.instantiate_required(a, i as u32);
    }
    let mut lines = Vec::new();
    for k in KERNELS {
        let n = match size {
            Size::Bench => k.bench_n,
            Size::Smoke => k.smoke_n,
        };
        let per_build: Vec<usize> = (0..BUILDS.len())
            .map(|i| job.command_line(&format!("bench-call {i} {} {n}", k.name)))
            .collect();
        lines.push((k.name, per_build));
    }
    let opts = RunOptions {
        icount: size == Size::Bench,
        timeout: Duration::from_secs(match size {
            Size::Bench => 1800,
            Size::Smoke => 300,
        }),
        firmware: Firmware::Bench,
        ..RunOptions::default()
    };
    let report = job.run(&opts).map_err(|e| e.to_string())?;
    if let Some(e) = &report.load_error {
        return Err(format!("loading the signed kernels failed: {e}"));
    }
    let values = |line: usize| line_values(&job, &report, line);
    for (run, &line) in verify.iter_mut().zip(&verify_lines) {
        run.instructions = values(line)?[0] * INSTRUCTIONS_PER_TICK;
    }
    let mut spectre = Vec::new();
    for (kernel, per_build) in lines {
        let mut instructions = [0; 4];
        let mut checksum = None;
        for (slot, &line) in instructions.iter_mut().zip(&per_build) {
            let v = values(line)?;
            if *checksum.get_or_insert(v[0]) != v[0] {
                return Err(format!("{kernel}: the Spectre builds disagree"));
            }
            *slot = v[1] * INSTRUCTIONS_PER_TICK;
        }
        spectre.push(SpectreRun {
            kernel,
            instructions,
        });
    }
    Ok(SecurityFigures { verify, spectre })
}

/// Fixed cost and cost per KiB of a signature check: the line through the
/// smallest and the largest artifact (SHA-512 over the bytes grows with
/// size; the curve arithmetic does not).
pub fn verify_line(runs: &[VerifyRun]) -> (f64, f64) {
    let (Some(a), Some(b)) = (runs.first(), runs.last()) else {
        return (0.0, 0.0);
    };
    let kib = |r: &VerifyRun| r.bytes as f64 / 1024.0;
    let per_kib = if b.bytes == a.bytes {
        0.0
    } else {
        (b.instructions as f64 - a.instructions as f64) / (kib(b) - kib(a))
    };
    (a.instructions as f64 - per_kib * kib(a), per_kib)
}

/// The report's section on these figures.
pub fn markdown(f: &SecurityFigures) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Signed artifacts and Spectre hardening\n\n\
         A separate board run whose engine trusts one Ed25519 key; every\n\
         artifact is signed by it.\n\n\
         Checking a signature (`basalt::artifact::verify`, what `Module::new`\n\
         does first when the engine has trusted keys):\n\n\
         | artifact | KiB | guest instructions |\n|---|--:|--:|"
    );
    for r in &f.verify {
        let _ = writeln!(
            md,
            "| {} | {:.1} | {} |",
            r.what,
            r.bytes as f64 / 1024.0,
            crate::report::thousands(r.instructions)
        );
    }
    let (fixed, per_kib) = verify_line(&f.verify);
    let _ = writeln!(
        md,
        "\nThat is ≈ {} instructions per check plus ≈ {} per KiB of artifact.\n",
        crate::report::thousands(fixed.max(0.0) as u64),
        crate::report::thousands(per_kib.max(0.0) as u64)
    );
    let _ = writeln!(
        md,
        "Spectre v1 hardening (`--spectre=on`, the default): guest instructions\n\
         per kernel with it off and on. In explicit mode every bounds check also\n\
         clamps the address (`csel` + `csdb`, and the trap tests the clamped\n\
         address); in guard mode only table index checks do.\n\n\
         | kernel | explicit off | explicit on | on/off | guard off | guard on | on/off |\n\
         |---|--:|--:|--:|--:|--:|--:|"
    );
    let ratio = |on: u64, off: u64| on as f64 / off.max(1) as f64;
    for r in &f.spectre {
        let [eo, en, go, gn] = r.instructions;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.3} | {} | {} | {:.3} |",
            r.kernel,
            crate::report::thousands(eo),
            crate::report::thousands(en),
            ratio(en, eo),
            crate::report::thousands(go),
            crate::report::thousands(gn),
            ratio(gn, go)
        );
    }
    let geo = |on: usize, off: usize| {
        crate::report::geomean(
            f.spectre
                .iter()
                .map(|r| ratio(r.instructions[on], r.instructions[off])),
        )
    };
    let _ = writeln!(
        md,
        "| geometric mean | | | {:.3} | | | {:.3} |\n",
        geo(1, 0),
        geo(3, 2)
    );
    md
}
