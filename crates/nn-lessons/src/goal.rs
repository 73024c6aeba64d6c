//! A lesson's goal: conditions on the run, all of which must hold, each written
//! as `quantity op number` (`test-accuracy >= 95%`, `hidden-neurons <= 3`,
//! `same-sample-steps >= 3`). The quantities are what the dashboard knows about
//! the run ([`crate::Observed`]); a quantity about the current run (its loss,
//! its accuracy) has no value before its first epoch, so a goal that needs one
//! is not met until then.

use std::fmt;

use crate::observe::Observed;

/// Something the dashboard knows about the run, that a goal can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Epochs of the current run.
    Epoch,
    /// The current run's training loss (the last epoch's).
    TrainLoss,
    /// The current run's test loss.
    TestLoss,
    /// The current run's training accuracy (a fraction).
    TrainAccuracy,
    /// The current run's test accuracy (a fraction).
    TestAccuracy,
    /// Training accuracy minus test accuracy: how much the network learned the noise.
    AccuracyGap,
    /// Hidden layers.
    HiddenLayers,
    /// Neurons in all hidden layers.
    HiddenNeurons,
    /// Inputs of the network (input features on).
    Inputs,
    /// The learning rate `r`.
    LearningRate,
    /// The L1 penalty.
    L1,
    /// The L2 penalty.
    L2,
    /// `e` presses in a row on the same sample.
    SameSampleSteps,
    /// `e` presses in the lesson.
    SampleSteps,
    /// Times the inspector showed a neuron.
    Inspections,
    /// Times the inspector showed a hidden neuron.
    HiddenInspections,
    /// Times the loss diverged during the lesson.
    Divergences,
    /// Times the trainer found its units saturated.
    Saturations,
    /// Runs started afresh (new weights or settings) since the lesson opened.
    Restarts,
}

impl Quantity {
    /// Every quantity, with its name in lesson files and what it means.
    pub const ALL: [(Quantity, &'static str, &'static str); 19] = [
        (Quantity::Epoch, "epoch", "epochs of the current run"),
        (
            Quantity::TrainLoss,
            "train-loss",
            "the last epoch's training loss",
        ),
        (
            Quantity::TestLoss,
            "test-loss",
            "the last epoch's test loss",
        ),
        (
            Quantity::TrainAccuracy,
            "train-accuracy",
            "training accuracy (0.9 or 90%)",
        ),
        (
            Quantity::TestAccuracy,
            "test-accuracy",
            "test accuracy (0.9 or 90%)",
        ),
        (
            Quantity::AccuracyGap,
            "accuracy-gap",
            "training minus test accuracy",
        ),
        (Quantity::HiddenLayers, "hidden-layers", "hidden layers"),
        (
            Quantity::HiddenNeurons,
            "hidden-neurons",
            "neurons in all hidden layers",
        ),
        (Quantity::Inputs, "inputs", "input features on"),
        (
            Quantity::LearningRate,
            "learning-rate",
            "the learning rate r",
        ),
        (Quantity::L1, "l1", "the L1 penalty"),
        (Quantity::L2, "l2", "the L2 penalty"),
        (
            Quantity::SameSampleSteps,
            "same-sample-steps",
            "`e` presses in a row on one sample",
        ),
        (
            Quantity::SampleSteps,
            "sample-steps",
            "`e` presses in the lesson",
        ),
        (
            Quantity::Inspections,
            "inspections",
            "times the inspector showed a neuron",
        ),
        (
            Quantity::HiddenInspections,
            "hidden-inspections",
            "times it showed a hidden neuron",
        ),
        (
            Quantity::Divergences,
            "divergences",
            "times the loss diverged (NaN, or 10x its best and past its start)",
        ),
        (
            Quantity::Saturations,
            "saturations",
            "times the units were found saturated",
        ),
        (
            Quantity::Restarts,
            "restarts",
            "runs started afresh in the lesson",
        ),
    ];

    /// Its name in lesson files.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(q, _, _)| *q == self)
            .map_or("?", |(_, name, _)| name)
    }

    /// The quantity of this name.
    pub fn from_name(name: &str) -> Option<Quantity> {
        Self::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(q, _, _)| *q)
    }

    /// Whether it is a fraction, printed as a percentage.
    fn is_fraction(self) -> bool {
        matches!(
            self,
            Quantity::TrainAccuracy | Quantity::TestAccuracy | Quantity::AccuracyGap
        )
    }

    /// Its value now (`None`: not known yet, e.g. no epoch has ended).
    pub fn value(self, o: &Observed) -> Option<f64> {
        let count = |n: usize| Some(n as f64);
        match self {
            Quantity::Epoch => count(o.epoch),
            Quantity::TrainLoss => o.train_loss,
            Quantity::TestLoss => o.test_loss,
            Quantity::TrainAccuracy => o.train_accuracy,
            Quantity::TestAccuracy => o.test_accuracy,
            Quantity::AccuracyGap => Some(o.train_accuracy? - o.test_accuracy?),
            Quantity::HiddenLayers => count(o.shape.hidden.len()),
            Quantity::HiddenNeurons => count(o.shape.hidden.iter().sum()),
            Quantity::Inputs => count(o.shape.inputs),
            Quantity::LearningRate => Some(f64::from(o.shape.learning_rate)),
            Quantity::L1 => Some(f64::from(o.shape.l1)),
            Quantity::L2 => Some(f64::from(o.shape.l2)),
            Quantity::SameSampleSteps => count(o.same_sample_steps),
            Quantity::SampleSteps => count(o.sample_steps),
            Quantity::Inspections => count(o.inspections),
            Quantity::HiddenInspections => count(o.hidden_inspections),
            Quantity::Divergences => count(o.divergences),
            Quantity::Saturations => count(o.saturations),
            Quantity::Restarts => count(o.restarts),
        }
    }

    /// A value of it as the panel shows it: fractions in percent, at most four decimals.
    fn show(self, v: f64) -> String {
        if self.is_fraction() {
            format!("{}%", trim_zeros(&format!("{:.1}", v * 100.0)))
        } else {
            trim_zeros(&format!("{v:.4}"))
        }
    }
}

/// `0.3000` as `0.3`, `3.0000` as `3`.
fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

/// How a quantity is compared with the goal's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `>=`
    AtLeast,
    /// `<=`
    AtMost,
    /// `>`
    Above,
    /// `<`
    Below,
    /// `=`
    Equal,
}

impl Comparison {
    const ALL: [(Comparison, &'static str); 5] = [
        (Comparison::AtLeast, ">="),
        (Comparison::AtMost, "<="),
        (Comparison::Above, ">"),
        (Comparison::Below, "<"),
        (Comparison::Equal, "="),
    ];

    fn symbol(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("?", |(_, s)| s)
    }

    fn holds(self, value: f64, target: f64) -> bool {
        // Settings are f32s (0.3 is 0.30000001): a part in a million is equal.
        let slack = 1e-6 * target.abs().max(1e-3);
        match self {
            Comparison::AtLeast => value >= target - slack,
            Comparison::AtMost => value <= target + slack,
            Comparison::Above => value > target,
            Comparison::Below => value < target,
            Comparison::Equal => (value - target).abs() <= slack,
        }
    }
}

/// One condition of a goal: `test-accuracy >= 95%`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    /// What is compared.
    pub quantity: Quantity,
    /// How.
    pub comparison: Comparison,
    /// With what (fractions as fractions: `95%` is 0.95).
    pub target: f64,
}

impl Condition {
    /// Reads `quantity op number`, the number optionally in percent (`95%`).
    /// The error says what was expected.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let text = text.trim();
        let (at, symbol) = Comparison::ALL
            .iter()
            .filter_map(|(c, s)| text.find(s).map(|i| (i, (*c, *s))))
            .min_by_key(|&(i, (_, s))| (i, std::cmp::Reverse(s.len())))
            .ok_or_else(|| {
                format!(
                    "`{text}`: expected `quantity op number`, e.g. `test-accuracy >= 95%`, \
                     with op one of >=, <=, >, <, ="
                )
            })?;
        let (comparison, op) = symbol;
        let name = text[..at].trim();
        let quantity = Quantity::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Quantity::ALL.iter().map(|(_, n, _)| *n).collect();
            format!(
                "`{text}`: unknown quantity `{name}`, expected one of {}",
                names.join(", ")
            )
        })?;
        let number = text[at + op.len()..].trim();
        let (digits, scale) = match number.strip_suffix('%') {
            Some(d) => (d.trim(), 0.01),
            None => (number, 1.0),
        };
        let target = digits
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|v| v * scale)
            .ok_or_else(|| format!("`{text}`: `{number}` is not a number (e.g. 0.95 or 95%)"))?;
        Ok(Condition {
            quantity,
            comparison,
            target,
        })
    }

    /// Whether it holds now.
    pub fn met(&self, o: &Observed) -> bool {
        self.quantity
            .value(o)
            .is_some_and(|v| self.comparison.holds(v, self.target))
    }

    /// Its value now, as the panel shows it (`-` before it is known).
    pub fn now(&self, o: &Observed) -> String {
        self.quantity
            .value(o)
            .map_or_else(|| "-".into(), |v| self.quantity.show(v))
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.quantity.name(),
            self.comparison.symbol(),
            self.quantity.show(self.target)
        )
    }
}

/// A lesson's goal: every condition holds at once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Goal {
    /// The conditions, in the lesson file's order.
    pub conditions: Vec<Condition>,
}

impl Goal {
    /// Whether every condition holds now.
    pub fn met(&self, o: &Observed) -> bool {
        self.conditions.iter().all(|c| c.met(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::{EpochFacts, Fact, RunShape};

    #[test]
    fn conditions_read_and_print_back() {
        let c = Condition::parse("test-accuracy >= 95%").unwrap();
        assert_eq!(c.quantity, Quantity::TestAccuracy);
        assert_eq!(c.comparison, Comparison::AtLeast);
        assert!((c.target - 0.95).abs() < 1e-12);
        assert_eq!(c.to_string(), "test-accuracy >= 95%");
        let c = Condition::parse("hidden-neurons<=3").unwrap();
        assert_eq!((c.comparison, c.target), (Comparison::AtMost, 3.0));
        assert_eq!(c.to_string(), "hidden-neurons <= 3");
        let c = Condition::parse("l2 > 0").unwrap();
        assert_eq!(c.comparison, Comparison::Above);
        assert_eq!(
            Condition::parse("epoch = 4").unwrap().comparison,
            Comparison::Equal
        );
    }

    #[test]
    fn bad_conditions_say_what_was_expected() {
        let e = Condition::parse("accuracy 95").unwrap_err();
        assert!(e.contains("expected `quantity op number`"), "{e}");
        let e = Condition::parse("acuracy >= 95%").unwrap_err();
        assert!(
            e.contains("unknown quantity `acuracy`, expected one of epoch"),
            "{e}"
        );
        let e = Condition::parse("epoch >= lots").unwrap_err();
        assert!(e.contains("`lots` is not a number"), "{e}");
        assert!(Condition::parse("epoch >= NaN").is_err());
    }

    #[test]
    fn a_goal_needs_every_condition_and_known_values() {
        let goal = Goal {
            conditions: vec![
                Condition::parse("test-accuracy >= 95%").unwrap(),
                Condition::parse("hidden-neurons <= 3").unwrap(),
            ],
        };
        let mut o = Observed::default();
        o.observe(&Fact::Shape(RunShape {
            hidden: vec![3],
            inputs: 2,
            learning_rate: 0.1,
            l1: 0.0,
            l2: 0.0,
        }));
        assert!(!goal.met(&o), "no epoch yet: the accuracy is not known");
        assert_eq!(goal.conditions[0].now(&o), "-");
        let epoch = |acc| {
            Fact::Epoch(EpochFacts {
                epoch: 1,
                train_loss: 0.1,
                train_accuracy: Some(acc),
                test_loss: Some(0.1),
                test_accuracy: Some(acc),
            })
        };
        o.observe(&epoch(0.97));
        assert!(goal.met(&o));
        assert_eq!(goal.conditions[0].now(&o), "97%");
        o.observe(&Fact::Shape(RunShape {
            hidden: vec![4],
            ..o.shape.clone()
        }));
        assert!(!goal.met(&o), "4 hidden neurons are too many");
    }
}
