//! `nn-tui completions SHELL`: the shell completion script clap_complete writes
//! from the command line's definition.

use std::io::Write as _;

use anyhow::{Context, Result};
use clap_complete::Shell;
use nn_tui::CompletionsArgs;

use crate::Outcome;

/// Runs `nn-tui completions`.
pub fn run(args: &CompletionsArgs) -> Result<Outcome> {
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut nn_tui::command(),
        nn_tui::NAME,
        &mut script,
    );
    let mut script = String::from_utf8(script).context("the completion script is not UTF-8")?;
    if args.shell == Shell::Bash {
        script = repair_bash_states(&script);
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(script.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing the completion script to stdout")?;
    Ok(Outcome::Done)
}

/// clap_complete's bash script tracks the subcommand typed so far in a state such as
/// `nn__tui__subcmd__predict`, but spells the `case` arms for it with the hyphen of a
/// hyphenated program name escaped as a separator (`nn__subcmd__tui__subcmd__predict`),
/// so no arm matches and no subcommand's flags ever complete (clap-rs/clap#6421, open in
/// clap_complete 4.6.11). Spelling the arms as the states are spelled fixes it; once clap
/// does, there is nothing left to replace.
fn repair_bash_states(script: &str) -> String {
    let state = nn_tui::NAME.replace('-', "__");
    let misspelt = nn_tui::NAME.replace('-', "__subcmd__");
    script.replace(
        &format!("{misspelt}__subcmd__"),
        &format!("{state}__subcmd__"),
    )
}
