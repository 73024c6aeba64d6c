//! Files written where no reader looks yet: a folder made under a scratch
//! name, filled, and renamed into place whole ([`rename_folder_new`]). Its
//! files need no temporary file and rename of their own ([`write_new`]): one
//! create and one write each, where an atomic write costs a look for crashed
//! writers' leftovers, a locked temporary file, a change of mode and a rename.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::{Result, WriteError, syncs_deferred};

/// Writes `bytes` as a new file at `path` (which must not exist: nothing is
/// replaced) in one write, synced unless syncs are deferred. Not atomic: for
/// a folder that no reader sees until it is renamed into place.
///
/// # Errors
/// `path` exists, or the I/O error naming it (a file cut short is removed).
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io)?;
    let written = file.write_all(bytes).and_then(|()| {
        if syncs_deferred() {
            Ok(())
        } else {
            file.sync_all()
        }
    });
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(io(e));
    }
    Ok(())
}

/// Renames the folder `from` to `to`, which must not exist (on Linux the
/// kernel checks, in the rename itself), then syncs the folder holding `to`
/// unless syncs are deferred: the folder appears whole under its name, or
/// not at all.
///
/// # Errors
/// `to` exists, or the I/O error naming it; `from` is then left as it was.
pub fn rename_folder_new(from: &Path, to: &Path) -> Result<()> {
    let io = |source| WriteError::Io {
        path: to.to_path_buf(),
        source,
    };
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE)
            .map_err(|e| io(std::io::Error::from(e)))?;
    }
    #[cfg(not(target_os = "linux"))]
    {
        if std::fs::symlink_metadata(to).is_ok() {
            return Err(io(std::io::ErrorKind::AlreadyExists.into()));
        }
        std::fs::rename(from, to).map_err(io)?;
    }
    if !syncs_deferred()
        && let Some(dir) = to.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_filled_unseen_appears_whole_and_never_replaces_one() {
        let root = tempfile::tempdir().unwrap();
        let scratch = root.path().join(".run.part");
        std::fs::create_dir(&scratch).unwrap();
        write_new(&scratch.join("a"), b"bytes").unwrap();
        assert!(
            write_new(&scratch.join("a"), b"other").is_err(),
            "no file replaced"
        );
        assert_eq!(std::fs::read(scratch.join("a")).unwrap(), b"bytes");
        let run = root.path().join("run");
        rename_folder_new(&scratch, &run).unwrap();
        assert_eq!(std::fs::read(run.join("a")).unwrap(), b"bytes");
        assert!(!scratch.exists());
        // A folder already there, even an empty one, is never replaced.
        std::fs::create_dir(&scratch).unwrap();
        let empty = root.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(rename_folder_new(&scratch, &empty).is_err());
        assert!(rename_folder_new(&scratch, &run).is_err());
        assert!(scratch.exists() && run.join("a").exists());
    }
}
