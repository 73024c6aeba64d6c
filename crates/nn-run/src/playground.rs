//! TensorFlow Playground URLs as state lines: every field of its `#...` state
//! (`src/state.ts`) that has a counterpart here is mapped, with the
//! Playground's own defaults for the fields left out and its parsing rules
//! (an unknown name keeps the default; any boolean but `false` is true; noise
//! above 80 becomes 50). The fields that cannot be mapped are listed, and so
//! is what differs: the Playground's random generator is not ours, so its
//! points are drawn afresh, from the same distribution.

use std::collections::BTreeMap;

use nn_core::Activation;
use nn_data::{Feature, Features};

use crate::request::OptimizerChoice;
use crate::state_line::{Imported, StateLine, StateLineError};
use nn_train::{Setting, SettingError};

/// The Playground's feature flags and the features they stand for, in its order.
/// (`cosX` and `cosY` are in its URLs but not in its `INPUTS`: it ignores them.)
const FEATURE_KEYS: [(&str, Feature); 7] = [
    ("x", Feature::X1),
    ("y", Feature::X2),
    ("xSquared", Feature::X1Squared),
    ("ySquared", Feature::X2Squared),
    ("xTimesY", Feature::X1X2),
    ("sinX", Feature::SinX1),
    ("sinY", Feature::SinX2),
];

/// Fields of its state that change nothing here, and why.
const NOT_MAPPED: [(&str, &str); 6] = [
    ("cosX", "the Playground ignores it"),
    ("cosY", "the Playground ignores it"),
    ("collectStats", "the Playground ignores it"),
    ("tutorial", "a page option"),
    ("hideText", "a page option"),
    ("initZero", CHANGES_THE_RUN),
];

/// The one field [`NOT_MAPPED`] holds that would change the run, when set.
const CHANGES_THE_RUN: &str = "weights start random here";

/// Points per data set in the Playground (`NUM_SAMPLES_CLASSIFY`, `NUM_SAMPLES_REGRESS`).
const CLASSIFY_SAMPLES: usize = 500;
const REGRESS_SAMPLES: usize = 1200;

/// The Playground's key for a setting, in errors (from [`crate::SETTINGS`]).
fn key_of(setting: Setting) -> &'static str {
    match setting {
        Setting::Layers => "networkShape",
        setting => crate::settings::row(setting)
            .playground
            .unwrap_or(setting.name()),
    }
}

/// Maps a Playground URL (or its `#...` part) to a state line.
pub fn import(url: &str) -> Result<Imported, StateLineError> {
    let hash = url.split_once('#').map_or("", |(_, h)| h);
    let mut map: BTreeMap<&str, &str> = BTreeMap::new();
    for pair in hash.split('&').filter(|p| !p.is_empty()) {
        // As `state.ts`: the first two `=`-separated parts, the last of a repeated key.
        let mut parts = pair.split('=');
        let name = parts.next().unwrap_or("");
        map.insert(name, parts.next().unwrap_or(""));
    }
    let given = |name: &str| map.get(name).copied().filter(|v| !v.trim().is_empty());
    let number = |name: &str, expected: &str| -> Result<Option<f32>, StateLineError> {
        given(name)
            .map(|v| {
                v.parse::<f32>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| StateLineError::field(name, v, expected))
            })
            .transpose()
    };
    let flag = |name: &str, default: bool| given(name).map_or(default, |v| v != "false");
    let mut notices = Vec::new();
    let mut unknown_values = Vec::new();

    let regression = given("problem") == Some("regression");
    let data = if regression {
        match given("regDataset") {
            None | Some("reg-plane") => "plane",
            Some("reg-gauss") => "reg-gauss",
            Some(other) => {
                unknown_values.push(format!("regDataset={other}"));
                "plane"
            }
        }
    } else {
        match given("dataset") {
            None => "circle",
            Some(name @ ("circle" | "xor" | "gauss" | "spiral")) => name,
            Some(other) => {
                unknown_values.push(format!("dataset={other}"));
                "circle"
            }
        }
    };
    if let Some(p) = given("problem").filter(|p| !matches!(*p, "classification" | "regression")) {
        unknown_values.push(format!("problem={p}"));
    }
    let mut line = StateLine::new(data);
    line.samples = Some(if regression {
        REGRESS_SAMPLES
    } else {
        CLASSIFY_SAMPLES
    });

    // Noise in percent; the page takes up to 80 and makes more 50, less 0.
    let noise = number("noise", "expected a percentage, e.g. 20")?.unwrap_or(0.0);
    let noise = if noise > 80.0 { 50.0 } else { noise.max(0.0) };
    line.noise = Some(noise / 100.0);
    if let Some(p) = number("percTrainData", "expected a percentage, e.g. 50")? {
        if !(p > 0.0 && p <= 100.0) {
            return Err(StateLineError::field(
                "percTrainData",
                given("percTrainData").unwrap_or(""),
                "expected a percentage of training data above 0 and at most 100",
            ));
        }
        line.test_fraction = Some(1.0 - p / 100.0);
    } else {
        line.test_fraction = Some(0.5);
    }

    // Its seed string becomes ours, so the same URL always gives the same run here.
    let seed = given("seed").map(|s| (s, fnv1a(s)));
    line.data_seed = seed.map(|(_, n)| n);
    line.seed = seed.map(|(_, n)| n);

    let features = FEATURE_KEYS
        .iter()
        .filter(|(key, f)| flag(key, matches!(f, Feature::X1 | Feature::X2)))
        .map(|&(_, f)| f);
    line.features = Some(Features::new(features).ok_or_else(|| {
        StateLineError::line("no input feature is on (x, y, xSquared, ...): expected at least one")
    })?);

    line.hidden = Some(match map.get("networkShape") {
        None => vec![4, 2],
        Some(shape) => shape
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().parse::<usize>().ok().filter(|&n| n > 0))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                StateLineError::field("networkShape", shape, "expected neuron counts, e.g. 4,2")
            })?,
    });
    line.activation = Some(match given("activation") {
        None => Activation::Tanh,
        Some(name @ ("relu" | "tanh" | "sigmoid" | "linear")) => {
            Activation::from_name(name).unwrap_or(Activation::Tanh)
        }
        Some(other) => {
            unknown_values.push(format!("activation={other}"));
            Activation::Tanh
        }
    });
    line.optimizer = Some(OptimizerChoice::Sgd);
    line.learning_rate =
        Some(number("learningRate", "expected a number, e.g. 0.03")?.unwrap_or(0.03));
    let rate = number("regularizationRate", "expected a number, e.g. 0.003")?.unwrap_or(0.0);
    let (l1, l2) = match given("regularization") {
        None | Some("none") => (0.0, 0.0),
        Some("L1") => (rate, 0.0),
        Some("L2") => (0.0, rate),
        Some(other) => {
            unknown_values.push(format!("regularization={other}"));
            (0.0, 0.0)
        }
    };
    line.l1 = Some(l1);
    line.l2 = Some(l2);
    let batch = number("batchSize", "expected a number of samples, e.g. 10")?.unwrap_or(10.0);
    if batch.fract() != 0.0 || batch < 1.0 {
        return Err(StateLineError::field(
            "batchSize",
            given("batchSize").unwrap_or(""),
            "expected a whole number of samples, at least 1",
        ));
    }
    line.batch_size = Some(batch as usize);
    line.discretize = Some(flag("discretize", false));
    line.test_points = Some(flag("showTestData", false));

    let check = |e: SettingError| StateLineError::setting(&e, key_of);
    line.data_options().validate().map_err(check)?;
    line.request().validate().map_err(check)?;

    notices.push(format!(
        "the TensorFlow Playground's random generator is not ours: its points are drawn afresh, \
         from the same distribution, not the same points (data and weight seed {} from its \
         seed {})",
        line.seed.unwrap_or(nn_data::DEFAULT_SEED),
        seed.map_or("(none given)", |(s, _)| s),
    ));
    if !regression {
        notices.push(
            "classification uses two softmax outputs with cross-entropy here (the Playground: \
             one tanh output with squared error)"
                .into(),
        );
    }
    if noise > 0.0 && matches!(data, "xor" | "circle") {
        notices.push(format!(
            "{data}'s noise moves its points here, where the Playground flips the labels of \
             clean points"
        ));
    }
    // Only what would change the run: fields the Playground itself ignores, page
    // options and a field at its default value need no note.
    let mut not_mapped: Vec<String> = NOT_MAPPED
        .iter()
        .filter(|(key, why)| *why == CHANGES_THE_RUN && map.get(key).is_some_and(|v| *v != "false"))
        .map(|(key, why)| format!("{key}={} ({why})", map[key]))
        .collect();
    not_mapped.extend(
        unknown_values
            .into_iter()
            .map(|v| format!("{v} (not a Playground value)")),
    );
    not_mapped.extend(
        map.keys()
            .filter(|k| !is_known(k))
            .map(|k| format!("{k} (unknown)")),
    );
    if !not_mapped.is_empty() {
        notices.push(format!("not mapped: {}", not_mapped.join(", ")));
    }
    Ok(Imported { line, notices })
}

/// Whether `key` is a field of the Playground's state.
fn is_known(key: &str) -> bool {
    const MAPPED: [&str; 15] = [
        "activation",
        "regularization",
        "batchSize",
        "dataset",
        "regDataset",
        "learningRate",
        "regularizationRate",
        "noise",
        "networkShape",
        "seed",
        "showTestData",
        "discretize",
        "percTrainData",
        "problem",
        "",
    ];
    MAPPED.contains(&key)
        || key.ends_with("_hide")
        || FEATURE_KEYS.iter().any(|(k, _)| *k == key)
        || NOT_MAPPED.iter().any(|(k, _)| *k == key)
}

/// 64-bit FNV-1a of the text: a fixed, documented hash of the Playground's seed.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state_line::VERSION;

    /// The Playground's defaults as `reset(true)` writes them (seed 0.12345).
    const DEFAULT_HASH: &str = "#activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane\
        &learningRate=0.03&regularizationRate=0&noise=0&networkShape=4,2&seed=0.12345\
        &showTestData=false&discretize=false&percTrainData=50&x=true&y=true&xTimesY=false\
        &xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false\
        &collectStats=false&problem=classification&initZero=false&hideText=false";

    #[test]
    fn the_default_url() {
        let imported =
            StateLine::read(&format!("https://playground.tensorflow.org/{DEFAULT_HASH}")).unwrap();
        let seed = fnv1a("0.12345");
        assert_eq!(
            imported.line.to_string(),
            format!(
                "{VERSION} data=circle samples=500 noise=0 test=0.5 data-seed={seed} \
                 features=x1,x2 hidden=4,2 activation=tanh optimizer=sgd lr=0.03 l1=0 l2=0 \
                 batch=10 seed={seed} discretize=false test-points=false"
            )
        );
        // Nothing in the default link changes the run: no "not mapped" note.
        assert_eq!(imported.notices.len(), 2, "{:?}", imported.notices);
        assert!(imported.notices[0].contains("points are drawn afresh"));
        let zero = StateLine::read(&DEFAULT_HASH.replace("initZero=false", "initZero=true"))
            .unwrap()
            .notices;
        assert_eq!(
            zero[2],
            "not mapped: initZero=true (weights start random here)"
        );
        // The hash alone reads the same.
        assert_eq!(StateLine::read(DEFAULT_HASH).unwrap(), imported);
    }

    /// The spec's example with every field set.
    #[test]
    fn every_field() {
        let hash = "#activation=relu&regularization=L2&batchSize=15&dataset=spiral\
            &regDataset=reg-gauss&learningRate=0.01&regularizationRate=0.003&noise=20\
            &networkShape=8,6,4&seed=0.58213&showTestData=true&discretize=true&percTrainData=70\
            &x=true&y=true&xTimesY=true&xSquared=true&ySquared=true&cosX=false&sinX=true\
            &cosY=false&sinY=true&collectStats=false&tutorial=example&problem=classification\
            &initZero=false&hideText=false&learningRate_hide=true&sinY_hide=false";
        let line = StateLine::read(hash).unwrap().line;
        assert_eq!(line.data, "spiral");
        assert_eq!(line.noise, Some(0.2));
        assert!((line.test_fraction.unwrap() - 0.3).abs() < 1e-6);
        assert_eq!(
            line.features.as_ref().unwrap().to_string(),
            "x1,x2,x1^2,x2^2,x1x2,sinx1,sinx2"
        );
        assert_eq!(line.hidden, Some(vec![8, 6, 4]));
        assert_eq!(line.activation, Some(Activation::Relu));
        assert_eq!((line.l1, line.l2), (Some(0.0), Some(0.003)));
        assert_eq!(line.batch_size, Some(15));
        assert_eq!(line.learning_rate, Some(0.01));
        assert_eq!(
            (line.discretize, line.test_points),
            (Some(true), Some(true))
        );
        // Page options and fields the Playground ignores change nothing: no note.
        let notices = StateLine::read(hash).unwrap().notices;
        assert!(
            !notices.iter().any(|n| n.contains("not mapped")),
            "{notices:?}"
        );
    }

    #[test]
    fn regression_and_the_playgrounds_lenient_rules() {
        let line =
            StateLine::read("#problem=regression&regDataset=reg-gauss&noise=95&networkShape=")
                .unwrap()
                .line;
        assert_eq!(line.data, "reg-gauss");
        assert_eq!(line.samples, Some(1200));
        assert_eq!(line.noise, Some(0.5), "noise above 80 becomes 50");
        assert_eq!(line.hidden, Some(vec![]));
        let imported = StateLine::read("#dataset=moons&activation=swish&frobnicate=1").unwrap();
        assert_eq!(imported.line.data, "circle");
        assert_eq!(imported.line.activation, Some(Activation::Tanh));
        assert!(imported.notices.last().unwrap().ends_with(
            "dataset=moons (not a Playground value), activation=swish (not a Playground value), \
             frobnicate (unknown)"
        ));
        let noisy = StateLine::read("#dataset=xor&noise=10").unwrap().notices;
        assert!(
            noisy
                .iter()
                .any(|n| n.starts_with("xor's noise moves its points"))
        );
    }

    #[test]
    fn bad_values_name_the_playground_field() {
        let err = |hash: &str| StateLine::read(hash).unwrap_err().to_string();
        assert_eq!(
            err("#learningRate=fast"),
            "learningRate=fast: expected a number, e.g. 0.03"
        );
        assert_eq!(
            err("#learningRate=0"),
            "learningRate=0: expected a positive learning rate such as 0.01"
        );
        assert_eq!(
            err("#batchSize=0"),
            "batchSize=0: expected a whole number of samples, at least 1"
        );
        assert_eq!(
            err("#percTrainData=0"),
            "percTrainData=0: expected a percentage of training data above 0 and at most 100"
        );
        assert_eq!(
            err("#networkShape=4,x"),
            "networkShape=4,x: expected neuron counts, e.g. 4,2"
        );
        assert_eq!(
            err("#x=false&y=false"),
            "no input feature is on (x, y, xSquared, ...): expected at least one"
        );
    }

    /// FNV-1a's published test vectors.
    #[test]
    fn fnv1a_vectors() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a("foobar"), 0x8594_4171_f739_67e8);
    }
}
