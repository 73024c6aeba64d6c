//! The writing thread's side of [`super::RunWriter`]: the run's folder made,
//! the jobs it is handed and the log it appends them to, snapshots and history
//! files written beside it.

use std::cell::Cell;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};

use nn_core::{CoreError, ModelInfo, Network};

use super::Counters;
use crate::run_dir::record::{Entry, Record};
use crate::run_dir::{
    EVENTS_FILE, HISTORY_DIR, RUN_INFO_FILE, RunDirError, SNAPSHOT_FILE, unseen_folder,
};

/// Work for the writing thread.
#[derive(Debug)]
pub(super) enum Job {
    /// Append this record.
    Line(Record),
    /// Replace the snapshot with these weights, then append the record.
    Snapshot(Arc<Network>, Record),
    /// Keep these weights in the history, under this file name.
    History(Arc<Network>, String),
    /// A new trainer: replace `run.json` and the snapshots' model info, then append the record.
    Restart(ModelInfo, Record),
}

/// The writing thread's side: the log file (locked for the writer's life) and
/// what it needs to write snapshots.
#[derive(Debug)]
pub(super) struct Log {
    pub(super) file: File,
    pub(super) path: PathBuf,
    pub(super) dir: PathBuf,
    pub(super) model_info: ModelInfo,
    pub(super) counters: Arc<Counters>,
    pub(super) problems: Sender<RunDirError>,
    /// An append and a snapshot have each failed already (reported once each).
    pub(super) append_failed: bool,
    pub(super) snapshot_failed: bool,
    /// The model file saved last and its weights (a small one's: see [`Log::save`]).
    pub(super) last_saved: Option<(PathBuf, Network)>,
    /// The run's folder, while `dir` is its scratch folder ([`Log::open_unseen`]).
    pub(super) unseen: Option<PathBuf>,
    /// A scratch folder's lines, appended here and written in one write by
    /// [`Log::write_held`] before the folder is revealed: no reader sees them
    /// sooner either way, and a run's end wrote them in three.
    pub(super) held: Option<Vec<u8>>,
    /// The file is locked (a log made in place: see [`Log::open`]).
    pub(super) locked: bool,
}

/// What a [`Log`] is made with, besides its folder.
#[derive(Debug)]
pub(super) struct LogParts {
    pub(super) run_info: Vec<u8>,
    pub(super) model_info: ModelInfo,
    pub(super) counters: Arc<Counters>,
    pub(super) problems: Sender<RunDirError>,
}

/// Model files up to this size have their weights kept in memory after they are
/// saved, so the same weights saved again under another name become a link to
/// them: for a small network a file made costs more than its bytes.
const LINKED_AT_MOST: usize = 1 << 20;

/// Whether two networks are saved as the same bytes (under the same model info):
/// the same architecture and bit for bit the same parameters (`==` on floats
/// would take -0.0 for 0.0).
pub(super) fn same_weights(a: &Network, b: &Network) -> bool {
    a.architecture() == b.architecture()
        && a.parameters().len() == b.parameters().len()
        && a.parameters()
            .iter()
            .zip(b.parameters())
            .all(|(x, y)| x.to_bits() == y.to_bits())
}

impl Drop for Log {
    /// Releases the lock explicitly rather than by closing the file: a process
    /// forked meanwhile (any `Command::spawn` of this process, before its `exec`)
    /// holds a copy of the descriptor, and the lock would live on with that copy,
    /// so that readers would still see the writer alive.
    fn drop(&mut self) {
        if !self.locked {
            return;
        }
        let _ = self.file.unlock();
    }
}

impl Log {
    /// Makes the run's folder `dir` (it must not hold a run) with its `run.json`,
    /// and opens its log, locked: a reader may look at any time.
    pub(super) fn open(dir: &Path, parts: &LogParts) -> Result<Self, RunDirError> {
        std::fs::create_dir_all(dir).map_err(|e| RunDirError::io(dir, e))?;
        let path = dir.join(EVENTS_FILE);
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| RunDirError::io(&path, e))?;
        // The lock says "the writer is alive" to readers; the OS drops it when we die.
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(RunDirError::Taken(dir.to_path_buf())),
            Err(TryLockError::Error(e)) => return Err(RunDirError::io(&path, e)),
        }
        let length = file
            .metadata()
            .map_err(|e| RunDirError::io(&path, e))?
            .len();
        if length > 0 {
            return Err(RunDirError::Taken(dir.to_path_buf()));
        }
        nn_atomic_write::write_atomically(&dir.join(RUN_INFO_FILE), &parts.run_info)?;
        let mut log = Self::on(file, dir.to_path_buf(), parts, None);
        log.locked = true;
        Ok(log)
    }

    /// Makes the run's folder under a scratch name beside `dir`, where no
    /// reader looks ([`unseen_folder`]): each file is made and written once,
    /// with no temporary file, rename or lock, and [`Log::reveal`] renames the
    /// folder into place whole. `None` if the scratch folder cannot be made
    /// (one left by a killed writer): the caller makes it in place.
    pub(super) fn open_unseen(dir: &Path, parts: &LogParts) -> Option<Self> {
        let scratch = unseen_folder(dir);
        std::fs::create_dir(&scratch).ok()?;
        let opened = nn_atomic_write::write_new(&scratch.join(RUN_INFO_FILE), &parts.run_info)
            .ok()
            .and_then(|()| {
                OpenOptions::new()
                    .append(true)
                    .create_new(true)
                    .open(scratch.join(EVENTS_FILE))
                    .ok()
            });
        let Some(file) = opened else {
            let _ = std::fs::remove_dir_all(&scratch);
            return None;
        };
        let mut log = Self::on(file, scratch, parts, Some(dir.to_path_buf()));
        log.held = Some(Vec::new());
        Some(log)
    }

    fn on(file: File, dir: PathBuf, parts: &LogParts, unseen: Option<PathBuf>) -> Self {
        Self {
            file,
            path: dir.join(EVENTS_FILE),
            dir,
            model_info: parts.model_info.clone(),
            counters: Arc::clone(&parts.counters),
            problems: parts.problems.clone(),
            append_failed: false,
            snapshot_failed: false,
            last_saved: None,
            unseen,
            held: None,
            locked: false,
        }
    }

    /// Writes a scratch folder's lines ([`Log::held`]) to its log, in one write
    /// (a write that fails leaves the log empty).
    pub(super) fn write_held(&mut self) -> Result<(), RunDirError> {
        let Some(lines) = self.held.take() else {
            return Ok(());
        };
        let written = self.file.write_all(&lines).map_err(|e| {
            let _ = self.file.set_len(0);
            RunDirError::io(&self.path, e)
        });
        keep_spare(lines);
        written
    }

    /// Renames a scratch folder ([`Log::open_unseen`]) into place, whole (its
    /// lines written first, if they are not yet); one that cannot be (a run is
    /// there already) is removed.
    pub(super) fn reveal(&mut self) -> Result<(), RunDirError> {
        self.write_held()?;
        if let Some(dir) = self.unseen.take() {
            if let Err(e) = nn_atomic_write::rename_folder_new(&self.dir, &dir) {
                let _ = std::fs::remove_dir_all(&self.dir);
                return Err(e.into());
            }
            self.path = dir.join(EVENTS_FILE);
            self.dir = dir;
            self.last_saved = None;
        }
        Ok(())
    }

    pub(super) fn serve(mut self, jobs: &Receiver<Vec<Job>>) -> Self {
        for batch in jobs {
            let n = batch.len() as u64;
            self.write_batch(batch);
            self.counters.queued.fetch_sub(n, Ordering::Relaxed);
        }
        self
    }

    /// Writes a batch of jobs in order: the lines between two files in one append.
    /// Each line is serialised as it comes, into one buffer sized for the batch (a
    /// list of the records would be moved and grown record by record).
    pub(super) fn write_batch(&mut self, mut batch: Vec<Job>) {
        let mut lines = Lines::with_room_for(batch.len());
        // Read in place, dropped together after: a job (an epoch's report,
        // some 300 bytes) moved out of the list was copied once or twice.
        for job in &batch {
            if !matches!(job, Job::Line(_)) {
                // A file's record follows the file, and the lines before it precede it.
                self.append_all(&mut lines);
            }
            match job {
                Job::Line(record) => lines.push(record),
                Job::Restart(model_info, record) => {
                    self.model_info.clone_from(model_info);
                    // Its files hold the old model info: not the same bytes any more.
                    self.last_saved = None;
                    if let Entry::Restart(info) = &record.entry {
                        let json = serde_json::to_vec_pretty(info)
                            .expect("run info serialises: plain data");
                        if let Err(e) =
                            nn_atomic_write::write_atomically(&self.dir.join(RUN_INFO_FILE), &json)
                        {
                            let _ = self.problems.send(e.into());
                        }
                    }
                    lines.push(record);
                }
                Job::History(network, name) => {
                    let folder = self.dir.join(HISTORY_DIR);
                    let saved = std::fs::create_dir_all(&folder)
                        .map_err(|source| RunDirError::Io {
                            path: folder.clone(),
                            source,
                        })
                        .and_then(|()| Ok(self.save(&folder.join(name), network)?));
                    if let Err(e) = saved {
                        self.counters.lost.fetch_add(1, Ordering::Relaxed);
                        if !std::mem::replace(&mut self.snapshot_failed, true) {
                            let _ = self.problems.send(e);
                        }
                    }
                }
                Job::Snapshot(network, record) => {
                    let path = self.dir.join(SNAPSHOT_FILE);
                    match self.save(&path, network) {
                        Ok(()) => lines.push(record),
                        Err(e) => {
                            self.counters.lost.fetch_add(1, Ordering::Relaxed);
                            if !std::mem::replace(&mut self.snapshot_failed, true) {
                                let _ = self.problems.send(e.into());
                            }
                        }
                    }
                }
            }
        }
        self.append_all(&mut lines);
        batch.clear();
        keep_spare_jobs(batch);
    }

    /// Saves `network` as a model file at `path`. When the model file saved last
    /// holds the same bytes (a run's end saves its weights up to three times: the
    /// history's entry, the snapshot, the final model), `path` becomes a hard
    /// link to it, as atomic as a write and without a file to allocate and
    /// write; where that cannot be done (`path` exists, no hard links), it is written.
    /// The same weights (architecture and every parameter's bits) under the same
    /// model info are the same bytes, so they are compared rather than serialised again.
    pub(super) fn save(&mut self, path: &Path, network: &Network) -> Result<(), CoreError> {
        if let Some((last, kept)) = &self.last_saved
            && same_weights(kept, network)
            && nn_atomic_write::link_atomically(last, path).is_ok()
        {
            return Ok(());
        }
        let bytes = nn_core::model_to_bytes(network, &self.model_info);
        // No reader sees a scratch folder: a new file there is made and written once.
        let written_new = self.unseen.is_some()
            && match nn_atomic_write::write_new(path, &bytes) {
                Ok(()) => true,
                Err(nn_atomic_write::WriteError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::AlreadyExists =>
                {
                    false
                }
                Err(e) => return Err(e.into()),
            };
        if !written_new {
            nn_atomic_write::write_atomically(path, &bytes)?;
        }
        self.last_saved =
            (bytes.len() <= LINKED_AT_MOST).then(|| (path.to_path_buf(), network.clone()));
        Ok(())
    }

    /// Appends the lines gathered, in one write, and empties them; a failure is
    /// counted (a record a line) and reported once.
    fn append_all(&mut self, lines: &mut Lines) {
        if lines.records == 0 {
            return;
        }
        if let Some(held) = self.held.as_mut().filter(|held| held.is_empty()) {
            // A scratch folder's first lines: their buffer is kept, not copied.
            std::mem::swap(held, &mut lines.bytes);
            self.counters
                .bytes
                .fetch_add(held.len() as u64, Ordering::Relaxed);
        } else if let Err(e) = self.append_bytes(&lines.bytes) {
            self.counters
                .lost
                .fetch_add(lines.records as u64, Ordering::Relaxed);
            if !std::mem::replace(&mut self.append_failed, true) {
                let _ = self.problems.send(e);
            }
        }
        lines.bytes.clear();
        lines.records = 0;
    }

    /// Appends records as whole lines in one write.
    pub(super) fn append_now(&mut self, records: &[Record]) -> Result<(), RunDirError> {
        let mut lines = Lines::with_room_for(records.len());
        for record in records {
            lines.push(record);
        }
        self.append_bytes(&lines.bytes)
    }

    /// Appends whole lines in one write. A write that fails half way is cut off
    /// again, so the next record starts on a line of its own.
    fn append_bytes(&mut self, line: &[u8]) -> Result<(), RunDirError> {
        if let Some(held) = &mut self.held {
            held.extend_from_slice(line);
            self.counters
                .bytes
                .fetch_add(line.len() as u64, Ordering::Relaxed);
            return Ok(());
        }
        let before = self.counters.bytes.load(Ordering::Relaxed);
        match self.file.write_all(line) {
            Ok(()) => {
                self.counters
                    .bytes
                    .fetch_add(line.len() as u64, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                let _ = self.file.set_len(before);
                Err(RunDirError::io(&self.path, e))
            }
        }
    }
}

/// Records serialised as lines of JSON, waiting to be appended together.
struct Lines {
    bytes: Vec<u8>,
    records: usize,
}

impl Drop for Lines {
    fn drop(&mut self) {
        keep_spare(std::mem::take(&mut self.bytes));
    }
}

/// Room a record's line is given beforehand: an epoch's record of a classifier
/// is about 420 bytes; more grows the buffer, less leaves some unused.
const LINE_ROOM: usize = 512;

thread_local! {
    /// The buffer of lines this thread wrote last, for its next: a sweep's
    /// worker writes a trial's 45 kB of lines at its end, and a buffer made
    /// anew each time was memory the allocator handed back to the kernel and
    /// took again, a page fault a page, a tenth of a trial's recording.
    static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

thread_local! {
    /// The list of jobs this thread wrote last, emptied, for the next run's
    /// records (see [`spare_jobs`]).
    static SPARE_JOBS: Cell<Vec<Job>> = const { Cell::new(Vec::new()) };
}

/// An empty list of jobs with room: the one this thread wrote last, if any. A
/// sweep's trial gathers its 100-odd records in one list, which grew by
/// doubling, each time in memory new to it, like [`SPARE`]'s lines.
pub(super) fn spare_jobs() -> Vec<Job> {
    SPARE_JOBS.take()
}

/// Keeps `jobs` (written, empty) for [`spare_jobs`], up to [`super::QUEUE`] jobs.
fn keep_spare_jobs(jobs: Vec<Job>) {
    keep_larger(&SPARE_JOBS, jobs, super::QUEUE);
}

/// A buffer this thread may keep for its next lines (see [`SPARE`]), up to 1 MiB.
fn keep_spare(bytes: Vec<u8>) {
    keep_larger(&SPARE, bytes, 1 << 20);
}

/// Keeps `values`, emptied, in `spare` if it has more room than the one kept
/// there, and at most `most` (a rare huge one is given back).
fn keep_larger<T: 'static>(
    spare: &'static std::thread::LocalKey<Cell<Vec<T>>>,
    mut values: Vec<T>,
    most: usize,
) {
    if values.capacity() <= most {
        let kept = spare.take();
        if kept.capacity() > values.capacity() {
            values = kept;
        }
        values.clear();
        spare.set(values);
    }
}

impl Lines {
    fn with_room_for(records: usize) -> Self {
        let mut bytes = SPARE.take();
        bytes.reserve(records * LINE_ROOM);
        Self { bytes, records: 0 }
    }

    fn push(&mut self, record: &Record) {
        if let Entry::Epoch(report) = &record.entry {
            super::epoch_line::write_epoch_record(&mut self.bytes, record.t, report);
        } else {
            serde_json::to_writer(&mut self.bytes, record).expect("records serialise: plain data");
        }
        self.bytes.push(b'\n');
        self.records += 1;
    }
}
