//! One optimizer step taken inside the backward pass
//! ([`nn_core::Network::backward_shards_stepping`]): each block of a layer's
//! weights updated as soon as its gradient is complete, while it is in cache,
//! with the arithmetic of [`Optimizer::step_part`] value by value, so the same
//! bits.

use super::{Chunk, Optimizer, StepSettings};
use crate::config::OptimizerKind;

/// The update of one step, for any part of the parameters: what
/// [`Optimizer::step_part`] does to each value (penalties, then the rule).
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepUpdate {
    kind: OptimizerKind,
    t: i32,
    settings: StepSettings,
}

impl StepUpdate {
    /// Step `t`'s update (counted from 1) for an optimizer of `kind`.
    pub(super) fn new(kind: OptimizerKind, t: u64, settings: StepSettings) -> Self {
        Self {
            kind,
            t: t as i32,
            settings,
        }
    }

    /// `p`, `g`, `m`, `v`: the same range of the parameters, their gradient and
    /// the two state buffers (empty when the optimizer keeps none).
    pub(crate) fn apply(&self, p: &mut [f32], g: &mut [f32], m: &mut [f32], v: &mut [f32]) {
        let StepSettings {
            learning_rate: r,
            l1,
            l2,
        } = self.settings;
        pulp::Arch::new().dispatch(Chunk {
            kind: self.kind,
            t: self.t,
            r,
            l1,
            l2,
            p,
            g,
            m,
            v,
        });
    }
}

impl Optimizer {
    /// The next step's update and the state buffers it reads and writes
    /// ([first, second], each as long as the parameters or empty). The step
    /// counts once taken: [`Optimizer::count_step`].
    pub(crate) fn next_update(&mut self, settings: StepSettings) -> (StepUpdate, [&mut [f32]; 2]) {
        let update = StepUpdate::new(self.kind, self.steps + 1, settings);
        (update, [&mut self.first, &mut self.second])
    }

    /// Counts a step taken by [`Optimizer::next_update`]'s update.
    pub(crate) fn count_step(&mut self) {
        self.steps += 1;
    }
}
