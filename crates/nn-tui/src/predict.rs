//! `nn-tui predict`: a CSV of features in, the same columns plus the model's
//! prediction out, with the model's own input normalisation.

use std::io::Write as _;

use anyhow::{Context, Result, anyhow, bail};
use nn_core::Activation;
use nn_train::predicted_class;

use crate::Outcome;
use crate::cli::PredictArgs;
use crate::model;
use crate::setup;

/// Rows run through the network at once.
const CHUNK: usize = 4096;

/// Runs `nn-tui predict`.
pub fn run(args: &PredictArgs) -> Result<Outcome> {
    if let Some(path) = &args.output {
        setup::check_writable_file("--output", path)?;
    }
    let (network, info) = model::load(&args.model)?;
    let arch = network.architecture().clone();
    let inputs = arch.inputs();
    let transform = model::normalization_of(&args.model, &info, inputs)?;
    let input = args.input.display().to_string();
    let bytes = std::fs::read(&args.input).with_context(|| format!("--input {input}"))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| anyhow!("{input}: line 1: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let ignored = |h: &str| h == "label" || args.target.as_deref() == Some(h);
    let columns: Vec<usize> = if info.feature_names.len() == inputs {
        info.feature_names
            .iter()
            .map(|name| {
                header.iter().position(|h| h == name).ok_or_else(|| {
                    anyhow!(
                        "{input}: line 1: no column {name:?}; the model's features are {}",
                        info.feature_names.join(", ")
                    )
                })
            })
            .collect::<Result<_>>()?
    } else {
        let columns: Vec<usize> = (0..header.len())
            .filter(|&i| !ignored(&header[i]))
            .collect();
        if columns.len() != inputs {
            bail!(
                "{input}: line 1: {} feature columns, but {} expects {inputs} inputs",
                columns.len(),
                args.model.display()
            );
        }
        columns
    };

    let classes = &info.class_names;
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = columns.iter().map(|&i| header[i].clone()).collect();
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

    let mut texts: Vec<Vec<String>> = Vec::with_capacity(CHUNK);
    let mut values: Vec<f32> = Vec::with_capacity(CHUNK * inputs);
    let flush = |texts: &mut Vec<Vec<String>>,
                 values: &mut Vec<f32>,
                 out: &mut csv::Writer<Vec<u8>>|
     -> Result<()> {
        if texts.is_empty() {
            return Ok(());
        }
        let outputs = network.predict(values)?;
        for (row, result) in texts.iter_mut().zip(outputs.chunks_exact(arch.outputs())) {
            if classes.is_empty() {
                row.extend(result.iter().map(ToString::to_string));
            } else {
                let c = predicted_class(result);
                let p = if result.len() == 1 && arch.output == Activation::Sigmoid {
                    if c == 1 { result[0] } else { 1.0 - result[0] }
                } else {
                    result[c]
                };
                row.push(classes.get(c).cloned().unwrap_or_else(|| c.to_string()));
                row.push(format!("{p:.6}"));
            }
            out.write_record(&*row)?;
        }
        texts.clear();
        values.clear();
        Ok(())
    };
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            anyhow!("{input}: line {line}: {e}")
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let start = values.len();
        let mut row = Vec::with_capacity(columns.len() + 2);
        for &i in &columns {
            let text = record.get(i).ok_or_else(|| {
                anyhow!(
                    "{input}: line {line}: {} fields, expected {} (column {:?} is missing)",
                    record.len(),
                    header.len(),
                    header[i]
                )
            })?;
            let value: f32 = text
                .parse()
                .ok()
                .filter(|v: &f32| v.is_finite())
                .ok_or_else(|| {
                    anyhow!(
                        "{input}: line {line}: column {:?}: {text:?} is not a finite number",
                        header[i]
                    )
                })?;
            values.push(value);
            row.push(text.to_string());
        }
        transform.apply_row(&mut values[start..]);
        texts.push(row);
        if texts.len() == CHUNK {
            flush(&mut texts, &mut values, &mut out)?;
        }
    }
    flush(&mut texts, &mut values, &mut out)?;
    let bytes = out
        .into_inner()
        .map_err(|e| anyhow!("writing the predictions: {}", e.error()))?;
    if let Some(path) = &args.output {
        nn_core::model_file::write_atomically(path, &bytes)
            .with_context(|| format!("--output {}", path.display()))?;
    } else {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&bytes)?;
        stdout.flush()?;
    }
    Ok(Outcome::Done)
}
