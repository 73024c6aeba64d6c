//! End to end through the real binary: `nn-tui` in a detached 100x30 tmux
//! session, read back with `capture-pane`, driven with `send-keys`.
//!
//! Skipped (with a message) when tmux is missing, unless `CI` is set: in CI it must run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds `nn-tui` once (nn-dash cannot depend on the binary) and returns its path.
fn binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = option_env!("CARGO").unwrap_or("cargo");
            let status = Command::new(cargo)
                .args(["build", "-q", "-p", "nn-tui"])
                .current_dir(workspace())
                .status()
                .expect("cargo runs");
            assert!(status.success(), "cargo build -p nn-tui failed");
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| workspace().join("target"), PathBuf::from);
            target.join("debug").join("nn-tui")
        })
        .clone()
}

/// True (after saying so) when tmux is missing outside CI; in CI a missing tmux fails the test.
fn skip_without_tmux() -> bool {
    let have = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have tmux (.ci/run installs it)"
        );
        eprintln!("skipping: tmux is not installed (apt-get install tmux)");
    }
    !have
}

/// A tmux server of our own (its own socket, no user config), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// A server named after the test (tests run in parallel), a session of `width` x `height`.
    fn start(name: &str, width: u16, height: u16, dir: &Path) -> Self {
        let tmux = Self {
            socket: format!("nn-dash-{name}-{}", std::process::id()),
        };
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "-c",
            &dir.display().to_string(),
            "env PS1='$ ' TERM=xterm-256color sh",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend(keys);
        assert!(self.run(&args).status.success());
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// Polls the screen until `check` accepts it, or fails after `timeout`.
    fn wait_for(&self, what: &str, timeout: Duration, check: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                started.elapsed() < timeout,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// The number after `label ` on the screen, e.g. `value(screen, "step")`.
fn value(screen: &str, label: &str) -> Option<f64> {
    let needle = format!("{label} ");
    let start = screen.find(&needle)? + needle.len();
    let number: String = screen[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == 'e' || *c == '-')
        .collect();
    number.parse().ok()
}

#[test]
fn dashboard_in_tmux() {
    if skip_without_tmux() {
        return;
    }
    let bin = binary();
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
    assert!(second.contains("decision boundary") && second.contains("network"));

    // Space pauses.
    tmux.send(&["Space"]);
    tmux.wait_for("PAUSED", long, |s| s.contains("PAUSED"));

    // n: exactly one step. The trainer reports its exact count with the first
    // step after a pause (progress is throttled while running), so take one
    // step, read the count, and check that the next `n` adds exactly one.
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
    let before = value(&tmux.screen(), "step").unwrap();
    tmux.send(&["n"]);
    tmux.wait_for("a step", long, |s| value(s, "step") != Some(before));
    let steps = settled(&tmux);
    tmux.send(&["n"]);
    let screen = tmux.wait_for("one more step", long, |s| value(s, "step") != Some(steps));
    assert_eq!(value(&screen, "step"), Some(steps + 1.0), "{screen}");
    assert!(screen.contains("PAUSED"));

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

    // q: the process ends and the shell is back (the alternate screen is gone).
    tmux.send(&["q"]);
    let screen = tmux.wait_for("the shell", long, |s| s.contains("EXIT=0"));
    assert!(
        !screen.contains("PAUSED") && !screen.contains("decision boundary"),
        "{screen}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn not_a_terminal_fails_at_once() {
    let bin = binary();
    let started = Instant::now();
    let out = Command::new(bin)
        .arg("dash")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("nn-tui runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs a terminal"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// An SSH connection that drops (here: the tmux server dies under the dashboard)
/// hangs up the terminal: the dashboard must save the model and exit, not spin.
#[test]
fn a_dropped_terminal_saves_the_model_and_exits() {
    if skip_without_tmux() {
        return;
    }
    let bin = binary();
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
