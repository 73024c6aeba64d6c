//! nn-formula: the seed's formulas as text. One sample's pass through the
//! network, as nn-core works it out ([`nn_core::Breakdown`]: numbers only), is
//! written here in the seed's notation (`δ = o(1−o)(d−o) = 0.62·0.38·(1−0.62)`)
//! or in plain ASCII, with numbers cut to a few significant digits. `nn-tui
//! explain` and the dashboard's inspector both render through it, so they
//! write the same formulas the same way.
//!
//! ```
//! use nn_core::{Activation, Architecture, Breakdown, Loss, Network, Targets};
//! use nn_formula::{Notation, NeuronText};
//!
//! let arch = Architecture::new(vec![2, 1], Activation::Sigmoid, Activation::Sigmoid, Loss::Seed)?;
//! let network = Network::new(arch, 1)?;
//! let b = Breakdown::new(&network, &[1.0, 0.5], &Targets::Values(&[1.0]), 0.5)?;
//! let output = &b.layers[0].neurons[0];
//! assert!(output.delta_formula(&Notation::SEED, 8).starts_with("δ = o(1−o)(d−o) = "));
//! assert_eq!(output.name(), "n1.1");
//! # Ok::<(), nn_core::CoreError>(())
//! ```

mod neuron;
mod rule;

pub use neuron::{BreakdownText, NeuronText, SourceText};
pub use rule::RuleText;

/// The symbols formulas are written with, and how many significant digits numbers get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notation {
    /// The delta.
    pub delta: &'static str,
    /// The operator minus (numbers keep a plain `-` sign, so they read back as numbers).
    pub minus: &'static str,
    /// Multiplication.
    pub times: &'static str,
    /// Summation.
    pub sum: &'static str,
    /// The change in `Δw`.
    pub change: &'static str,
    /// A square.
    pub squared: &'static str,
    /// Terms left out.
    pub ellipsis: &'static str,
    /// Significant digits of every number.
    pub digits: usize,
}

impl Notation {
    /// The seed's symbols: `δ = o(1−o)(d−o) = 0.62·0.38·(1−0.62)`.
    pub const SEED: Notation = Notation {
        delta: "δ",
        minus: "−",
        times: "·",
        sum: "Σ",
        change: "Δ",
        squared: "²",
        ellipsis: "…",
        digits: 4,
    };

    /// Plain ASCII, for terminals and fonts without the symbols: `delta = o(1-o)(d-o)`.
    pub const ASCII: Notation = Notation {
        delta: "delta",
        minus: "-",
        times: "*",
        sum: "sum",
        change: "d",
        squared: "^2",
        ellipsis: "...",
        digits: 4,
    };

    /// A number with this notation's significant digits: `0.0895`, `-1.25`, `3.1e-6`;
    /// one that would round to ±1 without being it is `1−2.527e-5`, so that
    /// `δ = (1−o)` never reads `(1−1) = 2.527e-5` (a saturated output).
    pub fn number(&self, x: f64) -> String {
        let text = format_number(x, self.digits);
        if !near_unit(x, &text) {
            return text;
        }
        let whole = x.round();
        let sign = if x < whole { self.minus } else { "+" };
        format!(
            "{}{sign}{}",
            format_number(whole, self.digits),
            format_number((x - whole).abs(), self.digits)
        )
    }

    /// A number as a factor of a product: negative ones in parentheses, `(-0.2)`,
    /// and those written as a difference, `(1−2.5e-5)`.
    pub(crate) fn factor(&self, x: f64) -> String {
        let s = self.number(x);
        if s.starts_with('-') || near_unit(x, &format_number(x, self.digits)) {
            format!("({s})")
        } else {
            s
        }
    }
}

/// `x` with `digits` significant digits and no trailing zeros; scientific
/// notation outside `[1e-4, 1e5)`. Numbers never contain spaces, so text
/// broken at spaces never cuts one.
pub fn format_number(x: f64, digits: usize) -> String {
    let digits = digits.max(1);
    if x == 0.0 {
        return "0".into();
    }
    if !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs();
    if !(1e-4..1e5).contains(&magnitude) {
        let s = format!("{:.*e}", digits - 1, x);
        return match s.split_once('e') {
            Some((mantissa, exponent)) => format!("{}e{exponent}", trim_zeros(mantissa)),
            None => s,
        };
    }
    let before_point = magnitude.log10().floor() as i32 + 1;
    let decimals = (digits as i32 - before_point).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        trim_zeros(&s).to_string()
    } else {
        s
    }
}

/// Whether `x`, written as `text`, shows as ±1 without being it.
fn near_unit(x: f64, text: &str) -> bool {
    x.abs() != 1.0 && matches!(text, "1" | "-1")
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests;
