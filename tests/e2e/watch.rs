//! `nn-tui watch` through the real binary in tmux: following a live MNIST run
//! and dying without touching it, a torn log after a crash, runs side by side
//! at 80x24, and the dashboard's own run directory followed from another terminal.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use crate::tmux::{Tmux, skip_without_tmux, value};

const LONG: Duration = Duration::from_secs(60);

/// `nn-tui train` on MNIST, recording in `d/run_dir` (or nowhere) and saving to `d/save`.
fn train_mnist(d: &Path, run_dir: Option<&str>, save: &str) -> Child {
    let mut args = vec![
        "train", "--data", "mnist", "--epochs", "6", "--batch", "256", "--save", save,
    ];
    match run_dir {
        Some(dir) => args.extend(["--run-dir", dir]),
        None => args.push("--no-run-dir"),
    }
    Command::new(BIN)
        .args(args)
        .current_dir(d)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts")
}

/// Waits for `child` to exit; its exit code.
fn finish(mut child: Child) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still training after 300 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `command` in the tmux pane in place of its shell (so the pane's process is it).
fn exec_in(tmux: &Tmux, command: &str) -> String {
    tmux.send(&[&format!("exec {command}"), "Enter"]);
    let out = tmux.run(&["list-panes", "-t", "e2e", "-F", "#{pane_pid}"]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The test: a watcher in tmux sees the epochs of a background MNIST run
/// rise, is killed with SIGKILL, and the run finishes as if it had never been
/// watched: the same model, byte for byte, as a run nobody watched.
#[test]
fn a_killed_watcher_costs_the_trainer_nothing() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let trainer = train_mnist(d, Some("live"), "watched.safetensors");
    let deadline = Instant::now() + LONG;
    while !d.join("live/run.json").is_file() {
        assert!(Instant::now() < deadline, "no run.json within 60 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    let tmux = Tmux::start("watch-mnist", 100, 30, d);
    let watcher = exec_in(&tmux, &format!("{BIN} watch live"));
    let epoch = |s: &str| value(s, "epoch").map(|e| e as usize);
    let first = tmux.wait_for("the watcher", LONG, |s| {
        s.contains("WATCH") && epoch(s).is_some()
    });
    let seen = epoch(&first).unwrap();
    // Everything the test reads is in the condition, so a screen caught mid-draw
    // is read again rather than judged.
    tmux.wait_for(
        "a rising epoch, the network and the confusion matrix for images",
        LONG,
        |s| {
            epoch(s).is_some_and(|e| e > seen)
                && s.contains("mnist 784-100-10")
                && s.contains("confusion")
        },
    );
    let killed = Command::new("kill")
        .args(["-KILL", &watcher])
        .status()
        .unwrap();
    assert!(killed.success());

    assert_eq!(finish(trainer), Some(0));
    let unwatched = train_mnist(d, None, "unwatched.safetensors");
    assert_eq!(finish(unwatched), Some(0));
    let watched = std::fs::read(d.join("watched.safetensors")).unwrap();
    assert!(watched == std::fs::read(d.join("unwatched.safetensors")).unwrap());
    assert!(watched == std::fs::read(d.join("live/model.safetensors")).unwrap());
    let runs = run_json(d, &["runs", "--json", "."]);
    assert_eq!(runs[0]["status"], "finished", "{runs}");
    assert_eq!(runs[0]["epochs"], 6, "{runs}");
}

/// After a crash the log's last line may be cut in half: `watch` shows the run
/// as far as it was written and warns about the one torn record.
#[test]
fn watch_shows_a_torn_log_and_warns_once() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let out = run(
        d,
        &[
            "train",
            "--data",
            "spiral",
            "--epochs",
            "40",
            "--run-dir",
            "crashed",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = d.join("crashed/events.jsonl");
    let bytes = std::fs::read(&log).unwrap();
    // Cut the last line (the end record) in the middle, as a crash would.
    std::fs::write(&log, &bytes[..bytes.len() - 20]).unwrap();

    let tmux = Tmux::start("watch-torn", 80, 24, d);
    tmux.send(&[&format!("{BIN} watch crashed"), "Enter"]);
    // Both, so the screen is read once the warning is drawn too.
    let screen = tmux.wait_for("the torn run and its warning", LONG, |s| {
        s.contains("STOPPED WRITING") && s.contains("skipped a torn record")
    });
    assert_eq!(value(&screen, "epoch"), Some(40.0), "{screen}");
    let warnings = screen.matches("skipped a torn record").count();
    assert_eq!(warnings, 1, "{screen}");
    assert!(
        screen.contains("events.jsonl: skipped a torn record at line"),
        "{screen}"
    );
    tmux.send(&["q"]);
}

/// Two runs that differ in their rate, side by side at 80x24: a legend naming
/// the rates, the curves, and a table of both.
#[test]
fn two_runs_side_by_side_at_80x24() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    for (lr, run_dir) in [("0.03", "slow"), ("0.3", "fast")] {
        let out = run(
            d,
            &[
                "train",
                "--data",
                "spiral",
                "--optimizer",
                "sgd",
                "--lr",
                lr,
                "--epochs",
                "200",
                "--run-dir",
                run_dir,
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let tmux = Tmux::start("watch-compare", 80, 24, d);
    tmux.send(&[&format!("{BIN} watch slow fast"), "Enter"]);
    // The legend and both table rows, so the screen is read once it is all drawn.
    let screen = tmux.wait_for("the comparison", LONG, |s| {
        s.contains("COMPARE") && s.matches("── lr=").count() >= 3
    });
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[1].starts_with("── lr=0.03   ── lr=0.3"), "{screen}");
    assert!(
        lines[2].starts_with("loss ") && lines[2].contains("accuracy "),
        "{screen}"
    );
    let rows: Vec<&&str> = lines.iter().filter(|l| l.starts_with("── lr=")).collect();
    assert_eq!(rows.len(), 3, "the legend and two rows: {screen}");
    assert!(
        rows[1].contains("finished") && rows[1].contains(" test @"),
        "{screen}"
    );
    assert!(rows[1].contains(" 200 "), "{screen}");
    tmux.send(&["q"]);
    tmux.wait_for("the shell again", LONG, |s| !s.contains("COMPARE"));
}

/// The dashboard records its run; another terminal follows it, sees a key
/// pressed in the dashboard (the rate), and sees the dashboard leave.
#[test]
fn the_dashboard_is_followed_from_another_terminal() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let dashboard = Tmux::start("watched-dash", 100, 30, d);
    dashboard.send(&[&format!("{BIN} --run-dir dash"), "Enter"]);
    dashboard.wait_for("the dashboard", LONG, |s| s.contains("RUNNING"));
    let watcher = Tmux::start("dash-watcher", 100, 30, d);
    watcher.send(&[&format!("{BIN} watch dash"), "Enter"]);
    let epoch = |s: &str| value(s, "epoch");
    let first = watcher.wait_for("the watcher", LONG, |s| {
        s.contains("WATCH") && s.contains("RUNNING") && s.contains("lr 0.03")
    });
    let seen = epoch(&first).unwrap();
    watcher.wait_for("a rising epoch", LONG, |s| {
        epoch(s).is_some_and(|e| e > seen)
    });
    dashboard.send(&["+"]);
    watcher.wait_for("the new rate", LONG, |s| s.contains("lr 0.1"));
    // Keys that would change the run do nothing here but say so.
    watcher.send(&["Space"]);
    watcher.wait_for("read-only", LONG, |s| {
        s.contains("read-only: another process trains")
    });
    dashboard.send(&["q"]);
    watcher.wait_for("the end, said in the log line", LONG, |s| {
        s.contains("STOPPED") && s.contains("the writer's user stopped the run")
    });
    watcher.send(&["q"]);
    let runs = run_json(d, &["runs", "--json", "."]);
    assert_eq!(runs[0]["status"], "stopped", "{runs}");
    assert!(PathBuf::from(d).join("dash/model.safetensors").is_file());
}
