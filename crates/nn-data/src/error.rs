//! The one error type of this crate. Every variant that comes from a file names
//! the file and the place in it (CSV: 1-based line, the header being line 1;
//! IDX: byte offset into the decompressed bytes) and says what was expected.
//! Every message is one line: text quoted from a file (cells, column names,
//! labels) is cut to 40 characters with control characters escaped.

use std::path::PathBuf;

/// Everything that can go wrong while building, loading or splitting a dataset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{}: {source}", crate::quote::shown(.path))]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file has no bytes at all (a CSV file needs at least a header row).
    #[error("{}: empty file: expected {expected}", crate::quote::shown(.path))]
    EmptyFile {
        /// The file.
        path: PathBuf,
        /// What should have been there.
        expected: &'static str,
    },
    /// Standard input was asked for data but is a terminal, not a pipe or a file.
    #[error("<stdin>: is a terminal: expected a CSV file piped or redirected into it")]
    TerminalInput,
    /// A CSV file with a header but no data rows.
    #[error("{}:1: no data rows after the header", crate::quote::shown(.path))]
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// A CSV row whose number of fields differs from the header's.
    #[error("{}:{line}: ragged row: expected {expected} fields as in the header, found {found}", crate::quote::shown(.path))]
    RaggedRow {
        /// The file.
        path: PathBuf,
        /// 1-based line; the header is line 1.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// A CSV field that should be a number but is not.
    #[error("{}:{line}: column `{column}`: expected a number, found `{value}`", crate::quote::shown(.path))]
    NotANumber {
        /// The file.
        path: PathBuf,
        /// 1-based line; the header is line 1.
        line: u64,
        /// Column name from the header.
        column: String,
        /// The text that was found (at most 40 characters, control characters escaped).
        value: String,
    },
    /// A CSV field that parses as a number but is NaN or infinite.
    #[error("{}:{line}: column `{column}`: expected a finite number, found `{value}`", crate::quote::shown(.path))]
    NotFinite {
        /// The file.
        path: PathBuf,
        /// 1-based line; the header is line 1.
        line: u64,
        /// Column name from the header.
        column: String,
        /// The text that was found (at most 40 characters, control characters escaped).
        value: String,
    },
    /// A classification target with more distinct labels than [`crate::MAX_CLASSES`].
    #[error("{}: target column `{column}` holds {count} distinct labels, more than the {limit} classes supported; is it the right target column?", crate::quote::shown(.path))]
    TooManyClasses {
        /// The file.
        path: PathBuf,
        /// The target column (quoted as in every message).
        column: String,
        /// Distinct labels found.
        count: usize,
        /// The most classes allowed.
        limit: usize,
    },
    /// A classification target whose rows all hold the same label.
    #[error("{}: target column `{column}` holds only one class (`{class}`, in all {rows} rows): classification needs at least 2 classes", crate::quote::shown(.path))]
    SingleClass {
        /// The file.
        path: PathBuf,
        /// The target column.
        column: String,
        /// The one label.
        class: String,
        /// Data rows in the file.
        rows: usize,
    },
    /// The requested (or default) target column is not in the header.
    #[error("{}:1: missing target column `{target}`: the header has {columns}", crate::quote::shown(.path))]
    MissingTarget {
        /// The file.
        path: PathBuf,
        /// The column that was asked for.
        target: String,
        /// The header's columns, comma separated.
        columns: String,
    },
    /// A feature column a model needs is not in the header.
    #[error("{}:1: missing feature column `{column}`: the header has {columns}", crate::quote::shown(.path))]
    MissingFeature {
        /// The file.
        path: PathBuf,
        /// The column that was asked for.
        column: String,
        /// The header's columns, comma separated.
        columns: String,
    },
    /// A CSV file with another number of feature columns than a model takes.
    #[error("{}:1: {found} feature columns ({columns}): expected {expected}", crate::quote::shown(.path))]
    FeatureCount {
        /// The file.
        path: PathBuf,
        /// Feature columns found.
        found: usize,
        /// Their names, comma separated.
        columns: String,
        /// Features expected.
        expected: usize,
    },
    /// A CSV file whose only column is the target.
    #[error("{}:1: expected at least one feature column besides the target `{target}`", crate::quote::shown(.path))]
    NoFeatures {
        /// The file.
        path: PathBuf,
        /// The target column.
        target: String,
    },
    /// A malformed CSV record (bad quoting, invalid UTF-8, ...).
    #[error("{}:{line}: {message}", crate::quote::shown(.path))]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line; the header is line 1.
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// An IDX file that does not start with the expected magic number.
    #[error("{}: byte offset {offset}: wrong magic number {found:#010x}: expected {expected}", crate::quote::shown(.path))]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// Offset of the magic number (0).
        offset: u64,
        /// The big-endian u32 that was found (or the bytes there were, padded).
        found: u32,
        /// What was expected, in words.
        expected: String,
    },
    /// An IDX header that promises more bytes than the file has.
    #[error("{}: byte offset {offset}: the header promises {expected} bytes ({what}) but the file has only {found}", crate::quote::shown(.path))]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Offset where the missing bytes should start.
        offset: u64,
        /// What the header promises, e.g. "60000 x 28 x 28 bytes of data".
        what: String,
        /// Bytes promised from `offset` on.
        expected: u64,
        /// Bytes present from `offset` on.
        found: u64,
    },
    /// An IDX file with bytes after the data its header describes.
    #[error("{}: byte offset {offset}: {}{extra} unexpected byte{} after the data the header describes ({what})", crate::quote::shown(.path), if *.exactly { "" } else { "at least " }, if *.extra == 1 { "" } else { "s" })]
    TrailingBytes {
        /// The file.
        path: PathBuf,
        /// Offset of the first extra byte.
        offset: u64,
        /// How many extra bytes (when not `exactly`, at least this many: a
        /// compressed file is not decompressed past the first one).
        extra: u64,
        /// Whether `extra` is the exact count.
        exactly: bool,
        /// What the header describes.
        what: String,
    },
    /// A gzip file with data after its (first) gzip member.
    #[error("{}: {extra} byte{} of unexpected data after the gzip stream{}: expected one gzip member and nothing after it", crate::quote::shown(.path), if *.extra == 1 { "" } else { "s" }, .offset.map(|o| format!(" (compressed byte offset {o})")).unwrap_or_default())]
    AfterGzip {
        /// The file.
        path: PathBuf,
        /// Offset of the unexpected data in the compressed file, when its length is known.
        offset: Option<u64>,
        /// How many bytes follow the gzip member.
        extra: u64,
    },
    /// An IDX array of the wrong shape or element type (e.g. labels given where images are expected).
    #[error("{}: byte offset {offset}: {message}", crate::quote::shown(.path))]
    BadShape {
        /// The file.
        path: PathBuf,
        /// Offset of the offending header field.
        offset: u64,
        /// What was expected and what was found.
        message: String,
    },
    /// A label that is not a valid class index.
    #[error("{}: byte offset {offset}: label {label} out of range: expected 0..={max} ({classes} classes)", crate::quote::shown(.path), max = .classes.saturating_sub(1))]
    LabelOutOfRange {
        /// The file.
        path: PathBuf,
        /// Offset of the label.
        offset: u64,
        /// The label found.
        label: u32,
        /// The number of classes stated.
        classes: u32,
    },
    /// Images and labels files that describe different numbers of samples.
    #[error("{}: byte offset 4: {images} images, but {}: byte offset 4: {labels} labels: expected the same count", crate::quote::shown(.images_path), crate::quote::shown(.labels_path))]
    CountMismatch {
        /// The images file.
        images_path: PathBuf,
        /// Images it holds.
        images: usize,
        /// The labels file.
        labels_path: PathBuf,
        /// Labels it holds.
        labels: usize,
    },
    /// Parts of a dataset that do not fit together (lengths, names, class indices).
    #[error("invalid dataset `{}`: {message}", crate::quote::excerpt(.name))]
    InvalidDataset {
        /// The dataset's name.
        name: String,
        /// What does not fit.
        message: String,
    },
    /// Split fractions outside `[0, 1)` or adding up to 1 or more.
    #[error("invalid split: {0}")]
    InvalidSplit(String),
    /// Input features that cannot be parsed or computed for the data.
    #[error("features {given}: {problem}")]
    Features {
        /// The features as given.
        given: String,
        /// What is wrong, and what is expected.
        problem: String,
    },
    /// A formula data set (`formula:...`) that does not parse, evaluate or split the plane.
    #[error("formula `{formula}`: {}{expected}", .position.map(|p| format!("at character {p}: ")).unwrap_or_default())]
    Formula {
        /// The formula after `formula:` (at most 80 characters, control characters escaped).
        formula: String,
        /// 1-based character of the fault in it, when one character is at fault.
        position: Option<usize>,
        /// What is wrong, and what was expected.
        expected: String,
    },
    /// A generator name that is not in [`crate::GENERATORS`].
    #[error("unknown dataset generator `{}`: expected one of {expected}", crate::quote::excerpt(.name))]
    UnknownGenerator {
        /// The name asked for.
        name: String,
        /// The known names, comma separated.
        expected: String,
    },
}

impl DataError {
    /// Wraps an I/O error with the file it came from.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
