//! The median every `cargo xtask bench*` command quotes: the middle value, or
//! the mean of the two middle values of an even count, as Python's
//! `statistics.median` gives it (the PyTorch and pandas sides' scripts use it).

/// The median of `values` (`None` when there are none).
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[mid]),
        _ => Some(f64::midpoint(sorted[mid - 1], sorted[mid])),
    }
}

/// [`median`], NaN when there are none (for figures printed as they are).
pub(crate) fn median_or_nan(values: &[f64]) -> f64 {
    median(values).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_middle_value_or_the_mean_of_the_two_middle_ones() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        // Two rounds or two passes: their mean, not the larger.
        assert_eq!(median(&[2.0, 1.0]), Some(1.5));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert!(super::median_or_nan(&[]).is_nan());
    }
}
