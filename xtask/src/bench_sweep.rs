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

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use serde_json::Value;

use crate::bench::run;
use crate::bench_sweep_cores::load;
use crate::bench_sweep_split::write_split;
use crate::median::median_or_nan;

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
    /// After the rounds, each winner's configuration trained again on all the training
    /// rows with this many seeds (the first the search's own) and scored on the test rows,
    /// untimed: how much one seed's luck weighs in the test figures.
    #[arg(long, default_value_t = 10)]
    refit_seeds: u64,
}

/// The grid: 3 rates x 3 shapes x 2 activations.
const LR: &str = "0.003,0.01,0.03";
const HIDDEN: [&str; 3] = ["8", "16,16", "32,32"];
const ACTIVATION: &str = "relu,tanh";

/// The seed of the split, the folds and both tools' training.
const SEED: u64 = nn_data::DEFAULT_SEED;
/// The share of each class held out for the one test of each winner.
const TEST_FRACTION: f32 = 0.2;

/// A test accuracy as the points it got right: `0.98` of 100 -> 98.
fn points(accuracy: f64, samples: usize) -> usize {
    (accuracy * samples as f64).round() as usize
}

/// Our winner's state line trained again on all of `train` with training seeds `seeds`
/// (`nn-tui train --state`, the command the sweep prints) and each model's accuracy on
/// `test` (`nn-tui eval`).
fn our_refits(
    bin: &Path,
    line: &str,
    epochs: &str,
    seeds: std::ops::Range<u64>,
    test: &Path,
    model: &Path,
) -> anyhow::Result<Vec<f64>> {
    let mut accuracies = Vec::new();
    for seed in seeds {
        let line: Vec<String> = line
            .split(' ')
            .map(|w| {
                if w.starts_with("seed=") {
                    format!("seed={seed}")
                } else {
                    w.to_owned()
                }
            })
            .collect();
        run(Command::new(bin).args([
            "train",
            "--state",
            &line.join(" "),
            "--epochs",
            epochs,
            "--save",
            &model.display().to_string(),
        ]))?;
        accuracies.push(test_accuracy(bin, model, test)?);
    }
    Ok(accuracies)
}

/// `nn-tui eval`'s accuracy of `model` on all of `test`.
fn test_accuracy(bin: &Path, model: &Path, test: &Path) -> anyhow::Result<f64> {
    let out = run(Command::new(bin).args([
        "eval",
        "--model",
        &model.display().to_string(),
        "--data",
        &test.display().to_string(),
        "--test-split",
        "0",
        "--json",
    ]))?;
    let report: Value = serde_json::from_str(&out).context("nn-tui eval --json")?;
    report["accuracy"]
        .as_f64()
        .context("nn-tui eval --json: no accuracy")
}

/// Test accuracies as points: median (min-max) over `n` seeds.
fn spread(accuracies: &[f64], samples: usize) -> String {
    let mut p: Vec<usize> = accuracies.iter().map(|&a| points(a, samples)).collect();
    p.sort_unstable();
    match (p.first(), p.last()) {
        (Some(lo), Some(hi)) => format!(
            "median {}/{samples} ({lo}-{hi}) over {} seeds",
            p[p.len() / 2],
            p.len()
        ),
        _ => "no refits".into(),
    }
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
    let path = |p: &Path| p.display().to_string();
    let rows =
        |p: &Path| -> anyhow::Result<usize> { Ok(std::fs::read_to_string(p)?.lines().count() - 1) };
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
    let (mut our_last, mut their_last) = (Value::Null, Value::Null);
    let mut our_test = f64::NAN;
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
        our_test = test_accuracy(&bin, &dir.join("winner.safetensors"), &split.test)?;
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
            "--refit-seeds".into(),
            if round + 1 == args.rounds {
                args.refit_seeds.to_string()
            } else {
                "0".into()
            },
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
    // Each round's two searches ran back to back, under much the same load.
    let ratios: Vec<f64> = theirs.iter().zip(&ours).map(|(t, o)| t / o).collect();
    let (o, t) = (median_or_nan(&ours), median_or_nan(&theirs));
    let w = &our_last["winner"];
    let our_accuracy = our_test;
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
        "nn-tui is {:.1}x faster (median of the rounds' ratios; {:.1}x of the median times); \
         test accuracy on the same {test_rows} points: {verdict}",
        median_or_nan(&ratios),
        t / o
    );
    let refit_seeds = SEED..SEED + args.refit_seeds;
    eprintln!("training each winner again with {} seeds", args.refit_seeds);
    let ours_refitted = our_refits(
        &bin,
        w["line"]
            .as_str()
            .context("nn-tui sweep --json: no winner line")?,
        &epochs,
        refit_seeds.clone(),
        &split.test,
        &dir.join("refit.safetensors"),
    )?;
    let theirs_refitted: Vec<f64> = their_last["refit_test_accuracies"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    // The first seed is the search's own: its refit is the winner's model again.
    for (tool, refits, winner) in [
        ("nn-tui", &ours_refitted, our_accuracy),
        ("scikit-learn", &theirs_refitted, their_accuracy),
    ] {
        if refits.first().is_some_and(|&a| a != winner) {
            eprintln!(
                "warning: {tool}'s refit with seed {SEED} scores {refits:?}, its winner {winner}"
            );
        }
    }
    println!(
        "each winner trained again with seeds {}..{} (untimed), test accuracy on the same points: \
         nn-tui {}, scikit-learn {}",
        refit_seeds.start,
        refit_seeds.end - 1,
        spread(&ours_refitted, test_rows),
        spread(&theirs_refitted, test_rows)
    );
    println!("load average before: {load_before}, after: {}", load());
    Ok(())
}
