//! Drawing a data set in the dashboard (issue 23) through the real binary in tmux at
//! 80x24: points of two classes drawn with the keys, trained on live, saved as CSV that
//! the run's state line loads back; quitting with unsaved points asks first; a dropped
//! terminal writes them beside the recovery model.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;
use crate::tmux::{Tmux, printed_state_line, skip_without_tmux, value};

/// Keys that draw ten points of class 1 in a column left of the centre and ten of
/// class 2 in a column right of it.
fn draw_two_columns(tmux: &Tmux) {
    tmux.send(&["D"]);
    tmux.send(&["Left"; 8]);
    for _ in 0..10 {
        tmux.send(&["1", "Up"]);
    }
    tmux.send(&["Right"; 16]);
    for _ in 0..10 {
        tmux.send(&["2", "Down"]);
    }
}

#[test]
fn draw_twenty_points_train_save_and_load_them_back() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    let tmux = Tmux::start("draw", 80, 24, dir.path());
    tmux.send(&[
        &format!("{BIN} --data xor --no-run-dir; echo EXIT=$?"),
        "Enter",
    ]);
    let long = Duration::from_secs(20);
    tmux.wait_for("the dashboard", long, |s| s.contains("RUNNING"));
    // Outside drawing mode, w writes the data on screen with its split column.
    tmux.send(&["w"]);
    tmux.wait_for("the data written", long, |s| {
        s.contains("wrote 500 rows to xor-data.csv")
    });
    let written = std::fs::read_to_string(dir.path().join("xor-data.csv")).unwrap();
    assert!(written.starts_with("x1,x2,label,split\n"), "{written:.80}");
    draw_two_columns(&tmux);
    // Trained on what is drawn: the data is named after its file, and it learns it.
    tmux.wait_for("training on the drawing", long, |s| {
        s.contains("decision: drawn.csv")
            && value(s, "epoch").is_some_and(|e| e >= 30.0)
            && value(s, "acc").is_some_and(|a| a >= 100.0)
    });
    // One new run, at the 11th point (the second class); the nine after it joined
    // the running trainer, its weights kept.
    assert!(
        tmux.screen().contains("training on 11 drawn points"),
        "{}",
        tmux.screen()
    );
    // Unsaved points: the first q asks instead of quitting.
    tmux.send(&["q"]);
    let screen = tmux.wait_for("the question", long, |s| s.contains("not saved"));
    assert!(screen.contains("20 drawn points are not saved"), "{screen}");
    tmux.send(&["w"]);
    tmux.wait_for("saved", long, |s| s.contains("saved 20 drawn points"));
    tmux.send(&["q"]);
    let screen = tmux.wait_for("the state line", long, |s| s.contains("EXIT=0"));
    let joined = tmux.joined_screen();
    let line = printed_state_line(&joined).unwrap_or_else(|| panic!("{screen}"));
    assert!(line.contains(" data=drawn.csv "), "{line}");
    let csv = std::fs::read_to_string(dir.path().join("drawn.csv")).unwrap();
    let (header, rows) = csv_rows(&csv);
    assert_eq!(header, ["x1", "x2", "label"]);
    assert_eq!(rows.len(), 20);
    assert_eq!(rows.iter().filter(|r| r[2] == "0").count(), 10);
    // The state line's run, headless: the saved points, the same split, learnt.
    let report = run_json(
        dir.path(),
        &[
            "train",
            "--state",
            &line,
            "--epochs",
            "200",
            "--no-run-dir",
            "--json",
        ],
    );
    assert_eq!(report["train"]["samples"], 16, "{report}");
    assert_eq!(report["test"]["samples"], 4, "{report}");
    assert!(accuracy(&report, "train") >= 0.99, "{report}");
}

#[test]
fn a_dropped_terminal_writes_the_drawn_points_beside_the_recovery_model() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    let model = dir.path().join("m.safetensors");
    let tmux = Tmux::start("draw-hangup", 80, 24, dir.path());
    tmux.send(&[
        &format!(
            "exec {BIN} --data xor --no-run-dir --save {}",
            model.display()
        ),
        "Enter",
    ]);
    tmux.wait_for("the dashboard", Duration::from_secs(20), |s| {
        s.contains("RUNNING")
    });
    // A click puts a point of the last class (1) there, left of the centre.
    tmux.send(&["D"]);
    tmux.click(10, 12);
    tmux.send(&["Right", "Right", "Right", "2"]);
    tmux.wait_for("the points", Duration::from_secs(20), |s| {
        s.contains("training on 2 drawn points")
    });
    let pid = String::from_utf8_lossy(
        &tmux
            .run(&["list-panes", "-t", "e2e", "-F", "#{pane_pid}"])
            .stdout,
    )
    .trim()
    .to_string();
    drop(tmux); // kill-server: the terminal hangs up
    let started = Instant::now();
    while Path::new(&format!("/proc/{pid}/exe")).exists() {
        assert!(started.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(50));
    }
    let rescued = PathBuf::from(dir.path()).join("m.recovery.csv");
    let csv = std::fs::read_to_string(&rescued).expect("the drawn points beside the model");
    let (header, rows) = csv_rows(&csv);
    assert_eq!(header, ["x1", "x2", "label"]);
    assert_eq!(rows.len(), 2);
    let clicked = &rows[0];
    assert_eq!(clicked[2], "0", "{rows:?}");
    assert!(clicked[0].parse::<f32>().unwrap() < -1.0, "{rows:?}");
}
