//! What `nn-tui sweep` prints: a line per finished job on stderr, then the
//! standings, the marginals and the winner as a text table or one JSON object.

use std::fmt::Write as _;

use nn_sweep::{JobResult, Standings, Sweep};
use serde_json::{Value, json};

use crate::sweep::Winner;

/// A score as the tables show it: a percentage, or the loss.
pub(crate) fn score_text(metric: &str, score: Option<f64>) -> String {
    match (metric, score) {
        (_, None) => "-".into(),
        ("accuracy", Some(s)) => format!("{:.2}%", s * 100.0),
        (_, Some(s)) => format!("{:.4}", -s),
    }
}

pub(crate) fn sd_text(metric: &str, sd: Option<f64>) -> String {
    match (metric, sd) {
        (_, None) => String::new(),
        ("accuracy", Some(s)) => format!(" ± {:.2}%", s * 100.0),
        (_, Some(s)) => format!(" ± {s:.4}"),
    }
}

pub(crate) fn progress_line(r: &JobResult, done: usize, jobs: usize) -> String {
    let axes: Vec<String> = r.axes.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let best = match &r.best {
        Some(b) => match b.accuracy {
            Some(a) => format!("val accuracy {:.2}% at epoch {}", a * 100.0, b.epoch),
            None => format!("val loss {:.4} at epoch {}", b.loss, b.epoch),
        },
        None => "no finite validation score (diverged)".into(),
    };
    let fold = r
        .fold
        .map_or_else(String::new, |f| format!(" fold {}", f + 1));
    let rung = if r.rung > 0 || r.status == nn_sweep::JobStatus::Rung {
        format!(" rung {}", r.rung + 1)
    } else {
        String::new()
    };
    format!(
        "[{done}/{jobs}] trial {}{fold}{rung} {}: {best}, {} epochs in {:.2} s",
        r.trial,
        axes.join(" "),
        r.epochs,
        r.seconds
    )
}

/// How the jobs shared the cores: threads per trial and trials at once.
pub(crate) fn threads_text(threads: &[usize], cores: usize) -> String {
    let mut counts: Vec<usize> = threads.to_vec();
    counts.sort_unstable();
    counts.dedup();
    let parts: Vec<String> = counts
        .iter()
        .map(|&t| {
            format!(
                "{t} thread{} per trial ({} at once)",
                if t == 1 { "" } else { "s" },
                (cores / t).max(1)
            )
        })
        .collect();
    if parts.is_empty() {
        "no jobs run".into()
    } else {
        parts.join(", ")
    }
}

/// Columns as wide as their widest cell.
pub(crate) fn table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut s = String::new();
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(s, "{}", cells.join("  ").trim_end());
    }
    s
}

/// Configurations shown in the text report.
pub(crate) const SHOWN: usize = 10;

pub(crate) fn text_report(
    sweep: &Sweep,
    standings: &Standings,
    keys: &[String],
    winner: Option<&Winner>,
) -> String {
    let metric = standings.metric;
    let seeds = sweep.spec().seeds;
    let config_keys: Vec<&String> = keys.iter().filter(|k| seeds == 1 || *k != "seed").collect();
    let mut header: Vec<String> = vec!["rank".into()];
    header.extend(config_keys.iter().map(|k| (*k).clone()));
    header.push(format!(
        "val {metric}{}",
        if seeds > 1 {
            " (mean ± sd over seeds)"
        } else {
            ""
        }
    ));
    let halving = sweep.spec().halving.is_some();
    if halving {
        header.push("rung".into());
    }
    let rows: Vec<Vec<String>> = standings
        .configs
        .iter()
        .take(SHOWN)
        .enumerate()
        .map(|(i, c)| {
            let mut row = vec![(i + 1).to_string()];
            row.extend(
                config_keys
                    .iter()
                    .map(|k| c.axes.get(*k).cloned().unwrap_or_default()),
            );
            row.push(format!(
                "{}{}",
                score_text(metric, c.mean),
                if seeds > 1 {
                    sd_text(metric, c.sd)
                } else {
                    String::new()
                }
            ));
            if halving {
                row.push((c.rung + 1).to_string());
            }
            row
        })
        .collect();
    let mut s = String::new();
    s.push_str(&table(&header, &rows));
    if standings.configs.len() > SHOWN {
        let _ = writeln!(
            s,
            "... {} configurations more in {}",
            standings.configs.len() - SHOWN,
            sweep.dir().join("results.csv").display()
        );
    }
    if !standings.marginals.is_empty() {
        let _ = writeln!(s, "\nmean best val {metric} per value of each axis:");
        let width = standings
            .marginals
            .iter()
            .map(|m| m.key.len())
            .max()
            .unwrap_or(0);
        for m in &standings.marginals {
            let cells: Vec<String> = m
                .values
                .iter()
                .map(|(v, mean, _)| format!("{v}: {}", score_text(metric, *mean)))
                .collect();
            let _ = writeln!(s, "  {:<width$}  {}", m.key, cells.join("   "));
        }
    }
    if let Some(w) = winner {
        let axes: Vec<String> = w
            .score
            .axes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(
            s,
            "\nwinner: trial {} ({}): val {metric} {} at epoch {}",
            w.trial,
            axes.join(" "),
            score_text(metric, w.score.score),
            w.score
                .best_epoch
                .map_or_else(|| "-".into(), |e| e.to_string()),
        );
        match &w.test {
            Some(m) => {
                let figure = m.accuracy().map_or_else(
                    || format!("loss {:.4}", m.loss),
                    |a| format!("accuracy {:.2}%, loss {:.4}", a * 100.0, m.loss),
                );
                let _ = writeln!(
                    s,
                    "test {figure} ({} samples; the test set used once, on the winner's model {})",
                    m.samples,
                    w.model.display()
                );
            }
            None => {
                let _ = writeln!(s, "no test split (test=0): the winner is not tested");
            }
        }
        let _ = writeln!(s, "state line: {}", w.line);
        let _ = writeln!(s, "train it:   {}", w.command);
    }
    let _ = writeln!(
        s,
        "results:    {}, {}",
        sweep.dir().join(nn_sweep::RESULTS_FILE).display(),
        sweep.dir().join("results.csv").display()
    );
    s
}

pub(crate) fn json_report(
    sweep: &Sweep,
    standings: &Standings,
    winner: Option<&Winner>,
    finished: &nn_sweep::Finished,
    cores: usize,
) -> Value {
    let winner = winner.map(|w| {
        json!({
            "trial": w.trial,
            "axes": w.score.axes,
            "line": w.line,
            "validation": {"score": w.score.score, "accuracy": w.score.accuracy, "loss": w.score.loss, "epoch": w.score.best_epoch},
            "test": w.test.as_ref().map(|m| json!({"accuracy": m.accuracy(), "loss": m.loss, "samples": m.samples})),
            "model": w.model.display().to_string(),
            "command": w.command,
        })
    });
    json!({
        "dir": sweep.dir().display().to_string(),
        "trials": sweep.trials().len(),
        "epochs": sweep.spec().epochs,
        "cores": cores,
        "jobs_run": finished.ran,
        "jobs_kept": finished.kept,
        "seconds": finished.seconds,
        "metric": standings.metric,
        "configs": standings.configs,
        "ranked_trials": standings.trials,
        "marginals": standings.marginals,
        "winner": winner,
    })
}
