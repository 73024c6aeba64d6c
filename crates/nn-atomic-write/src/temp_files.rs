//! Our temporary files: named by one pattern, locked by their writer until the
//! rename, and removed by the next write into their folder once no live writer
//! holds them (a crashed writer's leftovers).

use std::fs::{self, File, TryLockError};
use std::io;
use std::path::Path;

use tempfile::NamedTempFile;

/// Our temporary files: `.nn-tui-` + [`TEMP_RANDOM_CHARS`] letters or digits + `.tmp`.
const TEMP_PREFIX: &str = ".nn-tui-";
const TEMP_SUFFIX: &str = ".tmp";
const TEMP_RANDOM_CHARS: usize = 6;

/// Creates a temporary file of our pattern in `dir` and locks it.
///
/// Between creating and locking, another writer's cleanup may take the new
/// file for a crashed writer's and remove it; then the path no longer names
/// our file once we hold the lock, and we start again with a new name.
pub(crate) fn create_locked(dir: &Path) -> io::Result<NamedTempFile> {
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
pub(crate) fn remove_abandoned(dir: &Path) {
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
