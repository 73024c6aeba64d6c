//! The feature columns of a CSV file, for running a trained model on it: the
//! columns are picked by the model's feature names (or all but the ignored
//! ones), and every error is the training loader's, naming the file and line.

use std::path::Path;

use csv::{ByteRecord, ReaderBuilder, Trim};

use crate::DataError;
use crate::csv_io::{column_list, parse_number};
use crate::quote::{EXCERPT_CHARS, excerpt, excerpt_of};

/// Which columns hold the features.
#[derive(Debug, Clone, Copy)]
pub struct FeatureColumns<'a> {
    /// The features by name, in the model's order; `None`: every column not `ignored`.
    pub names: Option<&'a [String]>,
    /// Features the model takes.
    pub count: usize,
    /// Columns that are not features (targets), when picking by position.
    pub ignored: &'a [&'a str],
}

/// The feature values of every row, with the text each was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRows {
    /// The feature columns' names, in the order of `values`.
    pub columns: Vec<String>,
    /// `[rows, columns]`, row-major.
    pub values: Vec<f32>,
    /// Each value's text as written in the file (trimmed), same layout as `values`.
    pub texts: Vec<String>,
}

impl FeatureRows {
    /// Rows read.
    pub fn len(&self) -> usize {
        self.values.len() / self.columns.len().max(1)
    }

    /// Whether no row was read.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Reads the feature columns of the CSV file at `path`.
///
/// # Errors
/// As [`crate::load_csv`]: the file and the 1-based line of an unreadable or empty
/// file, no data rows, a ragged row, a value that is not a finite number, or
/// malformed CSV; also a missing feature column or the wrong number of them.
pub fn read_features(path: &Path, columns: &FeatureColumns<'_>) -> Result<FeatureRows, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse_features(&bytes, path, columns)
}

/// [`read_features`] on bytes already in memory; `path` names them in errors.
///
/// # Errors
/// As [`read_features`], except for I/O.
pub fn parse_features(
    bytes: &[u8],
    path: &Path,
    columns: &FeatureColumns<'_>,
) -> Result<FeatureRows, DataError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::EmptyFile {
            path: path.to_owned(),
            expected: "a header row",
        });
    }
    let csv_error = |line: u64, e: &csv::Error| DataError::Csv {
        path: path.to_owned(),
        line,
        message: excerpt_of(&e.to_string(), 4 * EXCERPT_CHARS),
    };
    let mut reader = ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(Trim::Headers)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .byte_headers()
        .map_err(|e| csv_error(1, &e))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let picked: Vec<usize> = match columns.names {
        Some(names) => names
            .iter()
            .map(|name| {
                header
                    .iter()
                    .position(|h| h == name)
                    .ok_or_else(|| DataError::MissingFeature {
                        path: path.to_owned(),
                        column: excerpt(name),
                        columns: column_list(&header),
                    })
            })
            .collect::<Result<_, _>>()?,
        None => (0..header.len())
            .filter(|&j| !columns.ignored.contains(&header[j].as_str()))
            .collect(),
    };
    if picked.len() != columns.count {
        return Err(DataError::FeatureCount {
            path: path.to_owned(),
            found: picked.len(),
            columns: column_list(
                &picked
                    .iter()
                    .map(|&j| header[j].clone())
                    .collect::<Vec<_>>(),
            ),
            expected: columns.count,
        });
    }
    let mut rows = FeatureRows {
        columns: picked.iter().map(|&j| header[j].clone()).collect(),
        values: Vec::new(),
        texts: Vec::new(),
    };
    let mut record = ByteRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(csv_error(
                    e.position().map_or(line, csv::Position::line),
                    &e,
                ));
            }
        }
        let line = record.position().map_or(line, csv::Position::line);
        if record.len() != header.len() {
            return Err(DataError::RaggedRow {
                path: path.to_owned(),
                line,
                expected: header.len(),
                found: record.len(),
            });
        }
        for &j in &picked {
            let field = record[j].trim_ascii();
            rows.values
                .push(parse_number(field, path, line, &header[j])?);
            rows.texts.push(String::from_utf8_lossy(field).into_owned());
        }
    }
    if rows.is_empty() {
        return Err(DataError::NoRows {
            path: path.to_owned(),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, names: Option<&[String]>, count: usize) -> Result<FeatureRows, DataError> {
        let columns = FeatureColumns {
            names,
            count,
            ignored: &["label"],
        };
        parse_features(text.as_bytes(), Path::new("in.csv"), &columns)
    }

    #[test]
    fn picks_columns_by_name_in_the_models_order() {
        let names = ["b".to_string(), "a".to_string()];
        let rows = parse("a,b,label\n1,2,x\n 3 ,4.5,y\n", Some(&names), 2).unwrap();
        assert_eq!(rows.columns, ["b", "a"]);
        assert_eq!(rows.values, [2.0, 1.0, 4.5, 3.0]);
        assert_eq!(rows.texts, ["2", "1", "4.5", "3"]);
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn picks_every_column_but_the_ignored_ones() {
        let rows = parse("x1,label,x2\n1,0,2\n", None, 2).unwrap();
        assert_eq!(rows.columns, ["x1", "x2"]);
        assert_eq!(rows.values, [1.0, 2.0]);
    }

    #[test]
    fn errors_are_the_training_loaders() {
        let err = |text: &str, count| parse(text, None, count).unwrap_err().to_string();
        assert_eq!(
            err("a,b\n1,oops\n", 2),
            "in.csv:2: column `b`: expected a number, found `oops`"
        );
        assert_eq!(
            err("a,b\n1,inf\n", 2),
            "in.csv:2: column `b`: expected a finite number, found `inf`"
        );
        assert_eq!(
            err("a,b\n1\n", 2),
            "in.csv:2: ragged row: expected 2 fields as in the header, found 1"
        );
        assert_eq!(err("a,b\n", 2), "in.csv:1: no data rows after the header");
        assert_eq!(err("", 2), "in.csv: empty file: expected a header row");
        assert_eq!(
            err("a,b,c\n1,2,3\n", 2),
            "in.csv:1: 3 feature columns (a, b, c): expected 2"
        );
        let names = ["c".to_string()];
        assert_eq!(
            parse("a,b\n1,2\n", Some(&names), 1)
                .unwrap_err()
                .to_string(),
            "in.csv:1: missing feature column `c`: the header has a, b"
        );
    }

    #[test]
    fn errors_quote_at_most_40_characters_on_one_line() {
        let long = format!("\u{1b}[2J{}", "n".repeat(10 << 20));
        let names = [long.clone()];
        let err = parse("a,b\n1,2\n", Some(&names), 1)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "in.csv:1: missing feature column `\\u{{1b}}[2J{}...`: the header has a, b",
                "n".repeat(31)
            )
        );
        let header: Vec<String> = (0..50).map(|i| format!("c{i}")).collect();
        let err = parse(&format!("{}\n", header.join(",")), None, 2)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "in.csv:1: 50 feature columns (c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, \
             ... (50 columns)): expected 2"
        );
        // Found by fuzz/ (csv): ten column names of 40 control characters each made a
        // 2 kB message when the limit counted characters before escaping.
        let nul_columns = vec!["\0".repeat(40); 10].join(",");
        let err = parse(&format!("{nul_columns}\n"), None, 2)
            .unwrap_err()
            .to_string();
        assert!(err.len() < 600, "{} bytes: {err}", err.len());
        let err = parse(&format!("a,b\n1,\"{long}\"\n"), None, 2)
            .unwrap_err()
            .to_string();
        assert!(err.len() < 200 && !err.contains('\u{1b}'), "{err:.300}");
    }
}
