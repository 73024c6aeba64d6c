//! `nn-tui watch SWEEPDIR` through the real binary in tmux at 80x24: a short
//! sweep's trials ranked as the sweep ranks them, a sort key, a trial opened in
//! the run's own view and left again, and nothing printed behind the screen.

use std::time::Duration;

use serde_json::Value;

use crate::common::*;
use crate::tmux::{Tmux, skip_without_tmux};

const WAIT: Duration = Duration::from_secs(30);

/// The table's rows on `screen`: (rank, trial), in the order shown. A row reads
/// `[mark] rank trial status ...`; its rank is `-` before it has a score.
fn rows(screen: &str) -> Vec<(String, usize)> {
    screen
        .lines()
        .skip(2)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let words: Vec<&str> = l
                .split_whitespace()
                .filter(|w| !w.chars().all(|c| matches!(c, '*' | '─' | '-')) || *w == "-")
                .collect();
            Some((words.first()?.to_string(), words.get(1)?.parse().ok()?))
        })
        .collect()
}

#[test]
fn a_sweep_watched_at_80x24_ranks_sorts_and_opens_its_trials() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    // Six xor trials of 20 epochs: a fraction of a second.
    let report: Value = run_json(
        d,
        &[
            "sweep",
            "--data",
            "xor",
            "--epochs",
            "20",
            "--grid",
            "lr=0.003,0.03,0.3",
            "--grid",
            "hidden=2,8",
            "--dir",
            "s",
            "--json",
        ],
    );
    let ranked: Vec<usize> = report["ranked_trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["trial"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(ranked.len(), 6, "{report}");

    let tmux = Tmux::start("sweep-view", 80, 24, d);
    // Every byte the views send to the terminal, to count screen switches.
    let sent = d.join("terminal-bytes");
    let record = format!("cat >> '{}'", sent.display());
    assert!(
        tmux.run(&["pipe-pane", "-o", "-t", "e2e", &record])
            .status
            .success()
    );
    tmux.send(&[&format!("{BIN} watch s"), "Enter"]);
    let screen = tmux.wait_for("the ranked table", WAIT, |s| {
        s.contains("SWEEP") && s.contains("6 done") && rows(s).len() == 6
    });
    // Ranked as the sweep's own standings, rank 1 first; the axes in columns.
    let shown = rows(&screen);
    let expected: Vec<(String, usize)> = ranked
        .iter()
        .enumerate()
        .map(|(i, &t)| ((i + 1).to_string(), t))
        .collect();
    assert_eq!(shown, expected, "{screen}");
    let header = screen.lines().nth(1).unwrap();
    for column in [
        "#", "TRIAL", "STATUS", "VAL ACC", "EPOCHS", "TIME", "lr", "hidden",
    ] {
        assert!(header.contains(column), "{column} in {header}");
    }
    assert!(screen.contains("finished"), "{screen}");
    assert!(screen.contains("validation curves: the top 5"), "{screen}");
    assert!(screen.contains("Enter open"), "the keys' hint: {screen}");

    // `s`: sorted by the trial's number.
    tmux.send(&["s"]);
    let screen = tmux.wait_for("the table by trial", WAIT, |s| {
        s.contains("sorted by trial")
            && rows(s).iter().map(|r| r.1).collect::<Vec<_>>() == [0, 1, 2, 3, 4, 5]
    });
    assert!(
        screen.lines().nth(1).unwrap().contains("TRIAL↓"),
        "{screen}"
    );

    // Two rows down, Enter: trial 2 (lr 0.03, hidden 2) in the run's own view.
    tmux.send(&["j"]);
    tmux.send(&["j"]);
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("trial 2 in the watch view", WAIT, |s| {
        s.contains("WATCH") && s.contains("FINISHED") && s.contains("epoch 20")
    });
    assert!(
        screen.contains("lr 0.03 ") && screen.contains("2-2-2"),
        "trial 2 is lr=0.03 hidden=2: {screen}"
    );
    // q leaves the run's view for the table, as it was left.
    tmux.send(&["q"]);
    let screen = tmux.wait_for("the table again", WAIT, |s| {
        s.contains("SWEEP") && rows(s).len() == 6
    });
    assert!(
        screen.lines().nth(1).unwrap().contains("TRIAL↓"),
        "{screen}"
    );
    // `?` lists the keys.
    tmux.send(&["?"]);
    tmux.wait_for("the help", WAIT, |s| {
        s.contains("sweep keys") && s.contains("sort by the next / previous column")
    });
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    tmux.wait_for("the shell again", WAIT, |s| {
        !s.contains("SWEEP") && s.trim_end().ends_with('$')
    });
    // Nothing was printed behind the screen: the command (however long the
    // binary's path, one line when joined), then the prompt.
    let screen = tmux.joined_screen();
    let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 2, "{screen}");
    assert!(lines[0].ends_with("watch s"), "{screen}");
    // The trial's view borrowed the sweep view's terminal: the alternate screen was
    // entered once and left once, so the shell never showed in between.
    let bytes = std::fs::read(&sent).unwrap();
    let count = |what: &[u8]| bytes.windows(what.len()).filter(|w| *w == what).count();
    assert_eq!(count(b"\x1b[?1049h"), 1, "alternate screen entered");
    assert_eq!(count(b"\x1b[?1049l"), 1, "alternate screen left");
}
