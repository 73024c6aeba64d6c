//! `nn-tui plot` and `nn-tui replay`: a model or a run as a picture, a run as an
//! animated GIF (nn-plot draws them).

use std::io::Write as _;

use anyhow::{Context, Result, bail};
use nn_plot::{BoundaryOptions, Format, ReplayOptions, RunCurves, Source};
use nn_tui::{PlotArgs, PlotKind, ReplayArgs};

use crate::{Outcome, setup};

/// Runs `nn-tui plot`.
pub fn run(args: &PlotArgs) -> Result<Outcome> {
    Format::of(&args.out).context("--out")?;
    setup::check_writable_file("--out", &args.out)?;
    let sources = args
        .sources
        .iter()
        .map(|path| Source::open(path))
        .collect::<Result<Vec<_>, _>>()?;
    let kind = args.kind.unwrap_or(match sources.as_slice() {
        [one] if one.model.as_ref().is_some_and(reads_images) => PlotKind::Digits,
        [_] => PlotKind::Boundary,
        _ => PlotKind::Curves,
    });
    if args.sources.len() > 1 && kind != PlotKind::Curves {
        bail!(
            "--kind {}: draws one model or run, {} were given; several runs are compared with --kind curves",
            kind_name(kind),
            args.sources.len()
        );
    }
    let picture = match kind {
        PlotKind::Digits => {
            let source = &sources[0];
            let model = source
                .model()
                .with_context(|| source.path.display().to_string())?;
            let Some((held_out, origin)) = source.held_out() else {
                bail!(
                    "{}: no held-out images to show (the run's data, or the data set the model names, could not be loaded, or has no test part)",
                    source.path.display()
                );
            };
            let (width, height) = args.size.unwrap_or((1000, 560));
            let options = BoundaryOptions {
                width,
                height,
                discretize: false,
                title: source.dataset().unwrap_or_else(|| source.name()),
            };
            nn_plot::digits(model, &held_out, &origin, &options)
                .with_context(|| source.path.display().to_string())?
        }
        PlotKind::Boundary | PlotKind::Network => {
            let source = &sources[0];
            let model = source
                .model()
                .with_context(|| source.path.display().to_string())?;
            let (width, height) = args.size.unwrap_or(if kind == PlotKind::Network {
                (1000, 600)
            } else {
                (800, 800)
            });
            let options = BoundaryOptions {
                width,
                height,
                discretize: args.discretize,
                title: source.dataset().unwrap_or_else(|| source.name()),
            };
            let points = source.points();
            let picture = if kind == PlotKind::Boundary {
                nn_plot::boundary(model, &points, &options)
            } else {
                nn_plot::network(model, &points, &options)
            };
            picture.with_context(|| source.path.display().to_string())?
        }
        PlotKind::Curves => {
            for s in &sources {
                if s.run.is_none() {
                    bail!(
                        "{}: a model file records no curves; expected a run directory (with events.jsonl)",
                        s.path.display()
                    );
                }
            }
            let lines: Vec<&str> = sources
                .iter()
                .filter_map(|s| s.run.as_ref().map(|r| r.state_line.as_str()))
                .collect();
            let names: Vec<String> = sources.iter().map(Source::name).collect();
            let labels = nn_dash::run_labels(&lines, &names);
            let title = match sources.as_slice() {
                [one] => format!(
                    "{}: loss and accuracy",
                    one.dataset().unwrap_or_else(|| one.name())
                ),
                many => format!("{} runs: loss and accuracy", many.len()),
            };
            let runs: Vec<RunCurves> = sources
                .into_iter()
                .zip(labels)
                .map(|(s, label)| RunCurves {
                    label,
                    epochs: s.epochs,
                })
                .collect();
            let (width, height) = args.size.unwrap_or((900, 500));
            nn_plot::curves(&runs, width, height, &title)?
        }
    };
    picture
        .save(&args.out)
        .with_context(|| format!("--out {}", args.out.display()))?;
    writeln!(
        std::io::stdout().lock(),
        "{}: {}, {}x{} pixels",
        args.out.display(),
        kind_name(kind),
        picture.width,
        picture.height
    )
    .context("writing to stdout")?;
    Ok(Outcome::Done)
}

fn kind_name(kind: PlotKind) -> &'static str {
    match kind {
        PlotKind::Boundary => "boundary",
        PlotKind::Network => "network",
        PlotKind::Curves => "curves",
        PlotKind::Digits => "digits",
    }
}

/// Whether `model` reads square images (MNIST's 784 pixels) rather than a plane or a table.
fn reads_images(model: &nn_train::Model) -> bool {
    let inputs = model.network.architecture().inputs();
    let side = (inputs as f64).sqrt().round() as usize;
    model.features.is_none() && side >= 8 && side * side == inputs
}

/// Runs `nn-tui replay`.
pub fn replay(args: &ReplayArgs) -> Result<Outcome> {
    let gif = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gif"));
    if !gif {
        bail!(
            "--out {}: unknown format for a replay; expected a file name ending in .gif",
            args.out.display()
        );
    }
    setup::check_writable_file("--out", &args.out)?;
    let (width, height) = args.size;
    let options = ReplayOptions {
        width,
        height,
        fps: args.fps,
        discretize: args.discretize,
    };
    let frames = nn_plot::save_replay(&args.run, &args.out, &options)?;
    writeln!(
        std::io::stdout().lock(),
        "{}: {frames} frames, {width}x{height} pixels, {} frames per second",
        args.out.display(),
        args.fps
    )
    .context("writing to stdout")?;
    Ok(Outcome::Done)
}
