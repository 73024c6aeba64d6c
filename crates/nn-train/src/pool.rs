//! [`TrainPool`]: a trainer's worker threads, kept for the trainers after it.
//!
//! A [`Trainer`] made with [`Trainer::new`] starts a thread pool of its own and
//! ends it when dropped. A caller training many short runs one after another (a
//! sweep's worker: hundreds of runs of a few milliseconds) starts one pool and
//! hands it to each run with [`Trainer::new_in`]: starting and ending the
//! threads cost about a tenth of a millisecond a run. Thread counts never change
//! a run's bits, so a run on a kept pool trains the weights it would alone.
//!
//! A run of one thread can go further: [`TrainPool::on_this_thread`] makes the
//! caller's own thread the pool's one worker, so its runs train on the thread
//! that set them up, with no hand-over to another thread and back, no wake-up
//! and no pool thread spinning before it sleeps.

use std::sync::Arc;
use std::thread::ThreadId;

use nn_core::Network;

use crate::shards::{ShardEngine, build_pool};
use crate::{TrainConfig, TrainData, TrainError, Trainer};

/// Worker threads that trainers use in turn ([`Trainer::new_in`]). Cloning
/// shares the threads. Trainers that run at the same time should not share a
/// pool: each would wait for the other's steps.
#[derive(Debug, Clone)]
pub struct TrainPool {
    pool: Arc<rayon::ThreadPool>,
    /// The thread that is the pool's one worker ([`TrainPool::on_this_thread`]).
    owner: Option<ThreadId>,
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
            owner: None,
        })
    }

    /// A pool of one worker, the calling thread: trainers made in it on this
    /// thread ([`Trainer::new_in`]) train on this thread, entering the pool
    /// without a hand-over. The thread stays the pool's for the rest of its
    /// life (rayon keeps the registration), so a thread makes at most one; a
    /// trainer in it must train on this thread, since no other thread of the
    /// pool would take its work.
    ///
    /// # Errors
    /// [`TrainError::Threads`]: this thread is a worker of a pool already.
    pub fn on_this_thread() -> Result<Self, TrainError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build()
            .map_err(|e| TrainError::Threads {
                threads: 1,
                message: e.to_string(),
            })?;
        Ok(Self {
            pool: Arc::new(pool),
            owner: Some(std::thread::current().id()),
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
    /// for a number of threads (not 0) other than the pool's, or the pool is
    /// another thread's own ([`TrainPool::on_this_thread`]).
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
        if pool.owner.is_some_and(|t| t != std::thread::current().id()) {
            return Err(TrainError::Threads {
                threads: 1,
                message: "the pool given is another thread's own".into(),
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
