//! `nn-tui predict`: a CSV of features in, the model's predictions out (CSV, JSON lines
//! or a NumPy array), with the model's own input normalisation; `-` is stdin or stdout.
//!
//! It streams: one thread parses a chunk of rows while the other runs the previous
//! chunk through the network and writes its predictions, so memory holds a few chunks
//! whatever the input's size (a chunk is sized to a few MB of values). A file named by
//! `--output` is written to a temporary file as the rows come and renamed into place at
//! the end: an error half-way leaves the old file; on stdout the rows before it are out.

use std::fs::File;
use std::io::{BufWriter, IsTerminal as _, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc::sync_channel;

use anyhow::{Context, Result, anyhow, bail};
use nn_data::{CopiedFields, DataError, FeatureColumns, FeatureStream};
use nn_train::{Model, PredictScratch};

use crate::Outcome;
use crate::model;
use crate::setup;
use nn_tui::{PredictArgs, PredictFormat};

/// Values (features and each layer's outputs) one chunk of rows may hold: 2 MB of f32.
const CHUNK_VALUES: usize = 1 << 19;
/// Most rows in a chunk, however narrow the rows.
const CHUNK_ROWS: usize = 4096;
/// How errors name standard input.
const STDIN: &str = "<stdin>";

/// Runs `nn-tui predict`.
pub fn run(args: &PredictArgs) -> Result<Outcome> {
    let output = args.output.as_deref().filter(|path| !is_stdio(path));
    if let Some(path) = output {
        setup::check_writable_file("--output", path)?;
    }
    let model = model::load(&args.model)?;
    if args.proba && model.info.class_names.is_empty() {
        bail!(
            "--proba: the model is a regression (it has no class names); its outputs are the \
             predictions"
        );
    }
    if args.format == PredictFormat::Npy && args.columns.as_deref().is_some_and(|c| c != "none") {
        bail!(
            "--columns: npy holds the predictions alone; use --format csv or jsonl to copy columns"
        );
    }
    if is_stdio(&args.input) {
        let stdin = std::io::stdin();
        // Reading a terminal would wait for typing the user does not know is expected.
        if stdin.is_terminal() {
            return Err(anyhow!("--input {}", DataError::TerminalInput));
        }
        predict(&model, args, stdin, Path::new(STDIN), output)?;
    } else {
        let file = File::open(&args.input).map_err(|source| {
            let path = args.input.clone();
            anyhow!("--input {}", DataError::Io { path, source })
        })?;
        predict(&model, args, file, &args.input, output)?;
    }
    Ok(Outcome::Done)
}

/// Reads the header, picks the columns, then streams every row to `output` (stdout if none).
fn predict<R: Read + Send>(
    model: &Model,
    args: &PredictArgs,
    source: R,
    path: &Path,
    output: Option<&Path>,
) -> Result<()> {
    let names = &model.info.feature_names;
    let inputs = model.raw_columns();
    let mut ignored = vec!["label"];
    ignored.extend(args.target.as_deref());
    let columns = FeatureColumns {
        // Columns by the model's feature names when it has them, else by position.
        names: (names.len() == inputs).then_some(names.as_slice()),
        count: inputs,
        ignored: &ignored,
    };
    let mut stream = FeatureStream::new(source, path, &columns)?;
    let copied = copied_columns(args, stream.header(), &ignored, path)?;
    let copied_names: Vec<String> = copied.iter().map(|&j| stream.header()[j].clone()).collect();
    stream.copy_columns(copied);
    let layout = Layout::of(model, args.proba, copied_names);
    let widths: usize = model.network.architecture().sizes.iter().sum();
    let rows = (CHUNK_VALUES / widths.max(inputs).max(1)).clamp(1, CHUNK_ROWS);

    match (output, args.format) {
        (Some(path), PredictFormat::Npy) => {
            let mut file = nn_atomic_write::AtomicFile::create(path)?;
            let what = format!("--output {}", path.display());
            let mut npy = Npy::new(&mut file, &layout).context(what.clone())?;
            stream_rows(model, stream, rows, &mut npy, &what)?;
            drop(npy);
            file.commit()?;
        }
        (Some(path), format) => {
            let mut file =
                BufWriter::with_capacity(1 << 16, nn_atomic_write::AtomicFile::create(path)?);
            let what = format!("--output {}", path.display());
            let mut text = Text::new(&mut file, &layout, format);
            stream_rows(model, stream, rows, &mut text, &what)?;
            drop(text);
            let file = file
                .into_inner()
                .map_err(|e| anyhow!("{what}: {}", e.error()))?;
            file.commit()?;
        }
        (None, PredictFormat::Npy) => {
            // The header gives the row count first: spool to a temporary file, then copy.
            let what = "the temporary file for the npy array";
            let mut spool = tempfile::tempfile().context(what)?;
            let mut npy = Npy::new(&mut spool, &layout).context(what)?;
            stream_rows(model, stream, rows, &mut npy, what)?;
            drop(npy);
            spool.seek(SeekFrom::Start(0))?;
            let mut stdout = std::io::stdout().lock();
            std::io::copy(&mut spool, &mut stdout)
                .and_then(|_| stdout.flush())
                .context("writing the predictions to stdout")?;
        }
        (None, format) => {
            let what = "writing the predictions to stdout";
            let mut stdout = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let mut text = Text::new(&mut stdout, &layout, format);
            stream_rows(model, stream, rows, &mut text, what)?;
            stdout.flush().context(what)?;
        }
    }
    Ok(())
}

/// The header's indices of the columns `--columns` copies: by default the `id` and
/// label columns the input has.
fn copied_columns(
    args: &PredictArgs,
    header: &[String],
    labels: &[&str],
    path: &Path,
) -> Result<Vec<usize>> {
    let all = 0..header.len();
    match args.columns.as_deref() {
        None if args.format == PredictFormat::Npy => Ok(Vec::new()),
        None => Ok(all
            .filter(|&j| header[j] == "id" || labels.contains(&header[j].as_str()))
            .collect()),
        Some("none") => Ok(Vec::new()),
        Some("all") => Ok(all.collect()),
        Some(list) => list
            .split(',')
            .map(|name| {
                let name = name.trim();
                header.iter().position(|h| h == name).ok_or_else(|| {
                    anyhow!(
                        "--columns: no column `{}` in {}; its columns are {}",
                        nn_data::excerpt(name),
                        path.display(),
                        nn_data::column_list(header)
                    )
                })
            })
            .collect(),
    }
}

/// What each output row holds, in order.
struct Layout {
    /// Input columns copied first.
    copied: Vec<String>,
    /// The class names of a classifier (by index when the model has none); empty for a regression.
    classes: Vec<String>,
    /// Every class's probability besides the class.
    proba: bool,
    /// The network's outputs.
    outputs: usize,
}

impl Layout {
    fn of(model: &Model, proba: bool, copied: Vec<String>) -> Self {
        let classes = model.info.class_names.clone();
        Self {
            copied,
            classes,
            proba,
            outputs: model.network.architecture().outputs(),
        }
    }

    /// The column names after the copied ones.
    fn prediction_columns(&self) -> Vec<String> {
        if self.classes.is_empty() {
            if self.outputs == 1 {
                return vec!["prediction".into()];
            }
            return (1..=self.outputs)
                .map(|k| format!("prediction_{k}"))
                .collect();
        }
        let mut names = vec!["class".to_string()];
        if self.proba {
            names.extend(self.classes.iter().cloned());
        } else {
            names.push("probability".into());
        }
        names
    }
}

/// Where rows of predictions go, in some format.
trait RowSink {
    /// Writes one row: its copied fields, the network's outputs.
    fn row(
        &mut self,
        model: &Model,
        copied: &CopiedFields,
        first: usize,
        outputs: &[f32],
    ) -> Result<()>;
    /// Called once after the last row.
    fn finish(&mut self) -> Result<()>;
}

/// Every class's probability from a classifier's output row: a single sigmoid's
/// `[1 - o, o]`, else the outputs themselves.
fn probabilities(outputs: &[f32], mut each: impl FnMut(f32) -> Result<()>) -> Result<()> {
    if let [o] = outputs {
        each(1.0 - o)?;
        each(*o)
    } else {
        outputs.iter().try_for_each(|&p| each(p))
    }
}

/// Reads chunks on one thread while this one predicts and writes the previous chunk.
fn stream_rows<R: Read + Send>(
    model: &Model,
    mut stream: FeatureStream<R>,
    rows: usize,
    sink: &mut dyn RowSink,
    what: &str,
) -> Result<()> {
    #[derive(Default)]
    struct Chunk {
        values: Vec<f32>,
        copied: CopiedFields,
        rows: usize,
    }
    std::thread::scope(|scope| {
        let (full, filled) = sync_channel::<Result<Chunk, DataError>>(1);
        let (empty, emptied) = sync_channel::<Chunk>(2);
        for _ in 0..2 {
            empty.send(Chunk::default()).expect("room for two");
        }
        scope.spawn(move || {
            while let Ok(mut chunk) = emptied.recv() {
                match stream.read_chunk(rows, &mut chunk.values, &mut chunk.copied) {
                    Ok(0) => break,
                    Ok(n) => {
                        chunk.rows = n;
                        if full.send(Ok(chunk)).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        let _ = full.send(Err(e));
                        break;
                    }
                }
            }
        });
        let mut scratch = PredictScratch::default();
        let copied_per_row = |chunk: &Chunk| chunk.copied.len() / chunk.rows.max(1);
        for chunk in filled {
            let chunk = chunk?;
            let outputs = model.predict_with(&chunk.values, &mut scratch)?;
            let width = outputs.len() / chunk.rows;
            let per_row = copied_per_row(&chunk);
            for (i, row) in outputs.chunks_exact(width).enumerate() {
                sink.row(model, &chunk.copied, i * per_row, row)
                    .with_context(|| what.to_string())?;
            }
            // The reader may have stopped (an error, the end): then the chunk is dropped.
            let _ = empty.send(chunk);
        }
        sink.finish().with_context(|| what.to_string())
    })
}

/// CSV or JSON lines.
struct Text<'w, W: Write> {
    out: &'w mut W,
    layout: &'w Layout,
    format: PredictFormat,
    /// Each column's JSON key with its quotes and colon, for JSON lines.
    keys: Vec<String>,
    /// The line being written.
    line: Vec<u8>,
    rows: u64,
}

impl<'w, W: Write> Text<'w, W> {
    fn new(out: &'w mut W, layout: &'w Layout, format: PredictFormat) -> Self {
        let names: Vec<String> = layout
            .copied
            .iter()
            .cloned()
            .chain(layout.prediction_columns())
            .collect();
        let keys = names
            .iter()
            .map(|n| format!("{}:", serde_json::Value::from(n.as_str())))
            .collect();
        // CSV's header goes out with the first row: a file without rows is an error.
        let mut header = Vec::new();
        if format == PredictFormat::Csv {
            for (k, name) in names.iter().enumerate() {
                if k > 0 {
                    header.push(b',');
                }
                csv_field(&mut header, name.as_bytes());
            }
            header.push(b'\n');
        }
        Self {
            out,
            layout,
            format,
            keys,
            line: header,
            rows: 0,
        }
    }

    /// Starts the next field: its separator, and its key in JSON.
    fn next_field(&mut self, k: usize) {
        match self.format {
            PredictFormat::Jsonl => {
                self.line.push(if k == 0 { b'{' } else { b',' });
                self.line.extend_from_slice(self.keys[k].as_bytes());
            }
            _ if k > 0 => self.line.push(b','),
            _ => {}
        }
    }

    fn text_field(&mut self, k: usize, text: &[u8]) {
        self.next_field(k);
        if self.format == PredictFormat::Jsonl {
            let value = serde_json::Value::from(String::from_utf8_lossy(text));
            self.line.extend_from_slice(value.to_string().as_bytes());
        } else {
            csv_field(&mut self.line, text);
        }
    }

    fn number_field(&mut self, k: usize, value: std::fmt::Arguments<'_>) {
        self.next_field(k);
        let _ = self.line.write_fmt(value);
    }
}

impl<W: Write> RowSink for Text<'_, W> {
    fn row(
        &mut self,
        model: &Model,
        copied: &CopiedFields,
        first: usize,
        outputs: &[f32],
    ) -> Result<()> {
        // The first row's line starts with the header.
        if self.rows > 0 {
            self.line.clear();
        }
        self.rows += 1;
        let mut k = 0;
        for i in 0..self.layout.copied.len() {
            self.text_field(k, copied.field(first + i));
            k += 1;
        }
        if self.layout.classes.is_empty() {
            for &o in outputs {
                self.number_field(k, format_args!("{o}"));
                k += 1;
            }
        } else {
            let (class, p) = model.classify(outputs);
            let name = self
                .layout
                .classes
                .get(class)
                .cloned()
                .unwrap_or_else(|| class.to_string());
            self.text_field(k, name.as_bytes());
            k += 1;
            if self.layout.proba {
                probabilities(outputs, |p| {
                    self.number_field(k, format_args!("{p:.6}"));
                    k += 1;
                    Ok(())
                })?;
            } else {
                self.number_field(k, format_args!("{p:.6}"));
            }
        }
        if self.format == PredictFormat::Jsonl {
            self.line.push(b'}');
        }
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Appends a CSV field, quoted when it holds a separator, quote or line break.
fn csv_field(line: &mut Vec<u8>, text: &[u8]) {
    if text
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        line.push(b'"');
        for &b in text {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(text);
    }
}

/// A NumPy `.npy` file (format 1.0): a fixed-size header, rewritten with the row
/// count at the end, then the values little-endian, row after row.
struct Npy<'w, W: Write + Seek> {
    out: BufWriter<&'w mut W>,
    /// Class indices (`<i8`, shape `(rows,)`) rather than `<f4` `(rows, columns)`.
    classes_only: bool,
    columns: usize,
    rows: u64,
}

/// The header's length, magic to newline: room for any row count.
const NPY_HEADER: usize = 128;

impl<'w, W: Write + Seek> Npy<'w, W> {
    fn new(out: &'w mut W, layout: &Layout) -> Result<Self> {
        let classes_only = !layout.classes.is_empty() && !layout.proba;
        let columns = if layout.proba {
            layout.classes.len().max(2)
        } else {
            layout.outputs
        };
        let mut npy = Self {
            out: BufWriter::with_capacity(1 << 16, out),
            classes_only,
            columns,
            rows: 0,
        };
        let header = npy.header();
        npy.out.write_all(&header)?;
        Ok(npy)
    }

    fn header(&self) -> Vec<u8> {
        let (descr, shape) = if self.classes_only {
            ("<i8", format!("({},)", self.rows))
        } else {
            ("<f4", format!("({}, {})", self.rows, self.columns))
        };
        let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        let mut header = b"\x93NUMPY\x01\x00".to_vec();
        let len = u16::try_from(NPY_HEADER - 10).expect("a small header");
        header.extend_from_slice(&len.to_le_bytes());
        header.extend_from_slice(dict.as_bytes());
        header.resize(NPY_HEADER - 1, b' ');
        header.push(b'\n');
        header
    }
}

impl<W: Write + Seek> RowSink for Npy<'_, W> {
    fn row(&mut self, model: &Model, _: &CopiedFields, _: usize, outputs: &[f32]) -> Result<()> {
        self.rows += 1;
        if self.classes_only {
            let (class, _) = model.classify(outputs);
            self.out.write_all(&(class as i64).to_le_bytes())?;
        } else if self.columns == outputs.len() {
            for o in outputs {
                self.out.write_all(&o.to_le_bytes())?;
            }
        } else {
            probabilities(outputs, |p| Ok(self.out.write_all(&p.to_le_bytes())?))?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        let header = self.header();
        self.out.flush()?;
        let file = self.out.get_mut();
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header)?;
        file.seek(SeekFrom::End(0))?;
        file.flush()?;
        Ok(())
    }
}

/// `-`: standard input or output, as command-line tools write it.
fn is_stdio(path: &Path) -> bool {
    path == Path::new("-")
}
