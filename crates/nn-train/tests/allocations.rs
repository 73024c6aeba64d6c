//! Steady-state training allocates nothing of its own per step, and predicting
//! through `Model::predict_with` nothing at all per call: checked with a counting
//! global allocator.
//!
//! The one exception is inside the `gemm` kernel, which mallocs a packing
//! buffer for each product large enough to pack (its API takes no buffer). So
//! the test counts every allocation of a step and requires the count to be
//! constant from step to step and no larger than the number of matrix products
//! the step performs: any allocation of ours would break one or the other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use nn_core::{Activation, Architecture, Loss};
use nn_run::{DataOptions, DataSpec, load_data};
use nn_train::{Model, OptimizerKind, PredictScratch, TrainConfig, Trainer};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The counter is global: a test that counts exact zeros runs while no other test does.
static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Allocations of each of 50 steady-state steps.
fn allocations_per_step(threads: usize, batch: usize, optimizer: OptimizerKind) -> Vec<usize> {
    let options = DataOptions {
        samples: 8000,
        test_fraction: 0.0,
        ..DataOptions::default()
    };
    let data = Arc::new(load_data(&DataSpec::Generator("spiral".into()), &options).unwrap());
    let arch = Architecture::new(
        vec![2, 32, 32, 2],
        Activation::Relu,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let config = TrainConfig {
        batch_size: batch,
        threads,
        optimizer,
        epochs: 100,
        ..TrainConfig::new(arch)
    };
    let mut trainer = Trainer::new(config, data).unwrap();
    // Warm up: buffers are sized on first use.
    for _ in 0..20 {
        trainer.step().unwrap();
    }
    // Stay inside one epoch (8000 / batch steps): epoch ends evaluate and report, which may allocate.
    (0..50)
        .map(|_| {
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let outcome = trainer.step().unwrap();
            assert!(outcome.epoch_end.is_none());
            ALLOCATIONS.load(Ordering::Relaxed) - before
        })
        .collect()
}

/// Matrix products in one step: per shard, one per layer forward, two per layer backward but the first.
fn products_per_step(batch: usize, shard: usize, layers: usize) -> usize {
    batch.div_ceil(shard) * (3 * layers - 1)
}

#[test]
fn steady_state_steps_do_not_allocate() {
    let _alone = ALONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (threads, batch, optimizer) in [
        (1, 10, OptimizerKind::Sgd),
        (1, 64, OptimizerKind::ADAM),
        (2, 64, OptimizerKind::ADAM),
    ] {
        let counts = allocations_per_step(threads, batch, optimizer);
        let bound = products_per_step(batch, 16, 3);
        // Rayon's injector queue allocates a block every 63 jobs, and a loaded machine
        // changes how jobs are stolen: a few allocations come and go. Growth does not:
        // the second half of the steps allocates no more than the first.
        let (min, max) = (*counts.iter().min().unwrap(), *counts.iter().max().unwrap());
        let (first, second) = counts.split_at(counts.len() / 2);
        assert!(
            max - min <= 6 && second.iter().sum::<usize>() <= first.iter().sum::<usize>() + 6,
            "{threads} threads, batch {batch}: allocations grow or vary {counts:?}"
        );
        assert!(
            min <= bound,
            "{threads} threads, batch {batch}: {min} allocations, but only {bound} products"
        );
    }
}

/// Allocations of each of 100 `Model::predict_with` calls on `batch` rows of a saved
/// 784-256-128-10 model (the MNIST network of the README), after one warm-up call.
fn allocations_per_prediction(batch: usize) -> Vec<usize> {
    let arch = Architecture::new(
        vec![784, 256, 128, 10],
        Activation::Relu,
        Activation::Softmax,
        Loss::CrossEntropy,
    )
    .unwrap();
    let network = nn_core::Network::new(arch, 1).unwrap();
    let info = nn_core::ModelInfo {
        class_names: (0..10).map(|c| c.to_string()).collect(),
        normalization: Some(nn_core::InputTransform {
            kind: "scale255".into(),
            shift: vec![0.0; 784],
            scale: vec![1.0 / 255.0; 784],
        }),
        ..nn_core::ModelInfo::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    nn_core::save_model(&path, &network, &info).unwrap();
    let model = Model::load(&path).unwrap();
    let rows: Vec<f32> = (0..batch * 784).map(|i| (i % 256) as f32).collect();
    let mut scratch = PredictScratch::default();
    model.predict_with(&rows, &mut scratch).unwrap();
    (0..100)
        .map(|_| {
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let outputs = model.predict_with(&rows, &mut scratch).unwrap();
            let after = ALLOCATIONS.load(Ordering::Relaxed);
            assert_eq!(outputs.len(), batch * 10);
            after - before
        })
        .collect()
}

/// One row per call, as a program embedding a model predicts: nothing is allocated.
/// A batch of rows makes `gemm` malloc its packing buffers inside each product (its API
/// takes no buffer; see the top of this file): a constant two per product at most, none
/// of ours.
#[test]
fn predicting_with_kept_scratch_does_not_allocate() {
    let _alone = ALONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let counts = allocations_per_prediction(1);
    assert!(
        counts.iter().all(|&c| c == 0),
        "batch 1: allocations per call {counts:?}"
    );
    let counts = allocations_per_prediction(64);
    assert!(
        counts.iter().all(|&c| c == counts[0] && c <= 2 * 3),
        "batch 64: allocations per call {counts:?}, 3 products"
    );
}
