//! The key table: every binding once, with its action, its line in the help
//! overlay and its hint in the status bar. Key handling, the help and the hint
//! line are all generated from [`BINDINGS`], so they cannot disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::app::Action;

/// A key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character (shifted characters are their own: `+`, `?`).
    Char(char),
    /// Escape.
    Esc,
    /// Control and a letter.
    Ctrl(char),
}

/// One line of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The keys as the help overlay shows them: `space`, `+ -`.
    pub label: &'static str,
    /// What they do, for the help overlay.
    pub help: &'static str,
    /// The status bar's hint, for the keys worth one (in table order, as many as fit).
    pub hint: Option<&'static str>,
    /// Each key and the action it stands for.
    pub keys: &'static [(Key, Action)],
}

use Key::{Char, Ctrl, Esc};

/// Every key binding, most useful first (the hint line shows a prefix of them).
pub const BINDINGS: &[Binding] = &[
    Binding {
        label: "space",
        help: "pause / resume",
        hint: Some("space pause"),
        keys: &[(Char(' '), Action::TogglePause)],
    },
    Binding {
        label: "n",
        help: "one step (pauses)",
        hint: Some("n step"),
        keys: &[(Char('n'), Action::Step)],
    },
    Binding {
        label: "+ -",
        help: "learning rate up / down",
        hint: Some("+/- lr"),
        keys: &[
            (Char('+'), Action::LearningRateUp),
            (Char('='), Action::LearningRateUp),
            (Char('-'), Action::LearningRateDown),
            (Char('_'), Action::LearningRateDown),
        ],
    },
    Binding {
        label: "?",
        help: "this help",
        hint: Some("? help"),
        keys: &[
            (Char('?'), Action::ToggleHelp),
            (Char('h'), Action::ToggleHelp),
        ],
    },
    Binding {
        label: "q Esc",
        help: "quit",
        hint: Some("q quit"),
        keys: &[(Char('q'), Action::Quit), (Esc, Action::Quit)],
    },
    Binding {
        label: "Ctrl-C",
        help: "quit",
        hint: None,
        keys: &[(Ctrl('c'), Action::Quit)],
    },
    Binding {
        label: "r",
        help: "reset the weights",
        hint: Some("r reset"),
        keys: &[(Char('r'), Action::Reset)],
    },
    Binding {
        label: "b",
        help: "cycle the batch size",
        hint: Some("b batch"),
        keys: &[(Char('b'), Action::CycleBatchSize)],
    },
    Binding {
        label: "a",
        help: "cycle the activation",
        hint: Some("a act"),
        keys: &[(Char('a'), Action::CycleActivation)],
    },
    Binding {
        label: "d",
        help: "cycle the dataset",
        hint: Some("d data"),
        keys: &[(Char('d'), Action::CycleDataset)],
    },
    Binding {
        label: "[ ]",
        help: "remove / add a hidden layer",
        hint: Some("[ ] layers"),
        keys: &[
            (Char('['), Action::RemoveLayer),
            (Char(']'), Action::AddLayer),
        ],
    },
    Binding {
        label: ", .",
        help: "fewer / more neurons",
        hint: Some(", . neurons"),
        keys: &[
            (Char(','), Action::FewerNeurons),
            (Char('.'), Action::MoreNeurons),
        ],
    },
    Binding {
        label: "s",
        help: "save the model",
        hint: Some("s save"),
        keys: &[(Char('s'), Action::Save)],
    },
];

/// The action a key press stands for, if any; `help_open` makes Esc close the help
/// instead of quitting.
pub fn handle_key(key: KeyEvent, help_open: bool) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let key = match key.code {
        KeyCode::Esc if help_open => return Some(Action::ToggleHelp),
        KeyCode::Esc => Esc,
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::CONTROL) => {
            Ctrl(c.to_ascii_lowercase())
        }
        KeyCode::Char(c) => Char(c),
        _ => return None,
    };
    BINDINGS
        .iter()
        .flat_map(|b| b.keys)
        .find(|(k, _)| *k == key)
        .map(|&(_, action)| action)
}

/// As many hints as fit in `width` columns, two spaces apart.
pub fn hint_line(width: usize) -> String {
    let mut text = String::new();
    for hint in BINDINGS.iter().filter_map(|b| b.hint) {
        if text.len() + hint.len() + 2 > width {
            break;
        }
        text.push_str(hint);
        text.push_str("  ");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn every_key_in_the_table_maps_to_its_action() {
        for binding in BINDINGS {
            for &(key, action) in binding.keys {
                let event = match key {
                    Char(c) => press(KeyCode::Char(c), KeyModifiers::NONE),
                    Esc => press(KeyCode::Esc, KeyModifiers::NONE),
                    Ctrl(c) => press(KeyCode::Char(c), KeyModifiers::CONTROL),
                };
                assert_eq!(handle_key(event, false), Some(action), "{key:?}");
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice() {
        let keys: Vec<Key> = BINDINGS.iter().flat_map(|b| b.keys).map(|k| k.0).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(k), "{k:?} is bound twice");
        }
    }

    #[test]
    fn special_keys() {
        let esc = press(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(handle_key(esc, false), Some(Action::Quit));
        assert_eq!(handle_key(esc, true), Some(Action::ToggleHelp));
        let shift_plus = press(KeyCode::Char('+'), KeyModifiers::SHIFT);
        assert_eq!(handle_key(shift_plus, false), Some(Action::LearningRateUp));
        let ctrl_upper_c = press(KeyCode::Char('C'), KeyModifiers::CONTROL);
        assert_eq!(handle_key(ctrl_upper_c, false), Some(Action::Quit));
        assert_eq!(
            handle_key(press(KeyCode::Char('z'), KeyModifiers::NONE), false),
            None
        );
        let ctrl_x = press(KeyCode::Char('x'), KeyModifiers::CONTROL);
        assert_eq!(handle_key(ctrl_x, false), None);
        let mut release = press(KeyCode::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(handle_key(release, false), None);
    }

    #[test]
    fn the_hint_line_is_a_prefix_of_the_table() {
        assert_eq!(hint_line(30), "space pause  n step  +/- lr  ");
        assert!(hint_line(200).ends_with("s save  "));
        assert_eq!(hint_line(5), "");
    }
}
