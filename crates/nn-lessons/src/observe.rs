//! What a lesson knows about the run: [`Fact`]s told by whoever runs it (the
//! dashboard's hooks, or a test driving the trainer's session) folded into
//! [`Observed`], the values a goal is checked against. Metrics belong to the
//! current run and are forgotten when a new one starts or the loss diverges;
//! counts (divergences, `e` presses, inspections) last the whole lesson.

/// The network and settings of the run, as far as goals care.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunShape {
    /// Hidden layer sizes.
    pub hidden: Vec<usize>,
    /// Inputs of the network (input features on).
    pub inputs: usize,
    /// The learning rate `r`.
    pub learning_rate: f32,
    /// The L1 penalty.
    pub l1: f32,
    /// The L2 penalty.
    pub l2: f32,
}

/// An epoch's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochFacts {
    /// Epochs of the current run, counting this one.
    pub epoch: usize,
    /// Training loss.
    pub train_loss: f64,
    /// Training accuracy (classification).
    pub train_accuracy: Option<f64>,
    /// Test loss, if there is a test part.
    pub test_loss: Option<f64>,
    /// Test accuracy, if there is a test part and classes.
    pub test_accuracy: Option<f64>,
}

/// Something that happened to the run, or that the learner did.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    /// A run started afresh: new weights (a reset, or a restart with new settings).
    NewRun,
    /// The network and settings now (sent whenever they change; the same shape again is no news).
    Shape(RunShape),
    /// An epoch ended.
    Epoch(EpochFacts),
    /// The loss became non-finite.
    Diverged,
    /// The trainer found most units saturated (sigmoid or tanh at 0 or 1).
    Saturated,
    /// The inspector shows a neuron (a hidden one, or an output).
    Inspected {
        /// Whether the neuron is in a hidden layer.
        hidden: bool,
    },
    /// `e`: a step on this training sample alone.
    SampleStep {
        /// The sample's index in the training set.
        sample: usize,
    },
}

/// Everything a goal can test, folded from [`Fact`]s.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observed {
    /// The network and settings now.
    pub shape: RunShape,
    /// Epochs of the current run.
    pub epoch: usize,
    /// The current run's last training loss.
    pub train_loss: Option<f64>,
    /// Its last training accuracy.
    pub train_accuracy: Option<f64>,
    /// Its last test loss.
    pub test_loss: Option<f64>,
    /// Its last test accuracy.
    pub test_accuracy: Option<f64>,
    /// `e` presses in a row on [`Observed::last_sample`].
    pub same_sample_steps: usize,
    /// The sample of the last `e`.
    pub last_sample: Option<usize>,
    /// `e` presses in the lesson.
    pub sample_steps: usize,
    /// Times the inspector showed a neuron.
    pub inspections: usize,
    /// Times it showed a hidden neuron.
    pub hidden_inspections: usize,
    /// Times the loss diverged.
    pub divergences: usize,
    /// Times the units were found saturated.
    pub saturations: usize,
    /// Runs started afresh since the lesson opened.
    pub restarts: usize,
    /// The current run's lowest training loss.
    pub best_loss: Option<f64>,
    /// The current run's first epoch's training loss.
    pub first_loss: Option<f64>,
    /// Whether the current run has diverged (counted once per run).
    pub diverged: bool,
}

/// A training loss this many times the run's best, and above its first epoch's,
/// counts as diverged: the steps overshoot and the loss climbs past where the
/// untrained network stood, whether or not it reaches infinity.
pub const DIVERGED_FACTOR: f64 = 10.0;

impl Observed {
    /// Folds one fact in.
    pub fn observe(&mut self, fact: &Fact) {
        match fact {
            Fact::NewRun => {
                self.restarts += 1;
                self.forget_metrics();
            }
            Fact::Shape(shape) => self.shape.clone_from(shape),
            Fact::Epoch(e) => {
                let loss = e.train_loss;
                let blown_up = !loss.is_finite()
                    || (self.best_loss.is_some_and(|b| loss > DIVERGED_FACTOR * b)
                        && self.first_loss.is_some_and(|f| loss > f));
                if blown_up && !self.diverged {
                    self.diverged = true;
                    self.divergences += 1;
                }
                if loss.is_finite() && self.best_loss.is_none_or(|b| loss < b) {
                    self.best_loss = Some(loss);
                }
                if self.first_loss.is_none() && loss.is_finite() {
                    self.first_loss = Some(loss);
                }
                self.epoch = e.epoch;
                self.train_loss = Some(e.train_loss);
                self.train_accuracy = e.train_accuracy;
                self.test_loss = e.test_loss;
                self.test_accuracy = e.test_accuracy;
            }
            Fact::Diverged => {
                if !self.diverged {
                    self.divergences += 1;
                }
                self.forget_metrics();
                self.diverged = true;
            }
            Fact::Saturated => self.saturations += 1,
            Fact::Inspected { hidden } => {
                self.inspections += 1;
                self.hidden_inspections += usize::from(*hidden);
            }
            Fact::SampleStep { sample } => {
                self.sample_steps += 1;
                if self.last_sample == Some(*sample) {
                    self.same_sample_steps += 1;
                } else {
                    self.last_sample = Some(*sample);
                    self.same_sample_steps = 1;
                }
            }
        }
    }

    /// The current run's figures are gone (a new run, or a diverged one).
    fn forget_metrics(&mut self) {
        self.diverged = false;
        self.best_loss = None;
        self.first_loss = None;
        self.epoch = 0;
        self.train_loss = None;
        self.train_accuracy = None;
        self.test_loss = None;
        self.test_accuracy = None;
    }
}

impl RunShape {
    /// The shape of a resolved run.
    pub fn of(config: &nn_train::TrainConfig) -> RunShape {
        let sizes = &config.architecture.sizes;
        RunShape {
            hidden: sizes[1..sizes.len() - 1].to_vec(),
            inputs: sizes[0],
            learning_rate: config.learning_rate,
            l1: config.l1,
            l2: config.l2,
        }
    }
}

impl EpochFacts {
    /// The figures of a trainer's epoch report.
    pub fn of(report: &nn_train::EpochReport) -> EpochFacts {
        EpochFacts {
            epoch: report.epoch,
            train_loss: report.train.loss,
            train_accuracy: report.train.accuracy(),
            test_loss: report.test.as_ref().map(|m| m.loss),
            test_accuracy: report.test.as_ref().and_then(nn_train::Metrics::accuracy),
        }
    }
}

/// The facts in a trainer's event: an epoch's figures (and saturated units, when
/// the epoch found them), or a divergence.
pub fn facts_of(event: &nn_run::Event) -> Vec<Fact> {
    use nn_run::{Event, RunState};
    use nn_train::UnitTrouble;
    match event {
        Event::EpochEnd(report) => {
            let mut facts = vec![Fact::Epoch(EpochFacts::of(report))];
            if report
                .stalled
                .as_ref()
                .is_some_and(|s| s.trouble == UnitTrouble::Saturated)
            {
                facts.push(Fact::Saturated);
            }
            facts
        }
        Event::State(RunState::Diverged(_)) => vec![Fact::Diverged],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_sample_steps_count_presses_in_a_row_on_one_sample() {
        let mut o = Observed::default();
        for sample in [4, 4, 7, 7, 7] {
            o.observe(&Fact::SampleStep { sample });
        }
        assert_eq!((o.same_sample_steps, o.sample_steps), (3, 5));
        o.observe(&Fact::SampleStep { sample: 4 });
        assert_eq!(o.same_sample_steps, 1);
    }

    #[test]
    fn a_divergence_or_a_new_run_forgets_the_metrics_but_not_the_counts() {
        let mut o = Observed::default();
        o.observe(&Fact::Epoch(EpochFacts {
            epoch: 3,
            train_loss: 0.2,
            train_accuracy: Some(0.9),
            test_loss: None,
            test_accuracy: Some(0.8),
        }));
        o.observe(&Fact::Inspected { hidden: true });
        o.observe(&Fact::Diverged);
        assert_eq!((o.epoch, o.test_accuracy), (0, None));
        assert_eq!(
            (o.divergences, o.inspections, o.hidden_inspections),
            (1, 1, 1)
        );
        o.observe(&Fact::NewRun);
        assert_eq!((o.restarts, o.divergences), (1, 1));
    }

    #[test]
    fn a_loss_ten_times_its_best_is_a_divergence_counted_once_per_run() {
        let mut o = Observed::default();
        let epoch = |epoch, train_loss| {
            Fact::Epoch(EpochFacts {
                epoch,
                train_loss,
                train_accuracy: None,
                test_loss: None,
                test_accuracy: None,
            })
        };
        o.observe(&epoch(1, 0.5));
        o.observe(&epoch(2, 0.01));
        o.observe(&epoch(3, 0.2));
        assert_eq!(
            o.divergences, 0,
            "20 times the best, but below the start: noise"
        );
        o.observe(&epoch(4, 0.6));
        o.observe(&epoch(5, 40.0));
        o.observe(&Fact::Diverged);
        assert_eq!(o.divergences, 1);
        o.observe(&Fact::NewRun);
        o.observe(&epoch(1, 0.5));
        o.observe(&epoch(2, f64::NAN));
        assert_eq!(o.divergences, 2);
    }
}
