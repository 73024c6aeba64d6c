//! Every state line and Playground URL in the corpus below reads to the run it read
//! to when the corpus was recorded (before the settings table, issue 19): the same
//! data options and, for each purpose (headless and dashboard), the same resolved
//! configuration and pace; lines that were refused are still refused with the same
//! message. The recorded answers are in `fixtures/run_definitions.json`; run with
//! `RECORD_RUN_DEFINITIONS=1` to write them again (only when a change of meaning is
//! intended, and say so in the commit).

use nn_run::{Purpose, StateLine, load_data};
use serde_json::{Value, json};

const RECORDED: &str = "tests/fixtures/run_definitions.json";

/// Lines the project's tests, README and docs use, plus lines that exercise each key.
const CORPUS: &[&str] = &[
    "nn-tui/1 data=spiral",
    "nn-tui/1 data=circle",
    "nn-tui/1 data=circle hidden=",
    "nn-tui/1 data=circle features=x1^2,x2^2",
    "nn-tui/1 data=circle hidden= features=x1^2,x2^2",
    "nn-tui/1 data=spiral samples=500 noise=0.2 test=0.2 data-seed=42 features=x1,x2 hidden=8,8 \
     activation=tanh output=softmax loss=ce optimizer=sgd lr=0.03 l1=0 l2=0 batch=10 seed=42 speed=60",
    "nn-tui/1 data=circle noise=0.35 test=0.3 data-seed=7 features=x1^2,x2^2,sinx1 hidden=5,3 \
     activation=relu optimizer=momentum momentum=0.5 lr=0.1 l2=0.003 batch=17 seed=99 speed=max \
     discretize=true test-points=false",
    "nn-tui/1 data=spiral lr=0.03 batch=10 seed=42",
    "nn-tui/1 data=spiral lr=0.3 batch=20 seed=42",
    "nn-tui/1 data=circle l2=0.01",
    "nn-tui/1 data=xor val=0.1 test=0.25 samples=300",
    "nn-tui/1 data=moons optimizer=adamw weight-decay=0.05 lr=0.002 clip=1.5",
    "nn-tui/1 data=gauss optimizer=nesterov momentum=0.8 l1=0.001",
    "nn-tui/1 data=blobs optimizer=adam hidden=4 activation=sigmoid output=sigmoid loss=bce",
    "nn-tui/1 data=xor output=sigmoid loss=seed activation=linear",
    "nn-tui/1 data=xor output=tanh",
    "nn-tui/1 data=xor loss=mse",
    "nn-tui/1 data=reg-gauss noise=0.1",
    "nn-tui/1 data=reg-plane hidden=3 output=linear loss=mse",
    "nn-tui/1 data=sine samples=200 speed=5",
    "nn-tui/1 data=plane features=x1,x2,x1x2,sinx2,cosx1,cosx2",
    "nn-tui/1 data=../../datasets/moons.csv hidden=8 activation=tanh optimizer=momentum lr=0.05 batch=8 seed=9",
    "nn-tui/1 data=../../datasets/sine.csv",
    "nn-tui/1 data=spiral speed=1.5",
    // Lines that hold the target column and the order (issue 19: rows added later).
    "nn-tui/1 data=../../datasets/moons.csv target=label shuffle=false",
    "nn-tui/1 data=spiral shuffle=no",
    // Refused lines: the same message.
    "nn-tui/1 data=spiral lr=abc",
    "nn-tui/1 data=spiral lr=0",
    "nn-tui/1 data=spiral batch=0",
    "nn-tui/1 data=spiral test=1.5",
    "nn-tui/1 data=spiral speed=0",
    "nn-tui/1 data=spiral features=x1,x9",
    "nn-tui/1 data=nosuch",
    "nn-tui/1 data=spiral colour=red",
    "nn-tui/1 data=spiral lr=0.1 lr=0.2",
    "nn-tui/1 lr=0.1",
    "nn-tui/2 data=spiral",
    "nn-tui/1 data=spiral hidden",
    "nn-tui/1 data=spiral activation=softmax",
    "nn-tui/1 data=circle lr=fast",
    "nn-tui/1 data=spiral momentum=0.5",
    "nn-tui/1 data=spiral optimizer=adam weight-decay=0.1",
    "spiral please",
    // Playground URLs and hashes.
    "https://playground.tensorflow.org/#activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane\
     &learningRate=0.03&regularizationRate=0&noise=0&networkShape=4,2&seed=0.12345\
     &showTestData=false&discretize=false&percTrainData=50&x=true&y=true&xTimesY=false\
     &xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false\
     &collectStats=false&problem=classification&initZero=false&hideText=false",
    "#activation=relu&regularization=L2&batchSize=15&dataset=spiral\
     &regDataset=reg-gauss&learningRate=0.01&regularizationRate=0.003&noise=20\
     &networkShape=8,6,4&seed=0.58213&showTestData=true&discretize=true&percTrainData=70\
     &x=true&y=true&xTimesY=true&xSquared=true&ySquared=true&cosX=false&sinX=true\
     &cosY=false&sinY=true&collectStats=false&tutorial=example&problem=classification\
     &initZero=false&hideText=false&learningRate_hide=true&sinY_hide=false",
    "#problem=regression&regDataset=reg-gauss&noise=95&networkShape=",
    "#dataset=moons&activation=swish&frobnicate=1",
    "#dataset=xor&noise=10",
    "https://playground.tensorflow.org/#activation=relu&batchSize=15&dataset=xor\
     &learningRate=0.1&noise=10&networkShape=4,3&seed=0.31415&percTrainData=70\
     &xTimesY=true&initZero=true&problem=classification",
    "#activation=sigmoid&regularization=L1&regularizationRate=0.001&dataset=gauss",
    "#activation=linear&problem=regression&regDataset=reg-plane&batchSize=30",
    "#x=true",
    "#learningRate=fast",
    "#learningRate=0",
    "#batchSize=0",
    "#percTrainData=0",
    "#networkShape=4,x",
    "#x=false&y=false",
];

/// What `text` reads to: the error, or the data options and, per purpose, the
/// resolved configuration (as run.json stores it) and pace.
fn reading(text: &str) -> Value {
    let imported = match StateLine::read(text) {
        Ok(imported) => imported,
        Err(e) => return json!({ "error": e.to_string() }),
    };
    let line = imported.line;
    let options = line.data_options();
    let spec = line.data_spec().expect("a line that reads names its data");
    let data = match load_data(&spec, &options) {
        Ok(data) => data,
        Err(e) => return json!({ "load error": e.to_string() }),
    };
    let request = line.request();
    let resolved = |purpose: Purpose| match request.resolve(purpose, &data) {
        Ok(config) => json!({
            "config": serde_json::to_value(&config).unwrap(),
            "pace": request.pace(purpose, data.train.dim()).to_string(),
        }),
        Err(e) => json!({ "error": e.to_string() }),
    };
    json!({
        "data": line.data,
        "options": serde_json::to_value(&options).unwrap(),
        "discretize": line.discretize,
        "test_points": line.test_points,
        "notices": imported.notices,
        "headless": resolved(Purpose::Headless),
        "dashboard": resolved(Purpose::Dashboard),
    })
}

#[test]
fn every_recorded_line_reads_to_the_recorded_run() {
    let now: Vec<Value> = CORPUS
        .iter()
        .map(|text| json!({ "line": text, "reads": reading(text) }))
        .collect();
    if std::env::var_os("RECORD_RUN_DEFINITIONS").is_some() {
        let text = serde_json::to_string_pretty(&now).unwrap() + "\n";
        std::fs::write(RECORDED, text).unwrap();
        return;
    }
    // Compared as text: serde_json's reading of floats is not exact, its writing is.
    let recorded = std::fs::read_to_string(RECORDED).unwrap();
    let now = serde_json::to_string_pretty(&now).unwrap() + "\n";
    if let Some((before, after)) = recorded.lines().zip(now.lines()).find(|(a, b)| a != b) {
        panic!("a line reads to another run than recorded:\n before: {before}\n after:  {after}");
    }
    assert_eq!(
        recorded.lines().count(),
        now.lines().count(),
        "the corpus and the recording"
    );
}
