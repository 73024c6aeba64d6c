//! Seeded randomness shared by generators, splits and the trainer's shuffles.
//! Every stream is `ChaCha8Rng`, whose output is fixed across platforms and
//! versions, and every derived draw (uniform, normal, index) is written out
//! here instead of borrowed from `rand`, so a seed gives the same bytes forever.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// A `ChaCha8Rng` seeded from `seed` (through `SeedableRng::seed_from_u64`).
pub fn seeded_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Uniform in `[0, 1)`, from the top 53 bits of one `u64`.
pub fn unit_f64(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform in `[low, high)`, as TensorFlow Playground's `randUniform`.
pub fn uniform(rng: &mut ChaCha8Rng, low: f64, high: f64) -> f64 {
    low + unit_f64(rng) * (high - low)
}

/// Standard normal by the Marsaglia polar method (as Playground's `normalRandom`).
pub fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    loop {
        let v1 = 2.0 * unit_f64(rng) - 1.0;
        let v2 = 2.0 * unit_f64(rng) - 1.0;
        let s = v1 * v1 + v2 * v2;
        if s > 0.0 && s < 1.0 {
            return (-2.0 * s.ln() / s).sqrt() * v1;
        }
    }
}

/// Uniform index in `0..n` without modulo bias.
///
/// # Panics
/// If `n == 0`.
pub fn index(rng: &mut ChaCha8Rng, n: usize) -> usize {
    assert!(n > 0, "index range must not be empty");
    let n = n as u64;
    loop {
        let x = rng.next_u64();
        // Draws at or above the largest multiple of n that fits are rejected.
        // That multiple is above `u64::MAX - n`, so only a draw past that
        // needs it worked out (a division saved on nearly every draw).
        if x <= u64::MAX - n || x < u64::MAX - (u64::MAX % n) {
            return (x % n) as usize;
        }
    }
}

/// Fisher–Yates shuffle in place.
pub fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = index(rng, i + 1);
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shuffled_indices(n: usize, seed: u64) -> Vec<usize> {
        let mut indices: Vec<usize> = (0..n).collect();
        shuffle(&mut indices, &mut seeded_rng(seed));
        indices
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let a = shuffled_indices(100, 7);
        assert_eq!(a, shuffled_indices(100, 7));
        assert_ne!(a, shuffled_indices(100, 8));
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    }

    /// `index` as first written: the rejection limit worked out for every draw.
    fn index_by_limit(rng: &mut ChaCha8Rng, n: usize) -> usize {
        let n = n as u64;
        let limit = u64::MAX - (u64::MAX % n);
        loop {
            let x = rng.next_u64();
            if x < limit {
                return (x % n) as usize;
            }
        }
    }

    #[test]
    fn index_draws_what_the_limit_for_every_draw_drew() {
        // Small ranges (shuffles), and ranges whose limit rejects often (about
        // half the draws just above 2^63), where the shortcut must not skip it.
        let ranges = [
            1,
            2,
            3,
            7,
            1000,
            60_000,
            1 << 40,
            (1 << 63) + 1,
            usize::MAX - 2,
        ];
        for seed in 0..20 {
            let (mut a, mut b) = (seeded_rng(seed), seeded_rng(seed));
            for _ in 0..200 {
                for &n in &ranges {
                    assert_eq!(
                        index(&mut a, n),
                        index_by_limit(&mut b, n),
                        "seed {seed}, n {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = seeded_rng(1);
        for _ in 0..1000 {
            let u = uniform(&mut rng, -2.0, 3.0);
            assert!((-2.0..3.0).contains(&u));
            assert!(index(&mut rng, 7) < 7);
            assert!(standard_normal(&mut rng).is_finite());
        }
    }
}
