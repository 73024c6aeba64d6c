//! The user's own data (issue 23) through the binary: formula data sets, `nn-tui data`
//! writing any data set as CSV with its split column, and that file loaded back.

use crate::common::*;

/// A rule a small network can learn (two crossing lines) trains to 95% on the
/// points it never saw, and the run names its formula.
#[test]
fn a_formula_data_set_trains_to_95_percent() {
    let dir = tempdir();
    let report = run_json(
        dir.path(),
        &[
            "train",
            "--data",
            "formula:x1*x2 > 0",
            "--samples",
            "600",
            "--hidden",
            "8,8",
            "--epochs",
            "150",
            "--no-run-dir",
            "--json",
        ],
    );
    let acc = accuracy(&report, "test");
    assert!(acc >= 0.95, "test accuracy {acc}: {report}");
    // A regression formula trains too (its loss falls well below the targets' variance).
    let report = run_json(
        dir.path(),
        &[
            "train",
            "--data",
            "formula:reg sin(x1)*cos(x2) / 2",
            "--epochs",
            "60",
            "--no-run-dir",
            "--json",
        ],
    );
    let loss = report["test"]["loss"].as_f64().unwrap();
    assert!(loss < 0.05, "test loss {loss}: {report}");
}

#[test]
fn a_bad_formula_is_one_line_with_its_position() {
    let dir = tempdir();
    let out = run(
        dir.path(),
        &["train", "--data", "formula:sin(x1) > x2/", "--no-run-dir"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr,
        "error: --data formula:sin(x1) > x2/: formula `sin(x1) > x2/`: at character 14: \
         expected more after the end (an operand or a closing parenthesis)\n"
    );
}

/// `nn-tui data` writes the rows train, eval and the dashboard would use, each with
/// its part; the file loads back as the same data set (the split column left out).
#[test]
fn data_writes_any_data_set_with_its_split_and_it_loads_back() {
    let dir = tempdir();
    let out = run(
        dir.path(),
        &[
            "data",
            "--data",
            "spiral4",
            "--samples",
            "200",
            "--val-split",
            "0.1",
            "--out",
            "s.csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "s.csv: 200 rows (140 train, 20 validation, 40 test) of spiral4\n"
    );
    let csv = std::fs::read_to_string(dir.path().join("s.csv")).unwrap();
    let (header, rows) = csv_rows(&csv);
    assert_eq!(header, ["x1", "x2", "label", "split"]);
    let count = |part: &str| rows.iter().filter(|r| r[3] == part).count();
    assert_eq!(
        (count("train"), count("validation"), count("test")),
        (140, 20, 40)
    );
    let mut labels: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    assert_eq!(labels, ["0", "1", "2", "3"]);
    // Written again from the file: the same rows (its own seeded split).
    let out = run(dir.path(), &["data", "--data", "s.csv", "--out", "-"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (again, back) = csv_rows(&text(&out.stdout));
    assert_eq!(again, header);
    let key = |r: &Vec<String>| r[..3].join(",");
    let mut a: Vec<String> = rows.iter().map(key).collect();
    let mut b: Vec<String> = back.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // And it trains as a four-class set.
    let report = run_json(
        dir.path(),
        &[
            "train",
            "--data",
            "s.csv",
            "--epochs",
            "2",
            "--no-run-dir",
            "--json",
        ],
    );
    assert!(report["test"]["accuracy"].is_number(), "{report}");
}
