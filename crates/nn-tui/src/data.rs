//! `nn-tui data`: a data set as the tool makes or loads it, written out as CSV with
//! a `split` column (train, validation, test), so the same rows can be used
//! elsewhere (TensorFlow Playground #229).

use std::io::{BufWriter, Write as _};

use anyhow::{Context, Result, anyhow};
use nn_tui::DataCommandArgs;

use crate::{Outcome, setup};

/// Runs `nn-tui data`.
pub fn run(args: &DataCommandArgs) -> Result<Outcome> {
    let to_stdout = args.out.as_os_str() == "-";
    if !to_stdout {
        setup::check_writable_file("--out", &args.out)?;
    }
    let options = args.data_args.options(args.features.clone());
    let (_, data) = setup::load(&args.data, &options)?;
    let mut parts = vec![("train", &data.train)];
    parts.extend(data.validation.as_ref().map(|d| ("validation", d)));
    parts.extend(data.test.as_ref().map(|d| ("test", d)));
    if to_stdout {
        let mut out = BufWriter::new(std::io::stdout().lock());
        nn_data::write_csv(&mut out, &parts, true)
            .and_then(|()| out.flush())
            .context("writing to stdout")?;
        return Ok(Outcome::Done);
    }
    let what = format!("--out {}", args.out.display());
    let mut file =
        BufWriter::with_capacity(1 << 16, nn_atomic_write::AtomicFile::create(&args.out)?);
    nn_data::write_csv(&mut file, &parts, true).with_context(|| what.clone())?;
    let file = file
        .into_inner()
        .map_err(|e| anyhow!("{what}: {}", e.error()))?;
    file.commit().with_context(|| what.clone())?;
    let rows: usize = parts.iter().map(|(_, d)| d.len()).sum();
    let counts: Vec<String> = parts
        .iter()
        .map(|(name, d)| format!("{} {name}", d.len()))
        .collect();
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "{}: {rows} rows ({}) of {}",
        args.out.display(),
        counts.join(", "),
        data.train.name()
    )
    .context("writing to stdout")?;
    Ok(Outcome::Done)
}
