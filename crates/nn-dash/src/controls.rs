//! Which keys the learner is shown: all of them, a lesson's (the others dimmed
//! in the help and left out of the hint line, but working), or all but those a
//! TensorFlow Playground link hides with its `*_hide` fields (left out and
//! refused, as the Playground removes the control from its page).

use crate::keys::{BINDINGS, Binding};

/// The Playground's controls that its links can hide (`learningRate_hide=true`;
/// `HIDABLE_CONTROLS` in its `playground.ts`) and the key of the table that does
/// the same here.
pub const PLAYGROUND_CONTROLS: [(&str, &str); 15] = [
    ("showTestData", "t"),
    ("discretize", "o"),
    ("playButton", "space"),
    ("stepButton", "n"),
    ("resetButton", "r"),
    ("learningRate", "+ -"),
    ("activation", "a"),
    ("regularization", "l"),
    ("regularizationRate", "; '"),
    ("problem", "p"),
    ("dataset", "d"),
    ("percTrainData", "( )"),
    ("noise", "{ }"),
    ("batchSize", "b B"),
    ("numHiddenLayers", "[ ]"),
];

/// Keys a lesson shows whatever it names: the help and quitting.
const ALWAYS_SHOWN: [&str; 2] = ["?", "q Ctrl-C"];

/// Which keys show, and which work.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyFocus {
    /// Only these bindings (by label) are in the hint line and bright in the help;
    /// the others still work. `None`: all of them.
    pub only: Option<Vec<String>>,
    /// These bindings (by label) are not shown and do nothing (a Playground link hid them).
    pub hidden: Vec<String>,
}

impl KeyFocus {
    /// The keys a Playground link's `*_hide` fields hide, and a notice naming the
    /// hidden controls that have no key here.
    pub fn from_playground(hidden: &[String]) -> (KeyFocus, Option<String>) {
        let mut focus = KeyFocus::default();
        let mut unknown = Vec::new();
        for control in hidden {
            match PLAYGROUND_CONTROLS.iter().find(|(c, _)| c == control) {
                Some((_, label)) => focus.hidden.push((*label).to_string()),
                None => unknown.push(format!("{control}_hide")),
            }
        }
        let notice = (!unknown.is_empty()).then(|| {
            format!(
                "not mapped: {} (no such control here; these can be hidden: {})",
                unknown.join(", "),
                PLAYGROUND_CONTROLS.map(|(c, _)| c).join(", ")
            )
        });
        (focus, notice)
    }

    /// Whether the binding is shown (hint line, bright in the help). Help and quit always are.
    pub fn shows(&self, binding: &Binding) -> bool {
        !self.hides(binding)
            && (ALWAYS_SHOWN.contains(&binding.label)
                || self
                    .only
                    .as_ref()
                    .is_none_or(|only| only.iter().any(|l| l == binding.label)))
    }

    /// Whether the binding is hidden and refused.
    pub fn hides(&self, binding: &Binding) -> bool {
        self.hidden.iter().any(|l| l == binding.label)
    }

    /// The binding a key's action belongs to, if it is hidden.
    pub fn hidden_binding(&self, action: crate::action::Action) -> Option<&'static Binding> {
        BINDINGS
            .iter()
            .find(|b| b.keys.iter().any(|(_, a)| *a == action))
            .filter(|b| self.hides(b))
    }
}

impl KeyFocus {
    /// The hint line: the table's hints for the keys shown; in a lesson its keys in
    /// its order, with what they do when the table has no hint, then help and quit,
    /// as many as fit.
    pub fn hint_line(&self, width: usize, read_only: bool) -> String {
        let Some(only) = &self.only else {
            if self.hidden.is_empty() {
                return crate::keys::hint_line(width, read_only);
            }
            let hints = crate::keys::usable_bindings(read_only)
                .filter(|b| self.shows(b))
                .filter_map(|b| b.hint.map(str::to_string));
            return fit(hints, width, true);
        };
        let usable: Vec<&Binding> = crate::keys::usable_bindings(read_only)
            .filter(|b| self.shows(b))
            .collect();
        let hints = only
            .iter()
            .map(String::as_str)
            .chain(ALWAYS_SHOWN)
            .filter_map(|label| usable.iter().find(|b| b.label == label))
            .map(|b| {
                b.hint
                    .map_or_else(|| format!("{} {}", b.label, b.help), str::to_string)
            });
        fit(hints, width, false)
    }
}

/// Hints two spaces apart within `width`: a prefix (`stop_at_first`), or every one that fits.
fn fit(hints: impl Iterator<Item = String>, width: usize, stop_at_first: bool) -> String {
    let mut text = String::new();
    for hint in hints {
        if text.chars().count() + hint.chars().count() + 2 > width {
            if stop_at_first {
                break;
            }
            continue;
        }
        text.push_str(&hint);
        text.push_str("  ");
    }
    text
}

/// Every label of the key table (what lesson files name keys by).
pub fn key_labels() -> Vec<&'static str> {
    BINDINGS.iter().map(|b| b.label).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_playground_control_maps_to_a_key_of_the_table() {
        let labels = key_labels();
        for (control, label) in PLAYGROUND_CONTROLS {
            assert!(labels.contains(&label), "{control}: no key {label}");
        }
    }

    #[test]
    fn hidden_controls_map_and_unknown_ones_are_named() {
        let (focus, notice) = KeyFocus::from_playground(&["learningRate".into(), "inputs".into()]);
        assert_eq!(focus.hidden, ["+ -"]);
        let notice = notice.unwrap();
        assert!(
            notice.starts_with("not mapped: inputs_hide (no such control"),
            "{notice}"
        );
        let lr = BINDINGS.iter().find(|b| b.label == "+ -").unwrap();
        let space = BINDINGS.iter().find(|b| b.label == "space").unwrap();
        assert!(focus.hides(lr) && !focus.shows(lr));
        assert!(focus.shows(space));
        assert!(
            focus
                .hidden_binding(crate::action::Action::LearningRateUp)
                .is_some()
        );
        assert!(
            focus
                .hidden_binding(crate::action::Action::TogglePause)
                .is_none()
        );
    }

    #[test]
    fn a_lesson_focus_dims_the_others_but_hides_nothing() {
        let focus = KeyFocus {
            only: Some(vec!["e".into()]),
            hidden: Vec::new(),
        };
        let e = BINDINGS.iter().find(|b| b.label == "e").unwrap();
        let space = BINDINGS.iter().find(|b| b.label == "space").unwrap();
        assert!(focus.shows(e) && !focus.shows(space) && !focus.hides(space));
        assert_eq!(
            focus.hint_line(80, false),
            "e step on that sample alone  ? help  q quit  "
        );
        let hidden = KeyFocus {
            only: None,
            hidden: vec!["n".into()],
        };
        assert_eq!(hidden.hint_line(26, false), "space pause  < > speed  ");
    }
}
