//! The Playground's colours as RGB, from the one definition the dashboard also
//! uses (`nn-palette`).

pub use nn_palette::{Rgb, class_region_rgb, class_rgb, hex, mix, playground_rgb};
