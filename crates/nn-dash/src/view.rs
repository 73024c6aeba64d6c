//! What the dashboard draws besides the numbers: the data's points, the
//! pictures worked out from the latest weights (cached until they change), the
//! inspector's numbers, the overlays and the log line, and how all of it is drawn.

use crate::PlotMode;
use crate::colors::{ColorDepth, Palette};
use crate::inspect::InspectorView;
use crate::plot::{CurveView, DigitsView, PlaneView, Point};

/// Log lines kept.
const LOG_LINES: usize = 50;

/// An overlay over the panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// The key list.
    Help,
    /// The state line.
    StateLine,
}

/// The pictures and text the panels draw, and how.
#[derive(Debug, Clone)]
pub struct View {
    /// Training points (2-D and 1-D data; `y` is 0 for 1-D).
    pub train_points: Vec<Point>,
    /// Test points (2-D and 1-D data).
    pub test_points: Vec<Point>,
    /// The network over the plane (2-D data).
    pub plane: Option<PlaneView>,
    /// The network along the line (1-D data).
    pub curve: Option<CurveView>,
    /// Images and predictions (image data).
    pub digits: Option<DigitsView>,
    /// What the inspector shows (kept current by the runtime while it is open).
    pub inspection: Option<InspectorView>,
    /// The overlay open, if any.
    pub overlay: Option<Overlay>,
    /// Messages, oldest first.
    pub log: Vec<String>,
    /// What reading the state line or Playground link noted (fields not mapped,
    /// differences): kept for the state line overlay (`c`), where the log line's
    /// next message cannot push them out.
    pub notices: Vec<String>,
    /// The run's state line (kept current by the runtime).
    pub state_line: String,
    /// How plots are drawn.
    pub plot: PlotMode,
    /// Colours.
    pub palette: Palette,
    /// The points drawn in drawing mode (`D`), kept after it until saved or quit.
    pub drawing: Option<crate::drawing::Drawing>,
}

impl View {
    /// Nothing to show yet, drawn in `plot` mode with `depth` colours.
    pub fn new(plot: PlotMode, depth: ColorDepth) -> Self {
        Self {
            train_points: Vec::new(),
            test_points: Vec::new(),
            plane: None,
            curve: None,
            digits: None,
            inspection: None,
            overlay: None,
            log: Vec::new(),
            notices: Vec::new(),
            state_line: String::new(),
            plot,
            palette: Palette::new(depth),
            drawing: None,
        }
    }

    /// The plane around every training and test point, for `width x height` pixels
    /// (`None` before there are points).
    pub fn points_extent(&self, width: usize, height: usize) -> Option<crate::plot::Extent> {
        if let Some(extent) = crate::drawing::extent(self.drawing.as_ref(), width, height) {
            return Some(extent);
        }
        let all = self.train_points.iter().chain(&self.test_points);
        (!self.train_points.is_empty() || !self.test_points.is_empty())
            .then(|| crate::plot::Extent::around(all, width, height))
    }

    /// Adds a message to the log line.
    pub fn log(&mut self, message: impl Into<String>) {
        self.log.push(message.into());
        if self.log.len() > LOG_LINES {
            self.log.remove(0);
        }
    }

    /// Opens `overlay`, or closes it if it is open.
    pub fn toggle(&mut self, overlay: Overlay) {
        self.overlay = (self.overlay != Some(overlay)).then_some(overlay);
    }
}
