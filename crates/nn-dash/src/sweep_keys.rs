//! The sweep table's keys (`nn-tui watch SWEEPDIR`): one table, [`SWEEP_BINDINGS`],
//! drives the key handling, the help overlay, the hint line and the README's list,
//! as `keys::BINDINGS` does for the dashboard.

use crossterm::event::KeyEvent;

use crate::keys::{Binding, Key, action_in, hints_that_fit};

/// What a key asks of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepAction {
    /// The row above.
    Up,
    /// The row below.
    Down,
    /// A page up.
    PageUp,
    /// A page down.
    PageDown,
    /// The first row.
    First,
    /// The last row.
    Last,
    /// Open the selected trial in the run's own view (quitting it comes back).
    Open,
    /// Mark or unmark the selected trial: its curves are shown.
    Mark,
    /// Unmark every trial.
    ClearMarks,
    /// Sort by the next column.
    SortNext,
    /// Sort by the previous column.
    SortPrevious,
    /// Reverse the order.
    Reverse,
    /// Show or hide the keys.
    ToggleHelp,
    /// Close the help.
    CloseHelp,
    /// Leave.
    Quit,
}

/// One line of the sweep table's keys: the help overlay, the hint line and the
/// README's list come from [`SWEEP_BINDINGS`].
pub type SweepBinding = Binding<SweepAction>;

/// The sweep table's keys, most useful first (the hint line shows a prefix).
pub const SWEEP_BINDINGS: &[SweepBinding] = &[
    Binding {
        label: "↑ ↓ j k",
        help: "select a trial",
        hint: Some("↑↓ select"),
        keys: &[
            (Key::Up, SweepAction::Up),
            (Key::Char('k'), SweepAction::Up),
            (Key::Down, SweepAction::Down),
            (Key::Char('j'), SweepAction::Down),
        ],
    },
    Binding {
        label: "Enter",
        help: "open it in the run's view (q back)",
        hint: Some("Enter open"),
        keys: &[(Key::Enter, SweepAction::Open)],
    },
    Binding {
        label: "m space",
        help: "mark it: its curves are shown",
        hint: Some("m mark"),
        keys: &[
            (Key::Char('m'), SweepAction::Mark),
            (Key::Char(' '), SweepAction::Mark),
        ],
    },
    Binding {
        label: "s S",
        help: "sort by the next / previous column",
        hint: Some("s sort"),
        keys: &[
            (Key::Char('s'), SweepAction::SortNext),
            (Key::Char('S'), SweepAction::SortPrevious),
        ],
    },
    Binding {
        label: "r",
        help: "reverse the order",
        hint: Some("r reverse"),
        keys: &[(Key::Char('r'), SweepAction::Reverse)],
    },
    Binding {
        label: "?",
        help: "this help",
        hint: Some("? help"),
        keys: &[(Key::Char('?'), SweepAction::ToggleHelp)],
    },
    Binding {
        label: "q Ctrl-C",
        help: "quit",
        hint: Some("q quit"),
        keys: &[
            (Key::Char('q'), SweepAction::Quit),
            (Key::Ctrl('c'), SweepAction::Quit),
        ],
    },
    Binding {
        label: "c",
        help: "clear the marks (top 5 shown)",
        hint: None,
        keys: &[(Key::Char('c'), SweepAction::ClearMarks)],
    },
    Binding {
        label: "PgUp PgDn",
        help: "a page up / down",
        hint: None,
        keys: &[
            (Key::PageUp, SweepAction::PageUp),
            (Key::PageDown, SweepAction::PageDown),
        ],
    },
    Binding {
        label: "g G",
        help: "first / last row",
        hint: None,
        keys: &[
            (Key::Char('g'), SweepAction::First),
            (Key::Char('G'), SweepAction::Last),
        ],
    },
    Binding {
        label: "Esc",
        help: "close the help",
        hint: None,
        keys: &[(Key::Esc, SweepAction::CloseHelp)],
    },
];

/// The action a key press stands for in the sweep table, if any.
pub fn handle_sweep_key(key: KeyEvent) -> Option<SweepAction> {
    action_in(SWEEP_BINDINGS, key)
}

/// As many hints as fit in `width` columns, two spaces apart.
pub fn sweep_hint_line(width: usize) -> String {
    hints_that_fit(SWEEP_BINDINGS.iter().filter_map(|b| b.hint), width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_in_the_table_is_bound_once() {
        let keys: Vec<Key> = SWEEP_BINDINGS
            .iter()
            .flat_map(|b| b.keys)
            .map(|k| k.0)
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(k), "{k:?} is bound twice");
        }
        assert_eq!(
            sweep_hint_line(80),
            "↑↓ select  Enter open  m mark  s sort  r reverse  ? help  q quit  "
        );
    }

    /// The README's sweep section lists every key of the table.
    #[test]
    fn the_readme_lists_the_sweep_keys() {
        let readme = include_str!("../../../README.md");
        let start = readme
            .find("<!-- sweep-keys -->\n")
            .expect("a <!-- sweep-keys --> marker");
        let end = readme
            .find("<!-- /sweep-keys -->")
            .expect("a <!-- /sweep-keys --> marker");
        let section = &readme[start..end];
        for b in SWEEP_BINDINGS {
            let row = crate::keys::markdown_row(b);
            assert!(
                section.contains(&row),
                "README.md's sweep keys lack the row\n{row}"
            );
        }
    }
}
