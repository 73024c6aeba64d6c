//! Switches that force one way of running a step where the engine would
//! choose, read once from the environment (`NN_TRAIN_*`): each way gives the
//! same bits, so they exist to compare the ways side by side.

/// Switches that force one way of running a step where the engine would
/// choose, to compare the ways side by side (each gives the same bits); read
/// once from the environment.
#[derive(Debug, Default)]
pub(super) struct Overrides {
    /// `NN_TRAIN_WHOLE_BATCH=0` or `1` forces [`crate::plan::ThreadPlan::whole_batch`] off or
    /// on, to compare the two side by side (they give the same bits).
    pub(super) whole_batch: Option<bool>,
    /// `NN_TRAIN_SERIAL=0` or `1` forces a step onto all the threads (its
    /// products split across them in one batch, or its shards side by side), or
    /// onto one thread, whatever its size: how [`crate::plan::SERIAL_BELOW_FLOPS`]
    /// is measured (the bits are the same either way).
    pub(super) serial: Option<bool>,
    /// `NN_TRAIN_SHARD_BUFFERS=1` keeps a gradient buffer per shard and adds
    /// them after the pass even where the pass could sum them as it goes, to
    /// compare the two side by side (they give the same bits).
    pub(super) shard_buffers: bool,
    /// `NN_TRAIN_STEP_AFTER=1` takes the optimizer's step in a pass of its own
    /// after backpropagation even where the pass could take it as it goes, to
    /// compare the two side by side (they give the same bits).
    pub(super) step_after: bool,
    /// `NN_TRAIN_PREFETCH=0` or `1` never gathers the next step's samples
    /// during a pass, or does so also for a pass spread over the threads (by
    /// default, only for a pass on one thread), to compare the ways side by
    /// side (they give the same bits).
    pub(super) prefetch: Option<bool>,
    /// `NN_TRAIN_SHARD_EXCHANGE=1` has the processes send each other shard
    /// gradients even where their reduction offers to sum pieces from rows
    /// ([`crate::GradientReduction::row_exchange`]), to compare the two side
    /// by side (they give the same bits). Every process must be given it.
    pub(super) shard_exchange: bool,
}

impl Overrides {
    pub(super) fn from_env() -> Self {
        let var = |name| std::env::var(name).ok();
        let forced = |name| match var(name).as_deref() {
            Some("0") => Some(false),
            Some("1") => Some(true),
            _ => None,
        };
        Self {
            whole_batch: forced("NN_TRAIN_WHOLE_BATCH"),
            serial: forced("NN_TRAIN_SERIAL"),
            shard_buffers: var("NN_TRAIN_SHARD_BUFFERS").as_deref() == Some("1"),
            step_after: var("NN_TRAIN_STEP_AFTER").as_deref() == Some("1"),
            prefetch: forced("NN_TRAIN_PREFETCH"),
            shard_exchange: var("NN_TRAIN_SHARD_EXCHANGE").as_deref() == Some("1"),
        }
    }
}
