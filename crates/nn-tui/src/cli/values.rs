//! Named values of the flags: activations, losses, schedules, plot modes, and
//! their conversions to what the libraries take.

use clap::ValueEnum;
use nn_core::{Activation, Loss};
use nn_run::ScheduleChoice;

/// Activations a hidden layer may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HiddenActivation {
    /// The seed's 1 / (1 + e^-z).
    Sigmoid,
    /// tanh z.
    Tanh,
    /// max(0, z).
    Relu,
    /// z.
    Linear,
}

impl From<HiddenActivation> for Activation {
    fn from(a: HiddenActivation) -> Self {
        match a {
            HiddenActivation::Sigmoid => Activation::Sigmoid,
            HiddenActivation::Tanh => Activation::Tanh,
            HiddenActivation::Relu => Activation::Relu,
            HiddenActivation::Linear => Activation::Linear,
        }
    }
}

/// Activations the output layer may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputActivation {
    /// Independent probabilities (with mse or bce).
    Sigmoid,
    /// A distribution over the classes (with ce).
    Softmax,
    /// Regression outputs.
    Linear,
    /// tanh z.
    Tanh,
    /// max(0, z).
    Relu,
}

impl From<OutputActivation> for Activation {
    fn from(a: OutputActivation) -> Self {
        match a {
            OutputActivation::Sigmoid => Activation::Sigmoid,
            OutputActivation::Softmax => Activation::Softmax,
            OutputActivation::Linear => Activation::Linear,
            OutputActivation::Tanh => Activation::Tanh,
            OutputActivation::Relu => Activation::Relu,
        }
    }
}

/// Losses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LossArg {
    /// PyTorch's MSELoss: the mean of (d - o)^2 over outputs and batch.
    Mse,
    /// The seed's 1/2 sum_k (d_k - o_k)^2 per sample, mean over the batch: K/2 times mse's gradient.
    Seed,
    /// PyTorch's CrossEntropyLoss over a softmax output.
    Ce,
    /// PyTorch's BCELoss over sigmoid outputs (the mean over outputs).
    Bce,
}

impl From<LossArg> for Loss {
    fn from(l: LossArg) -> Self {
        match l {
            LossArg::Mse => Loss::Mse,
            LossArg::Seed => Loss::Seed,
            LossArg::Ce => Loss::CrossEntropy,
            LossArg::Bce => Loss::BinaryCrossEntropy,
        }
    }
}

/// Learning-rate schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScheduleArg {
    /// The same rate throughout.
    Constant,
    /// Multiply by --step-factor every --step-every epochs.
    Step,
    /// Cosine annealing over --epochs.
    Cosine,
}

impl From<ScheduleArg> for ScheduleChoice {
    fn from(s: ScheduleArg) -> Self {
        match s {
            ScheduleArg::Constant => ScheduleChoice::Constant,
            ScheduleArg::Step => ScheduleChoice::Step,
            ScheduleArg::Cosine => ScheduleChoice::Cosine,
        }
    }
}

/// Plot drawing modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlotArg {
    /// Unicode braille dots.
    Braille,
    /// Block characters.
    Block,
    /// Plain ASCII.
    Ascii,
}

impl From<PlotArg> for nn_dash::PlotMode {
    fn from(p: PlotArg) -> Self {
        match p {
            PlotArg::Braille => nn_dash::PlotMode::Braille,
            PlotArg::Block => nn_dash::PlotMode::Block,
            PlotArg::Ascii => nn_dash::PlotMode::Ascii,
        }
    }
}
