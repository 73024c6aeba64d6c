//! Keys and clicks that pick out what is shown: nodes, connections, the
//! inspector's neuron and sample (and the sample step on it), scrolling, the
//! mouse, and closing what is open.

use nn_run::{Command, RunState};

use super::App;
use crate::action::Effect;
use crate::selection::{Link, NodeId, SCROLL_PAGE, Target};

impl App {
    /// Tab and Shift-Tab: the next or previous node, with a stop at none (the output's decision).
    pub(super) fn select_node(&mut self, next: bool) -> Vec<Effect> {
        let nodes = self.settings.selectable();
        let sel = &mut self.selection;
        let at = sel
            .selected
            .and_then(|n| nodes.iter().position(|&m| m == n));
        // `None` is a stop in the cycle: the output's decision again.
        let count = nodes.len() + 1;
        let current = at.map_or(nodes.len(), |i| i);
        let next = if next {
            (current + 1) % count
        } else {
            (current + count - 1) % count
        };
        sel.selected = nodes.get(next).copied();
        sel.selected_link = None;
        vec![]
    }

    /// Down and Up: the selected neuron's next or previous incoming connection.
    pub(super) fn select_link(&mut self, next: bool) -> Vec<Effect> {
        let Some(NodeId::Neuron { layer, index }) = self.selection.selected else {
            self.log("Tab selects a neuron first; Up and Down then walk its inputs");
            return vec![];
        };
        let inputs = self.settings.sizes()[layer - 1];
        let sel = &mut self.selection;
        let from = match sel.selected_link {
            Some(link) if next => (link.from + 1) % inputs,
            Some(link) => (link.from + inputs - 1) % inputs,
            None if next => 0,
            None => inputs - 1,
        };
        sel.selected_link = Some(Link {
            layer: layer - 1,
            from,
            to: index,
        });
        sel.inspector.follow_link = true;
        vec![]
    }

    /// `i`.
    pub(super) fn toggle_inspector(&mut self) -> Vec<Effect> {
        let inspector = &mut self.selection.inspector;
        inspector.open = !inspector.open;
        if inspector.open {
            self.inspect_a_neuron();
        }
        vec![]
    }

    /// Right and Left: the next or previous hidden or output neuron.
    pub(super) fn select_neuron(&mut self, next: bool) -> Vec<Effect> {
        let neurons: Vec<NodeId> = self
            .settings
            .selectable()
            .into_iter()
            .filter(|n| matches!(n, NodeId::Neuron { .. }))
            .collect();
        if neurons.is_empty() {
            return vec![];
        }
        let sel = &mut self.selection;
        let at = sel
            .selected
            .and_then(|n| neurons.iter().position(|&m| m == n));
        let count = neurons.len();
        let next = match at {
            Some(i) if next => (i + 1) % count,
            Some(i) => (i + count - 1) % count,
            // From nothing or an input: the first hidden neuron, or the last output.
            None if next => 0,
            None => count - 1,
        };
        sel.selected = Some(neurons[next]);
        sel.selected_link = None;
        sel.inspector.scroll = 0;
        vec![]
    }

    /// `x` and `X` (`clicked`: `None`), or a click on training sample `clicked`:
    /// the inspector's sample, opening the inspector.
    pub(super) fn select_sample(&mut self, clicked: Option<usize>, next: bool) -> Vec<Effect> {
        let n = self.train_samples;
        if n == 0 {
            self.log("no training samples to inspect");
            return vec![];
        }
        let inspector = &mut self.selection.inspector;
        let i = inspector.sample.min(n - 1);
        inspector.sample = match clicked {
            Some(j) => j.min(n - 1),
            None if next => (i + 1) % n,
            None => (i + n - 1) % n,
        };
        if !inspector.open {
            inspector.open = true;
            self.inspect_a_neuron();
        }
        vec![]
    }

    /// PgUp and PgDn.
    pub(super) fn scroll(&mut self, down: bool) -> Vec<Effect> {
        let i = &mut self.selection.inspector;
        i.follow_link = false;
        i.scroll = if down {
            i.scroll + SCROLL_PAGE
        } else {
            i.scroll.saturating_sub(SCROLL_PAGE)
        };
        vec![]
    }

    /// A click on a node: selected, or no longer if it was.
    pub(super) fn click_node(&mut self, node: NodeId) -> Vec<Effect> {
        let sel = &mut self.selection;
        sel.selected = (sel.selected != Some(node)).then_some(node);
        sel.selected_link = None;
        vec![]
    }

    /// A click on a connection: selected, or no longer if it was.
    pub(super) fn click_link(&mut self, link: Link) -> Vec<Effect> {
        let sel = &mut self.selection;
        sel.selected_link = (sel.selected_link != Some(link)).then_some(link);
        vec![]
    }

    /// The mouse over a node, a connection, a sample or nothing.
    pub(super) fn hover(&mut self, target: Option<Target>) -> Vec<Effect> {
        // Over the plane, the map stays as it is.
        self.selection.hover = target.filter(|t| !matches!(t, Target::Sample(_)));
        vec![]
    }

    /// Esc: the innermost of an overlay and the inspector.
    pub(super) fn close_overlay(&mut self) -> Vec<Effect> {
        // The innermost first: an overlay is drawn over the inspector.
        if self.view.overlay.is_some() {
            self.view.overlay = None;
        } else if self.selection.inspector.open {
            self.selection.inspector.open = false;
        } else {
            self.log("nothing to close: q quits");
        }
        vec![]
    }

    /// The neuron the inspector shows: the selected one, else the first output.
    fn inspect_a_neuron(&mut self) {
        let sel = &mut self.selection;
        if !matches!(sel.selected, Some(NodeId::Neuron { .. })) {
            sel.selected = Some(NodeId::Neuron {
                layer: self.settings.hidden().len() + 1,
                index: 0,
            });
            sel.selected_link = None;
        }
        let n = self.train_samples;
        sel.inspector.sample = sel.inspector.sample.min(n.saturating_sub(1));
    }

    /// `e`: paused, one plain step on the inspected sample alone, exactly the
    /// `Δw` the inspector shows (for plain SGD); running, a pause first, so that
    /// the inspector shows the weights the step will start from.
    pub(super) fn sample_step(&mut self) -> Vec<Effect> {
        if !self.selection.inspector.open {
            self.selection.inspector.open = true;
            self.inspect_a_neuron();
        }
        let sample = self.selection.inspector.sample;
        match self.status.state {
            RunState::Running => {
                self.status.state = RunState::Paused;
                self.log(format!(
                    "paused: the inspector shows what e applies; e again steps on sample {}",
                    sample + 1
                ));
                vec![Effect::Send(Command::Pause)]
            }
            RunState::Diverged(_) => {
                self.log("training diverged: r resets the weights, - lowers the rate");
                vec![]
            }
            _ if self.train_samples == 0 => {
                self.log("no training samples to step on");
                vec![]
            }
            _ => {
                self.log(format!("sample step on sample {} (batch 1)", sample + 1));
                vec![Effect::Send(Command::StepOn(vec![sample]))]
            }
        }
    }
}
