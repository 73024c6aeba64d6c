//! What a picture is made from: a model file, or a run directory (its final
//! model, else its latest snapshot; its data reloaded with the run's own split;
//! its epochs from `events.jsonl`).

use std::path::{Path, PathBuf};

use nn_data::{Dataset, Inputs, Targets};
use nn_run::{
    DataOptions, DataSpec, Entry, MODEL_FILE, RunInfo, RunReader, SNAPSHOT_FILE, load_data,
};
use nn_train::{EpochReport, Model, TrainData};

use crate::PlotError;

/// A labelled point of the raw input plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// The first raw column, `x1`.
    pub x: f32,
    /// The second raw column, `x2`.
    pub y: f32,
    /// The class, or the target of a regression.
    pub label: f32,
}

/// The data drawn over a boundary: training points and held-out points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Points {
    /// Training points (drawn filled).
    pub train: Vec<Point>,
    /// Test points, else validation points (drawn outlined).
    pub test: Vec<Point>,
    /// Where they came from, for the caption (`gauss`, or `gauss, regenerated`).
    pub origin: String,
}

impl Points {
    /// The 2-D points of a loaded data set (none when it is not 2-D).
    pub fn of(data: &TrainData, origin: String) -> Self {
        Self {
            train: points_of(&data.train),
            test: data
                .test
                .as_ref()
                .or(data.validation.as_ref())
                .map_or_else(Vec::new, points_of),
            origin,
        }
    }
}

/// The points of a data set with two raw columns; empty for anything else.
pub fn points_of(data: &Dataset) -> Vec<Point> {
    let (Inputs::F32(values), 2) = (data.inputs(), data.dim()) else {
        return Vec::new();
    };
    let labels: Vec<f32> = match data.targets() {
        Targets::Classes(c) => c.iter().map(|&c| c as f32).collect(),
        Targets::Values(v) => v
            .iter()
            .step_by((v.len() / data.len().max(1)).max(1))
            .copied()
            .collect(),
    };
    values
        .chunks_exact(2)
        .zip(labels)
        .map(|(p, label)| Point {
            x: p[0],
            y: p[1],
            label,
        })
        .collect()
}

/// A model file or a run directory, opened.
#[derive(Debug)]
pub struct Source {
    /// The path given.
    pub path: PathBuf,
    /// The run's description, for a run directory.
    pub run: Option<RunInfo>,
    /// The run's epochs, in order (after its last reset), for a run directory.
    pub epochs: Vec<EpochReport>,
    /// The model: the file given, or the run's final model, else its latest snapshot.
    pub model: Option<Model>,
    /// Which file the model came from.
    pub model_path: Option<PathBuf>,
    /// A run directory whose final model is also its history's last entry (see
    /// [`nn_run::RunEnd::history_in_model`]).
    pub history_in_model: bool,
}

impl Source {
    /// Opens a model file or a run directory.
    pub fn open(path: &Path) -> Result<Self, PlotError> {
        if !path.is_dir() {
            let model = Model::load(path)?;
            return Ok(Self {
                path: path.to_path_buf(),
                run: None,
                epochs: Vec::new(),
                model: Some(model),
                model_path: Some(path.to_path_buf()),
                history_in_model: false,
            });
        }
        let mut reader = RunReader::open(path)?;
        let (records, _) = reader.poll()?;
        let mut epochs = Vec::new();
        let mut history_in_model = false;
        for record in records {
            match record.entry {
                Entry::Epoch(report) => epochs.push(report),
                Entry::Reset(_) | Entry::Restart(_) => epochs.clear(),
                Entry::End(end) => history_in_model = end.history_in_model,
                _ => {}
            }
        }
        let model_path = [MODEL_FILE, SNAPSHOT_FILE]
            .iter()
            .map(|f| path.join(f))
            .find(|p| p.is_file());
        let model = model_path.as_deref().map(Model::load).transpose()?;
        Ok(Self {
            path: path.to_path_buf(),
            run: Some(reader.info().clone()),
            epochs,
            model,
            model_path,
            history_in_model,
        })
    }

    /// The model, or why there is none.
    pub fn model(&self) -> Result<&Model, PlotError> {
        self.model.as_ref().ok_or_else(|| {
            PlotError::Unsuitable(format!(
                "{}: the run has no model yet (no {MODEL_FILE} or {SNAPSHOT_FILE})",
                self.path.display()
            ))
        })
    }

    /// A short name: the run directory's or the model file's.
    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// The data set's name: the run's, or the one the model file records.
    pub fn dataset(&self) -> Option<String> {
        match (&self.run, &self.model) {
            (Some(run), _) => Some(run.dataset.clone()),
            (None, Some(model)) => model.info.dataset.clone(),
            _ => None,
        }
    }

    /// The held-out data (test, else validation) and where it came from, as the
    /// model sees it: a run's own split, or for a model file its data set loaded
    /// again with the default options; `None` when there is none to load.
    pub fn held_out(&self) -> Option<(Dataset, String)> {
        let (data, origin) = if let Some(run) = &self.run {
            let (_, data) = run.data.load().ok()?;
            (data, format!("{} held out", run.dataset))
        } else {
            let name = self.model.as_ref()?.info.dataset.clone()?;
            // An IDX folder's training part names itself `<name>-train` (`mnist-train`).
            let spec = DataSpec::parse(&name)
                .or_else(|e| DataSpec::parse(name.strip_suffix("-train").ok_or(e)?))
                .ok()?;
            if matches!(spec, DataSpec::Stdin) {
                return None;
            }
            let data = load_data(&spec, &DataOptions::default()).ok()?;
            (data, format!("{name} held out, loaded again"))
        };
        let held_out = data.test.or(data.validation)?;
        Some((held_out, origin))
    }

    /// The points to draw: a run's own data (same samples, same split); for a model
    /// file, its data set loaded again with the default options, if it is a
    /// generator or a file still there; no points otherwise.
    pub fn points(&self) -> Points {
        // The raw columns x1, x2 are what is drawn, whatever features the network computes.
        let raw = |options: &DataOptions| DataOptions {
            features: None,
            ..options.clone()
        };
        if let Some(run) = &self.run {
            let mut data = run.data.clone();
            data.options = raw(&data.options);
            return match data.load() {
                Ok((_, loaded)) => Points::of(&loaded, run.dataset.clone()),
                Err(_) => Points::default(),
            };
        }
        let Some(name) = self.model.as_ref().and_then(|m| m.info.dataset.clone()) else {
            return Points::default();
        };
        match DataSpec::parse(&name) {
            // Standard input was read once, when the model was trained.
            Ok(DataSpec::Stdin) | Err(_) => Points::default(),
            Ok(spec) => match load_data(&spec, &raw(&DataOptions::default())) {
                Ok(loaded) => Points::of(
                    &loaded,
                    format!("{name} regenerated with the default options"),
                ),
                Err(_) => Points::default(),
            },
        }
    }
}
