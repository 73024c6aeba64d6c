//! The Playground's controls through the real binary in tmux: features toggled
//! by key and by click, regression, the data controls, the pace, selection, and
//! a state line saved, reloaded and compared epoch by epoch with headless runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::*;
use crate::tmux::{Tmux, find, printed_state_line, skip_without_tmux, value};

const LONG: Duration = Duration::from_secs(20);

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nn-dash-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Epoch `epoch`'s test loss as the status line shows it, read twice 300 ms
/// apart so that the epoch and its report belong together.
fn shown_test_loss(tmux: &Tmux, epoch: f64) -> f64 {
    loop {
        let screen = tmux.wait_for(&format!("epoch {epoch}"), LONG, |s| {
            value(s, "epoch") == Some(epoch) && value(s, "test").is_some()
        });
        std::thread::sleep(Duration::from_millis(300));
        let again = tmux.screen();
        if value(&again, "epoch") == Some(epoch) && value(&again, "test") == value(&screen, "test")
        {
            return value(&screen, "test").unwrap();
        }
    }
}

/// `train --state LINE --epochs 3 --metrics-out FILE`: the per-epoch rows.
fn headless_rows(dir: &Path, line: &str, out: &str) -> Vec<String> {
    let result = run(
        dir,
        &[
            "train",
            "--state",
            line,
            "--epochs",
            "3",
            "--metrics-out",
            out,
        ],
    );
    assert!(result.status.success(), "{}", text(&result.stderr));
    // Every column but the last (seconds of wall time).
    std::fs::read_to_string(dir.join(out))
        .unwrap()
        .lines()
        .skip(1)
        .map(|row| {
            row.rsplit_once(',')
                .map_or(row, |(head, _)| head)
                .to_string()
        })
        .collect()
}

/// At 80x24: x1² on the circle widens the input layer, p switches to
/// regression and back, the state line printed on quit recreates the run: the
/// reloaded dashboard prints the same line, and its first epochs' test losses
/// are the headless run's, which are exactly those of a run from the reprinted line.
#[test]
fn features_regression_and_a_state_line_at_80x24() {
    if skip_without_tmux() {
        return;
    }
    let dir = workdir("state");
    let tmux = Tmux::start("state", 80, 24, &dir);
    tmux.send(&[
        &format!("{BIN} --data circle --speed 5; echo EXIT=$?"),
        "Enter",
    ]);
    tmux.wait_for("the circle", LONG, |s| s.contains("network 2-8-8-2"));

    tmux.send(&["3"]);
    tmux.wait_for("x1² on", LONG, |s| {
        s.contains("network 3-8-8-2") && s.contains("circle 3-8-8-2")
    });
    tmux.send(&["p"]);
    // Both in the condition: the panel title is drawn after the status lines.
    tmux.wait_for("regression, and the output panel's title", LONG, |s| {
        s.contains("plane 3-8-8-1") && s.contains("output: plane")
    });
    tmux.wait_for("a regression's test figure", LONG, |s| s.contains(" r2 "));
    tmux.send(&["p"]);
    tmux.wait_for("back to the circle", LONG, |s| s.contains("circle 3-8-8-2"));
    tmux.send(&["B"]);
    tmux.wait_for("batch 11", LONG, |s| value(s, "batch") == Some(11.0));
    tmux.send(&["q"]);
    let screen = tmux.wait_for("the printed line", LONG, |s| s.contains("EXIT=0"));
    let first = printed_state_line(&tmux.joined_screen()).unwrap_or_else(|| panic!("{screen}"));
    for field in [
        "data=circle",
        "features=x1,x2,x1^2",
        "hidden=8,8",
        "batch=11",
        "speed=5",
    ] {
        assert!(first.contains(field), "{field} in {first}");
    }

    // Reloaded at one epoch a second: the same run, read off the status line.
    tmux.send(&["clear", "Enter"]);
    tmux.send(&[
        &format!("{BIN} --state '{first}' --speed 1; echo EXIT=$?"),
        "Enter",
    ]);
    tmux.wait_for("the reloaded run", LONG, |s| s.contains("network 3-8-8-2"));
    let shown = [shown_test_loss(&tmux, 1.0), shown_test_loss(&tmux, 2.0)];
    tmux.send(&["q"]);
    tmux.wait_for("the second line", LONG, |s| s.contains("EXIT=0"));
    let second = printed_state_line(&tmux.joined_screen()).unwrap();
    assert_eq!(second, first.replace("speed=5", "speed=1"));

    let from_first = headless_rows(&dir, &first, "first.csv");
    let from_second = headless_rows(&dir, &second, "second.csv");
    assert_eq!(from_first, from_second, "the same epochs, to the digit");
    for (epoch, shown) in shown.into_iter().enumerate() {
        // epoch,train_loss,train_acc,val_loss,val_acc,test_loss,...
        let headless: f64 = from_first[epoch]
            .split(',')
            .nth(5)
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (headless - shown).abs() <= 5e-5,
            "epoch {}: the dashboard showed {shown}, headless {headless}",
            epoch + 1
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Moves the mouse to the cell `locate` finds on the current screen until the
/// screen shows `what`. The cell is found afresh each time: on a loaded machine
/// the layout may still be settling (panels appear, the nodes grow into maps),
/// and a motion report can reach the dashboard before the frame that put the
/// node there.
fn hover_until(
    tmux: &Tmux,
    locate: impl Fn(&str) -> Option<(usize, usize)>,
    what: &str,
    check: impl Fn(&str) -> bool,
) {
    let started = std::time::Instant::now();
    loop {
        let screen = tmux.screen();
        if let Some((column, row)) = locate(&screen) {
            tmux.hover(column, row);
        }
        let tried = std::time::Instant::now();
        while tried.elapsed() < Duration::from_secs(2) {
            if check(&tmux.screen()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            started.elapsed() < LONG,
            "timed out waiting for {what}; screen:\n{}",
            tmux.screen()
        );
    }
}

/// The cell halfway between input x1's map and the first hidden node on its row.
fn x1s_first_connection(screen: &str) -> Option<(usize, usize)> {
    let (x, y) = find(screen, "x1 ▀")?;
    let row: Vec<char> = screen.lines().nth(y)?.chars().collect();
    let hidden = (x + 7..row.len()).find(|&c| row[c] == '▀')?;
    Some(((x + 7 + hidden) / 2, y))
}

/// At 160x48: a click on an input toggles it, Tab and the arrows select a neuron
/// and a connection, and every data and regularisation control shows its effect.
#[test]
fn mouse_and_controls_at_160x48() {
    if skip_without_tmux() {
        return;
    }
    let dir = workdir("controls");
    let tmux = Tmux::start("controls", 160, 48, &dir);
    tmux.send(&[&format!("{BIN} --data circle; echo EXIT=$?"), "Enter"]);
    // Positions are read from the final layout: the nodes become 4-wide maps once the
    // first picture of the plane exists, and the network panel shrinks once the curves
    // panel appears below it (before that, x2 sits 15 rows lower).
    tmux.wait_for("the maps", LONG, |s| {
        s.contains("network 2-8-8-2")
            && s.contains("x1 ▀▀▀▀")
            && s.contains("x2 ▀▀▀▀")
            && s.contains("╭ curves")
    });

    // The mouse over a node shows its map; over a connection, its weight.
    let x2s_map = |s: &str| find(s, "x2 ▀").map(|(x, y)| (x + 4, y));
    hover_until(&tmux, x2s_map, "x2's map", |s| s.contains(" x2 map "));
    hover_until(&tmux, x1s_first_connection, "a hovered connection", |s| {
        s.contains("x1 → 1.1: weight")
    });
    tmux.hover(2, 2);
    tmux.wait_for("the pointer gone", LONG, |s| !s.contains("x1 → 1.1"));

    let (x, y) = find(&tmux.screen(), "x1²").unwrap();
    tmux.click(x, y);
    tmux.wait_for("a click on x1²", LONG, |s| s.contains("network 3-8-8-2"));
    // Tab: x1, x2, x1², then neuron 1.1; Down: its first connection.
    for _ in 0..4 {
        tmux.send(&["Tab"]);
    }
    tmux.wait_for("1.1's map", LONG, |s| {
        s.contains(" 1.1 map ") && s.contains("1.1: bias")
    });
    tmux.send(&["Down"]);
    tmux.wait_for("a weight", LONG, |s| s.contains("x1 → 1.1: weight"));

    let steps: [(&str, &str); 9] = [
        ("<", "speed 30 epochs/s"),
        ("l", "L1 0.001"),
        ("'", "L1 0.003"),
        ("{", "noise 5%"),
        ("(", "train 70%"),
        ("g", "new points (data seed 43)"),
        ("o", "discretized"),
        ("b", "batch 9"),
        ("c", "state line (c or Esc closes)"),
    ];
    for (key, shown) in steps {
        tmux.send(&[key]);
        tmux.wait_for(shown, LONG, |s| s.contains(shown));
    }
    let screen = tmux.screen();
    for field in [
        "noise=0.05",
        "test=0.3",
        "data-seed=43",
        "l1=0.003",
        "batch=9",
    ] {
        assert!(screen.contains(field), "{field} in\n{screen}");
    }
    tmux.send(&["Escape"]);
    tmux.send(&["t"]);
    tmux.wait_for("the test points hidden", LONG, |s| !s.contains("◆◆ test"));
    tmux.send(&["?"]);
    tmux.wait_for("the help", LONG, |s| s.contains("input feature on / off"));
    tmux.send(&["q"]);
    tmux.wait_for("the printed line", LONG, |s| s.contains("EXIT=0"));
    let line = printed_state_line(&tmux.joined_screen()).unwrap();
    for field in [
        "features=x1,x2,x1^2",
        "noise=0.05",
        "test=0.3",
        "data-seed=43",
        "l1=0.003",
        "speed=30",
        "discretize=true",
        "test-points=false",
    ] {
        assert!(line.contains(field), "{field} in {line}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Playground URL: mapped, with what could not be; a bad line names its field.
#[test]
fn playground_urls_and_bad_lines() {
    let dir = tempdir();
    let d = dir.path();
    let url = "https://playground.tensorflow.org/#activation=relu&batchSize=15&dataset=xor\
               &learningRate=0.1&noise=10&networkShape=4,3&seed=0.31415&percTrainData=70\
               &xTimesY=true&initZero=true&problem=classification";
    let out = run(d, &["train", "--state", url, "--epochs", "2", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dataset"], "xor");
    assert_eq!(report["layers"], serde_json::json!([3, 4, 3, 2]));
    assert_eq!(report["activation"], "relu");
    assert_eq!(report["optimizer"], "sgd");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("points are drawn afresh"), "{stderr}");
    assert!(
        stderr.contains("not mapped: initZero=true (weights start random here)"),
        "{stderr}"
    );

    let bad = run(d, &["train", "--state", "nn-tui/1 data=circle lr=fast"]);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        text(&bad.stderr).trim(),
        "error: --state: lr=fast: expected a number, e.g. 0.03"
    );
    let bad = run(d, &["train", "--state", "#batchSize=0"]);
    assert_eq!(
        text(&bad.stderr).trim(),
        "error: --state: batchSize=0: expected a whole number of samples, at least 1"
    );
    let clash = run(d, &["train", "--state", "#x=true", "--lr", "0.1"]);
    assert_eq!(clash.status.code(), Some(2));
    assert!(text(&clash.stderr).contains("cannot be used with"));
}
