//! How a picture of the 2-D input plane is framed: the points' bounding box with a
//! margin, widened to the picture's aspect so that both axes have the same scale.
//! The dashboard's heatmap and `nn-tui plot`'s pictures frame the plane alike.

/// The edges of a rectangle of the raw input plane: `(left, right)` along x1 and
/// `(bottom, top)` along x2.
pub type PlaneEdges = ((f32, f32), (f32, f32));

/// The margin around the points, as a share of their larger side.
const MARGIN: f32 = 0.06;

/// The bounding box of `points` (x1, x2) with a margin of 6% of its larger side,
/// widened to `aspect` (width / height) about its centre; `empty`'s box when there
/// are no points.
pub fn frame_plane(
    points: impl IntoIterator<Item = (f32, f32)>,
    aspect: f32,
    empty: PlaneEdges,
) -> PlaneEdges {
    let (mut x0, mut x1, mut y0, mut y1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    let mut any = false;
    for (x, y) in points {
        any = true;
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !any {
        ((x0, x1), (y0, y1)) = empty;
    }
    let margin = MARGIN * (x1 - x0).max(y1 - y0).max(1e-3);
    let (mut w, mut h) = (x1 - x0 + 2.0 * margin, y1 - y0 + 2.0 * margin);
    let (cx, cy) = (f32::midpoint(x0, x1), f32::midpoint(y0, y1));
    if w / h < aspect {
        w = h * aspect;
    } else {
        h = w / aspect;
    }
    ((cx - w / 2.0, cx + w / 2.0), (cy - h / 2.0, cy + h / 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_margin_then_the_aspect() {
        // A 2 x 1 box: a margin of 0.12 makes it 2.24 x 1.24, narrower than 2:1, so
        // its width grows to 2.48 about the centre (1, 0.5).
        let ((x0, x1), (y0, y1)) =
            frame_plane([(0.0, 0.0), (2.0, 1.0)], 2.0, ((0.0, 0.0), (0.0, 0.0)));
        assert!(
            (x0 + 0.24).abs() < 1e-5 && (x1 - 2.24).abs() < 1e-5,
            "{x0} {x1}"
        );
        assert!(
            (y0 + 0.12).abs() < 1e-5 && (y1 - 1.12).abs() < 1e-5,
            "{y0} {y1}"
        );
    }

    #[test]
    fn no_points_frame_the_given_box() {
        let ((x0, x1), (y0, y1)) = frame_plane([], 1.0, ((-6.0, 6.0), (-6.0, 6.0)));
        assert!(
            (x0 + 6.72).abs() < 1e-5 && (x1 - 6.72).abs() < 1e-5,
            "{x0} {x1}"
        );
        assert!(
            (y0 + 6.72).abs() < 1e-5 && (y1 - 6.72).abs() < 1e-5,
            "{y0} {y1}"
        );
    }
}
