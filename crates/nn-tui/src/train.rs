//! `nn-tui train`: flags to an nn-run [`Run`], progress on stderr, results on
//! stdout (or one JSON object), Ctrl-C handled as a clean stop. Under
//! `mpirun` (the `mpi` feature) every rank trains and rank 0 reports.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, anyhow};
use nn_dist::Job;
use nn_run::{
    DataOptions, DataSpec, FinalMetrics, Happening, Purpose, Recorded, Run, Start, StartError,
    StateLine, Summary, TrainRequest,
};
use nn_train::{EpochRow, Metrics, Trainer};
use serde_json::{Value, json};

use crate::Outcome;
use crate::progress::{self, Reporter, metrics_text, thousands};
use crate::ranks::{self, Verdict};
use crate::{run_dir, setup};
use nn_tui::TrainArgs;

/// Runs `nn-tui train`: on this process alone, or as one rank of an MPI job.
pub fn run(args: &TrainArgs) -> Result<Outcome> {
    let base = TrainRequest {
        checkpoint_dir: args.checkpoint_dir.clone(),
        ..TrainRequest::default()
    };
    let state = match &args.state {
        Some(text) => {
            let imported = StateLine::read(text).context("--state")?;
            for notice in &imported.notices {
                crate::progress::say(&format!("note: {notice}"));
            }
            if let Some(notice) = imported.line.defaults_notice(Purpose::Headless) {
                crate::progress::say(&format!("note: {notice}"));
            }
            Some(imported.line)
        }
        None => None,
    };
    // The flags a line does not hold (epochs, schedule, ...) apply over it; the
    // others conflict with --state.
    let (line, request, options) = args.run.run(args.data.as_deref(), state, base);
    if line.data.is_empty() {
        anyhow::bail!("--data: expected a data set");
    }
    let data_spec = line.data;
    request.validate()?;
    options.validate()?;

    let mut job = Job::start()?;
    let Verdict::Go(mut run) =
        ranks::verdict(&job, prepare(args, &job, &data_spec, &request, &options))?
    else {
        return Ok(Outcome::FailedElsewhere);
    };
    if let Verdict::FailedElsewhere = ranks::join(&mut job, run.trainer_mut())? {
        return Ok(Outcome::FailedElsewhere);
    }
    let result = train(args, &job, run);
    ranks::end(&job, result)
}

/// This rank's run: output paths checked (rank 0 alone writes files), the data
/// loaded, the network built or resumed, `--threads` threads per rank.
fn prepare(
    args: &TrainArgs,
    job: &Job,
    data_spec: &str,
    request: &TrainRequest,
    options: &DataOptions,
) -> Result<Run> {
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

    let spec = DataSpec::parse(data_spec)?;
    let start = Start {
        threads: Some(job.threads(args.run.threads)),
        resume: args.resume.clone(),
    };
    let mut run = Run::start(spec, options.clone(), request, Purpose::Headless, &start).map_err(
        |e| match e {
            StartError::Data(e) => anyhow::Error::new(e).context(format!("--data {data_spec}")),
            StartError::Resume(e) => {
                let path = args.resume.as_deref().unwrap_or(Path::new(""));
                anyhow::Error::new(e).context(format!("--resume {}", path.display()))
            }
            StartError::Trainer(e) => e.into(),
        },
    )?;
    if !job.is_root() {
        run.trainer_mut().set_checkpoint_dir(None);
    }
    Ok(run)
}

/// Trains on this rank; rank 0 reports progress and results and writes the files.
fn train(args: &TrainArgs, job: &Job, mut run: Run) -> Result<Outcome> {
    let trainer = run.trainer();
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
            run.spec().name(),
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
    // Rank 0 alone records.
    if let Some(reporter) = &reporter {
        let recording = run_dir::recording(&args.run_dir);
        match run.record(&recording, Run::headless_pace()) {
            Ok(Recorded::Off) => {}
            Ok(Recorded::In(dir)) => {
                reporter.println(&format!("recording the run in {}", dir.display()));
            }
            Ok(Recorded::Unrecorded(e)) => reporter.println(&run_dir::unrecorded(&e)),
            Err(e) => {
                let dir = args.run_dir.run_dir.as_deref().unwrap_or(Path::new(""));
                return Err(anyhow::Error::new(e).context(format!("--run-dir {}", dir.display())));
            }
        }
    }
    let session = run.headless_session();
    let result = run.train(job.stop(), &session, &mut |happening| match happening {
        Happening::RecordingProblem(problem) => {
            if let Some(reporter) = &reporter {
                reporter.println(&format!(
                    "warning: recording the run: {problem}; training goes on"
                ));
            }
        }
        Happening::Event(event) => {
            if let Some(reporter) = &mut reporter {
                reporter.handle(event);
            }
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
            "{} ranks: {:.0} us per step in the exchange between the ranks",
            job.ranks(),
            exchange.mean().as_secs_f64() * 1e6
        ));
    }
    reporter.finish();
    let interrupted = job.stop().load(Ordering::SeqCst);
    let failure = result.as_ref().err().map(ToString::to_string);
    let recorded = run.end_recording(failure).map(|end| {
        if let Some(e) = end.problem {
            progress::say(&format!("warning: the run directory is incomplete: {e}"));
        }
        end.dir
    });

    // Metrics are written whatever happened: they explain a divergence too.
    let metrics_written = args
        .metrics_out
        .as_deref()
        .map(|path| write_metrics_csv(path, run.trainer().history()))
        .transpose();
    let summary = result?;
    metrics_written?;

    let mut checkpoint = summary.checkpoint.clone();
    if interrupted && checkpoint.is_none() {
        checkpoint = Some(run.save_interrupted(args.save.as_deref())?);
    }
    if let Some(path) = &args.save
        && let Err(failure) = run.save_model(path, args.checkpoint_dir.as_deref())
    {
        // The trained weights are the point of the run: the layer kept them somewhere.
        let e = failure.error;
        return Err(match failure.kept {
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

    let finals = run.final_metrics()?;
    let trainer = run.trainer();
    if args.json {
        let report = json_report(
            trainer,
            &run.spec().name(),
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
    finals: &FinalMetrics,
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

fn summary_text(
    summary: &Summary,
    finals: &FinalMetrics,
    outputs: Outputs,
    interrupted: bool,
) -> String {
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
    nn_atomic_write::write_atomically(path, csv.as_bytes())
        .with_context(|| format!("--metrics-out {}", path.display()))
}
