//! `nn-tui completions SHELL`: bash really completes subcommands, their flags and
//! flag values (the script is sourced and its function called as bash calls it);
//! the other shells' scripts name every subcommand; a bad shell is a usage error.

use std::process::Command;

use crate::common::*;

const SUBCOMMANDS: [&str; 7] = [
    "dash",
    "train",
    "eval",
    "predict",
    "info",
    "export",
    "completions",
];

fn script(shell: &str) -> String {
    let dir = tempdir();
    let out = run(dir.path(), &["completions", shell]);
    assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    text(&out.stdout)
}

/// What bash offers for the command line `words`, the last being the word under the cursor.
fn bash_completes(script_path: &str, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let previous = words[cword - 1];
    let current = words[cword];
    let program = format!(
        r#"source "$0"
        complete -p nn-tui >/dev/null || exit 3
        COMP_WORDS=({})
        COMP_CWORD={cword}
        _nn__tui nn-tui '{current}' '{previous}'
        printf '%s\n' "${{COMPREPLY[@]}}""#,
        quoted.join(" ")
    );
    let out = Command::new("bash")
        .args(["-c", &program, script_path])
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{words:?}: {}", text(&out.stderr));
    text(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_subcommands_flags_and_values() {
    let dir = tempdir();
    let path = dir.path().join("nn-tui.bash");
    std::fs::write(&path, script("bash")).unwrap();
    let path = path.display().to_string();

    assert_eq!(bash_completes(&path, &["nn-tui", "pre"]), ["predict"]);
    let all = bash_completes(&path, &["nn-tui", ""]);
    for sub in SUBCOMMANDS {
        assert!(all.iter().any(|w| w == sub), "{sub} in {all:?}");
    }
    // A subcommand's own flags, and the values of an enumerated flag.
    assert_eq!(
        bash_completes(&path, &["nn-tui", "predict", "--mo"]),
        ["--model"]
    );
    assert_eq!(
        bash_completes(&path, &["nn-tui", "train", "--activation", ""]),
        ["sigmoid", "tanh", "relu", "linear"]
    );
    let shells = bash_completes(&path, &["nn-tui", "completions", ""]);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(shells.iter().any(|w| w == shell), "{shell} in {shells:?}");
    }
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    for (shell, marker, model_flag) in [
        ("zsh", "#compdef nn-tui", "--model"),
        ("fish", "complete -c nn-tui", "-l model"),
        (
            "powershell",
            "Register-ArgumentCompleter -Native -CommandName 'nn-tui'",
            "--model",
        ),
        (
            "elvish",
            "set edit:completion:arg-completer[nn-tui]",
            "--model",
        ),
    ] {
        let script = script(shell);
        assert!(script.contains(marker), "{shell}: {marker}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: {sub}");
        }
        assert!(script.contains(model_flag), "{shell}: {model_flag}");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let dir = tempdir();
    let out = run(dir.path(), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: invalid value 'tcsh' for '<SHELL>' [possible values: bash, elvish, fish, \
             powershell, zsh]"
        ) && stderr.ends_with("(see --help)\n")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
}
