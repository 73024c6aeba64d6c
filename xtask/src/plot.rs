//! A small character scatter plot, so that `gen-data` shows each dataset at a glance.

use nn_data::{Dataset, Targets};

use crate::{column, min_max};

/// One symbol per class.
const CLASS_SYMBOLS: &[char] = &['o', 'x', '+', '*', '#', '@', '%', '&'];

/// Shades for a regression target, low to high.
const SHADES: &[char] = &['.', ':', '-', '=', '+', '*', '#', '%', '@'];

/// Draws `dataset` in a `width x height` box with a border. Classification:
/// x1 across, x2 up, one symbol per class. Regression on two features: the
/// target as shade. Regression on one feature: x1 across, y up.
pub fn scatter(dataset: &Dataset, width: usize, height: usize) -> Vec<String> {
    let mut grid = vec![vec![' '; width]; height];
    let xs = column(dataset, 0);
    let (ys, marks): (Vec<f32>, Vec<char>) = match dataset.targets() {
        Targets::Classes(classes) if dataset.dim() >= 2 => (
            column(dataset, 1),
            classes
                .iter()
                .map(|&c| CLASS_SYMBOLS[c as usize % CLASS_SYMBOLS.len()])
                .collect(),
        ),
        Targets::Values(values) if dataset.dim() >= 2 => {
            let (lo, hi) = min_max(values);
            let marks = values
                .iter()
                .map(|&v| SHADES[cell(v, lo, hi, SHADES.len())])
                .collect();
            (column(dataset, 1), marks)
        }
        Targets::Values(values) => (values.clone(), vec!['*'; values.len()]),
        Targets::Classes(classes) => (vec![0.0; classes.len()], vec!['o'; classes.len()]),
    };
    let (x_lo, x_hi) = min_max(&xs);
    let (y_lo, y_hi) = min_max(&ys);
    for ((&x, &y), &mark) in xs.iter().zip(&ys).zip(&marks) {
        let col = cell(x, x_lo, x_hi, width);
        let row = height - 1 - cell(y, y_lo, y_hi, height);
        grid[row][col] = mark;
    }
    let border = format!("+{}+", "-".repeat(width));
    let mut lines = vec![border.clone()];
    lines.extend(
        grid.into_iter()
            .map(|row| format!("|{}|", row.into_iter().collect::<String>())),
    );
    lines.push(border);
    lines
}

/// Bucket of `v` among `n` equal cells spanning `[lo, hi]`.
fn cell(v: f32, lo: f32, hi: f32, n: usize) -> usize {
    if hi > lo {
        (((v - lo) / (hi - lo) * n as f32) as usize).min(n - 1)
    } else {
        n / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plot_has_the_requested_size_and_one_symbol_per_class() {
        let lines = scatter(&nn_data::circle(200, 0.0, 1), 40, 16);
        assert_eq!(lines.len(), 18);
        assert!(lines.iter().all(|l| l.chars().count() == 42));
        let text = lines.concat();
        assert!(text.contains('o') && text.contains('x'));
        // The inner ring (class 1, 'x') fills the centre.
        assert_eq!(lines[9].chars().nth(21), Some('x'));
    }

    #[test]
    fn regression_plots() {
        for name in ["plane", "reg-gauss", "sine"] {
            let lines = scatter(&nn_data::generate(name, 100, 0.0, 1).unwrap(), 20, 8);
            assert_eq!(lines.len(), 10);
        }
    }
}
