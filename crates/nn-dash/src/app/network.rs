//! Keys that change the network's shape, each a restart: the hidden
//! activation, hidden layers and the last hidden layer's neurons.

use nn_train::Setting;

use super::App;
use crate::action::Effect;
use crate::ladders::{ACTIVATIONS, MAX_HIDDEN_LAYERS, neurons_step};
use crate::settings::Shape;

impl App {
    /// `a`.
    pub(super) fn cycle_activation(&mut self) -> Vec<Effect> {
        let s = &mut self.settings;
        let i = ACTIVATIONS.iter().position(|&a| a == s.activation());
        let next = ACTIVATIONS[i.map_or(0, |i| (i + 1) % ACTIVATIONS.len())];
        s.run.activation = Some(next);
        let message = format!("activation {}: restarting", next.name());
        self.changed(Setting::Activation, Some(message))
    }

    /// `[`.
    pub(super) fn remove_layer(&mut self) -> Vec<Effect> {
        let s = &mut self.settings;
        if s.hidden_mut().pop().is_none() {
            self.log("no hidden layer to remove");
            return vec![];
        }
        let message = format!("network {}: restarting", s.layout());
        self.changed(Setting::Hidden, Some(message))
    }

    /// `]`.
    pub(super) fn add_layer(&mut self) -> Vec<Effect> {
        let s = &mut self.settings;
        if s.hidden().len() >= MAX_HIDDEN_LAYERS {
            self.log(format!("at most {MAX_HIDDEN_LAYERS} hidden layers"));
            return vec![];
        }
        let width = s.hidden().last().copied().unwrap_or(4);
        s.hidden_mut().push(width);
        let message = format!("network {}: restarting", s.layout());
        self.changed(Setting::Hidden, Some(message))
    }

    /// `,` and `.`.
    pub(super) fn step_neurons(&mut self, more: bool) -> Vec<Effect> {
        let s = &mut self.settings;
        let planar = s.shape() != Shape::Wide;
        let Some(n) = s.hidden_mut().last_mut() else {
            self.log("no hidden layer: ] adds one");
            return vec![];
        };
        let old = *n;
        *n = neurons_step(old, more, planar);
        if *n == old {
            self.log(format!("{old} neurons is the limit"));
            return vec![];
        }
        let message = format!("network {}: restarting", s.layout());
        self.changed(Setting::Hidden, Some(message))
    }
}
