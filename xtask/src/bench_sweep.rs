//! `cargo xtask bench-sweep`: `nn-tui sweep --folds` against scikit-learn's
//! `GridSearchCV` over `MLPClassifier`, side by side on the same data, grid, epochs,
//! folds and cores (`n_jobs` = cores), alternating rounds; wall time of each whole
//! search (the winner's refit on all the training data included), both winners and
//! their test accuracies. The CSV file is split once, here, for both tools
//! (`bench_sweep_split`): both cross-validate on the same training rows in the same
//! folds, and both winners are scored on the same test rows (`nn-tui eval` for ours).
//!
//! The Python side needs scikit-learn in a virtual environment outside the repository:
//! `python3 -m venv /root/sk-venv && /root/sk-venv/bin/pip install scikit-learn`, then
//! `cargo xtask bench-sweep --python /root/sk-venv/bin/python`.

use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use serde_json::Value;

use crate::bench::run;
use crate::bench_sweep_cores::load;
use crate::bench_sweep_split::write_split;

/// Options of `cargo xtask bench-sweep`.
#[derive(Debug, Args)]
pub struct BenchSweep {
    /// A Python with scikit-learn.
    #[arg(long, value_name = "PYTHON")]
    python: std::path::PathBuf,
    /// Alternating rounds of ours and scikit-learn's.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Epochs per fit.
    #[arg(long, default_value_t = 100)]
    epochs: usize,
    /// Folds of the cross-validation.
    #[arg(long, default_value_t = 5)]
    folds: usize,
}

/// The grid: 3 rates x 3 shapes x 2 activations.
const LR: &str = "0.003,0.01,0.03";
const HIDDEN: [&str; 3] = ["8", "16,16", "32,32"];
const ACTIVATION: &str = "relu,tanh";

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The seed of the split, the folds and both tools' training.
const SEED: u64 = nn_data::DEFAULT_SEED;
/// The share of each class held out for the one test of each winner.
const TEST_FRACTION: f32 = 0.2;

/// A test accuracy as the points it got right: `0.98` of 100 -> 98.
fn points(accuracy: f64, samples: usize) -> usize {
    (accuracy * samples as f64).round() as usize
}

pub fn bench_sweep(args: &BenchSweep) -> anyhow::Result<()> {
    let root = super::workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building the release nn-tui");
    run(Command::new(&cargo)
        .args(["build", "-q", "--release", "-p", "nn-tui"])
        .current_dir(&root))?;
    let bin = root.join("target/release/nn-tui");
    let csv = root.join("datasets/spiral.csv");
    let split = write_split(
        &csv,
        &root.join("target/bench-sweep-data"),
        TEST_FRACTION,
        args.folds,
        SEED,
    )?;
    let path = |p: &std::path::Path| p.display().to_string();
    let rows = |p: &std::path::Path| -> anyhow::Result<usize> {
        Ok(std::fs::read_to_string(p)?.lines().count() - 1)
    };
    let (train_rows, test_rows) = (rows(&split.train)?, rows(&split.test)?);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let dir = root.join("target/bench-sweep");
    let (epochs, folds, seed) = (
        args.epochs.to_string(),
        args.folds.to_string(),
        SEED.to_string(),
    );
    let hidden_ours = HIDDEN.map(|h| h.replace(',', ":")).join(",");
    let load_before = load();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let (mut our_last, mut our_test, mut their_last) = (Value::Null, Value::Null, Value::Null);
    for round in 0..args.rounds {
        let _ = std::fs::remove_dir_all(&dir);
        let start = Instant::now();
        let out = run(Command::new(&bin).args([
            "sweep",
            "--data",
            &path(&split.train),
            "--test-split",
            "0",
            "--seed",
            &seed,
            "--epochs",
            &epochs,
            "--folds",
            &folds,
            "--grid",
            &format!("lr={LR}"),
            "--grid",
            &format!("hidden={hidden_ours}"),
            "--grid",
            &format!("activation={ACTIVATION}"),
            "--cores",
            &cores.to_string(),
            "--dir",
            &path(&dir),
            "--json",
        ]))?;
        ours.push(start.elapsed().as_secs_f64());
        our_last = serde_json::from_str(&out).context("nn-tui sweep --json")?;
        // The winner, refitted on all of train.csv by the sweep, on test.csv.
        let out = run(Command::new(&bin).args([
            "eval",
            "--model",
            &path(&dir.join("winner.safetensors")),
            "--data",
            &path(&split.test),
            "--test-split",
            "0",
            "--json",
        ]))?;
        our_test = serde_json::from_str(&out).context("nn-tui eval --json")?;
        let out = run(Command::new(&args.python).args([
            path(&root.join("xtask/bench/sk_gridsearch.py")),
            "--train".into(),
            path(&split.train),
            "--test".into(),
            path(&split.test),
            "--fold-of".into(),
            path(&split.folds),
            "--epochs".into(),
            epochs.clone(),
            "--cores".into(),
            cores.to_string(),
            "--seed".into(),
            seed.clone(),
            "--lr".into(),
            LR.into(),
            "--hidden".into(),
            HIDDEN.join(";"),
            "--activation".into(),
            ACTIVATION.into(),
        ]))?;
        their_last = serde_json::from_str(&out).context("sk_gridsearch.py")?;
        theirs.push(their_last["seconds"].as_f64().unwrap_or(f64::NAN));
        eprintln!(
            "round {}: nn-tui {:.2} s, scikit-learn {:.2} s",
            round + 1,
            ours[round],
            theirs[round]
        );
    }
    let rounds = |v: &[f64]| {
        v.iter()
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (all_ours, all_theirs) = (rounds(&ours), rounds(&theirs));
    let (o, t) = (median(&mut ours), median(&mut theirs));
    let w = &our_last["winner"];
    let our_accuracy = our_test["accuracy"].as_f64().unwrap_or(f64::NAN);
    let their_accuracy = their_last["test_accuracy"].as_f64().unwrap_or(f64::NAN);
    let (our_points, their_points) = (
        points(our_accuracy, test_rows),
        points(their_accuracy, test_rows),
    );
    println!(
        "data: spiral.csv split once (seed {SEED}, stratified): {train_rows} training rows in {} \
         folds (the sweep's), {test_rows} test rows; the same files and folds for both",
        args.folds
    );
    println!(
        "grid: lr={LR} hidden={} activation={ACTIVATION}, {} epochs, {cores} cores",
        HIDDEN.join(" | "),
        args.epochs,
    );
    println!(
        "nn-tui sweep:  {o:.2} s (median of {all_ours}), winner {}, CV accuracy {:.4} \
         (mean of each fold's best epoch), test accuracy {our_accuracy:.4} ({our_points}/{test_rows})",
        w["axes"],
        w["validation"]["accuracy"].as_f64().unwrap_or(f64::NAN),
    );
    println!(
        "scikit-learn:  {t:.2} s (median of {all_theirs}), winner {}, CV accuracy {:.4} \
         (mean of each fold's last epoch), test accuracy {their_accuracy:.4} ({their_points}/{test_rows})",
        their_last["winner"],
        their_last["cv_accuracy"].as_f64().unwrap_or(f64::NAN),
    );
    let verdict = match our_points.cmp(&their_points) {
        std::cmp::Ordering::Less => format!(
            "lower by {} point(s): not equal or better",
            their_points - our_points
        ),
        std::cmp::Ordering::Equal => "equal".into(),
        std::cmp::Ordering::Greater => {
            format!("better by {} point(s)", our_points - their_points)
        }
    };
    println!(
        "nn-tui is {:.1}x faster; test accuracy on the same {test_rows} points: {verdict}",
        t / o
    );
    println!("load average before: {load_before}, after: {}", load());
    Ok(())
}
