//! Keys that change the data, each a restart (or, for `g`, new points under
//! the same weights): the data set, the kind of problem, the input features,
//! the noise, the training share.

use nn_data::{Feature, Features, Problem};
use nn_train::Setting;

use super::App;
use crate::action::Effect;
use crate::ladders::{NOISE_PERCENT, TRAIN_PERCENT, data_sets, step_within};
use crate::settings::Shape;

impl App {
    /// `d`: the next data set of the same kind.
    pub(super) fn cycle_dataset(&mut self) -> Vec<Effect> {
        let s = &self.settings;
        let sets = data_sets(if s.is_regression() {
            Problem::Regression
        } else {
            Problem::Classification
        });
        let i = sets.iter().position(|&d| d == s.dataset());
        let next = sets[i.map_or(0, |i| (i + 1) % sets.len())];
        self.switch_data(next)
    }

    /// `p`: classification or regression, back to the data set last used for it.
    pub(super) fn toggle_problem(&mut self) -> Vec<Effect> {
        let sets = data_sets(if self.settings.is_regression() {
            Problem::Classification
        } else {
            Problem::Regression
        });
        let back = self.other_problem_dataset.take();
        let next = back
            .as_deref()
            .and_then(|d| sets.iter().find(|&&set| set == d))
            .map_or(sets[0], |d| *d);
        let current = self.settings.dataset();
        if nn_data::PLAYGROUND_GENERATORS
            .iter()
            .any(|&(name, _)| name == current)
        {
            self.other_problem_dataset = Some(current.to_string());
        }
        self.switch_data(next)
    }

    /// `{` and `}`.
    pub(super) fn step_noise(&mut self, up: bool) -> Vec<Effect> {
        let s = &mut self.settings;
        let Some(percent) = s.noise_percent() else {
            self.log("noise applies to generated data");
            return vec![];
        };
        let percent = step_within(percent, 5, &NOISE_PERCENT, up);
        s.run.noise = Some(percent as f32 / 100.0);
        self.changed(
            Setting::Noise,
            Some(format!("noise {percent}%: new data, restarting")),
        )
    }

    /// `(` and `)`.
    pub(super) fn step_train_share(&mut self, up: bool) -> Vec<Effect> {
        let s = &mut self.settings;
        if s.own_test_set {
            let message = format!("{} has its own test set", s.dataset());
            self.log(message);
            return vec![];
        }
        let percent = step_within(s.train_percent(), 10, &TRAIN_PERCENT, up);
        // From the whole percentage, so the fraction is the nearest f32 to
        // 0.2 (printed `0.2`), not 1 - 0.8 (`0.19999999`).
        s.run.test_fraction = Some((100 - percent) as f32 / 100.0);
        self.changed(
            Setting::TestFraction,
            Some(format!("training data {percent}%: restarting")),
        )
    }

    /// `g`: new points from the next data seed, the weights kept: the
    /// Playground's "regenerate", not a new run (which a line with another data
    /// seed would be, as the table's `restart` for it says).
    pub(super) fn regenerate(&mut self) -> Vec<Effect> {
        let s = &mut self.settings;
        if s.run.noise.is_none() {
            self.log("new points need generated data");
            return vec![];
        }
        let seed = s.data_seed().wrapping_add(1);
        s.run.data_seed = Some(seed);
        self.log(format!("new points (data seed {seed}), same weights"));
        vec![Effect::Regenerate]
    }

    /// Another data set: its own kind of problem and columns; features kept
    /// where the new data has the columns they need.
    fn switch_data(&mut self, name: &str) -> Vec<Effect> {
        let s = &mut self.settings;
        let columns = nn_data::generator_columns(name).unwrap_or(2);
        if s.shape() == Shape::Wide {
            // From images or a table to the toy data: the dashboard's 2-D defaults.
            let planar = nn_run::defaults(nn_run::Purpose::Dashboard, columns);
            s.run.hidden = Some(planar.hidden.to_vec());
            s.run.activation = Some(planar.activation);
            s.run.batch_size = Some(planar.batch_size);
            s.run.pace = Some(planar.pace);
        }
        if columns != s.raw_columns || s.run.features.is_none() {
            s.run.features = Some(Features::raw(columns));
        }
        s.run.data = name.to_string();
        s.raw_columns = columns;
        s.own_test_set = false;
        s.run.noise = Some(
            s.run
                .noise
                .unwrap_or_else(|| nn_data::default_noise(name).unwrap_or(0.0)),
        );
        let message = format!("data {name}: restarting");
        self.changed(Setting::Data, Some(message))
    }

    pub(super) fn toggle_feature(&mut self, feature: Feature) -> Vec<Effect> {
        let s = &mut self.settings;
        let Some(features) = s.features() else {
            self.log("features apply to data with the columns x1 and x2");
            return vec![];
        };
        if !s.available_features().contains(&feature) {
            self.log(format!("{} needs the column x2", feature.label()));
            return vec![];
        }
        let Some(toggled) = features.toggled(feature) else {
            self.log("at least one feature stays on");
            return vec![];
        };
        let on = toggled.contains(feature);
        s.inputs = toggled.len();
        s.run.features = Some(toggled);
        let message = format!(
            "{} {}: network {}, restarting",
            feature.label(),
            if on { "on" } else { "off" },
            s.layout()
        );
        self.changed(Setting::Features, Some(message))
    }
}
