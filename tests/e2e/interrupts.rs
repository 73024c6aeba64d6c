//! Stopping and resuming: checkpoints, Ctrl-C, and a resumed run equal to a straight one.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::*;

#[test]
fn stopping_and_resuming_gives_the_same_model() {
    let dir = tempdir();
    let d = dir.path();
    let common = ["train", "--data", "moons", "--optimizer", "momentum"];
    let straight = run(
        d,
        &[
            &common[..],
            &[
                "--epochs",
                "8",
                "--checkpoint-dir",
                "a",
                "--save",
                "a.safetensors",
            ],
        ]
        .concat(),
    );
    assert!(straight.status.success(), "{}", text(&straight.stderr));
    let first = run(
        d,
        &[&common[..], &["--epochs", "3", "--checkpoint-dir", "b"]].concat(),
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    let second = run(
        d,
        &[
            &common[..],
            &[
                "--resume",
                "b/checkpoint.safetensors",
                "--epochs",
                "8",
                "--save",
                "b.safetensors",
                "--metrics-out",
                "b.csv",
            ],
        ]
        .concat(),
    );
    assert!(second.status.success(), "{}", text(&second.stderr));
    let a = std::fs::read(d.join("a.safetensors")).unwrap();
    let b = std::fs::read(d.join("b.safetensors")).unwrap();
    assert!(a == b, "resumed run differs from the straight run");
    // The resumed run's metrics cover all 8 epochs.
    let csv = std::fs::read_to_string(d.join("b.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "epoch,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,lr,seconds"
    );
    assert_eq!(rows.len(), 9, "{csv}");
    assert!(rows[8].starts_with("8,"), "{csv}");
}

/// A long `train` run that gets `signal` once its first epoch is done: it must end
/// as after Ctrl-C, with a checkpoint, the summary, the saved model and status 130.
fn stop_with(signal: &str) {
    let dir = tempdir();
    let d = dir.path();
    let mut child = Command::new(BIN)
        .args([
            "train",
            "--data",
            "spiral",
            "--samples",
            "20000",
            "--epochs",
            "100000",
            "--checkpoint-dir",
            "ck",
            "--checkpoint-every",
            "1000",
            "--save",
            "m.safetensors",
        ])
        .current_dir(d)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    // Wait for the first epoch so the handler is installed and training is under way.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("an epoch line within 20 s");
        if line.starts_with("epoch 1/") {
            break;
        }
    }
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running 20 s after SIG{signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = reader.join().unwrap();
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    assert_eq!(status.code(), Some(130), "SIG{signal}, stderr: {stderr}");
    assert!(d.join("ck/checkpoint.safetensors").is_file());
    assert!(d.join("m.safetensors").is_file());
    assert!(stdout.starts_with("interrupted after "), "{stdout}");
    assert!(
        stderr.contains("--resume ck/checkpoint.safetensors"),
        "{stderr}"
    );
    // The run directory says so, and holds the model that --save wrote.
    let runs = run_json(d, &["runs", "--json"]);
    assert_eq!(runs[0]["status"], "interrupted", "{runs}");
    let run_dir = d.join(runs[0]["dir"].as_str().unwrap());
    assert_eq!(
        std::fs::read(run_dir.join("model.safetensors")).unwrap(),
        std::fs::read(d.join("m.safetensors")).unwrap()
    );
}

#[test]
fn ctrl_c_stops_cleanly_with_a_checkpoint_and_status_130() {
    stop_with("INT");
}

/// An SSH session that drops without nohup sends SIGHUP: the run is kept, as after Ctrl-C.
#[test]
fn a_hang_up_keeps_the_run_as_ctrl_c_does() {
    stop_with("HUP");
}
