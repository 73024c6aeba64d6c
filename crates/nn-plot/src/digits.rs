//! A classifier of images (MNIST and the like) as a picture: held-out digits with
//! the class the model predicts under each, the misclassified ones framed in red
//! with their true class, and the confusion matrix over all held-out images as a
//! heatmap (right answers blue, mistakes orange, each row by its share).

use nn_core::Workspace;
use nn_data::{Dataset, Inputs, Targets};
use nn_train::{Model, predicted_class};

use crate::boundary::{
    BOLD_EM, BoundaryOptions, DIM, INK, REGULAR_EM, RULE, describe, fit_text, titled,
};
use crate::colors::{Rgb, mix, playground_rgb};
use crate::svg::{Anchor, Svg};
use crate::{Picture, PlotError, raster};

/// The frame and label of a misclassified digit.
pub const WRONG: Rgb = [214, 39, 40];
/// Digits shown in order, and misclassified ones shown after them, at most.
const IN_ORDER: usize = 40;
const MISCLASSIFIED: usize = 20;
/// Digits a row.
const COLUMNS: usize = 10;
/// Images predicted per forward pass.
const CHUNK: usize = 1024;

/// The side of square byte images (`Some(28)` for MNIST), if `data` holds them.
pub fn image_side(data: &Dataset) -> Option<usize> {
    let side = (data.dim() as f64).sqrt().round() as usize;
    (matches!(data.inputs(), Inputs::U8(_)) && side >= 8 && side * side == data.dim())
        .then_some(side)
}

/// Every image's predicted class, in order.
fn predictions(model: &Model, data: &Dataset) -> Result<Vec<usize>, PlotError> {
    let dim = data.dim();
    let width = model.network.architecture().outputs();
    let mut workspace = Workspace::new();
    let mut inputs = Vec::new();
    let mut predicted = Vec::with_capacity(data.len());
    let indices: Vec<usize> = (0..data.len()).collect();
    for chunk in indices.chunks(CHUNK) {
        inputs.resize(chunk.len() * dim, 0.0);
        data.write_batch_inputs(chunk, &model.normalization, &mut inputs);
        let outputs = model
            .network
            .forward(&inputs, &mut workspace)
            .map_err(|e| PlotError::Train(e.into()))?;
        predicted.extend(outputs.chunks_exact(width).map(predicted_class));
    }
    Ok(predicted)
}

/// The picture of `model` on the held-out images `data`: a grid of digits with their
/// predictions and the confusion matrix. `origin` names the images in the caption.
pub fn digits(
    model: &Model,
    data: &Dataset,
    origin: &str,
    options: &BoundaryOptions,
) -> Result<Picture, PlotError> {
    let Some(side) = image_side(data) else {
        return Err(PlotError::Unsuitable(format!(
            "{origin}: not images (square byte images of at least 8x8 pixels, as MNIST's); a digits picture needs them"
        )));
    };
    let (Inputs::U8(bytes), Targets::Classes(labels)) = (data.inputs(), data.targets()) else {
        return Err(PlotError::Unsuitable(format!(
            "{origin}: images without classes; a digits picture needs a classifier's data"
        )));
    };
    let arch = model.network.architecture();
    if arch.inputs() != data.dim() || model.features.is_some() {
        return Err(PlotError::Unsuitable(format!(
            "{origin}: images of {} pixels, but the model reads {} inputs",
            data.dim(),
            arch.inputs()
        )));
    }
    if data.is_empty() {
        return Err(PlotError::Unsuitable(format!(
            "{origin}: no held-out images to show"
        )));
    }
    let classes = arch.outputs().max(2);
    let predicted = predictions(model, data)?;
    let mut counts = vec![0u64; classes * classes];
    for (&truth, &guess) in labels.iter().zip(&predicted) {
        let truth = (truth as usize).min(classes - 1);
        counts[truth * classes + guess.min(classes - 1)] += 1;
    }
    let wrong: Vec<usize> = (0..data.len())
        .filter(|&i| predicted[i] != labels[i] as usize)
        .collect();
    let name = |c: usize| {
        model
            .info
            .class_names
            .get(c)
            .cloned()
            .unwrap_or_else(|| c.to_string())
    };

    let (w, h) = (options.width as f32, options.height as f32);
    let top = 84.0;
    let grid_w = (w * 0.55).floor();
    let mut svg = Svg::new(options.width, options.height);
    let (size, title) = fit_text(
        &titled(&options.title, "test digits and confusion matrix"),
        16.0,
        BOLD_EM,
        w - 28.0,
    );
    svg.bold((20.0, 26.0), size, Anchor::Start, INK, &title);
    let accuracy = 100.0 * (data.len() - wrong.len()) as f64 / data.len() as f64;
    let caption = format!(
        "{}; {origin}: {} images, {accuracy:.1}% right, {} wrong",
        describe(model),
        data.len(),
        wrong.len()
    );
    let (size, caption) = fit_text(&caption, 12.0, REGULAR_EM, w - 28.0);
    svg.text((20.0, 46.0), size, Anchor::Start, DIM, &caption);
    let (size, key) = fit_text(
        "under each digit: the class predicted; framed in red: wrong, with the true class",
        12.0,
        REGULAR_EM,
        w - 28.0,
    );
    svg.text((20.0, 64.0), size, Anchor::Start, DIM, &key);

    // The digits: the first in order, then the first misclassified ones.
    let shown_wrong: Vec<usize> = wrong.iter().copied().take(MISCLASSIFIED).collect();
    let in_order = IN_ORDER.min(data.len());
    let rows = in_order.div_ceil(COLUMNS) + shown_wrong.len().div_ceil(COLUMNS);
    let headers = 2.0 * 22.0 + 8.0;
    let cell = ((grid_w - 40.0) / COLUMNS as f32)
        .min((h - top - 16.0 - headers) / rows.max(1) as f32)
        .floor();
    if cell < 24.0 {
        return Err(PlotError::Unsuitable(format!(
            "{}x{} pixels is too small for the digits; expected at least 600x500",
            options.width, options.height
        )));
    }
    let digit_side = cell - 16.0;
    let mut y = top;
    let draw_grid = |svg: &mut Svg, y: &mut f32, heading: &str, items: &[usize]| {
        svg.bold((20.0, *y + 14.0), 13.0, Anchor::Start, INK, heading);
        *y += 22.0;
        for (k, &i) in items.iter().enumerate() {
            let x = 20.0 + (k % COLUMNS) as f32 * cell;
            let yy = *y + (k / COLUMNS) as f32 * cell;
            let ink: Vec<Rgb> = bytes[i * side * side..(i + 1) * side * side]
                .iter()
                .map(|&v| [255 - v; 3])
                .collect();
            // The pixels as they are (a PNG scaled without smoothing would need a filter
            // attribute resvg honours; at these sizes smooth scaling reads fine).
            if let Ok(png) = raster::png_of_rgb(&ink, side as u32, side as u32) {
                svg.png(x + 4.0, yy, digit_side, digit_side, &png);
            }
            let truth = labels[i] as usize;
            let guess = predicted[i];
            if guess == truth {
                svg.frame(x + 4.0, yy, digit_side, digit_side, RULE, 1.0);
                svg.text(
                    (x + 4.0 + digit_side / 2.0, yy + digit_side + 12.0),
                    11.0,
                    Anchor::Middle,
                    INK,
                    &name(guess),
                );
            } else {
                svg.frame(
                    x + 3.0,
                    yy - 1.0,
                    digit_side + 2.0,
                    digit_side + 2.0,
                    WRONG,
                    2.5,
                );
                svg.bold(
                    (x + 4.0 + digit_side / 2.0, yy + digit_side + 12.0),
                    11.0,
                    Anchor::Middle,
                    WRONG,
                    &format!("{} ({})", name(guess), name(truth)),
                );
            }
        }
        *y += items.len().div_ceil(COLUMNS) as f32 * cell;
    };
    let first: Vec<usize> = (0..in_order).collect();
    draw_grid(
        &mut svg,
        &mut y,
        &format!("the first {in_order} held-out images"),
        &first,
    );
    y += 8.0;
    let heading = if wrong.is_empty() {
        "misclassified: none".to_string()
    } else {
        format!(
            "misclassified: the first {} of {}",
            shown_wrong.len(),
            wrong.len()
        )
    };
    draw_grid(&mut svg, &mut y, &heading, &shown_wrong);

    // The confusion matrix: rows the true class, columns the predicted one.
    let (mx, my) = (grid_w + 50.0, top + 40.0);
    let room = (w - mx - 20.0).min(h - my - 50.0);
    let m = (room / classes as f32).floor();
    if m < 6.0 {
        return Err(PlotError::Unsuitable(format!(
            "{}x{} pixels is too small for the confusion matrix; expected at least 600x500",
            options.width, options.height
        )));
    }
    svg.bold(
        (mx, top + 14.0),
        13.0,
        Anchor::Start,
        INK,
        "confusion matrix",
    );
    let row_totals: Vec<u64> = (0..classes)
        .map(|t| counts[t * classes..(t + 1) * classes].iter().sum())
        .collect();
    for t in 0..classes {
        for p in 0..classes {
            let count = counts[t * classes + p];
            let share = if row_totals[t] == 0 {
                0.0
            } else {
                count as f32 / row_totals[t] as f32
            };
            // Right answers on the blue side, mistakes on the orange; deeper for a larger
            // share of the true class (mistakes on a square-root scale: 1% must show).
            let color = if t == p {
                mix([255, 255, 255], playground_rgb(1.0), share)
            } else {
                mix(
                    [255, 255, 255],
                    playground_rgb(-1.0),
                    (share * 10.0).sqrt().min(1.0),
                )
            };
            let (x, y) = (mx + p as f32 * m, my + t as f32 * m);
            svg.rect(x, y, m, m, color);
            if count > 0 && m >= 22.0 {
                let label = count.to_string();
                let size = (m * 0.4).min(12.0);
                if label.chars().count() as f32 * size * REGULAR_EM < m - 2.0 {
                    let ink = if t == p && share > 0.6 {
                        [255, 255, 255]
                    } else {
                        INK
                    };
                    svg.text(
                        (x + m / 2.0, y + m / 2.0 + size * 0.35),
                        size,
                        Anchor::Middle,
                        ink,
                        &label,
                    );
                }
            }
        }
        let label_size = (m * 0.6).clamp(8.0, 12.0);
        svg.text(
            (mx - 6.0, my + t as f32 * m + m / 2.0 + label_size * 0.35),
            label_size,
            Anchor::End,
            INK,
            &name(t),
        );
        svg.text(
            (mx + t as f32 * m + m / 2.0, my - 6.0),
            label_size,
            Anchor::Middle,
            INK,
            &name(t),
        );
    }
    svg.frame(mx, my, m * classes as f32, m * classes as f32, DIM, 1.0);
    let side_len = m * classes as f32;
    svg.text(
        (mx + side_len / 2.0, my + side_len + 22.0),
        12.0,
        Anchor::Middle,
        DIM,
        "predicted class",
    );
    svg.vertical_text((mx - 30.0, my + side_len / 2.0), 12.0, DIM, "true class");
    Ok(svg.finish())
}
