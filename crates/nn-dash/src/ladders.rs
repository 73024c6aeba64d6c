//! The ladders and limits the keys step along: the Playground's learning and
//! regularisation rates, paces, batch sizes, layer and neuron counts, noise and
//! training shares, and the one-step functions that walk them.

use nn_core::Activation;
use nn_data::Problem;
use nn_run::Pace;

/// Playground's learning-rate ladder, stepped by `+` and `-`.
pub const LEARNING_RATES: [f32; 11] = [
    0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0,
];

/// Playground's regularisation-rate ladder, stepped by `;` and `'`.
pub const REGULARIZATION_RATES: [f32; 10] =
    [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];

/// Paces stepped by `<` and `>` (epochs per second), then [`Pace::Max`].
pub const SPEEDS: [f32; 11] = [
    1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 250.0, 500.0, 1000.0,
];

/// The Playground's batch sizes on 2-D data, stepped by `b` and `B`.
pub const PLANAR_BATCH: std::ops::RangeInclusive<usize> = 1..=30;

/// Largest batch `B` reaches on wider data (it doubles past 30).
pub const MAX_BATCH: usize = 1024;

/// Hidden activations cycled by `a`.
pub const ACTIVATIONS: [Activation; 4] = [
    Activation::Tanh,
    Activation::Relu,
    Activation::Sigmoid,
    Activation::Linear,
];

/// The data sets `d` cycles through for one kind of problem: nn-data's
/// generators of that problem, in the Playground's order.
pub fn data_sets(problem: Problem) -> Vec<&'static str> {
    nn_data::generators_of(problem).collect()
}

/// Most hidden layers `]` adds (the Playground's limit).
pub const MAX_HIDDEN_LAYERS: usize = 6;

/// Most neurons `.` gives a layer on 2-D data (the Playground's limit); wider data: 1024.
pub const MAX_PLANAR_NEURONS: usize = 8;

/// Noise steps of `{` and `}`, in percent (the Playground's slider).
pub const NOISE_PERCENT: std::ops::RangeInclusive<u32> = 0..=50;

/// Training shares of `(` and `)`, in percent (the Playground's slider).
pub const TRAIN_PERCENT: std::ops::RangeInclusive<u32> = 10..=90;

pub(crate) fn nearest_index(ladder: &[f32], value: f32) -> usize {
    let distance = |v: f32| (v.max(1e-12).ln() - value.max(1e-12).ln()).abs();
    (0..ladder.len())
        .min_by(|&a, &b| distance(ladder[a]).total_cmp(&distance(ladder[b])))
        .unwrap_or(0)
}

/// One step of `<` or `>` along [`SPEEDS`], then max.
pub(crate) fn step_pace(pace: Pace, faster: bool) -> Pace {
    match (pace, faster) {
        (Pace::Max, true) => Pace::Max,
        (Pace::Max, false) => Pace::EpochsPerSecond(SPEEDS[SPEEDS.len() - 1]),
        (Pace::EpochsPerSecond(rate), _) => {
            let i = nearest_index(&SPEEDS, rate);
            let snapped = SPEEDS[i];
            let next = if snapped != rate {
                // Off the ladder: the neighbour on the asked side.
                SPEEDS
                    .iter()
                    .copied()
                    .filter(|&v| (v > rate) == faster)
                    .min_by(|a, b| (a - rate).abs().total_cmp(&(b - rate).abs()))
            } else if faster {
                SPEEDS.get(i + 1).copied()
            } else {
                Some(SPEEDS[i.saturating_sub(1)])
            };
            next.map_or(
                if faster {
                    Pace::Max
                } else {
                    Pace::EpochsPerSecond(SPEEDS[0])
                },
                Pace::EpochsPerSecond,
            )
        }
    }
}

/// One step of `b` or `B`: by one within the Playground's 1..=30, then doubling
/// (or halving) up to [`MAX_BATCH`] on wider data; 2-D data stays within 1..=30.
pub(crate) fn step_batch(batch: usize, up: bool, planar: bool) -> usize {
    let max = if planar {
        *PLANAR_BATCH.end()
    } else {
        MAX_BATCH
    };
    let next = match (up, batch) {
        (true, b) if b < *PLANAR_BATCH.end() => b + 1,
        (true, b) => b * 2,
        (false, b) if b > *PLANAR_BATCH.end() => (b / 2).max(*PLANAR_BATCH.end()),
        (false, b) => b.saturating_sub(1),
    };
    next.clamp(1, max.max(1))
}

/// One `step` up or down within `range`; a value off the steps snaps to the
/// next step on the asked side.
pub(crate) fn step_within(
    value: u32,
    step: u32,
    range: &std::ops::RangeInclusive<u32>,
    up: bool,
) -> u32 {
    let next = if up {
        (value / step + 1) * step
    } else {
        value.div_ceil(step).saturating_sub(1) * step
    };
    next.clamp(*range.start(), *range.end())
}

/// One step up or down in neurons: by one up to 8 (Playground's range for
/// 2-D data), by a quarter beyond; at least 1, at most 8 for 2-D and 1024 otherwise.
pub(crate) fn neurons_step(n: usize, more: bool, planar: bool) -> usize {
    let max = if planar { MAX_PLANAR_NEURONS } else { 1024 };
    let step = if n <= 8 { 1 } else { (n / 4).max(1) };
    let n = if more {
        n + step
    } else {
        n.saturating_sub(step)
    };
    n.clamp(1, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn_run::StateLine;

    /// Every value a key can step to is one the settings table accepts: written
    /// as its state-line key's text, read by the row's parse and checked as a
    /// line is, so the ladders cannot lead the dashboard to a run the table
    /// refuses (the checks live in the rows, not here).
    #[test]
    fn every_rung_is_a_value_the_table_accepts() {
        let accepts = |key: &str, value: String| {
            let line: StateLine = format!("nn-tui/1 data=spiral {key}={value}")
                .parse()
                .unwrap_or_else(|e| panic!("{key}={value}: {e}"));
            line.validate()
                .unwrap_or_else(|e| panic!("{key}={value}: {e}"));
        };
        for rate in LEARNING_RATES {
            accepts("lr", nn_run::float_text(rate));
        }
        for rate in REGULARIZATION_RATES {
            accepts("l1", nn_run::float_text(rate));
            accepts("l2", nn_run::float_text(rate));
        }
        let mut pace = Pace::EpochsPerSecond(SPEEDS[0]);
        while pace != Pace::Max {
            accepts("speed", pace.to_string());
            pace = step_pace(pace, true);
        }
        accepts("speed", pace.to_string());
        for planar in [true, false] {
            let mut batch = 1;
            loop {
                accepts("batch", batch.to_string());
                let next = step_batch(batch, true, planar);
                if next == batch {
                    break;
                }
                batch = next;
            }
        }
        for activation in ACTIVATIONS {
            accepts("activation", activation.name().to_string());
        }
        for planar in [true, false] {
            let mut n = 1;
            loop {
                let hidden = vec![n.to_string(); MAX_HIDDEN_LAYERS].join(",");
                accepts("hidden", hidden);
                let next = neurons_step(n, true, planar);
                if next == n {
                    break;
                }
                n = next;
            }
        }
        for percent in (*NOISE_PERCENT.start()..=*NOISE_PERCENT.end()).step_by(5) {
            accepts("noise", nn_run::float_text(percent as f32 / 100.0));
        }
        for percent in (*TRAIN_PERCENT.start()..=*TRAIN_PERCENT.end()).step_by(10) {
            accepts("test", nn_run::float_text((100 - percent) as f32 / 100.0));
        }
    }
}
