//! `cargo xtask pictures`: the README's pictures made again by the commands its
//! "Pictures" section gives, written over `docs/pictures/`. The work is done by the
//! end-to-end test that checks them (`tests/e2e/pictures.rs`), run in its update mode,
//! so the commands, the comparison and the files written have one home.

use std::process::Command;

use anyhow::{Context, bail};
use clap::Args;

/// `cargo xtask pictures`.
#[derive(Debug, Args)]
pub struct Pictures {}

/// Runs the pictures' test with `NN_TUI_UPDATE_PICTURES=1`: each picture that differs
/// from what the commands make now is written again.
pub fn pictures(_args: &Pictures) -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(crate::workspace_root())
        .args([
            "test",
            "-p",
            "nn-tui",
            "--test",
            "e2e",
            "pictures::the_readme_pictures_are_what_its_commands_make",
            "--",
            "--exact",
            "--nocapture",
        ])
        .env("NN_TUI_UPDATE_PICTURES", "1")
        .status()
        .context("running cargo test")?;
    if !status.success() {
        bail!("making the README's pictures failed ({status})");
    }
    println!("docs/pictures/ is what the README's commands make");
    Ok(())
}
