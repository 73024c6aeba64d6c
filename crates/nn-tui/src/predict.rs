//! `nn-tui predict`: a CSV of features in, the same columns plus the model's
//! prediction out, with the model's own input normalisation; `-` is stdin or stdout.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use nn_core::Workspace;
use nn_data::FeatureColumns;

use crate::Outcome;
use crate::model;
use crate::setup;
use nn_tui::PredictArgs;

/// Rows run through the network at once.
const CHUNK: usize = 4096;

/// Runs `nn-tui predict`.
pub fn run(args: &PredictArgs) -> Result<Outcome> {
    let output = args.output.as_deref().filter(|path| !is_stdio(path));
    if let Some(path) = output {
        setup::check_writable_file("--output", path)?;
    }
    let model = model::load(&args.model)?;
    let arch = model.network.architecture();
    // The raw columns; the model computes its input features (if any) from them.
    let inputs = model.raw_columns();
    let names = &model.info.feature_names;
    let mut ignored = vec!["label"];
    ignored.extend(args.target.as_deref());
    let columns = FeatureColumns {
        // Columns by the model's feature names when it has them, else by position.
        names: (names.len() == inputs).then_some(names.as_slice()),
        count: inputs,
        ignored: &ignored,
    };
    let rows = if is_stdio(&args.input) {
        nn_data::read_features_from_stdin(&columns)
    } else {
        nn_data::read_features(&args.input, &columns)
    };
    let rows = rows.map_err(|e| match e {
        nn_data::DataError::Io { .. } | nn_data::DataError::TerminalInput => anyhow!("--input {e}"),
        e => e.into(),
    })?;

    let classes = &model.info.class_names;
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut head = rows.columns.clone();
    if classes.is_empty() {
        if arch.outputs() == 1 {
            head.push("prediction".into());
        } else {
            head.extend((1..=arch.outputs()).map(|k| format!("prediction_{k}")));
        }
    } else {
        head.extend(["class".into(), "probability".into()]);
    }
    out.write_record(&head)?;
    let mut workspace = Workspace::new();
    let mut record: Vec<String> = Vec::with_capacity(head.len());
    for start in (0..rows.len()).step_by(CHUNK) {
        let end = (start + CHUNK).min(rows.len());
        let outputs = model.predict(&rows.values[start * inputs..end * inputs], &mut workspace)?;
        let texts = rows.texts[start * inputs..end * inputs].chunks_exact(inputs);
        for (row, text) in outputs.chunks_exact(arch.outputs()).zip(texts) {
            record.clear();
            record.extend(text.iter().cloned());
            if classes.is_empty() {
                record.extend(row.iter().map(ToString::to_string));
            } else {
                let (c, p) = model.classify(row);
                record.push(classes.get(c).cloned().unwrap_or_else(|| c.to_string()));
                record.push(format!("{p:.6}"));
            }
            out.write_record(&record)?;
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|e| anyhow!("writing the predictions: {}", e.error()))?;
    if let Some(path) = output {
        nn_core::write_atomically(path, &bytes)
            .with_context(|| format!("--output {}", path.display()))?;
    } else {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&bytes)
            .and_then(|()| stdout.flush())
            .context("writing the predictions to stdout")?;
    }
    Ok(Outcome::Done)
}

/// `-`: standard input or output, as command-line tools write it.
fn is_stdio(path: &Path) -> bool {
    path == Path::new("-")
}
