//! CSV files in and out: [`load_csv`] reads a header row plus numeric feature
//! columns and one target column; [`to_csv_string`] writes a dataset byte for byte
//! reproducibly (six decimals), which is how `datasets/*.csv` are made.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use csv::{ByteRecord, ReaderBuilder, Trim};

use crate::quote::{excerpt, excerpt_of};
use crate::{DataError, Dataset, Inputs, Targets};

/// The most classes a CSV target may hold. Per-class state (a confusion matrix
/// of `classes^2` counts, the output layer) must stay small; a column of a
/// million distinct IDs is a wrong target column, not a million classes.
pub const MAX_CLASSES: usize = 1000;

/// How to read the target column when the data alone would not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskHint {
    /// Every distinct target value is a class.
    Classification,
    /// The target is a real number.
    Regression,
}

/// Options for [`load_csv`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// The target column's name; `None` picks a column named `label`, else the last column.
    pub target: Option<String>,
    /// Force classification or regression; `None` decides from the values (see [`load_csv`]).
    pub task: Option<TaskHint>,
}

/// Loads a CSV file with a header row.
///
/// Every column but the target must hold finite numbers. The target column is
/// `options.target`, else a column named `label`, else the last one. Without a
/// [`TaskHint`], a target whose values are all integers (or not all numbers)
/// makes a classification dataset and a numeric target with any non-integer
/// value makes a regression dataset. Class labels get indices in a stable
/// order: numeric order when every label is an integer, sorted text order
/// otherwise; the labels' text become the class names. The dataset is named
/// after the file stem. Fields are trimmed of surrounding spaces.
///
/// # Errors
/// A one-line [`DataError`] naming the file and the 1-based line (the header
/// is line 1): unreadable or empty file, no data rows, ragged row, non-numeric
/// or non-finite value, missing target column, no feature column, malformed
/// CSV; for classification, one class only or more than [`MAX_CLASSES`].
pub fn load_csv(path: &Path, options: &CsvOptions) -> Result<Dataset, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse_csv(&bytes, path, options)
}

/// [`load_csv`] on bytes already in memory; `path` is only used in names and errors.
///
/// # Errors
/// As [`load_csv`], except for I/O.
pub fn parse_csv(bytes: &[u8], path: &Path, options: &CsvOptions) -> Result<Dataset, DataError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::EmptyFile {
            path: path.to_owned(),
            expected: "a header row",
        });
    }
    let csv_error = |line: u64, e: &csv::Error| DataError::Csv {
        path: path.to_owned(),
        line,
        message: excerpt_of(&e.to_string(), 4 * crate::quote::EXCERPT_CHARS),
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

    // A `split` column (as `write_csv` adds) names parts, it is no feature.
    let split = header
        .iter()
        .position(|h| h == SPLIT_COLUMN)
        .filter(|_| options.target.as_deref() != Some(SPLIT_COLUMN));
    let target = match &options.target {
        Some(t) => header.iter().position(|h| h == t).ok_or_else(|| t.clone()),
        None => Ok(header.iter().position(|h| h == "label").unwrap_or(
            (0..header.len())
                .rev()
                .find(|&j| Some(j) != split)
                .unwrap_or_default(),
        )),
    }
    .map_err(|target| DataError::MissingTarget {
        path: path.to_owned(),
        target: excerpt(&target),
        columns: column_list(&header),
    })?;
    if header.len() < 2 + usize::from(split.is_some()) {
        return Err(DataError::NoFeatures {
            path: path.to_owned(),
            target: header.get(target).map(|t| excerpt(t)).unwrap_or_default(),
        });
    }
    let feature_names: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != target && Some(j) != split)
        .map(|(_, h)| h.clone())
        .collect();

    let mut inputs: Vec<f32> = Vec::new();
    // Target fields, concatenated: one buffer instead of one String per row.
    let mut label_text = String::new();
    let mut label_ends: Vec<usize> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
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
        // Trimmed here rather than by the reader, which would rebuild every record.
        for (j, field) in record.iter().map(<[u8]>::trim_ascii).enumerate() {
            if j == target {
                let text = std::str::from_utf8(field).map_err(|_| DataError::Csv {
                    path: path.to_owned(),
                    line,
                    message: format!("column `{}`: not valid UTF-8", excerpt(&header[j])),
                })?;
                label_text.push_str(text);
                label_ends.push(label_text.len());
            } else if Some(j) != split {
                inputs.push(parse_number(field, path, line, &header[j])?);
            }
        }
        lines.push(line);
    }
    if label_ends.is_empty() {
        return Err(DataError::NoRows {
            path: path.to_owned(),
        });
    }

    let labels = || {
        std::iter::once(0)
            .chain(label_ends.iter().copied())
            .zip(&label_ends)
            .map(|(start, &end)| &label_text[start..end])
    };
    // All integers, else all numbers, decided in one pass.
    let (mut integers, mut numeric) = (true, true);
    for label in labels() {
        if integers {
            if label.parse::<i64>().is_ok() {
                continue;
            }
            integers = false;
        }
        if label.parse::<f64>().is_err() {
            numeric = false;
            break;
        }
    }
    let regression = match options.task {
        Some(TaskHint::Regression) => true,
        Some(TaskHint::Classification) => false,
        None => numeric && !integers,
    };
    let target_name = header[target].clone();
    let name = path
        .file_stem()
        .map_or_else(|| "csv".to_owned(), |s| s.to_string_lossy().into_owned());
    let (targets, class_names) = if regression {
        let values = labels()
            .zip(&lines)
            .map(|(l, &line)| parse_number(l.as_bytes(), path, line, &target_name))
            .collect::<Result<Vec<f32>, _>>()?;
        (Targets::Values(values), Vec::new())
    } else {
        // Ids in order of first appearance, then renumbered in sorted order.
        let mut first_seen: HashMap<&str, u32> = HashMap::new();
        let mut distinct: Vec<&str> = Vec::new();
        let ids: Vec<u32> = labels()
            .map(|l| {
                *first_seen.entry(l).or_insert_with(|| {
                    distinct.push(l);
                    (distinct.len() - 1) as u32
                })
            })
            .collect();
        if distinct.len() > MAX_CLASSES {
            return Err(DataError::TooManyClasses {
                path: path.to_owned(),
                column: excerpt(&target_name),
                count: distinct.len(),
                limit: MAX_CLASSES,
            });
        }
        if let [only] = distinct[..] {
            return Err(DataError::SingleClass {
                path: path.to_owned(),
                column: excerpt(&target_name),
                class: excerpt(only),
                rows: ids.len(),
            });
        }
        let mut order: Vec<usize> = (0..distinct.len()).collect();
        if integers {
            order.sort_by_key(|&i| distinct[i].parse::<i64>().unwrap_or_default());
        } else {
            order.sort_by_key(|&i| distinct[i]);
        }
        let mut rank = vec![0u32; distinct.len()];
        for (sorted, &i) in order.iter().enumerate() {
            rank[i] = sorted as u32;
        }
        let class_names = order.iter().map(|&i| distinct[i].to_owned()).collect();
        let classes = ids.iter().map(|&id| rank[id as usize]).collect();
        (Targets::Classes(classes), class_names)
    };
    Dataset::new(
        name,
        Inputs::F32(inputs),
        targets,
        feature_names,
        vec![target_name],
        class_names,
    )
}

pub(crate) fn parse_number(
    field: &[u8],
    path: &Path,
    line: u64,
    column: &str,
) -> Result<f32, DataError> {
    let text = String::from_utf8_lossy(field);
    let value: f32 = text.parse().map_err(|_| DataError::NotANumber {
        path: path.to_owned(),
        line,
        column: excerpt(column),
        value: excerpt(&text),
    })?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(DataError::NotFinite {
            path: path.to_owned(),
            line,
            column: excerpt(column),
            value: excerpt(&text),
        })
    }
}

/// The header's first columns, quoted, for an error: `a, b, c` or `a, b, ... (300 columns)`.
pub fn column_list(header: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut list: Vec<String> = header.iter().take(SHOWN).map(|h| excerpt(h)).collect();
    if header.len() > SHOWN {
        list.push(format!("... ({} columns)", header.len()));
    }
    list.join(", ")
}

/// `dataset` as CSV text: a header of feature names then target names, one
/// row per sample, `f32` values with six decimals (`{:.6}`), bytes as
/// integers, class labels as their class names, `\n` line ends. The output is
/// a pure function of the dataset, so regenerated files compare byte for byte.
pub fn to_csv_string(dataset: &Dataset) -> String {
    let mut out = Vec::with_capacity(dataset.len() * (dataset.dim() + 1) * 11 + 64);
    write_csv(&mut out, &[("", dataset)], false).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("CSV text is UTF-8")
}

/// The column [`write_csv`] adds to say which part a row belongs to, and which
/// [`load_csv`] leaves out of the features.
pub const SPLIT_COLUMN: &str = "split";

/// Writes parts of one data set (same columns) as one CSV file, in the format of
/// [`to_csv_string`]: the first part's header, then every part's rows in order;
/// with `split_column`, a last column [`SPLIT_COLUMN`] holding each row's part name
/// (`train`, `validation`, `test`).
///
/// # Errors
/// What `out` says when written to.
pub fn write_csv<W: std::io::Write>(
    out: &mut W,
    parts: &[(&str, &Dataset)],
    split_column: bool,
) -> std::io::Result<()> {
    let Some((_, first)) = parts.first() else {
        return Ok(());
    };
    let mut header: Vec<String> = first
        .feature_names()
        .iter()
        .chain(first.target_names())
        .map(|h| quote(h))
        .collect();
    if split_column {
        header.push(SPLIT_COLUMN.to_owned());
    }
    let mut row = String::with_capacity(256);
    writeln!(out, "{}", header.join(","))?;
    for (part, dataset) in parts {
        let dim = dataset.dim();
        let width = dataset.task().outputs();
        let part = quote(part);
        for i in 0..dataset.len() {
            row.clear();
            match dataset.inputs() {
                Inputs::F32(v) => {
                    for x in &v[i * dim..(i + 1) * dim] {
                        let _ = write!(row, "{x:.6},");
                    }
                }
                Inputs::U8(v) => {
                    for x in &v[i * dim..(i + 1) * dim] {
                        let _ = write!(row, "{x},");
                    }
                }
            }
            match dataset.targets() {
                Targets::Classes(c) => row.push_str(&quote(&dataset.class_names()[c[i] as usize])),
                Targets::Values(v) => {
                    for (k, y) in v[i * width..(i + 1) * width].iter().enumerate() {
                        if k > 0 {
                            row.push(',');
                        }
                        let _ = write!(row, "{y:.6}");
                    }
                }
            }
            if split_column {
                row.push(',');
                row.push_str(&part);
            }
            row.push('\n');
            out.write_all(row.as_bytes())?;
        }
    }
    Ok(())
}

/// Quotes a field when CSV needs it (comma, quote, line break, outer space).
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) || field.trim() != field {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests;
