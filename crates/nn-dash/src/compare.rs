//! Runs side by side (`nn-tui watch DIR1 DIR2 ...`): each run's held-out loss
//! and accuracy over epochs in a colour of its own, a legend naming what
//! differs between the runs (read from their state lines), and a table of each
//! run's status, best score, epochs and time. The state is folded from the
//! runs' records; `ui::compare` draws it.

use std::path::Path;

use nn_run::{Entry, Record, RunInfo, RunStatus, RunSummary, Score};

use crate::PlotMode;
use crate::colors::{ColorDepth, Palette};
use crate::history::{CURVE_POINTS, Series};

/// Messages kept for the log line.
const LOG_LINES: usize = 20;

/// One run of the comparison.
#[derive(Debug, Clone)]
pub struct Compared {
    /// What sets it apart from the others (`lr=0.3`), or its folder's name.
    pub label: String,
    /// Its figures so far: status, epochs, best score, time.
    pub summary: RunSummary,
    /// Held-out loss (test, else validation, else train) at each epoch recorded.
    pub loss: Series,
    /// Held-out accuracy at each epoch recorded (classification).
    pub accuracy: Series,
}

/// The comparison's whole state.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The runs, in the order given.
    pub runs: Vec<Compared>,
    /// How the curves are drawn.
    pub plot: PlotMode,
    /// Colours.
    pub palette: Palette,
    /// Messages, oldest first.
    pub log: Vec<String>,
}

impl Comparison {
    /// The runs in these directories, as their `run.json` describe them, nothing read yet.
    pub fn new(runs: Vec<(&Path, RunInfo)>, plot: PlotMode, depth: ColorDepth) -> Self {
        let runs = runs
            .into_iter()
            .map(|(dir, info)| Compared {
                label: String::new(),
                summary: RunSummary::new(dir, info),
                loss: Series::new(CURVE_POINTS),
                accuracy: Series::new(CURVE_POINTS),
            })
            .collect();
        let mut comparison = Self {
            runs,
            plot,
            palette: Palette::new(depth),
            log: Vec::new(),
        };
        comparison.relabel();
        comparison
    }

    /// Takes one record of run `run` into account.
    pub fn add(&mut self, run: usize, record: &Record) {
        let Some(r) = self.runs.get_mut(run) else {
            return;
        };
        r.summary.add(record);
        match &record.entry {
            Entry::Epoch(report) => {
                let score = Score::of(report);
                let x = report.epoch as f64;
                r.loss.push(x, score.loss);
                if let Some(accuracy) = score.accuracy {
                    r.accuracy.push(x, accuracy);
                }
            }
            Entry::Reset(_) | Entry::Restart(_) => {
                r.loss = Series::new(CURVE_POINTS);
                r.accuracy = Series::new(CURVE_POINTS);
            }
            _ => {}
        }
        if matches!(record.entry, Entry::Restart(_) | Entry::StateLine(_)) {
            self.relabel();
        }
    }

    /// Whether run `run`'s writer is still at it, and if not how it ended.
    pub fn set_status(&mut self, run: usize, status: RunStatus) {
        if let Some(r) = self.runs.get_mut(run)
            && r.summary.status != status
        {
            r.summary.status = status;
            if status != RunStatus::Running {
                let label = r.label.clone();
                self.log(format!("{label}: {}", status.name()));
            }
        }
    }

    /// Adds a message to the log line.
    pub fn log(&mut self, message: impl Into<String>) {
        self.log.push(message.into());
        if self.log.len() > LOG_LINES {
            self.log.remove(0);
        }
    }

    /// Whether any run has accuracies to plot.
    pub fn has_accuracy(&self) -> bool {
        self.runs.iter().any(|r| r.accuracy.last().is_some())
    }

    /// The epochs the curves span.
    pub fn x_max(&self) -> f64 {
        self.runs
            .iter()
            .filter_map(|r| r.loss.last().map(|p| p.0))
            .fold(1.0, f64::max)
    }

    fn relabel(&mut self) {
        let lines: Vec<&str> = self
            .runs
            .iter()
            .map(|r| r.summary.info.state_line.as_str())
            .collect();
        let names: Vec<String> = self
            .runs
            .iter()
            .map(|r| {
                r.summary.dir.file_name().map_or_else(
                    || r.summary.dir.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            })
            .collect();
        let labels = labels(&lines, &names);
        for (r, label) in self.runs.iter_mut().zip(labels) {
            r.label = label;
        }
    }
}

/// What differs between runs, one label per run: the state-line fields whose
/// values are not the same for all (`lr=0.03` against `lr=0.3`); a run's folder
/// name when the lines are the same.
pub fn labels(lines: &[&str], names: &[String]) -> Vec<String> {
    let fields: Vec<Vec<(&str, &str)>> = lines
        .iter()
        .map(|line| {
            line.split_whitespace()
                .skip(1) // the format's name, nn-tui/1
                .filter_map(|field| field.split_once('='))
                .collect()
        })
        .collect();
    let value = |run: usize, key: &str| {
        fields[run]
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("-", |(_, v)| *v)
    };
    let mut differing: Vec<&str> = Vec::new();
    for (key, _) in fields.iter().flatten() {
        let first = value(0, key);
        if !differing.contains(key) && (0..fields.len()).any(|run| value(run, key) != first) {
            differing.push(key);
        }
    }
    (0..lines.len())
        .map(|run| {
            if differing.is_empty() {
                return names[run].clone();
            }
            differing
                .iter()
                .map(|key| format!("{key}={}", value(run, key)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_what_differs() {
        let lines = [
            "nn-tui/1 data=spiral lr=0.03 batch=10 seed=42",
            "nn-tui/1 data=spiral lr=0.3 batch=10 seed=42",
            "nn-tui/1 data=spiral lr=0.3 batch=20 seed=42",
        ];
        let names = ["a".to_string(), "b".into(), "c".into()];
        assert_eq!(
            labels(&lines, &names),
            ["lr=0.03 batch=10", "lr=0.3 batch=10", "lr=0.3 batch=20"]
        );
        // A field one line lacks differs too; identical lines fall back to the names.
        assert_eq!(
            labels(
                &["nn-tui/1 data=circle", "nn-tui/1 data=circle l2=0.01"],
                &names[..2]
            ),
            ["l2=-", "l2=0.01"]
        );
        assert_eq!(
            labels(
                &["nn-tui/1 data=circle", "nn-tui/1 data=circle"],
                &names[..2]
            ),
            ["a", "b"]
        );
    }
}
