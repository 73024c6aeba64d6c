//! The README's pictures are what its commands make: the commands of its "Pictures"
//! section run through the binary in a scratch folder, and every file they write under
//! `docs/pictures/` compared with the committed one, pixel by pixel.
//!
//! `cargo xtask pictures` runs this test with `NN_TUI_UPDATE_PICTURES=1`, which writes
//! the pictures made here over the committed ones (any that differ by a byte) instead of
//! comparing.
//!
//! Rendering is deterministic, and so is training on one machine (any thread count);
//! but gemm picks its kernels by the CPU (AVX-512 or not), and a run of 1000 epochs on
//! another CPU may end a few rounding steps apart. So the pictures are compared pixel by
//! pixel, allowing 1% of the pixels to differ: a changed layout, colour or command moves
//! far more than that.

use std::path::{Path, PathBuf};

use crate::common::{run, tempdir, text, workspace};

/// Where the README's pictures live, under the workspace.
const PICTURES: &str = "docs/pictures";
/// The share of pixels that may differ (by more than [`TOLERANCE`] in a channel).
const SHARE: f64 = 0.01;
const TOLERANCE: u8 = 24;

/// The commands of the README's "Pictures" section, each as its arguments after `nn-tui`
/// (continuation lines joined, comments dropped).
fn readme_commands() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let section = readme
        .split("\n## Pictures")
        .nth(1)
        .expect("README has a Pictures section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the Pictures section has a sh block");
    let joined = block.replace("\\\n", " ");
    joined
        .lines()
        .map(|line| line.split(" #").next().unwrap_or(line).trim())
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut words = line.split_whitespace().map(str::to_owned);
            assert_eq!(words.next().as_deref(), Some("nn-tui"), "{line}");
            words.collect()
        })
        .collect()
}

/// Decoded pictures as RGBA frames (one for a PNG, each frame for a GIF) and their size.
fn frames(path: &Path) -> (u32, u32, Vec<Vec<u8>>) {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "gif") {
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::RGBA);
        let mut decoder = options.read_info(&bytes[..]).unwrap();
        let (w, h) = (u32::from(decoder.width()), u32::from(decoder.height()));
        let mut frames = Vec::new();
        while let Some(frame) = decoder.read_next_frame().unwrap() {
            // Every frame of a replay is whole (drawn at 0, 0 over the full size).
            assert_eq!((u32::from(frame.width), u32::from(frame.height)), (w, h));
            frames.push(frame.buffer.to_vec());
        }
        (w, h, frames)
    } else {
        let pixmap = nn_plot::raster::Pixmap::decode_png(&bytes).unwrap();
        (
            pixmap.width(),
            pixmap.height(),
            vec![pixmap.data().to_vec()],
        )
    }
}

/// Why two pictures differ, if they do beyond the tolerance.
fn difference(made: &Path, committed: &Path) -> Option<String> {
    if !committed.is_file() {
        return Some("not committed".into());
    }
    if std::fs::read(made).unwrap() == std::fs::read(committed).unwrap() {
        return None;
    }
    let (a, b) = (frames(made), frames(committed));
    if (a.0, a.1, a.2.len()) != (b.0, b.1, b.2.len()) {
        return Some(format!(
            "{}x{} in {} frames, committed {}x{} in {}",
            a.0,
            a.1,
            a.2.len(),
            b.0,
            b.1,
            b.2.len()
        ));
    }
    for (i, (x, y)) in a.2.iter().zip(&b.2).enumerate() {
        let differing = x
            .chunks_exact(4)
            .zip(y.chunks_exact(4))
            .filter(|(p, q)| p.iter().zip(*q).any(|(c, d)| c.abs_diff(*d) > TOLERANCE))
            .count();
        let pixels = x.len() / 4;
        if differing as f64 > SHARE * pixels as f64 {
            return Some(format!("frame {i}: {differing} of {pixels} pixels differ"));
        }
    }
    None
}

#[test]
fn the_readme_pictures_are_what_its_commands_make() {
    let commands = readme_commands();
    assert!(commands.len() >= 5, "{commands:?}");
    let dir = tempdir();
    std::fs::create_dir_all(dir.path().join(PICTURES)).unwrap();
    for args in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(dir.path(), &args);
        assert!(
            out.status.success(),
            "nn-tui {args:?}: {}",
            text(&out.stderr)
        );
    }
    let mut made: Vec<PathBuf> = std::fs::read_dir(dir.path().join(PICTURES))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    made.sort();
    let names: Vec<String> = made
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // Each kind of picture the README shows.
    for kind in [
        "boundary.png",
        "network.png",
        "curves.png",
        "replay.gif",
        "digits.png",
    ] {
        assert!(
            names.iter().any(|n| n == kind),
            "{kind} not made: {names:?}"
        );
    }
    let update = std::env::var_os("NN_TUI_UPDATE_PICTURES").is_some_and(|v| v == "1");
    let committed_dir = workspace().join(PICTURES);
    let mut stale = Vec::new();
    for (path, name) in made.iter().zip(&names) {
        let committed = committed_dir.join(name);
        let bytes = std::fs::read(path).unwrap();
        if update {
            // Updating writes the pictures as made here, to the byte.
            if std::fs::read(&committed).ok().as_ref() != Some(&bytes) {
                nn_atomic_write::write_atomically(&committed, &bytes).unwrap();
                eprintln!("{PICTURES}/{name}: written");
            }
        } else if let Some(why) = difference(path, &committed) {
            stale.push(format!("{PICTURES}/{name}: {why}"));
        }
    }
    assert!(
        stale.is_empty(),
        "the README's pictures are out of date (`cargo xtask pictures` makes them again):\n{}",
        stale.join("\n")
    );
}
