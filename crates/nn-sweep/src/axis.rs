//! A sweep's axes: which setting varies and over which values. An axis names a
//! state-line key of nn-train's settings table (`SETTINGS`), so any setting a
//! state line holds can be swept, and each value is read by that setting's own
//! parser and checked by its own rules before anything runs.
//!
//! - grid: `lr=0.003,0.01,0.03`; inside one value `:` stands for the line's
//!   comma, so `hidden=8:16:16,16` is two shapes, `8,16,16` and `16`;
//! - random: `lr=log:1e-4..1` (log-uniform), `l2=0..0.01` (uniform; whole numbers
//!   when both ends are whole, as for `batch=8..64`), or a list to pick from.

use std::fmt;

use nn_run::StateLine;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::Rng;
use serde::{Deserialize, Serialize};

/// Keys a state line holds that do not change a headless run's model.
const NOT_SWEPT: [&str; 4] = ["speed", "discretize", "test-points", "defaults"];

/// An axis that cannot be used: the axis as written and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{flag} {text}: {problem}")]
pub struct AxisError {
    /// `--grid` or `--random`.
    pub flag: &'static str,
    /// The axis as written.
    pub text: String,
    /// What is wrong, naming the key and what it expects.
    pub problem: String,
}

/// One setting over a list of values (a grid's axis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridAxis {
    /// The state-line key (`lr`).
    pub key: String,
    /// Each value as the state line prints it (`0.01`, `8,16`).
    pub values: Vec<String>,
}

/// How a random search draws one setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Draw {
    /// Uniform between the ends.
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
        /// Whole numbers only.
        whole: bool,
    },
    /// Uniform in the logarithm between the ends (both positive).
    LogUniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
        /// Whole numbers only.
        whole: bool,
    },
    /// One of these values, each as likely.
    OneOf(Vec<String>),
}

/// One setting of a random search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomAxis {
    /// The state-line key.
    pub key: String,
    /// How its values are drawn.
    pub draw: Draw,
}

impl fmt::Display for GridAxis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values: Vec<String> = self.values.iter().map(|v| v.replace(',', ":")).collect();
        write!(f, "{}={}", self.key, values.join(","))
    }
}

impl GridAxis {
    /// Reads `key=v1,v2,...` and checks every value on `base`.
    pub fn parse(text: &str, base: &StateLine) -> Result<Self, AxisError> {
        let err = |problem: String| AxisError {
            flag: "--grid",
            text: text.to_string(),
            problem,
        };
        let (key, list) = split_axis(text).map_err(err)?;
        let values: Vec<String> = list.split(',').map(|v| v.replace(':', ",")).collect();
        let mut printed = Vec::with_capacity(values.len());
        for value in &values {
            printed.push(check_value(base, key, value).map_err(err)?);
        }
        let mut unique = printed.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != printed.len() {
            return Err(err(format!("{key}: a value is given twice")));
        }
        Ok(Self {
            key: key.to_string(),
            values: printed,
        })
    }
}

impl RandomAxis {
    /// Reads `key=log:lo..hi`, `key=lo..hi` or `key=v1,v2,...` and checks it on `base`
    /// (both ends of a range, or every value of a list).
    pub fn parse(text: &str, base: &StateLine) -> Result<Self, AxisError> {
        let err = |problem: String| AxisError {
            flag: "--random",
            text: text.to_string(),
            problem,
        };
        let (key, spec) = split_axis(text).map_err(err)?;
        let (log, range) = match spec.strip_prefix("log:") {
            Some(rest) => (true, rest),
            None => (false, spec),
        };
        let draw = if let Some((lo, hi)) = range.split_once("..") {
            let end = |v: &str| {
                v.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                    format!("{key}: expected a range of numbers, e.g. {key}=log:1e-4..1 or {key}=0..0.1")
                })
            };
            let (low, high) = (end(lo).map_err(err)?, end(hi).map_err(err)?);
            if low >= high {
                return Err(err(format!(
                    "{key}: expected the lower end first ({lo} >= {hi})"
                )));
            }
            if log && low <= 0.0 {
                return Err(err(format!(
                    "{key}: a log range needs a positive lower end, not {lo}"
                )));
            }
            let whole = is_whole(lo) && is_whole(hi);
            for v in [lo, hi] {
                check_value(base, key, v).map_err(err)?;
            }
            if log {
                Draw::LogUniform { low, high, whole }
            } else {
                Draw::Uniform { low, high, whole }
            }
        } else if log {
            return Err(err(format!(
                "{key}: expected a range after log:, e.g. {key}=log:1e-4..1"
            )));
        } else {
            let mut values = Vec::new();
            for v in spec.split(',') {
                values.push(check_value(base, key, &v.replace(':', ",")).map_err(err)?);
            }
            Draw::OneOf(values)
        };
        Ok(Self {
            key: key.to_string(),
            draw,
        })
    }

    /// One value drawn from `rng`, as the state line prints it.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> String {
        let unit = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        let number = |v: f64, whole: bool| {
            if whole {
                format!("{}", v.floor() as i64)
            } else {
                // Four significant digits: the text is what the line and the table show.
                let rounded: f64 = format!("{v:.3e}").parse().unwrap_or(v);
                nn_run::float_text(rounded as f32)
            }
        };
        match &self.draw {
            Draw::Uniform { low, high, whole } => {
                let top = if *whole { high + 1.0 } else { *high };
                number(low + unit * (top - low), *whole)
            }
            Draw::LogUniform { low, high, whole } => {
                let top = if *whole { high + 1.0 } else { *high };
                number((low.ln() + unit * (top.ln() - low.ln())).exp(), *whole)
            }
            Draw::OneOf(values) => {
                values[((unit * values.len() as f64) as usize).min(values.len() - 1)].clone()
            }
        }
    }
}

fn is_whole(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit())
}

/// `key=rest`, with the key one a sweep may vary.
fn split_axis(text: &str) -> Result<(&str, &str), String> {
    let Some((key, rest)) = text.split_once('=') else {
        return Err(format!(
            "expected key=values, e.g. lr=0.01,0.03 (keys: {})",
            sweepable().join(", ")
        ));
    };
    if NOT_SWEPT.contains(&key) {
        return Err(format!(
            "{key} does not change a trial's model; expected one of {}",
            sweepable().join(", ")
        ));
    }
    if nn_run::by_key(key).is_none() {
        return Err(format!(
            "unknown setting {key}; expected one of {}",
            sweepable().join(", ")
        ));
    }
    if rest.is_empty() {
        return Err(format!("{key}: expected at least one value"));
    }
    Ok((key, rest))
}

/// The keys an axis may name: every state-line key that changes a run's model.
pub fn sweepable() -> Vec<&'static str> {
    nn_run::keys().filter(|k| !NOT_SWEPT.contains(k)).collect()
}

/// `value` read by `key`'s parser and checked with the rest of `base`: the value
/// as the line prints it, or what the setting expected.
fn check_value(base: &StateLine, key: &str, value: &str) -> Result<String, String> {
    let mut line = base.clone();
    line.set(key, value).map_err(|e| e.to_string())?;
    line.validate().map_err(|e| e.to_string())?;
    Ok(line.get(key).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    fn base() -> StateLine {
        StateLine::new("spiral")
    }

    #[test]
    fn a_grid_reads_values_with_colons_for_commas() {
        let axis = GridAxis::parse("hidden=8:16:16,16", &base()).unwrap();
        assert_eq!(axis.values, ["8,16,16", "16"]);
        assert_eq!(axis.to_string(), "hidden=8:16:16,16");
        let lr = GridAxis::parse("lr=0.003,0.01", &base()).unwrap();
        assert_eq!(lr.values, ["0.003", "0.01"]);
    }

    #[test]
    fn a_bad_axis_names_the_key_and_what_was_expected() {
        let e = GridAxis::parse("rate=0.1", &base())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--grid rate=0.1: unknown setting rate; expected one of data,"),
            "{e}"
        );
        let e = GridAxis::parse("lr=0.1,abc", &base())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "--grid lr=0.1,abc: lr=abc: expected a number, e.g. 0.03");
        let e = GridAxis::parse("activation=relu,softmax", &base())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "--grid activation=relu,softmax: activation=softmax: expected sigmoid, tanh, relu or linear"
        );
        let e = GridAxis::parse("lr=0", &base()).unwrap_err().to_string();
        assert!(e.starts_with("--grid lr=0: lr=0: "), "{e}");
        let e = RandomAxis::parse("lr=log:0..1", &base())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "--random lr=log:0..1: lr: a log range needs a positive lower end, not 0"
        );
        let e = GridAxis::parse("speed=max", &base())
            .unwrap_err()
            .to_string();
        assert!(e.contains("speed does not change a trial's model"), "{e}");
    }

    #[test]
    fn random_draws_stay_in_range_and_repeat_with_the_seed() {
        let lr = RandomAxis::parse("lr=log:1e-4..1", &base()).unwrap();
        let batch = RandomAxis::parse("batch=8..64", &base()).unwrap();
        let mut a = ChaCha8Rng::seed_from_u64(7);
        let mut b = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..200 {
            let v: f64 = lr.draw(&mut a).parse().unwrap();
            assert!((1e-4..=1.0).contains(&v), "{v}");
            let n: usize = batch.draw(&mut a).parse().unwrap();
            assert!((8..=64).contains(&n), "{n}");
            lr.draw(&mut b);
            batch.draw(&mut b);
        }
        assert_eq!(lr.draw(&mut a), lr.draw(&mut b));
    }
}
