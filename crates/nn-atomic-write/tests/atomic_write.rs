//! The atomic writer: what it refuses to replace, the temporary files it cleans
//! up (ours, abandoned, and nothing else), and how it fails on a real full disk
//! (a tmpfs, when run as root); the simulated one is tested in `src/full_disk.rs`.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, ErrorKind};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nn_atomic_write::{WriteError, link_atomically, write_atomically};

fn names_in(dir: &Path) -> Vec<OsString> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    names
}

fn io_kind(err: &WriteError) -> ErrorKind {
    match err {
        WriteError::Io { source, .. } => source.kind(),
        other @ WriteError::NotRegularFile { .. } => panic!("expected an I/O error, got {other}"),
    }
}

#[test]
fn a_link_names_the_written_bytes_and_never_replaces_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    write_atomically(&a, b"weights").unwrap();
    link_atomically(&a, &b).unwrap();
    assert_eq!(fs::read(&b).unwrap(), b"weights");
    // A later atomic write of one name replaces that name only.
    write_atomically(&a, b"newer").unwrap();
    assert_eq!(fs::read(&b).unwrap(), b"weights");
    // An existing file is left as it was; a missing source makes nothing.
    let err = link_atomically(&a, &b).unwrap_err();
    assert_eq!(io_kind(&err), ErrorKind::AlreadyExists);
    assert!(
        err.to_string().starts_with(&b.display().to_string()),
        "{err}"
    );
    assert_eq!(fs::read(&b).unwrap(), b"weights");
    let c = dir.path().join("c");
    assert_eq!(
        io_kind(&link_atomically(&dir.path().join("gone"), &c).unwrap_err()),
        ErrorKind::NotFound
    );
    assert!(!c.exists());
    assert_eq!(names_in(dir.path()), ["a", "b"]);
}

#[test]
fn overwrites_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv");
    fs::write(&path, "old").unwrap();
    write_atomically(&path, b"new").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"new");
    assert_eq!(names_in(dir.path()), ["out.csv"]);
}

#[test]
fn refuses_a_symlink_and_leaves_it_and_its_target_alone() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.safetensors");
    fs::write(&target, "precious").unwrap();
    let link = dir.path().join("link.safetensors");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let err = write_atomically(&link, b"model").unwrap_err();
    assert!(
        matches!(
            err,
            WriteError::NotRegularFile {
                kind: "a symbolic link",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}: exists and is a symbolic link, not a regular file; refusing to replace it",
            link.display()
        )
    );
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read(&target).unwrap(), b"precious");
    // A dangling symlink is refused too: the rename would replace it all the same.
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    assert!(matches!(
        write_atomically(&dangling, b"x"),
        Err(WriteError::NotRegularFile { .. })
    ));
    assert!(!dir.path().join("nowhere").exists());
}

#[test]
fn refuses_a_fifo_and_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let err = write_atomically(&fifo, b"x").unwrap_err();
    assert!(err.to_string().contains("is a FIFO (named pipe)"), "{err}");
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());

    let folder = dir.path().join("folder");
    fs::create_dir(&folder).unwrap();
    let err = write_atomically(&folder, b"x").unwrap_err();
    assert!(err.to_string().contains("is a folder"), "{err}");
    assert!(folder.is_dir());
    // Nothing left behind by the refused writes.
    assert_eq!(names_in(dir.path()), ["folder", "pipe"]);
}

#[test]
fn refuses_a_device_node_when_root() {
    if !is_root() {
        eprintln!("skipped: creating a device node needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // The same device as /dev/null, in our own folder: the real one is never put at risk.
    let node = dir.path().join("null");
    let made = Command::new("mknod")
        .arg(&node)
        .args(["c", "1", "3"])
        .status()
        .unwrap();
    assert!(made.success());
    let err = write_atomically(&node, b"x").unwrap_err();
    assert!(err.to_string().contains("is a character device"), "{err}");
    assert!(
        fs::symlink_metadata(&node)
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[test]
fn removes_abandoned_temp_files_of_our_pattern_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let linked = outside.path().join("elsewhere.tmp");
    fs::write(&linked, "not ours to remove").unwrap();
    fs::write(dir.path().join(".nn-tui-Ab3xQ9.tmp"), "partial checkpoint").unwrap();
    fs::write(dir.path().join(".nn-tui-zzzzzz.tmp"), "").unwrap();
    let others = [
        ".nn-tui-Ab3xQ.tmp",
        ".nn-tui-Ab3xQ9.tmp.keep",
        ".nn-tui-Ab3-Q9.tmp",
        "nn-tui-Ab3xQ9.tmp",
        "notes.tmp",
        ".nn-tui-Ab3xQ9.tmpx",
    ];
    for name in others {
        fs::write(dir.path().join(name), "someone else's").unwrap();
    }
    // A symlink of our pattern is not a temp file we made: neither it nor its target goes.
    std::os::unix::fs::symlink(&linked, dir.path().join(".nn-tui-link00.tmp")).unwrap();
    fs::create_dir(dir.path().join(".nn-tui-dir000.tmp")).unwrap();

    write_atomically(&dir.path().join("model.safetensors"), b"model").unwrap();

    let mut expected: Vec<OsString> = others.iter().map(OsString::from).collect();
    expected.extend([
        ".nn-tui-dir000.tmp".into(),
        ".nn-tui-link00.tmp".into(),
        "model.safetensors".into(),
    ]);
    expected.sort();
    assert_eq!(names_in(dir.path()), expected);
    assert_eq!(fs::read(&linked).unwrap(), b"not ours to remove");
}

#[test]
fn keeps_a_temp_file_a_live_writer_holds() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join(".nn-tui-live00.tmp");
    let file = File::create(&live).unwrap();
    file.lock().unwrap();
    write_atomically(&dir.path().join("a"), b"1").unwrap();
    assert!(live.exists(), "a locked temp file belongs to a live writer");
    drop(file);
    write_atomically(&dir.path().join("a"), b"2").unwrap();
    assert!(!live.exists(), "unlocked, it was abandoned");
}

/// The child half of `a_killed_writers_temp_file_goes_at_the_next_write`:
/// holds a temp file of ours locked, as a writer mid-write does, until killed.
#[test]
fn child_holding_a_temp_file() {
    let Some(path) = std::env::var_os("NN_CORE_HOLD_TEMP") else {
        return;
    };
    let file = File::create(&path).unwrap();
    file.lock().unwrap();
    println!("locked");
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[test]
fn a_killed_writers_temp_file_goes_at_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let temp = dir.path().join(".nn-tui-kill99.tmp");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_holding_a_temp_file", "--nocapture"])
        .env("NN_CORE_HOLD_TEMP", &temp)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("locked") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "child exited");
    }
    write_atomically(&dir.path().join("m"), b"1").unwrap();
    assert!(temp.exists(), "the writer is alive");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    write_atomically(&dir.path().join("m"), b"2").unwrap();
    assert_eq!(names_in(dir.path()), ["m"]);
}

#[test]
fn concurrent_writers_never_remove_each_others_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let dir = dir.path();
            s.spawn(move || {
                for i in 0..200 {
                    // Half into one shared target, half into each thread's own.
                    let name = if i % 2 == 0 {
                        "shared".to_owned()
                    } else {
                        format!("own{t}")
                    };
                    let bytes = vec![t as u8; 1000 + i];
                    write_atomically(&dir.join(name), &bytes)
                        .unwrap_or_else(|e| panic!("writer {t}, write {i}: {e}"));
                }
            });
        }
    });
    assert_eq!(
        names_in(dir.path()),
        ["own0", "own1", "own2", "own3", "shared"]
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// A tmpfs of `size` mounted on a fresh temp folder, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(status.success(), "mount -t tmpfs failed as root");
        Self { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn real_full_disk_on_a_tmpfs() {
    if !is_root() {
        eprintln!("skipped: mounting a tmpfs needs root (CI runs as root)");
        return;
    }
    let disk = Tmpfs::mount("256k");
    let dir = disk.path();
    let path = dir.join("model.safetensors");
    write_atomically(&path, &vec![1; 64 * 1024]).unwrap();

    // More than the disk holds: the real ENOSPC, the old file whole, no temp file left.
    let err = write_atomically(&path, &vec![2; 300 * 1024]).unwrap_err();
    assert_eq!(io_kind(&err), ErrorKind::StorageFull, "{err}");
    assert_eq!(fs::read(&path).unwrap(), vec![1; 64 * 1024]);
    assert_eq!(names_in(&dir), ["model.safetensors"]);

    // A crashed writer's temp file fills the disk: the next write removes it first, and fits.
    fs::write(dir.join(".nn-tui-crash1.tmp"), vec![3; 150 * 1024]).unwrap();
    write_atomically(&path, &vec![4; 100 * 1024]).unwrap();
    assert_eq!(fs::read(&path).unwrap(), vec![4; 100 * 1024]);
    assert_eq!(names_in(&dir), ["model.safetensors"]);
}
