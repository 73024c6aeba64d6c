//! Adam's elementwise update, as fast on moments near zero as on any others,
//! with the bits of the plain f32 arithmetic.
//!
//! A parameter whose gradient stays zero (a dead ReLU unit, an input that is
//! always 0) sees its moments decay towards zero, and they stop in f32's
//! subnormal range: `0.9 * m` rounds back to `m` once `m` is a few units of
//! the smallest subnormal. On x86 a multiplication, division or square root
//! with a subnormal operand or result takes a microcode assist (about 11 ns a
//! value against 0.3 for a normal one, measured here; additions cost nothing
//! extra). W2 (784-256-128-10 on random data, Adam) leaves most of its
//! parameters so, and its optimizer step took about 35% of the step's time.
//!
//! So the update runs in blocks of [`LANES`] values. A block whose moments and
//! gradients are all zero or clear of the tiny range runs the f32 arithmetic as
//! written; a block with a tiny one does each multiplication, division and
//! square root in f64 and rounds the result to f32 before the next operation
//! (additions and subtractions stay f32). f64 holds the product of two f32
//! values exactly, and a quotient or square root rounded to f64's 53 bits and
//! then to f32's 24 (subnormals included) is the correctly rounded f32 result,
//! because 53 >= 2 * 24 + 2 (double rounding is then innocuous: Figueroa,
//! "When is double rounding innocuous?", 1995). Every value gets the bits of
//! the f32 arithmetic either way (tested against it, subnormals, zeros of both
//! signs and infinities included; NaNs stay NaNs).
//!
//! The compiler knows that theorem too: f64 arithmetic between conversions
//! from and to f32 is folded back into f32 instructions (the same bits, and the
//! assists again). The f64 operations are therefore AVX-512's own, with their
//! rounding mode spelled out (pulp's `V4`), which it leaves as they are.
//! Without AVX-512 every block runs the f32 arithmetic: the same bits, only
//! slower on subnormals where the hardware is.

/// Values checked together and updated one way or the other.
pub(super) const LANES: usize = 16;

/// Gradients below this size (other than zero) send their block the careful
/// way: `(1 - beta2) * g * g` is subnormal for `|g|` below about `2^-58`
/// at `beta2 = 0.999`, and other betas shift that by a few powers of two.
const TINY_GRADIENT: f32 = 2.220_446e-16; // 2^-52

/// First moments below this size: `beta1 * m`, `step * m` and the update
/// itself stay normal above it for any learning rate above `2^-40`.
const TINY_FIRST: f32 = 5.421_011e-20; // 2^-64

/// Second moments below this size: only `beta2 * v` can reach the subnormals.
const TINY_SECOND: f32 = 7.523_164e-37; // 2^-120

/// One step's constants, computed once per step in f32 as the plain loop does.
#[derive(Debug, Clone, Copy)]
pub(super) struct Constants {
    beta1: f32,
    beta2: f32,
    epsilon: f32,
    /// `r / (1 - beta1^t)`.
    step: f32,
    /// `1 / sqrt(1 - beta2^t)`.
    inv_sqrt_c2: f32,
}

impl Constants {
    pub(super) fn new(t: i32, r: f32, beta1: f32, beta2: f32, epsilon: f32) -> Self {
        let correction1 = 1.0 - beta1.powi(t);
        let correction2 = 1.0 - beta2.powi(t);
        Self {
            beta1,
            beta2,
            epsilon,
            step: r / correction1,
            inv_sqrt_c2: 1.0 / correction2.sqrt(),
        }
    }
}

/// Adam's update of `p` from the gradient `g`, moments `m` and `v` updated in
/// place (equal lengths): [`plain`]'s bits, block by block the fast way.
#[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
#[inline(always)]
pub(super) fn update(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: Constants) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V4::try_new() {
        let whole = p.len() / LANES * LANES;
        let (p, p_rest) = p.split_at_mut(whole);
        let (m, m_rest) = m.split_at_mut(whole);
        let (v, v_rest) = v.split_at_mut(whole);
        let (g, g_rest) = g.split_at(whole);
        for (((p, g), m), v) in p
            .chunks_exact_mut(LANES)
            .zip(g.chunks_exact(LANES))
            .zip(m.chunks_exact_mut(LANES))
            .zip(v.chunks_exact_mut(LANES))
        {
            if has_tiny(g, TINY_GRADIENT) | has_tiny(m, TINY_FIRST) | has_tiny(v, TINY_SECOND) {
                careful(simd, p, g, m, v, k);
            } else {
                plain(p, g, m, v, k);
            }
        }
        plain(p_rest, g_rest, m_rest, v_rest, k);
        return;
    }
    plain(p, g, m, v, k);
}

/// Adam's update in f32, as written (PyTorch's formula, with the bias
/// corrections folded into `step` and `inv_sqrt_c2`).
#[allow(clippy::inline_always)] // inlined into pulp's functions for each SIMD level, or not vectorised for them
#[inline(always)]
pub(super) fn plain(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: Constants) {
    let Constants {
        beta1,
        beta2,
        epsilon,
        step,
        inv_sqrt_c2,
    } = k;
    for (((w, g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
        *m = beta1 * *m + (1.0 - beta1) * g;
        *v = beta2 * *v + (1.0 - beta2) * g * g;
        *w -= step * *m / (v.sqrt() * inv_sqrt_c2 + epsilon);
    }
}

/// Whether a value of `x` is non-zero and smaller than `below` in size.
#[allow(clippy::inline_always)] // a few vector compares inside the caller's loop
#[inline(always)]
fn has_tiny(x: &[f32], below: f32) -> bool {
    x.iter()
        .fold(false, |any, &x| any | ((x != 0.0) & (x.abs() < below)))
}

/// [`plain`] on one block, every multiplication, division and square root done
/// in f64 and rounded to f32 at once (see the module's doc: the same bits).
#[cfg(target_arch = "x86_64")]
#[allow(clippy::inline_always)] // inlined into pulp's AVX-512 context, or every operation is a call
#[inline(always)]
fn careful(
    simd: pulp::x86::V4,
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    k: Constants,
) {
    use std::arch::x86_64::{__m512d, _MM_FROUND_NO_EXC, _MM_FROUND_TO_NEAREST_INT};
    // Rounding to nearest, as always; spelled out, the operations are the
    // CPU's instructions, which the compiler cannot fold back into f32 ones.
    const NEAREST: i32 = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    type Eight = [f32; 8];
    let f = simd.avx512f;
    let eight = |x: &[f32]| -> Eight { x.try_into().expect("blocks of eight") };
    let up = |x: Eight| f._mm512_cvtps_pd(pulp::cast(x));
    let down = |x: __m512d| -> Eight { pulp::cast(f._mm512_cvtpd_ps(x)) };
    // f32 `a * b`, `a / b`, `sqrt(a)`, each rounded once to f32 through f64.
    let mul = |a: __m512d, b: __m512d| down(f._mm512_mul_round_pd::<NEAREST>(a, b));
    let div = |a: Eight, b: Eight| down(f._mm512_div_round_pd::<NEAREST>(up(a), up(b)));
    let sqrt = |a: Eight| down(f._mm512_sqrt_round_pd::<NEAREST>(up(a)));
    let each = |a: Eight, b: Eight, op: fn(f32, f32) -> f32| -> Eight {
        std::array::from_fn(|i| op(a[i], b[i]))
    };
    let (smallest_normal, zero) = (simd.splat_f32x8(f32::MIN_POSITIVE), simd.splat_f32x8(0.0));
    let subnormal = |x: &Eight| {
        let size = simd.abs_f32x8(pulp::cast(*x));
        simd.cmp_lt_f32x8(size, smallest_normal).0 & simd.cmp_gt_f32x8(size, zero).0 != 0
    };
    let splat = |x: f32| f._mm512_set1_pd(f64::from(x));
    let (beta1, beta2) = (splat(k.beta1), splat(k.beta2));
    let (c1, c2) = (splat(1.0 - k.beta1), splat(1.0 - k.beta2));
    let step = splat(k.step);
    let inv_sqrt_c2 = [k.inv_sqrt_c2; 8];
    let epsilon = [k.epsilon; 8];
    for (((p, g), m), v) in p
        .chunks_exact_mut(8)
        .zip(g.chunks_exact(8))
        .zip(m.chunks_exact_mut(8))
        .zip(v.chunks_exact_mut(8))
    {
        let g64 = up(eight(g));
        // m = beta1 * m + (1 - beta1) * g
        let m_new = each(mul(beta1, up(eight(m))), mul(c1, g64), |a, b| a + b);
        // v = beta2 * v + (1 - beta2) * g * g
        let c2g = mul(c2, g64);
        let v_new = each(mul(beta2, up(eight(v))), mul(up(c2g), g64), |a, b| a + b);
        // w -= step * m / (sqrt(v) * inv_sqrt_c2 + epsilon): the square root of a
        // non-zero f32 is at least 2^-75 and inv_sqrt_c2 at least 1, so the
        // denominator's product and sum are normal and stay f32.
        // The square root and the division go the f64 way only when an operand
        // is subnormal: they are the slowest there, and usually it is not (a
        // stuck first moment times the step rounds to zero).
        let root = if subnormal(&v_new) {
            sqrt(v_new)
        } else {
            v_new.map(f32::sqrt)
        };
        let den = each(each(root, inv_sqrt_c2, |a, b| a * b), epsilon, |a, b| a + b);
        let num = mul(step, up(m_new));
        let q = if subnormal(&num) {
            div(num, den)
        } else {
            each(num, den, |a, b| a / b)
        };
        m.copy_from_slice(&m_new);
        v.copy_from_slice(&v_new);
        for (w, q) in p.iter_mut().zip(q) {
            *w -= q;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spread of values: zeros of both signs, subnormals, tiny and ordinary
    /// normals, huge ones, infinities.
    fn value(seed: &mut u64) -> f32 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let r = *seed >> 11;
        let sign = if r & 1 == 0 { 1.0 } else { -1.0 };
        let unit = (r >> 8) as f32 / (1u64 << 45) as f32; // [0, 1)
        sign * match r % 13 {
            0 => 0.0,
            1 => f32::from_bits((r >> 20) as u32 & 0x007f_ffff), // subnormal
            2 => f32::from_bits(1 + (r >> 40) as u32 % 6),       // a few units
            3 => unit * 1e-38,
            4 => unit * 1e-30,
            5 => unit * 1e-20,
            6 => unit * 1e-12,
            7 => unit * 1e30,
            8 => f32::INFINITY,
            _ => unit,
        }
    }

    fn same(a: f32, b: f32) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    /// The careful way and the blocked update give the plain f32 arithmetic's
    /// bits on every kind of value, for several steps and settings.
    #[test]
    fn every_block_has_the_plain_arithmetics_bits() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        let n = 40 * LANES + 7;
        for (t, r, beta1, beta2, epsilon) in [
            (1, 1e-3, 0.9, 0.999, 1e-8),
            (7, 1e-2, 0.9, 0.999, 1e-8),
            (500, 3e-4, 0.8, 0.99, 1e-6),
            (20_000, 1.0, 0.5, 0.9999, 0.0),
        ] {
            let k = Constants::new(t, r, beta1, beta2, epsilon);
            let mut draw = |n: usize| (0..n).map(|_| value(&mut seed)).collect::<Vec<f32>>();
            let (p, g, m) = (draw(n), draw(n), draw(n));
            // The second moment is never negative.
            let v: Vec<f32> = draw(n).iter().map(|x| x.abs()).collect();
            // Some all-ordinary blocks too, so both ways run.
            let ordinary = |x: &[f32]| {
                x.iter()
                    .enumerate()
                    .map(|(i, &x)| {
                        if (i / LANES).is_multiple_of(3) {
                            0.25 + (i % 5) as f32
                        } else {
                            x
                        }
                    })
                    .collect::<Vec<f32>>()
            };
            let (p, g, m, v) = (ordinary(&p), ordinary(&g), ordinary(&m), ordinary(&v));
            let (mut p1, mut m1, mut v1) = (p.clone(), m.clone(), v.clone());
            plain(&mut p1, &g, &mut m1, &mut v1, k);
            let (mut p2, mut m2, mut v2) = (p.clone(), m.clone(), v.clone());
            update(&mut p2, &g, &mut m2, &mut v2, k);
            #[cfg(target_arch = "x86_64")]
            let careful_all = pulp::x86::V4::try_new().map(|simd| {
                let (mut p3, mut m3, mut v3) = (p.clone(), m.clone(), v.clone());
                let whole = n / 8 * 8;
                careful(
                    simd,
                    &mut p3[..whole],
                    &g[..whole],
                    &mut m3[..whole],
                    &mut v3[..whole],
                    k,
                );
                plain(
                    &mut p3[whole..],
                    &g[whole..],
                    &mut m3[whole..],
                    &mut v3[whole..],
                    k,
                );
                (p3, m3, v3)
            });
            #[cfg(not(target_arch = "x86_64"))]
            let careful_all: Option<(Vec<f32>, Vec<f32>, Vec<f32>)> = None;
            for (name, (pp, mm, vv)) in [("blocked", (p2, m2, v2))]
                .into_iter()
                .chain(careful_all.map(|c| ("careful", c)))
            {
                for i in 0..n {
                    assert!(
                        same(pp[i], p1[i]) && same(mm[i], m1[i]) && same(vv[i], v1[i]),
                        "{name}, step {t}, value {i}: g {:e} m {:e} v {:e} p {:e}: \
                         got ({:e}, {:e}, {:e}), plain ({:e}, {:e}, {:e})",
                        g[i],
                        m[i],
                        v[i],
                        p[i],
                        pp[i],
                        mm[i],
                        vv[i],
                        p1[i],
                        m1[i],
                        v1[i]
                    );
                }
            }
        }
    }
}
