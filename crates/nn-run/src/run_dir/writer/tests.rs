//! Tests of the run writer: what it keeps, thins and writes.

use std::fs::File;

use nn_core::{Activation, Architecture, Loss};

use super::*;
use crate::run_dir::record::tests::report;
use crate::run_dir::record::{RunData, SettingsChange, WeightsReset};
use crate::run_dir::{EVENTS_FILE, RunReader, RunStatus, SNAPSHOT_FILE};
use crate::session::ProgressReport;
use nn_train::EpochReport;
use nn_train::TrainConfig;

pub(super) fn architecture() -> Architecture {
    Architecture::new(
        vec![2, 3, 2],
        Activation::Tanh,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap()
}

pub(super) fn info() -> RunInfo {
    RunInfo {
        format: super::super::record::FORMAT,
        command: vec!["test".into()],
        pid: std::process::id(),
        started: 0.0,
        dataset: "spiral".into(),
        earlier_datasets: Vec::new(),
        data: RunData {
            spec: "spiral".into(),
            options: crate::setup::DataOptions::default(),
        },
        parts: [400, 0, 100],
        config: TrainConfig::new(architecture()),
        state_line: "nn-tui/1 data=spiral".into(),
        settings: crate::RunSettings::default(),
    }
}

/// A writer in a fresh folder, and the instant its synthetic clock starts at.
pub(super) fn writer(options: WriterOptions) -> (tempfile::TempDir, RunWriter, Instant) {
    let dir = tempfile::tempdir().unwrap();
    let writer = RunWriter::create(dir.path(), &info(), ModelInfo::default(), options).unwrap();
    let start = writer.started;
    (dir, writer, start)
}

pub(super) fn ms(start: Instant, ms: u64) -> Instant {
    start + Duration::from_millis(ms)
}

pub(super) fn progress(
    epoch: usize,
    total_steps: u64,
    learning_rate: f32,
    batch_size: usize,
) -> Event {
    Event::Progress(ProgressReport {
        epoch,
        step_in_epoch: 0,
        steps_per_epoch: 40,
        total_steps,
        steps: 1,
        loss: 0.5,
        samples_per_second: 1000.0,
        learning_rate,
        batch_size,
    })
}

/// An epoch whose test accuracy is `right` out of 100.
fn epoch(epoch: usize, right: u64) -> EpochReport {
    report(epoch, Some((right, 100 - right)), 0.1)
}

pub(super) fn read_back(dir: &Path) -> (Vec<Entry>, RunStatus) {
    let mut reader = RunReader::open(dir).unwrap();
    let (records, status) = reader.poll().unwrap();
    assert!(reader.take_warnings().is_empty());
    (records.into_iter().map(|r| r.entry).collect(), status)
}

fn epochs_of(entries: &[Entry]) -> Vec<usize> {
    entries
        .iter()
        .filter_map(|e| match e {
            Entry::Epoch(r) => Some(r.epoch),
            _ => None,
        })
        .collect()
}

#[test]
fn fast_epochs_are_thinned_but_the_best_and_the_last_are_kept() {
    let (dir, mut w, start) = writer(WriterOptions {
        every_epoch_until: 0,
        ..WriterOptions::default()
    });
    // 2,000 epochs in 2 s; accuracy 50-59% except one best epoch of 97%.
    for e in 1..=2000u64 {
        let right = if e == 1234 { 97 } else { 50 + e % 10 };
        w.observe_at(&Event::EpochEnd(epoch(e as usize, right)), ms(start, e));
    }
    w.observe_at(&Event::State(RunState::Finished), ms(start, 2001));
    w.finish(None, None).unwrap();
    let (entries, status) = read_back(dir.path());
    assert_eq!(status, RunStatus::Finished);
    let epochs = epochs_of(&entries);
    // One every 100 ms (20), the bests that came between them, and the last.
    assert!((20..=40).contains(&epochs.len()), "{epochs:?}");
    assert!(epochs.contains(&1234), "{epochs:?}");
    assert_eq!(epochs.last(), Some(&2000), "{epochs:?}");
    assert!(epochs.windows(2).all(|w| w[0] < w[1]), "{epochs:?}");
    let end = entries.last().unwrap();
    assert!(matches!(end, Entry::End(e) if !e.model && e.lost_records == 0));
}

#[test]
fn a_short_run_keeps_every_epoch() {
    let (dir, mut w, start) = writer(WriterOptions {
        every_epoch_until: 300,
        ..WriterOptions::default()
    });
    // 1,000 epochs in 10 ms: the first 300 all, then the thinned ones.
    for e in 1..=1000u64 {
        w.observe_at(
            &Event::EpochEnd(epoch(e as usize, 50)),
            start + Duration::from_micros(e * 10),
        );
    }
    w.finish(None, None).unwrap();
    let epochs = epochs_of(&read_back(dir.path()).0);
    assert_eq!(epochs[..300], (1..=300).collect::<Vec<_>>()[..]);
    assert_eq!(epochs[300..], [1000], "then the last, at the end");
}

#[test]
fn gathered_records_are_written_at_publish_and_at_the_end_as_handed_at_once() {
    let events: Vec<Event> = (1..=50)
        .flat_map(|e| {
            [
                progress(e, e as u64 * 40, 0.01, 16),
                Event::EpochEnd(epoch(e, 40 + e as u64)),
            ]
        })
        .collect();
    let run = |interval: Duration, publish_at: usize| {
        let (dir, mut w, start) = writer(WriterOptions {
            hand_off_interval: interval,
            ..WriterOptions::default()
        });
        let mut seen_early = 0;
        for (i, event) in events.iter().enumerate() {
            w.observe_at(event, start + Duration::from_micros(i as u64 * 10));
            if i + 1 == publish_at {
                w.publish();
                w.observe_at(&Event::State(RunState::Paused), start);
                // The writing thread has the records: wait for them to land.
                let deadline = Instant::now() + Duration::from_secs(10);
                while seen_early == 0 && Instant::now() < deadline {
                    seen_early = RunReader::open(dir.path()).unwrap().poll().unwrap().0.len();
                }
            }
        }
        let before_end = std::fs::metadata(dir.path().join(EVENTS_FILE))
            .unwrap()
            .len();
        w.finish(None, None).unwrap();
        (read_back(dir.path()).0, seen_early, before_end)
    };
    let (at_once, _, _) = run(Duration::ZERO, usize::MAX);
    // An hour: nothing is handed over by time, only by publish and finish.
    let (gathered, _, unwritten) = run(Duration::from_secs(3600), usize::MAX);
    assert_eq!(unwritten, 0, "nothing written before the end");
    assert_eq!(gathered.len(), at_once.len());
    for (a, b) in gathered.iter().zip(&at_once) {
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
    assert_eq!(epochs_of(&gathered), (1..=50).collect::<Vec<_>>());
    let (published, early, _) = run(Duration::from_secs(3600), 20);
    assert!(early > 0, "publish hands the records over at once");
    assert!(published.len() > at_once.len(), "the pause record besides");
}

#[test]
fn a_stalled_epoch_is_always_recorded() {
    let (dir, mut w, start) = writer(WriterOptions {
        every_epoch_until: 0,
        ..WriterOptions::default()
    });
    for e in 1..=50u64 {
        let mut report = epoch(e as usize, 50);
        if e == 17 {
            report.stalled = Some(nn_train::Stall {
                epoch: 17,
                loss: 0.69,
                accuracy: Some(0.5),
                layer: 0,
                output_layer: false,
                activation: Activation::Tanh,
                trouble: nn_train::UnitTrouble::Saturated,
                units: vec![0, 1, 2],
                width: 3,
            });
        }
        w.observe_at(&Event::EpochEnd(report), ms(start, e));
    }
    w.finish(None, None).unwrap();
    let (entries, _) = read_back(dir.path());
    let stalled: Vec<usize> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Epoch(r) if r.stalled.is_some() => Some(r.epoch),
            _ => None,
        })
        .collect();
    assert_eq!(stalled, [17]);
    assert_eq!(
        epochs_of(&entries),
        [1, 17, 50],
        "the first, the stalled, the last"
    );
}

#[test]
fn progress_at_most_once_a_second_and_what_stands_before_a_pause() {
    let (dir, mut w, start) = writer(WriterOptions::default());
    // Progress every 50 ms for 5 s.
    for i in 0..100u64 {
        w.observe_at(&progress(0, i * 10, 0.03, 10), ms(start, i * 50));
    }
    w.observe_at(&Event::State(RunState::Paused), ms(start, 4990));
    w.finish(None, None).unwrap();
    let (entries, status) = read_back(dir.path());
    assert_eq!(status, RunStatus::Interrupted);
    let steps: Vec<u64> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Progress(p) => Some(p.total_steps),
            _ => None,
        })
        .collect();
    // At 0, 1, 2, 3, 4 s, then the latest before the pause.
    assert_eq!(steps, [0, 200, 400, 600, 800, 990]);
    assert!(matches!(entries[6], Entry::State(RunState::Paused)));
}

#[test]
fn user_changes_and_resets_are_recorded_schedule_steps_are_not() {
    let (dir, mut w, start) = writer(WriterOptions::default());
    w.observe_at(&progress(3, 120, 0.03, 10), ms(start, 0));
    w.observe_at(&progress(3, 125, 0.3, 10), ms(start, 10)); // user: new rate
    w.observe_at(&progress(3, 126, 0.3, 20), ms(start, 20)); // user: new batch
    w.observe_at(&progress(4, 140, 0.15, 20), ms(start, 30)); // schedule, next epoch
    w.observe_at(&progress(0, 0, 0.15, 20), ms(start, 40)); // reset
    w.finish(None, None).unwrap();
    let (entries, _) = read_back(dir.path());
    let changes: Vec<&Entry> = entries
        .iter()
        .filter(|e| matches!(e, Entry::Settings(_) | Entry::Reset(_)))
        .collect();
    assert_eq!(
        changes,
        [
            &Entry::Settings(SettingsChange {
                epoch: 3,
                learning_rate: 0.3,
                batch_size: 10
            }),
            &Entry::Settings(SettingsChange {
                epoch: 3,
                learning_rate: 0.3,
                batch_size: 20
            }),
            &Entry::Reset(WeightsReset {
                learning_rate: 0.15
            }),
        ]
    );
}

#[test]
fn snapshots_are_rate_limited_loadable_and_never_diverged() {
    let (dir, mut w, start) = writer(WriterOptions::default());
    let network = Arc::new(Network::new(architecture(), 1).unwrap());
    for i in 0..30u64 {
        w.observe_at(&Event::Snapshot(Arc::clone(&network)), ms(start, i * 100));
    }
    let mut broken = Network::new(architecture(), 2).unwrap();
    broken.parameters_mut()[0] = f32::NAN;
    w.observe_at(&Event::Snapshot(Arc::new(broken)), ms(start, 5000));
    w.observe_at(&Event::State(RunState::Paused), ms(start, 5001));
    w.finish(Some(&network), None).unwrap();
    let (entries, _) = read_back(dir.path());
    let snapshots = entries
        .iter()
        .filter(|e| matches!(e, Entry::Snapshot(_)))
        .count();
    assert_eq!(snapshots, 3, "at 0, 1 and 2 s: {entries:?}");
    let snapshot = nn_train::Model::load(&dir.path().join(SNAPSHOT_FILE)).unwrap();
    assert_eq!(snapshot.network.parameters(), network.parameters());
    let model = std::fs::read(dir.path().join(MODEL_FILE)).unwrap();
    assert_eq!(
        model,
        nn_core::model_to_bytes(&network, &ModelInfo::default())
    );
}

#[test]
fn a_long_log_stretches_the_intervals() {
    let count = |doubling_bytes| {
        let (dir, mut w, start) = writer(WriterOptions {
            doubling_bytes,
            ..WriterOptions::default()
        });
        for i in 0..600u64 {
            w.observe_at(&progress(0, i, 0.03, 10), ms(start, i * 100));
            // Let the writing thread count its bytes before the next decision.
            if i % 10 == 0 {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        w.finish(None, None).unwrap();
        read_back(dir.path()).0.len()
    };
    // 60 s of progress: one a second, or far fewer when every 1,000 bytes doubles the interval.
    let (plain, stretched) = (count(16 << 20), count(1000));
    assert_eq!(
        plain, 62,
        "60 progress records, the latest at the end, and the end"
    );
    // About 5 a second, 5 every 2 s, 5 every 4 s, ... (the exact count depends on
    // when the writing thread has counted its bytes).
    assert!(stretched < plain / 2, "{stretched}");
}

#[test]
fn a_restart_replaces_run_json_and_starts_afresh() {
    let (dir, mut w, start) = writer(WriterOptions::default());
    for e in 1..=5u64 {
        w.observe_at(&Event::EpochEnd(epoch(e as usize, 90)), ms(start, e * 200));
    }
    let mut other = info();
    other.dataset = "circle".into();
    other.state_line = "nn-tui/1 data=circle".into();
    w.restart(&other, ModelInfo::default());
    // The new trainer's first progress is no reset, its first epoch is recorded.
    w.observe_at(&progress(0, 0, 0.03, 10), ms(start, 1001));
    w.observe_at(&Event::EpochEnd(epoch(1, 60)), ms(start, 1002));
    w.finish(None, None).unwrap();
    let (entries, _) = read_back(dir.path());
    let restart = entries
        .iter()
        .position(|e| matches!(e, Entry::Restart(i) if i.dataset == "circle"))
        .unwrap();
    assert_eq!(epochs_of(&entries[..restart]), [1, 2, 3, 4, 5]);
    assert_eq!(epochs_of(&entries[restart..]), [1]);
    assert!(!entries.iter().any(|e| matches!(e, Entry::Reset(_))));
    let summary = crate::RunSummary::read(dir.path()).unwrap();
    assert_eq!(summary.info.dataset, "circle");
    assert_eq!(summary.best.map(|b| b.accuracy), Some(Some(0.6)));
    let on_disk = RunReader::open(dir.path()).unwrap().info().clone();
    assert_eq!(
        on_disk.earlier_datasets,
        ["spiral"],
        "the data before circle"
    );
    assert_eq!(on_disk.datasets_text(), "spiral → circle");
    assert_eq!(
        on_disk,
        RunInfo {
            earlier_datasets: vec!["spiral".into()],
            ..other.clone()
        }
    );
    let mut later = other.clone();
    later.started += 100.0;
    let (dir, mut w, _) = writer(WriterOptions::default());
    w.restart(&later, ModelInfo::default());
    drop(w);
    let on_disk = RunReader::open(dir.path()).unwrap().info().clone();
    assert_eq!(on_disk.started, info().started, "the first trainer's start");
}

#[test]
fn a_changed_state_line_is_recorded_once() {
    let (dir, mut w, _) = writer(WriterOptions::default());
    w.state_line("nn-tui/1 data=spiral"); // as in run.json: nothing new
    w.state_line("nn-tui/1 data=spiral l2=0.001");
    w.state_line("nn-tui/1 data=spiral l2=0.001");
    w.finish(None, None).unwrap();
    let (entries, _) = read_back(dir.path());
    assert_eq!(
        entries[0],
        Entry::StateLine("nn-tui/1 data=spiral l2=0.001".into())
    );
    assert!(matches!(entries[1], Entry::End(_)), "{entries:?}");
    let summary = crate::RunSummary::read(dir.path()).unwrap();
    assert_eq!(summary.info.state_line, "nn-tui/1 data=spiral l2=0.001");
}

#[test]
fn how_the_run_ended() {
    let network = Network::new(architecture(), 1).unwrap();
    let end = |state: Option<RunState>, failure: Option<&str>| {
        let (dir, mut w, start) = writer(WriterOptions::default());
        if let Some(state) = state {
            w.observe_at(&Event::State(state), start);
        }
        let end = w.finish(Some(&network), failure.map(Into::into)).unwrap();
        let model = dir.path().join(MODEL_FILE).is_file();
        assert_eq!(end.model, model);
        (end.status, end.message, model)
    };
    assert_eq!(
        end(Some(RunState::Finished), None),
        (EndStatus::Finished, None, true)
    );
    assert_eq!(
        end(Some(RunState::Stopped), None),
        (EndStatus::Interrupted, None, true)
    );
    assert_eq!(end(None, None), (EndStatus::Interrupted, None, true));
    // A dashboard closed with q: the user stopped it, nothing interrupted it.
    let (dir, mut w, start) = writer(WriterOptions::default());
    w.observe_at(&Event::State(RunState::Stopped), start);
    w.stopped_by_user();
    let stopped = w.finish(Some(&network), None).unwrap();
    assert_eq!(stopped.status, EndStatus::Stopped);
    assert_eq!(stopped.status.name(), "stopped");
    let summary = crate::RunSummary::read(dir.path()).unwrap();
    assert_eq!(summary.status, RunStatus::Stopped);
    assert_eq!(
        end(
            Some(RunState::Diverged("loss NaN".into())),
            Some("diverged")
        ),
        (EndStatus::Diverged, Some("loss NaN".into()), false)
    );
    assert_eq!(
        end(Some(RunState::Running), Some("out of memory")),
        (EndStatus::Failed, Some("out of memory".into()), true)
    );
}

/// A process spawned while the writer lives holds a copy of its log's
/// descriptor until its `exec`; a writer that is gone must not look alive
/// meanwhile (`nn-dash`'s follow test once saw it under load).
#[test]
fn a_gone_writer_is_not_kept_alive_by_a_copy_of_its_descriptor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(EVENTS_FILE);
    let file = File::create(&path).unwrap();
    file.try_lock().unwrap();
    // What a child forked at this moment holds: the same open file description.
    let inherited = file.try_clone().unwrap();
    let (problems, _) = mpsc::channel();
    drop(Log {
        file,
        path: path.clone(),
        dir: dir.path().to_path_buf(),
        model_info: ModelInfo::default(),
        counters: Arc::default(),
        problems,
        append_failed: false,
        snapshot_failed: false,
        last_saved: None,
        unseen: None,
        held: None,
        locked: true,
    });
    let reader = File::open(&path).unwrap();
    assert!(
        reader.try_lock_shared().is_ok(),
        "the writer's lock outlived it in a copy of its descriptor"
    );
    drop(inherited);
}

#[test]
fn one_writer_per_folder_and_never_over_an_old_run() {
    let (dir, w, _) = writer(WriterOptions::default());
    let again = RunWriter::create(
        dir.path(),
        &info(),
        ModelInfo::default(),
        WriterOptions::default(),
    );
    assert!(matches!(again, Err(RunDirError::Taken(_))), "{again:?}");
    w.finish(None, None).unwrap();
    let after = RunWriter::create(
        dir.path(),
        &info(),
        ModelInfo::default(),
        WriterOptions::default(),
    );
    let message = after.unwrap_err().to_string();
    assert!(
        message.ends_with("already holds a run (events.jsonl); choose another folder"),
        "{message}"
    );
}
