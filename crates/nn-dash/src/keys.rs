//! The key table: every binding once, with its action, its line in the help
//! overlay and its hint in the status bar. Key handling, the help and the hint
//! line are all generated from [`BINDINGS`], so they cannot disagree. A
//! [`Binding`] is generic over the action, so the sweep's table
//! (`sweep_keys.rs`) is the same kind of table, read by the same functions.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use nn_data::Feature;

use crate::action::Action;

/// A key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character (shifted characters are their own: `+`, `?`).
    Char(char),
    /// Escape.
    Esc,
    /// Control and a letter.
    Ctrl(char),
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// The up arrow.
    Up,
    /// The down arrow.
    Down,
    /// The left arrow.
    Left,
    /// The right arrow.
    Right,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Enter (the sweep's table: open a trial).
    Enter,
}

/// One line of a key table; `A` is what its keys stand for (the dashboard's
/// [`Action`], or the sweep table's own).
#[derive(Debug, Clone, Copy)]
pub struct Binding<A: 'static = Action> {
    /// The keys as the help overlay shows them: `space`, `+ -`.
    pub label: &'static str,
    /// What they do, for the help overlay.
    pub help: &'static str,
    /// The status bar's hint, for the keys worth one (in table order, as many as fit).
    pub hint: Option<&'static str>,
    /// Each key and the action it stands for.
    pub keys: &'static [(Key, A)],
}

/// The action a key press stands for in `table`, if any.
pub fn action_in<A: Copy>(table: &[Binding<A>], key: KeyEvent) -> Option<A> {
    let key = key_of(key)?;
    table
        .iter()
        .flat_map(|b| b.keys)
        .find(|(k, _)| *k == key)
        .map(|&(_, action)| action)
}

/// As many of `hints` as fit in `width` columns, two spaces apart, in order.
pub fn hints_that_fit<'a>(hints: impl Iterator<Item = &'a str>, width: usize) -> String {
    let mut text = String::new();
    for hint in hints {
        if text.chars().count() + hint.chars().count() + 2 > width {
            break;
        }
        text.push_str(hint);
        text.push_str("  ");
    }
    text
}

/// A binding's row in the README's Markdown tables: `| `+` `-` | does |`.
#[cfg(test)]
pub(crate) fn markdown_row<A>(binding: &Binding<A>) -> String {
    let keys: Vec<String> = binding.label.split(' ').map(|k| format!("`{k}`")).collect();
    format!("| {} | {} |", keys.join(" "), binding.help)
}

use Key::{BackTab, Char, Ctrl, Down, Enter, Esc, Left, PageDown, PageUp, Right, Tab, Up};

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
        label: "< >",
        help: "slower / faster (1/s to max)",
        hint: Some("< > speed"),
        keys: &[(Char('<'), Action::SpeedDown), (Char('>'), Action::SpeedUp)],
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
        label: "Esc",
        help: "close help / inspector",
        hint: None,
        keys: &[(Esc, Action::CloseOverlay)],
    },
    Binding {
        label: "q Ctrl-C",
        help: "quit",
        hint: Some("q quit"),
        keys: &[(Char('q'), Action::Quit), (Ctrl('c'), Action::Quit)],
    },
    Binding {
        label: "1-9",
        help: "input feature on / off",
        hint: Some("1-9 features"),
        keys: &[
            (Char('1'), Action::ToggleFeature(Feature::X1)),
            (Char('2'), Action::ToggleFeature(Feature::X2)),
            (Char('3'), Action::ToggleFeature(Feature::X1Squared)),
            (Char('4'), Action::ToggleFeature(Feature::X2Squared)),
            (Char('5'), Action::ToggleFeature(Feature::X1X2)),
            (Char('6'), Action::ToggleFeature(Feature::SinX1)),
            (Char('7'), Action::ToggleFeature(Feature::SinX2)),
            (Char('8'), Action::ToggleFeature(Feature::CosX1)),
            (Char('9'), Action::ToggleFeature(Feature::CosX2)),
        ],
    },
    Binding {
        label: "r",
        help: "new weights (next seed)",
        hint: Some("r reset"),
        keys: &[(Char('r'), Action::Reset)],
    },
    Binding {
        label: "d",
        help: "next data set",
        hint: Some("d data"),
        keys: &[(Char('d'), Action::CycleDataset)],
    },
    Binding {
        label: "p",
        help: "classification / regression",
        hint: Some("p problem"),
        keys: &[(Char('p'), Action::ToggleProblem)],
    },
    Binding {
        label: "c",
        help: "show the state line",
        hint: Some("c state"),
        keys: &[(Char('c'), Action::ToggleStateLine)],
    },
    Binding {
        label: "b B",
        help: "batch size down / up",
        hint: Some("b B batch"),
        keys: &[(Char('b'), Action::BatchDown), (Char('B'), Action::BatchUp)],
    },
    Binding {
        label: "a",
        help: "next activation",
        hint: Some("a act"),
        keys: &[(Char('a'), Action::CycleActivation)],
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
        label: "l",
        help: "regularisation none/L1/L2",
        hint: Some("l reg"),
        keys: &[(Char('l'), Action::CycleRegularization)],
    },
    Binding {
        label: "; '",
        help: "regularisation rate down/up",
        hint: None,
        keys: &[
            (Char(';'), Action::RegularizationRateDown),
            (Char('\''), Action::RegularizationRateUp),
        ],
    },
    Binding {
        label: "{ }",
        help: "noise down / up (new data)",
        hint: Some("{ } noise"),
        keys: &[(Char('{'), Action::NoiseDown), (Char('}'), Action::NoiseUp)],
    },
    Binding {
        label: "( )",
        help: "less / more training data",
        hint: None,
        keys: &[
            (Char('('), Action::TrainShareDown),
            (Char(')'), Action::TrainShareUp),
        ],
    },
    Binding {
        label: "g",
        help: "new points (next data seed)",
        hint: None,
        keys: &[(Char('g'), Action::Regenerate)],
    },
    Binding {
        label: "t",
        help: "show / hide the test points",
        hint: None,
        keys: &[(Char('t'), Action::ToggleTestPoints)],
    },
    Binding {
        label: "o",
        help: "discretize the output",
        hint: None,
        keys: &[(Char('o'), Action::ToggleDiscretize)],
    },
    Binding {
        label: "Tab S-Tab",
        help: "select a node: its map shows",
        hint: None,
        keys: &[(Tab, Action::SelectNext), (BackTab, Action::SelectPrevious)],
    },
    Binding {
        label: "Up Down",
        help: "its connections: weights",
        hint: None,
        keys: &[(Up, Action::PreviousLink), (Down, Action::NextLink)],
    },
    Binding {
        label: "i",
        help: "the inspector: δ and Δw",
        hint: Some("i inspect"),
        keys: &[(Char('i'), Action::ToggleInspector)],
    },
    Binding {
        label: "Left Right",
        help: "previous / next neuron",
        hint: None,
        keys: &[(Left, Action::PreviousNeuron), (Right, Action::NextNeuron)],
    },
    Binding {
        label: "x X",
        help: "next / previous sample",
        hint: None,
        keys: &[
            (Char('x'), Action::NextSample),
            (Char('X'), Action::PreviousSample),
        ],
    },
    Binding {
        label: "e",
        help: "step on that sample alone",
        hint: None,
        keys: &[(Char('e'), Action::SampleStep)],
    },
    Binding {
        label: "PgUp PgDn",
        help: "scroll the inspector",
        hint: None,
        keys: &[(PageUp, Action::ScrollUp), (PageDown, Action::ScrollDown)],
    },
    Binding {
        label: "s",
        help: "save the model",
        hint: Some("s save"),
        keys: &[(Char('s'), Action::Save)],
    },
    Binding {
        label: "S",
        help: "save the screen and pictures",
        hint: None,
        keys: &[(Char('S'), Action::SavePictures)],
    },
    Binding {
        label: "D",
        help: "draw points (1-8, x, C)",
        hint: Some("D draw"),
        keys: &[(Char('D'), Action::ToggleDrawing)],
    },
    Binding {
        label: "w",
        help: "write the data as CSV",
        hint: None,
        keys: &[(Char('w'), Action::WriteData)],
    },
];

/// The action a key press stands for, if any.
pub fn handle_key(key: KeyEvent) -> Option<Action> {
    action_in(BINDINGS, key)
}

/// A key press as the key tables name it (`None`: a release, or a key no table uses).
pub fn key_of(key: KeyEvent) -> Option<Key> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    Some(match key.code {
        KeyCode::Esc => Esc,
        KeyCode::Tab => Tab,
        KeyCode::BackTab => BackTab,
        KeyCode::Up => Up,
        KeyCode::Down => Down,
        KeyCode::Left => Left,
        KeyCode::Right => Right,
        KeyCode::PageUp => PageUp,
        KeyCode::PageDown => PageDown,
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::CONTROL) => {
            Ctrl(c.to_ascii_lowercase())
        }
        KeyCode::Char(c) => Char(c),
        KeyCode::Enter => Enter,
        _ => return None,
    })
}

/// The bindings that work: all of them, or, read-only (watching another process's
/// run), only those whose keys change what is shown.
pub fn usable_bindings(read_only: bool) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| !read_only || b.keys.iter().all(|(_, a)| a.only_shows()))
}

/// As many hints as fit in `width` columns, two spaces apart.
pub fn hint_line(width: usize, read_only: bool) -> String {
    hints_that_fit(usable_bindings(read_only).filter_map(|b| b.hint), width)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key table as the README shows it (a Markdown table): `the_readme_lists_every_key`
    /// checks that the README holds exactly this.
    fn markdown_table() -> String {
        use std::fmt::Write as _;
        let mut table = String::from("| key | does |\n|---|---|\n");
        for b in BINDINGS {
            let _ = writeln!(table, "{}", markdown_row(b));
        }
        table
    }

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
                    Tab => press(KeyCode::Tab, KeyModifiers::NONE),
                    BackTab => press(KeyCode::BackTab, KeyModifiers::SHIFT),
                    Up => press(KeyCode::Up, KeyModifiers::NONE),
                    Down => press(KeyCode::Down, KeyModifiers::NONE),
                    Left => press(KeyCode::Left, KeyModifiers::NONE),
                    Right => press(KeyCode::Right, KeyModifiers::NONE),
                    PageUp => press(KeyCode::PageUp, KeyModifiers::NONE),
                    PageDown => press(KeyCode::PageDown, KeyModifiers::NONE),
                    Enter => press(KeyCode::Enter, KeyModifiers::NONE),
                };
                assert_eq!(handle_key(event), Some(action), "{key:?}");
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
        assert_eq!(handle_key(esc), Some(Action::CloseOverlay));
        let shift_plus = press(KeyCode::Char('+'), KeyModifiers::SHIFT);
        assert_eq!(handle_key(shift_plus), Some(Action::LearningRateUp));
        let ctrl_upper_c = press(KeyCode::Char('C'), KeyModifiers::CONTROL);
        assert_eq!(handle_key(ctrl_upper_c), Some(Action::Quit));
        assert_eq!(
            handle_key(press(KeyCode::Char('z'), KeyModifiers::NONE)),
            None
        );
        let ctrl_x = press(KeyCode::Char('x'), KeyModifiers::CONTROL);
        assert_eq!(handle_key(ctrl_x), None);
        let mut release = press(KeyCode::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(handle_key(release), None);
    }

    /// The README's key table is this table: regenerate it with `markdown_table()`
    /// (the failure message prints it) when a key changes.
    #[test]
    fn the_readme_lists_every_key() {
        let readme = include_str!("../../../README.md");
        let start = readme
            .find("<!-- keys -->\n")
            .expect("a <!-- keys --> marker")
            + 14;
        let end = readme
            .find("<!-- /keys -->")
            .expect("a <!-- /keys --> marker");
        let table = markdown_table();
        assert!(
            readme[start..end].trim_end() == table.trim_end(),
            "README.md's key table differs from keys::BINDINGS; put this between the markers:\n{table}"
        );
    }

    #[test]
    fn the_hint_line_is_a_prefix_of_the_table() {
        assert_eq!(hint_line(33, false), "space pause  n step  < > speed  ");
        assert!(hint_line(400, false).ends_with("s save  D draw  "));
        assert_eq!(hint_line(5, false), "");
        // Watching another process's run: only the keys that change what is shown.
        assert_eq!(hint_line(400, true), "? help  q quit  c state  ");
    }
}
