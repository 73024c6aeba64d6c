//! Keys that steer the running training: pause, step, reset, pace, learning
//! rate, batch size and regularisation.

use nn_run::{Command, RunState};
use nn_train::Setting;

use super::App;
use crate::action::Effect;
use crate::ladders::{self, LEARNING_RATES, REGULARIZATION_RATES, nearest_index};

impl App {
    /// Space: pause or resume.
    pub(super) fn toggle_pause(&mut self) -> Vec<Effect> {
        match self.status.state {
            RunState::Running => {
                self.status.state = RunState::Paused;
                vec![Effect::Send(Command::Pause)]
            }
            RunState::Paused => {
                self.status.state = RunState::Running;
                vec![Effect::Send(Command::Resume)]
            }
            RunState::Diverged(_) => {
                self.log("training diverged: r resets the weights, - lowers the rate");
                vec![]
            }
            RunState::Finished | RunState::Stopped => vec![],
        }
    }

    /// `n`: one mini-batch step, paused.
    pub(super) fn step(&mut self) -> Vec<Effect> {
        if self.status.state == RunState::Running {
            self.status.state = RunState::Paused;
        }
        vec![Effect::Send(Command::Step)]
    }

    /// `r`: new weights from the next seed.
    pub(super) fn reset(&mut self) -> Vec<Effect> {
        let s = &mut self.settings;
        let seed = s.seed().wrapping_add(1);
        s.run.seed = Some(seed);
        if matches!(
            self.status.state,
            RunState::Finished | RunState::Diverged(_)
        ) {
            self.status.state = RunState::Paused;
        }
        let message = format!("new weights (seed {seed})");
        self.changed(Setting::Seed, Some(message))
    }

    /// `<` and `>`.
    pub(super) fn step_pace(&mut self, faster: bool) -> Vec<Effect> {
        let s = &mut self.settings;
        s.run.pace = Some(ladders::step_pace(s.pace(), faster));
        self.changed(Setting::Speed, None)
    }

    /// `+` and `-`.
    pub(super) fn step_learning_rate(&mut self, up: bool) -> Vec<Effect> {
        let s = &mut self.settings;
        let i = nearest_index(&LEARNING_RATES, s.learning_rate());
        let j = if up {
            (i + 1).min(LEARNING_RATES.len() - 1)
        } else {
            i.saturating_sub(1)
        };
        s.run.learning_rate = Some(LEARNING_RATES[j]);
        self.changed(Setting::LearningRate, None)
    }

    /// `b` and `B`.
    pub(super) fn step_batch(&mut self, up: bool) -> Vec<Effect> {
        let s = &mut self.settings;
        let old = s.batch_size();
        let new = ladders::step_batch(old, up, s.is_planar());
        if new == old {
            self.log(format!("batch {old} is the limit"));
            return vec![];
        }
        s.run.batch_size = Some(new);
        self.changed(Setting::BatchSize, None)
    }

    /// `l`: none, L1, L2.
    pub(super) fn cycle_regularization(&mut self) -> Vec<Effect> {
        let s = &mut self.settings;
        let rate = if s.regularization_rate > 0.0 {
            s.regularization_rate
        } else {
            REGULARIZATION_RATES[1]
        };
        let (l1, l2) = match (s.l1() > 0.0, s.l2() > 0.0) {
            (false, false) => (rate, 0.0),
            (true, false) => (0.0, rate),
            _ => (0.0, 0.0),
        };
        (s.run.l1, s.run.l2) = (Some(l1), Some(l2));
        s.regularization_rate = rate;
        self.penalties()
    }

    /// `;` and `'`.
    pub(super) fn step_regularization_rate(&mut self, up: bool) -> Vec<Effect> {
        let s = &mut self.settings;
        let i = nearest_index(&REGULARIZATION_RATES, s.regularization_rate);
        let on = s.l1() > 0.0 || s.l2() > 0.0;
        // While on, the rate stays above 0 (l turns regularisation off).
        let lowest = usize::from(on);
        let j = if up {
            (i + 1).min(REGULARIZATION_RATES.len() - 1)
        } else {
            i.saturating_sub(1).max(lowest)
        };
        let rate = REGULARIZATION_RATES[j];
        s.regularization_rate = rate;
        if !on {
            self.log(format!("regularisation rate {rate}: l turns L1 or L2 on"));
            return vec![];
        }
        if s.l1() > 0.0 {
            s.run.l1 = Some(rate);
        }
        if s.l2() > 0.0 {
            s.run.l2 = Some(rate);
        }
        self.penalties()
    }

    /// L1 and L2 changed together (one row each in the table, applied by one command).
    fn penalties(&mut self) -> Vec<Effect> {
        let text = self.settings.regularization();
        self.changed(Setting::L1, Some(format!("regularisation {text}")))
    }
}
