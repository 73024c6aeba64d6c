//! The TensorFlow Playground's colours as RGB, defined once: its orange-grey-blue
//! scale for values in `[-1, 1]` (`playground_rgb`), one colour per class
//! (`CLASS_RGB`), and the blend between two colours.
//!
//! The dashboard (`nn-dash`'s `colors.rs`) maps them onto what a terminal shows;
//! the pictures (`nn-plot`) write them as they are. The tests pin them to the
//! Playground's hex values.

/// An RGB triple.
pub type Rgb = [u8; 3];

/// Class colours, the Playground's orange and blue first.
pub const CLASS_RGB: [Rgb; 10] = [
    [245, 147, 34],
    [8, 119, 189],
    [44, 160, 44],
    [171, 99, 213],
    [214, 39, 40],
    [23, 190, 207],
    [227, 119, 194],
    [188, 189, 34],
    [140, 86, 75],
    [150, 150, 150],
];

/// The TensorFlow Playground's colour ramp (`playground.ts`): orange for -1, grey
/// for 0, blue for +1.
pub const PLAYGROUND_RAMP: [Rgb; 3] = [[245, 147, 34], [232, 234, 235], [8, 119, 189]];

/// Shades of the Playground's heatmaps (`NUM_SHADES + 1` in `heatmap.ts`).
const PLAYGROUND_SHADES: usize = 31;

/// The Playground's heatmap colour for `v`: its ramp in 31 equal shades over
/// `[-1, 1]` (d3's `quantize`), values beyond the ends clamped, NaN grey.
pub fn playground_rgb(v: f32) -> Rgb {
    let k = if v.is_nan() {
        PLAYGROUND_SHADES / 2
    } else {
        ((PLAYGROUND_SHADES as f32 / 2.0) * (v + 1.0))
            .floor()
            .clamp(0.0, (PLAYGROUND_SHADES - 1) as f32) as usize
    };
    let t = k as f32 / (PLAYGROUND_SHADES - 1) as f32;
    let (from, to, u) = if t <= 0.5 {
        (PLAYGROUND_RAMP[0], PLAYGROUND_RAMP[1], t * 2.0)
    } else {
        (PLAYGROUND_RAMP[1], PLAYGROUND_RAMP[2], t * 2.0 - 1.0)
    };
    mix(from, to, u)
}

/// The colour of class `class` (cycling past ten classes).
pub fn class_rgb(class: usize) -> Rgb {
    CLASS_RGB[class % CLASS_RGB.len()]
}

/// Where a class region of strength `s` in `[0, 1]` sits between the Playground's
/// grey and the class's colour (more than two classes).
pub fn class_region_rgb(class: usize, strength: f32) -> Rgb {
    // The Playground's regions are pale: at full strength, 60% of the class colour.
    mix(PLAYGROUND_RAMP[1], class_rgb(class), 0.6 * strength)
}

/// Linear blend from `a` (t = 0) to `b` (t = 1).
pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    [0, 1, 2].map(|i| (f32::from(a[i]) + (f32::from(b[i]) - f32::from(a[i])) * t).round() as u8)
}

/// `#rrggbb`, as SVG writes a colour.
pub fn hex([r, g, b]: Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shades from the Playground's table (d3 v3's quantize over its linear ramp).
    #[test]
    fn the_playground_scale() {
        let h = |v: f32| hex(playground_rgb(v));
        assert_eq!(h(-1.0), "#f59322");
        assert_eq!(h(-5.0), "#f59322");
        assert_eq!(h(-0.9), "#f4992f");
        assert_eq!(h(-0.5), "#efbc80");
        assert_eq!(h(0.0), "#e8eaeb");
        assert_eq!(h(0.05), "#d9e2e8");
        assert_eq!(h(0.5), "#71add2");
        assert_eq!(h(0.9), "#177fc0");
        assert_eq!(h(1.0), "#0877bd");
        assert_eq!(h(f32::NAN), "#e8eaeb");
    }
}
