//! Tests of a run written unseen until shown ([`WriterOptions::unseen_until_shown`]):
//! nothing on disk before its end or its first hand-off, then the same files
//! as a run written in place.

use super::tests::{architecture, info, ms, progress, read_back};
use super::*;
use crate::run_dir::record::tests::report;
use crate::run_dir::{EVENTS_FILE, RUN_INFO_FILE, RunStatus, SNAPSHOT_FILE, unseen_folder};

const FILES: [&str; 4] = [RUN_INFO_FILE, EVENTS_FILE, SNAPSHOT_FILE, MODEL_FILE];

fn options(unseen: bool) -> WriterOptions {
    WriterOptions {
        hand_off_interval: Duration::from_millis(100),
        unseen_until_shown: unseen,
        ..WriterOptions::default()
    }
}

/// A short trial's events, `spacing_ms` apart, observed by `w` (as a sweep does).
fn observe_trial(w: &mut RunWriter, network: &Arc<Network>, spacing_ms: u64) {
    let start = w.started;
    for e in 1..=5 {
        let at = ms(start, e * spacing_ms);
        w.observe_at(&progress(e as usize, e * 10, 0.1, 10), at);
        w.observe_at(
            &Event::EpochEnd(report(e as usize, Some((90, 10)), 0.1)),
            at,
        );
    }
    let end = ms(start, 6 * spacing_ms);
    w.observe_at(&Event::State(RunState::Finished), end);
    w.observe_at(&Event::Snapshot(Arc::clone(network)), end);
}

#[test]
fn a_run_that_ends_unseen_appears_whole_at_its_end_with_the_same_files() {
    let network = Arc::new(Network::new(architecture(), 1).unwrap());
    let root = tempfile::tempdir().unwrap();
    let (seen, unseen) = (root.path().join("seen"), root.path().join("unseen"));
    let mut writers = Vec::new();
    for (dir, hidden) in [(&seen, false), (&unseen, true)] {
        let mut w = RunWriter::create(dir, &info(), ModelInfo::default(), options(hidden)).unwrap();
        // The same synthetic clock for both, so the same records.
        if let Some(first) = writers.first() {
            let first: &RunWriter = first;
            w.started = first.started;
        }
        observe_trial(&mut w, &network, 1);
        writers.push(w);
    }
    assert!(seen.join(RUN_INFO_FILE).is_file());
    assert!(
        !unseen.exists() && !unseen_folder(&unseen).exists(),
        "nothing on disk before the end"
    );
    for w in writers {
        assert!(w.finish(Some(&network), None).unwrap().history_in_model);
    }
    assert!(
        !unseen_folder(&unseen).exists(),
        "the scratch folder was renamed"
    );
    for file in FILES {
        let read = |dir: &Path| {
            let mut bytes = std::fs::read(dir.join(file)).unwrap();
            if file == EVENTS_FILE {
                // The end record's time is the real clock's: compared below.
                let last = bytes[..bytes.len() - 1].iter().rposition(|&b| b == b'\n');
                bytes.truncate(last.unwrap() + 1);
            }
            bytes
        };
        assert_eq!(read(&seen), read(&unseen), "{file}");
    }
    let ((seen, _), (entries, status)) = (read_back(&seen), read_back(&unseen));
    assert_eq!(status, RunStatus::Finished);
    match (seen.last(), entries.last()) {
        (Some(Entry::End(a)), Some(Entry::End(b))) => assert_eq!(a, b),
        other => panic!("no end records: {other:?}"),
    }
}

#[test]
fn a_run_shown_before_its_end_is_written_in_place() {
    let network = Arc::new(Network::new(architecture(), 1).unwrap());
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("run");
    let mut w = RunWriter::create(&dir, &info(), ModelInfo::default(), options(true)).unwrap();
    // Epochs 40 ms apart: the first hand-off (at 100 ms) makes the folder.
    observe_trial(&mut w, &network, 40);
    let (_, status) = read_back(&dir);
    assert_eq!(
        status,
        RunStatus::Running,
        "shown while it runs, its log locked"
    );
    w.finish(Some(&network), None).unwrap();
    assert!(!unseen_folder(&dir).exists());
    let (entries, status) = read_back(&dir);
    assert_eq!(status, RunStatus::Finished);
    assert_eq!(
        entries
            .iter()
            .filter(|e| matches!(e, Entry::Epoch(_)))
            .count(),
        5
    );
}

#[test]
fn a_scratch_folder_left_by_a_killed_writer_is_passed_by_and_a_run_never_replaced() {
    let network = Arc::new(Network::new(architecture(), 1).unwrap());
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("run");
    std::fs::create_dir(unseen_folder(&dir)).unwrap();
    let mut w = RunWriter::create(&dir, &info(), ModelInfo::default(), options(true)).unwrap();
    observe_trial(&mut w, &network, 1);
    w.finish(Some(&network), None).unwrap();
    assert_eq!(read_back(&dir).1, RunStatus::Finished, "written in place");
    // A run already there is found at the end, and left as it was.
    let before = std::fs::read(dir.join(EVENTS_FILE)).unwrap();
    std::fs::remove_dir(unseen_folder(&dir)).unwrap();
    let mut w = RunWriter::create(&dir, &info(), ModelInfo::default(), options(true)).unwrap();
    observe_trial(&mut w, &network, 1);
    assert!(w.finish(Some(&network), None).is_err());
    assert_eq!(std::fs::read(dir.join(EVENTS_FILE)).unwrap(), before);
    assert!(
        !unseen_folder(&dir).exists(),
        "the scratch folder is removed"
    );
}
