//! The feature columns of a CSV file, for running a trained model on it: the
//! columns are picked by the model's feature names (or all but the ignored
//! ones), and every error is the training loader's, naming the file and line.
//!
//! [`FeatureStream`] reads them a chunk of rows at a time from any reader (a file,
//! a pipe), so a file of any size costs memory for one chunk and one line: a line
//! longer than [`MAX_LINE_BYTES`] is an error, not a reason to keep reading.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use csv::{ByteRecord, ReaderBuilder, Trim};

use crate::DataError;
use crate::csv_io::{column_list, parse_number};
use crate::quote::{EXCERPT_CHARS, excerpt, excerpt_of};

/// The longest line [`FeatureStream`] reads: 64 MiB, over 30,000 times an MNIST row.
pub const MAX_LINE_BYTES: usize = 64 << 20;

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

/// Reads every row's feature columns from CSV bytes in memory; `path` names them in errors.
///
/// # Errors
/// As [`FeatureStream::new`] and [`FeatureStream::read_chunk`].
pub fn parse_features(
    bytes: &[u8],
    path: &Path,
    columns: &FeatureColumns<'_>,
) -> Result<FeatureRows, DataError> {
    let mut stream = FeatureStream::new(bytes, path, columns)?;
    let picked = stream.picked.clone();
    stream.copy_columns(picked);
    let mut rows = FeatureRows {
        columns: stream.feature_names(),
        values: Vec::new(),
        texts: Vec::new(),
    };
    let (mut values, mut copied) = (Vec::new(), CopiedFields::default());
    while stream.read_chunk(4096, &mut values, &mut copied)? > 0 {
        rows.values.extend_from_slice(&values);
        rows.texts.extend(
            (0..copied.len()).map(|i| String::from_utf8_lossy(copied.field(i)).into_owned()),
        );
    }
    Ok(rows)
}

/// The text of the copied columns of a chunk's rows, field after field, row after row.
#[derive(Debug, Clone, Default)]
pub struct CopiedFields {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl CopiedFields {
    /// Fields held (rows x copied columns).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `i`-th field's text, as in the file (trimmed).
    pub fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    fn push(&mut self, field: &[u8]) {
        self.bytes.extend_from_slice(field);
        self.ends.push(self.bytes.len());
    }
}

/// A CSV file's feature columns read a chunk of rows at a time: the header checked
/// once against the model's columns, then rows parsed into caller-owned buffers that
/// are reused from chunk to chunk.
#[derive(Debug)]
pub struct FeatureStream<R: Read> {
    reader: csv::Reader<LineLimit<R>>,
    path: PathBuf,
    header: Vec<String>,
    /// The header's index of each feature, in the model's order.
    picked: Vec<usize>,
    /// The header's index of each column copied beside the predictions.
    copied: Vec<usize>,
    record: ByteRecord,
    rows: u64,
}

impl<R: Read> FeatureStream<R> {
    /// Reads the header from `source` and finds the feature columns in it.
    ///
    /// # Errors
    /// The file (`path`) and line of an empty or unreadable header, malformed CSV,
    /// a missing feature column or the wrong number of them.
    pub fn new(source: R, path: &Path, columns: &FeatureColumns<'_>) -> Result<Self, DataError> {
        let mut reader = ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(Trim::Headers)
            .buffer_capacity(1 << 16)
            .from_reader(LineLimit {
                inner: source,
                line: 0,
            });
        let header: Vec<String> = reader
            .byte_headers()
            .map_err(|e| csv_error(path, 1, &e))?
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        if header.iter().all(|h| h.trim().is_empty()) {
            return Err(DataError::EmptyFile {
                path: path.to_owned(),
                expected: "a header row",
            });
        }
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
        Ok(Self {
            reader,
            path: path.to_owned(),
            header,
            picked,
            copied: Vec::new(),
            record: ByteRecord::new(),
            rows: 0,
        })
    }

    /// Every column's name, as in the header.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The feature columns' names, in the model's order.
    pub fn feature_names(&self) -> Vec<String> {
        self.picked
            .iter()
            .map(|&j| self.header[j].clone())
            .collect()
    }

    /// Copies the text of these columns (indices into [`Self::header`]) into each
    /// chunk's [`CopiedFields`]. Out-of-range indices are ignored.
    pub fn copy_columns(&mut self, columns: Vec<usize>) {
        self.copied = columns
            .into_iter()
            .filter(|&j| j < self.header.len())
            .collect();
    }

    /// Reads up to `max_rows` rows: their features into `values` (`[rows, features]`,
    /// cleared first), the copied columns' text into `copied` (cleared first).
    /// Returns the rows read; 0 at the end of the file.
    ///
    /// # Errors
    /// As [`crate::load_csv`]: the file and line of a ragged row, a value that is not a
    /// finite number, malformed CSV or an over-long line; no data rows in the whole file.
    pub fn read_chunk(
        &mut self,
        max_rows: usize,
        values: &mut Vec<f32>,
        copied: &mut CopiedFields,
    ) -> Result<usize, DataError> {
        values.clear();
        copied.clear();
        let mut read = 0;
        while read < max_rows {
            let line = self.reader.position().line();
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map_or(line, csv::Position::line);
                    return Err(csv_error(&self.path, line, &e));
                }
            }
            let line = self.record.position().map_or(line, csv::Position::line);
            if self.record.len() != self.header.len() {
                return Err(DataError::RaggedRow {
                    path: self.path.clone(),
                    line,
                    expected: self.header.len(),
                    found: self.record.len(),
                });
            }
            for &j in &self.picked {
                let field = self.record[j].trim_ascii();
                values.push(parse_number(field, &self.path, line, &self.header[j])?);
            }
            for &j in &self.copied {
                copied.push(self.record[j].trim_ascii());
            }
            read += 1;
        }
        self.rows += read as u64;
        if read == 0 && self.rows == 0 {
            return Err(DataError::NoRows {
                path: self.path.clone(),
            });
        }
        Ok(read)
    }
}

/// A malformed-CSV error at `line` of `path`, its message cut to a few excerpts' length.
fn csv_error(path: &Path, line: u64, e: &csv::Error) -> DataError {
    DataError::Csv {
        path: path.to_owned(),
        line,
        message: excerpt_of(&e.to_string(), 4 * EXCERPT_CHARS),
    }
}

/// A reader that fails once a line grows past [`MAX_LINE_BYTES`], so that one
/// endless line (`/dev/zero`, a file with no newline) is an error, not all of memory.
#[derive(Debug)]
struct LineLimit<R> {
    inner: R,
    /// Bytes since the last newline.
    line: usize,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        match buf[..n].iter().rposition(|&b| b == b'\n') {
            Some(last) => self.line = n - last - 1,
            None => self.line += n,
        }
        if self.line > MAX_LINE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line longer than {} MiB", MAX_LINE_BYTES >> 20),
            ));
        }
        Ok(n)
    }
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
