//! Measures what drawing costs training: the default run at full speed headless
//! (`Trainer::run`) against the same run under the dashboard, alternated,
//! medians of the samples/s in the trainer's progress events.
//!
//! Run it in a terminal (the dashboard needs one), e.g. in tmux:
//! `cargo run -p nn-dash --example overhead -- 8 3 2>figures.txt` (seconds per run,
//! rounds; the figures go to stderr, the dashboard to stdout).
#![allow(clippy::print_stderr)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nn_dash::DashOptions;
use nn_run::{Event, Purpose, RunHeadless, SessionOptions, load_data};
use nn_train::Trainer;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

struct Figures {
    median: f64,
    wall: f64,
    to_95: Option<f64>,
}

/// Turns a run's events into [`Figures`]: throughput per progress event, wall-clock
/// samples between the first and last event, and when test accuracy first reached 95%.
struct Recorder {
    started: Instant,
    rates: Vec<f64>,
    first: Option<(Instant, f64)>,
    last: Option<(Instant, f64)>,
    to_95: Option<f64>,
}

impl Recorder {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            rates: Vec::new(),
            first: None,
            last: None,
            to_95: None,
        }
    }

    fn record(&mut self, event: &Event) {
        match event {
            Event::Progress(p) => {
                if p.samples_per_second > 0.0 {
                    self.rates.push(p.samples_per_second);
                }
                let point = (Instant::now(), p.total_steps as f64 * p.batch_size as f64);
                self.first.get_or_insert(point);
                self.last = Some(point);
            }
            Event::EpochEnd(r)
                if self.to_95.is_none()
                    && r.test
                        .as_ref()
                        .and_then(nn_train::Metrics::accuracy)
                        .is_some_and(|a| a >= 0.95) =>
            {
                self.to_95 = Some(self.started.elapsed().as_secs_f64());
            }
            _ => {}
        }
    }

    fn figures(self) -> Figures {
        let wall = match (self.first, self.last) {
            (Some((t0, s0)), Some((t1, s1))) => (s1 - s0) / (t1 - t0).as_secs_f64(),
            _ => f64::NAN,
        };
        Figures {
            median: median(self.rates),
            wall,
            to_95: self.to_95,
        }
    }
}

/// The dashboard's trainer for `options`, without the dashboard.
fn trainer(options: &DashOptions) -> Trainer {
    let data = Arc::new(load_data(&options.data_spec, &options.data_options).expect("data"));
    let config = options
        .request
        .resolve(Purpose::Dashboard, &data)
        .expect("the default request fits its data");
    Trainer::new(config, data).expect("trainer")
}

fn headless(options: &DashOptions, seconds: u64) -> Figures {
    let mut trainer = trainer(options);
    let stop = Arc::new(AtomicBool::new(false));
    let timer = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(seconds));
            stop.store(true, Ordering::Relaxed);
        })
    };
    let mut recorder = Recorder::new();
    let session = SessionOptions {
        progress_interval: Duration::from_millis(50),
        snapshot_interval: Duration::from_millis(100),
        ..SessionOptions::default()
    };
    let _ = trainer.run(&stop, &session, &mut |event| recorder.record(&event));
    let _ = timer.join();
    recorder.figures()
}

/// The same session the dashboard uses (`spawn`), drained every 8 ms, nothing drawn.
fn spawned(options: &DashOptions, seconds: u64) -> Figures {
    let handle = nn_run::spawn(
        trainer(options),
        SessionOptions {
            progress_interval: Duration::from_millis(50),
            snapshot_interval: Duration::from_millis(100),
            ..SessionOptions::default()
        },
    );
    let mut recorder = Recorder::new();
    while recorder.started.elapsed() < Duration::from_secs(seconds) {
        for event in handle.events().try_iter() {
            recorder.record(&event);
        }
        std::thread::sleep(Duration::from_millis(8));
    }
    handle.join();
    recorder.figures()
}

fn dashboard(options: &DashOptions, seconds: u64) -> Figures {
    let timer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(seconds));
        // The dashboard quits cleanly on SIGINT.
        let _ = signal_hook::low_level::raise(signal_hook::consts::SIGINT);
    });
    let mut recorder = Recorder::new();
    nn_dash::run_observed(options.clone(), &mut |event| recorder.record(event))
        .expect("the dashboard runs in a terminal");
    let _ = timer.join();
    recorder.figures()
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let seconds = args.first().copied().unwrap_or(8);
    let rounds = args.get(1).copied().unwrap_or(3);
    // Flat out: the default pace (60 epochs/s on the spiral) would measure the pace.
    let mut options = DashOptions::default_start();
    options.request.pace = Some(nn_run::Pace::Max);
    let mut lines = Vec::new();
    for round in 1..=rounds {
        for (name, figures) in [
            ("Trainer::run", headless(&options, seconds)),
            ("spawn, no UI", spawned(&options, seconds)),
            ("dashboard   ", dashboard(&options, seconds)),
        ] {
            lines.push(format!(
                "round {round} {name}: median {:>9.0} samples/s (progress events), wall {:>9.0} samples/s, 95% test accuracy after {}",
                figures.median,
                figures.wall,
                figures.to_95.map_or("-".into(), |s| format!("{s:.2} s")),
            ));
        }
    }
    for line in lines {
        eprintln!("{line}");
    }
}
