//! What [`RunWriter`] keeps of a trainer's events, on the observer's thread: each
//! kind of record thinned to its interval, what is pending written before a
//! pause, a stop or the end (see the module docs of `writer.rs`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use nn_core::Network;
use nn_train::EpochReport;

use super::log::Job;
use super::{RunWriter, all_finite};
use crate::run_dir::record::{Entry, Record, Score, SettingsChange, SnapshotTaken, WeightsReset};
use crate::session::{Event, ProgressReport};

/// What the observer has seen and not yet written, and when each kind was last written.
#[derive(Debug, Default)]
pub(super) struct Thinning {
    pub(super) progress_at: Option<Instant>,
    pub(super) epoch_at: Option<Instant>,
    pub(super) snapshot_at: Option<Instant>,
    pub(super) log_at: Option<Instant>,
    /// The latest progress, and whether it is written.
    pub(super) progress: Option<ProgressReport>,
    pub(super) progress_written: bool,
    /// The best headline figure since the start or the last reset.
    pub(super) best: Option<Score>,
    /// A best epoch that was not written yet.
    pub(super) held_best: Option<EpochReport>,
    /// The latest epoch, if not written and not the held best.
    pub(super) latest_epoch: Option<EpochReport>,
    /// The latest weights, if not written.
    pub(super) snapshot: Option<Arc<Network>>,
    /// Messages not recorded since the last recorded one.
    pub(super) dropped_logs: usize,
    /// The epoch from which the next snapshot joins the history (0: the first does).
    pub(super) history_next: usize,
}

impl RunWriter {
    pub(super) fn observe_at(&mut self, event: &Event, now: Instant) {
        let factor = self.slowdown();
        match event {
            Event::Progress(p) => self.on_progress(p, now, factor),
            Event::EpochEnd(report) => self.on_epoch(report, now, factor),
            Event::Snapshot(network) => self.on_snapshot(network, now),
            Event::State(state) => {
                self.flush(now);
                self.write(now, Entry::State(state.clone()));
                self.state = state.clone();
            }
            Event::Log(message) => {
                let th = &mut self.thinning;
                if due(th.log_at, self.options.log_interval * factor, now) {
                    let text = match th.dropped_logs {
                        0 => message.clone(),
                        n => format!("{message} ({n} earlier messages not recorded)"),
                    };
                    th.log_at = Some(now);
                    th.dropped_logs = 0;
                    self.write(now, Entry::Log(text));
                } else {
                    th.dropped_logs += 1;
                }
            }
            Event::Finished(summary) => {
                self.flush(now);
                self.summary = Some(summary.clone());
            }
        }
        self.hand_off_if_due(now);
    }

    fn on_progress(&mut self, p: &ProgressReport, now: Instant, factor: u32) {
        if let Some(previous) = &self.thinning.progress {
            if p.total_steps < previous.total_steps {
                // What was pending belongs to the weights before the reset.
                self.flush(now);
                self.thinning.best = None;
                self.thinning.history_next = 0;
                self.write(
                    now,
                    Entry::Reset(WeightsReset {
                        learning_rate: p.learning_rate,
                    }),
                );
            } else if p.epoch == previous.epoch
                && (p.learning_rate != previous.learning_rate
                    || p.batch_size != previous.batch_size)
            {
                // Within an epoch only a user changes these; a schedule changes the
                // rate between epochs, and every epoch record has its rate.
                self.write(
                    now,
                    Entry::Settings(SettingsChange {
                        epoch: p.epoch,
                        learning_rate: p.learning_rate,
                        batch_size: p.batch_size,
                    }),
                );
            }
        }
        let th = &mut self.thinning;
        th.progress = Some(p.clone());
        th.progress_written = due(th.progress_at, self.options.progress_interval * factor, now);
        if th.progress_written {
            th.progress_at = Some(now);
            self.write(now, Entry::Progress(p.clone()));
        }
    }

    fn on_epoch(&mut self, report: &EpochReport, now: Instant, factor: u32) {
        let th = &mut self.thinning;
        let score = Score::of(report);
        let best = th.best.is_none_or(|b| score.better_than(&b));
        if best {
            th.best = Some(score);
        }
        // An epoch that ends the run early or finds training stalled says something
        // no later epoch repeats: always recorded.
        let telling = report.stop_early
            || report.stalled.is_some()
            || report.epoch <= self.options.every_epoch_until;
        if telling || due(th.epoch_at, self.options.epoch_interval * factor, now) {
            th.epoch_at = Some(now);
            th.latest_epoch = None;
            if let Some(held) = th.held_best.take() {
                self.write(now, Entry::Epoch(held));
            }
            self.write(now, Entry::Epoch(report.clone()));
        } else if best {
            // Replaces an earlier held best, which this one beats.
            th.held_best = Some(report.clone());
            th.latest_epoch = None;
        } else {
            th.latest_epoch = Some(report.clone());
        }
    }

    fn on_snapshot(&mut self, network: &Arc<Network>, now: Instant) {
        self.keep_in_history(network);
        let every = self.options.snapshot_interval.max(Duration::from_secs_f64(
            self.snapshot_bytes as f64 / self.options.snapshot_bytes_per_second.max(1) as f64,
        ));
        if due(self.thinning.snapshot_at, every, now) {
            self.thinning.snapshot = None;
            self.write_snapshot(Arc::clone(network), now);
        } else {
            self.thinning.snapshot = Some(Arc::clone(network));
        }
    }

    /// Writes everything pending: where training stands before a pause, a stop or the end.
    pub(super) fn flush(&mut self, now: Instant) {
        let th = &mut self.thinning;
        let held = th.held_best.take();
        let latest = th.latest_epoch.take();
        let progress = (!th.progress_written)
            .then(|| th.progress.clone())
            .flatten();
        th.progress_written = true;
        let snapshot = th.snapshot.take();
        for report in held.into_iter().chain(latest) {
            self.write(now, Entry::Epoch(report));
        }
        if let Some(p) = progress {
            self.write(now, Entry::Progress(p));
        }
        if let Some(network) = snapshot {
            self.write_snapshot(network, now);
        }
    }

    fn write_snapshot(&mut self, network: Arc<Network>, now: Instant) {
        // Diverged weights would replace the last good snapshot with garbage.
        if !all_finite(&network) {
            return;
        }
        self.thinning.snapshot_at = Some(now);
        let (epoch, total_steps) = self
            .thinning
            .progress
            .as_ref()
            .map_or((0, 0), |p| (p.epoch, p.total_steps));
        let record = Record {
            t: self.seconds(now),
            entry: Entry::Snapshot(SnapshotTaken { epoch, total_steps }),
        };
        self.send(Job::Snapshot(network, record));
    }
}

fn due(last: Option<Instant>, every: Duration, now: Instant) -> bool {
    last.is_none_or(|t| now.saturating_duration_since(t) >= every)
}
