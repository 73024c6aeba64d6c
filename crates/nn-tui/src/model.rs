//! Commands on a saved model: `eval` (metrics on a data set) and `info` (what is in the file).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use nn_core::{CoreError, ModelFileError};
use nn_train::{Metrics, Model, TrainError};
use serde_json::{Value, json};

use crate::Outcome;
use crate::progress;
use crate::progress::thousands;
use crate::setup;
use nn_tui::{EvalArgs, InfoArgs, ModelArgs};

/// Loads a model file, naming the flag in any error; a file without nn-tui
/// metadata only with `--assume`, and then with a warning of what is assumed.
pub fn load(args: &ModelArgs) -> Result<Model> {
    let path = &args.path;
    let Some(assumptions) = &args.assume else {
        return Model::load(path).map_err(|e| {
            let plain = matches!(&e, TrainError::Core(CoreError::ModelFile { reason, .. })
                if matches!(**reason, ModelFileError::MissingMetadata));
            if plain {
                anyhow::anyhow!(
                    "--model: {e}; give --assume HIDDEN,OUTPUT,LOSS (e.g. relu,softmax,ce) to read \
                     it as a plain network with raw inputs"
                )
            } else {
                anyhow::Error::new(e).context("--model")
            }
        });
    };
    let model = Model::load_assuming(path, assumptions).context("--model")?;
    progress::say(&format!(
        "warning: {} has no nn-tui metadata; assuming {assumptions}",
        path.display()
    ));
    Ok(model)
}

/// Runs `nn-tui eval`.
pub fn eval(args: &EvalArgs) -> Result<Outcome> {
    let model = load(&args.model)?;
    // Raw columns: the model computes its own input features.
    let options = args.data_args.options(None);
    options.validate()?;
    let (spec, data) = setup::load(&args.data, &options)?;
    let (set, part) = match data.test {
        Some(test) => (test, "test split"),
        None => (data.train, "all samples"),
    };
    // Metrics over nothing would be a quiet, meaningless result.
    if set.is_empty() {
        anyhow::bail!(
            "--data {}: the {part} holds no samples; expected at least one to evaluate on",
            args.data
        );
    }
    let metrics = model.evaluate(&set, args.threads).with_context(|| {
        format!(
            "--model {} on --data {}",
            args.model.path.display(),
            args.data
        )
    })?;
    let class_names = if model.info.class_names.len() == set.class_names().len() {
        model.info.class_names.clone()
    } else {
        set.class_names().to_vec()
    };
    let arch = model.network.architecture();
    let mut out = std::io::stdout().lock();
    if args.json {
        let report = eval_json(&args.model.path, &spec.name(), part, &metrics, &class_names);
        writeln!(out, "{report}").context("writing to stdout")?;
    } else {
        let mut s = String::new();
        let _ = writeln!(s, "model     {} ({arch})", args.model.path.display());
        let _ = writeln!(
            s,
            "data      {} {part} ({} samples)",
            spec.name(),
            thousands(set.len() as f64)
        );
        let _ = writeln!(s, "loss      {:.4}", metrics.loss);
        if let Some(acc) = metrics.accuracy() {
            let _ = writeln!(s, "accuracy  {:.2}%", acc * 100.0);
        }
        if let Some(mse) = metrics.mse {
            let _ = writeln!(s, "mse       {mse:.6}");
        }
        if let Some(r2) = metrics.r2 {
            let _ = writeln!(s, "r2        {r2:.4}");
        }
        if let Some(confusion) = &metrics.confusion {
            s.push('\n');
            s.push_str(&confusion_table(confusion, &class_names));
        }
        out.write_all(s.as_bytes()).context("writing to stdout")?;
    }
    out.flush().context("writing to stdout")?;
    Ok(Outcome::Done)
}

fn eval_json(
    model: &Path,
    dataset: &str,
    part: &str,
    metrics: &Metrics,
    class_names: &[String],
) -> Value {
    let confusion = metrics.confusion.as_ref().map(|c| {
        (0..c.classes())
            .map(|a| (0..c.classes()).map(|p| c.count(a, p)).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    });
    json!({
        "model": model.display().to_string(),
        "dataset": dataset,
        "part": part,
        "samples": metrics.samples,
        "loss": metrics.loss,
        "accuracy": metrics.accuracy(),
        "classes": class_names,
        "confusion": confusion,
        "per_class_accuracy": metrics.confusion.as_ref().map(nn_train::ConfusionMatrix::per_class_accuracy),
        "mse": metrics.mse,
        "r2": metrics.r2,
    })
}

/// The confusion matrix as an aligned table (rows: true class, columns: predicted),
/// then each class's accuracy.
pub fn confusion_table(confusion: &nn_train::ConfusionMatrix, names: &[String]) -> String {
    let n = confusion.classes();
    let name = |c: usize| names.get(c).cloned().unwrap_or_else(|| c.to_string());
    let corner = "true \\ predicted";
    let label_width = (0..n)
        .map(|c| name(c).chars().count())
        .chain([corner.len()])
        .max()
        .unwrap_or(0);
    let cell_width = (0..n)
        .flat_map(|a| (0..n).map(move |p| (a, p)))
        .map(|(a, p)| confusion.count(a, p).to_string().len())
        .chain((0..n).map(|c| name(c).chars().count()))
        .max()
        .unwrap_or(1);
    let mut s = String::from("confusion matrix (rows: true class, columns: predicted)\n");
    let _ = write!(s, "{corner:>label_width$}");
    for c in 0..n {
        let _ = write!(s, "  {:>cell_width$}", name(c));
    }
    s.push('\n');
    for a in 0..n {
        let _ = write!(s, "{:>label_width$}", name(a));
        for p in 0..n {
            let _ = write!(s, "  {:>cell_width$}", confusion.count(a, p));
        }
        s.push('\n');
    }
    s.push_str("\nper-class accuracy\n");
    for (c, acc) in confusion.per_class_accuracy().into_iter().enumerate() {
        let samples: u64 = (0..n).map(|p| confusion.count(c, p)).sum();
        let acc = acc.map_or_else(|| "-".to_string(), |a| format!("{:.1}%", a * 100.0));
        let _ = writeln!(
            s,
            "{:>label_width$}  {acc:>6}  ({samples} samples)",
            name(c)
        );
    }
    s
}

/// Runs `nn-tui info`.
pub fn info(args: &InfoArgs) -> Result<Outcome> {
    let Model {
        network,
        info,
        normalization,
        ..
    } = load(&args.model)?;
    let arch = network.architecture();
    let layers = network.layers();
    let mut out = std::io::stdout().lock();
    let normalisation = normalization.kind.name();
    if args.json {
        let report = json!({
            "model": args.model.path.display().to_string(),
            "dataset": info.dataset,
            "layers": arch.sizes,
            "activation": arch.hidden.name(),
            "output": arch.output.name(),
            "loss": arch.loss.name(),
            "loss_definition": arch.loss.definition(arch.outputs()),
            "parameters": arch.parameter_count(),
            "layer_parameters": layers.iter().map(|l| l.inputs * l.outputs + l.outputs).collect::<Vec<_>>(),
            "normalization": normalisation,
            "classes": info.class_names,
            "features": info.feature_names,
            "input_features": info.input_features,
        });
        writeln!(out, "{report}")
            .and_then(|()| out.flush())
            .context("writing to stdout")?;
        return Ok(Outcome::Done);
    }
    let mut s = String::new();
    let _ = writeln!(s, "model          {}", args.model.path.display());
    let _ = writeln!(
        s,
        "dataset        {}",
        info.dataset.as_deref().unwrap_or("(unknown)")
    );
    let _ = writeln!(s, "architecture   {arch}");
    let _ = writeln!(
        s,
        "activations    {} hidden, {} output",
        arch.hidden, arch.output
    );
    let _ = writeln!(s, "loss           {}", arch.loss.definition(arch.outputs()));
    if !info.input_features.is_empty() {
        let _ = writeln!(
            s,
            "input features {} (from {})",
            info.input_features.join(", "),
            info.feature_names.join(", ")
        );
    }
    let _ = writeln!(s, "normalisation  {normalisation}");
    let _ = writeln!(
        s,
        "\nlayer  shape          activation    weights   biases  parameters"
    );
    for (l, shape) in layers.iter().enumerate() {
        let weights = shape.inputs * shape.outputs;
        let _ = writeln!(
            s,
            "{:>5}  {:<13}  {:<10}  {:>9}  {:>7}  {:>10}",
            l + 1,
            format!("{} -> {}", shape.inputs, shape.outputs),
            arch.activation(l).name(),
            thousands(weights as f64),
            thousands(shape.outputs as f64),
            thousands((weights + shape.outputs) as f64),
        );
    }
    let _ = writeln!(
        s,
        "{:>5}  {:<13}  {:<10}  {:>9}  {:>7}  {:>10}",
        "total",
        "",
        "",
        "",
        "",
        thousands(arch.parameter_count() as f64)
    );
    let classes = format!("classes ({})", info.class_names.len());
    let features = format!("features ({})", info.feature_names.len());
    let _ = writeln!(s, "\n{classes:<15}{}", abbreviate(&info.class_names));
    let _ = writeln!(s, "{features:<15}{}", abbreviate(&info.feature_names));
    out.write_all(s.as_bytes())
        .and_then(|()| out.flush())
        .context("writing to stdout")?;
    Ok(Outcome::Done)
}

/// Up to 12 names, then how many more.
fn abbreviate(names: &[String]) -> String {
    const SHOWN: usize = 12;
    if names.is_empty() {
        return "-".into();
    }
    let mut s = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        let _ = write!(s, ", ... ({} more)", names.len() - SHOWN);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_table_is_aligned() {
        let mut c = nn_train::ConfusionMatrix::new(2);
        for _ in 0..120 {
            c.record(0, 0);
        }
        c.record(0, 1);
        c.record(1, 1);
        let table = confusion_table(&c, &["cat".into(), "dog".into()]);
        let expected = "\
confusion matrix (rows: true class, columns: predicted)
true \\ predicted  cat  dog
             cat  120    1
             dog    0    1

per-class accuracy
             cat   99.2%  (121 samples)
             dog  100.0%  (1 samples)
";
        assert_eq!(table, expected);
    }
}
