//! What a run directory holds: `run.json` ([`RunInfo`], written once) and the
//! lines of `events.jsonl` ([`Record`]: seconds since the start, and one [`Entry`]).
//!
//! A line reads `{"t":12.345,"epoch":{...}}`: the entry's kind is its one other key.
//! Epochs, progress and run states are the trainer's own [`EpochReport`],
//! [`ProgressReport`] and [`RunState`], so a reader can replay them as events.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::pace::Pace;
use crate::session::{ProgressReport, RunState, Summary};
use crate::settings::RunSettings;
use crate::setup::{DataOptions, DataSpec, load_data};
use crate::state_line::StateLine;
use nn_train::TrainConfig;
use nn_train::TrainError;
use nn_train::{EpochReport, TrainData, Trainer};

/// The run-directory format this build writes and reads.
pub const FORMAT: u32 = 1;

/// `run.json`: what the run is, written once when it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The run-directory format of the writer (this build writes and reads 1).
    pub format: u32,
    /// The command line that started the run.
    pub command: Vec<String>,
    /// The writing process.
    pub pid: u32,
    /// When the run (its first trainer, if the dashboard restarted) started, in
    /// seconds since 1970 (UTC).
    pub started: f64,
    /// The data set's short name (`spiral`, `mnist`, a file name).
    pub dataset: String,
    /// The data sets the run trained on before this one, oldest first (the dashboard's
    /// `d` and `p` change the data in the same run directory, which keeps its name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_datasets: Vec<String>,
    /// How to load the same data again.
    pub data: RunData,
    /// Samples in the training, validation and test parts.
    pub parts: [usize; 3],
    /// The trainer's configuration as it started.
    pub config: TrainConfig,
    /// The run's state line: `nn-tui train --state '<line>'` (or the dashboard's
    /// `--state`) recreates the same data and the same initial weights.
    pub state_line: String,
    /// The run's settings by state-line key (from [`crate::SETTINGS`]): the state
    /// line's fields, for tools that read run.json (absent before issue 19).
    #[serde(default)]
    pub settings: RunSettings,
}

impl RunInfo {
    /// Every data set the run trained on, in order, joined by arrows: `spiral → circle`.
    pub fn datasets_text(&self) -> String {
        let mut all = self.earlier_datasets.clone();
        all.push(self.dataset.clone());
        all.join(" → ")
    }

    /// The run `trainer` is about to do at `pace`, on data loaded from `spec` with `options`.
    pub fn new(
        spec: &DataSpec,
        options: &DataOptions,
        trainer: &Trainer,
        pace: Pace,
        command: Vec<String>,
    ) -> Self {
        let data = trainer.data();
        let len = |d: Option<&nn_data::Dataset>| d.map_or(0, nn_data::Dataset::len);
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let fields = StateLine::from_run(spec, options, data, trainer.config(), pace).fields();
        Self {
            format: FORMAT,
            command,
            pid: std::process::id(),
            started,
            dataset: short_name(spec),
            earlier_datasets: Vec::new(),
            data: RunData::new(spec, options),
            parts: [
                data.train.len(),
                len(data.validation.as_ref()),
                len(data.test.as_ref()),
            ],
            config: trainer.config().clone(),
            // Each field printed once, for both (it was a fifth of a sweep trial's set-up).
            state_line: crate::state_line::line_of(&fields),
            settings: RunSettings::of_fields(fields),
        }
    }
}

/// A data set's name as a run shows it: a generator's name, `mnist`, or a file's name.
pub(super) fn short_name(spec: &DataSpec) -> String {
    match spec {
        DataSpec::Generator(_) | DataSpec::Mnist | DataSpec::Stdin => spec.name(),
        DataSpec::IdxFolder(p) | DataSpec::Csv(p) => {
            let name = if matches!(spec, DataSpec::Csv(_)) {
                p.file_stem()
            } else {
                p.file_name()
            };
            name.map_or_else(|| spec.name(), |n| n.to_string_lossy().into_owned())
        }
    }
}

/// The data of a run: its spec, with a file's path made absolute so that a
/// reader in another folder loads the same data, and the options it was loaded with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunData {
    /// A generator name, `mnist`, the absolute path of a CSV file or IDX folder, or `-`
    /// for a CSV file read from standard input (which cannot be loaded again).
    pub spec: String,
    /// Samples, noise, seed, splits, target column, normalisation.
    #[serde(flatten)]
    pub options: DataOptions,
}

impl RunData {
    /// The data of `spec` loaded with `options`.
    pub fn new(spec: &DataSpec, options: &DataOptions) -> Self {
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let spec = match spec {
            DataSpec::Generator(_) | DataSpec::Mnist => spec.name(),
            DataSpec::IdxFolder(p) | DataSpec::Csv(p) => absolute(p).display().to_string(),
            DataSpec::Stdin => "-".into(),
        };
        Self {
            spec,
            options: options.clone(),
        }
    }

    /// Loads the same data again: same samples, same split, same normalisation.
    pub fn load(&self) -> Result<(DataSpec, TrainData), TrainError> {
        // The spec parsed when the run began: what fails now is a file or folder that has
        // gone since, not a typo on a command line.
        let spec = DataSpec::parse(&self.spec).map_err(|_| TrainError::RunDataGone {
            path: PathBuf::from(&self.spec),
        })?;
        if spec == DataSpec::Stdin {
            return Err(TrainError::StdinGone);
        }
        let data = load_data(&spec, &self.options)?;
        Ok((spec, data))
    }
}

/// One line of `events.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RecordFields")]
pub struct Record {
    /// Seconds since the writer started.
    pub t: f64,
    /// What happened.
    #[serde(flatten)]
    pub entry: Entry,
}

/// What a [`Record`] says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// An epoch ended. When epochs end faster than the writer records them, the
    /// log keeps the latest at a bounded rate plus every epoch that was the best so far.
    Epoch(EpochReport),
    /// Where training stands, at most about once a second.
    Progress(ProgressReport),
    /// The learning rate or batch size was changed during an epoch.
    Settings(SettingsChange),
    /// Running, paused, finished, stopped, or diverged (with the message).
    State(RunState),
    /// The weights were reset: new random weights, a fresh optimizer, epoch 0.
    Reset(WeightsReset),
    /// `snapshot.safetensors` now holds the weights of this moment.
    Snapshot(SnapshotTaken),
    /// A message for the user (saved files, warnings).
    Log(String),
    /// The run's state line changed while it trains (the dashboard's keys changed
    /// the pace, the penalties, the points, ...): the run from here on.
    StateLine(String),
    /// A new trainer took over in the same directory (the dashboard restarted with
    /// other data or another network): what it is, as `run.json` now says too.
    /// What follows belongs to it.
    Restart(Box<RunInfo>),
    /// The run is over; always the last line.
    End(RunEnd),
}

/// A learning rate or batch size changed by a user (a schedule changes the rate
/// between epochs, and every epoch record has its rate).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SettingsChange {
    /// Epochs completed when the change took effect.
    pub epoch: usize,
    /// The learning rate in force from now on.
    #[serde(with = "nn_train::json_float")]
    pub learning_rate: f32,
    /// The batch size in force from now on.
    pub batch_size: usize,
}

/// New random weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeightsReset {
    /// The learning rate in force.
    #[serde(with = "nn_train::json_float")]
    pub learning_rate: f32,
}

/// The moment whose weights the snapshot file holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SnapshotTaken {
    /// Epochs completed.
    pub epoch: usize,
    /// Steps taken since the start or the last reset.
    pub total_steps: u64,
}

/// A line as read: the time and one field per kind of entry. Deserialising
/// through it, rather than through `#[serde(flatten)]`, parses a long log twice as fast.
#[derive(Deserialize)]
struct RecordFields {
    t: f64,
    epoch: Option<EpochReport>,
    progress: Option<ProgressReport>,
    settings: Option<SettingsChange>,
    state: Option<RunState>,
    reset: Option<WeightsReset>,
    snapshot: Option<SnapshotTaken>,
    log: Option<String>,
    state_line: Option<String>,
    restart: Option<Box<RunInfo>>,
    end: Option<RunEnd>,
}

impl TryFrom<RecordFields> for Record {
    type Error = &'static str;

    fn try_from(line: RecordFields) -> Result<Self, Self::Error> {
        let entries = [
            line.epoch.map(Entry::Epoch),
            line.progress.map(Entry::Progress),
            line.settings.map(Entry::Settings),
            line.state.map(Entry::State),
            line.reset.map(Entry::Reset),
            line.snapshot.map(Entry::Snapshot),
            line.log.map(Entry::Log),
            line.state_line.map(Entry::StateLine),
            line.restart.map(Entry::Restart),
            line.end.map(Entry::End),
        ];
        let mut present = entries.into_iter().flatten();
        match (present.next(), present.next()) {
            (Some(entry), None) => Ok(Self { t: line.t, entry }),
            (None, _) => Err("a record of a kind this build does not know"),
            (Some(_), Some(_)) => Err("a record of two kinds at once"),
        }
    }
}

/// The last record of a run that ended in an orderly way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEnd {
    /// How it ended.
    pub status: EndStatus,
    /// The divergence or failure, in words.
    pub message: Option<String>,
    /// The trainer's summary, if it got that far.
    pub summary: Option<Summary>,
    /// Whether `model.safetensors` holds the final model.
    pub model: bool,
    /// Records that could not be written (a full disk, a disk that fell behind).
    pub lost_records: u64,
    /// Whether `model.safetensors` is also the last entry of the history of
    /// weights, not written again in `snapshots/`: a run whose history would
    /// be its final weights alone (a sweep's trial, which keeps its weights at
    /// its end only) has no `snapshots/` folder. Absent in older logs: false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub history_in_model: bool,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndStatus {
    /// Every epoch done, or early stopping ended it.
    Finished,
    /// Stopped before its end by Ctrl-C or a signal.
    Interrupted,
    /// Stopped by the user: the dashboard closed with `q`.
    Stopped,
    /// The loss stopped being finite.
    Diverged,
    /// An error ended it.
    Failed,
}

impl EndStatus {
    /// The status in one word, as `nn-tui runs` shows it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Finished => "finished",
            Self::Interrupted => "interrupted",
            Self::Stopped => "stopped",
            Self::Diverged => "diverged",
            Self::Failed => "failed",
        }
    }
}

/// A part of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The samples trained on.
    Train,
    /// The validation split.
    Validation,
    /// The test split.
    Test,
}

impl Part {
    /// `train`, `validation` or `test`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Validation => "validation",
            Self::Test => "test",
        }
    }
}

/// An epoch's headline figure: measured on the most held-out part it has (test,
/// else validation, else train); accuracy for a classifier, loss for a regression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// The part measured.
    pub part: Part,
    /// The epoch (1-based).
    pub epoch: usize,
    /// Accuracy, for classification.
    pub accuracy: Option<f64>,
    /// Mean loss.
    pub loss: f64,
}

impl Score {
    /// The headline figure of `report`.
    pub fn of(report: &EpochReport) -> Self {
        let (part, metrics) = match (&report.test, &report.validation) {
            (Some(m), _) => (Part::Test, m),
            (None, Some(m)) => (Part::Validation, m),
            (None, None) => (Part::Train, &report.train),
        };
        Self {
            part,
            epoch: report.epoch,
            accuracy: metrics.accuracy(),
            loss: metrics.loss,
        }
    }

    /// Whether this is better than `other`: higher accuracy, or for regression
    /// lower loss. A non-finite figure is never better.
    pub fn better_than(&self, other: &Self) -> bool {
        match (self.accuracy, other.accuracy) {
            (Some(a), Some(b)) => a > b,
            _ => self.loss < other.loss || (self.loss.is_finite() && !other.loss.is_finite()),
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use nn_train::{ConfusionMatrix, Metrics};

    /// An epoch with `(right, wrong)` test and train predictions (none: a regression) and `loss`.
    pub(in crate::run_dir) fn report(
        epoch: usize,
        accuracy_counts: Option<(u64, u64)>,
        loss: f64,
    ) -> EpochReport {
        let metrics = Metrics {
            loss,
            samples: 10,
            confusion: accuracy_counts.map(|(right, wrong)| {
                let mut c = ConfusionMatrix::new(2);
                (0..right).for_each(|_| c.record(0, 0));
                (0..wrong).for_each(|_| c.record(0, 1));
                c
            }),
            mse: None,
            r2: None,
        };
        EpochReport {
            epoch,
            train: metrics.clone(),
            validation: None,
            test: Some(metrics),
            learning_rate: 0.03,
            seconds: 0.5,
            samples_per_second: 800.0,
            improved: false,
            stop_early: false,
            stalled: None,
        }
    }

    #[test]
    fn a_line_has_the_time_and_one_key_naming_the_entry() {
        let records = [
            Record {
                t: 1.5,
                entry: Entry::State(RunState::Paused),
            },
            Record {
                t: 2.0,
                entry: Entry::State(RunState::Diverged("loss NaN".into())),
            },
            Record {
                t: 2.5,
                entry: Entry::Reset(WeightsReset {
                    learning_rate: 0.03,
                }),
            },
            Record {
                t: 3.0,
                entry: Entry::Epoch(report(3, Some((9, 1)), 0.25)),
            },
            Record {
                t: 4.0,
                entry: Entry::End(RunEnd {
                    status: EndStatus::Interrupted,
                    message: None,
                    summary: None,
                    model: true,
                    lost_records: 0,
                    history_in_model: false,
                }),
            },
        ];
        let lines: Vec<String> = records
            .iter()
            .map(|r| serde_json::to_string(r).unwrap())
            .collect();
        assert_eq!(lines[0], r#"{"t":1.5,"state":"Paused"}"#);
        assert_eq!(lines[1], r#"{"t":2.0,"state":{"Diverged":"loss NaN"}}"#);
        assert_eq!(lines[2], r#"{"t":2.5,"reset":{"learning_rate":0.03}}"#);
        assert!(lines[3].starts_with(r#"{"t":3.0,"epoch":{"epoch":3,"train":{"loss":0.25,"#));
        assert!(lines[4].contains(r#""end":{"status":"interrupted","#));
        for (line, record) in lines.iter().zip(&records) {
            assert_eq!(&serde_json::from_str::<Record>(line).unwrap(), record);
        }
        for (line, problem) in [
            (
                r#"{"t":1.0,"future":{}}"#,
                "a record of a kind this build does not know",
            ),
            (
                r#"{"t":1.0,"log":"a","state":"Paused"}"#,
                "a record of two kinds at once",
            ),
            (r#"{"log":"a"}"#, "missing field `t`"),
        ] {
            let error = serde_json::from_str::<Record>(line)
                .unwrap_err()
                .to_string();
            assert!(error.starts_with(problem), "{line}: {error}");
        }
    }

    #[test]
    fn the_data_options_round_trip_by_name() {
        let data = RunData::new(
            &DataSpec::Generator("moons".into()),
            &DataOptions {
                normalization: Some(nn_data::NormalizationKind::MinMax),
                features: Some("x1,x2,x1^2".parse().unwrap()),
                noise: Some(0.1),
                ..DataOptions::default()
            },
        );
        let json = serde_json::to_string(&data).unwrap();
        assert!(json.contains(r#""normalization":"min-max""#), "{json}");
        assert!(json.contains(r#""features":"x1,x2,x1^2""#), "{json}");
        assert_eq!(serde_json::from_str::<RunData>(&json).unwrap(), data);
        let bad = json.replace("min-max", "zscore");
        let error = serde_json::from_str::<RunData>(&bad)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(r#"normalization "zscore": not a kind this build knows"#),
            "{error}"
        );
    }

    #[test]
    fn data_that_moved_or_came_from_stdin_is_named_when_loaded_again() {
        let gone = RunData {
            spec: "/no/such/folder/points.csv".into(),
            options: DataOptions::default(),
        };
        let error = gone.load().unwrap_err().to_string();
        assert_eq!(
            error,
            "the run's data /no/such/folder/points.csv is not there any more (moved or \
             deleted?); put it back to watch the run"
        );
        let stdin = RunData::new(&DataSpec::Stdin, &DataOptions::default());
        assert_eq!(stdin.spec, "-");
        let error = stdin.load().unwrap_err().to_string();
        assert!(error.contains("read from standard input"), "{error}");
    }

    #[test]
    fn the_score_prefers_accuracy_then_low_loss() {
        let score = |acc, loss| Score::of(&report(1, acc, loss));
        assert!(score(Some((9, 1)), 0.5).better_than(&score(Some((8, 2)), 0.1)));
        assert!(!score(Some((8, 2)), 0.1).better_than(&score(Some((8, 2)), 0.5)));
        assert!(score(None, 0.1).better_than(&score(None, 0.2)));
        assert!(score(None, 0.1).better_than(&score(None, f64::NAN)));
        assert!(!score(None, f64::NAN).better_than(&score(None, 0.2)));
        let s = score(Some((9, 1)), 0.5);
        assert_eq!((s.part, s.epoch, s.accuracy), (Part::Test, 1, Some(0.9)));
    }
}
