//! Tests of `generators.rs`.

use super::*;
use crate::{Task, to_csv_string};

fn points(d: &Dataset) -> Vec<([f32; 2], u32)> {
    let (Inputs::F32(x), Targets::Classes(c)) = (d.inputs(), d.targets()) else {
        panic!("expected f32 classification data");
    };
    x.chunks_exact(2)
        .map(|p| [p[0], p[1]])
        .zip(c.iter().copied())
        .collect()
}

#[test]
fn shapes_and_balance() {
    for &name in GENERATORS {
        let d = generate(name, 301, default_noise(name).unwrap(), 5).unwrap();
        assert_eq!(d.len(), 301, "{name}");
        assert_eq!(d.name(), name);
        let problem = PLAYGROUND_GENERATORS.iter().find(|&&(n, _)| n == name);
        let expected = match d.task() {
            Task::Classification { .. } => Problem::Classification,
            Task::Regression { .. } => Problem::Regression,
        };
        assert_eq!(problem.map(|&(_, p)| p), Some(expected), "{name}");
        match d.task() {
            Task::Classification { classes } => {
                assert_eq!(d.dim(), 2);
                let counts = d.class_counts();
                assert_eq!(counts.len(), classes);
                assert_eq!(counts.iter().sum::<usize>(), 301);
                let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
                assert!(hi - lo <= 1, "{name}: {counts:?}");
            }
            Task::Regression { outputs } => {
                assert_eq!(outputs, 1);
            }
        }
        assert_eq!(Some(d.dim()), generator_columns(name), "{name}");
        let Inputs::F32(x) = d.inputs() else { panic!() };
        assert!(x.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn the_playground_lists_every_generator_once() {
    let mut listed: Vec<&str> = PLAYGROUND_GENERATORS.iter().map(|&(n, _)| n).collect();
    let mut all = GENERATORS.to_vec();
    listed.sort_unstable();
    all.sort_unstable();
    assert_eq!(listed, all);
}

#[test]
fn deterministic_per_seed() {
    for &name in GENERATORS {
        let noise = default_noise(name).unwrap();
        let a = to_csv_string(&generate(name, 100, noise, 1).unwrap());
        let b = to_csv_string(&generate(name, 100, noise, 1).unwrap());
        let c = to_csv_string(&generate(name, 100, noise, 2).unwrap());
        assert_eq!(a, b, "{name}: same seed, same bytes");
        assert_ne!(a, c, "{name}: another seed differs");
    }
}

#[test]
fn unknown_names_and_bad_noise() {
    assert!(is_generator("moons") && !is_generator("mnist"));
    let err = generate("swirl", 10, 0.0, 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown dataset generator `swirl`: expected one of \
         xor, circle, gauss, spiral, moons, blobs, spiral4, plane, reg-gauss, sine"
    );
    assert!(generate("xor", 10, f32::NAN, 1).is_err());
    assert!(generate("xor", 10, -1.0, 1).is_err());
    assert!(generate("blobs", 0, 1.0, 1).unwrap().is_empty());
}

#[test]
fn xor_clean() {
    for ([x, y], c) in points(&xor(400, 0.0, 3)) {
        assert!(x.abs() >= 0.3 && y.abs() >= 0.3 && x.abs() <= 5.3 && y.abs() <= 5.3);
        assert_eq!(x * y > 0.0, c == 1);
    }
}

#[test]
fn circle_clean_radii_in_their_bands() {
    for ([x, y], c) in points(&circle(400, 0.0, 3)) {
        let r = x.hypot(y);
        if c == 1 {
            assert!(r <= 2.5 + 1e-5, "inner r = {r}");
        } else {
            assert!((3.5 - 1e-5..=5.0 + 1e-5).contains(&r), "outer r = {r}");
        }
    }
}

#[test]
fn gauss_clean_clusters_are_separated() {
    let pts = points(&gauss(400, 0.0, 3));
    for &([x, y], c) in &pts {
        assert_eq!(x + y > 0.0, c == 1);
    }
    let mean_x: f32 = pts.iter().filter(|p| p.1 == 1).map(|p| p.0[0]).sum::<f32>() / 200.0;
    assert!((mean_x - 2.0).abs() < 0.15, "{mean_x}");
}

#[test]
fn spiral_clean_points_lie_on_the_spiral() {
    for ([x, y], c) in points(&spiral(400, 0.0, 3)) {
        let r = f64::from(x.hypot(y));
        let delta = if c == 1 { 0.0 } else { PI };
        let t = 1.75 * 2.0 * PI * r / 5.0 + delta;
        assert!((f64::from(x) - r * t.sin()).abs() < 1e-4, "{x} {y} {c}");
        assert!((f64::from(y) - r * t.cos()).abs() < 1e-4, "{x} {y} {c}");
    }
}

#[test]
fn moons_clean_on_unit_half_circles() {
    let pts = points(&moons(400, 0.0, 3));
    for &([x, y], c) in &pts {
        let (cx, cy) = if c == 0 { (0.0, 0.0) } else { (1.0, 0.5) };
        let r = (x - cx).hypot(y - cy);
        assert!((r - 1.0).abs() < 1e-5, "r = {r}");
        if c == 0 {
            assert!(y >= -1e-6);
        } else {
            assert!(y <= 0.5 + 1e-6);
        }
    }
    assert!(
        pts.iter().any(|p| p.0 == [1.0, 0.0] && p.1 == 0),
        "linspace ends at s = 0"
    );
}

#[test]
fn blobs_clean_points_sit_on_their_centres() {
    let pts = points(&blobs_with_classes(100, 4, 0.0, 3));
    for c in 0..4 {
        let mine: Vec<_> = pts.iter().filter(|p| p.1 == c).collect();
        assert_eq!(mine.len(), 25);
        assert!(mine.iter().all(|p| p.0 == mine[0].0));
        assert!(mine[0].0.iter().all(|v| (-10.0..10.0).contains(v)));
    }
}

#[test]
fn spiral4_arms_are_the_spiral_turned_by_quarters() {
    let d = spiral_arms(400, 4, 0.0, 3);
    assert_eq!(d.name(), "spiral4");
    assert_eq!(d.class_counts(), vec![100; 4]);
    for ([x, y], c) in points(&d) {
        let r = f64::from(x.hypot(y));
        let t = 1.75 * 2.0 * PI * r / 5.0 + PI / 2.0 * f64::from(c);
        assert!((f64::from(x) - r * t.sin()).abs() < 1e-4, "{x} {y} {c}");
        assert!((f64::from(y) - r * t.cos()).abs() < 1e-4, "{x} {y} {c}");
    }
}

/// Hand-computed heights: cone radius 2, so height 1 - d/2 near a centre.
#[test]
fn reg_gauss_cones_by_hand() {
    let t = reg_gauss_target;
    assert_eq!(t(-4.0, 2.5), 1.0); // on the top-left centre (+)
    assert_eq!(t(0.0, 2.5), -1.0); // top middle (-)
    assert_eq!(t(4.0, -2.5), -1.0); // bottom right (-)
    assert_eq!(t(0.0, -2.5), 1.0); // bottom middle (+)
    assert_eq!(t(1.0, 2.5), -0.5); // 1 from the top middle: -(1 - 1/2)
    assert_eq!(t(-4.0, 1.0), 0.25); // 1.5 below the top-left: 1 - 1.5/2
    assert_eq!(t(0.0, 0.0), 0.0); // 2.5 from the nearest centres
    assert_eq!(t(-2.0, 2.5), 0.0); // exactly 2 from two centres
    assert_eq!(t(6.0, 6.0), 0.0);
    // 0.6 from the top-left (+0.7) and 3.4 from the top middle (0): +0.7.
    assert!((t(-3.4, 2.5) - 0.7).abs() < 1e-12);
}

#[test]
fn regressions_clean() {
    let d = plane(200, 0.0, 3);
    let (Inputs::F32(x), Targets::Values(y)) = (d.inputs(), d.targets()) else {
        panic!()
    };
    for (p, &t) in x.chunks_exact(2).zip(y) {
        assert!(p.iter().all(|v| (-6.0..=6.0).contains(v)));
        assert!((t - (p[0] + p[1]) / 10.0).abs() < 1e-6);
    }
    let d = reg_gauss(300, 0.0, 3);
    let (Inputs::F32(x), Targets::Values(y)) = (d.inputs(), d.targets()) else {
        panic!()
    };
    for (p, &t) in x.chunks_exact(2).zip(y) {
        assert!(p.iter().all(|v| (-6.0..=6.0).contains(v)));
        let expected = reg_gauss_target(f64::from(p[0]), f64::from(p[1])) as f32;
        assert_eq!(t, expected);
    }
    assert!(y.iter().any(|&t| t > 0.5) && y.iter().any(|&t| t < -0.5));
    let d = sine(200, 0.0, 3);
    let (Inputs::F32(x), Targets::Values(y)) = (d.inputs(), d.targets()) else {
        panic!()
    };
    for (&x, &t) in x.iter().zip(y) {
        assert!((t - x.sin()).abs() < 1e-6);
    }
}
