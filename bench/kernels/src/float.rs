//! Floating-point kernels: f64 matrix multiply and the n-body simulation.

use crate::scratch::Scratch;

/// Largest matrix side.
const MAX_N: usize = 64;
static MATRICES: Scratch<f64, { 3 * MAX_N * MAX_N }> = Scratch::new(0.0);

/// `C = A · B` for `n`×`n` matrices (n ≤ 64). Self-check (Freivalds):
/// `C · x == A · (B · x)` for a fixed vector `x`, to rounding.
pub fn matmul(n: u32) -> u64 {
    let n = (n as usize).clamp(1, MAX_N);
    // SAFETY: `MATRICES` belongs to this kernel, which does not re-enter itself.
    let m = unsafe { MATRICES.get() };
    let (a, rest) = m.split_at_mut(MAX_N * MAX_N);
    let (b, c) = rest.split_at_mut(MAX_N * MAX_N);
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] = ((i * 7 + j * 3) % 11) as f64 * 0.25 - 1.0;
            b[i * n + j] = ((i * 5 + j) % 13) as f64 * 0.125 + 0.5;
        }
    }
    for i in 0..n {
        for j in 0..n {
            let mut sum = 0.0;
            for k in 0..n {
                sum += a[i * n + k] * b[k * n + j];
            }
            c[i * n + j] = sum;
        }
    }
    let x = |j: usize| (j % 4) as f64 + 1.0;
    let mut trace = 0.0;
    for i in 0..n {
        let mut cx = 0.0;
        let mut abx = 0.0;
        for j in 0..n {
            cx += c[i * n + j] * x(j);
            let mut bx = 0.0;
            for k in 0..n {
                bx += b[j * n + k] * x(k);
            }
            abx += a[i * n + j] * bx;
        }
        let scale = abx.abs() + 1.0;
        let diff = (cx - abx).abs();
        assert!(diff <= scale * 1e-9, "matmul self-check");
        trace += c[i * n + i];
    }
    trace.to_bits()
}

/// `1 / sqrt(x)` from the bit-level first guess and four Newton steps (to
/// about 1e-16): core has no `f64::sqrt`, and stable Rust has no `f64.sqrt`
/// intrinsic for wasm32, so every peer runs these same multiplies and adds.
#[inline(always)]
fn inv_sqrt(x: f64) -> f64 {
    let mut y = f64::from_bits(0x5fe6_eb50_c7b5_37a9 - (x.to_bits() >> 1));
    for _ in 0..4 {
        y *= 1.5 - 0.5 * x * y * y;
    }
    y
}

#[derive(Clone, Copy)]
struct Body {
    pos: [f64; 3],
    vel: [f64; 3],
    mass: f64,
}

const PI: f64 = core::f64::consts::PI;
const SOLAR_MASS: f64 = 4.0 * PI * PI;
const DAYS_PER_YEAR: f64 = 365.24;

/// The Sun and the four giant planets (the Benchmarks Game's inputs).
fn bodies() -> [Body; 5] {
    let planet = |pos: [f64; 3], vel: [f64; 3], mass: f64| Body {
        pos,
        vel: [
            vel[0] * DAYS_PER_YEAR,
            vel[1] * DAYS_PER_YEAR,
            vel[2] * DAYS_PER_YEAR,
        ],
        mass: mass * SOLAR_MASS,
    };
    let mut b = [
        planet([0.0; 3], [0.0; 3], 1.0),
        planet(
            [
                4.841_431_442_464_72,
                -1.160_320_044_027_428_4,
                -0.103_622_044_471_123_1,
            ],
            [
                0.001_660_076_642_744_037,
                0.007_699_011_184_197_404,
                -6.904_600_169_720_63e-5,
            ],
            9.547_919_384_243_266e-4,
        ),
        planet(
            [
                8.343_366_718_244_58,
                4.124_798_564_124_305,
                -0.403_523_417_114_321_4,
            ],
            [
                -0.002_767_425_107_268_624,
                0.004_998_528_012_349_172,
                2.304_172_975_737_639_3e-5,
            ],
            2.858_859_806_661_308e-4,
        ),
        planet(
            [
                12.894_369_562_139_131,
                -15.111_151_401_698_631,
                -0.223_307_578_892_655_73,
            ],
            [
                0.002_964_601_375_647_616,
                0.002_378_471_739_594_809_5,
                -2.965_895_685_402_375_6e-5,
            ],
            4.366_244_043_351_563e-5,
        ),
        planet(
            [
                15.379_697_114_850_917,
                -25.919_314_609_987_964,
                0.179_258_772_950_371_18,
            ],
            [
                0.002_680_677_724_903_893_2,
                0.001_628_241_700_382_423,
                -9.515_922_545_197_159e-5,
            ],
            5.151_389_020_466_114_5e-5,
        ),
    ];
    // Give the Sun the momentum that makes the system's total zero.
    let mut p = [0.0; 3];
    for body in &b {
        for (pk, vk) in p.iter_mut().zip(body.vel) {
            *pk += vk * body.mass;
        }
    }
    for (vk, pk) in b[0].vel.iter_mut().zip(p) {
        *vk = -pk / SOLAR_MASS;
    }
    b
}

fn energy(b: &[Body; 5]) -> f64 {
    let mut e = 0.0;
    for i in 0..5 {
        let v = b[i].vel;
        e += 0.5 * b[i].mass * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        for j in i + 1..5 {
            let d = [
                b[i].pos[0] - b[j].pos[0],
                b[i].pos[1] - b[j].pos[1],
                b[i].pos[2] - b[j].pos[2],
            ];
            e -= b[i].mass * b[j].mass * inv_sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        }
    }
    e
}

fn advance(b: &mut [Body; 5], dt: f64) {
    for i in 0..5 {
        for j in i + 1..5 {
            let d = [
                b[i].pos[0] - b[j].pos[0],
                b[i].pos[1] - b[j].pos[1],
                b[i].pos[2] - b[j].pos[2],
            ];
            let d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            let r = inv_sqrt(d2);
            let mag = dt * r * r * r;
            let (mi, mj) = (b[i].mass * mag, b[j].mass * mag);
            for (k, dk) in d.into_iter().enumerate() {
                b[i].vel[k] -= dk * mj;
                b[j].vel[k] += dk * mi;
            }
        }
    }
    for body in b.iter_mut() {
        for k in 0..3 {
            body.pos[k] += dt * body.vel[k];
        }
    }
}

/// `n` steps of the n-body simulation. Self-check: the energy starts at the
/// known -0.169075164 and drifts by less than 1e-4 over the run.
pub fn nbody(n: u32) -> u64 {
    let mut b = bodies();
    let e0 = energy(&b);
    assert!((e0 + 0.169_075_164).abs() < 1e-9, "nbody self-check: start");
    for _ in 0..n {
        advance(&mut b, 0.01);
    }
    let e1 = energy(&b);
    assert!((e1 - e0).abs() < 1e-4, "nbody self-check: drift");
    e1.to_bits()
}
