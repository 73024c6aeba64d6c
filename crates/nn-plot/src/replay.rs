//! A run replayed as an animated GIF: the decision boundary and the network at
//! each snapshot of the run's history (`snapshots/`, kept at epochs on a log
//! scale), then at its final weights, with the epoch and the held-out loss and
//! accuracy above them on each frame.

use std::path::{Path, PathBuf};

use nn_run::{HISTORY_DIR, MODEL_FILE, SNAPSHOT_FILE, Score};
use nn_train::{EpochReport, Model};
use rayon::prelude::*;

use crate::boundary::{BOLD_EM, BoundaryOptions, INK, RULE, boundary, check_plane, fit_text};
use crate::network::network;
use crate::source::{Points, Source};
use crate::svg::{Anchor, Svg};
use crate::{Picture, PlotError};

/// How to replay a run.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Hard classes instead of shades of confidence.
    pub discretize: bool,
}

/// One frame's weights: a model file and the epoch it was taken at.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The model file.
    pub path: PathBuf,
    /// Epochs completed when it was taken.
    pub epoch: usize,
}

/// The frames of a run: its history since its last reset, then its final model
/// (or latest snapshot) if that is later. A run whose final model is its
/// history's one entry (a sweep's trial) has no `snapshots/`: its one frame is that model.
pub fn frames(source: &Source) -> Result<Vec<Frame>, PlotError> {
    let Some(_) = &source.run else {
        return Err(PlotError::Unsuitable(format!(
            "{}: a model file has no history; expected a run directory",
            source.path.display()
        )));
    };
    let folder = source.path.join(HISTORY_DIR);
    let mut kept: Vec<(String, PathBuf)> = std::fs::read_dir(&folder)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .filter(|(name, _)| name.ends_with(".safetensors"))
                .collect()
        })
        .unwrap_or_default();
    kept.sort();
    let mut frames: Vec<Frame> = Vec::new();
    for (name, path) in kept {
        let Some(epoch) = epoch_of(&name) else {
            continue;
        };
        // An epoch lower than the last: the weights were reset; replay the latest trajectory.
        if frames.last().is_some_and(|f| epoch < f.epoch) {
            frames.clear();
        }
        frames.push(Frame { path, epoch });
    }
    let none = || {
        PlotError::Unsuitable(format!(
            "{}: no snapshots to replay ({HISTORY_DIR}/ is missing or empty: runs recorded by nn-tui before replays existed keep none)",
            source.path.display()
        ))
    };
    if frames.is_empty() && !source.history_in_model {
        return Err(none());
    }
    let last_epoch = source.epochs.last().map_or(0, |e| e.epoch);
    let last = [MODEL_FILE, SNAPSHOT_FILE]
        .iter()
        .map(|f| source.path.join(f))
        .find(|p| p.is_file());
    if let Some(path) = last
        && frames.last().is_none_or(|f| f.epoch < last_epoch)
    {
        frames.push(Frame {
            path,
            epoch: last_epoch,
        });
    }
    if frames.is_empty() {
        return Err(none());
    }
    Ok(frames)
}

/// `007-epoch-120.safetensors` -> 120.
fn epoch_of(name: &str) -> Option<usize> {
    name.strip_suffix(".safetensors")?
        .rsplit_once("-epoch-")?
        .1
        .parse()
        .ok()
}

/// The held-out score at `epoch` (the last epoch recorded at or before it) as a
/// frame's header says it: "test loss 0.1043, accuracy 97.0%".
fn score_at(epochs: &[EpochReport], epoch: usize) -> Option<String> {
    let i = epochs.partition_point(|e| e.epoch <= epoch);
    (i > 0).then(|| {
        let score = Score::of(&epochs[i - 1]);
        let accuracy = score
            .accuracy
            .map_or_else(String::new, |a| format!(", accuracy {:.1}%", 100.0 * a));
        format!("{} loss {:.4}{accuracy}", score.part.name(), score.loss)
    })
}

/// The band above a frame's panels, for its header.
const HEADER: f32 = 40.0;
/// The smallest panels: the boundary's and the network's.
const SMALLEST_BOUNDARY: (f32, f32) = (160.0, 160.0);
const SMALLEST_NETWORK: (f32, f32) = (300.0, 230.0);

/// Where a frame's two panels go: `(left, top, width, height)` of the boundary, then
/// of the network. Side by side in a wide frame (the boundary square, at most 45% of
/// the width), one above the other in a tall one.
pub fn frame_layout(width: u32, height: u32) -> Result<[(f32, f32, f32, f32); 2], PlotError> {
    let (w, h) = (width as f32, height as f32);
    let body = h - HEADER;
    let panels = if w >= h {
        let side = body.min(w * 0.45).floor();
        [(0.0, HEADER, side, body), (side, HEADER, w - side, body)]
    } else {
        let side = w.min(body * 0.55).floor();
        [(0.0, HEADER, w, side), (0.0, HEADER + side, w, body - side)]
    };
    let fits = |(_, _, pw, ph): (f32, f32, f32, f32), (mw, mh): (f32, f32)| pw >= mw && ph >= mh;
    if !fits(panels[0], SMALLEST_BOUNDARY) || !fits(panels[1], SMALLEST_NETWORK) {
        return Err(PlotError::Unsuitable(format!(
            "{width}x{height} pixels is too small for a replay's frame (the boundary and the network); expected at least 550x270, or 300x560 for a tall one"
        )));
    }
    Ok(panels)
}

/// One frame of a replay: `header` (the data set, the epoch, the score) over the
/// boundary and the network of `model`, laid out by [`frame_layout`].
pub fn frame_picture(
    model: &Model,
    points: &Points,
    header: &str,
    options: &ReplayOptions,
) -> Result<Picture, PlotError> {
    let (w, h) = (options.width, options.height);
    let [left, right] = frame_layout(w, h)?;
    let panel = |(_, _, pw, ph): (f32, f32, f32, f32)| BoundaryOptions {
        width: pw as u32,
        height: ph as u32,
        discretize: options.discretize,
        title: String::new(),
    };
    let plane = boundary(model, points, &panel(left))?;
    let net = network(model, points, &panel(right))?;
    let mut svg = Svg::new(w, h);
    let (size, header) = fit_text(header, 18.0, BOLD_EM, w as f32 - 32.0);
    svg.bold((16.0, 27.0), size, Anchor::Start, INK, &header);
    svg.line((0.0, HEADER - 0.5), (w as f32, HEADER - 0.5), RULE, 1.0);
    svg.embed(left.0, left.1, &plane);
    svg.embed(right.0, right.1, &net);
    let mut picture = svg.finish();
    // The plane, where the frame shows it.
    picture.plane = plane.plane.map(|mut area| {
        area.pixels.0 += left.0;
        area.pixels.1 += left.1;
        area
    });
    Ok(picture)
}

/// The run in `source` as an animated GIF's bytes: one frame per snapshot of its history.
pub fn replay(source: &Source, options: &ReplayOptions) -> Result<Vec<u8>, PlotError> {
    let frames = frames(source)?;
    let first = Model::load(&frames[0].path)?;
    check_plane(&first)?;
    let points = source.points();
    let name = source.dataset().unwrap_or_else(|| source.name());
    let (w, h) = (options.width, options.height);
    if w > u32::from(u16::MAX) || h > u32::from(u16::MAX) {
        return Err(PlotError::Unsuitable(format!(
            "{w}x{h} pixels is too large for a GIF"
        )));
    }
    frame_layout(w, h)?;
    let draw = |frame: &Frame| -> Result<Vec<u8>, PlotError> {
        let model = Model::load(&frame.path)?;
        let score = score_at(&source.epochs, frame.epoch)
            .filter(|_| frame.epoch > 0)
            .unwrap_or_else(|| "its initial weights".into());
        let header = format!("{name} at epoch {}: {score}", frame.epoch);
        let picture = frame_picture(&model, &points, &header, options)?;
        Ok(picture.pixels()?.take())
    };
    // One palette for the whole GIF, learnt from the first, middle and last frames
    // (the pale start and the saturated end); then each frame's pixels are looked up
    // in a table instead of each frame being quantised on its own (a third of the time).
    let samples = [0, frames.len() / 2, frames.len() - 1]
        .par_iter()
        .map(|&i| draw(&frames[i]))
        .collect::<Result<Vec<_>, _>>()?;
    let palette = Palette::learn(&samples.concat());
    // Frames drawn, mapped and compressed in parallel; the GIF written in order.
    let encoded: Vec<Result<gif::Frame<'static>, PlotError>> = frames
        .par_iter()
        .map(|frame| {
            let rgba = draw(frame)?;
            let mut frame =
                gif::Frame::from_indexed_pixels(w as u16, h as u16, palette.indices(&rgba), None);
            frame.make_lzw_pre_encoded();
            Ok(frame)
        })
        .collect();
    let mut bytes = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut bytes, w as u16, h as u16, &palette.rgb)
            .map_err(|e| PlotError::Render(e.to_string()))?;
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .map_err(|e| PlotError::Render(e.to_string()))?;
        let count = encoded.len();
        let delay = (100 / options.fps.clamp(1, 100)) as u16;
        for (i, frame) in encoded.into_iter().enumerate() {
            let mut frame = frame?;
            // The last frame holds for two seconds before the loop starts again.
            frame.delay = if i + 1 == count {
                delay.max(200)
            } else {
                delay
            };
            encoder
                .write_lzw_pre_encoded_frame(&frame)
                .map_err(|e| PlotError::Render(e.to_string()))?;
        }
    }
    Ok(bytes)
}

/// A GIF's 256 colours and, for every colour at 5 bits a channel, the nearest of them.
struct Palette {
    /// The colours, `[r, g, b]` each.
    rgb: Vec<u8>,
    /// Index `r5 << 10 | g5 << 5 | b5` -> palette entry.
    nearest: Vec<u8>,
}

impl Palette {
    /// NeuQuant's 256 colours for the RGBA pixels `rgba` (every 10th sampled).
    fn learn(rgba: &[u8]) -> Self {
        let quant = color_quant::NeuQuant::new(10, 256, rgba);
        let nearest = (0..1u32 << 15)
            .map(|key| {
                // The 5-bit value spread over 0..=255, so that white stays white.
                let channel = |shift: u32| {
                    let v = (key >> shift) & 31;
                    ((v << 3) | (v >> 2)) as u8
                };
                quant.index_of(&[channel(10), channel(5), channel(0), 255]) as u8
            })
            .collect();
        Self {
            rgb: quant.color_map_rgb(),
            nearest,
        }
    }

    /// The palette index of each RGBA pixel.
    fn indices(&self, rgba: &[u8]) -> Vec<u8> {
        rgba.chunks_exact(4)
            .map(|p| {
                let key = (usize::from(p[0] >> 3) << 10)
                    | (usize::from(p[1] >> 3) << 5)
                    | usize::from(p[2] >> 3);
                self.nearest[key]
            })
            .collect()
    }
}

/// Writes the replay of the run at `dir` to `out` atomically.
pub fn save_replay(dir: &Path, out: &Path, options: &ReplayOptions) -> Result<usize, PlotError> {
    let source = Source::open(dir)?;
    let count = frames(&source)?.len();
    let bytes = replay(&source, options)?;
    nn_atomic_write::write_atomically(out, &bytes)?;
    Ok(count)
}
