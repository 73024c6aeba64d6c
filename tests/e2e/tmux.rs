//! Driving the real binary in a detached tmux session: `send-keys` to type,
//! `capture-pane` to read the screen. Skipped (with a message) when tmux is
//! missing, unless `CI` is set: in CI it must run.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// True (after saying so) when tmux is missing outside CI; in CI a missing tmux fails the test.
pub fn skip_without_tmux() -> bool {
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
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// A server named after the test (tests run in parallel), a session of `width` x `height`.
    pub fn start(name: &str, width: u16, height: u16, dir: &Path) -> Self {
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

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend(keys);
        assert!(self.run(&args).status.success());
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// The screen with its colours, as escape sequences (`capture-pane -e`).
    pub fn colored_screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-e", "-t", "e2e"]).stdout)
            .into_owned()
    }

    /// The screen with wrapped lines joined (a long printed line reads whole).
    pub fn joined_screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-J", "-t", "e2e"]).stdout)
            .into_owned()
    }

    /// A left click at the 0-based cell `(column, row)`, as an xterm SGR mouse report.
    pub fn click(&self, column: usize, row: usize) {
        for end in ['M', 'm'] {
            let report = format!("\x1b[<0;{};{}{end}", column + 1, row + 1);
            self.send(&["-l", &report]);
        }
    }

    /// The mouse moving to the 0-based cell `(column, row)`.
    pub fn hover(&self, column: usize, row: usize) {
        let report = format!("\x1b[<35;{};{}M", column + 1, row + 1);
        self.send(&["-l", &report]);
    }

    /// Polls the screen until `check` accepts it, or fails after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, check: impl Fn(&str) -> bool) -> String {
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

/// Where `text` first appears on the screen: (column, row), counting characters.
pub fn find(screen: &str, text: &str) -> Option<(usize, usize)> {
    screen.lines().enumerate().find_map(|(row, line)| {
        let at = line.find(text)?;
        Some((line[..at].chars().count(), row))
    })
}

/// The state line a quitting dashboard printed (`nn-tui --state '<line>'`).
pub fn printed_state_line(screen: &str) -> Option<String> {
    let start = screen.rfind("nn-tui --state '")? + "nn-tui --state '".len();
    let end = screen[start..].find('\'')?;
    Some(screen[start..start + end].to_string())
}

/// The number after `label ` on the screen, e.g. `value(screen, "step")`.
pub fn value(screen: &str, label: &str) -> Option<f64> {
    let needle = format!("{label} ");
    let start = screen.find(&needle)? + needle.len();
    let number: String = screen[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == 'e' || *c == '-')
        .collect();
    number.parse().ok()
}

impl Tmux {
    /// The process id of the program in the pane (the shell's, or what it `exec`ed).
    pub fn pane_pid(&self) -> u32 {
        let out = self.run(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"]);
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("tmux prints the pane's pid")
    }
}

/// CPU time a process has used, all its threads, in clock ticks (utime + stime of `/proc/PID/stat`).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process lives");
    // The command name may hold spaces; the fields after it are space separated.
    let after_name = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // utime and stime are the 14th and 15th fields of the whole line, 12th and 13th here.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Resident memory of a process in KB (`VmRSS` of `/proc/PID/status`).
pub fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process lives");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("a VmRSS line")
}
