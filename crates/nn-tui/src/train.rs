//! `nn-tui train`: flags to a [`Trainer`], progress on stderr, results on
//! stdout (or one JSON object), Ctrl-C handled as a clean stop. Under
//! `mpirun` (the `mpi` feature) every rank trains and rank 0 reports.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use nn_dist::Job;
use nn_train::{
    DataOptions, DataSpec, EpochRow, Event, Metrics, Purpose, SessionOptions, StateLine, Summary,
    TrainConfig, TrainRequest, Trainer, WriterOptions,
};
use serde_json::{Value, json};

use crate::Outcome;
use crate::progress::{self, Reporter, metrics_text, thousands};
use crate::ranks::{self, Verdict};
use crate::{run_dir, setup};
use nn_tui::TrainArgs;

/// The checkpoint an interrupted run writes when no `--checkpoint-dir` was given.
pub const INTERRUPTED_CHECKPOINT: &str = "nn-tui-interrupted.safetensors";

/// Runs `nn-tui train`: on this process alone, or as one rank of an MPI job.
pub fn run(args: &TrainArgs) -> Result<Outcome> {
    let t = &args.training;
    let request = TrainRequest {
        checkpoint_dir: args.checkpoint_dir.clone(),
        checkpoint_every: args.checkpoint_every,
        ..setup::request(&args.network, t, args.data_args.seed)
    };
    let (data_spec, request, options) = if let Some(text) = &args.state {
        let imported = StateLine::read(text).context("--state")?;
        for notice in &imported.notices {
            crate::progress::say(&format!("note: {notice}"));
        }
        let line = imported.line;
        // The flags a line does not hold (epochs, schedule, ...) apply; the others
        // conflict with --state.
        if let Some(notice) = line.defaults_notice(Purpose::Headless) {
            crate::progress::say(&format!("note: {notice}"));
        }
        let request = line.request_over(request);
        let mut options = line.data_options();
        if t.early_stop.is_some() && line.validation_fraction.is_none() {
            options.validation_fraction = nn_train::DataOptions::EARLY_STOP_VALIDATION;
        }
        (line.data, request, options)
    } else {
        let options = setup::data_options(
            &args.data_args,
            args.network.features.clone(),
            t.early_stop.is_some(),
        );
        let data = args.data.clone().context("--data: expected a data set")?;
        (data, request, options)
    };
    request.validate()?;
    options.validate()?;

    let mut job = Job::start()?;
    let Verdict::Go((spec, mut trainer)) =
        ranks::verdict(&job, prepare(args, &job, &data_spec, &request, &options))?
    else {
        return Ok(Outcome::FailedElsewhere);
    };
    if let Verdict::FailedElsewhere = ranks::join(&mut job, &mut trainer)? {
        return Ok(Outcome::FailedElsewhere);
    }
    let result = train(args, &job, &spec, &options, trainer);
    ranks::end(&job, result)
}

/// This rank's trainer: output paths checked (rank 0 alone writes files), the
/// data loaded, the network built or resumed, `--threads` threads per rank.
fn prepare(
    args: &TrainArgs,
    job: &Job,
    data_spec: &str,
    request: &TrainRequest,
    options: &DataOptions,
) -> Result<(DataSpec, Trainer)> {
    let t = &args.training;
    if job.is_root() {
        if let Some(path) = &args.save {
            setup::check_writable_file("--save", path)?;
        }
        if let Some(path) = &args.metrics_out {
            setup::check_writable_file("--metrics-out", path)?;
        }
        if let Some(dir) = &args.checkpoint_dir {
            setup::check_writable_dir("--checkpoint-dir", dir)?;
        }
        run_dir::check(&args.run_dir)?;
    }
    if let Some(path) = &args.resume
        && !path.is_file()
    {
        anyhow::bail!("--resume {}: no such checkpoint file", path.display());
    }
    register_interrupt(job.interrupt())?;

    let (spec, data) = setup::load(data_spec, options)?;
    let data = Arc::new(data);
    let threads = job.threads(t.threads);
    let mut trainer = if let Some(path) = &args.resume {
        let mut trainer = Trainer::resume(path, Arc::clone(&data), Some(threads))
            .with_context(|| format!("--resume {}", path.display()))?;
        if let Some(epochs) = t.epochs {
            trainer.set_epochs(epochs);
        }
        if args.checkpoint_dir.is_some() {
            trainer.set_checkpoint_dir(args.checkpoint_dir.clone());
        }
        trainer
    } else {
        let config = TrainConfig {
            threads,
            ..request.resolve(Purpose::Headless, &data)?
        };
        Trainer::new(config, Arc::clone(&data))?
    };
    if !job.is_root() {
        trainer.set_checkpoint_dir(None);
    }
    Ok((spec, trainer))
}

/// Trains on this rank; rank 0 reports progress and results and writes the files.
fn train(
    args: &TrainArgs,
    job: &Job,
    spec: &DataSpec,
    options: &DataOptions,
    mut trainer: Trainer,
) -> Result<Outcome> {
    let data = Arc::clone(trainer.data());
    let epochs = trainer.config().epochs;
    let mut reporter = job
        .is_root()
        .then(|| Reporter::new(epochs, trainer.epoch(), trainer.steps_per_epoch()));
    let arch = trainer.config().architecture.clone();
    let workers = match job.ranks() {
        1 => format!("{} threads", trainer.threads()),
        n => format!("{n} ranks x {} threads", trainer.threads()),
    };
    // No hidden layer, no hidden activation to speak of.
    let hidden = if arch.sizes.len() > 2 {
        format!("{} hidden, ", arch.hidden)
    } else {
        String::new()
    };
    if let Some(reporter) = &reporter {
        reporter.println(&format!(
            "training {arch} on {} ({} train / {} val / {} test samples): {hidden}{} output, {} loss, {} lr {}, batch {}, {} epochs, {workers}",
            spec.name(),
            data.train.len(),
            data.validation.as_ref().map_or(0, nn_data::Dataset::len),
            data.test.as_ref().map_or(0, nn_data::Dataset::len),
            arch.output,
            arch.loss,
            trainer.config().optimizer.name(),
            trainer.learning_rate(),
            trainer.batch_size(),
            epochs,
        ));
    }
    // Headless runs go flat out (the session's default pace). Rank 0 alone records.
    let pace = SessionOptions::default().pace;
    let mut writer = match &reporter {
        Some(reporter) => run_dir::start(&args.run_dir, spec, options, &trainer, pace, |line| {
            reporter.println(line);
        })?,
        None => None,
    };
    if let (Some(w), Some(reporter)) = (&writer, &reporter) {
        reporter.println(&format!("recording the run in {}", w.dir().display()));
    }
    let session = SessionOptions {
        progress_interval: Duration::from_millis(100),
        // Snapshots feed the run directory's snapshot file (which takes at most one a
        // second) and the dashboard's plots; without either they are not needed.
        snapshot_interval: if writer.is_some() {
            WriterOptions::default().snapshot_interval
        } else {
            Duration::from_secs(3600)
        },
        ..SessionOptions::default()
    };
    let result = trainer.run(job.stop(), &session, &mut |event: Event| {
        if let Some(w) = writer.as_mut() {
            w.observe(&event);
            if let (Some(problem), Some(reporter)) = (w.problem(), &reporter) {
                reporter.println(&format!(
                    "warning: recording the run: {problem}; training goes on"
                ));
            }
        }
        if let Some(reporter) = &mut reporter {
            reporter.handle(&event);
        }
    });
    let Some(reporter) = reporter else {
        // Another rank than 0: the run itself was all its work.
        result?;
        return Ok(if job.stop().load(Ordering::SeqCst) {
            Outcome::Interrupted
        } else {
            Outcome::Done
        });
    };
    if let Some(exchange) = job.exchange().filter(|e| e.steps() > 0) {
        reporter.println(&format!(
            "{} ranks: {:.0} us per step in the exchange of shard gradients",
            job.ranks(),
            exchange.mean().as_secs_f64() * 1e6
        ));
    }
    reporter.finish();
    let interrupted = job.stop().load(Ordering::SeqCst);
    let failure = result.as_ref().err().map(ToString::to_string);
    let recorded = run_dir::finish(writer, &trainer, failure, progress::say);

    // Metrics are written whatever happened: they explain a divergence too.
    let metrics_written = args
        .metrics_out
        .as_deref()
        .map(|path| write_metrics_csv(path, trainer.history()))
        .transpose();
    let summary = result?;
    metrics_written?;

    let mut checkpoint = summary.checkpoint.clone();
    if interrupted && checkpoint.is_none() {
        let path = args.save.as_deref().map_or_else(
            || PathBuf::from(INTERRUPTED_CHECKPOINT),
            |save| folder_of(save).join(INTERRUPTED_CHECKPOINT),
        );
        trainer.save_checkpoint(&path).with_context(|| {
            format!(
                "writing the interrupted run's checkpoint {}",
                path.display()
            )
        })?;
        checkpoint = Some(path);
    }
    if let Some(path) = &args.save
        && let Err(e) = trainer.save_model(path)
    {
        // The trained weights are the point of the run: keep them somewhere.
        let kept = rescue_model(&trainer, path, args.checkpoint_dir.as_deref());
        return Err(match kept {
            Some(kept) => anyhow!(
                "--save {}: {e}; the trained model was saved to {} instead",
                path.display(),
                kept.display()
            ),
            None => anyhow!(
                "--save {}: {e}; no other folder could take the model either",
                path.display()
            ),
        });
    }

    let finals = final_metrics(&mut trainer)?;
    if args.json {
        let report = json_report(
            &trainer,
            &spec.name(),
            &summary,
            &finals,
            Outputs {
                model: args.save.as_deref(),
                checkpoint: checkpoint.as_deref(),
                run_dir: recorded.as_deref(),
            },
            interrupted,
        );
        let mut out = std::io::stdout().lock();
        writeln!(out, "{report}")
            .and_then(|()| out.flush())
            .context("writing the --json result to stdout")?;
    } else {
        let text = summary_text(
            &summary,
            &finals,
            Outputs {
                model: args.save.as_deref(),
                checkpoint: checkpoint.as_deref(),
                run_dir: recorded.as_deref(),
            },
            interrupted,
        );
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .context("writing the summary to stdout")?;
    }
    if interrupted {
        if let Some(path) = &checkpoint {
            crate::progress::say(&format!(
                "interrupted: continue with the same flags and --resume {}",
                path.display()
            ));
        }
        return Ok(Outcome::Interrupted);
    }
    Ok(Outcome::Done)
}

/// Ctrl-C, SIGTERM and SIGHUP (an SSH session that drops) set `stop`; the
/// trainer finishes its step and returns, and the run ends as after Ctrl-C:
/// checkpoint, summary, `--save`. A second one exits at once with status 130.
pub(crate) fn register_interrupt(stop: &Arc<AtomicBool>) -> Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    for signal in [SIGINT, SIGTERM, SIGHUP] {
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(stop))
            .context("cannot install the Ctrl-C handler")?;
        signal_hook::flag::register(signal, Arc::clone(stop))
            .context("cannot install the Ctrl-C handler")?;
    }
    Ok(())
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Saves the model somewhere else after `--save` failed: the checkpoint folder,
/// else the system's temporary folder. Returns where it went.
fn rescue_model(trainer: &Trainer, save: &Path, checkpoint_dir: Option<&Path>) -> Option<PathBuf> {
    let name = save.file_name().map_or_else(
        || format!("nn-tui-rescued-{}.safetensors", std::process::id()),
        |n| n.to_string_lossy().into_owned(),
    );
    let candidates =
        checkpoint_dir.map(|d| d.join(&name)).into_iter().chain([
            std::env::temp_dir().join(format!("nn-tui-rescued-{}-{name}", std::process::id()))
        ]);
    candidates
        .filter(|c| c != save)
        .find(|c| trainer.save_model(c).is_ok())
}

/// The final network measured on each part of the data (early stopping may
/// have put back an earlier epoch's weights, so the last epoch's figures are not enough).
struct Finals {
    train: Metrics,
    validation: Option<Metrics>,
    test: Option<Metrics>,
}

fn final_metrics(trainer: &mut Trainer) -> Result<Finals> {
    let data = Arc::clone(trainer.data());
    Ok(Finals {
        train: trainer.evaluate(&data.train)?,
        validation: data
            .validation
            .as_ref()
            .map(|v| trainer.evaluate(v))
            .transpose()?,
        test: data
            .test
            .as_ref()
            .map(|t| trainer.evaluate(t))
            .transpose()?,
    })
}

fn metrics_json(m: &Metrics) -> Value {
    json!({
        "loss": m.loss,
        "accuracy": m.accuracy(),
        "samples": m.samples,
        "mse": m.mse,
        "r2": m.r2,
    })
}

/// The files a run wrote.
#[derive(Clone, Copy)]
struct Outputs<'a> {
    model: Option<&'a Path>,
    checkpoint: Option<&'a Path>,
    run_dir: Option<&'a Path>,
}

fn json_report(
    trainer: &Trainer,
    dataset: &str,
    summary: &Summary,
    finals: &Finals,
    outputs: Outputs,
    interrupted: bool,
) -> Value {
    let path = |p: Option<&Path>| p.map(|p| p.display().to_string());
    let arch = &trainer.config().architecture;
    json!({
        "dataset": dataset,
        "layers": arch.sizes,
        "activation": arch.hidden.name(),
        "output": arch.output.name(),
        "loss": arch.loss.name(),
        "optimizer": trainer.config().optimizer.name(),
        "epochs": summary.epochs,
        "steps": summary.total_steps,
        "seconds": summary.seconds,
        "samples_per_second": summary.samples_per_second,
        "stopped_early": summary.stopped_early,
        "interrupted": interrupted,
        "train": metrics_json(&finals.train),
        "validation": finals.validation.as_ref().map(metrics_json),
        "test": finals.test.as_ref().map(metrics_json),
        "model": path(outputs.model),
        "checkpoint": path(outputs.checkpoint),
        "run_dir": path(outputs.run_dir),
    })
}

fn summary_text(summary: &Summary, finals: &Finals, outputs: Outputs, interrupted: bool) -> String {
    let mut s = String::new();
    let how = if interrupted {
        "interrupted after"
    } else if summary.stopped_early {
        "stopped early after"
    } else {
        "trained"
    };
    let _ = writeln!(
        s,
        "{how} {} epochs ({} steps) in {:.*} s, {} samples/s",
        summary.epochs,
        summary.total_steps,
        if summary.seconds < 10.0 { 2 } else { 1 },
        summary.seconds,
        thousands(summary.samples_per_second)
    );
    let _ = writeln!(s, "train       {}", metrics_text(&finals.train));
    if let Some(v) = &finals.validation {
        let _ = writeln!(s, "validation  {}", metrics_text(v));
    }
    if let Some(t) = &finals.test {
        let _ = writeln!(s, "test        {}", metrics_text(t));
    }
    if let Some(path) = outputs.checkpoint {
        let _ = writeln!(s, "checkpoint  {}", path.display());
    }
    if let Some(path) = outputs.run_dir {
        let _ = writeln!(s, "run         {}", path.display());
    }
    if let Some(path) = outputs.model {
        let _ = writeln!(s, "model saved to {}", path.display());
    }
    s
}

fn cell(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{v:.6}"))
}

/// One row per epoch, written atomically.
fn write_metrics_csv<'a>(path: &Path, rows: impl IntoIterator<Item = &'a EpochRow>) -> Result<()> {
    let mut csv =
        String::from("epoch,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,lr,seconds\n");
    for r in rows {
        let loss = |m: Option<(f64, Option<f64>)>| cell(m.map(|m| m.0));
        let acc = |m: Option<(f64, Option<f64>)>| cell(m.and_then(|m| m.1));
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{:.6}",
            r.epoch,
            loss(Some(r.train)),
            acc(Some(r.train)),
            loss(r.validation),
            acc(r.validation),
            loss(r.test),
            acc(r.test),
            r.learning_rate,
            r.seconds,
        );
    }
    nn_core::write_atomically(path, csv.as_bytes())
        .with_context(|| format!("--metrics-out {}", path.display()))
}
