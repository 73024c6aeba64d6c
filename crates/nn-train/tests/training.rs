//! The trainer end to end on small data: learning, determinism, resume, divergence, early stopping.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use nn_core::{Activation, Architecture, Loss};
use nn_run::{
    Command, DataOptions, DataSpec, Event, Pace, RunHeadless, RunState, SessionOptions, load_data,
    spawn,
};
use nn_train::{OptimizerKind, TrainConfig, TrainData, TrainError, Trainer};

fn data(name: &str, samples: usize) -> Arc<TrainData> {
    let options = DataOptions {
        samples,
        validation_fraction: 0.2,
        test_fraction: 0.2,
        ..DataOptions::default()
    };
    Arc::new(load_data(&DataSpec::Generator(name.into()), &options).unwrap())
}

fn config(hidden: &[usize], classes: usize, batch: usize, threads: usize) -> TrainConfig {
    let mut sizes = vec![2];
    sizes.extend(hidden);
    sizes.push(classes);
    let arch = Architecture::new(
        sizes,
        Activation::Tanh,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    TrainConfig {
        optimizer: OptimizerKind::ADAM,
        learning_rate: 0.01,
        batch_size: batch,
        threads,
        epochs: 5,
        ..TrainConfig::new(arch)
    }
}

fn bits(t: &Trainer) -> Vec<u32> {
    t.network()
        .parameters()
        .iter()
        .map(|v| v.to_bits())
        .collect()
}

#[test]
fn learns_moons_to_high_test_accuracy() {
    let data = data("moons", 1000);
    let mut trainer = Trainer::new(
        TrainConfig {
            epochs: 60,
            ..config(&[16, 16], 2, 16, 2)
        },
        data.clone(),
    )
    .unwrap();
    let summary = trainer
        .run(
            &AtomicBool::new(false),
            &SessionOptions::default(),
            &mut |_| {},
        )
        .unwrap();
    let test = summary.last_epoch.unwrap().test.unwrap();
    assert!(
        test.accuracy().unwrap() >= 0.95,
        "test accuracy {:?}",
        test.accuracy()
    );
}

#[test]
fn one_two_and_eight_threads_give_bit_identical_weights() {
    let data = data("spiral", 600);
    let runs: Vec<Vec<u32>> = [1, 2, 8]
        .into_iter()
        .map(|threads| {
            // Batch 100 makes 4 shards of 25: the parallel sum is exercised (the
            // step is below nn-train's serial threshold, so they run on one thread).
            let mut t = Trainer::new(
                TrainConfig {
                    epochs: 3,
                    ..config(&[12, 12], 2, 100, threads)
                },
                data.clone(),
            )
            .unwrap();
            for _ in 0..3 {
                t.run_epoch().unwrap();
            }
            bits(&t)
        })
        .collect();
    assert_eq!(runs[0], runs[1], "1 vs 2 threads");
    assert_eq!(runs[0], runs[2], "1 vs 8 threads");
}

/// A checkpoint whose architecture is too large to count, or whose tensors do not fit
/// it, is a one-line error before anything sized by it is allocated; `/dev/zero` is
/// refused after its first 8 bytes.
#[test]
fn hostile_checkpoints_are_errors() {
    let data = data("circle", 100);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ckpt.safetensors");
    Trainer::new(config(&[8], 2, 32, 1), data.clone())
        .unwrap()
        .save_checkpoint(&path)
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(nn_train::parse_checkpoint(&bytes).is_ok());
    let (sizes, huge) = (
        br#"\"sizes\":[2,8,2]"#.as_slice(),
        br#"\"sizes\":[9999999999,9999999999,2]"#.as_slice(),
    );
    let at = bytes
        .windows(sizes.len())
        .position(|w| w == sizes)
        .expect("the sizes in the header");
    // The header grows; the tensors' offsets count from its end, so they still hold.
    let mut hostile = bytes.clone();
    hostile.splice(at..at + sizes.len(), huge.iter().copied());
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap());
    let grown = (huge.len() - sizes.len()) as u64;
    hostile.splice(..8, (header_len + grown).to_le_bytes());
    let err = nn_train::parse_checkpoint(&hostile)
        .err()
        .expect("an error");
    assert!(
        err.contains("more parameters than this machine can count"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);

    let err = Trainer::resume(std::path::Path::new("/dev/zero"), data, None)
        .expect_err("an error")
        .to_string();
    assert!(
        err.contains("/dev/zero") && err.contains("not a checkpoint"),
        "{err}"
    );
}

#[test]
fn any_thread_count_gives_the_same_bits_when_products_are_split_across_threads() {
    // Every path of nn-train's thread plan, on 1 to 4 and 8 threads. Wide
    // layers (1.6 MFLOP per sample): batch 16 is one shard of 25 MFLOP and
    // batch 64 four such shards, both run as one batch with every product split
    // across the threads. Narrow ones (26 KFLOP per sample) at batch 256: four
    // shards of 1.7 MFLOP as one batch, the 64x64 layer's products split over
    // the threads by whole shards (and the epoch's last batch of 44, one
    // thread for all). Tiny ones (2-8-8-2, nn-core's
    // register-wide loops instead of gemm) at batch 256: four shards, one thread.
    let data = data("spiral", 300);
    for (hidden, batch) in [(512, 16), (512, 64), (64, 256), (8, 256)] {
        let runs: Vec<Vec<u32>> = [1, 2, 3, 4, 8]
            .into_iter()
            .map(|threads| {
                let mut t = Trainer::new(
                    TrainConfig {
                        epochs: 2,
                        ..config(&[hidden, hidden], 2, batch, threads)
                    },
                    data.clone(),
                )
                .unwrap();
                t.run_epochs(2).unwrap();
                bits(&t)
            })
            .collect();
        for (k, threads) in [2, 3, 4, 8].into_iter().enumerate() {
            assert!(
                runs[0] == runs[k + 1],
                "hidden {hidden}, batch {batch}: 1 vs {threads} threads differ"
            );
        }
    }
}

#[test]
fn wide_inputs_give_the_same_bits_on_any_thread_count() {
    // Inputs over 512 wide (gemm then sums the inner dimension in blocks picked
    // by its size) into layers wide enough that every product is cut into
    // column blocks, one per thread (nn-core's `matmul_by_columns`): 600-300-300-10
    // at batch 32, two shards of 16 (29 MFLOP each) run as one batch.
    let (samples, inputs, classes) = (96, 600, 10);
    let x: Vec<f32> = (0..samples * inputs)
        .map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * 0.5)
        .collect();
    let train = nn_data::Dataset::new(
        "wide",
        nn_data::Inputs::F32(x),
        nn_data::Targets::Classes((0..samples).map(|i| (i * 7 % classes) as u32).collect()),
        (0..inputs).map(|i| format!("x{i}")).collect(),
        vec!["label".into()],
        (0..classes).map(|c| c.to_string()).collect(),
    )
    .unwrap();
    let data = Arc::new(TrainData {
        train,
        validation: None,
        test: None,
        normalization: nn_data::Normalization::identity(inputs),
        features: None,
    });
    let runs: Vec<Vec<u32>> = [1, 2, 3, 4]
        .into_iter()
        .map(|threads| {
            let arch = Architecture::new(
                vec![inputs, 300, 300, classes],
                Activation::Relu,
                Activation::Softmax,
                Loss::CrossEntropy,
            )
            .unwrap();
            let config = TrainConfig {
                optimizer: OptimizerKind::Sgd,
                learning_rate: 0.05,
                batch_size: 32,
                threads,
                epochs: 2,
                // Two shards a batch (the default is one of 32).
                shard_size: Some(16),
                ..TrainConfig::new(arch)
            };
            let mut t = Trainer::new(config, data.clone()).unwrap();
            t.run_epochs(2).unwrap();
            bits(&t)
        })
        .collect();
    for (k, threads) in [2, 3, 4].into_iter().enumerate() {
        assert!(runs[0] == runs[k + 1], "1 vs {threads} threads differ");
    }
}

#[test]
fn resuming_from_a_checkpoint_continues_bit_identically() {
    let data = data("circle", 400);
    let cfg = TrainConfig {
        epochs: 4,
        optimizer: OptimizerKind::ADAM,
        ..config(&[8], 2, 32, 2)
    };
    let mut straight = Trainer::new(cfg.clone(), data.clone()).unwrap();
    for _ in 0..4 {
        straight.run_epoch().unwrap();
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ckpt.safetensors");
    let mut first = Trainer::new(cfg, data.clone()).unwrap();
    first.run_epoch().unwrap();
    for _ in 0..3 {
        first.step().unwrap(); // stop in the middle of an epoch
    }
    first.save_checkpoint(&path).unwrap();
    drop(first);
    let mut resumed = Trainer::resume(&path, data, Some(1)).unwrap();
    while resumed.epoch() < 4 {
        resumed.step().unwrap();
    }
    assert_eq!(bits(&resumed), bits(&straight));
    assert_eq!(resumed.last_epoch().map(|r| r.epoch), Some(4));
    assert_eq!(
        resumed.last_epoch().unwrap().validation,
        straight.last_epoch().unwrap().validation
    );
}

#[test]
fn divergence_names_epoch_batch_and_rate() {
    let data = data("gauss", 200);
    let arch = Architecture::new(
        vec![2, 8, 2],
        Activation::Relu,
        Activation::Sigmoid,
        Loss::Seed,
    )
    .unwrap();
    let cfg = TrainConfig {
        learning_rate: 1e30,
        batch_size: 8,
        ..TrainConfig::new(arch)
    };
    let mut trainer = Trainer::new(cfg, data).unwrap();
    let err = loop {
        match trainer.step() {
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    assert!(
        matches!(err, TrainError::Diverged { epoch: 1, .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("epoch 1, batch")
            && text.contains("learning rate 1000000000000000000000000000000"),
        "{text}"
    );
    assert!(text.contains("try a smaller learning rate"), "{text}");
}

#[test]
fn early_stopping_keeps_the_best_weights() {
    // Few noisy samples and a large network: it overfits, validation loss turns up.
    let options = DataOptions {
        samples: 80,
        noise: Some(0.5),
        validation_fraction: 0.25,
        ..DataOptions::default()
    };
    let data = Arc::new(load_data(&DataSpec::Generator("xor".into()), &options).unwrap());
    let cfg = TrainConfig {
        epochs: 2000,
        early_stop_patience: Some(5),
        optimizer: OptimizerKind::ADAM,
        learning_rate: 0.03,
        ..config(&[64, 64], 2, 8, 1)
    };
    let mut trainer = Trainer::new(cfg, data.clone()).unwrap();
    let mut reports = Vec::new();
    let summary = trainer
        .run(
            &AtomicBool::new(false),
            &SessionOptions::default(),
            &mut |event| {
                if let nn_run::Event::EpochEnd(r) = event {
                    reports.push(r);
                }
            },
        )
        .unwrap();
    assert!(summary.stopped_early, "ran {} epochs", summary.epochs);
    assert_eq!(reports.len(), summary.epochs);
    let best = reports
        .iter()
        .filter_map(|r| r.validation.as_ref().map(|v| v.loss))
        .fold(f64::INFINITY, f64::min);
    let validation = trainer.evaluate(data.validation.as_ref().unwrap()).unwrap();
    assert!(
        (validation.loss - best).abs() < 1e-9,
        "restored loss {} vs best {best}",
        validation.loss
    );
}

/// The error a configuration is refused with, as the user reads it.
fn refusal(config: TrainConfig, data: &Arc<TrainData>) -> String {
    Trainer::new(config, data.clone()).unwrap_err().to_string()
}

#[test]
fn bad_settings_are_refused_before_training() {
    let data = data("xor", 100);
    let err = refusal(
        TrainConfig {
            learning_rate: 0.0,
            ..config(&[4], 2, 8, 1)
        },
        &data,
    );
    assert!(
        err.starts_with("learning rate 0: expected a positive"),
        "{err}"
    );
    let err = refusal(
        TrainConfig {
            batch_size: 0,
            ..config(&[4], 2, 8, 1)
        },
        &data,
    );
    assert!(
        err.starts_with("batch size 0: expected at least 1"),
        "{err}"
    );
    let arch = |sizes: Vec<usize>| {
        Architecture::new(
            sizes,
            Activation::Tanh,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
        .unwrap()
    };
    let err = refusal(TrainConfig::new(arch(vec![3, 4, 2])), &data);
    assert!(err.contains("takes 3 inputs but"), "{err}");
    let err = refusal(TrainConfig::new(arch(vec![2, 4, 3])), &data);
    assert!(err.contains("2 classes need 2 outputs"), "{err}");
}

/// Waits up to ten seconds for an event that `wanted` accepts.
fn wait_for(handle: &nn_run::TrainerHandle, mut wanted: impl FnMut(&Event) -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if let Ok(event) = handle
            .events()
            .recv_timeout(std::time::Duration::from_millis(100))
            && wanted(&event)
        {
            return true;
        }
    }
    false
}

/// A session on `data` that trains until stopped, started paused.
fn paused_session(data: Arc<TrainData>) -> nn_run::TrainerHandle {
    let cfg = TrainConfig {
        epochs: usize::MAX,
        ..config(&[8], 2, 10, 1)
    };
    let options = SessionOptions {
        start_paused: true,
        ..SessionOptions::default()
    };
    spawn(Trainer::new(cfg, data).unwrap(), options)
}

#[test]
fn spawned_session_obeys_commands() {
    let handle = paused_session(data("circle", 400));
    handle.send(Command::Step);
    handle.send(Command::SetLearningRate(0.5));
    // One step, taken at the new rate.
    assert!(wait_for(&handle, |e| matches!(e, Event::Progress(p)
        if p.total_steps == 1 && p.learning_rate == 0.5)));
    handle.send(Command::Resume);
    let mut epochs = 0;
    assert!(wait_for(&handle, |e| {
        epochs += usize::from(matches!(e, Event::EpochEnd(_)));
        epochs == 3
    }));
    handle.send(Command::Pause);
    assert!(wait_for(&handle, |e| matches!(
        e,
        Event::State(RunState::Paused)
    )));
    let trainer = handle.join();
    assert!(trainer.epoch() >= 3);
}

/// A pause says at once how many steps were taken (not at the next command: the
/// first `n` after a pause once moved the step counter by 30), and `n` then reports
/// one step: its loss is that one batch's, said as much by `steps`.
#[test]
fn a_pause_reports_at_once_and_a_step_reports_one_batch() {
    let data = data("circle", 400);
    let cfg = TrainConfig {
        epochs: usize::MAX,
        ..config(&[8], 2, 10, 1)
    };
    let options = SessionOptions {
        pace: Pace::Max,
        // Only epoch ends report while running: a pause lands between reports.
        progress_interval: std::time::Duration::from_secs(3600),
        ..SessionOptions::default()
    };
    let handle = spawn(Trainer::new(cfg, data).unwrap(), options);
    std::thread::sleep(std::time::Duration::from_millis(200));
    handle.send(Command::Pause);
    assert!(wait_for(&handle, |e| matches!(
        e,
        Event::State(RunState::Paused)
    )));
    // Nothing else is sent: the report of where the pause landed comes by itself.
    let mut paused_at = None;
    assert!(wait_for(&handle, |e| match e {
        Event::Progress(p) => {
            paused_at = Some(p.clone());
            true
        }
        _ => false,
    }));
    let paused_at = paused_at.unwrap();
    handle.send(Command::Step);
    let mut stepped = None;
    assert!(wait_for(&handle, |e| match e {
        Event::Progress(p) => {
            stepped = Some(p.clone());
            true
        }
        _ => false,
    }));
    let stepped = stepped.unwrap();
    assert_eq!(stepped.total_steps, paused_at.total_steps + 1);
    assert_eq!(stepped.steps, 1, "{stepped:?}");
    assert!(stepped.loss.is_finite());
    let trainer = handle.join();
    assert_eq!(trainer.total_steps(), stepped.total_steps);
}

/// A paced session never runs ahead of its pace (a slow machine only falls
/// behind it); `SetPace(Max)` lets it go flat out.
#[test]
fn paced_sessions_keep_to_their_pace() {
    let data = data("circle", 400);
    let cfg = TrainConfig {
        epochs: usize::MAX,
        ..config(&[8], 2, 10, 1)
    };
    let options = SessionOptions {
        pace: Pace::EpochsPerSecond(5.0),
        ..SessionOptions::default()
    };
    let started = std::time::Instant::now();
    let handle = spawn(Trainer::new(cfg, data).unwrap(), options);
    let mut epochs = 0;
    assert!(wait_for(&handle, |e| {
        epochs += usize::from(matches!(e, Event::EpochEnd(_)));
        epochs == 3
    }));
    // Three epochs at five a second take at least 0.6 s, less the pacer's 2 ms slack per step.
    let took = started.elapsed().as_secs_f64();
    assert!(took > 0.5, "3 epochs in {took:.3} s at 5 epochs/s");
    handle.send(Command::SetPace(Pace::Max));
    epochs = 0;
    assert!(wait_for(&handle, |e| {
        epochs += usize::from(matches!(e, Event::EpochEnd(_)));
        epochs == 200
    }));
    handle.send(Command::SetPace(Pace::EpochsPerSecond(0.5)));
    assert!(wait_for(&handle, |e| matches!(e, Event::Log(m)
        if m == "speed 0.5: expected max or a number of epochs per second of at least 1, e.g. 60")));
    handle.join();
}

/// Penalties and data change while the session runs, and bad values are refused.
#[test]
fn penalties_and_data_change_live() {
    let handle = paused_session(data("circle", 400));
    handle.send(Command::SetPenalties { l1: -1.0, l2: 0.0 });
    assert!(wait_for(&handle, |e| matches!(e, Event::Log(m)
        if m == "L1 penalty -1: expected a number >= 0")));
    handle.send(Command::SetPenalties { l1: 0.0, l2: 0.01 });
    let other = Arc::new(
        load_data(
            &DataSpec::Generator("circle".into()),
            &DataOptions {
                samples: 400,
                seed: 9,
                validation_fraction: 0.2,
                test_fraction: 0.2,
                ..DataOptions::default()
            },
        )
        .unwrap(),
    );
    handle.send(Command::SetData(Arc::clone(&other)));
    handle.send(Command::SetData(data("spiral", 100)));
    handle.send(Command::SetData(Arc::new(
        load_data(
            &DataSpec::Generator("blobs".into()),
            &DataOptions::default(),
        )
        .unwrap(),
    )));
    assert!(wait_for(&handle, |e| matches!(e, Event::Log(m)
        if m.contains("3 classes need 3 outputs"))));
    let trainer = handle.join();
    assert_eq!(trainer.config().l2, 0.01);
    assert_eq!(
        trainer.data().train.len(),
        60,
        "the spiral's 100 samples, split 60/20/20"
    );
}

#[test]
fn divergence_keeps_the_last_good_checkpoint() {
    let data = data("circle", 400);
    let dir = tempfile::tempdir().unwrap();
    // Linear hidden units: a huge rate overflows (tanh saturates and ReLUs die instead).
    let arch = Architecture::new(
        vec![2, 8, 2],
        Activation::Linear,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let cfg = TrainConfig {
        epochs: usize::MAX,
        batch_size: 10,
        threads: 1,
        checkpoint_dir: Some(dir.path().to_path_buf()),
        ..TrainConfig::new(arch)
    };
    let handle = spawn(
        Trainer::new(cfg, data.clone()).unwrap(),
        SessionOptions::default(),
    );
    // One good epoch writes a checkpoint; then a rate that blows up.
    assert!(wait_for(&handle, |e| matches!(e, Event::EpochEnd(_))));
    handle.send(Command::SetLearningRate(1e30));
    assert!(wait_for(&handle, |e| matches!(
        e,
        Event::State(RunState::Diverged(_))
    )));
    handle.send(Command::SaveModel(dir.path().join("garbage.safetensors")));
    handle.send(Command::Stop);
    let mut refusals = 0;
    assert!(wait_for(&handle, |e| {
        refusals += usize::from(matches!(e, Event::Log(m) if m.contains("training diverged")));
        matches!(e, Event::Finished(_))
    }));
    assert_eq!(
        refusals, 2,
        "the save and the checkpoint on stop are both refused"
    );
    let trainer = handle.join();
    assert!(trainer.has_diverged());
    assert!(!dir.path().join("garbage.safetensors").exists());
    let path = nn_train::checkpoint_path(dir.path());
    let resumed = Trainer::resume(&path, data, None).unwrap();
    assert!(resumed.epoch() >= 1);
    assert!(
        resumed
            .network()
            .parameters()
            .iter()
            .all(|w| w.is_finite() && w.abs() < 1e6)
    );
}

/// A checkpoint that cannot be written (here a folder sits where the file goes) is a
/// warning, not the end of the run: training goes on and the next interval tries again.
#[test]
fn an_unwritable_checkpoint_warns_and_training_goes_on() {
    let data = data("moons", 200);
    let dir = tempfile::tempdir().unwrap();
    let path = nn_train::checkpoint_path(dir.path());
    std::fs::create_dir(&path).unwrap();
    let cfg = TrainConfig {
        epochs: 4,
        checkpoint_dir: Some(dir.path().to_path_buf()),
        checkpoint_every: 2,
        ..config(&[8], 2, 16, 1)
    };
    let mut trainer = Trainer::new(cfg, data).unwrap();
    let mut warnings = Vec::new();
    let summary = trainer
        .run(
            &AtomicBool::new(false),
            &SessionOptions::default(),
            &mut |event| {
                if let Event::Log(message) = event
                    && message.starts_with("warning: could not write the checkpoint")
                {
                    warnings.push(message);
                    // The obstacle goes away: the next interval must succeed.
                    let _ = std::fs::remove_dir(&path);
                }
            },
        )
        .unwrap();
    assert_eq!(summary.epochs, 4, "the run went on to the end");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("after epoch 2") && warnings[0].contains("next try after epoch 4"),
        "{}",
        warnings[0]
    );
    assert_eq!(summary.checkpoint.as_deref(), Some(path.as_path()));
    let resumed = Trainer::resume(&path, Arc::clone(trainer.data()), None).unwrap();
    assert_eq!(resumed.epoch(), 4);
}
