//! Every kind of record, written through the real writer, reads back as written.

use nn_core::{Activation, ModelInfo, Network};
use proptest::prelude::*;

use super::tests::{architecture, info};
use super::*;
use crate::run_dir::RunReader;
use crate::run_dir::record::{SettingsChange, WeightsReset};
use crate::session::ProgressReport;
use nn_train::EpochReport;
use nn_train::{ConfusionMatrix, Metrics};
use nn_train::{Stall, UnitTrouble};

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        any::<f64>(),
        -10.0..10.0f64,
    ]
}

fn float32() -> impl Strategy<Value = f32> {
    prop_oneof![
        Just(f32::NAN),
        Just(f32::INFINITY),
        any::<f32>(),
        0.0..1.0f32
    ]
}

fn metrics() -> impl Strategy<Value = Metrics> {
    (
        float(),
        proptest::option::of(float()),
        proptest::option::of(float()),
        any::<bool>(),
    )
        .prop_map(|(loss, mse, r2, classifier)| Metrics {
            loss,
            samples: 10,
            confusion: classifier.then(|| {
                let mut c = ConfusionMatrix::new(2);
                c.record(0, 1);
                c
            }),
            mse,
            r2,
        })
}

fn epoch_report() -> impl Strategy<Value = EpochReport> {
    (
        metrics(),
        proptest::option::of(metrics()),
        float32(),
        float(),
        float(),
        proptest::option::of((float(), proptest::option::of(float()))),
    )
        .prop_map(
            |(train, test, learning_rate, seconds, samples_per_second, stall)| EpochReport {
                epoch: 1,
                train,
                validation: None,
                test,
                learning_rate,
                seconds,
                samples_per_second,
                improved: false,
                stop_early: false,
                stalled: stall.map(|(loss, accuracy)| Stall {
                    epoch: 1,
                    loss,
                    accuracy,
                    layer: 0,
                    output_layer: false,
                    activation: Activation::Tanh,
                    trouble: UnitTrouble::Saturated,
                    units: vec![0],
                    width: 3,
                }),
            },
        )
}

fn progress_report() -> impl Strategy<Value = ProgressReport> {
    (float(), float(), float32()).prop_map(|(loss, samples_per_second, learning_rate)| {
        ProgressReport {
            epoch: 1,
            step_in_epoch: 3,
            steps_per_epoch: 40,
            total_steps: 43,
            steps: 4,
            loss,
            samples_per_second,
            learning_rate,
            batch_size: 10,
        }
    })
}

/// What a record holds, NaN included (`NaN != NaN`, but its text is the same).
fn text(entry: &Entry) -> String {
    format!("{entry:?}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_kind_of_record_reads_back_as_written(
        progress in progress_report(),
        epoch in epoch_report(),
        summary_seconds in float(),
        summary_rate in float(),
        message in ".{0,20}",
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut w =
            RunWriter::create(dir.path(), &info(), ModelInfo::default(), WriterOptions::default())
                .unwrap();
        let start = w.started;
        let at = |s: u64| start + Duration::from_secs(10 * s);
        let mut changed = progress.clone();
        changed.learning_rate = 0.5;
        let mut reset = progress.clone();
        reset.total_steps = 1;
        let summary = Summary {
            epochs: 1,
            total_steps: 43,
            seconds: summary_seconds,
            samples_per_second: summary_rate,
            last_epoch: Some(epoch.clone()),
            stopped_early: false,
            stopped_by_user: true,
            checkpoint: None,
        };
        let network = Arc::new(Network::new(architecture(), 1).unwrap());
        w.observe_at(&Event::Progress(progress.clone()), at(1));
        w.observe_at(&Event::Progress(changed.clone()), at(2)); // settings
        w.observe_at(&Event::Progress(reset.clone()), at(3)); // reset
        w.observe_at(&Event::EpochEnd(epoch.clone()), at(4));
        w.observe_at(&Event::Log(message.clone()), at(5));
        w.observe_at(&Event::Snapshot(network), at(6));
        w.observe_at(&Event::State(RunState::Diverged(message.clone())), at(7));
        w.state_line(&format!("nn-tui/1 data=spiral l2={}", message.len()));
        w.restart(&info(), ModelInfo::default());
        w.observe_at(&Event::Finished(summary.clone()), at(8));
        w.finish(None, Some(message.clone())).unwrap();

        let mut reader = RunReader::open(dir.path()).unwrap();
        let (records, _) = reader.poll().unwrap();
        prop_assert_eq!(reader.take_warnings(), Vec::<String>::new());
        let read: Vec<String> = records.iter().map(|r| text(&r.entry)).collect();
        let kinds = [
            text(&Entry::Progress(progress)),
            text(&Entry::Settings(SettingsChange { epoch: 1, learning_rate: 0.5, batch_size: 10 })),
            text(&Entry::Reset(WeightsReset { learning_rate: reset.learning_rate })),
            text(&Entry::Progress(reset)),
            text(&Entry::Epoch(epoch)),
            text(&Entry::Log(message.clone())),
            text(&Entry::State(RunState::Diverged(message.clone()))),
            text(&Entry::StateLine(format!("nn-tui/1 data=spiral l2={}", message.len()))),
            text(&Entry::Restart(Box::new(info()))),
        ];
        for kind in &kinds {
            prop_assert!(read.contains(kind), "{} not in {:?}", kind, read);
        }
        prop_assert!(read.iter().any(|r| r.starts_with("Snapshot(")), "{:?}", read);
        let Some(Entry::End(end)) = records.last().map(|r| &r.entry) else {
            panic!("no end: {read:?}")
        };
        prop_assert_eq!(format!("{:?}", end.summary), format!("{:?}", Some(summary)));
    }
}
