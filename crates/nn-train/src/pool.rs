//! [`TrainPool`]: a trainer's worker threads, kept for the trainers after it.
//!
//! A [`Trainer`] made with [`Trainer::new`] starts a thread pool of its own and
//! ends it when dropped. A caller training many short runs one after another (a
//! sweep's worker: hundreds of runs of a few milliseconds) starts one pool and
//! hands it to each run with [`Trainer::new_in`]: starting and ending the
//! threads cost about a tenth of a millisecond a run. Thread counts never change
//! a run's bits, so a run on a kept pool trains the weights it would alone.

use std::sync::Arc;

use nn_core::Network;

use crate::shards::{ShardEngine, build_pool};
use crate::{TrainConfig, TrainData, TrainError, Trainer};

/// Worker threads that trainers use in turn ([`Trainer::new_in`]). Cloning
/// shares the threads. Trainers that run at the same time should not share a
/// pool: each would wait for the other's steps.
#[derive(Debug, Clone)]
pub struct TrainPool {
    pool: Arc<rayon::ThreadPool>,
}

impl TrainPool {
    /// A pool of `threads` workers (0: one per core).
    ///
    /// # Errors
    /// [`TrainError::Threads`]: the threads cannot be started.
    pub fn new(threads: usize) -> Result<Self, TrainError> {
        let pool = build_pool(threads).map_err(|e| TrainError::Threads {
            threads,
            message: e.to_string(),
        })?;
        Ok(Self {
            pool: Arc::new(pool),
        })
    }

    /// Its worker threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }
}

impl Trainer {
    /// [`Trainer::new`] on `pool`'s threads rather than a pool of its own.
    ///
    /// # Errors
    /// As [`Trainer::new`]; [`TrainError::Threads`] when the configuration asks
    /// for a number of threads (not 0) other than the pool's.
    pub fn new_in(
        pool: &TrainPool,
        config: TrainConfig,
        data: Arc<TrainData>,
    ) -> Result<Self, TrainError> {
        if config.threads != 0 && config.threads != pool.threads() {
            return Err(TrainError::Threads {
                threads: config.threads,
                message: format!("the pool given has {}", pool.threads()),
            });
        }
        config.check_against(&data)?;
        let network = Network::new(config.architecture.clone(), config.seed)?;
        Self::with_engine(
            config,
            data,
            network,
            ShardEngine::on(Arc::clone(&pool.pool)),
        )
    }
}
