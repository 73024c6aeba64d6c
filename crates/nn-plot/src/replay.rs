//! A run replayed as an animated GIF: the decision boundary at each snapshot of
//! the run's history (`snapshots/`, kept at epochs on a log scale), then at its
//! final weights, with the epoch and the held-out loss on each frame.

use std::path::{Path, PathBuf};

use nn_run::{HISTORY_DIR, MODEL_FILE, SNAPSHOT_FILE, Score};
use nn_train::{EpochReport, Model};
use rayon::prelude::*;

use crate::PlotError;
use crate::boundary::{BoundaryOptions, boundary, check_plane};
use crate::source::Source;

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
/// (or latest snapshot) if that is later.
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
    if frames.is_empty() {
        return Err(PlotError::Unsuitable(format!(
            "{}: no snapshots to replay ({HISTORY_DIR}/ is missing or empty: runs recorded by nn-tui before replays existed keep none)",
            source.path.display()
        )));
    }
    let last_epoch = source.epochs.last().map_or(0, |e| e.epoch);
    let last = [MODEL_FILE, SNAPSHOT_FILE]
        .iter()
        .map(|f| source.path.join(f))
        .find(|p| p.is_file());
    if let Some(path) = last
        && frames.last().is_some_and(|f| f.epoch < last_epoch)
    {
        frames.push(Frame {
            path,
            epoch: last_epoch,
        });
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

/// The held-out loss at `epoch` (the last epoch recorded at or before it).
fn loss_at(epochs: &[EpochReport], epoch: usize) -> Option<f64> {
    let i = epochs.partition_point(|e| e.epoch <= epoch);
    (i > 0).then(|| Score::of(&epochs[i - 1]).loss)
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
    // Frames drawn and quantised in parallel; the GIF written in order.
    let encoded: Vec<Result<gif::Frame<'static>, PlotError>> = frames
        .par_iter()
        .map(|frame| {
            let model = Model::load(&frame.path)?;
            let loss = loss_at(&source.epochs, frame.epoch)
                .filter(|_| frame.epoch > 0)
                .map_or_else(String::new, |l| format!(", loss {l:.4}"));
            let title = format!("{name} at epoch {}{loss}", frame.epoch);
            let picture = boundary(
                &model,
                &points,
                &BoundaryOptions {
                    width: w,
                    height: h,
                    discretize: options.discretize,
                    title,
                },
            )?;
            let mut rgba = picture.pixels()?.take();
            Ok(gif::Frame::from_rgba_speed(
                w as u16, h as u16, &mut rgba, 20,
            ))
        })
        .collect();
    let mut bytes = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut bytes, w as u16, h as u16, &[])
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
                .write_frame(&frame)
                .map_err(|e| PlotError::Render(e.to_string()))?;
        }
    }
    Ok(bytes)
}

/// Writes the replay of the run at `dir` to `out` atomically.
pub fn save_replay(dir: &Path, out: &Path, options: &ReplayOptions) -> Result<usize, PlotError> {
    let source = Source::open(dir)?;
    let count = frames(&source)?.len();
    let bytes = replay(&source, options)?;
    nn_atomic_write::write_atomically(out, &bytes)?;
    Ok(count)
}
