//! A neuron's delta rule as text: in symbols, with its numbers, in words.

use nn_core::{DeltaRule, DeltaTerm, Derivative, Loss, OutputScale};

use crate::Notation;

/// A [`DeltaRule`] written out.
pub trait RuleText {
    /// The rule in symbols: `o(1−o)(d−o)`, `d−o`, `o(1−o)·Σ w·δ`.
    fn symbolic(&self, n: &Notation) -> String;
    /// The rule with its numbers filled in: `0.62·0.38·(1−0.62)`; a hidden
    /// neuron's sum lists its `max_terms` largest terms, then how many more and their total.
    fn filled(&self, n: &Notation, max_terms: usize) -> String;
    /// Which formula applies and why, in words.
    fn description(&self, n: &Notation) -> String;
}

impl RuleText for DeltaRule {
    /// The rule in symbols: `o(1−o)(d−o)`, `d−o`, `o(1−o)·Σ w·δ`.
    fn symbolic(&self, n: &Notation) -> String {
        let scale = |s: &Option<OutputScale>| {
            s.map_or(String::new(), |s| format!("({}/K){}", s.numerator, n.times))
        };
        match self {
            DeltaRule::SquaredError {
                derivative,
                scale: s,
                ..
            } => format!("{}{}(d{}o)", scale(s), derivative.symbolic(n), n.minus),
            DeltaRule::Cancelled { scale: s, .. } if s.is_some() => {
                format!("{}(d{}o)", scale(s), n.minus)
            }
            DeltaRule::Cancelled { .. } => format!("d{}o", n.minus),
            DeltaRule::Hidden { derivative, .. } => match derivative {
                Derivative::Linear => format!("{} w{}{}", n.sum, n.times, n.delta),
                d => format!(
                    "{}{}{} w{}{}",
                    d.symbolic(n),
                    n.times,
                    n.sum,
                    n.times,
                    n.delta
                ),
            },
        }
    }

    /// The rule with its numbers filled in: `0.62·0.38·(1−0.62)`. A hidden
    /// neuron's sum lists its `max_terms` largest terms, then how many more and
    /// their total. Spaces only between terms, never inside a number.
    fn filled(&self, n: &Notation, max_terms: usize) -> String {
        let difference = |d: f32, o: f32| {
            format!(
                "({}{}{})",
                n.number(f64::from(d)),
                n.minus,
                n.factor(f64::from(o))
            )
        };
        let scale = |s: &Option<OutputScale>| {
            s.map_or(String::new(), |s| {
                format!("({}/{}){}", s.numerator, s.outputs, n.times)
            })
        };
        match self {
            DeltaRule::SquaredError {
                derivative,
                desired,
                output,
                scale: s,
                ..
            } => {
                let mut text = scale(s);
                if let Some(f) = derivative.filled(n) {
                    text.push_str(&f);
                    text.push_str(n.times);
                }
                text.push_str(&difference(*desired, *output));
                text
            }
            DeltaRule::Cancelled {
                desired,
                output,
                scale: s,
                ..
            } => format!("{}{}", scale(s), difference(*desired, *output)),
            DeltaRule::Hidden { derivative, terms } => {
                let sum = sum_text(terms, n, max_terms, 0);
                match derivative.filled(n) {
                    Some(f) => format!("{f}{}({sum})", n.times),
                    None => sum,
                }
            }
        }
    }

    /// Which formula applies and why, in words.
    fn description(&self, n: &Notation) -> String {
        let d = n.delta;
        match self {
            DeltaRule::SquaredError {
                loss,
                derivative,
                scale,
                ..
            } => {
                let seed = if matches!(derivative, Derivative::Sigmoid { .. }) && scale.is_none() {
                    ", the seed's output delta"
                } else {
                    ""
                };
                let factor =
                    scale.map_or(String::new(), |s| format!("({}/K){}", s.numerator, n.times));
                format!(
                    "output neuron, {}: {d} = {factor}f'(o)(d{}o){seed}; {}",
                    loss_words(*loss, n),
                    n.minus,
                    derivative.named(n),
                )
            }
            DeltaRule::Cancelled {
                loss,
                activation,
                scale,
                ..
            } => format!(
                "output neuron, {activation} with {}: {d} = {}(d{}o), the {activation}'s derivative cancels the loss's",
                loss_words(*loss, n),
                scale.map_or(String::new(), |s| format!("({}/K){}", s.numerator, n.times)),
                n.minus,
            ),
            DeltaRule::Hidden { derivative, .. } => {
                let seed = if matches!(derivative, Derivative::Sigmoid { .. }) {
                    ", the seed's hidden delta"
                } else {
                    ""
                };
                format!(
                    "hidden neuron: {d} = f'(o){}{} w{}{d} over the neurons it feeds{seed}; {}",
                    n.times,
                    n.sum,
                    n.times,
                    derivative.named(n)
                )
            }
        }
    }
}

/// An activation's derivative written out.
trait DerivativeText {
    fn symbolic(self, n: &Notation) -> String;
    fn filled(self, n: &Notation) -> Option<String>;
    fn named(self, n: &Notation) -> String;
}

impl DerivativeText for Derivative {
    /// In symbols: `o(1−o)`, `(1−o²)`, `[o>0]`; empty for a linear neuron (a factor 1).
    fn symbolic(self, n: &Notation) -> String {
        match self {
            Derivative::Sigmoid { .. } => format!("o(1{}o)", n.minus),
            Derivative::Tanh { .. } => format!("(1{}o{})", n.minus, n.squared),
            Derivative::Relu { .. } => "[o>0]".into(),
            Derivative::Linear => String::new(),
        }
    }

    /// With the numbers: `0.62·0.38` (o and 1 − o), `(1−0.62²)`, `1`; `None` for a linear neuron.
    fn filled(self, n: &Notation) -> Option<String> {
        match self {
            Derivative::Sigmoid { output } => Some(format!(
                "{}{}{}",
                n.factor(f64::from(output)),
                n.times,
                n.factor(1.0 - f64::from(output))
            )),
            Derivative::Tanh { output } => Some(format!(
                "(1{}{}{})",
                n.minus,
                n.factor(f64::from(output)),
                n.squared
            )),
            Derivative::Relu { .. } => Some(n.number(self.value())),
            Derivative::Linear => None,
        }
    }

    /// What the derivative is, in words.
    fn named(self, n: &Notation) -> String {
        match self {
            Derivative::Sigmoid { .. } => format!("sigmoid: f'(z) = o(1{}o)", n.minus),
            Derivative::Tanh { .. } => format!("tanh: f'(z) = 1{}o{}", n.minus, n.squared),
            Derivative::Relu { .. } => "ReLU: f'(z) = 1 if o > 0, else 0".into(),
            Derivative::Linear => "linear: f'(z) = 1".into(),
        }
    }
}

/// The loss in words, for a rule's description.
fn loss_words(loss: Loss, n: &Notation) -> String {
    match loss {
        Loss::Seed => format!(
            "the seed's squared error 1/2 {}(d{}o){}",
            n.sum, n.minus, n.squared
        ),
        Loss::Mse => format!(
            "mse, the mean of (d{}o){} over the K outputs (PyTorch's MSELoss)",
            n.minus, n.squared
        ),
        Loss::CrossEntropy => "cross-entropy".into(),
        Loss::BinaryCrossEntropy => {
            "binary cross-entropy, the mean over the K outputs (PyTorch's BCELoss)".into()
        }
    }
}

/// `w·δ + w·δ + …`: the first `pinned` terms, then the largest by size up to
/// `max_terms` in all, in their order, then `+ …(k more: total)` for the rest.
pub(crate) fn sum_text(
    terms: &[DeltaTerm],
    n: &Notation,
    max_terms: usize,
    pinned: usize,
) -> String {
    let size = |t: &DeltaTerm| (f64::from(t.weight) * f64::from(t.delta)).abs();
    let mut shown: Vec<usize> = (0..terms.len()).collect();
    if terms.len() > max_terms {
        let pinned = pinned.min(max_terms);
        shown[pinned..].sort_by(|&a, &b| size(&terms[b]).total_cmp(&size(&terms[a])));
        shown.truncate(max_terms);
        shown.sort_unstable();
    }
    let mut parts: Vec<String> = shown
        .iter()
        .map(|&j| {
            let t = &terms[j];
            format!(
                "{}{}{}",
                n.factor(f64::from(t.weight)),
                n.times,
                n.factor(f64::from(t.delta))
            )
        })
        .collect();
    if shown.len() < terms.len() {
        let rest: f64 = (0..terms.len())
            .filter(|j| !shown.contains(j))
            .map(|j| f64::from(terms[j].weight) * f64::from(terms[j].delta))
            .sum();
        parts.push(format!(
            "{}({} more: {})",
            n.ellipsis,
            terms.len() - shown.len(),
            n.number(rest)
        ));
    }
    parts.join(" + ")
}
