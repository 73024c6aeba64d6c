//! `nn-tui sweep`: flags to a [`SweepSpec`] (the base run resolved to a full
//! state line, the axes checked before anything runs), the sweep run on every
//! core, then the standings, the winner's one test, its state line and the
//! command that trains it, as text or one JSON object. Progress goes to stderr.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result, bail};
use nn_run::{Pace, Purpose, StateLine, TrainRequest};
use nn_sweep::{
    GridAxis, Halving, JobResult, RandomAxis, RunOptions, SPEC_FORMAT, Sweep, SweepSpec,
    TRIALS_DIR, TrialScore,
};
use nn_train::{Metrics, Setting, TrainConfig, Trainer};

use crate::Outcome;
use crate::progress::say;
use crate::setup;
use crate::sweep_report::{json_report, progress_line, text_report, threads_text};
use nn_tui::SweepArgs;

/// The validation split a sweep carves from the training data when none is given.
pub const SWEEP_VALIDATION: f32 = 0.2;

/// Runs `nn-tui sweep`: in one process, or as a rank of `mpirun -np N`
/// (the `mpi` feature; `sweep_ranks.rs`).
pub fn run(args: &SweepArgs) -> Result<Outcome> {
    // Kept to the end: with the `mpi` feature, dropping it ends MPI.
    let job = nn_dist::Job::start()?;
    #[cfg(feature = "mpi")]
    if job.ranks() > 1 {
        return crate::sweep_ranks::run(args, &job);
    }
    let cores = args.cores.map_or_else(
        || std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        |c| c as usize,
    );
    let (sweep, shared) = open_or_create(args)?;
    let outcome = drive(
        &sweep,
        shared,
        cores,
        (1, (0, 1)),
        args.json,
        &mut |shared, options, on_result| sweep.run(shared, options, on_result),
    );
    drop(job);
    outcome
}

/// The sweep `--resume` names, or a new one from the flags.
pub fn open_or_create(args: &SweepArgs) -> Result<(Sweep, nn_sweep::SharedData)> {
    match &args.resume {
        Some(dir) => {
            refuse_with_resume(args)?;
            let sweep = Sweep::open(dir).with_context(|| format!("--resume {}", dir.display()))?;
            let shared = sweep.shared_data()?;
            Ok((sweep, shared))
        }
        None => new_sweep(args),
    }
}

/// Runs a sweep's jobs: in this process ([`Sweep::run`]) or spread over ranks.
pub type Runner<'a> = dyn FnMut(
        &mut nn_sweep::SharedData,
        &RunOptions,
        &mut dyn FnMut(&JobResult),
    ) -> Result<nn_sweep::Finished, nn_sweep::SweepError>
    + 'a;

/// Runs `sweep` with `runner` on `cores` cores (of each of `ranks` processes;
/// this one's share of its machine's CPUs `cpu_share`, see [`RunOptions`]) and
/// reports: progress on stderr, the standings, the winner's test, as text or JSON.
pub fn drive(
    sweep: &Sweep,
    mut shared: nn_sweep::SharedData,
    cores: usize,
    (ranks, cpu_share): (usize, (usize, usize)),
    json: bool,
    runner: &mut Runner<'_>,
) -> Result<Outcome> {
    let stop = Arc::new(AtomicBool::new(false));
    crate::train::register_interrupt(&stop)?;
    let spec = sweep.spec();
    let configs = sweep
        .trials()
        .iter()
        .map(|t| t.config)
        .max()
        .map_or(0, |c| c + 1);
    let per_config = spec.seeds * spec.folds.unwrap_or(1);
    let jobs = match spec.halving {
        Some(h) => h.jobs(configs, per_config, spec.epochs),
        None => configs * per_config,
    };
    let on = if ranks > 1 {
        format!("on {ranks} MPI ranks x {cores} cores")
    } else {
        format!("on {cores} cores")
    };
    say(&format!(
        "sweep {}: {} trials ({} configurations x {} seed{}{}), {} epochs each{}, {on}",
        sweep.dir().display(),
        sweep.trials().len(),
        sweep
            .trials()
            .iter()
            .map(|t| t.config)
            .max()
            .map_or(0, |c| c + 1),
        spec.seeds,
        if spec.seeds == 1 { "" } else { "s" },
        spec.folds
            .map_or_else(String::new, |k| format!(" x {k} folds")),
        spec.epochs,
        spec.halving.map_or_else(String::new, |h| format!(
            " at most (halving: rungs of {:?} epochs)",
            h.rungs(spec.epochs)
        )),
    ));
    let mut done = 0;
    let options = RunOptions {
        cores,
        stop: Arc::clone(&stop),
        cpu_share: Some(cpu_share),
    };
    let finished = runner(&mut shared, &options, &mut |r: &JobResult| {
        done += 1;
        say(&progress_line(r, done, jobs));
    })?;
    let keys = spec.axis_keys();
    let standings = nn_sweep::standings(
        &finished.results,
        sweep.trials(),
        spec.folds.unwrap_or(1),
        &keys,
    );
    let csv_path = sweep.dir().join("results.csv");
    nn_atomic_write::write_atomically(&csv_path, nn_sweep::csv(&standings, &keys).as_bytes())
        .with_context(|| format!("writing {}", csv_path.display()))?;
    let threads: Vec<usize> = finished.results.iter().map(|r| r.threads).collect();
    say(&format!(
        "ran {} jobs in {:.1} s ({} kept from before), {} data set{} loaded once, {}",
        finished.ran,
        finished.seconds,
        finished.kept,
        finished.data_loaded,
        if finished.data_loaded == 1 { "" } else { "s" },
        threads_text(&threads, cores),
    ));
    // With ranks, this process's CPU time is not the sweep's.
    if let (1, Some(line)) = (ranks, busy_line(&finished, cores)) {
        say(&line);
    }
    let (trained, grid) = epochs_trained(
        &finished.results,
        sweep.trials().len() * spec.folds.unwrap_or(1),
        spec.epochs,
    );
    if spec.halving.is_some() {
        say(&format!(
            "halving trained {trained} epochs in all, {:.1}% of the full grid's {grid}",
            100.0 * trained as f64 / grid.max(1) as f64
        ));
    }
    if finished.interrupted {
        say(&format!(
            "interrupted: {} of {jobs} jobs finished; continue with nn-tui sweep --resume {}{}",
            finished.results.len(),
            sweep.dir().display(),
            if ranks > 1 {
                " (on any number of ranks; when a rank dies, mpirun stops every rank and its message names the rank)"
            } else {
                ""
            }
        ));
        return Ok(Outcome::Interrupted);
    }
    let winner = match standings.configs.first().filter(|c| c.mean.is_some()) {
        Some(c) => Some(test_winner(sweep, &mut shared, c.best_trial, cores)?),
        None => None,
    };
    let out = if json {
        let mut report = json_report(sweep, &standings, winner.as_ref(), &finished, cores);
        report["epochs_trained"] = trained.into();
        report["grid_epochs"] = grid.into();
        format!("{report}\n")
    } else {
        text_report(sweep, &standings, &keys, winner.as_ref())
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing the sweep's results to stdout")?;
    Ok(Outcome::Done)
}

/// `--resume` takes the sweep from its sweep.json: other sweep flags would be ignored.
fn refuse_with_resume(args: &SweepArgs) -> Result<()> {
    let given = [
        ("--data", args.data.is_some()),
        ("--state", args.state.is_some()),
        ("--grid", !args.grid.is_empty()),
        ("--random", args.random.is_some()),
        ("--seeds", args.seeds != 1),
        ("--folds", args.folds.is_some()),
        ("--halving", args.halving),
        ("--epochs", args.run.settings.given(Setting::Epochs)),
    ];
    if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
        bail!("--resume: the sweep is defined by its sweep.json; {flag} cannot change it");
    }
    Ok(())
}

/// The flags a state line does not hold and a sweep does not vary.
fn refuse_unswept(args: &SweepArgs) -> Result<()> {
    let given = args.run.settings.line().flag_only;
    let why = "a trial is a state line and --epochs";
    if given
        .schedule
        .is_some_and(|s| s != nn_run::ScheduleChoice::Constant)
    {
        bail!("--schedule: {why}; a sweep trains with a constant rate");
    }
    if args.run.no_shuffle {
        bail!("--no-shuffle: {why}; a sweep's trials shuffle");
    }
    if given.early_stop.is_some() {
        bail!("--early-stop: {why}; trials rank by their best validation epoch anyway");
    }
    if args.run.threads != 0 {
        bail!(
            "--threads: a sweep gives each trial the threads its work can use; --cores limits the cores"
        );
    }
    Ok(())
}

/// A new sweep from the flags: the base run resolved on its data (loaded here,
/// once, and shared with the trials on it), the axes checked, `sweep.json` written.
fn new_sweep(args: &SweepArgs) -> Result<(Sweep, nn_sweep::SharedData)> {
    refuse_unswept(args)?;
    let state = match &args.state {
        Some(text) => {
            let imported = StateLine::read(text).context("--state")?;
            for notice in &imported.notices {
                say(&format!("note: {notice}"));
            }
            Some(imported.line)
        }
        None => None,
    };
    let (line, request, mut options) =
        args.run
            .run(args.data.as_deref(), state, TrainRequest::default());
    if line.data.is_empty() {
        bail!("--data: expected a data set");
    }
    let data_spec = line.data;
    match args.folds {
        Some(_) => options.validation_fraction = 0.0,
        None if options.validation_fraction == 0.0 => {
            options.validation_fraction = SWEEP_VALIDATION;
        }
        None => {}
    }
    request.validate()?;
    options.validate()?;
    let (spec, data) = setup::load(&data_spec, &options)?;
    let config = request.resolve(Purpose::Headless, &data)?;
    if config.epochs == usize::MAX {
        bail!("--epochs: a sweep needs a number of epochs per trial");
    }
    let base = StateLine::from_run(&spec, &options, &data, &config, Pace::Max);
    let mut grid = Vec::new();
    for text in &args.grid {
        grid.push(GridAxis::parse(text, &base)?);
    }
    let (random_count, random) = match &args.random {
        None => (0, Vec::new()),
        Some(words) => {
            let count: usize = words[0].parse().ok().filter(|&n| n > 0).with_context(|| {
                format!(
                    "--random {}: expected the number of configurations first, e.g. --random 60 lr=log:1e-4..1",
                    words[0]
                )
            })?;
            let mut axes = Vec::new();
            for text in &words[1..] {
                axes.push(RandomAxis::parse(text, &base)?);
            }
            (count, axes)
        }
    };
    let mut keys: Vec<&str> = grid.iter().map(|a| a.key.as_str()).collect();
    keys.extend(random.iter().map(|a| a.key.as_str()));
    for (i, key) in keys.iter().enumerate() {
        if keys[..i].contains(key) {
            bail!("{key}: an axis is given twice; give each setting one axis");
        }
        if *key == "seed" && args.seeds > 1 {
            bail!(
                "--seeds {}: seed is an axis already; give one or the other",
                args.seeds
            );
        }
    }
    let mut sweep_spec = SweepSpec {
        format: SPEC_FORMAT,
        base: base.to_string(),
        epochs: config.epochs,
        // The base line holds it (`target=`), and so every trial's line; the field
        // is read for sweeps made before lines held it.
        target: None,
        grid,
        random_count,
        random,
        random_seed: config.seed,
        seeds: args.seeds as usize,
        folds: args.folds.map(|k| k as usize),
        halving: None,
        command: std::env::args().collect(),
    };
    if args.halving {
        let configs = sweep_spec.configurations().len();
        sweep_spec.halving = Some(Halving::for_sweep(
            configs,
            config.epochs,
            args.eta as usize,
        ));
    }
    let dir = match &args.dir {
        Some(dir) => {
            setup::check_writable_dir("--dir", dir)?;
            dir.clone()
        }
        None => nn_run::new_run_dir(Path::new(crate::run_dir::RUNS_ROOT), &spec)?,
    };
    let sweep =
        Sweep::create(&dir, sweep_spec).with_context(|| format!("--dir {}", dir.display()))?;
    let mut shared = sweep.shared_data()?;
    let options = shared.options_of(&base);
    shared.insert(spec, options, data)?;
    Ok((sweep, shared))
}

/// The winner: its trial, model and one measurement on the test set.
pub(crate) struct Winner {
    pub(crate) trial: usize,
    pub(crate) line: String,
    pub(crate) score: TrialScore,
    pub(crate) model: PathBuf,
    pub(crate) test: Option<Metrics>,
    pub(crate) command: String,
}

/// Measures the winning trial's model on the test set, once. With folds no
/// trial trained on all the training data: the winner's line is trained on it
/// now (as the printed command would), saved as `winner.safetensors`.
fn test_winner(
    sweep: &Sweep,
    shared: &mut nn_sweep::SharedData,
    trial: usize,
    cores: usize,
) -> Result<Winner> {
    let spec = sweep.spec();
    let t = &sweep.trials()[trial];
    let line: StateLine = t.line.parse()?;
    let loaded = shared.of(&line)?;
    let config = TrainConfig {
        threads: cores,
        ..nn_sweep::trial_request(&line, spec.epochs).resolve(Purpose::Headless, &loaded.full)?
    };
    let (network, model) = if spec.folds.is_some() {
        let mut trainer = Trainer::new(config.clone(), Arc::clone(&loaded.trials))?;
        trainer.run_epochs(spec.epochs)?;
        let path = sweep.dir().join("winner.safetensors");
        trainer.save_model(&path)?;
        (trainer.network().clone(), path)
    } else {
        let path = sweep
            .dir()
            .join(TRIALS_DIR)
            .join(nn_sweep::Job { trial, fold: None }.dir_name())
            .join(nn_run::MODEL_FILE);
        let (network, _) = nn_core::load_model(&path)
            .with_context(|| format!("the winner's model {}", path.display()))?;
        (network, path)
    };
    let test = match &loaded.full.test {
        Some(test) => {
            let mut trainer = Trainer::with_network(config, Arc::clone(&loaded.full), network)?;
            Some(trainer.evaluate(test)?)
        }
        None => None,
    };
    let score = nn_sweep::standings(
        &nn_sweep::read_results(sweep.dir())?,
        sweep.trials(),
        spec.folds.unwrap_or(1),
        &[],
    )
    .trials
    .into_iter()
    .find(|s| s.trial == trial)
    .context("the winner has no result")?;
    let words = nn_sweep::train_command(&t.line, spec.epochs, spec.target.as_deref());
    // The line is the one word to quote: its values hold no quote or space.
    let mut command = String::new();
    for (i, w) in words.iter().enumerate() {
        let sep = if i == 0 { "" } else { " " };
        if i == 3 {
            let _ = write!(command, "{sep}'{w}'");
        } else {
            let _ = write!(command, "{sep}{w}");
        }
    }
    command.push_str(" --save model.safetensors");
    Ok(Winner {
        trial,
        line: t.line.clone(),
        score,
        model,
        test,
        command,
    })
}

/// How busy the cores were and what each trial cost beyond its training: the
/// process's CPU time (utime + stime) over wall time x cores; the threads' demand
/// for the cores (time on a CPU or ready to run and waiting for one: over 100%,
/// the cores always had a trial's work waiting); the process's CPU time beyond
/// the trials' training (set-up, recording, scheduling) per trial, against a
/// median trial's training CPU time (one-thread trials).
fn busy_line(finished: &nn_sweep::Finished, cores: usize) -> Option<String> {
    let (workers, cpu) = (finished.workers?, finished.cpu_seconds?);
    if finished.ran == 0 {
        return None;
    }
    let capacity = finished.seconds * cores as f64;
    let mut line = format!(
        "CPU {cpu:.2} s over {:.2} s x {cores} cores: {:.0}% busy; demand {:.0}% (on a CPU {:.0}%, ready and waiting for one {:.0}%)",
        finished.seconds,
        100.0 * cpu / capacity,
        100.0 * (workers.running + workers.waiting) / capacity,
        100.0 * workers.running / capacity,
        100.0 * workers.waiting / capacity,
    );
    let ran = &finished.results[finished.results.len() - finished.ran..];
    let mut train: Vec<f64> = ran.iter().filter_map(|r| r.train_cpu_seconds).collect();
    if train.len() == ran.len() {
        let overhead = (cpu - train.iter().sum::<f64>()).max(0.0) / ran.len() as f64;
        train.sort_by(f64::total_cmp);
        let median = train[train.len() / 2];
        let _ = write!(
            line,
            "; {:.2} ms CPU a trial beyond its training, {:.1}% of a median trial's {:.2} ms",
            overhead * 1e3,
            100.0 * overhead / median,
            median * 1e3
        );
    }
    Some(line)
}

/// Epochs trained over all jobs (each job's latest result counts its epochs so
/// far), and what the full grid trains: every job to the sweep's epochs.
fn epochs_trained(results: &[JobResult], jobs: usize, epochs: usize) -> (usize, usize) {
    let mut latest = std::collections::BTreeMap::new();
    for r in results {
        let e = latest.entry(r.job()).or_insert(0);
        *e = (*e).max(r.epochs);
    }
    (latest.values().sum(), jobs * epochs)
}
