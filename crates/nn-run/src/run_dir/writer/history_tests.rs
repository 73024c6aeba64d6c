//! Tests of the run's history of weights: the epochs kept, and a history of the
//! final weights alone kept once, as the model.

use super::tests::{architecture, ms, progress, read_back, writer};
use super::*;
use crate::run_dir::{HISTORY_DIR, SNAPSHOT_FILE, history_file_name};

fn history_file_exists(dir: &Path, seq: usize, epoch: usize) -> bool {
    dir.join(HISTORY_DIR)
        .join(history_file_name(seq, epoch))
        .is_file()
}

#[cfg(unix)]
#[test]
fn the_same_weights_saved_again_are_one_file_and_other_weights_their_own() {
    use std::os::unix::fs::MetadataExt;
    let inode = |p: &Path| std::fs::metadata(p).map(|m| (m.ino(), m.nlink())).unwrap();
    let network = Arc::new(Network::new(architecture(), 1).unwrap());
    let bytes = nn_core::model_to_bytes(&network, &ModelInfo::default());
    // The end of a sweep's trial: its history's one entry is its final weights,
    // which its snapshot and its model are, one file under two names and no
    // snapshots/ folder; the end record says the model is the history's entry.
    let (dir, mut w, start) = writer(WriterOptions::default());
    w.observe_at(&progress(1, 10, 0.1, 10), ms(start, 1));
    w.observe_at(&Event::Snapshot(Arc::clone(&network)), ms(start, 2));
    let end = w.finish(Some(&network), None).unwrap();
    assert!(end.history_in_model);
    assert!(!dir.path().join(HISTORY_DIR).exists());
    let files = [dir.path().join(SNAPSHOT_FILE), dir.path().join(MODEL_FILE)];
    for f in &files {
        assert_eq!(std::fs::read(f).unwrap(), bytes, "{}", f.display());
        assert_eq!(inode(f), (inode(&files[0]).0, 2), "{}", f.display());
    }
    let (entries, _) = read_back(dir.path());
    assert!(
        matches!(entries.last(), Some(Entry::End(e)) if e.history_in_model && e.model),
        "{entries:?}"
    );
    // A history of two entries is written whole (the snapshot, replaced, is a
    // file of its own, and the model a link to it).
    let (dir, mut w, start) = writer(WriterOptions::default());
    let first = Arc::new(Network::new(architecture(), 3).unwrap());
    w.observe_at(&progress(0, 0, 0.1, 10), ms(start, 1));
    w.observe_at(&Event::Snapshot(Arc::clone(&first)), ms(start, 1));
    w.observe_at(&progress(1, 10, 0.1, 10), ms(start, 2));
    w.observe_at(&Event::Snapshot(Arc::clone(&network)), ms(start, 2));
    let end = w.finish(Some(&network), None).unwrap();
    assert!(!end.history_in_model);
    let history = dir.path().join(HISTORY_DIR);
    assert_eq!(
        std::fs::read(history.join(history_file_name(0, 0))).unwrap(),
        nn_core::model_to_bytes(&first, &ModelInfo::default())
    );
    let files = [
        history.join(history_file_name(1, 1)),
        dir.path().join(SNAPSHOT_FILE),
        dir.path().join(MODEL_FILE),
    ];
    for f in &files {
        assert_eq!(std::fs::read(f).unwrap(), bytes, "{}", f.display());
    }
    assert_eq!(inode(&files[2]), (inode(&files[1]).0, 2));
    // A history whose one entry is not the final model (or with no model: a
    // diverged run) keeps its entry as a file.
    let (dir, mut w, start) = writer(WriterOptions::default());
    w.observe_at(&progress(0, 0, 0.1, 10), ms(start, 1));
    w.observe_at(&Event::Snapshot(Arc::clone(&first)), ms(start, 1));
    let end = w.finish(None, None).unwrap();
    assert!(!end.history_in_model && !end.model);
    assert!(history_file_exists(dir.path(), 0, 0));
    // A writer dropped without its end (a run cut short) writes the entry too.
    let (dir, mut w, start) = writer(WriterOptions::default());
    w.observe_at(&progress(0, 0, 0.1, 10), ms(start, 1));
    w.observe_at(&Event::Snapshot(Arc::clone(&first)), ms(start, 1));
    drop(w);
    assert!(history_file_exists(dir.path(), 0, 0));
    // Other final weights are a file of their own; the snapshot stays as it was.
    let (dir, mut w, start) = writer(WriterOptions::default());
    w.observe_at(&Event::Snapshot(Arc::clone(&network)), ms(start, 2));
    let other = Network::new(architecture(), 2).unwrap();
    w.finish(Some(&other), None).unwrap();
    let model = dir.path().join(MODEL_FILE);
    let other_bytes = nn_core::model_to_bytes(&other, &ModelInfo::default());
    assert_eq!(std::fs::read(&model).unwrap(), other_bytes);
    assert_eq!(inode(&model).1, 1);
    assert_eq!(
        std::fs::read(dir.path().join(SNAPSHOT_FILE)).unwrap(),
        bytes
    );
}

#[test]
fn the_history_keeps_snapshots_at_epochs_on_a_log_scale() {
    let marks: Vec<usize> = (0..20)
        .filter(|&e| super::super::is_history_epoch(e))
        .collect();
    assert_eq!(marks, [0, 1, 2, 3, 4, 5, 7, 9, 12, 15, 19]);
    let (dir, mut w, start) = writer(WriterOptions::default());
    let network = Arc::new(Network::new(architecture(), 1).unwrap());
    // A snapshot every epoch for 10,000 epochs, then a reset and 3 more epochs.
    for epoch in 0..10_000usize {
        let at = ms(start, epoch as u64);
        w.observe_at(&progress(epoch, epoch as u64 * 40, 0.1, 10), at);
        w.observe_at(&Event::Snapshot(Arc::clone(&network)), at);
    }
    for epoch in 0..3usize {
        let at = ms(start, 20_000 + epoch as u64);
        w.observe_at(&progress(epoch, epoch as u64 * 40, 0.1, 10), at);
        w.observe_at(&Event::Snapshot(Arc::clone(&network)), at);
    }
    w.finish(Some(&network), None).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join(HISTORY_DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let epochs: Vec<usize> = names
        .iter()
        .map(|n| {
            n.trim_end_matches(".safetensors")
                .rsplit('-')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    // 0, 1, 2, ... then each mark a quarter past the last, 5 + log(10000 / 5) / log(1.25) in all;
    // after the reset the history starts again.
    assert_eq!(&epochs[..8], &[0, 1, 2, 3, 4, 5, 7, 9]);
    assert_eq!(&epochs[epochs.len() - 4..], &[8_279, 0, 1, 2]);
    assert_eq!(names.len(), 38 + 3, "{names:?}");
    for pair in epochs[..epochs.len() - 3].windows(2) {
        assert!(
            pair[1] as f64 >= pair[0] as f64 * super::super::HISTORY_RATIO,
            "{pair:?}"
        );
    }
    let first = nn_train::Model::load(&dir.path().join(HISTORY_DIR).join(&names[0])).unwrap();
    assert_eq!(first.network.parameters(), network.parameters());
}
