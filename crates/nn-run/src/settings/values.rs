//! How the table's rows read and print values: numbers, counts, seeds,
//! flags, Adam's betas, activations, and the escaping of spaces in a line.

use nn_core::Activation;

/// A float as the shortest text that reads back to the same `f32`.
pub fn float(v: f32) -> String {
    // Rust prints floats as the shortest text that parses back to the same value.
    v.to_string()
}

/// A value without spaces: `%` and space are written `%25` and `%20`.
pub(super) fn encode(value: &str) -> String {
    value.replace('%', "%25").replace(' ', "%20")
}

pub(super) fn decode(value: &str) -> String {
    value.replace("%20", " ").replace("%25", "%")
}

pub(super) fn join(sizes: &[usize]) -> String {
    sizes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn number(value: &str, what: &str) -> Result<f32, String> {
    value
        .parse::<f32>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("expected {what}"))
}

/// Layer sizes separated by commas (empty parts skipped: `` is none).
pub(super) fn sizes(value: &str, expected: &str) -> Result<Vec<usize>, String> {
    value
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<Vec<usize>, _>>()
        .map_err(|_| expected.to_string())
}

pub(super) fn count(value: &str, what: &str) -> Result<usize, String> {
    value.parse().map_err(|_| format!("expected {what}"))
}

pub(super) fn seed(value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| "expected a whole number from 0 to 18446744073709551615".into())
}

/// `0.9,0.999`: Adam's two decay rates, as a line and `--betas` write them.
pub(super) fn betas_text((beta1, beta2): (f32, f32)) -> String {
    format!("{},{}", float(beta1), float(beta2))
}

pub(super) fn betas(value: &str) -> Result<(f32, f32), String> {
    let what = "two numbers, e.g. 0.9,0.999";
    let (beta1, beta2) = value
        .split_once(',')
        .ok_or_else(|| format!("expected {what}"))?;
    Ok((number(beta1, what)?, number(beta2, what)?))
}

pub(super) fn one_of(names: &[&str]) -> String {
    format!("expected one of {}", names.join(", "))
}

pub(super) fn flag(value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

/// A hidden activation (softmax only at the output: [`Activation::hidden_allowed`]).
pub(super) fn activation(value: &str, output: bool) -> Result<Activation, String> {
    Activation::from_name(value)
        .filter(|a| output || a.hidden_allowed())
        .ok_or_else(|| {
            if output {
                "expected sigmoid, softmax, linear, tanh or relu".into()
            } else {
                "expected sigmoid, tanh, relu or linear".into()
            }
        })
}
