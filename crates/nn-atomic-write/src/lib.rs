//! nn-atomic-write: atomic file writes. A temporary file in the target's
//! folder, fsync, rename, fsync the folder, so a crash leaves the old file or
//! the new one, never half.
//!
//! Each temporary file is named `.nn-tui-XXXXXX.tmp` (six letters or digits) and
//! its writer holds an exclusive `flock` on it until the rename. A writer killed
//! mid-write leaves the file behind but its lock dies with it, so the next write
//! into that folder removes every *unlocked* file of exactly that pattern, and
//! nothing else: no other name, no file a live writer holds (`temp_files.rs`).
//! Targets that exist and are not regular files (symlinks, FIFOs, devices,
//! folders) are refused. With the feature `simulated-full-disk`,
//! `SimulatedFullDisk` makes the writes into one folder fail as a full disk
//! would, so callers' recovery paths can be tested without root; production
//! builds do not have it, and their writes consult nothing. A program writing
//! many small files can defer their syncs to one point (`defer_syncs`,
//! `sync_filesystem`; `deferred.rs`). The same bytes under a second name can be
//! a hard link (`link_atomically`). A folder filled under a scratch name and
//! renamed into place whole needs none of this for its files (`write_new`,
//! `rename_folder_new`; `unseen.rs`).

#![deny(clippy::print_stdout, clippy::print_stderr)]

mod deferred;
#[cfg(any(test, feature = "simulated-full-disk"))]
mod full_disk;
mod temp_files;
mod unseen;

use std::fs::{self, File};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

pub use deferred::{DeferredSyncs, defer_syncs, sync_filesystem, syncs_deferred};
#[cfg(any(test, feature = "simulated-full-disk"))]
pub use full_disk::SimulatedFullDisk;
pub use unseen::{rename_folder_new, write_new};

/// Why a file could not be written atomically.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The operating system refused (a full disk, no permission, a vanished folder).
    #[error("{path}: {source}")]
    Io {
        /// The target file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// A write target that exists and is not a regular file (a symlink, FIFO,
    /// device node or folder), which an atomic rename would silently replace.
    #[error("{path}: exists and is {kind}, not a regular file; refusing to replace it")]
    NotRegularFile {
        /// The target path.
        path: PathBuf,
        /// What is there: "a symbolic link", "a FIFO (named pipe)", ...
        kind: &'static str,
    },
}

/// The result of a write.
pub type Result<T, E = WriteError> = std::result::Result<T, E>;

/// Writes `bytes` to `path` atomically (temp file in the same folder, fsync,
/// rename, fsync the folder).
///
/// An existing regular file at `path` is replaced whole; anything else that
/// exists there (a symlink, FIFO, device node, folder) is refused with
/// [`WriteError::NotRegularFile`] and left alone. Before writing, temporary files
/// of ours that no live writer holds (left by a crash) are removed from the folder.
/// On any error the old file is untouched and our temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    file.commit()
}

/// Puts a hard link to `existing` (a file written whole before, e.g. by
/// [`write_atomically`]) at `path`, which must not exist, then syncs the
/// folder (unless syncs are deferred). The name appears whole or not at all,
/// so this is as atomic as a write, without a second file to allocate and
/// write: for the same bytes saved under several names.
///
/// # Errors
/// `path` exists, the file system has no hard links (or not across these
/// folders), or `existing` is gone: the I/O error naming `path`. Nothing was made.
pub fn link_atomically(existing: &Path, path: &Path) -> Result<()> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    fs::hard_link(existing, path).map_err(io)?;
    if !syncs_deferred()
        && let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
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
    /// Bytes a `SimulatedFullDisk` leaves for this file.
    #[cfg(any(test, feature = "simulated-full-disk"))]
    room: Option<u64>,
}

impl AtomicFile {
    /// Starts writing `path`: refuses a target that is not a regular file, removes
    /// crashed writers' leftovers, creates the locked temporary file.
    ///
    /// # Errors
    /// [`WriteError::NotRegularFile`], or the I/O error naming `path`.
    pub fn create(path: &Path) -> Result<Self> {
        refuse_unusual_target(path)?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // First, so a crashed writer's leftovers free their space for this write.
        temp_files::remove_abandoned(&dir);
        let tmp = temp_files::create_locked(&dir).map_err(|source| WriteError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            #[cfg(any(test, feature = "simulated-full-disk"))]
            room: full_disk::room(&dir),
            dir,
            tmp,
        })
    }

    /// Flushes and syncs what was written and renames it over the target.
    ///
    /// # Errors
    /// The I/O error naming the target; the temporary file is then removed.
    pub fn commit(self) -> Result<()> {
        let io = |source| WriteError::Io {
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
        let sync = !syncs_deferred();
        if sync {
            self.tmp.as_file().sync_all().map_err(io)?;
        }
        // The file stays open, so locked, until the rename is done.
        let _locked = self.tmp.persist(&self.path).map_err(|e| io(e.error))?;
        // Make the rename itself durable; not all platforms can open a folder.
        if sync && let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    #[cfg(any(test, feature = "simulated-full-disk"))]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        full_disk::write(self.tmp.as_file(), &mut self.room, buf)
    }

    #[cfg(not(any(test, feature = "simulated-full-disk")))]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.as_file().write(buf)
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
            return Err(WriteError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    if file_type.is_file() {
        return Ok(());
    }
    Err(WriteError::NotRegularFile {
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
