//! The decision boundary: the network's output over the input plane as the
//! Playground colours it (orange -1, grey 0, blue +1; a colour per class beyond
//! two; a regression's value on the same scale, with a colour bar), the
//! training points filled and the test points outlined, on labelled axes.

use nn_core::Workspace;
use nn_train::{Model, predicted_class};

use crate::colors::{Rgb, class_region_rgb, class_rgb, mix, playground_rgb};
use crate::source::{Point, Points};
use crate::svg::{Anchor, Svg, tick_label, ticks};
use crate::{Picture, PlotError, raster};

/// Text and axis colours.
pub(crate) const INK: Rgb = [40, 40, 40];
pub(crate) const DIM: Rgb = [110, 110, 110];
pub(crate) const RULE: Rgb = [200, 200, 200];

/// How to draw a boundary.
#[derive(Debug, Clone)]
pub struct BoundaryOptions {
    /// Picture width in pixels.
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
    /// Hard classes (or signs) instead of shades of confidence, as the dashboard's `d` key.
    pub discretize: bool,
    /// The title's first line (the data set's name, say).
    pub title: String,
}

/// A rectangle of the raw input plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    /// Left and right edge (x1).
    pub x: (f32, f32),
    /// Bottom and top edge (x2).
    pub y: (f32, f32),
}

impl Extent {
    /// The points' bounding box with a margin, widened to the aspect `width / height`
    /// so that both axes have the same scale; the Playground's `[-6, 6]` square without points.
    pub fn around(points: &[Point], width: f32, height: f32) -> Self {
        let (x, y) = nn_data::frame_plane(
            points.iter().map(|p| (p.x, p.y)),
            width.max(1.0) / height.max(1.0),
            ((-6.0, 6.0), (-6.0, 6.0)),
        );
        Self { x, y }
    }

    /// The raw point at the centre of pixel `(column, row)` of a `width x height` grid.
    fn at(&self, column: usize, row: usize, width: usize, height: usize) -> (f32, f32) {
        (
            self.x.0 + (column as f32 + 0.5) / width as f32 * (self.x.1 - self.x.0),
            self.y.1 - (row as f32 + 0.5) / height as f32 * (self.y.1 - self.y.0),
        )
    }
}

/// Where the plane sits in a picture: its extent and the rectangle of pixels that shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlaneArea {
    /// The part of the raw plane shown.
    pub extent: Extent,
    /// Left, top, width and height in pixels.
    pub pixels: (f32, f32, f32, f32),
}

impl PlaneArea {
    /// The picture's pixel (column, row) where the raw point `(x, y)` is drawn.
    pub fn pixel(&self, x: f32, y: f32) -> (f32, f32) {
        place(self.extent, self.pixels, x, y)
    }
}

/// The network over a `width x height` grid of `extent`: every layer's outputs,
/// `[pixels, neurons]` per layer (the last is the output layer).
pub fn grid_layers(
    model: &Model,
    extent: Extent,
    width: usize,
    height: usize,
) -> Result<Vec<Vec<f32>>, PlotError> {
    check_plane(model)?;
    let layers = model.network.layers().len();
    let sizes: Vec<usize> = (0..layers)
        .map(|l| model.network.architecture().sizes[l + 1])
        .collect();
    let mut out: Vec<Vec<f32>> = sizes
        .iter()
        .map(|s| Vec::with_capacity(s * width * height))
        .collect();
    let raw_all = grid_raw(extent, width, height);
    let mut workspace = Workspace::default();
    for raw in raw_all.chunks(2 * ROWS_PER_PASS) {
        model.predict(raw, &mut workspace)?;
        for (l, values) in out.iter_mut().enumerate() {
            values.extend_from_slice(workspace.layer_output(l));
        }
    }
    Ok(out)
}

/// The raw points `[x1, x2]` at the centres of a `width x height` grid of `extent`, row by row from the top.
pub fn grid_raw(extent: Extent, width: usize, height: usize) -> Vec<f32> {
    let mut raw = Vec::with_capacity(2 * width * height);
    for row in 0..height {
        for column in 0..width {
            let (x, y) = extent.at(column, row, width, height);
            raw.extend_from_slice(&[x, y]);
        }
    }
    raw
}

/// Rows per forward pass over a grid: the workspace stays a few megabytes whatever the picture's size.
const ROWS_PER_PASS: usize = 16_384;

/// Why `model` cannot be drawn over the plane, if it cannot.
pub fn check_plane(model: &Model) -> Result<(), PlotError> {
    let columns = model.raw_columns();
    if columns == 2 {
        return Ok(());
    }
    let names = if model.info.feature_names.is_empty() {
        String::new()
    } else {
        let shown: Vec<&str> = model
            .info
            .feature_names
            .iter()
            .take(4)
            .map(String::as_str)
            .collect();
        format!(
            " ({}{})",
            shown.join(", "),
            if columns > 4 { ", ..." } else { "" }
        )
    };
    Err(PlotError::Unsuitable(format!(
        "the model reads {columns} input columns{names}; a picture over the plane needs 2-D data (x1, x2)"
    )))
}

/// How outputs become colours.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Coloring {
    /// One output: a probability of class 1 (`> 0.5`), on the Playground's scale.
    Binary,
    /// One output per class.
    Classes(usize),
    /// A regression's value divided by `scale`, on the Playground's scale.
    Value { scale: f32 },
}

impl Coloring {
    pub(crate) fn of(model: &Model, points: &Points, outputs: &[f32]) -> Self {
        let width = model.network.architecture().outputs();
        if model.info.class_names.is_empty() {
            let largest = |p: &[Point]| p.iter().fold(0f32, |m, p| m.max(p.label.abs()));
            let mut scale = largest(&points.train).max(largest(&points.test));
            if scale == 0.0 {
                scale = outputs
                    .iter()
                    .step_by(width)
                    .fold(0f32, |m, v| m.max(v.abs()));
            }
            Self::Value {
                scale: scale.max(1e-6),
            }
        } else if width == 1 {
            Self::Binary
        } else {
            Self::Classes(width)
        }
    }

    /// The colour of an output row.
    pub(crate) fn pixel(self, row: &[f32], discretize: bool) -> Rgb {
        let signed = |t: f32| {
            playground_rgb(if discretize {
                if t >= 0.0 { 1.0 } else { -1.0 }
            } else {
                t
            })
        };
        match self {
            Self::Value { scale } => signed(row[0] / scale),
            Self::Binary => {
                // As `predicted_class` decides: class 1 above 0.5.
                let t = (2.0 * row[0] - 1.0).clamp(-1.0, 1.0);
                signed(if t == 0.0 { -0.0 } else { t })
            }
            Self::Classes(k) => {
                let class = predicted_class(row);
                let p = row[class];
                let k = k as f32;
                let strength = if discretize {
                    1.0
                } else {
                    ((p - 1.0 / k) / (1.0 - 1.0 / k)).clamp(0.0, 1.0)
                };
                if k == 2.0 {
                    signed(if class == 1 { strength } else { -strength })
                } else {
                    class_region_rgb(class, strength)
                }
            }
        }
    }

    /// A data point's colour.
    pub(crate) fn point(self, label: f32) -> Rgb {
        match self {
            Self::Value { scale } => playground_rgb(label / scale),
            Self::Binary | Self::Classes(_) => class_rgb(label as usize),
        }
    }
}

/// The architecture in a few words: `2-8-8-1 tanh, sigmoid out, mse loss`.
pub(crate) fn describe(model: &Model) -> String {
    descriptions(model).swap_remove(0)
}

/// The architecture in fewer and fewer words, for [`fit_first`]: from
/// `2-8-8-1 tanh, sigmoid out, mse loss` down to `2-8-8-1`.
pub(crate) fn descriptions(model: &Model) -> Vec<String> {
    let arch = model.network.architecture();
    let sizes: Vec<String> = arch.sizes.iter().map(ToString::to_string).collect();
    let sizes = sizes.join("-");
    vec![
        format!(
            "{sizes} {}, {} out, {} loss",
            arch.hidden, arch.output, arch.loss
        ),
        format!("{sizes} {}, {} out", arch.hidden, arch.output),
        format!("{sizes} {}", arch.hidden),
        sizes,
    ]
}

/// The Playground's heatmap opacity.
const REGION_ALPHA: f32 = 160.0 / 255.0;

/// Widths of an average character of DejaVu Sans, in ems (about 7 px at 12 px), and
/// of its bold.
pub(crate) const REGULAR_EM: f32 = 0.58;
pub(crate) const BOLD_EM: f32 = 0.64;
/// The smallest text a line shrinks to before it is shortened.
const SMALLEST_TEXT: f32 = 11.0;

/// `text` at `size`, or smaller (down to [`SMALLEST_TEXT`]) and then cut with `…`, so
/// that it fits in `room` pixels at `em` ems a character.
pub(crate) fn fit_text(text: &str, size: f32, em: f32, room: f32) -> (f32, String) {
    let chars = text.chars().count() as f32;
    let fits_at = room / (chars * em).max(1.0);
    if fits_at >= size {
        return (size, text.to_owned());
    }
    if fits_at >= SMALLEST_TEXT {
        return (fits_at.floor(), text.to_owned());
    }
    let keep = ((room / (SMALLEST_TEXT * em)).floor() as usize).saturating_sub(1);
    let cut: String = text.chars().take(keep).collect();
    (SMALLEST_TEXT, format!("{}…", cut.trim_end()))
}

/// Whether `text` fits in `room` pixels whole, at [`SMALLEST_TEXT`] or larger.
pub(crate) fn fits_whole(text: &str, em: f32, room: f32) -> bool {
    room / (text.chars().count() as f32 * em).max(1.0) >= SMALLEST_TEXT
}

/// The first of `candidates` (longest first) that fits whole in `room`, shrunk as
/// [`fit_text`] shrinks; the last one cut if none does. A shorter whole phrase
/// reads better than a long one cut in the middle.
pub(crate) fn fit_first(candidates: &[String], size: f32, em: f32, room: f32) -> (f32, String) {
    let text = candidates
        .iter()
        .find(|text| fits_whole(text, em, room))
        .or(candidates.last())
        .map_or("", String::as_str);
    fit_text(text, size, em, room)
}

/// A picture's title: "`title`: `what`", or `what` alone (capitalised) when there is no
/// title (a replay's frame says the data set once, above its panels).
pub(crate) fn titled(title: &str, what: &str) -> String {
    if title.is_empty() {
        let mut chars = what.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_uppercase().chain(chars).collect()
        })
    } else {
        format!("{title}: {what}")
    }
}

/// Margins around the plot area: left, top, right, bottom.
const MARGINS: (f32, f32, f32, f32) = (64.0, 64.0, 24.0, 52.0);
/// The colour bar's room to the right of a regression's plane.
const BAR_ROOM: f32 = 76.0;

/// The decision boundary of `model` with `points` over it.
pub fn boundary(
    model: &Model,
    points: &Points,
    options: &BoundaryOptions,
) -> Result<Picture, PlotError> {
    check_plane(model)?;
    let (w, h) = (options.width as f32, options.height as f32);
    let regression = model.info.class_names.is_empty();
    let (left, top, mut right, bottom) = MARGINS;
    if regression {
        right += BAR_ROOM;
    }
    let (pw, ph) = ((w - left - right).floor(), (h - top - bottom).floor());
    if pw < 16.0 || ph < 16.0 {
        return Err(PlotError::Unsuitable(format!(
            "{}x{} pixels is too small for a boundary plot; expected at least 160x160",
            options.width, options.height
        )));
    }
    let all: Vec<Point> = points.train.iter().chain(&points.test).copied().collect();
    let extent = Extent::around(&all, pw, ph);
    let mut svg = Svg::new(options.width, options.height);
    // One grid cell per 2x2 pixels, smoothed when drawn: a quarter of the forward
    // pass and of the image to encode, and the Playground's soft edges.
    let (gw, gh) = ((pw / 2.0) as usize, (ph / 2.0) as usize);
    let layers = grid_layers(model, extent, gw, gh)?;
    let outputs = layers.last().map_or(&[][..], Vec::as_slice);
    let coloring = Coloring::of(model, points, outputs);
    let width = model.network.architecture().outputs();
    // Over white at the Playground's alpha (160 of 255, `heatmap.ts`): regions pale
    // enough for the points on them to stand out.
    let rgb: Vec<Rgb> = outputs
        .chunks_exact(width)
        .map(|row| {
            mix(
                [255, 255, 255],
                coloring.pixel(row, options.discretize),
                REGION_ALPHA,
            )
        })
        .collect();
    svg.png(
        left,
        top,
        pw,
        ph,
        &raster::png_of_rgb(&rgb, gw as u32, gh as u32)?,
    );
    draw_points(&mut svg, points, coloring, extent, (left, top, pw, ph), w);
    draw_axes(&mut svg, model, extent, (left, top, pw, ph));
    // Title and legend.
    let what = if regression {
        "output"
    } else {
        "decision boundary"
    };
    let discretized = if options.discretize {
        ", discretized"
    } else {
        ""
    };
    // The title may use the whole width; the caption ends where the legend begins.
    // Small pictures (a replay's frames) shrink, then shorten, what does not fit.
    let mut titles = vec![titled(&options.title, &format!("{what}{discretized}"))];
    if !options.title.is_empty() {
        titles.push(options.title.clone());
    }
    let (size, title) = fit_first(&titles, 16.0, BOLD_EM, w - left - 8.0);
    svg.bold((left, 24.0), size, Anchor::Start, INK, &title);
    let legend_start = legend(&mut svg, model, coloring, points, (left + pw, 44.0));
    let mut captions = descriptions(model);
    if !points.origin.is_empty() {
        captions.insert(0, format!("{}; points: {}", captions[0], points.origin));
    }
    // Beside a wide legend in a small frame not even the layer sizes may fit: no
    // caption then (a replay's network panel says the architecture) rather than "6-8-…".
    let room = legend_start - 12.0 - left;
    if captions
        .last()
        .is_some_and(|sizes| fits_whole(sizes, REGULAR_EM, room))
    {
        let (size, caption) = fit_first(&captions, 12.0, REGULAR_EM, room);
        svg.text((left, 44.0), size, Anchor::Start, DIM, &caption);
    }
    if let Coloring::Value { scale } = coloring {
        color_bar(&mut svg, scale, (left + pw + 20.0, top, ph));
    }
    let mut picture = svg.finish();
    picture.plane = Some(PlaneArea {
        extent,
        pixels: (left, top, pw, ph),
    });
    Ok(picture)
}

/// Where a raw point falls in the plot area `(left, top, width, height)`.
fn place(extent: Extent, area: (f32, f32, f32, f32), x: f32, y: f32) -> (f32, f32) {
    let (left, top, pw, ph) = area;
    (
        left + (x - extent.x.0) / (extent.x.1 - extent.x.0) * pw,
        top + (extent.y.1 - y) / (extent.y.1 - extent.y.0) * ph,
    )
}

fn draw_points(
    svg: &mut Svg,
    points: &Points,
    coloring: Coloring,
    extent: Extent,
    area: (f32, f32, f32, f32),
    width: f32,
) {
    let r = (width / 200.0).clamp(2.0, 6.0);
    for p in &points.train {
        svg.circle(
            place(extent, area, p.x, p.y),
            r,
            Some(coloring.point(p.label)),
            Some(([255, 255, 255], 1.0)),
        );
    }
    for p in &points.test {
        let at = place(extent, area, p.x, p.y);
        svg.circle(
            at,
            r,
            Some([255, 255, 255]),
            Some((coloring.point(p.label), r * 0.5)),
        );
    }
}

fn draw_axes(svg: &mut Svg, model: &Model, extent: Extent, area: (f32, f32, f32, f32)) {
    let (left, top, pw, ph) = area;
    svg.frame(left, top, pw, ph, DIM, 1.0);
    let name = |i: usize, default: &str| {
        model
            .info
            .feature_names
            .get(i)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let xs = ticks(f64::from(extent.x.0), f64::from(extent.x.1), 6);
    let step = |t: &[f64]| if t.len() > 1 { t[1] - t[0] } else { 1.0 };
    for &t in &xs {
        let (x, _) = place(extent, area, t as f32, 0.0);
        svg.line((x, top + ph), (x, top + ph + 5.0), DIM, 1.0);
        svg.text(
            (x, top + ph + 19.0),
            12.0,
            Anchor::Middle,
            DIM,
            &tick_label(t, step(&xs)),
        );
    }
    let ys = ticks(f64::from(extent.y.0), f64::from(extent.y.1), 6);
    for &t in &ys {
        let (_, y) = place(extent, area, 0.0, t as f32);
        svg.line((left - 5.0, y), (left, y), DIM, 1.0);
        svg.text(
            (left - 8.0, y + 4.0),
            12.0,
            Anchor::End,
            DIM,
            &tick_label(t, step(&ys)),
        );
    }
    svg.text(
        (left + pw / 2.0, top + ph + 40.0),
        14.0,
        Anchor::Middle,
        INK,
        &name(0, "x1"),
    );
    svg.vertical_text((18.0, top + ph / 2.0), 14.0, INK, &name(1, "x2"));
}

/// The classes' colours (or the regression's note) and the train/test markers, right-aligned at `at`.
/// Draws the legend leftwards from `at` (its right end) and returns where it begins.
fn legend(
    svg: &mut Svg,
    model: &Model,
    coloring: Coloring,
    points: &Points,
    at: (f32, f32),
) -> f32 {
    let (mut x, y) = at;
    let mut item = |svg: &mut Svg, label: &str, draw: &dyn Fn(&mut Svg, (f32, f32))| {
        x -= label.chars().count() as f32 * 12.0 * REGULAR_EM;
        svg.text((x, y), 12.0, Anchor::Start, INK, label);
        x -= 12.0;
        draw(svg, (x, y - 4.0));
        x -= 14.0;
    };
    if !points.test.is_empty() {
        item(svg, "test", &|svg, c| {
            svg.circle(c, 4.5, Some([255, 255, 255]), Some((INK, 2.0)));
        });
    }
    if !points.train.is_empty() {
        item(svg, "train", &|svg, c| svg.circle(c, 4.5, Some(INK), None));
    }
    if let Coloring::Value { .. } = coloring {
        return x;
    }
    let classes = model.network.architecture().outputs().max(2);
    for class in (0..classes).rev() {
        let name = model
            .info
            .class_names
            .get(class)
            .cloned()
            .unwrap_or_else(|| class.to_string());
        let color = coloring.point(class as f32);
        item(svg, &name, &|svg, c| {
            svg.rect(c.0 - 5.0, c.1 - 5.0, 10.0, 10.0, color);
        });
    }
    x
}

/// A vertical colour bar for a regression: `-scale` at the bottom, `+scale` at the top.
fn color_bar(svg: &mut Svg, scale: f32, (x, top, height): (f32, f32, f32)) {
    let steps = 60;
    let band = height / steps as f32;
    for i in 0..steps {
        let t = 1.0 - 2.0 * (i as f32 + 0.5) / steps as f32;
        svg.rect(
            x,
            top + i as f32 * band,
            16.0,
            band + 0.5,
            playground_rgb(t),
        );
    }
    svg.frame(x, top, 16.0, height, DIM, 1.0);
    for (t, label) in [(1.0, scale), (0.0, 0.0), (-1.0, -scale)] {
        let y = top + (1.0 - t) / 2.0 * height;
        svg.line((x + 16.0, y), (x + 20.0, y), DIM, 1.0);
        svg.text(
            (x + 23.0, y + 4.0),
            12.0,
            Anchor::Start,
            DIM,
            &format!("{label:.3}"),
        );
    }
}
