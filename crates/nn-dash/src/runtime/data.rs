//! The data on screen: the points the panels draw, the drawing as training
//! data, and writing the data and the pictures out (`w`, `S`).

use std::path::PathBuf;
use std::sync::Arc;

use nn_run::{Command, DataOptions, DataSpec, RunState, load_data};
use nn_train::TrainData;

use crate::plot::points_of;
use crate::ui;

use super::Runtime;

impl Runtime {
    /// The points the panels draw, from the current data.
    pub(super) fn set_points(&mut self) {
        if self.is_drawing_data(&self.data_spec) {
            crate::drawing::show_points(&mut self.app);
            return;
        }
        let data = &self.data;
        let raw = DataOptions {
            features: None,
            ..self.data_options.clone()
        };
        // The points are the raw columns: with features, the data before them.
        let raw_data;
        let source = if data.features.is_some() {
            match load_data(&self.data_spec, &raw) {
                Ok(d) => {
                    raw_data = d;
                    &raw_data
                }
                Err(_) => data,
            }
        } else {
            data
        };
        self.app.view.train_points = points_of(&source.train);
        self.app.view.test_points = source
            .test
            .as_ref()
            .or(source.validation.as_ref())
            .map(points_of)
            .unwrap_or_default();
    }

    /// Whether `spec` is the drawing's file (the data is what is drawn).
    pub(super) fn is_drawing_data(&self, spec: &DataSpec) -> bool {
        matches!((spec, &self.app.view.drawing), (DataSpec::Csv(path), Some(d)) if *path == d.path)
    }

    /// The drawing's points as data, when `spec` is the drawing's file.
    pub(super) fn drawn_data(
        &mut self,
        spec: &DataSpec,
        options: &DataOptions,
    ) -> Option<TrainData> {
        if !self.is_drawing_data(spec) {
            return None;
        }
        let drawing = self.app.view.drawing.as_ref()?;
        match crate::drawing::train_data(drawing, options) {
            Ok(data) => Some(data),
            Err(e) => {
                self.app.log(format!("cannot train on the drawing: {e}"));
                None
            }
        }
    }

    /// The drawn points changed: train on them, with the same weights while the
    /// network still fits them (classes drawn, features), else from new weights.
    pub(super) fn train_on_drawing(&mut self) {
        let Some(path) = self.app.view.drawing.as_ref().map(|d| d.path.clone()) else {
            return;
        };
        let spec = DataSpec::Csv(path);
        let fits = |old: &TrainData, new: &TrainData| {
            old.train.task() == new.train.task() && old.train.dim() == new.train.dim()
        };
        self.options.data_spec = spec.clone();
        self.app.settings.run.data = spec.name();
        self.app.settings.run.noise = None;
        self.app.settings.raw_columns = 2;
        let (_, options) = self.wanted_data();
        let Some(data) = self.drawn_data(&spec, &options) else {
            return;
        };
        let same_run = self.is_drawing_data(&self.data_spec) && self.handle.is_some();
        if same_run && fits(&self.data, &data) {
            self.data = Arc::new(data);
            self.data_options = options;
            if let Some(h) = &self.handle {
                h.send(Command::SetData(Arc::clone(&self.data)));
                if self.app.status.state == RunState::Paused {
                    h.send(Command::Resume);
                    self.app.status.state = RunState::Running;
                }
            }
            self.app.train_samples = self.data.train.len();
            self.app.view.inspection = None;
        } else {
            self.data = Arc::new(data);
            self.data_spec = spec;
            self.data_options = options;
            self.app.status.state = RunState::Running;
            self.app.clear_run();
            self.restart();
            let count = self.app.view.drawing.as_ref().map_or(0, |d| d.points.len());
            self.app.log(format!("training on {count} drawn points"));
        }
        crate::drawing::show_points(&mut self.app);
    }

    /// `w`: the drawing saved (in drawing mode), else the data on screen written as
    /// CSV beside the model, with its split column.
    pub(super) fn write_data(&mut self) {
        if let Some(drawing) = self.app.view.drawing.as_mut().filter(|d| d.active) {
            let path = drawing.path.clone();
            let count = drawing.points.len();
            let message = match drawing.save(&path) {
                Ok(()) => format!("saved {count} drawn points to {}", path.display()),
                Err(e) => format!("could not save the drawing: {e}"),
            };
            self.app.log(message);
            return;
        }
        let name: String = self
            .data_spec
            .name()
            .rsplit('/')
            .next()
            .unwrap_or("data")
            .trim_end_matches(".csv")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self
            .options
            .model_path
            .with_file_name(format!("{name}-data.csv"));
        let message = match crate::drawing::write_data(&self.data, &path) {
            Ok(rows) => format!("wrote {rows} rows to {}", path.display()),
            Err(e) => format!("could not write the data: {e}"),
        };
        self.app.log(message);
    }

    /// Saves what is on screen (drawn afresh at the terminal's size) and the
    /// pictures of the current network into the run's folder (the current one if
    /// it records none); the log line says where.
    pub(super) fn save_pictures(&mut self) {
        let area = self.screen;
        // The test backend cannot fail (its error type is `Infallible`).
        let Ok(mut terminal) =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(area.width, area.height));
        let Ok(frame) = terminal.draw(|frame| ui::draw(frame, &self.app));
        let buffer = frame.buffer.clone();
        // The run's folder: the one recorded into, else the one watched.
        let watched = self.app.watch.as_ref().map(|w| PathBuf::from(&w.dir));
        for line in crate::pictures::save(
            self.options.run_dir.as_deref().or(watched.as_deref()),
            &buffer,
            self.app.network.as_deref(),
            &self.data,
        ) {
            self.app.log(line);
        }
    }
}
