//! Synthetic 2-D datasets for watching a network learn, each
//! `fn name(samples, noise, seed) -> Dataset`.
//!
//! The shapes follow TensorFlow Playground (`playground/src/dataset.ts`) and
//! scikit-learn (`sklearn.datasets`), as each function's docs say. Playground
//! labels +1 and -1 become classes `"1"` and `"0"`. Two deliberate differences
//! from Playground: where it keeps a point clean and flips its *label* by
//! testing a noisy copy of the point (XOR, circle), we move the *point* by that
//! noise and keep the label of the shape it was drawn from (as scikit-learn
//! does), so classes stay exactly balanced; and the rows are shuffled at the
//! end with the same seeded stream, so a CSV's first lines show every class.
//! Binary classes get `samples / 2` each (class 0 takes the odd one out).
//! All randomness is [`crate::random`]'s `ChaCha8Rng` stream, so a seed gives
//! the same bytes on every platform.

use std::f64::consts::PI;

use rand_chacha::ChaCha8Rng;

use crate::random::{seeded_rng, shuffle, standard_normal, uniform};
use crate::{DataError, Dataset, Inputs, Targets};

/// Every generator, in the order `cargo xtask gen-data` writes them.
pub const GENERATORS: &[&str] = &[
    "xor",
    "circle",
    "gauss",
    "spiral",
    "moons",
    "blobs",
    "spiral4",
    "plane",
    "reg-gauss",
    "sine",
];

/// The kind of problem a generator's data poses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Points labelled with classes.
    Classification,
    /// Points with a real-valued target.
    Regression,
}

/// Every generator with its problem, in the order TensorFlow Playground lists
/// its data sets (the dashboard's `d` cycles through them in this order).
pub const PLAYGROUND_GENERATORS: &[(&str, Problem)] = &[
    ("circle", Problem::Classification),
    ("xor", Problem::Classification),
    ("gauss", Problem::Classification),
    ("spiral", Problem::Classification),
    ("moons", Problem::Classification),
    ("blobs", Problem::Classification),
    ("spiral4", Problem::Classification),
    ("plane", Problem::Regression),
    ("reg-gauss", Problem::Regression),
    ("sine", Problem::Regression),
];

/// The generators of one kind of problem, in the Playground's order.
pub fn generators_of(problem: Problem) -> impl Iterator<Item = &'static str> {
    PLAYGROUND_GENERATORS
        .iter()
        .filter(move |&&(_, p)| p == problem)
        .map(|&(name, _)| name)
}

/// The seed of the committed CSVs in `datasets/`.
pub const DEFAULT_SEED: u64 = 42;

/// The sample count of the committed CSVs in `datasets/`.
pub const DEFAULT_SAMPLES: usize = 500;

/// Classes made by [`blobs`] (scikit-learn's default).
pub const DEFAULT_BLOBS: usize = 3;

/// True if `name` is one of [`GENERATORS`] or a formula (`formula:x1*x2 > 0`, not
/// checked here: [`generate`] parses it).
pub fn is_generator(name: &str) -> bool {
    GENERATORS.contains(&name) || crate::is_formula(name)
}

/// The raw columns a generator's points have: 1 (`x1`) for `sine`, 2 (`x1`, `x2`)
/// for the others and formulas; `None` for a name [`is_generator`] refuses.
pub fn generator_columns(name: &str) -> Option<usize> {
    is_generator(name).then_some(if name == "sine" { 1 } else { 2 })
}

/// The noise each generator uses by default (and in the committed CSVs): enough
/// that the shape is not trivially separable, not so much that it is lost.
/// Units differ per generator, see each function.
pub fn default_noise(name: &str) -> Option<f32> {
    Some(match name {
        "xor" | "circle" | "gauss" | "moons" | "plane" | "reg-gauss" | "sine" => 0.1,
        "spiral" | "spiral4" => 0.2,
        "blobs" => 1.0,
        _ => return None,
    })
}

/// Runs the generator called `name`, or the formula it spells (`formula:...`, see
/// [`crate::formula()`]).
///
/// # Errors
/// [`DataError::UnknownGenerator`] for a name not in [`GENERATORS`],
/// [`DataError::Formula`] for a formula that does not work, and
/// [`DataError::InvalidDataset`] for a negative or non-finite `noise`.
pub fn generate(name: &str, samples: usize, noise: f32, seed: u64) -> Result<Dataset, DataError> {
    if !(noise.is_finite() && noise >= 0.0) {
        return Err(DataError::InvalidDataset {
            name: name.to_owned(),
            message: format!("noise {noise} must be a finite number >= 0"),
        });
    }
    Ok(match name {
        "xor" => xor(samples, noise, seed),
        "circle" => circle(samples, noise, seed),
        "gauss" => gauss(samples, noise, seed),
        "spiral" => spiral(samples, noise, seed),
        "moons" => moons(samples, noise, seed),
        "blobs" => blobs(samples, noise, seed),
        "spiral4" => spiral_arms(samples, 4, noise, seed),
        "plane" => plane(samples, noise, seed),
        "reg-gauss" => reg_gauss(samples, noise, seed),
        "sine" => sine(samples, noise, seed),
        formula if crate::is_formula(formula) => crate::formula(formula, samples, noise, seed)?,
        _ => {
            return Err(DataError::UnknownGenerator {
                name: name.to_owned(),
                expected: GENERATORS.join(", "),
            });
        }
    })
}

/// Collects 2-D labelled points, then shuffles and packs them.
struct Points {
    rows: Vec<([f64; 2], u32)>,
}

impl Points {
    fn new(samples: usize) -> Self {
        Self {
            rows: Vec::with_capacity(samples),
        }
    }

    fn push(&mut self, x: f64, y: f64, class: u32) {
        self.rows.push(([x, y], class));
    }

    fn finish(mut self, name: &str, classes: usize, rng: &mut ChaCha8Rng) -> Dataset {
        shuffle(&mut self.rows, rng);
        let inputs = self
            .rows
            .iter()
            .flat_map(|(p, _)| p.map(|v| v as f32))
            .collect();
        let labels = self.rows.iter().map(|&(_, c)| c).collect();
        let dataset = Dataset::new(
            name,
            Inputs::F32(inputs),
            Targets::Classes(labels),
            vec!["x1".into(), "x2".into()],
            vec!["label".into()],
            (0..classes).map(|c| c.to_string()).collect(),
        );
        dataset.expect("generators build consistent datasets")
    }
}

/// Class sizes for two balanced classes: class 0 takes the odd sample.
fn halves(samples: usize) -> [usize; 2] {
    [samples - samples / 2, samples / 2]
}

/// XOR (Playground `classifyXORData`): `x, y ~ U(-5, 5)`, each pushed 0.3 away
/// from 0 (`x += sign(x) * 0.3`), class 1 where `x * y > 0` (quadrants I and
/// III), class 0 elsewhere. We draw `x`, then give `y` the sign its class
/// needs, which is the same distribution per class. Noise: each coordinate
/// moves by `U(-5, 5) * noise` (Playground's noise percentage / 100).
pub fn xor(samples: usize, noise: f32, seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    let noise = f64::from(noise);
    let mut points = Points::new(samples);
    for (class, count) in halves(samples).into_iter().enumerate() {
        for _ in 0..count {
            let x = padded(uniform(&mut rng, -5.0, 5.0));
            let y = padded(uniform(&mut rng, 0.0, 5.0)).abs();
            let y = if (class == 1) == (x > 0.0) { y } else { -y };
            let nx = uniform(&mut rng, -5.0, 5.0) * noise;
            let ny = uniform(&mut rng, -5.0, 5.0) * noise;
            points.push(x + nx, y + ny, class as u32);
        }
    }
    points.finish("xor", 2, &mut rng)
}

fn padded(v: f64) -> f64 {
    if v > 0.0 { v + 0.3 } else { v - 0.3 }
}

/// Two rings (Playground `classifyCircleData`, radius 5): class 1 inside,
/// `r ~ U(0, 2.5)`; class 0 around it, `r ~ U(3.5, 5)`; angle `a ~ U(0, 2π)`,
/// point `(r sin a, r cos a)`. Noise: each coordinate moves by
/// `U(-5, 5) * noise`.
pub fn circle(samples: usize, noise: f32, seed: u64) -> Dataset {
    const RADIUS: f64 = 5.0;
    let mut rng = seeded_rng(seed);
    let noise = f64::from(noise);
    let mut points = Points::new(samples);
    for (class, count) in halves(samples).into_iter().enumerate() {
        let (low, high) = if class == 1 {
            (0.0, RADIUS * 0.5)
        } else {
            (RADIUS * 0.7, RADIUS)
        };
        for _ in 0..count {
            let r = uniform(&mut rng, low, high);
            let angle = uniform(&mut rng, 0.0, 2.0 * PI);
            let nx = uniform(&mut rng, -RADIUS, RADIUS) * noise;
            let ny = uniform(&mut rng, -RADIUS, RADIUS) * noise;
            points.push(r * angle.sin() + nx, r * angle.cos() + ny, class as u32);
        }
    }
    points.finish("circle", 2, &mut rng)
}

/// Two Gaussian clusters (Playground `classifyTwoGaussData`): class 1 around
/// `(2, 2)`, class 0 around `(-2, -2)`, each coordinate `N(c, variance)` with
/// `variance = 0.5 + 7 * noise` (Playground's linear map of noise `[0, 0.5]`
/// onto variance `[0.5, 4]`). Noise 0 still has variance 0.5.
pub fn gauss(samples: usize, noise: f32, seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    let std = (0.5 + 7.0 * f64::from(noise)).sqrt();
    let mut points = Points::new(samples);
    for (class, count) in halves(samples).into_iter().enumerate() {
        let c = if class == 1 { 2.0 } else { -2.0 };
        for _ in 0..count {
            let x = c + std * standard_normal(&mut rng);
            let y = c + std * standard_normal(&mut rng);
            points.push(x, y, class as u32);
        }
    }
    points.finish("gauss", 2, &mut rng)
}

/// Two interleaved spirals (Playground `classifySpiralData`): for
/// `i in 0..n` (n points per class), `r = 5 i / n`,
/// `t = 1.75 * 2π * i / n + Δ`, point `(r sin t, r cos t)`, with `Δ = 0` for
/// class 1 and `Δ = π` for class 0. Noise: each coordinate moves by
/// `U(-1, 1) * noise`.
pub fn spiral(samples: usize, noise: f32, seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    let noise = f64::from(noise);
    let mut points = Points::new(samples);
    for (class, count) in halves(samples).into_iter().enumerate() {
        let delta = if class == 1 { 0.0 } else { PI };
        let n = count as f64;
        for i in 0..count {
            let i = i as f64;
            let r = i / n * 5.0;
            let t = 1.75 * i / n * 2.0 * PI + delta;
            let nx = uniform(&mut rng, -1.0, 1.0) * noise;
            let ny = uniform(&mut rng, -1.0, 1.0) * noise;
            points.push(r * t.sin() + nx, r * t.cos() + ny, class as u32);
        }
    }
    points.finish("spiral", 2, &mut rng)
}

/// `arms` interleaved spiral arms, one class each (`spiral4`: four; our own, in
/// the Playground's units): arm `c` is [`spiral`]'s curve turned by `2π c / arms`,
/// `r = 5 i / n`, `t = 1.75 * 2π * i / n + 2π c / arms`, point `(r sin t, r cos t)`;
/// class `c` gets `samples / arms` points (the first `samples % arms` one more).
/// Noise: each coordinate moves by `U(-1, 1) * noise`. `arms == 0` is treated as 1.
pub fn spiral_arms(samples: usize, arms: usize, noise: f32, seed: u64) -> Dataset {
    let arms = arms.max(1);
    let mut rng = seeded_rng(seed);
    let noise = f64::from(noise);
    let mut points = Points::new(samples);
    for class in 0..arms {
        let count = samples / arms + usize::from(class < samples % arms);
        let delta = 2.0 * PI * class as f64 / arms as f64;
        let n = count as f64;
        for i in 0..count {
            let i = i as f64;
            let r = i / n * 5.0;
            let t = 1.75 * i / n * 2.0 * PI + delta;
            let nx = uniform(&mut rng, -1.0, 1.0) * noise;
            let ny = uniform(&mut rng, -1.0, 1.0) * noise;
            points.push(r * t.sin() + nx, r * t.cos() + ny, class as u32);
        }
    }
    points.finish(&format!("spiral{arms}"), arms, &mut rng)
}

/// Two interleaving half circles (scikit-learn `make_moons`): class 0 is the
/// upper half of the unit circle, `(cos s, sin s)`; class 1 the lower half of
/// the unit circle around `(1, 0.5)`, `(1 - cos s, 0.5 - sin s)`; `s` takes
/// evenly spaced values over `[0, π]` (`linspace`). Class 0 gets
/// `samples / 2` points (rounded down, as scikit-learn). Noise: Gaussian with
/// standard deviation `noise` added to each coordinate.
pub fn moons(samples: usize, noise: f32, seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    let noise = f64::from(noise);
    let mut points = Points::new(samples);
    let outer = samples / 2;
    for (class, count) in [outer, samples - outer].into_iter().enumerate() {
        for k in 0..count {
            let s = if count > 1 {
                PI * k as f64 / (count - 1) as f64
            } else {
                0.0
            };
            let (x, y) = if class == 0 {
                (s.cos(), s.sin())
            } else {
                (1.0 - s.cos(), 0.5 - s.sin())
            };
            let nx = noise * standard_normal(&mut rng);
            let ny = noise * standard_normal(&mut rng);
            points.push(x + nx, y + ny, class as u32);
        }
    }
    points.finish("moons", 2, &mut rng)
}

/// Three Gaussian blobs (`DEFAULT_BLOBS`); see [`blobs_with_classes`].
pub fn blobs(samples: usize, noise: f32, seed: u64) -> Dataset {
    blobs_with_classes(samples, DEFAULT_BLOBS, noise, seed)
}

/// `classes` isotropic Gaussian blobs (scikit-learn `make_blobs`): centres
/// drawn first, uniform in the box `[-10, 10)²`; class `c` gets
/// `samples / classes` points (the first `samples % classes` classes one more),
/// each `centre + N(0, noise²)` per coordinate, so `noise` is scikit-learn's
/// `cluster_std` (default 1.0). `classes == 0` is treated as 1.
pub fn blobs_with_classes(samples: usize, classes: usize, noise: f32, seed: u64) -> Dataset {
    let classes = classes.max(1);
    let mut rng = seeded_rng(seed);
    let noise = f64::from(noise);
    let centres: Vec<[f64; 2]> = (0..classes)
        .map(|_| {
            [
                uniform(&mut rng, -10.0, 10.0),
                uniform(&mut rng, -10.0, 10.0),
            ]
        })
        .collect();
    let mut points = Points::new(samples);
    for (class, [cx, cy]) in centres.into_iter().enumerate() {
        let count = samples / classes + usize::from(class < samples % classes);
        for _ in 0..count {
            let x = cx + noise * standard_normal(&mut rng);
            let y = cy + noise * standard_normal(&mut rng);
            points.push(x, y, class as u32);
        }
    }
    points.finish("blobs", classes, &mut rng)
}

/// A tilted plane (Playground `regressPlane`): `x1, x2 ~ U(-6, 6)`,
/// `y = (x1 + n1 + x2 + n2) / 10` with `n1, n2 ~ U(-6, 6) * noise`, so the
/// clean target lies in `[-1.2, 1.2]`.
pub fn plane(samples: usize, noise: f32, seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    let noise = f64::from(noise);
    let mut inputs = Vec::with_capacity(2 * samples);
    let mut targets = Vec::with_capacity(samples);
    for _ in 0..samples {
        let x1 = uniform(&mut rng, -6.0, 6.0);
        let x2 = uniform(&mut rng, -6.0, 6.0);
        let n1 = uniform(&mut rng, -6.0, 6.0) * noise;
        let n2 = uniform(&mut rng, -6.0, 6.0) * noise;
        // Round the inputs first so that noise 0 gives y == (x1 + x2) / 10 on the stored values.
        let (x1, x2) = (x1 as f32, x2 as f32);
        inputs.extend([x1, x2]);
        targets.push(((f64::from(x1) + n1 + f64::from(x2) + n2) / 10.0) as f32);
    }
    regression("plane", inputs, targets, &["x1", "x2"])
}

/// The six signed cones of [`reg_gauss`]: centre `(x, y)` and sign, in Playground's order.
const CONES: [(f64, f64, f64); 6] = [
    (-4.0, 2.5, 1.0),
    (0.0, 2.5, -1.0),
    (4.0, 2.5, 1.0),
    (-4.0, -2.5, -1.0),
    (0.0, -2.5, 1.0),
    (4.0, -2.5, -1.0),
];

/// The target of [`reg_gauss`] at `(x, y)`: of the six cones' signed heights
/// `sign * clamp(1 - d / 2, 0, 1)` (`d`: the distance to the cone's centre), the one
/// largest in size; the first cone wins a tie; 0 further than 2 from every centre.
pub fn reg_gauss_target(x: f64, y: f64) -> f64 {
    let mut target = 0.0f64;
    for (cx, cy, sign) in CONES {
        let height = sign * (1.0 - (x - cx).hypot(y - cy) / 2.0).clamp(0.0, 1.0);
        if height.abs() > target.abs() {
            target = height;
        }
    }
    target
}

/// Six signed bumps on a 3 x 2 grid (Playground `regressGaussian`, its
/// "multi gaussian" regression, `reg-gauss` in its URLs): `x1, x2 ~ U(-6, 6)`,
/// `y = reg_gauss_target(x1 + n1, x2 + n2)` with `n1, n2 ~ U(-6, 6) * noise`
/// (see [`reg_gauss_target`]: cones of radius 2, signs `+ - +` on the top row at
/// `x2 = 2.5` and `- + -` on the bottom row at `x2 = -2.5`, centres at `x1 = -4, 0, 4`).
/// The points stay where they were drawn; noise only blurs their targets.
pub fn reg_gauss(samples: usize, noise: f32, seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    let noise = f64::from(noise);
    let mut inputs = Vec::with_capacity(2 * samples);
    let mut targets = Vec::with_capacity(samples);
    for _ in 0..samples {
        let x1 = uniform(&mut rng, -6.0, 6.0) as f32;
        let x2 = uniform(&mut rng, -6.0, 6.0) as f32;
        let n1 = uniform(&mut rng, -6.0, 6.0) * noise;
        let n2 = uniform(&mut rng, -6.0, 6.0) * noise;
        inputs.extend([x1, x2]);
        targets.push(reg_gauss_target(f64::from(x1) + n1, f64::from(x2) + n2) as f32);
    }
    regression("reg-gauss", inputs, targets, &["x1", "x2"])
}

/// One-dimensional sine wave (our own; neither Playground nor scikit-learn has
/// it): `x1 ~ U(-2π, 2π)` (two periods), `y = sin(x1) + noise * N(0, 1)`.
pub fn sine(samples: usize, noise: f32, seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    let noise = f64::from(noise);
    let mut inputs = Vec::with_capacity(samples);
    let mut targets = Vec::with_capacity(samples);
    for _ in 0..samples {
        let x = uniform(&mut rng, -2.0 * PI, 2.0 * PI) as f32;
        inputs.push(x);
        targets.push((f64::from(x).sin() + noise * standard_normal(&mut rng)) as f32);
    }
    regression("sine", inputs, targets, &["x1"])
}

fn regression(name: &str, inputs: Vec<f32>, targets: Vec<f32>, features: &[&str]) -> Dataset {
    Dataset::new(
        name,
        Inputs::F32(inputs),
        Targets::Values(targets),
        features.iter().map(|&f| f.to_owned()).collect(),
        vec!["y".into()],
        Vec::new(),
    )
    .expect("generators build consistent datasets")
}

#[cfg(test)]
mod tests;
