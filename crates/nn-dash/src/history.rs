//! Curves that stay small: a series keeps at most a fixed number of points by
//! averaging neighbours whenever it fills up, so a run of a million epochs
//! still draws as a few hundred points.

/// A downsampled `(x, y)` series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    points: Vec<(f64, f64)>,
    capacity: usize,
    /// Raw samples averaged into each stored point.
    stride: usize,
    pending: (f64, f64, usize),
    last: Option<(f64, f64)>,
}

impl Series {
    /// An empty series holding at most `capacity` points (at least 2).
    pub fn new(capacity: usize) -> Self {
        Self {
            points: Vec::new(),
            capacity: capacity.max(2) & !1,
            stride: 1,
            pending: (0.0, 0.0, 0),
            last: None,
        }
    }

    /// Adds a sample; non-finite values are skipped.
    pub fn push(&mut self, x: f64, y: f64) {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        self.last = Some((x, y));
        self.pending.0 += x;
        self.pending.1 += y;
        self.pending.2 += 1;
        if self.pending.2 < self.stride {
            return;
        }
        let n = self.pending.2 as f64;
        self.points.push((self.pending.0 / n, self.pending.1 / n));
        self.pending = (0.0, 0.0, 0);
        if self.points.len() >= self.capacity {
            self.points = self
                .points
                .chunks(2)
                .map(|p| {
                    let k = p.len() as f64;
                    (
                        p.iter().map(|q| q.0).sum::<f64>() / k,
                        p.iter().map(|q| q.1).sum::<f64>() / k,
                    )
                })
                .collect();
            self.stride *= 2;
        }
    }

    /// The stored points, plus the latest raw sample so the curve reaches the present.
    pub fn points(&self) -> Vec<(f64, f64)> {
        let mut points = self.points.clone();
        if let Some(last) = self.last
            && points.last() != Some(&last)
            && self.pending.2 > 0
        {
            points.push(last);
        }
        points
    }

    /// The latest raw sample.
    pub fn last(&self) -> Option<(f64, f64)> {
        self.last
    }
}

/// Everything the curves panel plots.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Training loss from progress events (x: epochs, fractional).
    pub train_loss: Series,
    /// Test (or validation) loss at each epoch end.
    pub test_loss: Series,
    /// Training accuracy at each epoch end.
    pub train_accuracy: Series,
    /// Test (or validation) accuracy at each epoch end.
    pub test_accuracy: Series,
}

/// Points kept per curve: more than any terminal is wide.
pub const CURVE_POINTS: usize = 400;

impl Default for History {
    fn default() -> Self {
        Self {
            train_loss: Series::new(CURVE_POINTS),
            test_loss: Series::new(CURVE_POINTS),
            train_accuracy: Series::new(CURVE_POINTS),
            test_accuracy: Series::new(CURVE_POINTS),
        }
    }
}

impl History {
    /// Forgets every curve (after a reset).
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// The x range covered so far.
    pub fn x_max(&self) -> f64 {
        [
            &self.train_loss,
            &self.test_loss,
            &self.train_accuracy,
            &self.test_accuracy,
        ]
        .iter()
        .filter_map(|s| s.last().map(|p| p.0))
        .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_stays_bounded_and_keeps_the_shape() {
        let mut s = Series::new(8);
        for i in 0..1000 {
            s.push(f64::from(i), f64::from(i) * 2.0);
        }
        let points = s.points();
        assert!(points.len() <= 9, "{}", points.len());
        // Averages of a line stay on the line.
        for (x, y) in &points {
            assert!((y - 2.0 * x).abs() < 1e-9);
        }
        assert_eq!(s.last(), Some((999.0, 1998.0)));
        assert_eq!(points.last(), Some(&(999.0, 1998.0)));
    }

    #[test]
    fn series_skips_non_finite_values() {
        let mut s = Series::new(4);
        s.push(0.0, f64::NAN);
        assert_eq!(s.last(), None);
        s.push(1.0, 0.5);
        assert_eq!(s.points(), vec![(1.0, 0.5)]);
    }
}
