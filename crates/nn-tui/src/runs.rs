//! `nn-tui runs`: the run directories under a folder, one line each: data
//! set, network, status, epochs, best score and age; or one JSON array.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use nn_run::{RunDirError, RunSummary, Score};
use serde_json::{Value, json};

use crate::Outcome;
use crate::progress::say;
use nn_tui::RunsArgs;

/// Runs `nn-tui runs`.
pub fn list(args: &RunsArgs) -> Result<Outcome> {
    let runs = if args.root.is_dir() {
        nn_run::list_runs(&args.root)?
    } else {
        Vec::new()
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let (good, bad): (Vec<_>, Vec<_>) = runs.into_iter().partition(Result::is_ok);
    let good: Vec<RunSummary> = good.into_iter().filter_map(Result::ok).collect();
    let bad: Vec<RunDirError> = bad.into_iter().filter_map(Result::err).collect();
    let out = if args.json {
        let list: Vec<Value> = good.iter().map(|r| run_json(r, now)).collect();
        format!("{}\n", Value::Array(list))
    } else if good.is_empty() {
        format!(
            "no run directories under {} (nn-tui train records its runs there)\n",
            args.root.display()
        )
    } else {
        table(&good, &args.root, now)
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing the list of runs to stdout")?;
    for run in &good {
        for warning in &run.warnings {
            say(&format!("warning: {warning}"));
        }
    }
    for error in &bad {
        say(&format!("warning: {error}"));
    }
    Ok(Outcome::Done)
}

/// One row per run, in columns as wide as their widest cell.
fn table(runs: &[RunSummary], root: &Path, now: f64) -> String {
    let header = ["RUN", "DATA", "NETWORK", "STATUS", "EPOCHS", "BEST", "AGE"];
    let rows: Vec<[String; 7]> = runs
        .iter()
        .map(|r| {
            let arch = &r.info.config.architecture;
            [
                r.dir
                    .strip_prefix(root)
                    .unwrap_or(&r.dir)
                    .display()
                    .to_string(),
                r.info.datasets_text(),
                format!("{arch} {}", arch.hidden.name()),
                r.status_text(),
                r.epochs.to_string(),
                r.best.as_ref().map_or_else(|| "-".into(), best_text),
                age_text(now - r.info.started),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let cells = std::iter::once(header.map(String::from)).chain(rows);
    for row in cells {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            // Numbers to the right, words to the left.
            if i == 4 {
                let _ = write!(line, "{cell:>width$}  ");
            } else {
                let _ = write!(line, "{cell:<width$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `98.0% test (epoch 412)`, or for regression `loss 0.0123 test (epoch 412)`.
fn best_text(score: &Score) -> String {
    let figure = match score.accuracy {
        Some(a) => format!("{:.1}%", a * 100.0),
        None => format!("loss {:.4}", score.loss),
    };
    format!("{figure} {} (epoch {})", score.part.name(), score.epoch)
}

/// A duration in its largest whole unit: `42 s`, `5 min`, `3 h`, `2 d`.
fn age_text(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86_400),
    }
}

fn run_json(r: &RunSummary, now: f64) -> Value {
    let arch = &r.info.config.architecture;
    json!({
        "dir": r.dir.display().to_string(),
        "dataset": r.info.dataset,
        "earlier_datasets": r.info.earlier_datasets,
        "layers": arch.sizes,
        "activation": arch.hidden.name(),
        "status": r.status.name(),
        "state": r.status_text(),
        "epochs": r.epochs,
        "best": r.best.as_ref().map(|b| json!({
            "part": b.part.name(),
            "epoch": b.epoch,
            "accuracy": b.accuracy,
            "loss": b.loss,
        })),
        "started": r.info.started,
        "age_seconds": now - r.info.started,
        "seconds": r.seconds,
        "warnings": r.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_in_their_largest_unit() {
        assert_eq!(age_text(-3.0), "0 s");
        assert_eq!(age_text(59.9), "59 s");
        assert_eq!(age_text(60.0), "1 min");
        assert_eq!(age_text(3599.0), "59 min");
        assert_eq!(age_text(7200.0), "2 h");
        assert_eq!(age_text(86_400.0 * 3.5), "3 d");
    }
}
