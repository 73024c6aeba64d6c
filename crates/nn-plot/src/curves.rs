//! Loss and accuracy over epochs, from a run's `events.jsonl`: training,
//! validation and test for one run; for several, each run's held-out curve
//! (solid) and training curve (dashed) in a colour of its own, labelled by what
//! differs between them.

use nn_train::EpochReport;

use crate::boundary::{DIM, INK, RULE};
use crate::colors::{Rgb, class_rgb};
use crate::svg::{Anchor, Svg, tick_label, ticks};
use crate::{Picture, PlotError};

/// One run's epochs and its legend label.
#[derive(Debug, Clone)]
pub struct RunCurves {
    /// What tells it from the others (`lr=0.3`), or its name.
    pub label: String,
    /// Its epochs in order.
    pub epochs: Vec<EpochReport>,
}

/// A line of a chart.
#[derive(Debug, Clone)]
pub struct Curve {
    /// Its legend entry.
    pub label: String,
    /// `(epoch, value)` in order.
    pub points: Vec<(f64, f64)>,
    /// Its colour.
    pub color: Rgb,
    /// Dashed (training) or solid.
    pub dashed: bool,
}

/// Points kept per curve: enough for any picture's width.
const MAX_POINTS: usize = 1500;

/// The part of an epoch a curve follows.
#[derive(Clone, Copy)]
enum Part {
    Train,
    Validation,
    Test,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Train => "train",
            Part::Validation => "validation",
            Part::Test => "test",
        }
    }

    fn metrics(self, e: &EpochReport) -> Option<&nn_train::Metrics> {
        match self {
            Part::Train => Some(&e.train),
            Part::Validation => e.validation.as_ref(),
            Part::Test => e.test.as_ref(),
        }
    }
}

fn series(epochs: &[EpochReport], part: Part, accuracy: bool) -> Vec<(f64, f64)> {
    let stride = epochs.len().div_ceil(MAX_POINTS).max(1);
    let mut points: Vec<(f64, f64)> = epochs
        .iter()
        .enumerate()
        .filter(|(i, _)| i % stride == 0 || *i + 1 == epochs.len())
        .filter_map(|(_, e)| {
            let m = part.metrics(e)?;
            let v = if accuracy { m.accuracy()? } else { m.loss };
            v.is_finite().then_some((e.epoch as f64, v))
        })
        .collect();
    points.dedup_by(|a, b| a.0 == b.0);
    points
}

/// The lines of one chart (loss, or accuracy).
fn lines(runs: &[RunCurves], accuracy: bool) -> Vec<Curve> {
    let single = runs.len() == 1;
    let mut out = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let held_out = [Part::Test, Part::Validation]
            .into_iter()
            .find(|p| !series(&run.epochs, *p, accuracy).is_empty());
        if single {
            for (part, color) in [
                (Part::Train, class_rgb(0)),
                (Part::Validation, class_rgb(2)),
                (Part::Test, class_rgb(1)),
            ] {
                let points = series(&run.epochs, part, accuracy);
                if !points.is_empty() {
                    out.push(Curve {
                        label: part.name().into(),
                        points,
                        color,
                        dashed: false,
                    });
                }
            }
        } else {
            let color = class_rgb(i);
            out.push(Curve {
                label: format!("{} train", run.label),
                points: series(&run.epochs, Part::Train, accuracy),
                color,
                dashed: true,
            });
            if let Some(part) = held_out {
                out.push(Curve {
                    label: format!("{} {}", run.label, part.name()),
                    points: series(&run.epochs, part, accuracy),
                    color,
                    dashed: false,
                });
            }
        }
    }
    out.retain(|c| !c.points.is_empty());
    out
}

/// The curves of `runs` in a `width x height` picture titled `title`.
pub fn curves(
    runs: &[RunCurves],
    width: u32,
    height: u32,
    title: &str,
) -> Result<Picture, PlotError> {
    let loss = lines(runs, false);
    if loss.is_empty() {
        return Err(PlotError::Unsuitable(
            "no epochs recorded yet: nothing to plot".into(),
        ));
    }
    let accuracy = lines(runs, true);
    let (w, h) = (width as f32, height as f32);
    let mut svg = Svg::new(width, height);
    svg.bold((20.0, 26.0), 16.0, Anchor::Start, INK, title);
    // The legend: each run's colour and label (several runs), or each part's.
    let mut x = 20.0;
    let mut y = 48.0;
    let entries: Vec<(String, Rgb)> = if runs.len() == 1 {
        loss.iter().map(|c| (c.label.clone(), c.color)).collect()
    } else {
        runs.iter()
            .enumerate()
            .map(|(i, r)| (r.label.clone(), class_rgb(i)))
            .collect()
    };
    for (label, color) in &entries {
        let room = 30.0 + label.chars().count() as f32 * 7.0;
        if x + room > w - 20.0 {
            x = 20.0;
            y += 18.0;
        }
        svg.line((x, y - 4.0), (x + 18.0, y - 4.0), *color, 3.0);
        svg.text((x + 24.0, y), 12.0, Anchor::Start, INK, label);
        x += room + 12.0;
    }
    if runs.len() > 1 {
        let note = held_out_note(&loss);
        y += 18.0;
        svg.text((20.0, y), 12.0, Anchor::Start, DIM, &note);
    }
    let top = y + 36.0;
    let panels = if accuracy.is_empty() { 1 } else { 2 };
    let gap = 70.0;
    let pw = (w - 70.0 - 20.0 - gap * (panels - 1) as f32) / panels as f32;
    let ph = h - top - 50.0;
    if pw < 60.0 || ph < 60.0 {
        return Err(PlotError::Unsuitable(format!(
            "{width}x{height} pixels is too small for curves; expected at least 400x300"
        )));
    }
    chart(&mut svg, &loss, "loss", false, (70.0, top, pw, ph));
    if !accuracy.is_empty() {
        chart(
            &mut svg,
            &accuracy,
            "accuracy",
            true,
            (70.0 + pw + gap, top, pw, ph),
        );
    }
    let _ = h;
    Ok(svg.finish())
}

/// What solid and dashed mean, for several runs.
fn held_out_note(loss: &[Curve]) -> String {
    let held_out = if loss.iter().any(|c| c.label.ends_with(" test")) {
        "test"
    } else {
        "validation"
    };
    format!("solid: {held_out}, dashed: train")
}

/// One chart in `area` (left, top, width, height).
fn chart(svg: &mut Svg, curves: &[Curve], name: &str, accuracy: bool, area: (f32, f32, f32, f32)) {
    let (left, top, pw, ph) = area;
    let all = curves.iter().flat_map(|c| c.points.iter());
    let (mut x1, mut y0, mut y1) = (1f64, f64::MAX, f64::MIN);
    for &(x, y) in all {
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let x0 = 0.0;
    // Loss spanning more than a factor of 20: a log scale shows its whole descent.
    let log = !accuracy && y0 > 0.0 && y1 / y0 >= 20.0;
    let (y0, y1) = if accuracy {
        ((y0 - 0.02).clamp(0.0, 1.0).min(0.5), 1.0)
    } else if log {
        (y0.log10(), y1.log10())
    } else {
        (0.0, y1 * 1.05)
    };
    let (y0, y1) = if y1 > y0 {
        (y0, y1)
    } else {
        (y0 - 0.5, y0 + 0.5)
    };
    let to_px = |x: f64, y: f64| {
        let y = if log { y.log10() } else { y };
        (
            left + ((x - x0) / (x1 - x0)) as f32 * pw,
            top + ((y1 - y) / (y1 - y0)) as f32 * ph,
        )
    };
    // Grid and ticks.
    let xs = ticks(x0, x1, 6);
    let step = if xs.len() > 1 { xs[1] - xs[0] } else { 1.0 };
    for &t in &xs {
        let (x, _) = to_px(t, if log { 10f64.powf(y0) } else { y0 });
        svg.line((x, top), (x, top + ph), RULE, 0.6);
        svg.text(
            (x, top + ph + 17.0),
            12.0,
            Anchor::Middle,
            DIM,
            &tick_label(t, step),
        );
    }
    let ys: Vec<f64> = if log {
        (y0.ceil() as i32..=y1.floor() as i32)
            .map(|e| 10f64.powi(e))
            .collect()
    } else {
        ticks(y0, y1, 5)
    };
    let ystep = if ys.len() > 1 { ys[1] - ys[0] } else { 1.0 };
    for &t in &ys {
        let (_, y) = to_px(x0, t);
        svg.line((left, y), (left + pw, y), RULE, 0.6);
        let label = if log {
            format!("{t}")
        } else {
            tick_label(t, ystep)
        };
        svg.text((left - 6.0, y + 4.0), 12.0, Anchor::End, DIM, &label);
    }
    svg.frame(left, top, pw, ph, DIM, 1.0);
    for c in curves {
        let points: Vec<(f32, f32)> = c.points.iter().map(|&(x, y)| to_px(x, y)).collect();
        svg.polyline(
            &points,
            c.color,
            if c.dashed { 1.5 } else { 2.2 },
            c.dashed.then_some(5.0),
        );
    }
    let scale = if log { " (log scale)" } else { "" };
    svg.bold(
        (left, top - 8.0),
        13.0,
        Anchor::Start,
        INK,
        &format!("{name}{scale}"),
    );
    svg.text(
        (left + pw / 2.0, top + ph + 38.0),
        13.0,
        Anchor::Middle,
        INK,
        "epoch",
    );
}
