//! Pictures of a model or a run, to keep and share: the decision boundary over
//! the input plane, the network with a small heatmap per node, and the loss and
//! accuracy curves of one run or several, as SVG or PNG; for a classifier of
//! images (MNIST), held-out digits with their predictions and the confusion matrix.
//!
//! Every picture is drawn once, as SVG ([`svg::Svg`]); a PNG is that SVG
//! rasterised by resvg ([`raster`]), so both formats show the same picture. Text
//! uses DejaVu Sans, embedded in the binary: nothing is looked up on the machine,
//! so a picture renders the same with no system fonts and no display.
//!
//! A sweep's trials become a marginal plot per axis ([`marginals()`]).
//!
//! A run's history of snapshots becomes an animated GIF ([`replay()`]).
//!
//! [`source::Source`] reads what a picture is made from: a model file, or a run
//! directory with its data, final or latest weights and its `events.jsonl`.

pub mod boundary;
pub mod colors;
pub mod curves;
pub mod digits;
pub mod marginals;
pub mod network;
pub mod raster;
pub mod replay;
pub mod source;
pub mod svg;

use std::path::{Path, PathBuf};

pub use boundary::{BoundaryOptions, Extent, PlaneArea, boundary};
pub use curves::{Curve, RunCurves, curves};
pub use digits::{digits, image_side};
pub use marginals::{AxisScores, marginals, marginals_size};
pub use network::network;
pub use replay::{ReplayOptions, replay, save_replay};
pub use source::Source;

/// Why a picture could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The output file's extension names no format this writes.
    #[error("{}: unknown picture format; expected a file name ending in {}", .0.display(), .1)]
    UnknownFormat(PathBuf, &'static str),
    /// The model cannot be drawn this way (not 2-D for a boundary, ...).
    #[error("{0}")]
    Unsuitable(String),
    /// The SVG could not be rasterised (a bug: the SVG is ours).
    #[error("rendering the picture: {0}")]
    Render(String),
    /// Reading the model, the run or its data failed.
    #[error(transparent)]
    Train(#[from] nn_train::TrainError),
    /// Reading the run directory failed.
    #[error(transparent)]
    RunDir(#[from] nn_run::RunDirError),
    /// Writing the file failed.
    #[error(transparent)]
    Write(#[from] nn_atomic_write::WriteError),
}

/// A picture file's format, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Portable Network Graphics (pixels).
    Png,
    /// Scalable Vector Graphics (text).
    Svg,
}

impl Format {
    /// The format `path`'s extension names: `.png` or `.svg` (any case).
    pub fn of(path: &Path) -> Result<Self, PlotError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("png") => Ok(Self::Png),
            Some("svg") => Ok(Self::Svg),
            _ => Err(PlotError::UnknownFormat(path.to_path_buf(), ".png or .svg")),
        }
    }
}

/// A finished picture: an SVG document and its size in pixels.
#[derive(Debug, Clone)]
pub struct Picture {
    /// The SVG document.
    pub svg: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Where the input plane is drawn, for a picture over the plane.
    pub plane: Option<boundary::PlaneArea>,
}

impl Picture {
    /// The picture's pixels.
    pub fn pixels(&self) -> Result<raster::Pixmap, PlotError> {
        raster::rasterize(&self.svg)
    }

    /// The file's bytes in `format`.
    pub fn encode(&self, format: Format) -> Result<Vec<u8>, PlotError> {
        match format {
            Format::Svg => Ok(self.svg.clone().into_bytes()),
            Format::Png => raster::png(&self.pixels()?),
        }
    }

    /// Writes the picture to `path` atomically, in the format its extension names.
    pub fn save(&self, path: &Path) -> Result<(), PlotError> {
        let bytes = self.encode(Format::of(path)?)?;
        nn_atomic_write::write_atomically(path, &bytes)?;
        Ok(())
    }
}
