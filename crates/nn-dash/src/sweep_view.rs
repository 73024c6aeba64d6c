//! A sweep's live table (`nn-tui watch SWEEPDIR`): one row per trial with its
//! status, best validation score, epochs, time and axis values; a sort column,
//! a selected row and marked rows; the curves of the marked trials (else of the
//! top few). The state only: `sweep_follow` fills it from the sweep directory,
//! `ui::sweep_table` draws it, [`SweepView::update`] applies a key's action.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::path::PathBuf;

use nn_sweep::Best;

use crate::PlotMode;
use crate::colors::{ColorDepth, Palette};
use crate::history::{CURVE_POINTS, Series};
use crate::sweep_keys::SweepAction;

/// Trials whose curves are shown when none is marked: the top of the ranking.
pub const TOP_CURVES: usize = 5;
/// Marked trials whose curves are shown at most (each needs a colour of its own).
pub const MAX_MARKED: usize = 8;

/// Where a trial is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrialStatus {
    /// Training now.
    Running,
    /// Between successive halving's rungs: waiting for the cut, or for a core.
    Waiting,
    /// Not started.
    Queued,
    /// Trained all its epochs (or stopped early on its own).
    Finished,
    /// Stopped by successive halving after a rung.
    Halved,
    /// Its sweep was stopped or killed before it finished (`--resume` runs it again).
    Stopped,
    /// Its loss stopped being finite.
    Diverged,
    /// An error ended it.
    Failed,
}

impl TrialStatus {
    /// The status as the table shows it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::Queued => "queued",
            Self::Finished => "finished",
            Self::Halved => "halved",
            Self::Stopped => "stopped",
            Self::Diverged => "diverged",
            Self::Failed => "failed",
        }
    }
}

/// One trial of the sweep, as read so far.
#[derive(Debug, Clone)]
pub struct TrialRow {
    /// The trial's number (its run directory is `trials/t{id:04}`).
    pub id: usize,
    /// Its axes' values, in the order of [`SweepView::axes`].
    pub axes: Vec<String>,
    /// Where it is.
    pub status: TrialStatus,
    /// Successive halving's rung it reached (0 without halving): a later rung ranks
    /// first, as the sweep's own standings do.
    pub rung: usize,
    /// Its best validation epoch so far (over its folds' mean, once all are done).
    pub best: Option<Best>,
    /// Epochs trained.
    pub epochs: usize,
    /// Wall-clock seconds of its run.
    pub seconds: f64,
    /// The run directory to open (the job running, else its latest); `None`: not started.
    pub dir: Option<PathBuf>,
    /// Validation loss at each epoch (of the job in `dir`).
    pub loss: Series,
    /// Validation accuracy at each epoch (classification).
    pub accuracy: Series,
}

impl TrialRow {
    /// A trial not started yet.
    pub fn queued(id: usize, axes: Vec<String>) -> Self {
        Self {
            id,
            axes,
            status: TrialStatus::Queued,
            rung: 0,
            best: None,
            epochs: 0,
            seconds: 0.0,
            dir: None,
            loss: Series::new(CURVE_POINTS),
            accuracy: Series::new(CURVE_POINTS),
        }
    }
}

/// What the table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    /// The best validation score: the ranking.
    Best,
    /// The trial's number.
    Trial,
    /// The status (running first).
    Status,
    /// Epochs trained (most first).
    Epochs,
    /// Time (longest first).
    Time,
    /// An axis's values (numbers by value, words alphabetically).
    Axis(usize),
}

/// What the runtime must do after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepEffect {
    /// Nothing beyond drawing again.
    None,
    /// Show this run directory in the run's own view, then come back.
    Open(PathBuf),
    /// Leave.
    Quit,
}

/// The whole state of the sweep's view.
#[derive(Debug, Clone)]
pub struct SweepView {
    /// The sweep directory, as given.
    pub dir: String,
    /// The axes' keys: the table's last columns.
    pub axes: Vec<String>,
    /// Every trial, by number.
    pub trials: Vec<TrialRow>,
    /// `accuracy` (a classifier) or `loss`.
    pub metric: &'static str,
    /// What the rows are sorted by.
    pub sort: SortColumn,
    /// Reversed from the column's own order.
    pub reversed: bool,
    /// The selected trial's number; `None`: the top row's, until a key moves the selection.
    pub selected: Option<usize>,
    /// The first row shown (kept so that the selection is visible).
    pub offset: usize,
    /// Marked trials: their curves are shown.
    pub marked: BTreeSet<usize>,
    /// The help overlay is open.
    pub help: bool,
    /// Whether any trial's writer is alive (the sweep runs).
    pub live: bool,
    /// A message for the bottom line, until the next key.
    pub message: Option<String>,
    /// How the curves are drawn.
    pub plot: PlotMode,
    /// Colours.
    pub palette: Palette,
}

impl SweepView {
    /// A sweep of `trials` (each its number's axis values), none started.
    pub fn new(
        dir: String,
        axes: Vec<String>,
        trials: Vec<Vec<String>>,
        plot: PlotMode,
        depth: ColorDepth,
    ) -> Self {
        Self {
            dir,
            axes,
            trials: trials
                .into_iter()
                .enumerate()
                .map(|(id, values)| TrialRow::queued(id, values))
                .collect(),
            metric: "accuracy",
            sort: SortColumn::Best,
            reversed: false,
            selected: None,
            offset: 0,
            marked: BTreeSet::new(),
            help: false,
            live: false,
            message: None,
            plot,
            palette: Palette::new(depth),
        }
    }

    /// The trials' numbers in the ranking: best validation score first, trials
    /// without one last; ties by number.
    pub fn ranking(&self) -> Vec<usize> {
        let mut ids: Vec<usize> = (0..self.trials.len()).collect();
        ids.sort_by(|&a, &b| by_best(&self.trials[a], &self.trials[b]));
        ids
    }

    /// Each trial's rank (1 = best), by number.
    pub fn ranks(&self) -> Vec<usize> {
        let mut ranks = vec![0; self.trials.len()];
        for (i, id) in self.ranking().into_iter().enumerate() {
            ranks[id] = i + 1;
        }
        ranks
    }

    /// The trials' numbers in the table's order.
    pub fn order(&self) -> Vec<usize> {
        let mut ids: Vec<usize> = (0..self.trials.len()).collect();
        let t = &self.trials;
        let column = |a: &TrialRow, b: &TrialRow| match self.sort {
            SortColumn::Best => by_best(a, b),
            SortColumn::Trial => a.id.cmp(&b.id),
            SortColumn::Status => a.status.cmp(&b.status).then(by_best(a, b)),
            SortColumn::Epochs => b.epochs.cmp(&a.epochs),
            SortColumn::Time => b.seconds.total_cmp(&a.seconds),
            SortColumn::Axis(i) => by_value(&a.axes[i], &b.axes[i]),
        };
        ids.sort_by(|&a, &b| {
            let o = column(&t[a], &t[b]);
            let o = if self.reversed { o.reverse() } else { o };
            o.then(a.cmp(&b))
        });
        ids
    }

    /// The trials whose curves are shown: the marked ones, else the top few.
    pub fn shown(&self) -> Vec<usize> {
        if self.marked.is_empty() {
            self.ranking()
                .into_iter()
                .filter(|&id| self.trials[id].loss.last().is_some())
                .take(TOP_CURVES)
                .collect()
        } else {
            self.marked.iter().copied().collect()
        }
    }

    /// The columns the table sorts by, in the order `s` steps through them.
    pub fn columns(&self) -> Vec<SortColumn> {
        let mut columns = vec![
            SortColumn::Best,
            SortColumn::Trial,
            SortColumn::Status,
            SortColumn::Epochs,
            SortColumn::Time,
        ];
        columns.extend((0..self.axes.len()).map(SortColumn::Axis));
        columns
    }

    /// The selected trial's number.
    pub fn selected_id(&self) -> usize {
        self.selected
            .or_else(|| self.order().first().copied())
            .unwrap_or(0)
    }

    /// The selected row's place in the table's order.
    pub fn selected_row(&self) -> usize {
        let selected = self.selected_id();
        self.order()
            .iter()
            .position(|&id| id == selected)
            .unwrap_or(0)
    }

    /// Moves `offset` so that the selected row is among `rows` rows shown.
    pub fn keep_visible(&mut self, rows: usize) {
        let at = self.selected_row();
        let rows = rows.max(1);
        if at < self.offset {
            self.offset = at;
        } else if at >= self.offset + rows {
            self.offset = at + 1 - rows;
        }
        self.offset = self.offset.min(self.trials.len().saturating_sub(rows));
    }

    /// Applies a key's action; `page`: the rows a page moves.
    pub fn update(&mut self, action: SweepAction, page: usize) -> SweepEffect {
        self.message = None;
        let order = self.order();
        let at = self.selected_row();
        let selected = self.selected_id();
        let last = order.len().saturating_sub(1);
        let mut select = |row: usize| {
            if let Some(&id) = order.get(row.min(last)) {
                self.selected = Some(id);
            }
        };
        match action {
            SweepAction::Up => select(at.saturating_sub(1)),
            SweepAction::Down => select(at + 1),
            SweepAction::PageUp => select(at.saturating_sub(page.max(1))),
            SweepAction::PageDown => select(at + page.max(1)),
            SweepAction::First => select(0),
            SweepAction::Last => select(last),
            SweepAction::Open => {
                if let Some(dir) = self.trials.get(selected).and_then(|t| t.dir.clone()) {
                    return SweepEffect::Open(dir);
                }
                self.message = Some(format!(
                    "trial {selected} has not started: nothing to open yet"
                ));
            }
            SweepAction::Mark => {
                if !self.marked.remove(&selected) {
                    if self.marked.len() >= MAX_MARKED {
                        self.message = Some(format!(
                            "at most {MAX_MARKED} marked trials (c clears the marks)"
                        ));
                    } else {
                        self.marked.insert(selected);
                    }
                }
            }
            SweepAction::ClearMarks => self.marked.clear(),
            SweepAction::SortNext | SweepAction::SortPrevious => {
                let columns = self.columns();
                let i = columns.iter().position(|&c| c == self.sort).unwrap_or(0);
                let n = columns.len();
                let next = if action == SweepAction::SortNext {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.sort = columns[next];
                self.reversed = false;
                self.message = Some(format!(
                    "sorted by {} (s next column, r reverses)",
                    self.column_name(self.sort)
                ));
            }
            SweepAction::Reverse => self.reversed = !self.reversed,
            SweepAction::ToggleHelp => self.help = !self.help,
            SweepAction::CloseHelp => self.help = false,
            SweepAction::Quit => return SweepEffect::Quit,
        }
        SweepEffect::None
    }

    /// The heading of a sort column.
    pub fn column_name(&self, column: SortColumn) -> String {
        match column {
            SortColumn::Best => "best validation score".into(),
            SortColumn::Trial => "trial".into(),
            SortColumn::Status => "status".into(),
            SortColumn::Epochs => "epochs".into(),
            SortColumn::Time => "time".into(),
            SortColumn::Axis(i) => self.axes.get(i).cloned().unwrap_or_default(),
        }
    }

    /// Whether nothing more can change: no writer alive and every trial done.
    pub fn settled(&self) -> bool {
        !self.live
            && self.trials.iter().all(|t| {
                matches!(
                    t.status,
                    TrialStatus::Finished | TrialStatus::Halved | TrialStatus::Diverged
                )
            })
    }

    /// How many trials are in each state: (running or waiting, done, queued).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for t in &self.trials {
            match t.status {
                TrialStatus::Running | TrialStatus::Waiting => counts.0 += 1,
                TrialStatus::Queued => counts.2 += 1,
                _ => counts.1 += 1,
            }
        }
        counts
    }
}

/// Better trials first: a later rung of halving, then the best validation
/// score (accuracy, or minus the loss), then the number: the order of the
/// sweep's own standings (`results.csv`).
fn by_best(a: &TrialRow, b: &TrialRow) -> Ordering {
    let score = |t: &TrialRow| t.best.and_then(|b| b.score());
    b.rung
        .cmp(&a.rung)
        .then_with(|| match (score(a), score(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then(a.id.cmp(&b.id))
}

/// Axis values: as numbers when both read as numbers (`0.003` before `0.01`),
/// else as text (`8:16` before `16` is then alphabetical, which is fine for a layout).
fn by_value(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(accuracy: f64, loss: f64) -> Best {
        Best {
            epoch: 1,
            accuracy: Some(accuracy),
            loss,
        }
    }

    /// Four trials over `lr`: 2 the best, 0 second, 1 third, 3 queued.
    fn view() -> SweepView {
        let lrs = ["0.01", "0.003", "0.1", "0.03"];
        let mut v = SweepView::new(
            "s".into(),
            vec!["lr".into()],
            lrs.iter().map(|l| vec![(*l).to_string()]).collect(),
            PlotMode::Ascii,
            ColorDepth::TrueColor,
        );
        for (id, b, epochs) in [(0, 0.8, 10), (1, 0.7, 20), (2, 0.9, 5)] {
            let t = &mut v.trials[id];
            t.best = Some(best(b, 0.3));
            t.epochs = epochs;
            t.status = TrialStatus::Finished;
            t.dir = Some(format!("s/trials/t{id:04}").into());
            t.loss.push(1.0, 0.5);
        }
        v.trials[1].status = TrialStatus::Running;
        v
    }

    #[test]
    fn the_ranking_is_by_best_score_and_queued_trials_come_last() {
        let v = view();
        assert_eq!(v.ranking(), [2, 0, 1, 3]);
        assert_eq!(v.ranks(), [2, 3, 1, 4]);
        assert_eq!(v.shown(), [2, 0, 1], "the top trials with curves");
    }

    #[test]
    fn s_steps_through_the_columns_and_r_reverses() {
        let mut v = view();
        let mut seen = Vec::new();
        for _ in 0..v.columns().len() {
            v.update(SweepAction::SortNext, 10);
            seen.push((v.sort, v.order()));
        }
        assert_eq!(seen[0], (SortColumn::Trial, vec![0, 1, 2, 3]));
        // Running, then queued, then done (best first).
        assert_eq!(seen[1], (SortColumn::Status, vec![1, 3, 2, 0]));
        assert_eq!(seen[2], (SortColumn::Epochs, vec![1, 0, 2, 3]));
        // lr by value, not as text: 0.003 < 0.01 < 0.03 < 0.1.
        assert_eq!(seen[4], (SortColumn::Axis(0), vec![1, 0, 3, 2]));
        assert_eq!(seen[5].0, SortColumn::Best, "round again");
        v.update(SweepAction::Reverse, 10);
        assert_eq!(v.order(), [3, 1, 0, 2]);
        v.update(SweepAction::SortPrevious, 10);
        assert_eq!((v.sort, v.reversed), (SortColumn::Axis(0), false));
    }

    #[test]
    fn the_selection_follows_its_trial_and_opens_it() {
        let mut v = view();
        v.keep_visible(10);
        assert_eq!(
            v.selected_id(),
            2,
            "the top row until a key moves the selection"
        );
        v.update(SweepAction::Down, 10);
        assert_eq!(v.selected_id(), 0, "second in the ranking");
        v.keep_visible(10);
        assert_eq!(v.selected_id(), 0, "stays where the key put it");
        v.update(SweepAction::SortNext, 10); // by number: trial 0 is first now
        assert_eq!(v.selected_row(), 0);
        assert_eq!(
            v.update(SweepAction::Open, 10),
            SweepEffect::Open("s/trials/t0000".into())
        );
        v.update(SweepAction::Last, 10);
        assert_eq!(v.selected_id(), 3);
        assert_eq!(v.update(SweepAction::Open, 10), SweepEffect::None);
        assert_eq!(
            v.message.as_deref(),
            Some("trial 3 has not started: nothing to open yet")
        );
        v.update(SweepAction::PageUp, 2);
        assert_eq!(v.selected_id(), 1);
        assert_eq!(v.update(SweepAction::Quit, 10), SweepEffect::Quit);
    }

    #[test]
    fn marked_trials_replace_the_top_in_the_curves() {
        let mut v = view();
        v.selected = Some(1);
        v.update(SweepAction::Mark, 10);
        v.selected = Some(3);
        v.update(SweepAction::Mark, 10);
        assert_eq!(v.shown(), [1, 3]);
        v.update(SweepAction::Mark, 10);
        assert_eq!(v.shown(), [1]);
        v.update(SweepAction::ClearMarks, 10);
        assert_eq!(v.shown(), [2, 0, 1]);
    }

    #[test]
    fn the_offset_keeps_the_selection_in_view() {
        let mut v = view();
        v.update(SweepAction::Last, 10);
        v.keep_visible(2);
        assert_eq!(v.offset, 2);
        v.update(SweepAction::First, 10);
        v.keep_visible(2);
        assert_eq!(v.offset, 0);
    }
}
