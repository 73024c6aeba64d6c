//! `nn-tui export`: a saved model as an ONNX file (nn-onnx builds the graph).

use std::io::Write as _;

use anyhow::{Context, Result, bail};
use nn_tui::ExportArgs;

use crate::Outcome;
use crate::{model, setup};

/// Runs `nn-tui export`.
pub fn run(args: &ExportArgs) -> Result<Outcome> {
    setup::check_writable_file("--onnx", &args.onnx)?;
    if same_file(&args.model.path, &args.onnx) {
        bail!(
            "--onnx {}: is the --model file; expected another file name, such as model.onnx",
            args.onnx.display()
        );
    }
    let model = model::load(&args.model)?;
    let bytes = nn_onnx::to_onnx(&model)
        .with_context(|| format!("--model {}: cannot export", args.model.path.display()))?;
    nn_atomic_write::write_atomically(&args.onnx, &bytes)
        .with_context(|| format!("--onnx {}", args.onnx.display()))?;
    let arch = model.network.architecture();
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "{}: ONNX opset {}, {} [batch, {}] -> {} [batch, {}]",
        args.onnx.display(),
        nn_onnx::OPSET,
        nn_onnx::INPUT_NAME,
        model.raw_columns(),
        nn_onnx::output_name(&model),
        arch.outputs()
    )
    .context("writing to stdout")?;
    Ok(Outcome::Done)
}

/// Whether both paths name one existing file (however they are spelt).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
