//! A sweep's marginal plot: one small panel per axis, each of its values with
//! every trial's best validation score (a dot), their range over seeds and
//! trials (a bar from min to max) and their mean (a larger dot, the means
//! joined by a line). The panels share one vertical scale, so the axis that
//! matters is the one whose means move most. A random search's axis, with more
//! values than slots and all of them numbers, is drawn to scale instead: a dot
//! per trial at its value (a log scale for a `log:` range).

use crate::boundary::{DIM, INK, RULE};
use crate::colors::Rgb;
use crate::svg::{Anchor, Svg, tick_label, ticks};
use crate::{Picture, PlotError};

/// One axis of a sweep and the scores its trials reached at each of its values.
#[derive(Debug, Clone)]
pub struct AxisScores {
    /// The axis's key (`lr`).
    pub key: String,
    /// `(value, the best validation score of each trial with that value)`, in
    /// the order the sweep tried them.
    pub values: Vec<(String, Vec<f64>)>,
}

/// The colour of the means and their line.
pub const MEAN_RGB: Rgb = nn_palette::CLASS_RGB[1];
/// The colour of each trial's dot and of the min-max bar.
const TRIAL_RGB: Rgb = [150, 150, 150];

/// Panels per row.
const COLUMNS: usize = 3;

/// The default size for `axes` panels: 320 pixels a panel across, 300 down.
pub fn marginals_size(axes: usize) -> (u32, u32) {
    let columns = axes.clamp(1, COLUMNS);
    let rows = axes.max(1).div_ceil(COLUMNS);
    (
        (90 + 320 * columns as u32).max(500),
        110 + 300 * rows as u32,
    )
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The marginal plot of `axes` in a `width x height` picture titled `title`;
/// `metric` names the score (`validation accuracy`, `validation loss`).
pub fn marginals(
    axes: &[AxisScores],
    metric: &str,
    width: u32,
    height: u32,
    title: &str,
) -> Result<Picture, PlotError> {
    let scores = || {
        axes.iter()
            .flat_map(|a| a.values.iter().flat_map(|(_, s)| s.iter().copied()))
            .filter(|s| s.is_finite())
    };
    if axes.is_empty() || scores().next().is_none() {
        return Err(PlotError::Unsuitable(
            "no finished trials with a validation score: nothing to plot".into(),
        ));
    }
    let (lo, hi) = scores().fold((f64::MAX, f64::MIN), |(lo, hi), s| (lo.min(s), hi.max(s)));
    let pad = ((hi - lo) * 0.08).max(hi.abs().max(1e-3) * 0.01);
    let (y0, y1) = (lo - pad, hi + pad);
    let columns = axes.len().min(COLUMNS);
    let rows = axes.len().div_ceil(COLUMNS);
    let (w, h) = (width as f32, height as f32);
    let mut svg = Svg::new(width, height);
    svg.bold((20.0, 26.0), 16.0, Anchor::Start, INK, title);
    svg.line((20.0, 44.0), (38.0, 44.0), TRIAL_RGB, 3.0);
    svg.circle((29.0, 44.0), 3.0, Some(TRIAL_RGB), None);
    svg.text(
        (44.0, 48.0),
        12.0,
        Anchor::Start,
        INK,
        "each trial, min to max",
    );
    svg.circle((222.0, 44.0), 5.5, Some(MEAN_RGB), None);
    svg.text((232.0, 48.0), 12.0, Anchor::Start, INK, "mean");
    let top = 80.0;
    let (left_margin, gap_x, gap_y) = (70.0, 40.0, 70.0);
    let pw = (w - left_margin - 20.0 - gap_x * (columns - 1) as f32) / columns as f32;
    let ph = (h - top - 20.0 - gap_y * rows as f32) / rows as f32 + 20.0;
    if pw < 100.0 || ph < 80.0 {
        let (mw, mh) = marginals_size(axes.len());
        return Err(PlotError::Unsuitable(format!(
            "{width}x{height} pixels is too small for {} panels; expected about {mw}x{mh} (the default)",
            axes.len()
        )));
    }
    for (i, axis) in axes.iter().enumerate() {
        let left = left_margin + (i % COLUMNS) as f32 * (pw + gap_x);
        let panel_top = top + (i / COLUMNS) as f32 * (ph + gap_y);
        panel(
            &mut svg,
            axis,
            metric,
            (y0, y1),
            i % COLUMNS == 0,
            (left, panel_top, pw, ph),
        );
    }
    Ok(svg.finish())
}

/// One axis's panel in `area` (left, top, width, height), scores from `y0` to `y1`.
fn panel(
    svg: &mut Svg,
    axis: &AxisScores,
    metric: &str,
    (y0, y1): (f64, f64),
    first_in_row: bool,
    area: (f32, f32, f32, f32),
) {
    let (left, top, pw, ph) = area;
    let to_y = |v: f64| top + ((y1 - v) / (y1 - y0)) as f32 * ph;
    let ys = ticks(y0, y1, 5);
    let step = if ys.len() > 1 { ys[1] - ys[0] } else { 1.0 };
    for &t in &ys {
        let y = to_y(t);
        svg.line((left, y), (left + pw, y), RULE, 0.6);
        svg.text(
            (left - 6.0, y + 4.0),
            12.0,
            Anchor::End,
            DIM,
            &tick_label(t, step),
        );
    }
    svg.frame(left, top, pw, ph, DIM, 1.0);
    if first_in_row {
        svg.vertical_text((left - 52.0, top + ph / 2.0), 13.0, INK, metric);
    }
    svg.bold((left, top - 8.0), 13.0, Anchor::Start, INK, &axis.key);
    if let Some(numbers) = numeric(axis) {
        scatter(svg, &numbers, (y0, y1), area);
        return;
    }
    let n = axis.values.len().max(1);
    let slot = pw / n as f32;
    let mut means = Vec::new();
    for (j, (value, scores)) in axis.values.iter().enumerate() {
        let x = left + slot * (j as f32 + 0.5);
        let finite: Vec<f64> = scores.iter().copied().filter(|s| s.is_finite()).collect();
        // Long values (hidden=16:16:16) shortened to fit their slot.
        let room = ((slot / 7.0) as usize).max(4);
        let label: String = if value.chars().count() > room {
            let mut s: String = value.chars().take(room - 1).collect();
            s.push('…');
            s
        } else {
            value.clone()
        };
        svg.text((x, top + ph + 17.0), 12.0, Anchor::Middle, INK, &label);
        if finite.is_empty() {
            svg.text((x, top + ph / 2.0), 12.0, Anchor::Middle, DIM, "none");
            continue;
        }
        let (lo, hi) = finite
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        svg.line((x, to_y(lo)), (x, to_y(hi)), TRIAL_RGB, 3.0);
        for &s in &finite {
            svg.circle((x, to_y(s)), 3.0, Some(TRIAL_RGB), None);
        }
        let m = mean(&finite);
        means.push((x, to_y(m)));
        // The mean and the count under the value's name, clear of the dots and the line,
        // on two short lines so that neighbouring values' captions do not run together.
        svg.text(
            (x, top + ph + 31.0),
            11.0,
            Anchor::Middle,
            DIM,
            &format!("mean {m:.3}"),
        );
        svg.text(
            (x, top + ph + 44.0),
            11.0,
            Anchor::Middle,
            DIM,
            &format!("n={}", finite.len()),
        );
    }
    if means.len() > 1 {
        svg.polyline(&means, MEAN_RGB, 1.8, None);
    }
    for &p in &means {
        svg.circle(p, 5.5, Some(MEAN_RGB), Some(([255, 255, 255], 1.2)));
    }
}

/// Values past which a numeric axis is drawn to scale rather than one slot a value.
const MOST_SLOTS: usize = 12;

/// A random search's axis (more values than slots, all numbers): `(value, score)`
/// of each trial.
fn numeric(axis: &AxisScores) -> Option<Vec<(f64, f64)>> {
    if axis.values.len() <= MOST_SLOTS {
        return None;
    }
    let mut out = Vec::new();
    for (value, scores) in &axis.values {
        let x: f64 = value.parse().ok()?;
        out.extend(scores.iter().filter(|s| s.is_finite()).map(|&s| (x, s)));
    }
    Some(out)
}

/// Each trial as a dot at its value, on a log scale when the values are positive
/// and span a factor of 20 or more (a `log:` range).
fn scatter(svg: &mut Svg, points: &[(f64, f64)], (y0, y1): (f64, f64), area: (f32, f32, f32, f32)) {
    let (left, top, pw, ph) = area;
    let (lo, hi) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &(x, _)| {
            (lo.min(x), hi.max(x))
        });
    let log = lo > 0.0 && hi / lo >= 20.0;
    let scale = |x: f64| if log { x.log10() } else { x };
    let (x0, x1) = (scale(lo), scale(hi));
    let pad = ((x1 - x0) * 0.05).max(1e-9);
    let (x0, x1) = (x0 - pad, x1 + pad);
    let to_x = |x: f64| left + ((scale(x) - x0) / (x1 - x0)) as f32 * pw;
    let to_y = |v: f64| top + ((y1 - v) / (y1 - y0)) as f32 * ph;
    let xs: Vec<f64> = if log {
        (x0.ceil() as i32..=x1.floor() as i32)
            .map(|e| 10f64.powi(e))
            .collect()
    } else {
        ticks(x0, x1, 4)
    };
    let step = if xs.len() > 1 { xs[1] - xs[0] } else { 1.0 };
    for &t in &xs {
        let x = to_x(t);
        svg.line((x, top), (x, top + ph), RULE, 0.6);
        let label = if log {
            format!("{t}")
        } else {
            tick_label(t, step)
        };
        svg.text((x, top + ph + 17.0), 12.0, Anchor::Middle, INK, &label);
    }
    for &(x, s) in points {
        svg.circle((to_x(x), to_y(s)), 3.5, Some(MEAN_RGB), None);
    }
    if log {
        svg.text(
            (left + pw, top + ph + 34.0),
            11.0,
            Anchor::End,
            DIM,
            "log scale",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axes() -> Vec<AxisScores> {
        vec![
            AxisScores {
                key: "lr".into(),
                values: vec![
                    ("0.01".into(), vec![0.5, 0.6]),
                    ("0.1".into(), vec![0.9, 1.0]),
                ],
            },
            AxisScores {
                key: "hidden".into(),
                values: vec![("4".into(), vec![0.5, 0.9]), ("8".into(), vec![0.6, 1.0])],
            },
        ]
    }

    #[test]
    fn the_means_are_drawn_higher_for_the_better_value() {
        let (w, h) = marginals_size(2);
        let picture = marginals(&axes(), "validation accuracy", w, h, "xor").unwrap();
        let pixmap = picture.pixels().unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (w, h));
        // The mean dots after the legend's, in the order drawn: lr's 0.55 then 0.95.
        let circles: Vec<(f32, f32)> = picture
            .svg
            .lines()
            .filter(|l| l.contains("<circle") && l.contains(&crate::colors::hex(MEAN_RGB)))
            .map(|l| {
                let num = |attr: &str| {
                    let start = l.find(attr).unwrap() + attr.len();
                    l[start..]
                        .split('"')
                        .next()
                        .unwrap()
                        .parse::<f32>()
                        .unwrap()
                };
                (num("cx=\""), num("cy=\""))
            })
            .skip(1)
            .collect();
        assert_eq!(circles.len(), 4);
        assert!(circles[1].1 < circles[0].1, "{circles:?}");
        assert!(picture.svg.contains(">mean 0.950<"));
        assert!(picture.svg.contains(">n=2<"));
    }

    #[test]
    fn a_random_axis_of_many_numbers_is_drawn_to_scale() {
        let lr = AxisScores {
            key: "lr".into(),
            values: (0..20)
                .map(|i| {
                    (
                        format!("{}", 1e-4 * 1.5f64.powi(i)),
                        vec![0.5 + 0.02 * f64::from(i)],
                    )
                })
                .collect(),
        };
        let picture = marginals(&[lr], "validation accuracy", 500, 410, "xor").unwrap();
        assert!(picture.svg.contains("log scale"));
        assert!(picture.svg.contains(">0.001<"));
        assert!(!picture.svg.contains("mean "), "no per-value means");
        assert_eq!(
            picture.svg.matches(&crate::colors::hex(MEAN_RGB)).count(),
            21
        );
    }

    #[test]
    fn nothing_scored_is_refused() {
        let empty = vec![AxisScores {
            key: "lr".into(),
            values: vec![("0.1".into(), vec![])],
        }];
        assert!(marginals(&empty, "loss", 500, 400, "t").is_err());
        assert!(marginals(&axes(), "loss", 200, 200, "t").is_err());
    }
}
