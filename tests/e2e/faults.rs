//! Nothing lost when the system misbehaves: a `--save` that fails keeps the
//! trained model elsewhere (a vanished folder, a full disk), and a full stderr or
//! stdout costs the progress or names the stream, never the run.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Starts `train` with `args` in `dir`, runs `during` once its first epoch line is
/// out, and returns its exit code and stderr.
fn train_and_meanwhile(dir: &Path, args: &[&str], during: impl FnOnce()) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .arg("train")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut stderr = String::new();
    for line in lines.by_ref().map_while(Result::ok) {
        stderr.push_str(&line);
        stderr.push('\n');
        if line.starts_with("epoch 1/") {
            break;
        }
    }
    during();
    for line in lines.map_while(Result::ok) {
        stderr.push_str(&line);
        stderr.push('\n');
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "train still runs after 60 s");
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.code(), stderr)
}

#[test]
fn a_failed_save_keeps_the_model_in_the_checkpoint_folder() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::create_dir(d.join("out")).unwrap();
    let (code, stderr) = train_and_meanwhile(
        d,
        &[
            "--data",
            "spiral",
            "--samples",
            "20000",
            "--epochs",
            "200",
            "--checkpoint-dir",
            "ck",
            "--checkpoint-every",
            "1000",
            "--save",
            "out/m.safetensors",
        ],
        // The folder vanishes under the run (checked writable at the start).
        || std::fs::remove_dir_all(d.join("out")).unwrap(),
    );
    assert_eq!(code, Some(1), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: --save out/m.safetensors: ")
            && last.ends_with("the trained model was saved to ck/m.safetensors instead"),
        "{stderr}"
    );
    let info = run_json(d, &["info", "--model", "ck/m.safetensors", "--json"]);
    assert_eq!(info["dataset"], "spiral");
}

/// Unmounts a folder when dropped.
struct Unmount<'a>(&'a Path);

impl Drop for Unmount<'_> {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0).status();
    }
}

/// A real full disk at `folder`: a 64 KiB tmpfs, unmounted when the guard drops.
/// Needs root (CI runs as root); `None`, with a message, otherwise.
fn full_disk(folder: &Path) -> Option<Unmount<'_>> {
    std::fs::create_dir(folder).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(folder)
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root and must be able to mount a tmpfs"
        );
        eprintln!("skipping: cannot mount a tmpfs (not root)");
        return None;
    }
    Some(Unmount(folder))
}

/// A real full disk: a 64 KiB tmpfs that the model does not fit in. Needs root
/// (CI runs as root); skipped with a message otherwise.
#[test]
fn a_full_disk_at_save_keeps_the_model_in_the_temp_folder() {
    let dir = tempdir();
    let d = dir.path();
    let full = d.join("full");
    let Some(_unmount) = full_disk(&full) else {
        return;
    };
    // 2-200-200-2: about 41,000 weights, 160 KB: more than the disk holds.
    let out = run(
        d,
        &[
            "train",
            "--data",
            "moons",
            "--epochs",
            "1",
            "--hidden",
            "200,200",
            "--save",
            "full/m.safetensors",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let kept = stderr
        .trim_end()
        .strip_suffix(" instead")
        .and_then(|s| s.rsplit_once("the trained model was saved to "))
        .map_or_else(
            || panic!("no fallback named: {stderr}"),
            |(_, path)| path.to_string(),
        );
    assert!(stderr.contains("--save full/m.safetensors: "), "{stderr}");
    let info = run_json(d, &["info", "--model", &kept, "--json"]);
    assert_eq!(info["layers"], serde_json::json!([2, 200, 200, 2]));
    let _ = std::fs::remove_file(&kept);
}

#[test]
fn a_full_stderr_loses_the_progress_not_the_run() {
    let dir = tempdir();
    let out = Command::new(BIN)
        .args([
            "train",
            "--data",
            "moons",
            "--epochs",
            "5",
            "--save",
            "m.safetensors",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stderr(File::options().write(true).open("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("model saved to m.safetensors"));
    assert!(dir.path().join("m.safetensors").is_file());
}

#[test]
fn a_full_stdout_is_named_in_the_error() {
    let dir = tempdir();
    let out = Command::new(BIN)
        .args(["train", "--data", "moons", "--epochs", "1", "--json"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(File::options().write(true).open("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: writing the --json result to stdout: "),
        "{stderr}"
    );
}

/// A run directory on a full disk: the snapshots and the final model do not fit.
/// The recording warns; the training, its summary and --save are unaffected.
#[test]
fn a_full_disk_under_the_run_directory_costs_warnings_not_the_run() {
    let dir = tempdir();
    let d = dir.path();
    let full = d.join("full");
    let Some(_unmount) = full_disk(&full) else {
        return;
    };
    // 2-200-200-2: a 160 KB model, more than the disk holds.
    let out = run(
        d,
        &[
            "train",
            "--data",
            "moons",
            "--epochs",
            "3",
            "--hidden",
            "200,200",
            "--run-dir",
            "full/run",
            "--save",
            "m.safetensors",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The first snapshot that does not fit is named: the latest weights
    // (snapshot.safetensors) or the replay history's first (snapshots/000-epoch-0...).
    assert!(
        stderr.contains("warning: recording the run: full/run/snapshot.safetensors: ")
            || stderr.contains("warning: recording the run: full/run/snapshots/000-epoch-0"),
        "{stderr}"
    );
    assert!(stderr.contains("; training goes on"), "{stderr}");
    assert!(
        stderr.contains("warning: the run directory is incomplete: full/run/model.safetensors: "),
        "{stderr}"
    );
    assert!(text(&out.stdout).contains("model saved to m.safetensors"));
    // The log itself fitted, and says the model is missing.
    let runs = run_json(d, &["runs", "--json", "full"]);
    assert_eq!(runs[0]["status"], "finished", "{runs}");
    let log = std::fs::read_to_string(full.join("run/events.jsonl")).unwrap();
    assert!(
        log.trim_end()
            .lines()
            .last()
            .unwrap()
            .contains(r#""model":false"#),
        "{log}"
    );
}

/// `kill -9` at five moments, one of them while a checkpoint is being written (its
/// temporary file seen in the folder): each time the run resumes from the last
/// checkpoint, and the final model equals an uninterrupted run's byte for byte,
/// with no temporary file of ours left behind.
#[test]
fn kill_9_at_five_moments_resumes_to_the_same_bytes() {
    let dir = tempdir();
    let d = dir.path();
    let flags = [
        "train",
        "--data",
        "spiral",
        "--samples",
        "4000",
        "--hidden",
        "384,384",
        "--batch",
        "32",
        "--epochs",
        "8",
        "--checkpoint-every",
        "1",
    ];
    let straight = run(
        d,
        &[
            &flags[..],
            &["--checkpoint-dir", "s", "--save", "straight.safetensors"],
        ]
        .concat(),
    );
    assert!(straight.status.success(), "{}", text(&straight.stderr));

    // A fixed but arbitrary schedule: kill moments in milliseconds after a start.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let mut state = u64::from(seed) | 1;
    let mut next = move |below: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % below
    };
    let ck = d.join("ck");
    let start = || {
        let mut args: Vec<&str> = flags.to_vec();
        args.extend(["--checkpoint-dir", "ck", "--save", "crashed.safetensors"]);
        if ck.join("checkpoint.safetensors").is_file() {
            args.extend(["--resume", "ck/checkpoint.safetensors"]);
        }
        Command::new(BIN)
            .args(&args)
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts")
    };
    let temp_in = |folder: &Path| {
        std::fs::read_dir(folder).ok().is_some_and(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with(".nn-tui-") && name.ends_with(".tmp")
            })
        })
    };
    let mut killed_mid_write = false;
    for kill in 0..5 {
        let mut child = start();
        let started = Instant::now();
        if kill == 0 {
            // First, with the whole run ahead: wait for a checkpoint's temporary
            // file and kill the writer right then.
            let deadline = started + Duration::from_secs(60);
            while !temp_in(&ck) && Instant::now() < deadline && child.try_wait().unwrap().is_none()
            {
                std::hint::spin_loop();
            }
            killed_mid_write = temp_in(&ck);
        } else {
            std::thread::sleep(Duration::from_millis(100 + next(900)));
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    assert!(
        killed_mid_write,
        "no checkpoint write was caught (seed {seed})"
    );
    let last = start().wait().unwrap();
    assert!(last.success(), "the run after five kills (seed {seed})");
    let a = std::fs::read(d.join("straight.safetensors")).unwrap();
    let b = std::fs::read(d.join("crashed.safetensors")).unwrap();
    assert!(
        a == b,
        "the resumed model differs from the straight run's (seed {seed})"
    );
    assert!(
        !temp_in(&ck),
        "a temporary file is left in ck/ (seed {seed})"
    );
    assert!(
        !temp_in(d),
        "a temporary file is left beside the model (seed {seed})"
    );
}
