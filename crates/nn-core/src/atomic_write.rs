//! Atomic file writes: a temporary file in the target's folder, fsync, rename,
//! fsync the folder, so a crash leaves the old file or the new one, never half.
//!
//! Each temporary file is named `.nn-tui-XXXXXX.tmp` (six letters or digits) and
//! its writer holds an exclusive `flock` on it until the rename. A writer killed
//! mid-write leaves the file behind but its lock dies with it, so the next write
//! into that folder removes every *unlocked* file of exactly that pattern, and
//! nothing else: no other name, no file a live writer holds. Targets that exist
//! and are not regular files (symlinks, FIFOs, devices, folders) are refused.
//! [`SimulatedFullDisk`] makes the writes into one folder fail as a full disk
//! would, so callers' recovery paths can be tested without root.

use std::fs::{self, File, TryLockError};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use tempfile::NamedTempFile;

use crate::error::{CoreError, Result};

/// Our temporary files: `.nn-tui-` + [`TEMP_RANDOM_CHARS`] letters or digits + `.tmp`.
const TEMP_PREFIX: &str = ".nn-tui-";
const TEMP_SUFFIX: &str = ".tmp";
const TEMP_RANDOM_CHARS: usize = 6;

/// Writes `bytes` to `path` atomically (temp file in the same folder, fsync,
/// rename, fsync the folder).
///
/// An existing regular file at `path` is replaced whole; anything else that
/// exists there (a symlink, FIFO, device node, folder) is refused with
/// [`CoreError::NotRegularFile`] and left alone. Before writing, temporary files
/// of ours that no live writer holds (left by a crash) are removed from the folder.
/// On any error the old file is untouched and our temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|source| CoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    file.commit()
}

/// A file written as a stream, then put in place atomically by [`AtomicFile::commit`]:
/// what [`write_atomically`] does for bytes already in memory, for output too large to
/// hold (`nn-tui predict` writing as it reads). Until the commit the bytes go to a locked
/// temporary file in the target's folder; dropped without a commit, that file is removed
/// and the target left as it was. It can seek, to fill in a header once the length is known.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    dir: PathBuf,
    tmp: NamedTempFile,
    /// Bytes a [`SimulatedFullDisk`] leaves for this file.
    room: Option<u64>,
}

impl AtomicFile {
    /// Starts writing `path`: refuses a target that is not a regular file, removes
    /// crashed writers' leftovers, creates the locked temporary file.
    ///
    /// # Errors
    /// [`CoreError::NotRegularFile`], or the I/O error naming `path`.
    pub fn create(path: &Path) -> Result<Self> {
        refuse_unusual_target(path)?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // First, so a crashed writer's leftovers free their space for this write.
        remove_abandoned_temp_files(&dir);
        let tmp = create_locked_temp_file(&dir).map_err(|source| CoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let room = simulated_room(&dir);
        Ok(Self {
            path: path.to_path_buf(),
            dir,
            tmp,
            room,
        })
    }

    /// Flushes and syncs what was written and renames it over the target.
    ///
    /// # Errors
    /// The I/O error naming the target; the temporary file is then removed.
    pub fn commit(self) -> Result<()> {
        let io = |source| CoreError::Io {
            path: self.path.clone(),
            source,
        };
        // Temporary files are created private (0600); a saved model is an ordinary file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            self.tmp
                .as_file()
                .set_permissions(fs::Permissions::from_mode(0o644))
                .map_err(io)?;
        }
        self.tmp.as_file().sync_all().map_err(io)?;
        // The file stays open, so locked, until the rename is done.
        let _locked = self.tmp.persist(&self.path).map_err(|e| io(e.error))?;
        // Make the rename itself durable; not all platforms can open a folder.
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut writer = FullDiskWriter {
            file: self.tmp.as_file(),
            room: self.room,
        };
        let written = writer.write(buf)?;
        self.room = writer.room;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tmp.as_file().flush()
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.tmp.as_file().seek(pos)
    }
}

/// Refuses a target that exists and is not a regular file: a rename would
/// replace a symlink (not what it points to), a FIFO or a device node.
fn refuse_unusual_target(path: &Path) -> Result<()> {
    let file_type = match fs::symlink_metadata(path) {
        Ok(meta) => meta.file_type(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(CoreError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    if file_type.is_file() {
        return Ok(());
    }
    Err(CoreError::NotRegularFile {
        path: path.to_path_buf(),
        kind: describe(file_type),
    })
}

/// "a symbolic link", "a FIFO", ...: what a non-regular file is, for the error.
fn describe(file_type: fs::FileType) -> &'static str {
    if file_type.is_symlink() {
        return "a symbolic link";
    }
    if file_type.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Creates a temporary file of our pattern in `dir` and locks it.
///
/// Between creating and locking, another writer's cleanup may take the new
/// file for a crashed writer's and remove it; then the path no longer names
/// our file once we hold the lock, and we start again with a new name.
fn create_locked_temp_file(dir: &Path) -> io::Result<NamedTempFile> {
    for _ in 0..16 {
        let tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .rand_bytes(TEMP_RANDOM_CHARS)
            .tempfile_in(dir)?;
        match tmp.as_file().lock() {
            Ok(()) => {}
            // No locks on this filesystem: cleanups cannot lock either, so they remove nothing.
            Err(e) if e.kind() == io::ErrorKind::Unsupported => return Ok(tmp),
            Err(e) => return Err(e),
        }
        if still_named_by(tmp.path(), tmp.as_file())? {
            return Ok(tmp);
        }
    }
    Err(io::Error::other(
        "could not keep a temporary file: another process removed each one",
    ))
}

/// Removes our temporary files in `dir` that no live writer holds. Best effort:
/// a cleanup that fails never fails the write.
fn remove_abandoned_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if is_our_temp_name(&entry.file_name()) {
            let _ = remove_if_abandoned(&entry.path());
        }
    }
}

/// Removes `path` if it is a regular file that nobody holds a lock on.
fn remove_if_abandoned(path: &Path) -> io::Result<()> {
    if !fs::symlink_metadata(path)?.file_type().is_file() {
        return Ok(());
    }
    let file = File::open(path)?;
    match file.try_lock() {
        Ok(()) => {}
        // A live writer: its process holds the lock until its rename is done.
        Err(TryLockError::WouldBlock) => return Ok(()),
        Err(TryLockError::Error(e)) => return Err(e),
    }
    // The writer may have renamed it (and let go) after we opened it.
    if still_named_by(path, &file)? {
        fs::remove_file(path)?;
    }
    Ok(())
}

/// Whether `path` (not following symlinks) is still the file `file` has open.
fn still_named_by(path: &Path, file: &File) -> io::Result<bool> {
    let named = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let open = file.metadata()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(named.dev() == open.dev() && named.ino() == open.ino())
    }
    #[cfg(not(unix))]
    {
        // Without inode numbers, never remove: a leftover file is better than a lost write.
        let _ = (named, open);
        Ok(false)
    }
}

/// `.nn-tui-` + exactly six ASCII letters or digits + `.tmp`, as tempfile makes them.
fn is_our_temp_name(name: &std::ffi::OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    name.strip_prefix(TEMP_PREFIX)
        .and_then(|rest| rest.strip_suffix(TEMP_SUFFIX))
        .is_some_and(|random| {
            random.len() == TEMP_RANDOM_CHARS && random.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// A simulated full disk for the atomic writes into one folder, for testing
/// what callers do when a save fails.
///
/// While it lives, every [`write_atomically`] of a file directly in that
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
/// let full = nn_core::SimulatedFullDisk::new(dir.path(), 10)?;
/// let err = nn_core::write_atomically(&dir.path().join("m"), &[0; 11]).unwrap_err();
/// assert!(err.to_string().ends_with("no space left on device (simulated)"));
/// drop(full);
/// nn_core::write_atomically(&dir.path().join("m"), &[0; 11])?;
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
        let dir = fs::canonicalize(dir).map_err(|source| CoreError::Io {
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
fn simulated_room(dir: &Path) -> Option<u64> {
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

/// Writes into `file`, failing as a full disk does once `room` bytes are used.
struct FullDiskWriter<'a> {
    file: &'a File,
    room: Option<u64>,
}

impl Write for FullDiskWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(room) = self.room else {
            return self.file.write(buf);
        };
        if room == 0 && !buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "no space left on device (simulated)",
            ));
        }
        let len = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let written = self.file.write(&buf[..len])?;
        self.room = Some(room - written as u64);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn only_our_exact_pattern_counts_as_our_temp_file() {
        for ours in [".nn-tui-abc123.tmp", ".nn-tui-ZZZZZZ.tmp"] {
            assert!(is_our_temp_name(OsStr::new(ours)), "{ours}");
        }
        for other in [
            ".nn-tui-abc12.tmp",
            ".nn-tui-abc1234.tmp",
            ".nn-tui-abc-12.tmp",
            "nn-tui-abc123.tmp",
            ".nn-tui-abc123.tmp.bak",
            ".nn-tui-abc123.tmpx",
            ".other-abc123.tmp",
            "model.safetensors",
        ] {
            assert!(!is_our_temp_name(OsStr::new(other)), "{other}");
        }
    }
}
