//! One sample for a saved model, as a user writes it: raw features
//! (`x1=0.5,x2=-1` by the model's feature names, or `0.5,-1` in order) and the
//! desired output (a class name or index, or values); and its [`Breakdown`]
//! after the model's own features and normalisation, as [`Model::predict`] applies them.

use nn_core::{Breakdown, CoreError, Targets};

use crate::config::rules;
use crate::error::TrainError;
use crate::model::Model;

/// Which part of a sample was wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplePart {
    /// The features.
    Input,
    /// The desired output.
    Target,
}

/// What is wrong with a sample as given; the caller names where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}: {problem}")]
pub struct SampleError {
    /// The features or the desired output.
    pub part: SamplePart,
    /// The text as given (cut short if long).
    pub text: String,
    /// What is wrong, and what was expected.
    pub problem: String,
}

/// The desired output of one sample.
#[derive(Debug, Clone, PartialEq)]
pub enum Desired {
    /// A class index (the outputs' one-hot `d`, or `d` itself for a single sigmoid output).
    Class(u32),
    /// One desired value per output.
    Values(Vec<f32>),
}

impl Desired {
    /// As nn-core's targets for a batch of one.
    pub fn targets(&self) -> Targets<'_> {
        match self {
            Desired::Class(c) => Targets::Classes(std::slice::from_ref(c)),
            Desired::Values(v) => Targets::Values(v),
        }
    }
}

/// Longest text an error quotes.
const QUOTED: usize = 40;

fn error(part: SamplePart, text: &str, problem: impl Into<String>) -> SampleError {
    let mut quoted: String = text.chars().take(QUOTED).collect();
    if text.chars().count() > QUOTED {
        quoted.push_str("...");
    }
    SampleError {
        part,
        text: format!("{quoted:?}"),
        problem: problem.into(),
    }
}

fn number(part: SamplePart, whole: &str, text: &str) -> Result<f32, SampleError> {
    match text.trim().parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(error(
            part,
            whole,
            format!("{:?} is not a finite number", text.trim()),
        )),
    }
}

impl Model {
    /// The model's names for the raw columns a sample gives: the stored names,
    /// else `x1`, `x2`, ...
    pub fn input_names(&self) -> Vec<String> {
        let columns = self.raw_columns();
        if self.info.feature_names.len() == columns {
            self.info.feature_names.clone()
        } else {
            (1..=columns).map(|i| format!("x{i}")).collect()
        }
    }

    /// The names of the network's own inputs: the input features (`x1^2`) if the
    /// model computes any, else the raw columns.
    pub fn network_input_names(&self) -> Vec<String> {
        match &self.features {
            Some(f) => f.names(),
            None => self.input_names(),
        }
    }

    /// Raw features of one sample: `name=value` pairs by [`Model::input_names`],
    /// every one exactly once, or the plain values in order.
    pub fn parse_input(&self, text: &str) -> Result<Vec<f32>, SampleError> {
        let part = SamplePart::Input;
        let names = self.input_names();
        let items: Vec<&str> = text.split(',').map(str::trim).collect();
        let expected = || {
            format!(
                "give {} as name=value pairs, or {} values in that order",
                list(&names),
                names.len()
            )
        };
        if items.iter().all(|i| !i.contains('=')) {
            if items.len() != names.len() || text.trim().is_empty() {
                return Err(error(
                    part,
                    text,
                    format!(
                        "{} values given, the model takes {}; {}",
                        if text.trim().is_empty() {
                            0
                        } else {
                            items.len()
                        },
                        names.len(),
                        expected()
                    ),
                ));
            }
            return items.iter().map(|v| number(part, text, v)).collect();
        }
        let mut values: Vec<Option<f32>> = vec![None; names.len()];
        for item in items {
            let Some((name, value)) = item.split_once('=') else {
                return Err(error(
                    part,
                    text,
                    format!("{item:?} has no name; give every value as name=value, or none"),
                ));
            };
            let name = name.trim();
            let Some(at) = names.iter().position(|n| n == name) else {
                return Err(error(
                    part,
                    text,
                    format!(
                        "the model has no input {name:?}; its inputs are {}",
                        list(&names)
                    ),
                ));
            };
            if values[at].is_some() {
                return Err(error(part, text, format!("{name} is given twice")));
            }
            values[at] = Some(number(part, text, value)?);
        }
        let missing: Vec<String> = names
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| n.clone())
            .collect();
        if !missing.is_empty() {
            return Err(error(
                part,
                text,
                format!("missing {}; {}", list(&missing), expected()),
            ));
        }
        Ok(values.into_iter().flatten().collect())
    }

    /// The desired output: a class name or index for a classifier, one value per
    /// output (comma-separated) otherwise.
    pub fn parse_target(&self, text: &str) -> Result<Desired, SampleError> {
        let part = SamplePart::Target;
        let arch = self.network.architecture();
        let classes = &self.info.class_names;
        if !classes.is_empty() {
            let t = text.trim();
            if let Some(c) = classes.iter().position(|c| c == t) {
                return Ok(Desired::Class(c as u32));
            }
            return match t.parse::<usize>() {
                Ok(c) if c < classes.len() => Ok(Desired::Class(c as u32)),
                _ => Err(error(
                    part,
                    text,
                    format!(
                        "expected a class: one of {} or an index 0 to {}",
                        list(classes),
                        classes.len() - 1
                    ),
                )),
            };
        }
        let values: Vec<f32> = text
            .split(',')
            .map(|v| number(part, text, v))
            .collect::<Result<_, _>>()?;
        if values.len() != arch.outputs() {
            return Err(error(
                part,
                text,
                format!(
                    "{} values given, the model has {} outputs; expected one desired value per output",
                    values.len(),
                    arch.outputs()
                ),
            ));
        }
        Ok(Desired::Values(values))
    }

    /// One sample's breakdown at learning rate `r`: the raw columns turned into
    /// the network's inputs as [`Model::predict`] does ([`Model::network_inputs`]:
    /// the input features, then the normalisation), then [`Breakdown::new`].
    pub fn breakdown(
        &self,
        raw: &[f32],
        desired: &Desired,
        r: f32,
    ) -> Result<Breakdown, TrainError> {
        rules::learning_rate(r)?;
        let expected = self.raw_columns();
        if raw.len() != expected {
            return Err(CoreError::NotOneSample {
                expected,
                got: raw.len(),
            }
            .into());
        }
        let inputs = self.network_inputs(raw);
        Ok(Breakdown::new(
            &self.network,
            &inputs,
            &desired.targets(),
            r,
        )?)
    }
}

/// `a, b, c` (the first ten, then how many more).
fn list(names: &[String]) -> String {
    let mut shown: Vec<&str> = names.iter().take(10).map(String::as_str).collect();
    let more = format!("and {} more", names.len().saturating_sub(10));
    if names.len() > 10 {
        shown.push(&more);
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use nn_core::{Activation, Architecture, Loss, ModelInfo, Network};
    use nn_data::{Normalization, NormalizationKind};

    use super::*;

    fn model(classes: &[&str], outputs: usize) -> Model {
        let (output, loss) = if classes.is_empty() {
            (Activation::Linear, Loss::Mse)
        } else {
            (Activation::Softmax, Loss::CrossEntropy)
        };
        let arch = Architecture::new(vec![2, 3, outputs], Activation::Tanh, output, loss).unwrap();
        Model {
            network: Network::new(arch, 5).unwrap(),
            info: ModelInfo {
                class_names: classes.iter().map(ToString::to_string).collect(),
                feature_names: vec!["x1".into(), "x2".into()],
                ..ModelInfo::default()
            },
            normalization: Normalization {
                kind: NormalizationKind::Standardize,
                shift: vec![1.0, -2.0],
                scale: vec![0.5, 4.0],
            },
            features: None,
        }
    }

    #[test]
    fn features_by_name_or_in_order() {
        let m = model(&["no", "yes"], 2);
        assert_eq!(m.parse_input("x2=-1, x1=0.5").unwrap(), vec![0.5, -1.0]);
        assert_eq!(m.parse_input("0.5,-1").unwrap(), vec![0.5, -1.0]);
        let problem = |text: &str| m.parse_input(text).unwrap_err().to_string();
        assert_eq!(
            problem("x1=0.5"),
            "\"x1=0.5\": missing x2; give x1, x2 as name=value pairs, or 2 values in that order"
        );
        assert_eq!(
            problem("x1=1,x3=2"),
            "\"x1=1,x3=2\": the model has no input \"x3\"; its inputs are x1, x2"
        );
        assert_eq!(problem("x1=1,x1=2"), "\"x1=1,x1=2\": x1 is given twice");
        assert_eq!(
            problem("x1=1,x2=abc"),
            "\"x1=1,x2=abc\": \"abc\" is not a finite number"
        );
        assert_eq!(
            problem("x1=1,2"),
            "\"x1=1,2\": \"2\" has no name; give every value as name=value, or none"
        );
        assert!(problem("1,2,3").contains("3 values given, the model takes 2"));
        assert!(problem("").contains("0 values given"));
        assert!(problem("x1=inf,x2=0").contains("not a finite number"));
        assert_eq!(m.parse_input("1").unwrap_err().part, SamplePart::Input);
    }

    #[test]
    fn targets_by_class_name_index_or_values() {
        let m = model(&["no", "yes"], 2);
        assert_eq!(m.parse_target("yes").unwrap(), Desired::Class(1));
        assert_eq!(m.parse_target("0").unwrap(), Desired::Class(0));
        let err = m.parse_target("2").unwrap_err();
        assert_eq!(err.part, SamplePart::Target);
        assert_eq!(
            err.to_string(),
            "\"2\": expected a class: one of no, yes or an index 0 to 1"
        );
        let r = model(&[], 2);
        assert_eq!(
            r.parse_target("0.5, -1").unwrap(),
            Desired::Values(vec![0.5, -1.0])
        );
        assert!(
            r.parse_target("0.5")
                .unwrap_err()
                .to_string()
                .contains("1 values given, the model has 2 outputs")
        );
    }

    #[test]
    fn the_breakdown_sees_the_inputs_normalised_as_predict_does() {
        let m = model(&["no", "yes"], 2);
        let b = m.breakdown(&[0.5, -1.0], &Desired::Class(1), 0.1).unwrap();
        // (x - shift) * scale: (0.5 - 1) * 0.5 and (-1 + 2) * 4.
        assert_eq!(b.inputs, vec![-0.25, 4.0]);
        let rows = vec![0.5, -1.0];
        let predicted = m
            .predict(&rows, &mut nn_core::Workspace::new())
            .unwrap()
            .to_vec();
        let outputs: Vec<f32> = b.layers[1].neurons.iter().map(|n| n.output).collect();
        assert_eq!(outputs, predicted);
        assert!(m.breakdown(&[0.5], &Desired::Class(1), 0.1).is_err());
        let err = m
            .breakdown(&[0.5, 1.0], &Desired::Class(1), 0.0)
            .unwrap_err();
        assert!(matches!(err, TrainError::Setting(_)), "{err}");
    }

    #[test]
    fn a_model_with_input_features_takes_raw_columns_and_computes_them() {
        use nn_data::Feature;
        let arch = Architecture::new(
            vec![3, 2, 2],
            Activation::Tanh,
            Activation::Softmax,
            Loss::CrossEntropy,
        )
        .unwrap();
        let m = Model {
            network: Network::new(arch, 3).unwrap(),
            info: ModelInfo {
                class_names: vec!["a".into(), "b".into()],
                feature_names: vec!["x1".into(), "x2".into()],
                ..ModelInfo::default()
            },
            normalization: Normalization {
                kind: NormalizationKind::Standardize,
                shift: vec![0.0, 0.0, 1.0],
                scale: vec![1.0, 1.0, 2.0],
            },
            features: nn_data::Features::new([Feature::X1, Feature::X2, Feature::X1Squared]),
        };
        assert_eq!(m.input_names(), ["x1", "x2"]);
        assert_eq!(m.network_input_names(), ["x1", "x2", "x1^2"]);
        let raw = m.parse_input("x1=0.5,x2=-1").unwrap();
        let b = m.breakdown(&raw, &Desired::Class(0), 0.1).unwrap();
        // x1^2 = 0.25, then (0.25 - 1) * 2.
        assert_eq!(b.inputs, vec![0.5, -1.0, -1.5]);
        assert!(m.parse_input("0.5,-1,0.25").is_err());
    }
}
