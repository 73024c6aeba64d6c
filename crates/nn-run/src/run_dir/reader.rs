//! [`RunReader`]: follows a run directory while another process writes it, or
//! reads a finished one.
//!
//! Only whole lines are read: a line still being written waits for the next
//! [`RunReader::poll`]. Whether the writer lives is told by the lock it holds on
//! `events.jsonl`; once it is gone, a last line without its end of line is a
//! record torn by a crash, skipped with a warning, as is any line that does not
//! parse.

use std::fs::{File, TryLockError};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;

use super::record::{EndStatus, Entry, FORMAT, Record, RunEnd, RunInfo};
use super::{EVENTS_FILE, RUN_INFO_FILE, RunDirError};

/// Whether a run is being written, and if not, how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// The writer is alive (training, paused, or done training and still open).
    Running,
    /// All epochs done, or stopped early.
    Finished,
    /// Stopped before its end (Ctrl-C, a signal).
    Interrupted,
    /// Stopped by the user (the dashboard closed with `q`).
    Stopped,
    /// The loss stopped being finite.
    Diverged,
    /// An error ended it.
    Failed,
    /// The writer is gone without saying how it ended: killed, crashed, or its
    /// machine went down.
    StoppedWriting,
}

impl RunStatus {
    /// The status in words, as `nn-tui runs` shows it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Interrupted => "interrupted",
            Self::Stopped => "stopped",
            Self::Diverged => "diverged",
            Self::Failed => "failed",
            Self::StoppedWriting => "stopped writing",
        }
    }
}

impl From<EndStatus> for RunStatus {
    fn from(status: EndStatus) -> Self {
        match status {
            EndStatus::Finished => Self::Finished,
            EndStatus::Interrupted => Self::Interrupted,
            EndStatus::Stopped => Self::Stopped,
            EndStatus::Diverged => Self::Diverged,
            EndStatus::Failed => Self::Failed,
        }
    }
}

/// From this many new lines on, they are parsed in parallel.
const PARALLEL_LINES: usize = 4096;

/// When file locks are not supported (some network file systems), a writer
/// counts as alive while its log changed this recently.
const QUIET_WRITER: Duration = Duration::from_secs(30);

/// Reads a run directory's log incrementally; see the module docs.
#[derive(Debug)]
pub struct RunReader {
    dir: PathBuf,
    info: RunInfo,
    path: PathBuf,
    log: File,
    /// Bytes read after the last complete line.
    pending: Vec<u8>,
    /// Lines read so far.
    lines: usize,
    warnings: Vec<String>,
    end: Option<RunEnd>,
}

impl RunReader {
    /// Opens the run in `dir`: reads `run.json` and opens the log at its start.
    pub fn open(dir: &Path) -> Result<Self, RunDirError> {
        let info_path = dir.join(RUN_INFO_FILE);
        let text = match std::fs::read(&info_path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(RunDirError::NotARun(dir.to_path_buf()));
            }
            Err(e) => return Err(RunDirError::io(info_path, e)),
        };
        let unreadable = |message: String| RunDirError::Unreadable {
            path: info_path.clone(),
            message,
        };
        let format: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| unreadable(e.to_string()))?;
        if format["format"] != FORMAT {
            return Err(unreadable(format!(
                "run-directory format {} (this build reads {FORMAT})",
                format["format"]
            )));
        }
        let info: RunInfo =
            serde_json::from_value(format).map_err(|e| unreadable(e.to_string()))?;
        let path = dir.join(EVENTS_FILE);
        let log = File::open(&path).map_err(|e| RunDirError::io(&path, e))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            info,
            path,
            log,
            pending: Vec::new(),
            lines: 0,
            warnings: Vec::new(),
            end: None,
        })
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the run is (`run.json`).
    pub fn info(&self) -> &RunInfo {
        &self.info
    }

    /// The records written since the last poll, and the run's status now.
    pub fn poll(&mut self) -> Result<(Vec<Record>, RunStatus), RunDirError> {
        // Liveness first: whatever a writer wrote before it died is then in this read.
        let alive = self.end.is_none() && self.writer_alive()?;
        let mut records = Vec::new();
        self.read_lines(&mut records)?;
        let status = match &self.end {
            Some(end) => end.status.into(),
            None if alive => RunStatus::Running,
            None => {
                if !self.pending.is_empty() {
                    self.warnings.push(format!(
                        "{}: skipped a torn record at line {} ({} bytes without an end of line): \
                         the writer stopped in the middle of it",
                        self.path.display(),
                        self.lines + 1,
                        self.pending.len()
                    ));
                    self.pending.clear();
                }
                RunStatus::StoppedWriting
            }
        };
        Ok((records, status))
    }

    /// Warnings since the last call: torn and unreadable records skipped.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    fn read_lines(&mut self, records: &mut Vec<Record>) -> Result<(), RunDirError> {
        let before = self.pending.len();
        self.log
            .read_to_end(&mut self.pending)
            .map_err(|e| RunDirError::io(&self.path, e))?;
        let Some(last_newline) = self.pending[before..]
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|i| before + i)
        else {
            return Ok(());
        };
        let rest = self.pending.split_off(last_newline + 1);
        let complete = std::mem::replace(&mut self.pending, rest);
        let lines: Vec<&[u8]> = complete[..last_newline].split(|&b| b == b'\n').collect();
        let parse = |line: &&[u8]| {
            (!line.iter().all(u8::is_ascii_whitespace))
                .then(|| serde_json::from_slice::<Record>(line))
        };
        // A long log (a watcher starting on hours of records) is parsed on every core.
        let parsed: Vec<_> = if lines.len() >= PARALLEL_LINES {
            lines.par_iter().map(parse).collect()
        } else {
            lines.iter().map(parse).collect()
        };
        for result in parsed {
            self.lines += 1;
            match result {
                None => {}
                Some(Ok(record)) => {
                    if let Entry::End(end) = &record.entry {
                        self.end = Some(end.clone());
                    }
                    records.push(record);
                }
                Some(Err(e)) => self.warnings.push(format!(
                    "{}: skipped an unreadable record at line {}: {e}",
                    self.path.display(),
                    self.lines
                )),
            }
        }
        Ok(())
    }

    /// Whether a writer holds the log's lock.
    fn writer_alive(&self) -> Result<bool, RunDirError> {
        match self.log.try_lock_shared() {
            Ok(()) => {
                let _ = self.log.unlock();
                Ok(false)
            }
            Err(TryLockError::WouldBlock) => Ok(true),
            Err(TryLockError::Error(e)) if e.kind() == ErrorKind::Unsupported => {
                let modified = self
                    .log
                    .metadata()
                    .and_then(|m| m.modified())
                    .map_err(|e| RunDirError::io(&self.path, e))?;
                Ok(SystemTime::now()
                    .duration_since(modified)
                    .is_ok_and(|quiet| quiet < QUIET_WRITER))
            }
            Err(TryLockError::Error(e)) => Err(RunDirError::io(&self.path, e)),
        }
    }
}
