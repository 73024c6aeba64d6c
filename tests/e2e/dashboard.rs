//! The dashboard through the real binary in tmux: the loss falls, pause, one
//! step, the rate, help, quit restores the shell; a dropped terminal saves the
//! model; without a terminal it points to `nn-tui train`; flat out its memory
//! stays flat, and paused it uses next to no CPU.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;
use crate::tmux::{Tmux, cpu_ticks, rss_kb, skip_without_tmux, value};

#[test]
fn dashboard_in_tmux() {
    if skip_without_tmux() {
        return;
    }
    let bin = PathBuf::from(BIN);
    let dir = std::env::temp_dir().join(format!("nn-dash-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tmux = Tmux::start("keys", 100, 30, &dir);
    tmux.send(&[&format!("{}; echo EXIT=$?", bin.display()), "Enter"]);
    let long = Duration::from_secs(15);

    // The dashboard: status line with epoch and state, and a loss that falls.
    let first = tmux.wait_for("the first loss", long, |s| {
        s.contains("RUNNING") && s.contains("epoch") && value(s, "loss").is_some()
    });
    let first_loss = value(&first, "loss").unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let second = tmux.screen();
    let second_loss = value(&second, "loss").expect("a loss on the second screen");
    assert!(
        second_loss < first_loss,
        "loss {first_loss} -> {second_loss}\n{second}"
    );
    assert!(second.contains("decision: spiral") && second.contains("network"));

    // Space pauses.
    tmux.send(&["Space"]);
    tmux.wait_for("PAUSED", long, |s| s.contains("PAUSED"));

    // n: exactly one step, the first one after the pause too (the pause reports
    // its exact count at once: progress is throttled while running), and the loss
    // shown is then that one batch's, said so.
    let settled = |tmux: &Tmux| {
        let mut steps = value(&tmux.screen(), "step").unwrap();
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let now = value(&tmux.screen(), "step").unwrap();
            if now == steps {
                return steps;
            }
            steps = now;
        }
    };
    for _ in 0..2 {
        let steps = settled(&tmux);
        tmux.send(&["n"]);
        let screen = tmux.wait_for("one step", long, |s| value(s, "step") != Some(steps));
        assert_eq!(value(&screen, "step"), Some(steps + 1.0), "{screen}");
        assert!(
            screen.contains("PAUSED") && screen.contains("batch loss"),
            "{screen}"
        );
    }
    let screen = tmux.screen();

    // +: the learning rate changes in the status line.
    let rate = value(&screen, "lr").unwrap();
    tmux.send(&["+"]);
    let screen = tmux.wait_for("a new rate", long, |s| {
        value(s, "lr").is_some_and(|r| r != rate)
    });
    assert!(value(&screen, "lr").unwrap() > rate);

    // ? opens and closes the help.
    tmux.send(&["?"]);
    tmux.wait_for("the help", long, |s| {
        s.contains("pause / resume") && s.contains("quit")
    });
    tmux.send(&["?"]);
    tmux.wait_for("the help to close", long, |s| !s.contains("pause / resume"));

    // d: other data in the same run directory, which keeps its name and records both.
    tmux.send(&["d"]);
    tmux.wait_for("other data", long, |s| {
        s.contains("decision: ") && !s.contains("decision: spiral")
    });

    // q: the process ends and the shell is back (the alternate screen is gone); it
    // says where the run is, and the run is listed as stopped by the user.
    tmux.send(&["q"]);
    let screen = tmux.wait_for("the shell", long, |s| s.contains("EXIT=0"));
    assert!(
        !screen.contains("PAUSED") && !screen.contains("decision: spiral"),
        "{screen}"
    );
    assert!(screen.contains("the run is recorded in runs"), "{screen}");
    let runs = run_json(&dir, &["runs", "--json", "runs"]);
    assert_eq!(runs[0]["status"], "stopped", "{runs}");
    assert_eq!(
        runs[0]["earlier_datasets"],
        serde_json::json!(["spiral"]),
        "{runs}"
    );
    assert!(
        runs[0]["dir"].as_str().unwrap().contains("spiral-"),
        "the folder keeps its name: {runs}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two invariants ARCHITECTURE.md promises, through the real binary: flat out
/// (`--speed max`, thousands of epochs a second, the most events and snapshots),
/// the dashboard's resident memory stays flat once its bounded buffers have filled
/// (measured: within 0.1 MB from 5 s to 14 s); paused, it uses next to no CPU
/// (measured: no clock tick in 5 s; it wakes four times a second).
#[test]
fn flat_out_memory_stays_flat_and_paused_it_idles() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    let tmux = Tmux::start("idle", 100, 30, dir.path());
    tmux.send(&[&format!("exec {BIN} --speed max"), "Enter"]);
    let long = Duration::from_secs(20);
    tmux.wait_for("the first epochs", long, |s| {
        s.contains("RUNNING") && value(s, "epoch").is_some_and(|e| e > 100.0)
    });
    let pid = tmux.pane_pid();

    // The curves, the log and the history fill their bounds in the first seconds.
    std::thread::sleep(Duration::from_secs(4));
    let epochs = |tmux: &Tmux| value(&tmux.screen(), "epoch").unwrap_or(0.0);
    let (warm, warm_epoch) = (rss_kb(pid), epochs(&tmux));
    let mut most = warm;
    for _ in 0..12 {
        std::thread::sleep(Duration::from_millis(500));
        most = most.max(rss_kb(pid));
    }
    let trained = epochs(&tmux) - warm_epoch;
    assert!(trained > 2000.0, "too few epochs to judge: {trained}");
    // Over 2,000 epochs or more, a leak of 1 KB an epoch grows past this.
    let allowed_kb = 2048;
    assert!(
        most <= warm + allowed_kb,
        "resident memory grew from {warm} KB to {most} KB over {trained} epochs"
    );

    tmux.send(&["Space"]);
    tmux.wait_for("PAUSED", long, |s| s.contains("PAUSED"));
    std::thread::sleep(Duration::from_millis(500));
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(3));
    let used = cpu_ticks(pid) - before;
    // 10 ticks (100 ms on Linux) in 3 s is 3% of a core; measured: none.
    assert!(
        used < 10,
        "a paused dashboard used {used} ticks of CPU in 3 s"
    );
    tmux.send(&["q"]);
}

/// Through a pipe, `nn-tui` and `nn-tui dash` fail at once with one line pointing to `train`,
/// and `nn-tui watch` with one pointing to `runs --json`.
#[test]
fn dashboard_without_a_terminal_points_to_train() {
    let dir = tempdir();
    for args in [&["dash"][..], &[][..]] {
        let started = Instant::now();
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(1));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("needs a terminal"), "{stderr}");
        assert!(stderr.contains("nn-tui train"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    // `watch` points to what works without a terminal.
    let out = run(dir.path(), &["watch", "runs/any"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: watch needs a terminal"),
        "{stderr}"
    );
    assert!(stderr.contains("nn-tui runs --json"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1);
}

/// An SSH connection that drops (here: the tmux server dies under the dashboard)
/// hangs up the terminal: the dashboard must save the model and exit, not spin.
#[test]
fn a_dropped_terminal_saves_the_model_and_exits() {
    if skip_without_tmux() {
        return;
    }
    let bin = PathBuf::from(BIN);
    let dir = std::env::temp_dir().join(format!("nn-dash-hangup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("m.safetensors");
    let recovery = dir.join("m.recovery.safetensors");
    let _ = std::fs::remove_file(&recovery);
    let tmux = Tmux::start("hangup", 100, 30, &dir);
    // `exec`: the pane's process is the dashboard itself.
    tmux.send(&[
        &format!("exec {} --save {}", bin.display(), model.display()),
        "Enter",
    ]);
    tmux.wait_for("the dashboard", Duration::from_secs(15), |s| {
        s.contains("RUNNING")
    });
    let pid = String::from_utf8_lossy(
        &tmux
            .run(&["list-panes", "-t", "e2e", "-F", "#{pane_pid}"])
            .stdout,
    )
    .trim()
    .to_string();
    assert!(
        Path::new(&format!("/proc/{pid}")).exists(),
        "pane pid {pid:?}"
    );
    drop(tmux); // kill-server: the terminal hangs up
    let started = Instant::now();
    while Path::new(&format!("/proc/{pid}/exe")).exists() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the dashboard (pid {pid}) still runs after the hang-up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        recovery.exists(),
        "no recovery model at {}",
        recovery.display()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Over a slow link (16 KB/s, a poor SSH connection) the dashboard sends no
/// more than the link carries, so a key is answered on screen at once instead
/// of after the frames queued before it. The link is this test's own binary,
/// run as a rate limiter between `script` (the dashboard's terminal) and tmux.
#[test]
fn a_key_is_answered_through_a_slow_link() {
    const RATE: u64 = 16_000;
    if std::env::var_os("NN_E2E_LINK").is_some() {
        pass_on_slowly(RATE);
        return;
    }
    if skip_without_tmux() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("nn-dash-e2e-link-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tmux = Tmux::start("link", 80, 24, &dir);
    let link = format!(
        "NN_E2E_LINK=1 {} --exact dashboard::a_key_is_answered_through_a_slow_link \
         --test-threads 1 >/dev/null 2>&1",
        std::env::current_exe().unwrap().display()
    );
    tmux.send(&[
        &format!(
            "COLORTERM=truecolor script -q -c '{BIN} --no-run-dir' /dev/null | {link}; echo EXIT=$?"
        ),
        "Enter",
    ]);
    tmux.wait_for("the dashboard", Duration::from_secs(30), |s| {
        s.contains("RUNNING") && s.contains("decision: spiral")
    });
    // The boundary forming: the most the dashboard has to say.
    std::thread::sleep(Duration::from_secs(3));
    let sent = Instant::now();
    tmux.send(&["Space"]);
    let screen = tmux.wait_for("PAUSED", Duration::from_secs(30), |s| s.contains("PAUSED"));
    let answered = sent.elapsed();
    assert!(
        answered < Duration::from_secs(2),
        "space answered after {answered:?} through a 16 KB/s link\n{screen}"
    );
    tmux.send(&["q"]);
    tmux.wait_for("the shell", Duration::from_secs(30), |s| {
        s.contains("EXIT=")
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// Copies stdin to the terminal (`/dev/tty`) at `rate` bytes a second, holding
/// back the rest as a slow link does (the pipe behind it fills and blocks the writer).
fn pass_on_slowly(rate: u64) {
    use std::io::{Read, Write};
    let mut tty = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .expect("the pane's terminal");
    let mut input = std::io::stdin().lock();
    // Twenty slices a second.
    let mut slice = vec![0; usize::try_from(rate / 20).unwrap()];
    let started = Instant::now();
    let mut passed: u64 = 0;
    loop {
        let n = match input.read(&mut slice) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if tty.write_all(&slice[..n]).is_err() {
            return;
        }
        let _ = tty.flush();
        passed += n as u64;
        // Not ahead of the link: `passed` bytes take passed / rate seconds.
        let due = Duration::from_secs_f64(passed as f64 / rate as f64);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
    }
}

#[test]
fn capital_s_saves_the_screen_boundary_and_network_into_the_run_directory() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    // Wide enough for the whole log line.
    let tmux = Tmux::start("save-pictures", 160, 30, dir.path());
    tmux.send(&[
        &format!("{BIN} --data gauss --run-dir run; echo EXIT=$?"),
        "Enter",
    ]);
    let long = Duration::from_secs(20);
    tmux.wait_for("the dashboard", long, |s| s.contains("RUNNING"));
    tmux.send(&["S"]);
    let run = std::fs::canonicalize(dir.path().join("run")).unwrap();
    let line = format!(
        "saved screen-001.svg boundary-001.png network-001.png in {}",
        run.display()
    );
    tmux.wait_for("the log line", long, |s| s.contains(&line));
    let svg = std::fs::read_to_string(run.join("screen-001.svg")).unwrap();
    assert!(svg.starts_with("<svg"), "{svg:.80}");
    // The screen as it was: the run state in bold in the top row, a cell (9 px) a letter.
    assert!(
        svg.contains(r#"x="9 18 27 36 45 54 63" y="14""#)
            && svg.contains(r#"bold">RUNNING</text>"#),
        "{svg:.400}"
    );
    for png in ["boundary-001.png", "network-001.png"] {
        let bytes = std::fs::read(run.join(png)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{png}");
        assert!(bytes.len() > 10_000, "{png}: {} bytes", bytes.len());
    }
    // No temporary files left beside them.
    let names: Vec<String> = std::fs::read_dir(&run)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("-001"))
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    tmux.send(&["q"]);
    tmux.wait_for("the exit", long, |s| s.contains("EXIT=0"));
}
