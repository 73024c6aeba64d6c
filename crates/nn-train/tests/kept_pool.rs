//! Trainers in turn on one kept pool (`Trainer::new_in`, what a sweep's worker
//! does for its many short runs): the same bits as each trained on a pool of its
//! own, on the same threads (none started per trainer), and a pool of another
//! size refused.

use std::sync::Arc;
use std::thread::ThreadId;

use nn_core::{Activation, Architecture, Loss};
use nn_run::{DataOptions, DataSpec, load_data};
use nn_train::{TrainConfig, TrainData, TrainError, TrainPool, Trainer};

fn data() -> Arc<TrainData> {
    let options = DataOptions {
        samples: 300,
        validation_fraction: 0.2,
        ..DataOptions::default()
    };
    Arc::new(load_data(&DataSpec::Generator("spiral".into()), &options).unwrap())
}

fn config(seed: u64, threads: usize) -> TrainConfig {
    let arch = Architecture::new(
        vec![2, 8, 8, 2],
        Activation::Tanh,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    TrainConfig {
        learning_rate: 0.03,
        batch_size: 10,
        threads,
        seed,
        ..TrainConfig::new(arch)
    }
}

/// Trains 3 epochs; returns the weights' bits and the thread it ran on.
fn train(mut trainer: Trainer) -> (Vec<u32>, ThreadId) {
    trainer.run_epochs(3).unwrap();
    let bits = trainer
        .network()
        .parameters()
        .iter()
        .map(|v| v.to_bits())
        .collect();
    (bits, trainer.in_pool(|_| std::thread::current().id()))
}

#[test]
fn trainers_in_turn_on_a_kept_pool_train_their_own_bits_on_its_threads() {
    let data = data();
    let pool = TrainPool::new(1).unwrap();
    assert_eq!(pool.threads(), 1);
    let mut threads = Vec::new();
    for seed in [1, 2, 3] {
        let alone = train(Trainer::new(config(seed, 1), Arc::clone(&data)).unwrap());
        let kept = train(Trainer::new_in(&pool, config(seed, 1), Arc::clone(&data)).unwrap());
        assert_eq!(
            kept.0, alone.0,
            "seed {seed}: other weights on the kept pool"
        );
        assert_ne!(kept.1, alone.1, "a pool of its own is other threads");
        threads.push(kept.1);
    }
    assert!(
        threads.iter().all(|t| *t == threads[0]),
        "the kept pool's one thread ran every trainer: {threads:?}"
    );
    // 0 asks for no particular count: the pool's is taken.
    let any = Trainer::new_in(&pool, config(1, 0), Arc::clone(&data)).unwrap();
    assert_eq!(any.threads(), 1);
}

#[test]
fn a_kept_pool_of_another_size_is_refused() {
    let pool = TrainPool::new(2).unwrap();
    let err = Trainer::new_in(&pool, config(1, 1), data()).unwrap_err();
    assert!(
        matches!(err, TrainError::Threads { threads: 1, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "cannot start 1 worker threads: the pool given has 2"
    );
}

#[test]
fn a_pool_on_this_thread_trains_the_same_bits_here_and_only_here() {
    let data = data();
    std::thread::spawn(move || {
        let pool = TrainPool::on_this_thread().unwrap();
        assert_eq!(pool.threads(), 1);
        let here = std::thread::current().id();
        for seed in [1, 2] {
            let alone = train(Trainer::new(config(seed, 1), Arc::clone(&data)).unwrap());
            let kept = train(Trainer::new_in(&pool, config(seed, 1), Arc::clone(&data)).unwrap());
            assert_eq!(kept.0, alone.0, "seed {seed}: other weights on this thread");
            assert_eq!(kept.1, here, "trained on the thread that made the pool");
        }
        // A thread is one pool's at most, and its pool is no other thread's.
        assert!(TrainPool::on_this_thread().is_err());
        let elsewhere = std::thread::scope(|s| {
            s.spawn(|| Trainer::new_in(&pool, config(1, 1), Arc::clone(&data)).err())
                .join()
                .unwrap()
        });
        assert!(
            matches!(elsewhere, Some(TrainError::Threads { .. })),
            "{elsewhere:?}"
        );
    })
    .join()
    .unwrap();
}
