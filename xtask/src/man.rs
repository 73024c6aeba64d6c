//! `cargo xtask man`: the manual pages, `nn-tui.1` and one page per subcommand
//! (`nn-tui-train.1`, ...), written by clap_mangen from the command line's own
//! definition (the `nn-tui` library), so they say what `--help` says. Built only with
//! the `man` feature (`cargo xtask-man`): the rest of xtask does not need the workspace.

use std::path::PathBuf;
#[cfg(feature = "man")]
use std::{fs, path::Path};

#[cfg(feature = "man")]
use anyhow::Context;
use clap::Args;

#[cfg(feature = "man")]
use crate::{workspace_root, write_atomically};

#[derive(Debug, Args)]
pub struct Man {
    /// Folder to write the pages into (default: target/man); e.g. ~/.local/share/man/man1.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[cfg(not(feature = "man"))]
pub fn man(_: &Man) -> anyhow::Result<()> {
    anyhow::bail!(
        "man needs the command line's definition, built only with xtask's man feature: \
         cargo xtask-man (cargo run -p xtask --features man -- man)"
    )
}

#[cfg(feature = "man")]
pub fn man(args: &Man) -> anyhow::Result<()> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| workspace_root().join("target/man"));
    for path in write_pages(&out)? {
        println!("{}", path.display());
    }
    Ok(())
}

#[cfg(feature = "man")]
/// The pages as (file name, roff text): the program's first, then each subcommand's.
fn pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    // `help` is clap's, not ours; without it the pages list only real subcommands.
    let mut command = nn_tui::command().disable_help_subcommand(true);
    // Building fills in each subcommand's display name (`nn-tui-train`), its page's name.
    command.build();
    // Every page's footer names the program and its version, not just the subcommand.
    let source = format!(
        "{} {}",
        nn_tui::NAME,
        command.get_version().unwrap_or_default()
    );
    std::iter::once(&command)
        .chain(command.get_subcommands().filter(|s| !s.is_hide_set()))
        .map(|c| {
            let page = clap_mangen::Man::new(c.clone()).source(&source);
            let mut roff = Vec::new();
            page.render(&mut roff)
                .with_context(|| format!("rendering {}", page.get_filename()))?;
            Ok((page.get_filename(), roff))
        })
        .collect()
}

/// Writes every page into `out` (created if missing), each atomically; returns their paths.
#[cfg(feature = "man")]
fn write_pages(out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    pages()?
        .into_iter()
        .map(|(name, roff)| {
            let path = out.join(name);
            write_atomically(&path, &roff)
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(path)
        })
        .collect()
}

#[cfg(all(test, feature = "man"))]
mod tests {
    use std::process::Command;

    use super::*;

    const SUBCOMMANDS: [&str; 15] = [
        "dash",
        "train",
        "eval",
        "predict",
        "info",
        "explain",
        "runs",
        "watch",
        "plot",
        "data",
        "replay",
        "learn",
        "export",
        "completions",
        "sweep",
    ];

    #[test]
    fn a_page_for_the_program_and_each_subcommand() {
        let dir = std::env::temp_dir().join(format!("xtask-man-{}", std::process::id()));
        let written = write_pages(&dir).unwrap();
        let mut names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut expected: Vec<String> = std::iter::once("nn-tui.1".to_string())
            .chain(SUBCOMMANDS.iter().map(|s| format!("nn-tui-{s}.1")))
            .collect();
        expected.sort();
        assert_eq!(names, expected, "and no temporary files left");
        assert_eq!(written.len(), expected.len());

        let main = fs::read_to_string(dir.join("nn-tui.1")).unwrap();
        assert!(main.starts_with(".ie \\n(.g .ds Aq \\(aq"), "roff: {main}");
        assert!(main.contains(".TH nn-tui 1"), "{main}");
        for sub in SUBCOMMANDS {
            assert!(
                main.contains(&format!("nn\\-tui\\-{sub}(1)")),
                "{sub}: {main}"
            );
        }
        let predict = fs::read_to_string(dir.join("nn-tui-predict.1")).unwrap();
        let title = format!(
            ".TH nn-tui-predict 1  \"nn-tui {}\"",
            env!("CARGO_PKG_VERSION")
        );
        assert!(predict.contains(&title), "{title} in {predict}");
        assert!(predict.contains("\\-\\-model"), "{predict}");
        assert!(predict.contains("reads stdin"), "{predict}");

        // Where groff is installed, the page renders without a warning.
        if let Ok(out) = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(dir.join("nn-tui-train.1"))
            .output()
        {
            assert!(out.status.success());
            assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warnings");
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
