//! Tests of `csv_io.rs`.

use super::*;
use crate::{Task, generate};

/// Loads `text` from a fixture file in a fresh temp dir.
fn load(text: &str, options: &CsvOptions) -> Result<Dataset, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, text).unwrap();
    // Messages with the temp dir replaced by `DIR`, so tests can compare them whole.
    load_csv(&path, options)
        .map_err(|e| e.to_string().replace(&*dir.path().to_string_lossy(), "DIR"))
}

fn message(text: &str, options: &CsvOptions) -> String {
    load(text, options).expect_err("expected an error")
}

#[test]
fn string_labels_sorted_default_target_named_label() {
    let d = load(
        "label,a,b\ncat,1,2\ndog,3,4\nbird, 5 ,6\n",
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(d.name(), "data");
    assert_eq!(d.feature_names(), ["a", "b"]);
    assert_eq!(d.class_names(), ["bird", "cat", "dog"]);
    assert_eq!(d.targets(), &Targets::Classes(vec![1, 2, 0]));
    assert_eq!(d.inputs(), &Inputs::F32(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
}

#[test]
fn integer_labels_in_numeric_order_last_column_by_default() {
    let d = load("a,class\n1,10\n2,9\n3,10\n4,-1\n", &CsvOptions::default()).unwrap();
    assert_eq!(d.class_names(), ["-1", "9", "10"]);
    assert_eq!(d.targets(), &Targets::Classes(vec![2, 1, 2, 0]));
    assert_eq!(d.target_names(), ["class"]);
}

#[test]
fn non_integer_target_means_regression_and_hints_override() {
    let text = "a,y\n1,0.5\n2,2\n";
    let d = load(text, &CsvOptions::default()).unwrap();
    assert_eq!(d.task(), Task::Regression { outputs: 1 });
    assert_eq!(d.targets(), &Targets::Values(vec![0.5, 2.0]));
    assert_eq!(
        d.feature_names(),
        ["a"],
        "last column is the target by default"
    );
    let options = CsvOptions {
        target: Some("y".into()),
        task: Some(TaskHint::Classification),
    };
    let d = load(text, &options).unwrap();
    assert_eq!(d.task(), Task::Classification { classes: 2 });
    let options = CsvOptions {
        target: Some("a".into()),
        task: Some(TaskHint::Regression),
    };
    let d = load(text, &options).unwrap();
    assert_eq!(d.targets(), &Targets::Values(vec![1.0, 2.0]));
}

#[test]
fn round_trip_through_write_csv() {
    for name in ["moons", "sine"] {
        let d = generate(name, 50, 0.1, 1).unwrap();
        let text = to_csv_string(&d);
        let back = load(&text, &CsvOptions::default()).unwrap();
        assert_eq!(to_csv_string(&back), text);
        assert_eq!(back.task(), d.task());
    }
}

#[test]
fn errors_name_file_line_and_expectation() {
    let none = CsvOptions::default();
    assert_eq!(
        message("", &none),
        "DIR/data.csv: empty file: expected a header row"
    );
    assert_eq!(
        message("a,label\n", &none),
        "DIR/data.csv:1: no data rows after the header"
    );
    assert_eq!(
        message("a,b,label\n1,2,0\n1,0\n", &none),
        "DIR/data.csv:3: ragged row: expected 3 fields as in the header, found 2"
    );
    assert_eq!(
        message("a,label\n1,0\n\n2,1\nx1,0\n", &none),
        "DIR/data.csv:5: column `a`: expected a number, found `x1`"
    );
    assert_eq!(
        message("a,label\n1,0\nNaN,1\n", &none),
        "DIR/data.csv:3: column `a`: expected a finite number, found `NaN`"
    );
    assert_eq!(
        message("a,label\ninf,1\n", &none),
        "DIR/data.csv:2: column `a`: expected a finite number, found `inf`"
    );
    let options = CsvOptions {
        target: Some("y".into()),
        task: None,
    };
    assert_eq!(
        message("a,b\n1,2\n", &options),
        "DIR/data.csv:1: missing target column `y`: the header has a, b"
    );
    assert_eq!(
        message("label\n1\n", &none),
        "DIR/data.csv:1: expected at least one feature column besides the target `label`"
    );
    let regression = CsvOptions {
        target: None,
        task: Some(TaskHint::Regression),
    };
    assert_eq!(
        message("a,y\n1,2\n2,cat\n", &regression),
        "DIR/data.csv:3: column `y`: expected a number, found `cat`"
    );
    let missing = load_csv(Path::new("/no/such/file.csv"), &none).unwrap_err();
    assert!(
        missing.to_string().starts_with("/no/such/file.csv: "),
        "{missing}"
    );
}

#[test]
fn class_count_is_limited_and_named_with_its_column() {
    let rows = |n: usize| {
        (0..n).fold(String::from("x,id\n"), |mut text, i| {
            let _ = writeln!(text, "{i},{i}");
            text
        })
    };
    let text = rows(MAX_CLASSES + 1);
    assert_eq!(
        message(&text, &CsvOptions::default()),
        "DIR/data.csv: target column `id` holds 1001 distinct labels, more than the 1000 \
         classes supported; is it the right target column?"
    );
    // At the limit, it loads.
    let d = load(&rows(MAX_CLASSES), &CsvOptions::default()).unwrap();
    assert_eq!(d.class_names().len(), MAX_CLASSES);
}

#[test]
fn a_single_class_is_an_error_about_the_file() {
    assert_eq!(
        message("a,b,label\n1,2,x\n3,4,x\n5,6,x\n", &CsvOptions::default()),
        "DIR/data.csv: target column `label` holds only one class (`x`, in all 3 rows): \
         classification needs at least 2 classes"
    );
    // A constant target is fine for regression.
    let regression = CsvOptions {
        target: None,
        task: Some(TaskHint::Regression),
    };
    assert!(load("a,y\n1,3\n2,3\n", &regression).is_ok());
}

#[test]
fn errors_quote_at_most_40_characters_on_one_line() {
    let none = CsvOptions::default();
    let cell = format!("\u{1b}]0;pwned\u{7}{}", "9".repeat(10 << 20));
    let err = message(&format!("a,label\n1,0\n\"{cell}\",1\n"), &none);
    assert_eq!(
        err,
        format!(
            "DIR/data.csv:3: column `a`: expected a number, found `\\u{{1b}}]0;pwned\\u{{7}}{}...`",
            "9".repeat(21)
        )
    );
    let err = message("\"a\nb\",label\n1,0\nz,1\n", &none);
    assert_eq!(
        err,
        "DIR/data.csv:4: column `a\\nb`: expected a number, found `z`"
    );
    let long_header = format!("{},b", "c".repeat(1000));
    let options = CsvOptions {
        target: Some("y".into()),
        task: None,
    };
    let err = message(&format!("{long_header}\n1,2\n"), &options);
    assert_eq!(
        err,
        format!(
            "DIR/data.csv:1: missing target column `y`: the header has {}..., b",
            "c".repeat(40)
        )
    );
    let label = format!("{}\r\n", "L".repeat(100));
    let err = message(&format!("a,label\n1,\"{label}\"\n"), &none);
    assert!(!err.contains('\n') && err.len() < 200, "{err}");
}

#[test]
fn parts_are_written_with_a_split_column_that_loading_leaves_out() {
    for name in ["spiral4", "plane"] {
        let all = generate(name, 60, 0.1, 4).unwrap();
        let split = all.split(0.1, 0.2, 4).unwrap();
        let parts = [
            ("train", &split.train),
            ("validation", &split.validation),
            ("test", &split.test),
        ];
        let mut out = Vec::new();
        write_csv(&mut out, &parts, true).unwrap();
        let text = String::from_utf8(out).unwrap();
        let header = text.lines().next().unwrap();
        assert!(header.ends_with(",split"), "{header}");
        for (part, d) in parts {
            let rows = text.lines().filter(|l| l.ends_with(&format!(",{part}")));
            assert_eq!(rows.count(), d.len(), "{name} {part}");
        }
        let back = load(&text, &CsvOptions::default()).unwrap();
        assert_eq!(back.feature_names(), ["x1", "x2"]);
        assert_eq!(back.task(), all.task(), "{name}");
        assert_eq!(back.len(), 60);
        // One part alone, without the column, is to_csv_string's text.
        let mut one = Vec::new();
        write_csv(&mut one, &[("", &split.test)], false).unwrap();
        assert_eq!(String::from_utf8(one).unwrap(), to_csv_string(&split.test));
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        let _ = parse_csv(&bytes, Path::new("fuzz.csv"), &CsvOptions::default());
    }

    #[test]
    fn csv_like_text_never_panics(text in "[a-c0-9.,\n\" -]{0,200}") {
        let _ = parse_csv(text.as_bytes(), Path::new("fuzz.csv"), &CsvOptions::default());
    }
}
