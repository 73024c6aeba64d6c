//! `cargo xtask bench-sweep`: `nn-tui sweep --folds` against scikit-learn's
//! `GridSearchCV` over `MLPClassifier`, side by side on the same CSV, grid, epochs,
//! folds and cores (`n_jobs` = cores), alternating rounds; wall time of each whole
//! search (the winner's refit on all the training data included), both winners and
//! their test accuracies. The splits are each tool's own seeded, stratified 20% test
//! split of the same file, so the test sets are the same size but not the same points.
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

pub fn bench_sweep(args: &BenchSweep) -> anyhow::Result<()> {
    let root = super::workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building the release nn-tui");
    run(Command::new(&cargo)
        .args(["build", "-q", "--release", "-p", "nn-tui"])
        .current_dir(&root))?;
    let bin = root.join("target/release/nn-tui");
    let csv = root.join("datasets/spiral.csv");
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let dir = root.join("target/bench-sweep");
    let (epochs, folds) = (args.epochs.to_string(), args.folds.to_string());
    let hidden_ours = HIDDEN.map(|h| h.replace(',', ":")).join(",");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let (mut our_last, mut their_last) = (Value::Null, Value::Null);
    for round in 0..args.rounds {
        let _ = std::fs::remove_dir_all(&dir);
        let start = Instant::now();
        let out = run(Command::new(&bin).args([
            "sweep",
            "--data",
            &csv.display().to_string(),
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
            &dir.display().to_string(),
            "--json",
        ]))?;
        ours.push(start.elapsed().as_secs_f64());
        our_last = serde_json::from_str(&out).context("nn-tui sweep --json")?;
        let out = run(Command::new(&args.python).args([
            root.join("xtask/bench/sk_gridsearch.py")
                .display()
                .to_string(),
            "--csv".into(),
            csv.display().to_string(),
            "--epochs".into(),
            epochs.clone(),
            "--folds".into(),
            folds.clone(),
            "--cores".into(),
            cores.to_string(),
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
    let (o, t) = (median(&mut ours), median(&mut theirs));
    let w = &our_last["winner"];
    println!(
        "grid: lr={LR} hidden={} activation={ACTIVATION}, {} epochs, {} folds, {cores} cores, spiral.csv",
        HIDDEN.join(" | "),
        args.epochs,
        args.folds
    );
    println!(
        "nn-tui sweep:       {o:.2} s (median of {}), winner {}, CV accuracy {:.4}, test accuracy {:.4}",
        args.rounds,
        w["axes"],
        w["validation"]["accuracy"].as_f64().unwrap_or(f64::NAN),
        w["test"]["accuracy"].as_f64().unwrap_or(f64::NAN)
    );
    println!(
        "scikit-learn:       {t:.2} s (median of {}), winner {}, CV accuracy {:.4}, test accuracy {:.4}",
        args.rounds,
        their_last["winner"],
        their_last["cv_accuracy"].as_f64().unwrap_or(f64::NAN),
        their_last["test_accuracy"].as_f64().unwrap_or(f64::NAN)
    );
    println!("nn-tui is {:.1}x faster", t / o);
    Ok(())
}
