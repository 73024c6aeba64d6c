//! What recording a run directory costs, measured, not assumed:
//!
//! - `cost`: the trainer's throughput on W1 and W4 (`shared/bench/README.md`)
//!   without and with a [`RunWriter`] observing, alternated in one session,
//!   medians and their ratio, in wall-clock samples/s and in CPU time per sample
//!   (all threads, the writer's included: steadier on a shared machine). Both
//!   sides run `Trainer::run` with the session options of `nn-tui train`
//!   (`--no-run-dir` and the default).
//! - `read`: how long a reader takes to open a log of 100,000 records and parse
//!   all of it (what `nn-tui watch` and `nn-tui runs` do first).
//! - `disk`: the dashboard's default run (spiral, dashboard defaults and pace, its
//!   session options, events drained every 8 ms as its event loop does; `--max`:
//!   flat out) recorded for some minutes; prints the folder's size over time and
//!   the rate per hour.
//!
//! `cargo bench -p nn-run --bench run_dir -- cost [--rounds 9] [--threads 2]`
//! `cargo bench -p nn-run --bench run_dir -- read [--records 100000] [--keep DIR]`
//! `cargo bench -p nn-run --bench run_dir -- disk [--minutes 60] [--max]`
#![allow(clippy::print_stdout)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use nn_core::{Architecture, ModelInfo};
use nn_run::{
    DataOptions, DataSpec, EVENTS_FILE, Event, Pace, ProgressReport, Purpose, RUN_INFO_FILE,
    Record, RunHeadless, RunInfo, RunReader, RunSummary, RunWriter, SessionOptions, TrainRequest,
    WriterOptions, load_data,
};
use nn_train::{ConfusionMatrix, EpochReport, Metrics, TrainConfig, Trainer};

#[path = "../../nn-train/benches/support/workloads.rs"]
mod support;

use support::{WORKLOADS, Workload, data};

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let mode = ["cost", "read", "disk"]
        .into_iter()
        .find(|m| args.iter().any(|a| a == m))
        .unwrap_or("cost");
    match mode {
        "read" => read(
            value("--records").unwrap_or(100_000),
            args.iter()
                .position(|a| a == "--keep")
                .and_then(|i| args.get(i + 1))
                .map(std::path::PathBuf::from),
        ),
        "disk" => disk(
            value("--minutes").unwrap_or(5),
            args.iter().any(|a| a == "--max"),
        ),
        _ => cost(
            value("--rounds").unwrap_or(9),
            value("--threads").unwrap_or(2),
        ),
    }
}

/// The session options of `nn-tui train`: without a run directory snapshots are
/// not needed; with one they feed its snapshot file.
fn session(recording: bool) -> SessionOptions {
    SessionOptions {
        progress_interval: Duration::from_millis(100),
        snapshot_interval: if recording {
            WriterOptions::default().snapshot_interval
        } else {
            Duration::from_secs(3600)
        },
        ..SessionOptions::default()
    }
}

/// Epochs per timed run: about a second of training each.
fn epochs_per_run(w: &Workload) -> usize {
    if w.samples < 10_000 { 4000 } else { 4 }
}

fn cost(rounds: usize, threads: usize) {
    println!(
        "run-directory cost: Trainer::run without / with a RunWriter, {rounds} alternating rounds, \
         {threads} threads, wall-clock samples/s, medians"
    );
    for w in WORKLOADS.iter().filter(|w| matches!(w.name, "W1" | "W4")) {
        let arch = Architecture::new(w.sizes.to_vec(), w.hidden, w.output, w.loss)
            .expect("valid workload");
        let config = TrainConfig {
            optimizer: w.optimizer,
            learning_rate: w.lr,
            batch_size: w.batch,
            threads,
            ..TrainConfig::new(arch)
        };
        let spec = DataSpec::Generator(w.name.into());
        let mut trainer = Trainer::new(config, data(w)).expect("valid config");
        let epochs = epochs_per_run(w);
        let (mut plain, mut recorded, mut overhead_ms) = (Vec::new(), Vec::new(), Vec::new());
        // CPU time per sample, every thread of the process (trainer pool and writer).
        let (mut plain_cpu, mut recorded_cpu) = (Vec::new(), Vec::new());
        let mut direct = Vec::new();
        // Round 0 warms up both sides and is not counted.
        for round in 0..=rounds {
            for recording in [false, true] {
                let root = tempfile::tempdir().expect("a temporary folder");
                let setup = Instant::now();
                let mut writer = recording.then(|| {
                    let info = RunInfo::new(
                        &spec,
                        &DataOptions::default(),
                        &trainer,
                        Pace::Max,
                        Vec::new(),
                    );
                    RunWriter::create(
                        &root.path().join("run"),
                        &info,
                        trainer.model_info(),
                        WriterOptions::default(),
                    )
                    .expect("a run directory")
                });
                let setup = setup.elapsed();
                trainer.set_epochs(trainer.epoch() + epochs);
                let mut observing = Duration::ZERO;
                let cpu_before = cpu_nanoseconds();
                let started = Instant::now();
                trainer
                    .run(&AtomicBool::new(false), &session(recording), &mut |event| {
                        if let Some(writer) = writer.as_mut() {
                            let t = Instant::now();
                            writer.observe(&event);
                            observing += t.elapsed();
                        }
                    })
                    .expect("trains");
                let seconds = started.elapsed().as_secs_f64();
                let cpu = (cpu_nanoseconds() - cpu_before) as f64 / 1e9;
                let writing = writer_thread_nanoseconds() as f64 / 1e9;
                let finish = Instant::now();
                if let Some(writer) = writer {
                    writer
                        .finish(Some(trainer.network()), None)
                        .expect("the run directory is written");
                }
                let samples_per_second = (epochs * w.samples) as f64 / seconds;
                let cpu_per_sample = cpu / (epochs * w.samples) as f64;
                if round > 0 {
                    if recording {
                        recorded.push(samples_per_second);
                        recorded_cpu.push(cpu_per_sample);
                        // Time the trainer spent in `observe`, and the writing thread's
                        // CPU, as a share of the run: an upper bound of what recording
                        // takes from the trainer that noise cannot blur.
                        direct.push((observing.as_secs_f64() + writing) / seconds);
                        overhead_ms.push((setup + finish.elapsed()).as_secs_f64() * 1000.0);
                    } else {
                        plain.push(samples_per_second);
                        plain_cpu.push(cpu_per_sample);
                    }
                }
            }
        }
        let (p, r) = (median(plain.clone()), median(recorded.clone()));
        // Each round's two runs are neighbours in time: their ratio is the fairest
        // comparison on a machine whose load drifts.
        let paired: Vec<f64> = recorded.iter().zip(&plain).map(|(r, p)| r / p).collect();
        let paired_median = median(paired.clone());
        println!(
            "{} ({} epochs a run, {} passes of the workload): without {p:.0} samples/s, with {r:.0} \
             (medians); with / without per round: median {paired_median:.4} (cost {:+.2}%), \
             range {:.3}-{:.3}; creating + finishing the folder {:.1} ms (median)",
            w.name,
            epochs,
            epochs / w.passes.max(1),
            (1.0 - paired_median) * 100.0,
            paired.iter().copied().fold(f64::INFINITY, f64::min),
            paired.iter().copied().fold(0.0, f64::max),
            median(overhead_ms)
        );
        let cpu_ratio: Vec<f64> = recorded_cpu
            .iter()
            .zip(&plain_cpu)
            .map(|(r, p)| r / p)
            .collect();
        let cpu_median = median(cpu_ratio.clone());
        println!(
            "  CPU time per sample (all threads), with / without per round: median {cpu_median:.4} \
             (cost {:+.2}%), range {:.3}-{:.3}",
            (cpu_median - 1.0) * 100.0,
            cpu_ratio.iter().copied().fold(f64::INFINITY, f64::min),
            cpu_ratio.iter().copied().fold(0.0, f64::max),
        );
        println!(
            "  direct: time in observe + the writing thread's CPU = {:.3}% of the run (median; max {:.3}%)",
            median(direct.clone()) * 100.0,
            direct.iter().copied().fold(0.0, f64::max) * 100.0
        );
        println!("  without: {plain:.0?}\n  with:    {recorded:.0?}");
    }
}

/// CPU time so far of every thread of this process, in nanoseconds (Linux's
/// per-thread `schedstat`); on a shared machine a steadier cost than wall time.
fn cpu_nanoseconds() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// CPU time so far of the run-directory writer's thread (`nn-run-dir`), in nanoseconds.
fn writer_thread_nanoseconds() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == "nn-run-dir")
        })
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// An epoch report as the dashboard's default run makes them (2 classes) or
/// MNIST's (10 classes: bigger confusion matrices, longer lines).
fn report(epoch: usize, classes: usize) -> EpochReport {
    let metrics = |samples: usize| {
        let mut confusion = ConfusionMatrix::new(classes);
        for i in 0..samples {
            confusion.record(i % classes, (i * 7 + epoch) % classes);
        }
        Metrics {
            loss: 0.1 + 1.0 / (epoch as f64 + 3.0),
            samples,
            confusion: Some(confusion),
            mse: None,
            r2: None,
        }
    };
    EpochReport {
        epoch,
        train: metrics(classes * 6000),
        validation: None,
        test: Some(metrics(classes * 1000)),
        learning_rate: 0.03,
        seconds: 0.000_123_456,
        samples_per_second: 3_456_789.123,
        improved: false,
        stop_early: false,
        stalled: None,
    }
}

/// The dashboard's default run (`nn-tui` with no arguments): its data, its
/// trainer and its pace (`pace`: the dashboard's default, or another).
fn dashboard_run(pace: Option<Pace>) -> (DataSpec, DataOptions, Trainer, Pace) {
    let spec = DataSpec::Generator("spiral".into());
    let options = DataOptions::default();
    let data = Arc::new(load_data(&spec, &options).expect("spiral"));
    let request = TrainRequest {
        pace,
        ..TrainRequest::default()
    };
    let config = request
        .resolve(Purpose::Dashboard, &data)
        .expect("the dashboard's defaults");
    let pace = request.pace(Purpose::Dashboard, data.train.dim());
    let trainer = Trainer::new(config, data).expect("a trainer");
    (spec, options, trainer, pace)
}

/// Writes a log of `records` records (nine epochs to one progress record) in a run directory.
fn synthetic_log(dir: &Path, records: usize, classes: usize) {
    let (spec, options, trainer, pace) = dashboard_run(None);
    let writer = RunWriter::create(
        dir,
        &RunInfo::new(&spec, &options, &trainer, pace, Vec::new()),
        ModelInfo::default(),
        WriterOptions::default(),
    )
    .expect("a run directory");
    drop(writer); // leaves run.json and an empty log
    let mut log = String::new();
    for i in 0..records {
        let t = i as f64 * 0.1;
        let entry = if i % 10 == 9 {
            nn_run::Entry::Progress(ProgressReport {
                epoch: i,
                step_in_epoch: 12,
                steps_per_epoch: 40,
                total_steps: i as u64 * 40 + 12,
                steps: 40,
                loss: 0.123_456_789,
                samples_per_second: 3_456_789.0,
                learning_rate: 0.03,
                batch_size: 10,
            })
        } else {
            nn_run::Entry::Epoch(report(i + 1, classes))
        };
        log.push_str(&serde_json::to_string(&Record { t, entry }).expect("serialises"));
        log.push('\n');
    }
    std::fs::write(dir.join(EVENTS_FILE), log).expect("the log is written");
}

/// Times reading logs of `records` records; `keep`: also leaves a 2-class one
/// there, to time `nn-tui watch` on it.
fn read(records: usize, keep: Option<std::path::PathBuf>) {
    if let Some(dir) = keep {
        synthetic_log(&dir, records, 2);
        println!("a log of {records} records in {}", dir.display());
    }
    for classes in [2, 10] {
        let root = tempfile::tempdir().expect("a temporary folder");
        let dir = root.path().join("run");
        synthetic_log(&dir, records, classes);
        let bytes = std::fs::metadata(dir.join(EVENTS_FILE)).map_or(0, |m| m.len());
        let (mut open_and_poll, mut summary) = (Vec::new(), Vec::new());
        for _ in 0..7 {
            let started = Instant::now();
            let mut reader = RunReader::open(&dir).expect("opens");
            let (parsed, _) = reader.poll().expect("reads");
            assert_eq!(parsed.len(), records);
            open_and_poll.push(started.elapsed().as_secs_f64());
            let started = Instant::now();
            let s = RunSummary::read(&dir).expect("reads");
            assert_eq!(s.records, records);
            summary.push(started.elapsed().as_secs_f64());
        }
        println!(
            "{records} records, {classes} classes, {:.1} MB: open + parse every record {:.3} s, \
             RunSummary::read {:.3} s (medians of 7; min {:.3} / {:.3})",
            bytes as f64 / 1e6,
            median(open_and_poll.clone()),
            median(summary.clone()),
            open_and_poll.iter().copied().fold(f64::INFINITY, f64::min),
            summary.iter().copied().fold(f64::INFINITY, f64::min),
        );
    }
}

fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    })
}

/// The dashboard's default run recorded for `minutes`: the folder's size every
/// 30 s, then the log's growth per hour over the run's second half.
fn disk(minutes: usize, max: bool) {
    let (spec, options, trainer, pace) = dashboard_run(max.then_some(Pace::Max));
    let root = tempfile::tempdir().expect("a temporary folder");
    let dir = root.path().join("run");
    let info = RunInfo::new(&spec, &options, &trainer, pace, vec!["nn-tui".into()]);
    let mut writer = RunWriter::create(&dir, &info, trainer.model_info(), WriterOptions::default())
        .expect("a run directory");
    // The dashboard's session options and drain loop (nn-dash's runtime.rs).
    let handle = nn_run::spawn(
        trainer,
        SessionOptions {
            progress_interval: Duration::from_millis(50),
            snapshot_interval: Duration::from_millis(100),
            pace,
            ..SessionOptions::default()
        },
    );
    let started = Instant::now();
    let total = Duration::from_secs(minutes as u64 * 60);
    let mut next_sample = Duration::ZERO;
    let (mut epochs, mut samples) = (0usize, Vec::new());
    println!("the dashboard's default run at pace {pace:?}, recorded for {minutes} min");
    while started.elapsed() < total {
        for event in handle.events().try_iter().take(100_000) {
            if let Event::EpochEnd(r) = &event {
                epochs = r.epoch;
            }
            writer.observe(&event);
        }
        if started.elapsed() >= next_sample {
            let log = std::fs::metadata(dir.join(EVENTS_FILE)).map_or(0, |m| m.len());
            let all = folder_bytes(&dir);
            let at = started.elapsed().as_secs_f64();
            println!(
                "{at:7.1} s  epoch {epochs:>10}  log {:8.3} MB  folder {:8.3} MB",
                log as f64 / 1e6,
                all as f64 / 1e6
            );
            samples.push((at, log, all));
            next_sample += Duration::from_secs(30);
        }
        std::thread::sleep(Duration::from_millis(8));
    }
    let trainer = handle.join();
    writer
        .finish(Some(trainer.network()), None)
        .expect("the run directory is written");
    let (at, log, all) = (
        started.elapsed().as_secs_f64(),
        std::fs::metadata(dir.join(EVENTS_FILE)).map_or(0, |m| m.len()),
        folder_bytes(&dir),
    );
    let half = samples[samples.len() / 2];
    let per_hour = (log - half.1) as f64 / (at - half.0) * 3600.0;
    println!(
        "after {at:.0} s ({} epochs): log {:.2} MB, folder {:.2} MB (run.json {} B); \
         log growth over the second half {:.2} MB/h",
        trainer.epoch(),
        log as f64 / 1e6,
        all as f64 / 1e6,
        std::fs::metadata(dir.join(RUN_INFO_FILE)).map_or(0, |m| m.len()),
        per_hour / 1e6
    );
}
