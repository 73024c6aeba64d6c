//! A small SVG writer: the shapes the pictures use (rectangles, lines, paths,
//! circles, text, an embedded PNG), in pixels, with text in the embedded font.

use std::fmt::Write as _;

use crate::colors::{Rgb, hex};

/// The font every picture's text names; [`crate::raster`] embeds it.
pub const FONT: &str = "DejaVu Sans";

/// How text is anchored at its point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The point is the text's left end.
    Start,
    /// The point is the text's middle.
    Middle,
    /// The point is the text's right end.
    End,
}

/// An SVG document being written.
#[derive(Debug, Clone)]
pub struct Svg {
    width: u32,
    height: u32,
    body: String,
}

impl Svg {
    /// An empty `width x height` picture on a white background.
    pub fn new(width: u32, height: u32) -> Self {
        let mut svg = Self {
            width,
            height,
            body: String::new(),
        };
        svg.rect(0.0, 0.0, width as f32, height as f32, [255, 255, 255]);
        svg
    }

    /// A filled rectangle.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{}"/>"#,
            hex(fill)
        );
    }

    /// A rectangle's outline.
    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, stroke: Rgb, width: f32) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="none" stroke="{}" stroke-width="{width}"/>"#,
            hex(stroke)
        );
    }

    /// A straight line.
    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), stroke: Rgb, width: f32) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="{width:.2}"/>"#,
            from.0,
            from.1,
            to.0,
            to.1,
            hex(stroke)
        );
    }

    /// A cubic curve from `from` to `to`, leaving and arriving horizontally (the
    /// Playground's links).
    pub fn link(
        &mut self,
        from: (f32, f32),
        to: (f32, f32),
        stroke: Rgb,
        width: f32,
        opacity: f32,
    ) {
        let mid = f32::midpoint(from.0, to.0);
        let _ = writeln!(
            self.body,
            r#"<path d="M{:.1},{:.1} C{mid:.1},{:.1} {mid:.1},{:.1} {:.1},{:.1}" fill="none" stroke="{}" stroke-width="{width:.2}" stroke-opacity="{opacity:.2}"/>"#,
            from.0,
            from.1,
            from.1,
            to.1,
            to.0,
            to.1,
            hex(stroke)
        );
    }

    /// A line through `points`, solid or dashed (`dash` pixels on, `dash` off).
    pub fn polyline(&mut self, points: &[(f32, f32)], stroke: Rgb, width: f32, dash: Option<f32>) {
        if points.len() < 2 {
            return;
        }
        let mut d = String::new();
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { " L" });
        }
        let dash = dash.map_or_else(String::new, |d| {
            format!(r#" stroke-dasharray="{d:.1} {d:.1}""#)
        });
        let _ = writeln!(
            self.body,
            r#"<path d="{d}" fill="none" stroke="{}" stroke-width="{width}" stroke-linejoin="round"{dash}/>"#,
            hex(stroke)
        );
    }

    /// A circle, filled and/or outlined.
    pub fn circle(
        &mut self,
        center: (f32, f32),
        r: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    ) {
        let fill = fill.map_or_else(|| "none".to_string(), hex);
        let stroke = stroke.map_or_else(String::new, |(c, w)| {
            format!(r#" stroke="{}" stroke-width="{w}""#, hex(c))
        });
        let _ = writeln!(
            self.body,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="{fill}"{stroke}/>"#,
            center.0, center.1
        );
    }

    /// Text at `(x, y)` (its baseline), `size` pixels tall.
    pub fn text(&mut self, at: (f32, f32), size: f32, anchor: Anchor, color: Rgb, text: &str) {
        self.text_styled(at, size, anchor, color, text, "");
    }

    /// Bold text.
    pub fn bold(&mut self, at: (f32, f32), size: f32, anchor: Anchor, color: Rgb, text: &str) {
        self.text_styled(at, size, anchor, color, text, r#" font-weight="bold""#);
    }

    /// Text turned a quarter anticlockwise about its point (a vertical axis's label).
    pub fn vertical_text(&mut self, at: (f32, f32), size: f32, color: Rgb, text: &str) {
        let transform = format!(r#" transform="rotate(-90 {:.1} {:.1})""#, at.0, at.1);
        self.text_styled(at, size, Anchor::Middle, color, text, &transform);
    }

    fn text_styled(
        &mut self,
        at: (f32, f32),
        size: f32,
        anchor: Anchor,
        color: Rgb,
        text: &str,
        extra: &str,
    ) {
        let anchor = match anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let _ = writeln!(
            self.body,
            r#"<text x="{:.1}" y="{:.1}" font-family="{FONT}" font-size="{size}" text-anchor="{anchor}" fill="{}"{extra}>{}</text>"#,
            at.0,
            at.1,
            hex(color),
            escape(text)
        );
    }

    /// A PNG image stretched over a rectangle, smoothly.
    pub fn png(&mut self, x: f32, y: f32, w: f32, h: f32, png: &[u8]) {
        let _ = writeln!(
            self.body,
            r#"<image x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" preserveAspectRatio="none" href="data:image/png;base64,{}"/>"#,
            base64(png)
        );
    }

    /// Another picture drawn whole with its top-left corner at `(x, y)` (a panel of a
    /// larger picture): its document nested as it is, so it renders as it would alone.
    pub fn embed(&mut self, x: f32, y: f32, picture: &crate::Picture) {
        // What follows the outer tag: the shapes and the closing `</svg>`.
        let inner = picture.svg.split_once('>').map_or("", |(_, rest)| rest);
        let _ = write!(
            self.body,
            r#"<svg x="{x:.1}" y="{y:.1}" width="{w}" height="{h}" viewBox="0 0 {w} {h}">{inner}"#,
            w = picture.width,
            h = picture.height
        );
    }

    /// The finished document.
    pub fn finish(self) -> crate::Picture {
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n{}</svg>\n",
            self.body,
            w = self.width,
            h = self.height
        );
        crate::Picture {
            svg,
            width: self.width,
            height: self.height,
            plane: None,
        }
    }
}

/// `text` with XML's special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648), for a data URL.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Round tick values covering `[lo, hi]`: about `count` of them, 1, 2 or 5 times a power of ten apart.
pub fn ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
        || !lo.is_finite()
        || !hi.is_finite()
    {
        return vec![lo];
    }
    let raw = (hi - lo) / count.max(1) as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        // Up to a third more ticks than asked for, rather than half as many.
        .find(|s| *s >= 0.7 * raw)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A tick value as a label: as few decimals as its step needs.
pub fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    let v = if v.abs() < step * 1e-6 { 0.0 } else { v };
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(
            ticks(-6.1, 6.1, 6),
            vec![-6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0]
        );
        let labels: Vec<String> = ticks(0.0, 1.0, 5)
            .iter()
            .map(|&t| tick_label(t, 0.2))
            .collect();
        assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        assert_eq!(tick_label(-2.0, 2.0), "-2");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
