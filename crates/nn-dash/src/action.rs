//! What a key or a click asks for ([`Action`]) and what the runtime must do
//! after an update ([`Effect`]).

use nn_data::Feature;
use nn_run::Command;

use crate::selection::{NodeId, Target};

/// What a key or a click asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Space: pause or resume.
    TogglePause,
    /// `n`: one mini-batch step.
    Step,
    /// `r`: new random weights (the seed moves on by one).
    Reset,
    /// `<`: slower.
    SpeedDown,
    /// `>`: faster.
    SpeedUp,
    /// `+`: next rate up the ladder.
    LearningRateUp,
    /// `-`: next rate down the ladder.
    LearningRateDown,
    /// `b`: a smaller batch.
    BatchDown,
    /// `B`: a larger batch.
    BatchUp,
    /// `l`: regularisation none, L1, L2.
    CycleRegularization,
    /// `;`: regularisation rate down.
    RegularizationRateDown,
    /// `'`: regularisation rate up.
    RegularizationRateUp,
    /// `a`: next hidden activation (restarts).
    CycleActivation,
    /// `d`: next data set of the same kind (restarts).
    CycleDataset,
    /// `p`: classification or regression (restarts).
    ToggleProblem,
    /// `1`..`9`: a feature on or off (restarts).
    ToggleFeature(Feature),
    /// `{`: less noise (new data, restarts).
    NoiseDown,
    /// `}`: more noise (new data, restarts).
    NoiseUp,
    /// `(`: less training data (restarts).
    TrainShareDown,
    /// `)`: more training data (restarts).
    TrainShareUp,
    /// `g`: new points from a new data seed (the weights are kept).
    Regenerate,
    /// `t`: show or hide the test points.
    ToggleTestPoints,
    /// `o`: continuous or discretized output.
    ToggleDiscretize,
    /// `[`: one hidden layer fewer (restarts).
    RemoveLayer,
    /// `]`: one hidden layer more (restarts).
    AddLayer,
    /// `,`: fewer neurons in the last hidden layer (restarts).
    FewerNeurons,
    /// `.`: more neurons in the last hidden layer (restarts).
    MoreNeurons,
    /// Tab: select the next node (its map shows large).
    SelectNext,
    /// Shift-Tab: select the previous node.
    SelectPrevious,
    /// Down: the selected neuron's next incoming connection.
    NextLink,
    /// Up: the selected neuron's previous incoming connection.
    PreviousLink,
    /// `i`: show or hide the inspector (the seed's δ and Δw for one neuron and one sample).
    ToggleInspector,
    /// Right: the next neuron (hidden and output neurons only).
    NextNeuron,
    /// Left: the previous neuron.
    PreviousNeuron,
    /// `x`: the next training sample in the inspector.
    NextSample,
    /// `X`: the previous training sample.
    PreviousSample,
    /// `e`: the seed's sample step: one step on the inspected sample alone (batch 1).
    SampleStep,
    /// PgUp: the inspector's text up.
    ScrollUp,
    /// PgDn: the inspector's text down.
    ScrollDown,
    /// A click on a node or connection.
    Click(Target),
    /// The mouse moved over a node or connection, or off them.
    Hover(Option<Target>),
    /// `c`: show or hide the state line.
    ToggleStateLine,
    /// `s`: save the model.
    Save,
    /// `?`: show or hide the key list.
    ToggleHelp,
    /// Esc: close the innermost of the help or state line, then the inspector; never quit.
    CloseOverlay,
    /// `q`, Ctrl-C: leave.
    Quit,
    /// `D`: drawing mode on or off (the drawn points become the data).
    ToggleDrawing,
    /// `w`: write the data on screen as CSV (the drawing, in drawing mode).
    WriteData,
    /// `S`: save the screen (SVG), the boundary and the network (PNG) into the run directory.
    SavePictures,
    /// A key or click of drawing mode (see `crate::drawing`).
    Draw(crate::drawing::DrawAction),
}

impl Action {
    /// Whether the action only changes what is shown, not the run: all that a
    /// read-only dashboard (`nn-tui watch`) takes.
    pub fn only_shows(self) -> bool {
        match self {
            Action::SelectNext
            | Action::SelectPrevious
            | Action::NextLink
            | Action::PreviousLink
            | Action::Hover(_)
            | Action::Click(Target::Link(_))
            | Action::ToggleTestPoints
            | Action::SavePictures
            | Action::ToggleDiscretize
            | Action::ToggleStateLine
            | Action::ToggleHelp
            | Action::CloseOverlay
            | Action::Quit => true,
            // Clicking an input feature toggles it; any other node is only selected.
            Action::Click(Target::Node(node)) => !matches!(node, NodeId::Feature(_)),
            _ => false,
        }
    }
}

/// What the runtime must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a command to the running trainer.
    Send(Command),
    /// Stop the trainer and start a new run from [`App::settings`](crate::app::App::settings) (new data if it changed).
    Restart,
    /// Generate the data again from [`Settings::data_seed`](crate::settings::Settings::data_seed) and train on it, keeping the weights.
    Regenerate,
    /// Leave the dashboard.
    Quit,
    /// Train on the drawn points (they changed).
    TrainOnDrawing,
    /// Write the data on screen (or the drawing) as CSV.
    WriteData,
    /// Save the screen and the pictures of the network (see `crate::pictures`).
    SavePictures,
}
