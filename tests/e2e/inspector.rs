//! The inspector through the real binary in tmux at 80x24: an output neuron's δ
//! read off the screen, a connection's weight and its Δw = r·o_in·δ, the sample
//! step, and the weight shown afterwards: moved by exactly the Δw shown.

use std::path::PathBuf;
use std::time::Duration;

use crate::common::*;
use crate::tmux::{Tmux, skip_without_tmux};

const LONG: Duration = Duration::from_secs(20);

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nn-dash-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The inspector panel's text, its wrapped lines joined back into one string
/// (a line broken after a `·` continues without a space).
fn inspector_text(screen: &str) -> Option<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let (top, column) = lines.iter().enumerate().find_map(|(row, line)| {
        let at = line.find("╭ inspector")?;
        Some((row, line[..at].chars().count()))
    })?;
    let mut text = String::new();
    for line in &lines[top + 1..] {
        let inside: String = line.chars().skip(column + 1).collect();
        if inside.starts_with('─') || inside.is_empty() {
            break; // the bottom border
        }
        let inside = inside.trim_end().trim_end_matches('│').trim();
        if !(text.is_empty() || text.ends_with('·')) {
            text.push(' ');
        }
        text.push_str(inside);
    }
    Some(text)
}

/// The number right after `label` in `text`.
fn number_after(text: &str, label: &str) -> Option<f64> {
    let start = text.find(label)? + label.len();
    let number: String = text[start..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | 'e'))
        .collect();
    number.parse().ok()
}

/// Half a unit in the 4th significant digit of `x`: how far the screen's
/// rounding can be from the value itself.
fn rounding(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    0.5 * 10f64.powi(x.abs().log10().floor() as i32 - 3)
}

/// The selected connection's line: `w from 2.1 = W: Δw = r·o_in·δ = R·O·D = C`.
struct Spelled {
    weight: f64,
    factors: [f64; 3],
    change: f64,
}

fn spelled(text: &str) -> Option<Spelled> {
    let start = text.find("w from 2.1 = ")?;
    let rest = &text[start + "w from 2.1 = ".len()..];
    let (weight, rest) = rest.split_once(": Δw = r·o_in·δ = ")?;
    let (product, rest) = rest.split_once(" = ")?;
    let change: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | 'e'))
        .collect();
    let factors: Vec<f64> = product
        .split('·')
        .map(|f| f.trim_matches(|c| c == '(' || c == ')').parse().ok())
        .collect::<Option<_>>()?;
    Some(Spelled {
        weight: weight.parse().ok()?,
        factors: factors.try_into().ok()?,
        change: change.parse().ok()?,
    })
}

#[test]
fn the_sample_step_moves_the_weight_by_the_shown_change_at_80x24() {
    if skip_without_tmux() {
        return;
    }
    let dir = workdir("inspector");
    let tmux = Tmux::start("inspector", 80, 24, &dir);
    // A large rate, so that the change is large beside the screen's rounding.
    tmux.send(&[
        &format!("{BIN} --data xor --lr 1 --speed 5; echo EXIT=$?"),
        "Enter",
    ]);
    tmux.wait_for("the dashboard", LONG, |s| s.contains("network 2-8-8-2"));
    tmux.send(&["Space"]);
    tmux.wait_for("the pause", LONG, |s| s.contains("PAUSED"));

    // The first output neuron: its δ = d − o (softmax with cross-entropy), read off the screen.
    tmux.send(&["i"]);
    // What is read below is all in the condition: a screen caught mid-draw is read again.
    let screen = tmux.wait_for(
        "the inspector on output class 0, and the sample marked ◎ on the plane",
        LONG,
        |s| {
            inspector_text(s).is_some_and(|t| t.contains("δ = d−o = "))
                && s.contains("inspector: output class 0 (softmax)")
                && s.contains('◎')
        },
    );
    let text = inspector_text(&screen).unwrap();
    let delta_line = &text[text.find("δ = d−o = ").unwrap()..];
    // δ = d−o = (d−o) = δ: the numbers filled in, then the value.
    let filled = &delta_line["δ = d−o = (".len()..delta_line.find(") = ").unwrap()];
    let (d, o) = filled.split_once('−').unwrap();
    let (d, o): (f64, f64) = (
        d.parse().unwrap(),
        o.trim_matches(['(', ')']).parse().unwrap(),
    );
    let delta = number_after(delta_line, ") = ").unwrap();
    assert!(d == 0.0 || d == 1.0, "{text}");
    assert!(
        (delta - (d - o)).abs() <= rounding(delta) + rounding(o),
        "{text}"
    );

    // Its connection from hidden neuron 2.1: w, and Δw = r·o_in·δ with that δ.
    tmux.send(&["Down"]);
    let screen = tmux.wait_for("the connection", LONG, |s| {
        inspector_text(s).is_some_and(|t| spelled(&t).is_some())
    });
    let before = spelled(&inspector_text(&screen).unwrap()).unwrap();
    let [r, o_in, shown_delta] = before.factors;
    assert_eq!(r, 1.0);
    assert_eq!(shown_delta, delta, "the δ of the δ line");
    let product = r * o_in * shown_delta;
    assert!(
        (before.change - product).abs()
            <= rounding(o_in) * delta.abs()
                + rounding(delta) * o_in.abs()
                + rounding(before.change),
        "Δw {} vs r·o_in·δ {product}",
        before.change
    );
    assert!(
        before.change.abs() > 1e-3,
        "a change to see: {}",
        before.change
    );

    // The sample step: the weight moves by the Δw shown.
    tmux.send(&["e"]);
    let screen = tmux.wait_for("the step, and its log line", LONG, |s| {
        inspector_text(s)
            .and_then(|t| spelled(&t))
            .is_some_and(|after| after.weight != before.weight)
            && s.contains("sample step on sample 1 (batch 1)")
    });
    let after = spelled(&inspector_text(&screen).unwrap()).unwrap();
    let moved = after.weight - before.weight;
    let tolerance = rounding(after.weight) + rounding(before.weight) + rounding(before.change);
    assert!(
        (moved - before.change).abs() <= tolerance,
        "the weight moved {} -> {} ({moved}), the inspector showed Δw = {}\n{screen}",
        before.weight,
        after.weight,
        before.change
    );
    assert!(screen.contains("PAUSED"), "{screen}");

    tmux.send(&["q"]);
    tmux.wait_for("the exit", LONG, |s| s.contains("EXIT=0"));
    let _ = std::fs::remove_dir_all(&dir);
}
