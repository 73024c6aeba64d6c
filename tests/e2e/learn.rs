//! `nn-tui learn`: the list with what is done, `--reset`, a bad lesson file, and
//! lesson 3 walked in tmux at 80x24 (open, step, goal met, next lesson).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::common::{BIN, tempdir, text};
use crate::tmux::{Tmux, skip_without_tmux};

/// `nn-tui learn ...` with its progress kept under `data` (as `$XDG_DATA_HOME`).
fn learn(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("learn")
        .args(args)
        .current_dir(data)
        .env("XDG_DATA_HOME", data)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

#[test]
fn learn_lists_the_lessons_with_what_is_done_and_reset_forgets() {
    let dir = tempdir();
    let out = learn(dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = text(&out.stdout);
    assert!(list.starts_with("Lessons (built-in)"), "{list}");
    assert!(list.contains("  3  output-delta"), "{list}");
    assert!(list.contains("0 of 10 done"), "{list}");

    let progress = dir.path().join("nn-tui/lessons.json");
    std::fs::create_dir_all(progress.parent().unwrap()).unwrap();
    std::fs::write(&progress, r#"{"built-in": ["xor"]}"#).unwrap();
    let list = text(&learn(dir.path(), &[]).stdout);
    let xor = list.lines().find(|l| l.contains(" xor ")).unwrap();
    assert!(xor.trim_end().ends_with("done"), "{list}");
    assert!(list.contains("1 of 10 done"), "{list}");

    let out = learn(dir.path(), &["--reset"]);
    assert!(out.status.success());
    assert!(text(&out.stderr).starts_with("lesson progress cleared"));
    assert!(!progress.exists());
    assert!(text(&learn(dir.path(), &[]).stdout).contains("0 of 10 done"));
}

#[test]
fn learn_refuses_a_bad_file_or_lesson_in_one_line() {
    let dir = tempdir();
    let course = dir.path().join("course.toml");
    std::fs::write(
        &course,
        "[[lesson]]\nname = \"one\"\ntitle = \"One\"\ntext = \"t\"\n\
         preset = \"nn-tui/1 data=gauss\"\nkeys = [\"space\", \"zz\"]\n\
         goal = [\"test-accuracy >= 90%\"]\nhint = \"h\"\ndone = \"d\"\n",
    )
    .unwrap();
    let out = learn(dir.path(), &["--file", course.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let e = text(&out.stderr);
    assert!(
        e.contains("course.toml: lesson 1 (one): field `keys`: unknown key `zz`"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");

    let out = learn(dir.path(), &["99"]);
    assert_eq!(out.status.code(), Some(1));
    let e = text(&out.stderr);
    assert!(
        e.starts_with("error: no lesson `99` in built-in: expected 1 to 10"),
        "{e}"
    );
}

#[test]
fn lesson_three_walked_at_80x24() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    let tmux = Tmux::start("learn", 80, 24, dir.path());
    tmux.send(&[
        &format!(
            "XDG_DATA_HOME={} {BIN} learn 3; echo EXIT=$?",
            dir.path().display()
        ),
        "Enter",
    ]);
    let long = Duration::from_secs(15);
    let first = tmux.wait_for("lesson 3's panel", long, |s| {
        s.contains("lesson 3/10: The output delta") && s.contains("PAUSED")
    });
    assert!(first.contains("goal: not yet"), "{first}");
    assert!(first.contains("o(1−o)(d−o)"), "{first}");
    assert!(first.contains("same-sample-steps >= 3 (now 0)"), "{first}");

    tmux.send(&["i"]);
    tmux.wait_for("the inspector", long, |s| s.contains("inspector"));
    tmux.send(&["e"]);
    tmux.wait_for("one step", long, |s| s.contains("(now 1)"));
    tmux.send(&["e"]);
    tmux.wait_for("two steps", long, |s| s.contains("(now 2)"));
    tmux.send(&["e"]);
    let met = tmux.wait_for("the goal met", long, |s| s.contains("goal met"));
    assert!(met.contains("✓ same-sample-steps >= 3"), "{met}");
    assert!(met.contains("Three steps of gradient ascent"), "{met}");
    assert!(met.contains("N next: XOR needs a hidden layer"), "{met}");

    tmux.send(&["N"]);
    let next = tmux.wait_for("lesson 4", long, |s| {
        s.contains("lesson 4/10: XOR needs a hidden layer")
    });
    assert!(next.contains("goal: not yet"), "{next}");
    tmux.send(&["q"]);
    tmux.wait_for("the exit", long, |s| s.contains("EXIT=0"));

    let list = text(&learn(dir.path(), &[]).stdout);
    let three = list.lines().find(|l| l.contains("output-delta")).unwrap();
    assert!(three.trim_end().ends_with("done"), "{list}");
}

#[test]
fn a_playground_link_hides_its_controls_and_says_what_it_cannot_map() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempdir();
    let tmux = Tmux::start("hide", 80, 24, dir.path());
    let url = "#learningRate_hide=true&inputs_hide=true&tutorial=dp-neurons";
    tmux.send(&[
        &format!("{BIN} --state '{url}' --speed 1; echo EXIT=$?"),
        "Enter",
    ]);
    let long = Duration::from_secs(15);
    tmux.wait_for("the dashboard", long, |s| s.contains("epoch"));
    tmux.send(&["+"]);
    let refused = tmux.wait_for("the refusal", long, |s| {
        s.contains("+ -: hidden by the Playground link")
    });
    assert!(refused.contains("lr 0.03"), "{refused}");
    tmux.send(&["c"]);
    tmux.wait_for("the state line's notes", long, |s| {
        s.contains("not mapped: inputs_hide")
    });
    let overlay = tmux.joined_screen();
    assert!(overlay.contains("inputs_hide"), "{overlay}");
    assert!(overlay.contains("tutorial=dp-neurons"), "{overlay}");
    tmux.send(&["Escape", "q"]);
    tmux.wait_for("the exit", long, |s| s.contains("EXIT=0"));
}
