//! Every bad flag or file: one clear line, the right exit status, nothing on stdout.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::common::*;

/// A model trained on 3 features, for the width-mismatch checks.
fn three_feature_model(d: &Path) -> PathBuf {
    let mut csv = String::from("a,b,c,label\n");
    for i in 0..40 {
        let x = f64::from(i) / 10.0;
        let _ = writeln!(csv, "{x},{},{},{}", x * 2.0, 1.0 - x, i % 2);
    }
    std::fs::write(d.join("three.csv"), csv).unwrap();
    let out = run(
        d,
        &[
            "train",
            "--data",
            "three.csv",
            "--epochs",
            "1",
            "--save",
            "three.safetensors",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    d.join("three.safetensors")
}

#[test]
fn bad_flags_fail_with_one_clear_line() {
    let dir = tempdir();
    let d = dir.path();
    three_feature_model(d);
    std::fs::write(d.join("not-a-model.safetensors"), "hello").unwrap();
    std::fs::write(d.join("a-file"), "x").unwrap();
    std::fs::write(d.join("bad.csv"), "a,b,c\n1,2,3\n4,oops,6\n").unwrap();
    std::fs::write(d.join("missing.csv"), "a,b\n1,2\n").unwrap();
    let train = |extra: &[&'static str]| -> Vec<&'static str> {
        [&["train", "--data", "moons", "--epochs", "1"][..], extra].concat()
    };
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            train(&["--lr", "0"]),
            1,
            "error: --lr 0: expected a positive learning rate",
        ),
        (
            train(&["--lr", "-1"]),
            1,
            "error: --lr -1: expected a positive",
        ),
        (
            // Read as a line reads lr=NaN: not a number, a usage error.
            train(&["--lr", "NaN"]),
            2,
            "invalid value 'NaN' for '--lr <F>': expected a number, e.g. 0.03",
        ),
        (
            train(&["--lr", "fast"]),
            2,
            "invalid value 'fast' for '--lr <F>'",
        ),
        (
            train(&["--batch", "0"]),
            1,
            "error: --batch 0: expected at least 1",
        ),
        (
            vec!["train", "--data", "moons", "--epochs", "0"],
            1,
            "error: --epochs 0: expected at least 1 epoch",
        ),
        (
            train(&["--layers", "3,8,2"]),
            1,
            "error: --layers 3,8,2: the network takes 3 inputs but the data has 2 features",
        ),
        (
            train(&["--layers", "2,8,3"]),
            1,
            "error: --layers 2,8,3: the data's 2 classes need 2 outputs (or 1 sigmoid output), the network has 3",
        ),
        (
            train(&["--layers", "2,8,2", "--hidden", "4"]),
            2,
            "cannot be used with",
        ),
        (
            vec!["train", "--data", "nosuch"],
            1,
            "expected one of xor, circle, gauss, spiral, moons, blobs, spiral4, plane, reg-gauss, sine, mnist",
        ),
        (vec!["train"], 2, "--data <SPEC>"),
        (
            train(&["--activation", "softmax"]),
            2,
            "invalid value 'softmax' for '--activation <NAME>'",
        ),
        (
            train(&["--optimizer", "rmsprop"]),
            2,
            "invalid value 'rmsprop'",
        ),
        (
            train(&["--frobnicate"]),
            2,
            "unexpected argument '--frobnicate'",
        ),
        (
            train(&["--momentum", "0.5"]),
            1,
            "error: --momentum: applies only to the momentum and nesterov optimizers",
        ),
        (
            train(&["--optimizer", "adam", "--betas", "0.9,1"]),
            1,
            "error: --betas 0.9,1: expected two fractions from 0 up to (not including) 1, e.g. 0.9,0.999",
        ),
        (
            train(&["--optimizer", "adam", "--betas", "0.9"]),
            2,
            "invalid value '0.9' for '--betas <B1,B2>': expected two numbers, e.g. 0.9,0.999",
        ),
        (
            train(&["--betas", "0.5,0.9"]),
            1,
            "error: --betas: applies only to the adam and adamw optimizers",
        ),
        (
            train(&["--val-split", "1.5"]),
            1,
            "error: --val-split 1.5: expected a fraction",
        ),
        (
            train(&["--save", "no/such/folder/m.safetensors"]),
            1,
            "error: --save no/such/folder/m.safetensors: the folder no/such/folder does not exist",
        ),
        (train(&["--save", "."]), 1, "error: --save .: is a folder"),
        (
            train(&["--metrics-out", "no/such/folder/m.csv"]),
            1,
            "error: --metrics-out no/such/folder/m.csv",
        ),
        (
            train(&["--checkpoint-dir", "a-file"]),
            1,
            "error: --checkpoint-dir a-file: is a file; expected a folder",
        ),
        (
            train(&["--resume", "three.safetensors"]),
            1,
            "no checkpoint metadata: is this a model file?",
        ),
        (
            train(&["--resume", "nothing-here"]),
            1,
            "error: --resume nothing-here: no such checkpoint file",
        ),
        (
            vec!["eval", "--model", "three.safetensors", "--data", "spiral"],
            1,
            "error: --model three.safetensors on --data spiral: network does not fit the data: the network takes 3 inputs but the data has 2 features",
        ),
        (
            vec![
                "eval",
                "--model",
                "not-a-model.safetensors",
                "--data",
                "spiral",
            ],
            1,
            "error: --model: not-a-model.safetensors: not a valid safetensors file",
        ),
        (
            vec!["eval", "--model", "absent.safetensors", "--data", "spiral"],
            1,
            "error: --model: absent.safetensors",
        ),
        (
            vec!["info", "--model", "not-a-model.safetensors"],
            1,
            "error: --model: not-a-model.safetensors",
        ),
        (
            vec![
                "predict",
                "--model",
                "three.safetensors",
                "--input",
                "bad.csv",
            ],
            1,
            "error: bad.csv:3: column `b`: expected a number, found `oops`",
        ),
        (
            vec![
                "predict",
                "--model",
                "three.safetensors",
                "--input",
                "missing.csv",
            ],
            1,
            "error: missing.csv:1: missing feature column `c`: the header has a, b",
        ),
        (
            vec![
                "predict",
                "--model",
                "three.safetensors",
                "--input",
                "absent.csv",
            ],
            1,
            "error: --input absent.csv",
        ),
    ];
    for (args, code, expected) in cases {
        let out = run(d, &args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected {expected:?} in {stderr:?}"
        );
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr:?}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
    assert!(!d.join("no").exists());
}
