//! A sweep spread over processes (the binary's `mpirun -np N nn-tui sweep`):
//! the process that owns the sweep directory hands out jobs, one per request
//! ([`TaskHub`]); every other process runs the jobs it is given in a scratch
//! folder of its own and sends each back whole ([`TaskHand`]): the result and its
//! run directory's files, which the owner writes where a one-process sweep
//! would. So only the owner needs the sweep directory, and the sweep directory
//! ends as a one-process sweep's (timings aside). Halving is not spread: a
//! trial's trainer lives between rungs in the process that trained it.
//!
//! The messages themselves are the caller's (nn-dist's task farm over MPI);
//! this module knows jobs by their index in [`SweepSpec::jobs`](crate::SweepSpec::jobs).

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Mutex, mpsc};

use crate::cores::{Cores, workers_for};
use crate::data::SharedData;
use crate::record::JobResult;
use crate::run::{RunOptions, Sweep, WorkerPools};
use crate::spec::{Job, SweepSpec};
use crate::{SweepError, TRIALS_DIR};

/// The owner's side: answers the other processes' requests for jobs and
/// receives their results.
pub trait TaskHub {
    /// Answers every request waiting with `next()` (a job's index, or none
    /// left) and returns the packed results received. Must not block.
    fn serve(&mut self, next: &mut dyn FnMut() -> Option<usize>) -> Vec<Vec<u8>>;
    /// Whether every other process has sent its last result.
    fn all_done(&self) -> bool;
}

/// Another process's side: asks for jobs, sends their packed results.
pub trait TaskHand {
    /// The next job's index, or `None` when none are left.
    fn request(&mut self) -> Option<usize>;
    /// Sends the packed result of the job of index `job` to the owner.
    fn send(&mut self, job: usize, packed: &[u8]);
}

/// What a worker thread tells the thread that talks to the owner.
enum ToOwner {
    /// It wants a job (the answer goes back on the sender).
    Want(mpsc::Sender<Option<Job>>),
    /// A job ended: its packed result (`None`: interrupted, not a result).
    Ended(Job, Result<Option<Vec<u8>>, SweepError>),
}

impl Sweep {
    /// The sweep `spec`, its trials recorded under `scratch` (a process's own
    /// folder, which need not be the sweep directory) and sent to the owner by
    /// [`Sweep::work_for`].
    ///
    /// # Errors
    /// The spec's lines do not read.
    pub fn elsewhere(spec: SweepSpec, scratch: &Path) -> Result<Self, SweepError> {
        let trials = spec.trials()?;
        Ok(Self::assemble(scratch.to_path_buf(), spec, trials))
    }

    /// Runs the jobs `hand` is given on `options.cores` cores and sends each
    /// result back; returns the number sent.
    ///
    /// # Errors
    /// A trial's run cannot be set up (before any is asked for), or a job fails.
    pub fn work_for(
        &self,
        shared: &mut SharedData,
        options: &RunOptions,
        hand: &mut dyn TaskHand,
    ) -> Result<usize, SweepError> {
        self.refuse_halving()?;
        // The scratch folder's files are read back and sent: never worth a sync.
        let _deferred = nn_atomic_write::defer_syncs();
        let plans = self.plans(shared, options.cores)?;
        let jobs = self.spec().jobs(self.trials().len());
        let cores = Cores::new(options.cores.max(1), options.cpu_share);
        let times = Mutex::new(None);
        let epochs = self.spec().epochs;
        let (tx, rx) = mpsc::channel::<ToOwner>();
        std::thread::scope(|scope| {
            for _ in 0..workers_for(options.cores) {
                let tx = tx.clone();
                let (plans, cores, times) = (&plans, &cores, &times);
                scope.spawn(move || {
                    let mut kept = WorkerPools::default();
                    loop {
                        let (answer, job) = mpsc::channel();
                        if tx.send(ToOwner::Want(answer)).is_err() {
                            return;
                        }
                        let Ok(Some(job)) = job.recv() else { return };
                        let out = self.run_job(
                            job,
                            &plans[job.trial],
                            None,
                            (epochs, 0, true),
                            (cores, times, &mut kept),
                            &options.stop,
                        );
                        let packed = match out {
                            Ok(Some((result, _))) => self.pack(&result).map(Some),
                            Ok(None) => Ok(None),
                            Err(e) => Err(e),
                        };
                        if tx.send(ToOwner::Ended(job, packed)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(tx);
            let (mut sent, mut no_more, mut first_error) = (0, false, None);
            for message in rx {
                match message {
                    ToOwner::Want(answer) => {
                        let stopped = options.stop.load(Ordering::SeqCst);
                        let next = if no_more || stopped || first_error.is_some() {
                            None
                        } else {
                            hand.request().and_then(|i| jobs.get(i).copied())
                        };
                        no_more |= next.is_none();
                        let _ = answer.send(next);
                    }
                    ToOwner::Ended(job, Ok(Some(packed))) => {
                        hand.send(self.job_index(job), &packed);
                        sent += 1;
                    }
                    ToOwner::Ended(_, Ok(None)) => {}
                    ToOwner::Ended(_, Err(e)) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            first_error.map_or(Ok(sent), Err)
        })
    }

    /// A sweep spread over processes trains every trial to the end in one go.
    pub(crate) fn refuse_halving(&self) -> Result<(), SweepError> {
        if self.spec().halving.is_some() {
            return Err(SweepError::Spread(
                "--halving: a sweep over several processes runs without halving (a trial's \
                 trainer lives between rungs in the process that trained it); run it in one process"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The index of `job` in [`SweepSpec::jobs`](crate::SweepSpec::jobs).
    pub(crate) fn job_index(&self, job: Job) -> usize {
        job.trial * self.spec().folds.unwrap_or(1) + job.fold.unwrap_or(0)
    }

    /// A finished job's result and its run directory's files, as bytes; the
    /// local run directory goes.
    fn pack(&self, result: &JobResult) -> Result<Vec<u8>, SweepError> {
        let dir = self.dir().join(&result.dir);
        let mut files = Vec::new();
        collect_files(&dir, Path::new(""), &mut files)?;
        let mut out = Vec::new();
        put(
            &mut out,
            &serde_json::to_vec(result).expect("a result serialises: plain data"),
        );
        out.extend_from_slice(&(files.len() as u64).to_le_bytes());
        for (name, bytes) in &files {
            put(&mut out, name.to_string_lossy().as_bytes());
            put(&mut out, bytes);
        }
        std::fs::remove_dir_all(&dir).map_err(|e| SweepError::io(&dir, e))?;
        Ok(out)
    }

    /// Writes a result packed by another process's [`Sweep::work_for`] into the
    /// sweep directory (its run directory, each file atomically) and returns it.
    pub(crate) fn unpack(&self, packed: &[u8]) -> Result<JobResult, SweepError> {
        let bad = |what: &str| SweepError::Spread(format!("a result sent back {what}"));
        let mut at = packed;
        let json = take(&mut at).ok_or_else(|| bad("is cut short"))?;
        let result: JobResult =
            serde_json::from_slice(json).map_err(|e| bad(&format!("does not read: {e}")))?;
        if !is_plain_relative(&result.dir) || !result.dir.starts_with(TRIALS_DIR) {
            return Err(bad("names a run directory outside trials/"));
        }
        let count = take_u64(&mut at).ok_or_else(|| bad("is cut short"))?;
        let dir = self.dir().join(&result.dir);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| SweepError::io(&dir, e))?;
        }
        for _ in 0..count {
            let name = take(&mut at).ok_or_else(|| bad("is cut short"))?;
            let bytes = take(&mut at).ok_or_else(|| bad("is cut short"))?;
            let name = PathBuf::from(String::from_utf8_lossy(name).into_owned());
            if !is_plain_relative(&name) {
                return Err(bad("names a file outside its run directory"));
            }
            let path = dir.join(&name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| SweepError::io(parent, e))?;
            }
            nn_atomic_write::write_atomically(&path, bytes)?;
        }
        Ok(result)
    }
}

/// Every regular file under `dir` (recursively), named relative to it.
fn collect_files(
    dir: &Path,
    prefix: &Path,
    out: &mut Vec<(PathBuf, Vec<u8>)>,
) -> Result<(), SweepError> {
    let entries = std::fs::read_dir(dir).map_err(|e| SweepError::io(dir, e))?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let name = prefix.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| SweepError::io(&path, e))?;
        if kind.is_dir() {
            collect_files(&path, &name, out)?;
        } else if kind.is_file() {
            let bytes = std::fs::read(&path).map_err(|e| SweepError::io(&path, e))?;
            out.push((name, bytes));
        }
    }
    Ok(())
}

/// A relative path of plain names (no `..`, no root).
fn is_plain_relative(path: &Path) -> bool {
    path.components().all(|c| matches!(c, Component::Normal(_)))
        && path.components().next().is_some()
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn take_u64(at: &mut &[u8]) -> Option<u64> {
    let (head, rest) = at.split_first_chunk::<8>()?;
    *at = rest;
    Some(u64::from_le_bytes(*head))
}

fn take<'a>(at: &mut &'a [u8]) -> Option<&'a [u8]> {
    let n = usize::try_from(take_u64(at)?).ok()?;
    if at.len() < n {
        return None;
    }
    let (head, rest) = at.split_at(n);
    *at = rest;
    Some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_frame_reads_back_and_a_cut_one_does_not() {
        let mut out = Vec::new();
        put(&mut out, b"abc");
        out.extend_from_slice(&7u64.to_le_bytes());
        let mut at = &out[..];
        assert_eq!(take(&mut at), Some(&b"abc"[..]));
        assert_eq!(take_u64(&mut at), Some(7));
        assert_eq!(take_u64(&mut at), None);
        let mut cut = &out[..5];
        assert_eq!(take(&mut cut), None);
    }

    #[test]
    fn only_plain_relative_names_are_accepted() {
        assert!(is_plain_relative(Path::new(
            "trials/t0001/model.safetensors"
        )));
        assert!(!is_plain_relative(Path::new("../x")));
        assert!(!is_plain_relative(Path::new("/etc/passwd")));
        assert!(!is_plain_relative(Path::new("")));
    }
}
