//! The user's own data (issue 23) through the binary: formula data sets, `nn-tui data`
//! writing any data set as CSV with its split column, and that file loaded back.

use std::time::Duration;

use crate::common::*;
use crate::tmux::{Tmux, skip_without_tmux};

/// Each cell of a `capture-pane -e` screen: its text and its foreground and
/// background colours as the escape sequences set them (`38;5;N`, `48;5;N`).
/// A screen cell: its character, foreground and background (256-colour indices).
type Cell = (char, Option<String>, Option<String>);

fn cells(colored: &str) -> Vec<Vec<Cell>> {
    colored
        .lines()
        .map(|line| {
            let (mut fg, mut bg) = (None, None);
            let mut row = Vec::new();
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '\x1b' {
                    row.push((c, fg.clone(), bg.clone()));
                    continue;
                }
                let mut code = String::new();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                    code.push(c);
                }
                let parts: Vec<&str> = code.trim_start_matches('[').split(';').collect();
                let mut i = 0;
                while i < parts.len() {
                    match parts[i] {
                        "0" | "" => (fg, bg) = (None, None),
                        "39" => fg = None,
                        "49" => bg = None,
                        "38" | "48" if i + 2 < parts.len() && parts[i + 1] == "5" => {
                            let color = Some(parts[i + 2].to_owned());
                            if parts[i] == "38" {
                                fg = color;
                            } else {
                                bg = color;
                            }
                            i += 2;
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            row
        })
        .collect()
}

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

/// A formula in a state line (spaces as %20) is the run it names.
#[test]
fn a_state_line_names_a_formula() {
    let dir = tempdir();
    let report = run_json(
        dir.path(),
        &[
            "train",
            "--state",
            "nn-tui/1 data=formula:x1%20>%20x2 samples=200 hidden=4",
            "--epochs",
            "30",
            "--no-run-dir",
            "--json",
        ],
    );
    assert_eq!(report["dataset"], "formula:x1 > x2", "{report}");
    assert_eq!(report["train"]["samples"], 160, "{report}");
}

/// A run on a CSV file's chosen column, in its order: the state line it records
/// names both (`target=`, `shuffle=false`), and that line trains the same model.
#[test]
fn a_state_line_keeps_the_target_column_and_the_order() {
    let dir = tempdir();
    let mut csv = String::from("a,b,y\n");
    for i in 0..60 {
        csv += &[i % 7, i % 5, i % 2].map(|v: i32| v.to_string()).join(",");
        csv.push('\n');
    }
    std::fs::write(dir.path().join("t.csv"), csv).unwrap();
    let first = run_json(
        dir.path(),
        &[
            "train",
            "--data",
            "t.csv",
            "--target",
            "a",
            "--no-shuffle",
            "--epochs",
            "3",
            "--save",
            "first.safetensors",
            "--json",
        ],
    );
    let run = first["run_dir"].as_str().expect("a run directory");
    let info: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(run).join("run.json")).unwrap(),
    )
    .unwrap();
    let line = info["state_line"].as_str().unwrap();
    assert!(
        line.contains("target=a") && line.contains("shuffle=false"),
        "{line}"
    );
    let again = run_json(
        dir.path(),
        &[
            "train",
            "--state",
            line,
            "--epochs",
            "3",
            "--save",
            "again.safetensors",
            "--no-run-dir",
            "--json",
        ],
    );
    // Column a holds 7 classes; the last column (y) would be 2.
    assert_eq!(
        first["layers"],
        serde_json::json!([2, 16, 16, 7]),
        "{first}"
    );
    assert_eq!(again["layers"], first["layers"], "{again}");
    let bytes = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert!(bytes("first.safetensors") == bytes("again.safetensors"));
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

/// A four-class CSV file in the dashboard at 80x24: the legend has a colour per
/// class, and points of all four colours are on the plane (read from the colours
/// of the capture, `capture-pane -e`).
#[test]
fn a_four_class_csv_shows_four_colours() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    let out = run(
        dir.path(),
        &[
            "data",
            "--data",
            "spiral4",
            "--samples",
            "200",
            "--out",
            "four.csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tmux = Tmux::start("four", 80, 24, dir.path());
    tmux.send(&[&format!("{BIN} --data four.csv --no-run-dir"), "Enter"]);
    tmux.wait_for("the run", Duration::from_secs(20), |s| {
        s.contains("RUNNING")
    });
    std::thread::sleep(Duration::from_millis(500));
    let screen = cells(&tmux.colored_screen());
    // The legend on the boundary panel's bottom edge: four `▀` before " train".
    let (row, at) = screen
        .iter()
        .enumerate()
        .find_map(|(r, cells)| {
            let text: String = cells.iter().map(|c| c.0).collect();
            let at = text.find("▀ train ")? + "▀".len();
            Some((r, text[..at].chars().count()))
        })
        .expect("a legend");
    let legend: Vec<String> = screen[row][at - 4..at]
        .iter()
        .map(|c| c.1.clone().expect("a coloured glyph"))
        .collect();
    let mut distinct = legend.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "legend colours {legend:?}");
    // Training points are pixels of a class's point colour on the plane (left panel).
    for colour in &legend {
        let on_plane = screen[3..row]
            .iter()
            .flat_map(|cells| cells.iter().take(38))
            .any(|c| c.1.as_ref() == Some(colour) || c.2.as_ref() == Some(colour));
        assert!(on_plane, "no point of colour {colour} on the plane");
    }
    tmux.send(&["q"]);
}
