//! The JSON a model file keeps under the header key `nn_tui`, read field by
//! field: a field that is missing, of the wrong type or out of line with the
//! network is an error naming that field, never a silently dropped block.
//!
//! Every list is counted before it is allocated, against what the tensors
//! present allow, so a small file cannot make the loader allocate much more
//! than its own size.

use serde::Deserialize;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::Architecture;
use crate::error::{ModelFileError, excerpt};
use crate::model_file::{FORMAT_VERSION, InputTransform, ModelInfo};

/// The top-level fields, each kept as raw JSON until it is checked on its own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields<'a> {
    /// Read (and checked) before the others; named here only to be a known field.
    #[serde(rename = "format_version")]
    _format_version: Option<IgnoredAny>,
    #[serde(borrow)]
    architecture: Option<&'a RawValue>,
    /// Prose for readers of the file (the seed's loss); checked to be text, not used.
    #[serde(borrow)]
    loss_definition: Option<&'a RawValue>,
    #[serde(borrow)]
    normalization: Option<&'a RawValue>,
    #[serde(borrow)]
    class_names: Option<&'a RawValue>,
    #[serde(borrow)]
    feature_names: Option<&'a RawValue>,
    #[serde(borrow)]
    input_features: Option<&'a RawValue>,
    #[serde(borrow)]
    dataset: Option<&'a RawValue>,
}

/// The metadata, its architecture checked; the rest waits for [`Metadata::info`].
pub(crate) struct Metadata<'a> {
    fields: Fields<'a>,
}

impl<'a> Metadata<'a> {
    /// Reads the top level and the format version.
    pub(crate) fn parse(json: &'a str) -> Result<Self, ModelFileError> {
        /// The version alone, first: a later format may have other fields.
        #[derive(Deserialize)]
        struct Version<'a> {
            #[serde(borrow)]
            format_version: Option<&'a RawValue>,
        }
        let not_ours = |e: serde_json::Error| {
            ModelFileError::BadMetadata(excerpt(&without_position(&e), MESSAGE_CHARS))
        };
        let version: Version<'a> = serde_json::from_str(json).map_err(not_ours)?;
        let raw = version
            .format_version
            .ok_or_else(|| missing("format_version"))?;
        let found: u32 = field("format_version", raw)?;
        if found != FORMAT_VERSION {
            return Err(ModelFileError::UnknownVersion {
                found,
                supported: FORMAT_VERSION,
            });
        }
        let fields: Fields<'a> = serde_json::from_str(json).map_err(not_ours)?;
        Ok(Self { fields })
    }

    /// The architecture, with at most `max_sizes` layer sizes (what the tensors present can hold).
    pub(crate) fn architecture(&self, max_sizes: usize) -> Result<Architecture, ModelFileError> {
        #[derive(Deserialize)]
        struct Sizes<'a> {
            #[serde(borrow)]
            sizes: Option<&'a RawValue>,
        }
        let raw = self
            .fields
            .architecture
            .ok_or_else(|| missing("architecture"))?;
        let sizes: Sizes<'_> = field("architecture", raw)?;
        let sizes = sizes.sizes.ok_or_else(|| missing("architecture.sizes"))?;
        let count = count_at_most("architecture.sizes", sizes, max_sizes)?;
        if count > max_sizes {
            return Err(bad(
                "architecture.sizes",
                format!(
                    "more than {max_sizes} layer sizes, for a file of only {} tensors",
                    max_sizes.saturating_sub(1)
                ),
            ));
        }
        let architecture: Architecture = field("architecture", raw)?;
        architecture
            .validate()
            .map_err(|e| ModelFileError::Architecture(e.to_string()))?;
        Ok(architecture)
    }

    /// The optional fields, checked against the network they describe.
    pub(crate) fn info(&self, architecture: &Architecture) -> Result<ModelInfo, ModelFileError> {
        let (inputs, outputs) = (architecture.inputs(), architecture.outputs());
        if let Some(raw) = self.fields.loss_definition {
            let _: Option<&str> = field("loss_definition", raw)?;
        }
        let normalization = match self.fields.normalization {
            Some(raw) if raw.get() != "null" => Some(normalization(raw, inputs)?),
            _ => None,
        };
        let class_names = match self.fields.class_names {
            // One sigmoid output can stand for two classes.
            Some(raw) => strings("class_names", raw, outputs.max(2), outputs, "output")?,
            None => Vec::new(),
        };
        let fits = class_names.is_empty()
            || class_names.len() == outputs
            || (outputs == 1 && class_names.len() == 2);
        if !fits {
            return Err(bad(
                "class_names",
                format!(
                    "{} names for a network with {outputs} output{}",
                    class_names.len(),
                    plural(outputs)
                ),
            ));
        }
        let input_features = match self.fields.input_features {
            Some(raw) => strings("input_features", raw, inputs, inputs, "input")?,
            None => Vec::new(),
        };
        if !input_features.is_empty() && input_features.len() != inputs {
            return Err(bad(
                "input_features",
                format!(
                    "{} features for a network with {inputs} input{}",
                    input_features.len(),
                    plural(inputs)
                ),
            ));
        }
        // The raw columns: one per input, unless derived features stand between
        // them and the network (then at most as many as there are inputs).
        // Derived features read at most the two raw columns x1 and x2.
        let columns = if input_features.is_empty() {
            inputs
        } else {
            inputs.max(2)
        };
        let feature_names = match self.fields.feature_names {
            Some(raw) => strings("feature_names", raw, columns, inputs, "input")?,
            None => Vec::new(),
        };
        if input_features.is_empty() && !feature_names.is_empty() && feature_names.len() != inputs {
            return Err(bad(
                "feature_names",
                format!(
                    "{} names for a network with {inputs} input{}",
                    feature_names.len(),
                    plural(inputs)
                ),
            ));
        }
        let dataset = match self.fields.dataset {
            Some(raw) => field("dataset", raw)?,
            None => None,
        };
        Ok(ModelInfo {
            normalization,
            class_names,
            feature_names,
            input_features,
            dataset,
        })
    }
}

/// `normalization`: `{kind, shift, scale}`, one finite shift and scale per input.
fn normalization(raw: &RawValue, inputs: usize) -> Result<InputTransform, ModelFileError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw<'a> {
        kind: String,
        #[serde(borrow)]
        shift: &'a RawValue,
        #[serde(borrow)]
        scale: &'a RawValue,
    }
    let parts: Raw<'_> = field("normalization", raw)?;
    let numbers = |name: &'static str, raw: &RawValue| -> Result<Vec<f32>, ModelFileError> {
        let count = count_at_most(name, raw, inputs)?;
        if count != inputs {
            return Err(bad(
                name,
                format!(
                    "{} values for a network with {inputs} input{}",
                    if count > inputs {
                        format!("more than {inputs}")
                    } else {
                        count.to_string()
                    },
                    plural(inputs)
                ),
            ));
        }
        let values: Vec<f32> = field(name, raw)?;
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(bad(name, format!("value {i} is not a finite f32")));
        }
        Ok(values)
    };
    let kind_is_a_name = !parts.kind.is_empty()
        && parts.kind.len() <= 32
        && parts
            .kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !kind_is_a_name {
        return Err(bad(
            "normalization.kind",
            format!(
                "expected a name such as `standardize`, found {:?}",
                parts.kind
            ),
        ));
    }
    let shift = numbers("normalization.shift", parts.shift)?;
    let scale = numbers("normalization.scale", parts.scale)?;
    Ok(InputTransform {
        kind: parts.kind,
        shift,
        scale,
    })
}

/// A list of at most `limit` strings, for a network with `n` `unit`s.
fn strings(
    name: &'static str,
    raw: &RawValue,
    limit: usize,
    n: usize,
    unit: &str,
) -> Result<Vec<String>, ModelFileError> {
    let count = count_at_most(name, raw, limit)?;
    if count > limit {
        return Err(bad(
            name,
            format!(
                "more than {limit} names for a network with {n} {unit}{}",
                plural(n)
            ),
        ));
    }
    field(name, raw)
}

/// Counts the entries of the JSON array `raw` without keeping them, stopping
/// once there are more than `limit` (then returns `limit + 1`).
fn count_at_most(
    name: &'static str,
    raw: &RawValue,
    limit: usize,
) -> Result<usize, ModelFileError> {
    struct Counter(usize);
    impl<'de> Visitor<'de> for Counter {
        type Value = usize;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let mut count = 0;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                count += 1;
                if count > self.0 {
                    // Stop here; the caller reports "more than limit".
                    return Err(de::Error::custom(TOO_MANY));
                }
            }
            Ok(count)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    match de::Deserializer::deserialize_seq(&mut deserializer, Counter(limit)) {
        Ok(count) => Ok(count),
        Err(e) if e.to_string().starts_with(TOO_MANY) => Ok(limit + 1),
        Err(e) => Err(bad(name, without_position(&e))),
    }
}

const TOO_MANY: &str = "too many entries";

/// Longest error text quoted from a file (values can be megabytes long).
const MESSAGE_CHARS: usize = 120;

/// Deserialises one field, naming it in the error.
fn field<'a, T: Deserialize<'a>>(
    name: &'static str,
    raw: &'a RawValue,
) -> Result<T, ModelFileError> {
    serde_json::from_str(raw.get()).map_err(|e| bad(name, without_position(&e)))
}

/// serde_json's message without its "at line 1 column 7" (the position is within one field).
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

fn bad(field: &'static str, message: impl AsRef<str>) -> ModelFileError {
    ModelFileError::BadField {
        field,
        message: excerpt(message.as_ref(), MESSAGE_CHARS),
    }
}

fn missing(field: &'static str) -> ModelFileError {
    bad(field, "missing")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
