//! Which lessons a user has done, kept in the user's data folder
//! (`$XDG_DATA_HOME/nn-tui/lessons.json`, by default `~/.local/share/...`),
//! per course: the built-in one, or a lesson file by its full path. Written
//! atomically, so a crash never loses what was done before.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use etcetera::BaseStrategy;

use crate::lesson::LessonError;

/// The file's name in the data folder.
const FILE: &str = "lessons.json";

/// The lessons done, per course.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Progress {
    path: PathBuf,
    done: BTreeMap<String, BTreeSet<String>>,
}

/// Where progress is kept for this user: `nn-tui/lessons.json` in the XDG data folder.
pub fn default_progress_path() -> Result<PathBuf, LessonError> {
    let base = etcetera::choose_base_strategy().map_err(|e| LessonError::Progress {
        file: FILE.into(),
        problem: format!("no home folder to keep it in ({e}): set XDG_DATA_HOME"),
    })?;
    Ok(base.data_dir().join("nn-tui").join(FILE))
}

impl Progress {
    /// Reads the progress kept at `path` (none yet: nothing done).
    pub fn load(path: &Path) -> Result<Progress, LessonError> {
        let error = |problem: String| LessonError::Progress {
            file: path.display().to_string(),
            problem,
        };
        let done = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                error(format!(
                    "{e}: expected {{\"course\": [\"lesson\", ...]}} (--reset starts afresh)"
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(error(e.to_string())),
        };
        Ok(Progress {
            path: path.to_path_buf(),
            done,
        })
    }

    /// Whether `lesson` of `course` is done.
    pub fn is_done(&self, course: &str, lesson: &str) -> bool {
        self.done.get(course).is_some_and(|d| d.contains(lesson))
    }

    /// Marks `lesson` of `course` done and writes the file (atomically).
    pub fn mark_done(&mut self, course: &str, lesson: &str) -> Result<(), LessonError> {
        if self
            .done
            .entry(course.into())
            .or_default()
            .insert(lesson.into())
        {
            self.save()?;
        }
        Ok(())
    }

    /// Forgets every lesson done (`--reset`).
    pub fn reset(&mut self) -> Result<(), LessonError> {
        self.done.clear();
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(LessonError::Progress {
                file: self.path.display().to_string(),
                problem: e.to_string(),
            }),
        }
    }

    /// Where it is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn save(&self) -> Result<(), LessonError> {
        let error = |problem: String| LessonError::Progress {
            file: self.path.display().to_string(),
            problem,
        };
        if let Some(folder) = self.path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| error(e.to_string()))?;
        }
        let mut bytes = serde_json::to_vec_pretty(&self.done).map_err(|e| error(e.to_string()))?;
        bytes.push(b'\n');
        nn_atomic_write::write_atomically(&self.path, &bytes).map_err(|e| error(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_kept_per_course_and_reset_clears_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nn-tui/lessons.json");
        let mut p = Progress::load(&path).unwrap();
        assert!(!p.is_done("built-in", "xor"));
        p.mark_done("built-in", "xor").unwrap();
        p.mark_done("/c.toml", "one").unwrap();
        let again = Progress::load(&path).unwrap();
        assert!(again.is_done("built-in", "xor"));
        assert!(again.is_done("/c.toml", "one"));
        assert!(!again.is_done("/c.toml", "xor"));
        let mut again = again;
        again.reset().unwrap();
        assert!(!path.exists());
        assert!(!Progress::load(&path).unwrap().is_done("built-in", "xor"));
    }

    #[test]
    fn a_damaged_file_is_an_error_that_says_how_to_start_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lessons.json");
        std::fs::write(&path, "[1,2").unwrap();
        let e = Progress::load(&path).unwrap_err().to_string();
        assert!(e.starts_with("lesson progress "), "{e}");
        assert!(e.contains("--reset starts afresh"), "{e}");
    }
}
