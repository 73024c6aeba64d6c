//! One run through `Run`, as `nn-tui train`, the dashboard and a sweep use it:
//! started, recorded, trained or interrupted, and its work rescued.

use std::sync::atomic::AtomicBool;

use nn_run::{
    DataOptions, DataSpec, EVENTS_FILE, Happening, INTERRUPTED_CHECKPOINT, Purpose, Recorded,
    Recording, Run, RunSummary, Start, StartError, TrainRequest,
};

fn request(epochs: usize) -> TrainRequest {
    TrainRequest {
        epochs: Some(epochs),
        ..TrainRequest::default()
    }
}

fn xor() -> (DataSpec, DataOptions) {
    let options = DataOptions {
        samples: 200,
        ..DataOptions::default()
    };
    (DataSpec::parse("xor").unwrap(), options)
}

#[test]
fn a_recorded_run_trains_to_the_end_and_is_summed_up_in_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (spec, options) = xor();
    let mut run = Run::start(
        spec,
        options,
        &request(3),
        Purpose::Headless,
        &Start::default(),
    )
    .unwrap();
    let recorded = run
        .record(
            &Recording::Under(dir.path().to_path_buf()),
            Run::headless_pace(),
        )
        .unwrap();
    let Recorded::In(folder) = recorded else {
        panic!("{recorded:?}")
    };
    assert!(folder.join(EVENTS_FILE).is_file());
    let session = run.headless_session();
    let mut events = 0;
    let summary = run
        .train(&AtomicBool::new(false), &session, &mut |h| {
            if let Happening::Event(_) = h {
                events += 1;
            }
        })
        .unwrap();
    assert_eq!(summary.epochs, 3);
    assert!(events > 3);
    let end = run.end_recording(None).unwrap();
    assert_eq!(end.dir, folder);
    assert!(end.problem.is_none());
    assert_eq!(RunSummary::read(&folder).unwrap().epochs, 3);
    let finals = run.final_metrics().unwrap();
    assert_eq!(finals.train.samples, run.trainer().data().train.len());
}

#[test]
fn an_interrupted_run_leaves_a_checkpoint_beside_its_model_and_resumes_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let (spec, options) = xor();
    let mut run = Run::start(
        spec.clone(),
        options.clone(),
        &request(50),
        Purpose::Headless,
        &Start::default(),
    )
    .unwrap();
    let session = run.headless_session();
    // Stopped before the first step: an interrupt.
    let summary = run
        .train(&AtomicBool::new(true), &session, &mut |_| {})
        .unwrap();
    assert!(summary.stopped_by_user);
    assert!(summary.epochs < 50);
    let save = dir.path().join("model.safetensors");
    let checkpoint = run.save_interrupted(Some(&save)).unwrap();
    assert_eq!(checkpoint, dir.path().join(INTERRUPTED_CHECKPOINT));

    let resumed = Run::start(
        spec,
        options,
        &request(50),
        Purpose::Headless,
        &Start {
            threads: Some(1),
            resume: Some(checkpoint),
        },
    )
    .unwrap();
    assert_eq!(resumed.trainer().epoch(), run.trainer().epoch());
    assert_eq!(resumed.trainer().threads(), 1);
}

#[test]
fn a_model_that_cannot_be_saved_is_kept_in_the_checkpoint_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (spec, options) = xor();
    let run = Run::start(
        spec,
        options,
        &request(1),
        Purpose::Headless,
        &Start::default(),
    )
    .unwrap();
    let missing = dir.path().join("no-such-folder").join("m.safetensors");
    let failure = run.save_model(&missing, Some(dir.path())).unwrap_err();
    assert_eq!(failure.kept, Some(dir.path().join("m.safetensors")));
    assert!(dir.path().join("m.safetensors").is_file());
}

#[test]
fn a_run_that_cannot_start_says_which_step_failed() {
    let (spec, options) = xor();
    let missing = Start {
        threads: None,
        resume: Some("no-such-checkpoint.safetensors".into()),
    };
    let err = Run::start(spec, options, &request(1), Purpose::Headless, &missing).unwrap_err();
    assert!(matches!(err, StartError::Resume(_)), "{err:?}");
    let bad_split = DataOptions {
        test_fraction: 1.5,
        ..DataOptions::default()
    };
    let spec = DataSpec::parse("xor").unwrap();
    let err = Run::start(
        spec,
        bad_split,
        &request(1),
        Purpose::Headless,
        &Start::default(),
    )
    .unwrap_err();
    assert!(matches!(err, StartError::Data(_)), "{err:?}");
}
