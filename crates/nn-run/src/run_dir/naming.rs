//! Names of new run directories: `<dataset>-<UTC time>`, e.g.
//! `runs/spiral-20260101-120000`, with `-2`, `-3`, ... when two runs start in
//! the same second.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::RunDirError;
use super::record::short_name;
use crate::setup::DataSpec;

/// Creates a new, empty run directory under `root` (created if needed) for a run on `spec`.
pub fn new_run_dir(root: &Path, spec: &DataSpec) -> Result<PathBuf, RunDirError> {
    std::fs::create_dir_all(root).map_err(|e| RunDirError::io(root, e))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let base = format!("{}-{}", slug(&short_name(spec)), utc_stamp(now));
    for n in 1.. {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let dir = root.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => {}
            Err(e) => return Err(RunDirError::io(dir, e)),
        }
    }
    unreachable!("the loop returns by its thousandth name")
}

/// A name safe in any file system: letters, digits, `.`, `_` and `-`, at most 40 of them.
fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    if slug.is_empty() || slug.starts_with('.') {
        format!("run{slug}")
    } else {
        slug
    }
}

/// `YYYYMMDD-HHMMSS` in UTC for seconds since 1970.
fn utc_stamp(unix_seconds: u64) -> String {
    let (days, secs) = (unix_seconds / 86_400, unix_seconds % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's
/// `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values from GNU date: `date -u -d @SECONDS +%Y%m%d-%H%M%S`.
    #[test]
    fn stamps_match_gnu_date() {
        for (seconds, expected) in [
            (0, "19700101-000000"),
            (951_782_400, "20000229-000000"),
            (1_709_208_000, "20240229-120000"),
            (1_767_225_600, "20260101-000000"),
            (4_102_444_799, "20991231-235959"),
        ] {
            assert_eq!(utc_stamp(seconds), expected, "{seconds}");
        }
    }

    #[test]
    fn names_are_safe_and_distinct() {
        assert_eq!(slug("spiral"), "spiral");
        assert_eq!(slug("my data (v2)"), "my_data__v2_");
        assert_eq!(slug(".hidden"), "run.hidden");
        assert_eq!(slug(""), "run");
        let root = tempfile::tempdir().unwrap();
        let spec = DataSpec::Csv(PathBuf::from("/data/iris flowers.csv"));
        let a = new_run_dir(root.path(), &spec).unwrap();
        let b = new_run_dir(root.path(), &spec).unwrap();
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("iris_flowers-20"), "{name}");
        assert!(a.is_dir() && b.is_dir());
    }
}
