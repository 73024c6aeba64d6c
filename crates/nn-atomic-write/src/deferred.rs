//! Syncs deferred to one point: while a [`DeferredSyncs`] guard lives, this
//! process's atomic writes skip their fsyncs and stay atomic (a temporary file
//! renamed over the target: a reader, or a process killed at any point, sees the
//! old file or the new one whole, since the kernel holds what was written).
//! Durability against a crash of the machine becomes the guard holder's: one
//! [`sync_filesystem`] makes every write so far durable at once, before the
//! holder records that they happened. A sweep of hundreds of small trials uses
//! it: ten syncs per trial cost more than the trial's training.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Guards alive in this process.
static DEFERRING: AtomicUsize = AtomicUsize::new(0);

/// While alive, atomic writes skip their fsyncs (see the module docs).
#[derive(Debug)]
#[must_use = "syncs are deferred only while the guard lives"]
pub struct DeferredSyncs(());

/// Defers this process's fsyncs until the guard is dropped; call
/// [`sync_filesystem`] before relying on what was written surviving a crash of
/// the machine.
pub fn defer_syncs() -> DeferredSyncs {
    DEFERRING.fetch_add(1, Ordering::SeqCst);
    DeferredSyncs(())
}

impl Drop for DeferredSyncs {
    fn drop(&mut self) {
        DEFERRING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whether writes now skip their fsyncs (a [`DeferredSyncs`] guard is alive):
/// for other writers of files that sync them (an append-only log's last sync).
pub fn syncs_deferred() -> bool {
    DEFERRING.load(Ordering::SeqCst) > 0
}

/// Makes every write so far to the file system holding `path` durable, with
/// one `syncfs` (Linux; elsewhere `sync`, every file system's).
///
/// # Errors
/// `path` cannot be opened, or the sync fails.
pub fn sync_filesystem(path: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let file = std::fs::File::open(path)?;
        rustix::fs::syncfs(&file)?;
        Ok(())
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        let _ = path;
        rustix::fs::sync();
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::File::open(path)?.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guard_defers_while_alive_and_the_sync_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        {
            let _guard = defer_syncs();
            assert!(syncs_deferred());
            crate::write_atomically(&dir.path().join("a"), b"bytes").unwrap();
            sync_filesystem(dir.path()).unwrap();
        }
        assert_eq!(std::fs::read(dir.path().join("a")).unwrap(), b"bytes");
        assert!(sync_filesystem(&dir.path().join("missing")).is_err());
    }
}
