//! The default run's pace: seconds (and epochs) from the start to 90% test
//! accuracy on the default spiral, at the dashboard's default speed and at
//! max, in the session the dashboard uses (`spawn` with its options; nothing
//! drawn), alternated, medians. In a terminal it also runs the real dashboard
//! at both speeds (`run_observed`).
//!
//! `cargo run -p nn-dash --example pace -- 3 2>figures.txt` (rounds; the
//! figures go to stderr).
#![allow(clippy::print_stderr)]

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nn_dash::DashOptions;
use nn_run::{Event, Pace, Purpose, SessionOptions, load_data, spawn};
use nn_train::Trainer;

/// Give up on a run after this long.
const LIMIT: Duration = Duration::from_secs(120);
/// The accuracy to reach.
const TARGET: f64 = 0.9;

/// When (seconds since the start) and at which epoch test accuracy first reached the target.
#[derive(Debug, Default)]
struct Reached {
    started: Option<Instant>,
    at: Option<(f64, usize)>,
}

impl Reached {
    fn record(&mut self, event: &Event) {
        let started = *self.started.get_or_insert_with(Instant::now);
        if let Event::EpochEnd(r) = event
            && self.at.is_none()
            && r.test
                .as_ref()
                .and_then(nn_train::Metrics::accuracy)
                .is_some_and(|a| a >= TARGET)
        {
            self.at = Some((started.elapsed().as_secs_f64(), r.epoch));
        }
    }
}

fn options(pace: Option<Pace>) -> DashOptions {
    let mut options = DashOptions::default_start();
    options.request.pace = pace;
    options
}

/// The dashboard's session for `pace` (`None`: its default), its events drained every 8 ms.
fn spawned(pace: Option<Pace>) -> Option<(f64, usize)> {
    let options = options(pace);
    let data = Arc::new(load_data(&options.data_spec, &options.data_options).expect("data"));
    let request = &options.request;
    let config = request
        .resolve(Purpose::Dashboard, &data)
        .expect("the default request fits its data");
    let pace = request.pace(Purpose::Dashboard, data.train.dim());
    let started = Instant::now();
    let handle = spawn(
        Trainer::new(config, data).expect("trainer"),
        SessionOptions {
            progress_interval: Duration::from_millis(50),
            snapshot_interval: Duration::from_millis(100),
            pace,
            ..SessionOptions::default()
        },
    );
    let mut reached = Reached {
        started: Some(started),
        at: None,
    };
    while reached.at.is_none() && started.elapsed() < LIMIT {
        for event in handle.events().try_iter() {
            reached.record(&event);
        }
        std::thread::sleep(Duration::from_millis(8));
    }
    handle.join();
    reached.at
}

/// The real dashboard at `pace`, quit (SIGINT) once the target is reached.
fn dashboard(pace: Option<Pace>) -> Option<(f64, usize)> {
    let started = Instant::now();
    let mut reached = Reached {
        started: Some(started),
        at: None,
    };
    let mut stop_sent = false;
    nn_dash::run_observed(options(pace), &mut |event| {
        reached.record(event);
        if (reached.at.is_some() || started.elapsed() > LIMIT) && !stop_sent {
            stop_sent = true;
            let _ = signal_hook::low_level::raise(signal_hook::consts::SIGINT);
        }
    })
    .expect("the dashboard runs in a terminal");
    reached.at
}

/// One way of running: seconds and epoch at which the target was reached, if it was.
type Run = fn(Option<Pace>) -> Option<(f64, usize)>;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let default = nn_run::defaults(Purpose::Dashboard, 2).pace;
    let terminal = std::io::stdout().is_terminal();
    let mut runs: Vec<(String, Option<Pace>, Run)> = vec![
        (format!("session, default speed ({default})"), None, spawned),
        ("session, speed max".into(), Some(Pace::Max), spawned),
    ];
    if terminal {
        runs.push((
            format!("dashboard, default speed ({default})"),
            None,
            dashboard,
        ));
        runs.push(("dashboard, speed max".into(), Some(Pace::Max), dashboard));
    }
    let mut seconds = vec![Vec::new(); runs.len()];
    let mut epochs = vec![Vec::new(); runs.len()];
    let mut lines = Vec::new();
    for round in 1..=rounds {
        for (i, (name, pace, run)) in runs.iter().enumerate() {
            let result = run(*pace);
            lines.push(format!(
                "round {round} {name}: {}",
                result.map_or_else(
                    || format!("not {}% within {} s", TARGET * 100.0, LIMIT.as_secs()),
                    |(s, e)| format!(
                        "{}% test accuracy after {s:.2} s, epoch {e}",
                        TARGET * 100.0
                    )
                )
            ));
            if let Some((s, e)) = result {
                seconds[i].push(s);
                epochs[i].push(e as f64);
            }
        }
    }
    for line in lines {
        eprintln!("{line}");
    }
    for (i, (name, ..)) in runs.iter().enumerate() {
        eprintln!(
            "median {name}: {:.2} s, epoch {:.0} ({} of {rounds} runs reached {}%)",
            median(seconds[i].clone()),
            median(epochs[i].clone()),
            seconds[i].len(),
            TARGET * 100.0
        );
    }
}
