//! What the mouse and the selection point at in the network panel and the
//! plane: nodes, connections, samples; and the inspector's own place in them.

use nn_data::Feature;

/// A node of the network panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeId {
    /// An input feature of 2-D (or 1-D) data, drawn whether it is on or off.
    Feature(Feature),
    /// Input `index` of data without features (images, CSV columns).
    Input(usize),
    /// Neuron `index` of layer `layer` (1: the first hidden layer; the last: the outputs).
    Neuron {
        /// 1-based layer.
        layer: usize,
        /// 0-based neuron.
        index: usize,
    },
}

/// A connection: the weight from input `from` of weight layer `layer` (0-based)
/// to its neuron `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Link {
    /// Weight layer, 0-based (layer 0 connects the inputs to the first hidden layer).
    pub layer: usize,
    /// Index into the layer's inputs.
    pub from: usize,
    /// Index into the layer's neurons.
    pub to: usize,
}

/// What the mouse is over or clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// A node.
    Node(NodeId),
    /// A connection.
    Link(Link),
    /// A training point on the input plane, by its index in the training set.
    Sample(usize),
}

/// The inspector: whether it shows, which training sample it explains, and how far
/// its text is scrolled. The neuron is the selected node ([`Selection::selected`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Inspector {
    /// Shown in place of the curves.
    pub open: bool,
    /// The training sample, by its index in the training set.
    pub sample: usize,
    /// Lines scrolled past.
    pub scroll: usize,
    /// Scroll so that the selected connection's row shows (after Up or Down).
    pub follow_link: bool,
}

/// Lines PgUp and PgDn move the inspector's text.
pub const SCROLL_PAGE: usize = 5;

/// What is picked out: the selected node and connection, what the mouse is
/// over, and the inspector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Selection {
    /// The selected node: its map shows large.
    pub selected: Option<NodeId>,
    /// The selected connection: its weight shows.
    pub selected_link: Option<Link>,
    /// What the mouse is over.
    pub hover: Option<Target>,
    /// The inspector's state.
    pub inspector: Inspector,
}

impl Selection {
    /// The node whose map the boundary panel shows: hovered (if `selectable`
    /// has it), else selected; `None`: the output.
    pub fn shown_node(&self, selectable: &[NodeId]) -> Option<NodeId> {
        match self.hover {
            Some(Target::Node(node)) if selectable.contains(&node) => Some(node),
            _ => self.selected,
        }
    }

    /// The connection whose weight the network panel names: hovered, else selected.
    pub fn shown_link(&self) -> Option<Link> {
        match self.hover {
            Some(Target::Link(link)) => Some(link),
            _ => self.selected_link,
        }
    }
}
