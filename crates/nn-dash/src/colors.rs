//! Colours: how many the terminal shows, and the dashboard's palette mapped to them.
//!
//! Drawing code asks for colours by meaning (class, weight, heat); this module
//! turns them into truecolor, the 256-colour cube or the 16 ANSI colours.

pub use nn_palette::{CLASS_RGB, Rgb, mix, playground_rgb};
use ratatui::style::Color;

/// How many colours the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    /// 24-bit RGB (`COLORTERM=truecolor` or `24bit`).
    TrueColor,
    /// The xterm 256-colour palette (`TERM=*-256color`).
    Ansi256,
    /// The 16 basic ANSI colours (any other `TERM`).
    Ansi16,
}

impl ColorDepth {
    /// Reads `COLORTERM` and `TERM` from the environment.
    pub fn detect() -> Self {
        Self::from_env(
            std::env::var("COLORTERM").ok().as_deref(),
            std::env::var("TERM").ok().as_deref(),
        )
    }

    /// The depth implied by the values of `COLORTERM` and `TERM`.
    pub fn from_env(colorterm: Option<&str>, term: Option<&str>) -> Self {
        let colorterm = colorterm.unwrap_or("").to_ascii_lowercase();
        let term = term.unwrap_or("").to_ascii_lowercase();
        if colorterm.contains("truecolor") || colorterm.contains("24bit") || term.contains("direct")
        {
            Self::TrueColor
        } else if term.contains("256") {
            Self::Ansi256
        } else {
            Self::Ansi16
        }
    }
}

/// The 16-colour stand-ins for [`CLASS_RGB`]: (region, point).
const CLASS_16: [(Color, Color); 10] = [
    (Color::Yellow, Color::LightYellow),
    (Color::Blue, Color::LightCyan),
    (Color::Green, Color::LightGreen),
    (Color::Magenta, Color::LightMagenta),
    (Color::Red, Color::LightRed),
    (Color::Cyan, Color::LightCyan),
    (Color::Magenta, Color::LightMagenta),
    (Color::Yellow, Color::LightYellow),
    (Color::Red, Color::LightRed),
    (Color::Gray, Color::White),
];

/// The heatmap's neutral colour (where the network is undecided).
const NEUTRAL: Rgb = [30, 30, 34];

/// Shades of one class's (or one sign's) colour, from neutral to full: as many
/// as one side of the Playground's scale (15 of its 31). Finer shades look the
/// same, yet each change of a cell's colour costs some 40 bytes on the wire, and
/// a map whose cells drift by one step in 255 every epoch rewrites the screen.
pub const SHADES: f32 = 15.0;

/// `t` in `[0, 1]` on the nearest of the [`SHADES`] steps (0 and 1 included).
pub fn quantize(t: f32) -> f32 {
    (t.clamp(0.0, 1.0) * SHADES).round() / SHADES
}

/// Colours by meaning, for one [`ColorDepth`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// The terminal's colour depth.
    pub depth: ColorDepth,
}

impl Palette {
    /// A palette for this depth.
    pub fn new(depth: ColorDepth) -> Self {
        Self { depth }
    }

    /// An RGB colour as the terminal can show it.
    pub fn rgb(self, [r, g, b]: Rgb) -> Color {
        match self.depth {
            ColorDepth::TrueColor => Color::Rgb(r, g, b),
            ColorDepth::Ansi256 => Color::Indexed(ansi256([r, g, b])),
            ColorDepth::Ansi16 => ansi16([r, g, b]),
        }
    }

    /// A heatmap pixel: `class` with confidence `strength` in `[0, 1]`.
    pub fn heat(self, class: usize, strength: f32) -> Color {
        let strength = strength.clamp(0.0, 1.0);
        if self.depth == ColorDepth::Ansi16 {
            return if strength < 0.35 {
                Color::Black
            } else {
                CLASS_16[class % CLASS_16.len()].0
            };
        }
        let c = CLASS_RGB[class % CLASS_RGB.len()];
        // Regions stay dark enough for the points on them to stand out.
        self.rgb(mix(NEUTRAL, scale(c, 0.62), quantize(strength)))
    }

    /// A value on the Playground's scale ([`playground_rgb`]): regression outputs and targets.
    pub fn playground(self, v: f32) -> Color {
        self.rgb(playground_rgb(v))
    }

    /// A data point of `class`.
    pub fn point(self, class: usize) -> Color {
        if self.depth == ColorDepth::Ansi16 {
            return CLASS_16[class % CLASS_16.len()].1;
        }
        self.rgb(mix(
            CLASS_RGB[class % CLASS_RGB.len()],
            [255, 255, 255],
            0.3,
        ))
    }

    /// A signed value in `[-1, 1]`: blue for positive, orange for negative (Playground's convention).
    pub fn signed(self, t: f32) -> Color {
        let class = usize::from(t >= 0.0);
        self.heat(class, t.abs())
    }

    /// A connection of weight `w`, shaded by `|w| / max`.
    pub fn weight(self, w: f32, max: f32) -> Color {
        let strength = (w.abs() / max.max(1e-6)).clamp(0.0, 1.0);
        let class = usize::from(w >= 0.0);
        if self.depth == ColorDepth::Ansi16 {
            return if strength < 0.3 {
                Color::DarkGray
            } else {
                CLASS_16[class].1
            };
        }
        self.rgb(mix(
            [60, 60, 64],
            CLASS_RGB[class],
            quantize(strength.sqrt()),
        ))
    }

    /// Secondary text.
    pub fn dim(self) -> Color {
        match self.depth {
            ColorDepth::Ansi16 => Color::DarkGray,
            _ => self.rgb([130, 130, 140]),
        }
    }

    /// Highlighted text (titles, values).
    pub fn accent(self) -> Color {
        match self.depth {
            ColorDepth::Ansi16 => Color::LightCyan,
            _ => self.rgb([120, 200, 255]),
        }
    }
}

fn scale(c: Rgb, f: f32) -> Rgb {
    c.map(|v| (f32::from(v) * f).round().clamp(0.0, 255.0) as u8)
}

/// The nearest xterm-256 index: the 6x6x6 cube or the grey ramp, whichever is closer.
pub fn ansi256(c: Rgb) -> u8 {
    const LEVELS: [i32; 6] = [0, 95, 135, 175, 215, 255];
    let nearest_level = |v: u8| {
        (0..6)
            .min_by_key(|&i| (LEVELS[i] - i32::from(v)).abs())
            .unwrap_or(0)
    };
    let [r, g, b] = c.map(nearest_level);
    let cube = [LEVELS[r], LEVELS[g], LEVELS[b]];
    let mean = (i32::from(c[0]) + i32::from(c[1]) + i32::from(c[2])) / 3;
    let grey_index = ((mean - 8).max(0) / 10).min(23);
    let grey = 8 + 10 * grey_index;
    let dist = |p: [i32; 3]| (0..3).map(|i| (p[i] - i32::from(c[i])).pow(2)).sum::<i32>();
    if dist([grey; 3]) < dist(cube) {
        232 + grey_index as u8
    } else {
        16 + 36 * r as u8 + 6 * g as u8 + b as u8
    }
}

/// The nearest of the 16 ANSI colours (xterm's default RGB values).
pub fn ansi16(c: Rgb) -> Color {
    const TABLE: [(Color, [i32; 3]); 16] = [
        (Color::Black, [0, 0, 0]),
        (Color::Red, [205, 0, 0]),
        (Color::Green, [0, 205, 0]),
        (Color::Yellow, [205, 205, 0]),
        (Color::Blue, [0, 0, 238]),
        (Color::Magenta, [205, 0, 205]),
        (Color::Cyan, [0, 205, 205]),
        (Color::Gray, [229, 229, 229]),
        (Color::DarkGray, [127, 127, 127]),
        (Color::LightRed, [255, 0, 0]),
        (Color::LightGreen, [0, 255, 0]),
        (Color::LightYellow, [255, 255, 0]),
        (Color::LightBlue, [92, 92, 255]),
        (Color::LightMagenta, [255, 0, 255]),
        (Color::LightCyan, [0, 255, 255]),
        (Color::White, [255, 255, 255]),
    ];
    TABLE
        .iter()
        .min_by_key(|(_, p)| (0..3).map(|i| (p[i] - i32::from(c[i])).pow(2)).sum::<i32>())
        .map_or(Color::White, |(color, _)| *color)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_from_environment() {
        let d = ColorDepth::from_env;
        assert_eq!(
            d(Some("truecolor"), Some("xterm-256color")),
            ColorDepth::TrueColor
        );
        assert_eq!(d(Some("24bit"), None), ColorDepth::TrueColor);
        assert_eq!(d(None, Some("xterm-256color")), ColorDepth::Ansi256);
        assert_eq!(d(None, Some("screen-256color")), ColorDepth::Ansi256);
        assert_eq!(d(None, Some("xterm")), ColorDepth::Ansi16);
        assert_eq!(d(None, Some("linux")), ColorDepth::Ansi16);
        assert_eq!(d(None, None), ColorDepth::Ansi16);
    }

    /// Shades from the Playground's table (d3 v3's quantize over its linear ramp).
    #[test]
    fn the_playground_scale() {
        let hex = |v: f32| {
            let [r, g, b] = playground_rgb(v);
            format!("#{r:02x}{g:02x}{b:02x}")
        };
        assert_eq!(hex(-1.0), "#f59322");
        assert_eq!(hex(-5.0), "#f59322");
        assert_eq!(hex(-0.9), "#f4992f"); // shade 1
        assert_eq!(hex(-0.5), "#efbc80"); // shade 7
        assert_eq!(hex(0.0), "#e8eaeb"); // shade 15
        assert_eq!(hex(0.05), "#d9e2e8"); // shade 16
        assert_eq!(hex(0.5), "#71add2"); // shade 23
        assert_eq!(hex(0.9), "#177fc0"); // shade 29
        assert_eq!(hex(1.0), "#0877bd");
        assert_eq!(hex(f32::NAN), "#e8eaeb");
    }

    #[test]
    fn palettes_map_to_their_depth() {
        assert_eq!(ansi256([255, 0, 0]), 196);
        assert_eq!(ansi256([0, 0, 0]), 16);
        assert_eq!(ansi256([128, 128, 128]), 244);
        assert_eq!(ansi16([250, 250, 250]), Color::White);
        let p = Palette::new(ColorDepth::Ansi256);
        assert!(matches!(p.heat(0, 1.0), Color::Indexed(_)));
        let p = Palette::new(ColorDepth::Ansi16);
        assert_eq!(p.heat(1, 1.0), Color::Blue);
        assert_eq!(p.heat(1, 0.0), Color::Black);
    }

    /// Shades a person cannot tell apart are one colour, so a map that drifts by
    /// a hair between epochs sends nothing; the steps that remain are visible.
    #[test]
    fn maps_have_a_few_visible_shades() {
        let p = Palette::new(ColorDepth::TrueColor);
        assert_eq!(p.heat(0, 0.500), p.heat(0, 0.51));
        assert_eq!(p.signed(-0.3), p.signed(-0.31));
        assert_eq!(p.weight(0.30, 1.0), p.weight(0.31, 1.0));
        let shades: std::collections::HashSet<_> =
            (0..=1000).map(|i| p.heat(1, i as f32 / 1000.0)).collect();
        assert_eq!(shades.len(), SHADES as usize + 1);
        // Neighbouring shades differ by more than a couple of steps in 255.
        let rgb = |c| match c {
            Color::Rgb(r, g, b) => [i32::from(r), i32::from(g), i32::from(b)],
            _ => unreachable!(),
        };
        let (a, b) = (rgb(p.heat(1, 7.0 / 15.0)), rgb(p.heat(1, 8.0 / 15.0)));
        assert!(
            (0..3).map(|i| (a[i] - b[i]).abs()).max() >= Some(5),
            "{a:?} {b:?}"
        );
    }
}
