//! Run directories through the public API: a real run written and read back,
//! a live run followed, a crash's torn line, and the listing of runs.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, atomic::Ordering};

use nn_core::{Activation, Architecture, Loss};
use nn_run::{
    DataOptions, DataSpec, EVENTS_FILE, Entry, MODEL_FILE, Pace, Part, RUN_INFO_FILE, RunHeadless,
    RunInfo, RunReader, RunState, RunStatus, RunSummary, RunWriter, SessionOptions, WriterOptions,
    list_runs, load_data, new_run_dir,
};
use nn_train::{TrainConfig, Trainer};

/// A small spiral run and what it was made from.
fn trainer(epochs: usize) -> (DataSpec, DataOptions, Trainer) {
    let spec = DataSpec::Generator("spiral".into());
    let options = DataOptions {
        samples: 200,
        ..DataOptions::default()
    };
    let data = Arc::new(load_data(&spec, &options).unwrap());
    let arch = Architecture::new(
        vec![2, 8, 8, 2],
        Activation::Tanh,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let config = TrainConfig {
        learning_rate: 0.03,
        batch_size: 10,
        threads: 1,
        epochs,
        ..TrainConfig::new(arch)
    };
    (spec, options, Trainer::new(config, data).unwrap())
}

fn writer_for(dir: &Path, epochs: usize) -> (Trainer, RunWriter) {
    let (spec, options, trainer) = trainer(epochs);
    let info = RunInfo::new(&spec, &options, &trainer, Pace::Max, vec!["test".into()]);
    let writer =
        RunWriter::create(dir, &info, trainer.model_info(), WriterOptions::default()).unwrap();
    (trainer, writer)
}

/// Trains to the end with `writer` observing, as `nn-tui train` does.
fn train(trainer: &mut Trainer, writer: &mut RunWriter) {
    let session = SessionOptions {
        exit_when_finished: true,
        ..SessionOptions::default()
    };
    trainer
        .run(&AtomicBool::new(false), &session, &mut |event| {
            writer.observe(&event);
        })
        .unwrap();
}

#[test]
fn a_run_reads_back_as_it_happened() {
    let root = tempfile::tempdir().unwrap();
    let (spec, _, _) = trainer(1);
    let dir = new_run_dir(root.path(), &spec).unwrap();
    let (mut trainer, mut writer) = writer_for(&dir, 300);
    train(&mut trainer, &mut writer);
    let end = writer.finish(Some(trainer.network()), None).unwrap();
    assert!(end.model);

    let summary = RunSummary::read(&dir).unwrap();
    assert_eq!(summary.status, RunStatus::Finished);
    assert_eq!(summary.status_text(), "finished");
    assert_eq!(summary.epochs, 300);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    // The best test accuracy of every epoch is in the log, thinned or not.
    let best = trainer
        .history()
        .iter()
        .filter_map(|row| row.test.and_then(|t| t.1))
        .fold(0.0, f64::max);
    let recorded = summary.best.unwrap();
    assert_eq!((recorded.part, recorded.accuracy), (Part::Test, Some(best)));
    assert_eq!(summary.info.dataset, "spiral");
    assert_eq!(summary.info.config, *trainer.config());

    // The final model is the file `--save` would write.
    let model = std::fs::read(dir.join(MODEL_FILE)).unwrap();
    assert_eq!(
        model,
        nn_core::model_to_bytes(trainer.network(), &trainer.model_info())
    );
    // And the data loads again as it was.
    let (_, data) = summary.info.data.load().unwrap();
    assert_eq!(data.train.len(), trainer.data().train.len());
    assert_eq!(data.normalization, trainer.data().normalization);
}

#[test]
fn a_live_run_is_running_until_its_writer_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let (mut trainer, mut writer) = writer_for(dir.path(), 5);
    let mut reader = RunReader::open(dir.path()).unwrap();
    assert_eq!(reader.poll().unwrap(), (Vec::new(), RunStatus::Running));
    train(&mut trainer, &mut writer);
    drop(writer); // a writer that never finishes: killed, say
    let (records, status) = reader.poll().unwrap();
    assert_eq!(status, RunStatus::StoppedWriting);
    assert!(
        records
            .iter()
            .any(|r| matches!(&r.entry, Entry::Epoch(e) if e.epoch == 5))
    );
    assert!(reader.take_warnings().is_empty());
}

#[test]
fn a_line_being_written_waits_for_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let (_trainer, writer) = writer_for(dir.path(), 5);
    let mut reader = RunReader::open(dir.path()).unwrap();
    let mut log = OpenOptions::new()
        .append(true)
        .open(dir.path().join(EVENTS_FILE))
        .unwrap();
    log.write_all(br#"{"t":1.0,"state":"Pau"#).unwrap();
    assert_eq!(reader.poll().unwrap(), (Vec::new(), RunStatus::Running));
    log.write_all(b"sed\"}\n").unwrap();
    let (records, _) = reader.poll().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].entry, Entry::State(RunState::Paused));
    assert!(reader.take_warnings().is_empty());
    drop(writer);
}

/// After a crash the last line may be cut anywhere: it is skipped with one warning.
#[test]
fn a_torn_last_line_is_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (mut trainer, mut writer) = writer_for(dir.path(), 20);
    train(&mut trainer, &mut writer);
    drop(writer);
    let log = dir.path().join(EVENTS_FILE);
    let bytes = std::fs::read(&log).unwrap();
    let whole_lines = String::from_utf8_lossy(&bytes).lines().count();
    std::fs::write(&log, &bytes[..bytes.len() - 10]).unwrap();

    let mut reader = RunReader::open(dir.path()).unwrap();
    let (records, status) = reader.poll().unwrap();
    assert_eq!(status, RunStatus::StoppedWriting);
    assert_eq!(records.len(), whole_lines - 1);
    let warnings = reader.take_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(&format!(
            "events.jsonl: skipped a torn record at line {whole_lines}"
        )),
        "{warnings:?}"
    );
    // Reported once, not at every poll.
    assert_eq!(
        reader.poll().unwrap(),
        (Vec::new(), RunStatus::StoppedWriting)
    );
    assert!(reader.take_warnings().is_empty());
}

#[test]
fn an_unreadable_line_is_skipped_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let (_trainer, mut writer) = writer_for(dir.path(), 5);
    writer.observe(&nn_run::Event::State(RunState::Paused));
    writer.finish(None, None).unwrap();
    let log = dir.path().join(EVENTS_FILE);
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, format!("{{\"t\":0.5,\"epo\n{text}")).unwrap();
    let summary = RunSummary::read(dir.path()).unwrap();
    assert_eq!(summary.status, RunStatus::Interrupted);
    assert_eq!(summary.state, Some(RunState::Paused));
    assert_eq!(summary.records, 2, "the state and the end");
    assert_eq!(summary.warnings.len(), 1);
    assert!(
        summary.warnings[0].contains("events.jsonl: skipped an unreadable record at line 1: "),
        "{:?}",
        summary.warnings
    );
}

#[test]
fn runs_are_listed_oldest_first_and_broken_ones_last() {
    let root = tempfile::tempdir().unwrap();
    let (spec, _, _) = trainer(1);
    let mut dirs = Vec::new();
    for epochs in [3, 4] {
        let dir = new_run_dir(root.path(), &spec).unwrap();
        let (mut trainer, mut writer) = writer_for(&dir, epochs);
        train(&mut trainer, &mut writer);
        writer.finish(Some(trainer.network()), None).unwrap();
        dirs.push(dir);
    }
    std::fs::create_dir(root.path().join("not-a-run")).unwrap();
    let broken = root.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::write(broken.join(RUN_INFO_FILE), "{").unwrap();

    let runs = list_runs(root.path()).unwrap();
    assert_eq!(runs.len(), 3);
    let listed: Vec<(&Path, usize)> = runs[..2]
        .iter()
        .map(|r| {
            let r = r.as_ref().unwrap();
            (r.dir.as_path(), r.epochs)
        })
        .collect();
    assert_eq!(listed, [(dirs[0].as_path(), 3), (dirs[1].as_path(), 4)]);
    let error = runs[2].as_ref().unwrap_err().to_string();
    assert!(
        error.contains("broken/run.json: EOF while parsing an object"),
        "{error}"
    );
}

#[test]
fn a_stop_request_ends_as_interrupted_with_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let (mut trainer, mut writer) = writer_for(dir.path(), 1_000_000);
    let stop = AtomicBool::new(false);
    let session = SessionOptions {
        exit_when_finished: true,
        ..SessionOptions::default()
    };
    trainer
        .run(&stop, &session, &mut |event| {
            if matches!(&event, nn_run::Event::EpochEnd(r) if r.epoch == 50) {
                stop.store(true, Ordering::Relaxed);
            }
            writer.observe(&event);
        })
        .unwrap();
    let end = writer.finish(Some(trainer.network()), None).unwrap();
    assert!(end.model);
    let summary = RunSummary::read(dir.path()).unwrap();
    assert_eq!(summary.status, RunStatus::Interrupted);
    assert_eq!(summary.state, Some(RunState::Stopped));
    assert_eq!(summary.epochs, trainer.epoch());
}

/// A long log is parsed in parallel: the records stay in order and a bad line keeps its number.
#[test]
fn a_long_log_reads_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (_trainer, writer) = writer_for(dir.path(), 5);
    drop(writer);
    let mut log = String::new();
    for i in 0..10_000 {
        if i == 7000 {
            log.push_str("{\"t\":\n");
        } else {
            let record = nn_run::Record {
                t: f64::from(i),
                entry: Entry::Log(format!("message {i}")),
            };
            log.push_str(&serde_json::to_string(&record).unwrap());
            log.push('\n');
        }
    }
    std::fs::write(dir.path().join(EVENTS_FILE), log).unwrap();
    let mut reader = RunReader::open(dir.path()).unwrap();
    let (records, _) = reader.poll().unwrap();
    assert_eq!(records.len(), 9999);
    assert!(records.windows(2).all(|w| w[0].t < w[1].t));
    assert_eq!(records[7000].entry, Entry::Log("message 7001".into()));
    let warnings = reader.take_warnings();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("skipped an unreadable record at line 7001: "),
        "{warnings:?}"
    );
}
