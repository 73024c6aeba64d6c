//! `cargo xtask bench-predict`: `nn-tui predict` against pandas + ONNX Runtime on the
//! model `nn-tui export` writes, side by side on the same CSV and cores.
//!
//! The model is a 784-256-128-10 ReLU network trained on MNIST (2 epochs, trained once
//! and kept in `target/bench-predict/`), the CSV the 10,000 MNIST test images (784
//! pixel columns and the label, 18 MB). Each round runs, alternating:
//! - end to end: the release `nn-tui predict --input test.csv --output out.csv`, and
//!   `xtask/bench/ort_predict.py e2e` (pandas reads the CSV, ONNX Runtime runs the model,
//!   pandas writes label,class,probability), wall time from process start to exit;
//! - the forward pass alone on rows in memory, rows/s at batch 1, 64 and 4096, and the
//!   median latency of one-row calls: `cargo bench -p nn-train --bench predict`
//!   (`Model::predict_with`) and `ort_predict.py forward` (`session.run`).
//!
//! The Python side needs pandas, numpy and onnxruntime, in a virtual environment
//! outside the repository:
//! `python3 -m venv /root/ort-venv && /root/ort-venv/bin/pip install pandas onnxruntime numpy`,
//! then `cargo xtask bench-predict --python /root/ort-venv/bin/python`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;

use crate::bench::run;
use crate::median::median;

/// Options of `cargo xtask bench-predict`.
#[derive(Debug, Args)]
pub struct BenchPredict {
    /// Alternating rounds of ours and ONNX Runtime's.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Seconds each forward-pass batch size is timed for, per round.
    #[arg(long, default_value_t = 1.0)]
    seconds: f64,
    /// A Python with pandas, numpy and onnxruntime; without it only nn-tui is measured.
    #[arg(long, value_name = "PYTHON")]
    python: Option<PathBuf>,
}

/// Values per measurement name (`e2e seconds`, `forward batch=64`...), one per round.
type Runs = BTreeMap<String, Vec<f64>>;

pub fn bench_predict(args: &BenchPredict) -> anyhow::Result<()> {
    let root = super::workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let dir = root.join("target/bench-predict");
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    eprintln!("building the release nn-tui");
    run(Command::new(&cargo)
        .args(["build", "-q", "--release", "-p", "nn-tui"])
        .current_dir(&root))?;
    let bin = root.join("target/release/nn-tui");
    let model = dir.join("mnist.safetensors");
    if !model.is_file() {
        eprintln!("training the 784-256-128-10 MNIST model (once)");
        run(Command::new(&bin)
            .args([
                "train",
                "--data",
                "mnist",
                "--hidden",
                "256,128",
                "--activation",
                "relu",
            ])
            .args([
                "--optimizer",
                "adam",
                "--lr",
                "0.001",
                "--batch",
                "128",
                "--epochs",
                "2",
            ])
            .arg("--save")
            .arg(&model)
            .current_dir(&root))?;
    }
    let onnx = dir.join("mnist.onnx");
    run(Command::new(&bin)
        .args(["export", "--model"])
        .arg(&model)
        .arg("--onnx")
        .arg(&onnx))?;
    let csv = dir.join("test.csv");
    if !csv.is_file() {
        let mnist = nn_data::load_mnist(&nn_data::mnist_dir())?;
        std::fs::write(&csv, nn_data::to_csv_string(&mnist.test))
            .with_context(|| csv.display().to_string())?;
    }
    let script = root.join("xtask/bench/ort_predict.py");
    let seconds = args.seconds.to_string();
    let (mut ours, mut theirs) = (Runs::new(), Runs::new());
    for round in 1..=args.rounds {
        eprintln!("round {round}/{}", args.rounds);
        let out = dir.join("ours.csv");
        let start = Instant::now();
        run(Command::new(&bin)
            .args(["predict", "--model"])
            .arg(&model)
            .arg("--input")
            .arg(&csv)
            .arg("--output")
            .arg(&out))?;
        let elapsed = start.elapsed().as_secs_f64();
        ours.entry("e2e seconds".into()).or_default().push(elapsed);
        if let Some(python) = &args.python {
            let start = Instant::now();
            let printed = run(Command::new(python).arg(&script).arg("e2e").args([
                &onnx,
                &csv,
                &dir.join("theirs.csv"),
            ]))?;
            let elapsed = start.elapsed().as_secs_f64();
            theirs
                .entry("e2e seconds".into())
                .or_default()
                .push(elapsed);
            check_same_classes(&out, &dir.join("theirs.csv"))?;
            drop(printed);
        }
        let printed = run(Command::new(&cargo)
            .args(["bench", "-q", "-p", "nn-train", "--bench", "predict", "--"])
            .arg("--model")
            .arg(&model)
            .arg("--input")
            .arg(&csv)
            .args(["--batches", "1,64,4096", "--seconds", &seconds])
            .current_dir(&root))?;
        collect(&printed, &mut ours);
        if let Some(python) = &args.python {
            let printed = run(Command::new(python)
                .arg(&script)
                .arg("forward")
                .args([&onnx, &csv])
                .args(["1,64,4096", &seconds]))?;
            collect(&printed, &mut theirs);
        }
    }
    print!("{}", report(&ours, &theirs, args.rounds));
    Ok(())
}

/// Both tools predicted the same class on every row (probabilities may differ in the
/// last digit: float sums in another order).
fn check_same_classes(ours: &Path, theirs: &Path) -> anyhow::Result<()> {
    let classes = |path: &Path| -> anyhow::Result<Vec<String>> {
        let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
        Ok(text
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap_or_default().to_string())
            .collect())
    };
    let (a, b) = (classes(ours)?, classes(theirs)?);
    let differ = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    if a.len() != b.len() || differ > 0 {
        bail!(
            "the two predictions differ: {} and {} rows, {differ} classes differ",
            a.len(),
            b.len()
        );
    }
    Ok(())
}

/// Reads `forward batch=B rows/s=R` and `latency batch=1 us=U` lines.
fn collect(text: &str, runs: &mut Runs) {
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let (Some(kind), Some(batch), Some(value)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if !matches!(kind, "forward" | "latency") {
            continue;
        }
        let Some((unit, number)) = value.split_once('=') else {
            continue;
        };
        if let Ok(number) = number.parse::<f64>() {
            runs.entry(format!("{kind} {batch} ({unit})"))
                .or_default()
                .push(number);
        }
    }
}

/// The medians and ratios as a Markdown table; a ratio above 1 means nn-tui is faster.
fn report(ours: &Runs, theirs: &Runs, rounds: usize) -> String {
    let mut out = format!(
        "\nmedians of {rounds} alternating rounds; ratio > 1: nn-tui faster\n\n\
         | measurement | nn-tui | pandas + ONNX Runtime | ratio |\n|---|---|---|---|\n"
    );
    for (name, values) in ours {
        let ours = median(values).unwrap_or(f64::NAN);
        let theirs = theirs.get(name).and_then(|v| median(v));
        // Seconds and microseconds: less is better; rows/s: more is better.
        let lower_is_better = name.contains("seconds") || name.contains("us");
        let ratio = theirs.map(|t| if lower_is_better { t / ours } else { ours / t });
        let show = |v: f64| {
            if v >= 1000.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.3}")
            }
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} |",
            show(ours),
            theirs.map_or_else(|| "-".into(), show),
            ratio.map_or_else(|| "-".into(), |r| format!("{r:.2}x"))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_sides_lines_and_reports_ratios() {
        let (mut ours, mut theirs) = (Runs::new(), Runs::new());
        ours.insert("e2e seconds".into(), vec![0.5, 0.4, 0.6]);
        theirs.insert("e2e seconds".into(), vec![1.2, 1.0, 1.4]);
        collect(
            "forward batch=64 rows/s=200000\nlatency batch=1 us=10.0\nnoise\n",
            &mut ours,
        );
        collect(
            "forward batch=64 rows/s=50000\nlatency batch=1 us=25.0\n",
            &mut theirs,
        );
        let table = report(&ours, &theirs, 3);
        assert!(
            table.contains("| e2e seconds | 0.500 | 1.200 | 2.40x |"),
            "{table}"
        );
        assert!(
            table.contains("| forward batch=64 (rows/s) | 200000 | 50000 | 4.00x |"),
            "{table}"
        );
        assert!(
            table.contains("| latency batch=1 (us) | 10.000 | 25.000 | 2.50x |"),
            "{table}"
        );
    }
}
