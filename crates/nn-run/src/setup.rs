//! From what a user types to data: data specs (`spiral`, `mnist`, a CSV path,
//! an IDX folder) resolved into [`TrainData`]. Shared by the command line and
//! the dashboard so both mean the same thing.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use nn_data::{
    CsvOptions, DEFAULT_SAMPLES, DEFAULT_SEED, DataError, Dataset, Features, GENERATORS,
    NormalizationKind, default_noise, generate, is_generator,
};

use nn_train::TrainData;
use nn_train::TrainError;
use nn_train::{Setting, SettingError, rules};

/// Where the data comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSpec {
    /// A built-in generator (`xor`, `circle`, `gauss`, `spiral`, `moons`, `blobs`, `plane`, `reg-gauss`, `sine`).
    Generator(String),
    /// The MNIST files shipped in `datasets/mnist` (its own 10,000 test images are the test set).
    Mnist,
    /// A folder holding MNIST-format IDX files (`train-images-idx3-ubyte[.gz]`, ...).
    IdxFolder(PathBuf),
    /// A CSV file with a header row.
    Csv(PathBuf),
    /// A CSV file with a header row on standard input (`-`), read once per process.
    Stdin,
}

impl DataSpec {
    /// Parses a spec: a generator name, `mnist`, an existing folder (IDX) or file (CSV),
    /// or `-` for a CSV file on standard input.
    pub fn parse(spec: &str) -> Result<Self, TrainError> {
        if spec == "-" {
            return Ok(Self::Stdin);
        }
        if is_generator(spec) {
            return Ok(Self::Generator(spec.to_string()));
        }
        if spec == "mnist" {
            return Ok(Self::Mnist);
        }
        let path = Path::new(spec);
        if path.is_dir() {
            return Ok(Self::IdxFolder(path.to_path_buf()));
        }
        if path.is_file() {
            return Ok(Self::Csv(path.to_path_buf()));
        }
        Err(SettingError::new(
            Setting::Data,
            spec,
            format!(
                "expected one of {}, mnist, formula:EXPR (e.g. 'formula:x1*x2 > 0'), a CSV file, - (a CSV file on stdin) or a folder of IDX files",
                GENERATORS.join(", ")
            ),
        )
        .into())
    }

    /// A short name for status lines and model metadata.
    pub fn name(&self) -> String {
        match self {
            Self::Generator(name) => name.clone(),
            Self::Mnist => "mnist".into(),
            Self::IdxFolder(p) | Self::Csv(p) => p.display().to_string(),
            Self::Stdin => "stdin".into(),
        }
    }
}

/// How to turn a spec into training, validation and test parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataOptions {
    /// Samples to generate (generators only).
    pub samples: usize,
    /// Generator noise; `None` uses the generator's default.
    pub noise: Option<f32>,
    /// Seed for generation and splitting.
    pub seed: u64,
    /// Fraction of the data held out for validation.
    pub validation_fraction: f32,
    /// Fraction held out for testing (ignored for MNIST, which has its own test set).
    pub test_fraction: f32,
    /// CSV target column (default: `label`, else the last column).
    pub target: Option<String>,
    /// Input normalisation; `None`: bytes scaled by 1/255, real features standardised.
    #[serde(with = "by_name")]
    pub normalization: Option<NormalizationKind>,
    /// Input features computed from the raw columns `x1` and `x2` (2-D data only);
    /// `None`: the raw columns as they are.
    #[serde(with = "by_name", default)]
    pub features: Option<Features>,
}

/// Options written to files (`run.json`) by name: `"normalization": "standardize"`,
/// `"features": "x1,x2,x1^2"`.
mod by_name {
    use std::str::FromStr;

    use nn_data::{Features, NormalizationKind};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub trait Named: Sized {
        fn name(&self) -> String;
        fn from_name(name: &str) -> Result<Self, String>;
    }

    impl Named for NormalizationKind {
        fn name(&self) -> String {
            NormalizationKind::name(*self).into()
        }
        fn from_name(name: &str) -> Result<Self, String> {
            NormalizationKind::from_name(name)
                .ok_or_else(|| format!("normalization {name:?}: not a kind this build knows"))
        }
    }

    impl Named for Features {
        fn name(&self) -> String {
            self.to_string()
        }
        fn from_name(name: &str) -> Result<Self, String> {
            Features::from_str(name).map_err(|e| e.to_string())
        }
    }

    #[allow(clippy::ref_option)] // serde's `with` hands over a reference
    pub fn serialize<T: Named, S: Serializer>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.serialize_some(&value.name()),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Named, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|name| T::from_name(&name).map_err(D::Error::custom))
            .transpose()
    }
}

impl DataOptions {
    /// Checks the options on their own (no data needed).
    pub fn validate(&self) -> Result<(), SettingError> {
        rules::fraction(Setting::ValidationFraction, self.validation_fraction, "")?;
        rules::fraction(Setting::TestFraction, self.test_fraction, "")?;
        if self.validation_fraction + self.test_fraction >= 1.0 {
            return Err(SettingError::new(
                Setting::TestFraction,
                self.test_fraction,
                format!(
                    "with a validation fraction of {} it leaves nothing to train on: expected a sum below 1",
                    self.validation_fraction
                ),
            ));
        }
        if let Some(noise) = self.noise {
            rules::non_negative(Setting::Noise, noise)?;
        }
        rules::at_least_one(Setting::Samples, self.samples, "sample")
    }
}

impl DataOptions {
    /// The noise a generator is run with: the one asked for, else the generator's
    /// default; `None` for data that is not generated.
    pub fn noise_for(&self, spec: &DataSpec) -> Option<f32> {
        match spec {
            DataSpec::Generator(name) => {
                Some(self.noise.or_else(|| default_noise(name)).unwrap_or(0.0))
            }
            _ => None,
        }
    }
}

impl DataOptions {
    /// The validation fraction early stopping takes when none is given.
    pub const EARLY_STOP_VALIDATION: f32 = 0.1;
}

impl Default for DataOptions {
    fn default() -> Self {
        Self {
            samples: DEFAULT_SAMPLES,
            noise: None,
            seed: DEFAULT_SEED,
            validation_fraction: 0.0,
            test_fraction: 0.2,
            target: None,
            normalization: None,
            features: None,
        }
    }
}

/// Loads or generates the data, splits it (stratified, seeded), computes the
/// input features if asked, and fits the normalisation on the training part only.
pub fn load_data(spec: &DataSpec, options: &DataOptions) -> Result<TrainData, TrainError> {
    options.validate()?;
    if let (DataSpec::Mnist | DataSpec::IdxFolder(_), Some(f)) = (spec, &options.features) {
        // Known before the images are read.
        return Err(SettingError::new(
            Setting::Features,
            f,
            "expected data with the columns x1, x2 (the 2-D generators), not images",
        )
        .into());
    }
    let (train, validation, test) = match spec {
        DataSpec::Generator(name) => {
            let noise = options.noise_for(spec).unwrap_or(0.0);
            let all = generate(name, options.samples, noise, options.seed)?;
            split3(&all, options)?
        }
        DataSpec::Mnist | DataSpec::IdxFolder(_) => {
            let dir = match spec {
                DataSpec::IdxFolder(dir) => dir.clone(),
                _ => nn_data::mnist_dir(),
            };
            let mnist = nn_data::load_mnist(&dir)?;
            let (train, validation) = if options.validation_fraction > 0.0 {
                let s = mnist
                    .train
                    .split(options.validation_fraction, 0.0, options.seed)?;
                (s.train, Some(s.validation))
            } else {
                (mnist.train, None)
            };
            (train, validation, Some(mnist.test))
        }
        DataSpec::Csv(_) | DataSpec::Stdin => {
            let csv = CsvOptions {
                target: options.target.clone(),
                task: None,
            };
            let all = match spec {
                DataSpec::Csv(path) => nn_data::load_csv(path, &csv)?,
                _ => nn_data::load_csv_from_stdin(&csv)?,
            };
            split3(&all, options)?
        }
    };
    prepare_parts(train, validation, test, options)
}

/// A whole data set in memory (a drawing, say) as [`load_data`] makes one from a file:
/// split by `options` as a CSV file of these rows would be, the input features
/// computed, the normalisation fitted on the training part.
///
/// # Errors
/// Fractions or features that do not fit the data.
pub fn prepare_data(all: &Dataset, options: &DataOptions) -> Result<TrainData, TrainError> {
    options.validate()?;
    let (train, validation, test) = split3(all, options)?;
    prepare_parts(train, validation, test, options)
}

/// The parts of a split with the input features computed and the normalisation
/// fitted on the training part.
fn prepare_parts(
    train: Dataset,
    validation: Option<Dataset>,
    test: Option<Dataset>,
    options: &DataOptions,
) -> Result<TrainData, TrainError> {
    // Features that are just the raw columns change nothing (and are not recorded).
    let features = options
        .features
        .clone()
        .filter(|f| !(f.is_raw(train.dim()) && f.misfit(train.feature_names()).is_none()));
    let (train, validation, test) = match &features {
        None => (train, validation, test),
        Some(f) => {
            let apply = |d: &Dataset| {
                f.apply(d).map_err(|e| match e {
                    DataError::Features { given, problem } => {
                        TrainError::from(SettingError::new(Setting::Features, given, problem))
                    }
                    e => e.into(),
                })
            };
            (
                apply(&train)?,
                validation.as_ref().map(apply).transpose()?,
                test.as_ref().map(apply).transpose()?,
            )
        }
    };
    let kind = options.normalization.unwrap_or(match train.inputs() {
        nn_data::Inputs::U8(_) => NormalizationKind::Scale255,
        nn_data::Inputs::F32(_) => NormalizationKind::Standardize,
    });
    let normalization = nn_data::Normalization::fit(kind, &train);
    Ok(TrainData {
        train,
        validation,
        test,
        normalization,
        features,
    })
}

fn split3(
    all: &Dataset,
    options: &DataOptions,
) -> Result<(Dataset, Option<Dataset>, Option<Dataset>), TrainError> {
    let s = all.split(
        options.validation_fraction,
        options.test_fraction,
        options.seed,
    )?;
    let non_empty = |d: Dataset| (!d.is_empty()).then_some(d);
    Ok((s.train, non_empty(s.validation), non_empty(s.test)))
}
