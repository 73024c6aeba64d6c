//! One pool entry per run: `Trainer::run_epochs` and the headless session
//! (`RunHeadless::run`, whose loop `spawn` shares) enter the trainer's rayon pool
//! once for the whole run, not once per step. Entering the pool from outside is a
//! hand-off: the caller blocks on a latch until a worker is done, one voluntary
//! context switch of the calling thread. So the caller's count of voluntary
//! switches over thousands of steps says how often it entered.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use nn_core::{Activation, Architecture, Loss};
use nn_run::{DataOptions, DataSpec, Pace, RunHeadless, SessionOptions, load_data};
use nn_train::{TrainConfig, Trainer};

/// `voluntary_ctxt_switches` of the calling thread (Linux's `/proc/thread-self/status`).
fn voluntary_switches() -> u64 {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("a voluntary_ctxt_switches line")
}

/// The Playground's tiny network on 200 spiral samples in batches of 10 (16 steps an
/// epoch), on two threads: the case where a hand-off per step cost 5x.
fn playground_trainer(epochs: usize) -> Trainer {
    let options = DataOptions {
        samples: 200,
        ..DataOptions::default()
    };
    let data = Arc::new(load_data(&DataSpec::Generator("spiral".into()), &options).unwrap());
    let arch = Architecture::new(
        vec![2, 8, 8, 2],
        Activation::Tanh,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let config = TrainConfig {
        learning_rate: 0.03,
        batch_size: 10,
        threads: 2,
        epochs,
        ..TrainConfig::new(arch)
    };
    Trainer::new(config, data).unwrap()
}

/// Far fewer switches than steps: a hand-off per step (or per epoch) would be one each
/// (measured: `Trainer::step` called 3,000 times, entering each time, 4,355 switches).
const AT_MOST: u64 = 20;

#[test]
fn run_epochs_enters_the_pool_once() {
    let mut trainer = playground_trainer(200);
    let before = voluntary_switches();
    let reports = trainer.run_epochs(200).unwrap();
    let switches = voluntary_switches() - before;
    let steps = trainer.total_steps();
    assert_eq!(reports.len(), 200);
    assert!(steps >= 3000, "{steps} steps");
    assert!(
        switches <= AT_MOST,
        "{switches} voluntary context switches of the caller over {steps} steps"
    );
}

#[test]
fn a_headless_session_enters_the_pool_once() {
    let mut trainer = playground_trainer(200);
    let session = SessionOptions {
        pace: Pace::Max,
        ..SessionOptions::default()
    };
    let mut events = 0;
    let before = voluntary_switches();
    trainer
        .run(&AtomicBool::new(false), &session, &mut |_| events += 1)
        .unwrap();
    let switches = voluntary_switches() - before;
    let steps = trainer.total_steps();
    assert!(
        steps >= 3000 && events > 0,
        "{steps} steps, {events} events"
    );
    assert!(
        switches <= AT_MOST,
        "{switches} voluntary context switches of the caller over {steps} steps"
    );
}
