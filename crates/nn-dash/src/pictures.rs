//! The `S` key: what is on screen saved into the run directory (else the
//! current folder) — the screen as SVG, the boundary and the network as PNG
//! (drawn by nn-plot) — under the first number none of them uses yet, and the
//! log line that says where they went (with an `scp` line over SSH).

use std::path::{Path, PathBuf};

use nn_core::Network;
use nn_plot::BoundaryOptions;
use nn_plot::source::Points;
use nn_train::{Model, TrainData, model_info};
use ratatui::buffer::Buffer;

/// The three files of one save: `screen-NNN.svg`, `boundary-NNN.png`, `network-NNN.png`.
pub fn names(dir: &Path, number: u32) -> [PathBuf; 3] {
    [
        dir.join(format!("screen-{number:03}.svg")),
        dir.join(format!("boundary-{number:03}.png")),
        dir.join(format!("network-{number:03}.png")),
    ]
}

/// The first number from 1 whose three files are all free in `dir` (a million
/// saves in one folder would take the last).
pub fn free_number(dir: &Path) -> u32 {
    const LAST: u32 = 1_000_000;
    (1..LAST)
        .find(|&k| names(dir, k).iter().all(|p| !p.exists()))
        .unwrap_or(LAST)
}

/// Over SSH (`SSH_CONNECTION` set), how to fetch `pattern` in `dir` from this
/// machine: `scp 'user@host:/abs/dir/*-001.*' .`.
fn scp_hint(dir: &Path, pattern: &str) -> Option<String> {
    std::env::var_os("SSH_CONNECTION")?;
    let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".into());
    Some(scp_line(&user, &host, &dir.join(pattern)))
}

/// The `scp` command that copies `path` on `user@host` into the current folder.
fn scp_line(user: &str, host: &str, path: &Path) -> String {
    format!("scp '{user}@{host}:{}' .", path.display())
}

/// Saves the screen `buffer`, and the boundary and network of `network` trained
/// on `data`, into `dir` (the current folder if `None`); returns the log lines:
/// what was saved where, then over SSH how to fetch it (the line left showing).
pub fn save(
    dir: Option<&Path>,
    buffer: &Buffer,
    network: Option<&Network>,
    data: &TrainData,
) -> Vec<String> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    // The absolute folder, for the log line and scp (the folder may be relative).
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let number = free_number(&dir);
    let [screen, boundary, network_png] = names(&dir, number);
    let svg = crate::screen_svg::buffer_svg(buffer);
    if let Err(e) = nn_atomic_write::write_atomically(&screen, svg.as_bytes()) {
        return vec![format!(
            "could not save the screen to {}: {e}",
            screen.display()
        )];
    }
    let mut saved = vec![file_name(&screen)];
    let mut problems = Vec::new();
    match network {
        None => problems.push("no network yet to draw".to_string()),
        Some(net) => {
            let model = Model {
                network: net.clone(),
                info: model_info(data),
                normalization: data.normalization.clone(),
                features: data.features.clone(),
            };
            let points = Points::of(data, data.train.name().to_string());
            let title = data.train.name().to_string();
            for (path, width, height) in [(&boundary, 800, 800), (&network_png, 1000, 600)] {
                let options = BoundaryOptions {
                    width,
                    height,
                    discretize: false,
                    title: title.clone(),
                };
                let picture = if path == &boundary {
                    nn_plot::boundary(&model, &points, &options)
                } else {
                    nn_plot::network(&model, &points, &options)
                };
                match picture.and_then(|p| p.save(path)) {
                    Ok(()) => saved.push(file_name(path)),
                    Err(e) => problems.push(format!("{}: {e}", file_name(path))),
                }
            }
        }
    }
    let mut lines = vec![format!("saved {} in {}", saved.join(" "), dir.display())];
    if !problems.is_empty() {
        lines.push(format!("not drawn: {}", problems.join("; ")));
    }
    if let Some(scp) = scp_hint(&dir, &format!("*-{number:03}.*")) {
        lines.push(format!("fetch: {scp}"));
    }
    lines
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_number_is_the_first_free_for_all_three() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_number(dir.path()), 1);
        std::fs::write(dir.path().join("network-001.png"), b"").unwrap();
        assert_eq!(free_number(dir.path()), 2);
        std::fs::write(dir.path().join("screen-002.svg"), b"").unwrap();
        assert_eq!(free_number(dir.path()), 3);
    }

    #[test]
    fn the_scp_line_names_user_host_and_absolute_path() {
        assert_eq!(
            scp_line("ann", "box", Path::new("/runs/gauss-1/*-003.*")),
            "scp 'ann@box:/runs/gauss-1/*-003.*' ."
        );
    }
}
