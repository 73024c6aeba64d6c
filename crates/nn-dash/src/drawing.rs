//! Drawing a data set on the plane, as ConvNetJS's classify2d demo does: a cursor
//! (arrow keys, or the mouse) puts points of a class (keys 1-8) or of a value
//! (regression: keys 1-8 from -1 to +1 on the Playground's scale) where it stands;
//! points are removed one at a time or all at once. The drawn points are a
//! [`Dataset`] (`x1`, `x2`, `label` or `y`) the network trains on live, and a CSV
//! file when saved. This module is the state and its rules only: the runtime
//! trains on it and the boundary panel draws it.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use nn_data::{DataError, Dataset, Inputs, Targets};
use nn_run::{Command, RunState};
use nn_train::TrainData;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use crate::action::{Action, Effect};
use crate::app::App;
use crate::plot::{Extent, Point};

/// Classes a drawing can hold (keys 1-8).
pub const DRAWN_CLASSES: usize = 8;

/// The square the cursor starts in and the points of an empty drawing lie in
/// (the Playground's `[-6, 6]²`).
const PLAYGROUND_EDGE: f32 = 6.0;

/// Cursor steps across the width of the plane (one key press moves 1/40 of it).
const STEPS_ACROSS: f32 = 40.0;

/// The value a key puts down in a regression drawing: 1 is -1, 8 is +1, evenly between.
pub fn key_value(key: u8) -> f32 {
    let k = f32::from(key.clamp(1, 8) - 1);
    -1.0 + 2.0 * k / 7.0
}

/// One drawn point: where it is and what it holds (a class index, or a value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawnPoint {
    /// First coordinate (`x1`).
    pub x1: f32,
    /// Second coordinate (`x2`).
    pub x2: f32,
    /// The class index (classification) or the value (regression).
    pub target: f32,
}

/// What a key or click does in drawing mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DrawAction {
    /// Arrows: the cursor by whole steps (right, up).
    Move(i32, i32),
    /// `1`-`8`: a point of that class (or value) at the cursor.
    Place(u8),
    /// `x`: the point nearest the cursor goes.
    Remove,
    /// `C`: every point goes.
    Clear,
    /// A click on the plane: the cursor there and a point of the last class used.
    At(f32, f32),
}

/// A drawing in progress.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::struct_excessive_bools)] // four independent facts, not a state machine
pub struct Drawing {
    /// Drawing mode is on: keys draw, the plane stays put.
    pub active: bool,
    /// The file `w` saves to (and the state line names).
    pub path: PathBuf,
    /// The key of the last point put down (a click puts one of the same).
    pub last_key: u8,
    /// `q` was pressed once with unsaved points: the next one quits.
    pub quit_warned: bool,
    /// The points, in the order drawn.
    pub points: Vec<DrawnPoint>,
    /// Where the next point goes, in the data's units.
    pub cursor: (f32, f32),
    /// Values (regression) instead of classes.
    pub regression: bool,
    /// The box the cursor moves in: `(x1 min, x1 max, x2 min, x2 max)`.
    pub bounds: (f32, f32, f32, f32),
    /// The file the points were last saved to.
    pub saved_as: Option<PathBuf>,
    /// Points changed since they were last saved (or since the drawing began).
    pub unsaved: bool,
}

impl Drawing {
    /// An empty drawing of classes or values, its cursor in the middle of `bounds`
    /// (the plane on screen; `None`: the Playground's `[-6, 6]²`).
    pub fn new(regression: bool, bounds: Option<(f32, f32, f32, f32)>) -> Self {
        let e = PLAYGROUND_EDGE;
        let bounds = bounds.unwrap_or((-e, e, -e, e));
        Self {
            active: true,
            path: PathBuf::from("drawn.csv"),
            last_key: 1,
            quit_warned: false,
            points: Vec::new(),
            cursor: (
                f32::midpoint(bounds.0, bounds.1),
                f32::midpoint(bounds.2, bounds.3),
            ),
            regression,
            bounds,
            saved_as: None,
            unsaved: false,
        }
    }

    /// Moves the cursor by whole steps (right and up are positive), kept in the bounds.
    pub fn move_cursor(&mut self, right: i32, up: i32) {
        let (x0, x1, y0, y1) = self.bounds;
        let (sx, sy) = ((x1 - x0) / STEPS_ACROSS, (y1 - y0) / STEPS_ACROSS);
        self.cursor = (
            (self.cursor.0 + right as f32 * sx).clamp(x0, x1),
            (self.cursor.1 + up as f32 * sy).clamp(y0, y1),
        );
    }

    /// Puts the cursor at a point of the plane (a click), kept in the bounds.
    pub fn set_cursor(&mut self, x1: f32, x2: f32) {
        let (a, b, c, d) = self.bounds;
        self.cursor = (x1.clamp(a, b), x2.clamp(c, d));
    }

    /// Puts a point at the cursor for key `key` (1-8): class `key - 1`, or the
    /// value [`key_value`]. Returns what it holds.
    pub fn place(&mut self, key: u8) -> f32 {
        let target = if self.regression {
            key_value(key)
        } else {
            f32::from(key.clamp(1, DRAWN_CLASSES as u8) - 1)
        };
        self.points.push(DrawnPoint {
            x1: self.cursor.0,
            x2: self.cursor.1,
            target,
        });
        self.unsaved = true;
        self.quit_warned = false;
        self.last_key = key;
        target
    }

    /// Removes the point nearest the cursor within two cursor steps; whether one was.
    pub fn remove_near_cursor(&mut self) -> bool {
        let (x0, x1, y0, y1) = self.bounds;
        let (sx, sy) = ((x1 - x0) / STEPS_ACROSS, (y1 - y0) / STEPS_ACROSS);
        let distance =
            |p: &DrawnPoint| ((p.x1 - self.cursor.0) / sx).hypot((p.x2 - self.cursor.1) / sy);
        let nearest = self
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| (i, distance(p)))
            .filter(|&(_, d)| d <= 2.0)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        match nearest {
            Some((i, _)) => {
                self.points.remove(i);
                self.unsaved = true;
                true
            }
            None => false,
        }
    }

    /// Removes every point.
    pub fn clear(&mut self) {
        if !self.points.is_empty() {
            self.unsaved = true;
        }
        self.points.clear();
    }

    /// Distinct classes drawn (0 for a regression).
    pub fn classes_drawn(&self) -> usize {
        if self.regression {
            return 0;
        }
        let mut seen = [false; DRAWN_CLASSES];
        for p in &self.points {
            seen[p.target as usize % DRAWN_CLASSES] = true;
        }
        seen.iter().filter(|&&s| s).count()
    }

    /// What is missing before the network can train on the drawing, in words;
    /// `None` when it can.
    pub fn missing(&self) -> Option<String> {
        if self.regression {
            return (self.points.len() < 2).then(|| {
                format!(
                    "{} of 2 points drawn: keys 1-8 put values",
                    self.points.len()
                )
            });
        }
        let classes = self.classes_drawn();
        (classes < 2)
            .then(|| format!("{classes} of 2 classes drawn: keys 1-8 put a point of that class"))
    }

    /// The points as a data set named `name`: `x1`, `x2` and `label` (classes `0`
    /// up to the highest drawn, so each keeps its colour) or `y`.
    ///
    /// # Errors
    /// [`DataError::InvalidDataset`] for an empty drawing.
    pub fn dataset(&self, name: &str) -> Result<Dataset, DataError> {
        let inputs = Inputs::F32(self.points.iter().flat_map(|p| [p.x1, p.x2]).collect());
        let features = vec!["x1".to_owned(), "x2".to_owned()];
        if self.regression {
            Dataset::new(
                name,
                inputs,
                Targets::Values(self.points.iter().map(|p| p.target).collect()),
                features,
                vec!["y".into()],
                Vec::new(),
            )
        } else {
            let classes = self
                .points
                .iter()
                .map(|p| p.target as usize + 1)
                .max()
                .unwrap_or(2)
                .max(2);
            Dataset::new(
                name,
                inputs,
                Targets::Classes(self.points.iter().map(|p| p.target as u32).collect()),
                features,
                vec!["label".into()],
                (0..classes).map(|c| c.to_string()).collect(),
            )
        }
    }

    /// Writes the points to `path` as CSV (atomically) and remembers the file.
    ///
    /// # Errors
    /// The data set's or the file system's error, in one line naming the file.
    pub fn save(&mut self, path: &Path) -> Result<(), String> {
        let dataset = self.dataset("drawn").map_err(|e| e.to_string())?;
        write_points(&dataset, path)?;
        self.saved_as = Some(path.to_path_buf());
        self.unsaved = false;
        Ok(())
    }
}

/// A file beside the model for the drawing: `drawn.csv`, else `drawn-2.csv`, ...
/// (one that is not there yet).
pub fn drawing_path(model: &Path) -> PathBuf {
    let beside = |name: String| model.with_file_name(name);
    (1..1000)
        .map(|k| {
            beside(if k == 1 {
                "drawn.csv".into()
            } else {
                format!("drawn-{k}.csv")
            })
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| beside("drawn.csv".into()))
}

/// The dashboard's state after a drawing action: what the keys and clicks of
/// drawing mode do (the pure part; the runtime carries out the effects).
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::WriteData => vec![Effect::WriteData],
        Action::ToggleDrawing => toggle(app),
        Action::Draw(draw) => {
            let Some(drawing) = app.view.drawing.as_mut().filter(|d| d.active) else {
                return vec![];
            };
            let changed = match draw {
                DrawAction::Move(right, up) => {
                    drawing.move_cursor(right, up);
                    false
                }
                DrawAction::Place(key) => {
                    drawing.place(key);
                    true
                }
                DrawAction::At(x1, x2) => {
                    drawing.set_cursor(x1, x2);
                    drawing.place(drawing.last_key);
                    true
                }
                DrawAction::Remove => drawing.remove_near_cursor(),
                DrawAction::Clear => {
                    drawing.clear();
                    true
                }
            };
            if changed { changed_points(app) } else { vec![] }
        }
        _ => vec![],
    }
}

/// `D`: into drawing mode (a new drawing, or the one kept), or out of it.
fn toggle(app: &mut App) -> Vec<Effect> {
    if let Some(drawing) = app.view.drawing.as_mut().filter(|d| d.active) {
        drawing.active = false;
        let note = if drawing.unsaved {
            format!(
                "drawing off; not saved yet (w saves {})",
                drawing.path.display()
            )
        } else {
            "drawing off".into()
        };
        app.log(note);
        return vec![];
    }
    let regression = app.settings.is_regression();
    let model_path = app.model_path.clone();
    let drawing = app.view.drawing.get_or_insert_with(|| {
        let mut d = Drawing::new(regression, None);
        d.path = drawing_path(&model_path);
        d
    });
    drawing.active = true;
    let regression = drawing.regression;
    app.log(if regression {
        "drawing: arrows/mouse move, 1-8 put a value (-1 to +1), x removes, C clears, w saves, D ends"
    } else {
        "drawing: arrows/mouse move, 1-8 put a class, x removes, C clears, w saves, D ends"
    });
    changed_points(app)
}

/// The drawing's points as the plane's training points (it has no test points).
pub fn show_points(app: &mut App) {
    let Some(drawing) = &app.view.drawing else {
        return;
    };
    app.view.train_points = drawing
        .points
        .iter()
        .map(|p| Point {
            x: p.x1,
            y: p.x2,
            label: p.target,
        })
        .collect();
    app.view.test_points.clear();
}

/// Writes the parts of `data` as CSV at `path` (atomically), with the split column;
/// returns the rows written.
///
/// # Errors
/// What the file system said.
pub fn write_data(data: &TrainData, path: &Path) -> Result<usize, String> {
    let mut parts = vec![("train", &data.train)];
    parts.extend(data.validation.as_ref().map(|d| ("validation", d)));
    parts.extend(data.test.as_ref().map(|d| ("test", d)));
    let mut text = Vec::new();
    nn_data::write_csv(&mut text, &parts, true).map_err(|e| e.to_string())?;
    nn_atomic_write::write_atomically(path, &text)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(parts.iter().map(|(_, d)| d.len()).sum())
}

/// The drawing's points on the plane; retrain on them if they can be trained on,
/// else pause and say what is missing.
fn changed_points(app: &mut App) -> Vec<Effect> {
    show_points(app);
    let Some(drawing) = &app.view.drawing else {
        return vec![];
    };
    match drawing.missing() {
        None => vec![Effect::TrainOnDrawing],
        Some(missing) => {
            app.log(missing);
            if app.status.state == RunState::Running {
                app.status.state = RunState::Paused;
                vec![Effect::Send(Command::Pause)]
            } else {
                vec![]
            }
        }
    }
}

/// Whether `q` waits: the first `q` with unsaved drawn points warns instead of quitting.
pub fn hold_quit(app: &mut App) -> bool {
    let Some(drawing) = app.view.drawing.as_mut() else {
        return false;
    };
    if !drawing.unsaved || drawing.points.is_empty() || drawing.quit_warned {
        return false;
    }
    drawing.quit_warned = true;
    let message = format!(
        "{} drawn points are not saved: w saves them to {}, q again quits without",
        drawing.points.len(),
        drawing.path.display()
    );
    app.log(message);
    true
}

/// The plane in drawing mode: the drawing's box, fixed while points come and go.
pub fn extent(drawing: Option<&Drawing>, width: usize, height: usize) -> Option<Extent> {
    let drawing = drawing.filter(|d| d.active)?;
    let (x0, x1, y0, y1) = drawing.bounds;
    let corners = [(x0, y0), (x1, y1)].map(|(x, y)| Point { x, y, label: 0.0 });
    Some(Extent::around(&corners, width, height))
}

/// The key's drawing action in drawing mode (arrows, 1-8, `x`, `C`); `None`
/// otherwise, or for any other key (which keeps its meaning).
pub fn handle_key(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release
        || app.view.overlay.is_some()
        || !app.view.drawing.as_ref().is_some_and(|d| d.active)
    {
        return None;
    }
    let draw = match key.code {
        KeyCode::Left => DrawAction::Move(-1, 0),
        KeyCode::Right => DrawAction::Move(1, 0),
        KeyCode::Up => DrawAction::Move(0, 1),
        KeyCode::Down => DrawAction::Move(0, -1),
        KeyCode::Char(c @ '1'..='8') => DrawAction::Place(c as u8 - b'0'),
        KeyCode::Char('x') | KeyCode::Delete | KeyCode::Backspace => DrawAction::Remove,
        KeyCode::Char('C') => DrawAction::Clear,
        _ => return None,
    };
    Some(Action::Draw(draw))
}

/// The cursor of drawing mode over the plane: a bold `+` in the colour of the
/// class (or value) its next point gets.
pub fn draw_cursor(
    buf: &mut Buffer,
    inner: Rect,
    app: &App,
    extent: &Extent,
    (w, h, ascii): (usize, usize, bool),
) {
    let Some(drawing) = app.view.drawing.as_ref().filter(|d| d.active) else {
        return;
    };
    let Some((c, r)) = extent.pixel(drawing.cursor.0, drawing.cursor.1, w, h) else {
        return;
    };
    let row = if ascii { r } else { r / 2 };
    let color = if drawing.regression {
        app.view.palette.playground(key_value(drawing.last_key))
    } else {
        app.view.palette.point(usize::from(drawing.last_key - 1))
    };
    if let Some(cell) = buf.cell_mut((inner.x + c as u16, inner.y + row as u16)) {
        cell.set_symbol("+").set_style(
            Style::default()
                .fg(color)
                .bg(Color::Black)
                .add_modifier(Modifier::BOLD),
        );
    }
}

/// The drawing as data to train on, as `nn_run::load_data` would make it from the
/// saved file (the same split, features and normalisation), so the file loads back
/// as the same run.
///
/// # Errors
/// A drawing that cannot be trained on yet, or features that do not apply.
pub fn train_data(drawing: &Drawing, options: &nn_run::DataOptions) -> Result<TrainData, String> {
    if let Some(missing) = drawing.missing() {
        return Err(missing);
    }
    let all = drawing
        .dataset(&drawing.path.display().to_string())
        .map_err(|e| e.to_string())?;
    nn_run::prepare_data(&all, options).map_err(|e| e.to_string())
}

/// On SIGTERM or SIGHUP: unsaved drawn points beside the recovery model.
pub fn rescue(app: &App, model: &Path) {
    if let Some(drawing) = app
        .view
        .drawing
        .as_ref()
        .filter(|d| d.unsaved && !d.points.is_empty())
        && let Ok(data) = drawing.dataset("drawn")
    {
        let _ = write_points(&data, &recovery_points_path(model));
    }
}

/// Writes a data set as CSV (no split column), atomically.
///
/// # Errors
/// What the file system said, naming the file.
pub fn write_points(dataset: &Dataset, path: &Path) -> Result<(), String> {
    let text = nn_data::to_csv_string(dataset);
    nn_atomic_write::write_atomically(path, text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Where drawn points go when the dashboard is killed with points unsaved: beside
/// the recovery model, `model.safetensors` -> `model.recovery.csv`.
pub fn recovery_points_path(model: &Path) -> PathBuf {
    nn_run::recovery_path(model).with_extension("csv")
}

#[cfg(test)]
mod tests;
