//! A simulated full disk, for tests of what callers do when a save fails
//! (compiled in with the feature `simulated-full-disk`, and in this crate's tests).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::{Result, WriteError};

/// A simulated full disk for the atomic writes into one folder, for testing
/// what callers do when a save fails.
///
/// While it lives, every [`crate::write_atomically`] of a file directly in that
/// folder (from any thread) can store only `room` bytes: a longer write puts
/// `room` bytes into its temporary file, then fails with
/// [`std::io::ErrorKind::StorageFull`] ("no space left on device (simulated)"),
/// exactly as a full disk makes it fail: the old file is untouched and the
/// temporary file removed. Writes elsewhere are not affected. Dropping it
/// ends the simulation.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let full = nn_atomic_write::SimulatedFullDisk::new(dir.path(), 10)?;
/// let err = nn_atomic_write::write_atomically(&dir.path().join("m"), &[0; 11]).unwrap_err();
/// assert!(err.to_string().ends_with("no space left on device (simulated)"));
/// drop(full);
/// nn_atomic_write::write_atomically(&dir.path().join("m"), &[0; 11])?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct SimulatedFullDisk {
    id: u64,
}

/// Folders with a simulated full disk: (id, canonical folder, room in bytes).
static FULL_DISKS: Mutex<Vec<(u64, PathBuf, u64)>> = Mutex::new(Vec::new());
static NEXT_FULL_DISK: AtomicU64 = AtomicU64::new(0);

impl SimulatedFullDisk {
    /// Simulates a disk with `room` free bytes for the files in `dir` (which must exist).
    pub fn new(dir: &Path, room: u64) -> Result<Self> {
        let dir = fs::canonicalize(dir).map_err(|source| WriteError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let id = NEXT_FULL_DISK.fetch_add(1, Ordering::Relaxed);
        full_disks().push((id, dir, room));
        Ok(Self { id })
    }
}

impl Drop for SimulatedFullDisk {
    fn drop(&mut self) {
        full_disks().retain(|(id, _, _)| *id != self.id);
    }
}

fn full_disks() -> std::sync::MutexGuard<'static, Vec<(u64, PathBuf, u64)>> {
    FULL_DISKS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The room a [`SimulatedFullDisk`] leaves in `dir`, if there is one.
pub(crate) fn room(dir: &Path) -> Option<u64> {
    let disks = full_disks();
    if disks.is_empty() {
        return None;
    }
    let dir = fs::canonicalize(dir).ok()?;
    disks
        .iter()
        .filter(|(_, d, _)| *d == dir)
        .map(|&(_, _, room)| room)
        .min()
}

/// Writes `buf` into `file`, failing as a full disk does once `room` bytes are
/// used (`None`: no simulated disk here, the write goes straight through).
pub(crate) fn write(file: &File, room: &mut Option<u64>, buf: &[u8]) -> io::Result<usize> {
    let mut file = file;
    let Some(left) = *room else {
        return file.write(buf);
    };
    if left == 0 && !buf.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::StorageFull,
            "no space left on device (simulated)",
        ));
    }
    let len = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
    let written = file.write(&buf[..len])?;
    *room = Some(left - written as u64);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write_atomically;

    fn names_in(dir: &Path) -> Vec<std::ffi::OsString> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn simulated_full_disk_fails_the_write_and_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        fs::write(&path, "old model").unwrap();
        let full = SimulatedFullDisk::new(dir.path(), 100).unwrap();
        let err = write_atomically(&path, &[7; 101]).unwrap_err();
        assert!(
            matches!(&err, WriteError::Io { source, .. } if source.kind() == io::ErrorKind::StorageFull),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            format!("{}: no space left on device (simulated)", path.display())
        );
        assert_eq!(fs::read(&path).unwrap(), b"old model");
        assert_eq!(names_in(dir.path()), ["model.safetensors"]);
        // What fits is written; other folders are not affected.
        write_atomically(&path, &[7; 100]).unwrap();
        assert_eq!(fs::read(&path).unwrap(), [7; 100]);
        write_atomically(&other.path().join("m"), &[7; 1000]).unwrap();
        drop(full);
        write_atomically(&path, &[8; 1000]).unwrap();
        assert_eq!(fs::read(&path).unwrap(), [8; 1000]);
    }
}
