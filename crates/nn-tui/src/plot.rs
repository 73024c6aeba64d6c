//! `nn-tui plot` and `nn-tui replay`: a model or a run as a picture, a run as an
//! animated GIF (nn-plot draws them).

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use nn_plot::{AxisScores, BoundaryOptions, Format, Picture, ReplayOptions, RunCurves, Source};
use nn_sweep::TrialScore;
use nn_tui::{PlotArgs, PlotKind, ReplayArgs};

use crate::{Outcome, setup};

/// Runs `nn-tui plot`.
pub fn run(args: &PlotArgs) -> Result<Outcome> {
    Format::of(&args.out).context("--out")?;
    setup::check_writable_file("--out", &args.out)?;
    if let Some(sweep) = args.sources.iter().find(|p| is_sweep(p)) {
        if args.sources.len() > 1 {
            bail!(
                "{}: a sweep directory is drawn alone, {} sources were given; its top trials' curves are --kind curves",
                sweep.display(),
                args.sources.len()
            );
        }
        let (kind, picture) = sweep_picture(sweep, args)?;
        return save(args, kind, &picture);
    }
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
        PlotKind::Marginals => bail!(
            "--kind marginals: draws a sweep directory (made by nn-tui sweep); {} is not one",
            args.sources[0].display()
        ),
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
    save(args, kind, &picture)
}

/// Writes `picture` to `--out` and says so.
fn save(args: &PlotArgs, kind: PlotKind, picture: &Picture) -> Result<Outcome> {
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
        PlotKind::Marginals => "marginals",
    }
}

/// Whether `path` is a sweep directory (`nn-tui sweep` wrote its `sweep.json`).
fn is_sweep(path: &Path) -> bool {
    path.join(nn_sweep::SPEC_FILE).is_file()
}

/// Trials whose curves `--kind curves` overlays for a sweep: the best few.
const TOP_TRIALS: usize = 5;

/// A sweep directory drawn as `--kind` says: the marginal plot per axis
/// (default), or its top trials' curves.
fn sweep_picture(dir: &Path, args: &PlotArgs) -> Result<(PlotKind, Picture)> {
    let kind = args.kind.unwrap_or(PlotKind::Marginals);
    if !matches!(kind, PlotKind::Marginals | PlotKind::Curves) {
        bail!(
            "--kind {}: {} is a sweep; expected --kind marginals or curves (or plot one of its trials, {}/{}/t0000)",
            kind_name(kind),
            dir.display(),
            dir.display(),
            nn_sweep::TRIALS_DIR
        );
    }
    let sweep = nn_sweep::Sweep::open(dir)?;
    let spec = sweep.spec();
    let results = nn_sweep::read_results(dir)?;
    let keys: Vec<String> = spec
        .axis_keys()
        .into_iter()
        .filter(|k| k != "seed")
        .collect();
    let standings = nn_sweep::standings(&results, sweep.trials(), spec.folds.unwrap_or(1), &keys);
    let scored: Vec<&TrialScore> = standings
        .trials
        .iter()
        .filter(|t| t.score.is_some())
        .collect();
    if scored.is_empty() {
        bail!(
            "{}: no finished trials yet, nothing to plot; nn-tui sweep --resume {} runs them",
            dir.display(),
            dir.display()
        );
    }
    let data = spec
        .base
        .parse::<nn_run::StateLine>()
        .map_or_else(|_| dir.display().to_string(), |line| line.data);
    let accuracy = standings.metric == "accuracy";
    let picture = if kind == PlotKind::Marginals {
        if keys.is_empty() {
            bail!(
                "{}: the sweep has no axis but seeds; its trials' curves are --kind curves",
                dir.display()
            );
        }
        let axes: Vec<AxisScores> = keys
            .iter()
            .map(|key| {
                let mut values: Vec<(String, Vec<f64>)> = Vec::new();
                let mut in_order = scored.clone();
                in_order.sort_by_key(|t| t.trial);
                for t in in_order {
                    let Some(value) = t.axes.get(key) else {
                        continue;
                    };
                    let Some(figure) = (if accuracy { t.accuracy } else { t.loss }) else {
                        continue;
                    };
                    match values.iter_mut().find(|(v, _)| v == value) {
                        Some((_, scores)) => scores.push(figure),
                        None => values.push((value.clone(), vec![figure])),
                    }
                }
                // Numbers left to right in order (a grid may list them in any order).
                let numbers: Option<Vec<f64>> =
                    values.iter().map(|(v, _)| v.parse().ok()).collect();
                if let Some(numbers) = numbers {
                    let mut paired: Vec<_> = numbers.into_iter().zip(values).collect();
                    paired.sort_by(|a, b| a.0.total_cmp(&b.0));
                    values = paired.into_iter().map(|(_, v)| v).collect();
                }
                AxisScores {
                    key: key.clone(),
                    values,
                }
            })
            .collect();
        let metric = format!("best validation {}", standings.metric);
        let (width, height) = args
            .size
            .unwrap_or_else(|| nn_plot::marginals_size(axes.len()));
        let title = format!("{data} sweep, {} trials: {metric} by axis", scored.len());
        nn_plot::marginals(&axes, &metric, width, height, &title)?
    } else {
        let top: Vec<&TrialScore> = scored.iter().copied().take(TOP_TRIALS).collect();
        // The legend names the axes whose values differ among the trials shown.
        let differing: Vec<&String> = top[0]
            .axes
            .keys()
            .filter(|k| top.iter().any(|t| t.axes.get(*k) != top[0].axes.get(*k)))
            .collect();
        let runs = top
            .iter()
            .enumerate()
            .map(|(rank, t)| {
                let path = dir.join(&t.dir);
                let source = Source::open(&path).with_context(|| format!("trial {}", t.trial))?;
                let axes: Vec<String> = differing
                    .iter()
                    .filter_map(|k| t.axes.get(*k).map(|v| format!("{k}={v}")))
                    .collect();
                let label = if axes.is_empty() {
                    format!("#{} t{:04}", rank + 1, t.trial)
                } else {
                    format!("#{} {}", rank + 1, axes.join(" "))
                };
                Ok(RunCurves {
                    label,
                    epochs: source.epochs,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let title = format!(
            "{data} sweep: the top {} of {} trials",
            runs.len(),
            scored.len()
        );
        let (width, height) = args.size.unwrap_or((900, 500));
        nn_plot::curves(&runs, width, height, &title)?
    };
    Ok((kind, picture))
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
