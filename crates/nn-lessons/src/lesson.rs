//! Lessons and lesson files: a course is a TOML file of `[[lesson]]` tables
//! (the format is in the README, and [`BUILTIN`] is a complete example). Every
//! field is checked when the file is read, so a bad one gets one error naming
//! the lesson, the field and what was expected, before the dashboard opens.

use std::path::Path;

use nn_run::StateLine;

use crate::goal::{Condition, Goal};

/// The built-in course, in the lesson file format.
pub const BUILTIN: &str = include_str!("../lessons/seed.toml");

/// Columns a lesson's texts are wrapped to: the panel's inside at 80 columns.
pub const TEXT_WIDTH: usize = 76;

/// Lines a lesson's text, hint or explanation may take at [`TEXT_WIDTH`]: what
/// the panel shows at 80x24 without cutting.
pub const TEXT_LINES: usize = 5;

/// One lesson: what it says, the run it opens, the keys it needs and its goal.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// Its name (`learn NAME`): lowercase letters, digits and `-`.
    pub name: String,
    /// Its title, in the panel's border.
    pub title: String,
    /// What to read and do, in the seed's notation.
    pub text: String,
    /// The run it opens: a state line (`nn-tui/1 data=xor hidden=`).
    pub preset: String,
    /// Whether the run opens paused.
    pub paused: bool,
    /// The keys that matter, as the dashboard's key table names them (`e`, `+ -`);
    /// the others are dimmed.
    pub keys: Vec<String>,
    /// The goal, checked live.
    pub goal: Goal,
    /// Shown on the hint key.
    pub hint: String,
    /// "What just happened", shown when the goal is met.
    pub done: String,
    /// The preset, read.
    line: StateLine,
}

impl Lesson {
    /// The state line of its preset (checked when the lesson was read).
    pub fn state_line(&self) -> StateLine {
        self.line.clone()
    }
}

/// Lessons in order, from one file or built in.
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    /// Where it came from: `built-in` or the file's path (progress is kept under it).
    pub source: String,
    /// The lessons.
    pub lessons: Vec<Lesson>,
}

/// A lesson file that cannot be used, or progress that cannot be kept.
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    /// The file cannot be read.
    #[error("{file}: cannot read it: {source}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not TOML, or not a list of `[[lesson]]` tables.
    #[error("{file}: {problem}")]
    File {
        /// The file.
        file: String,
        /// What is wrong, with the line when known.
        problem: String,
    },
    /// One field of one lesson is wrong.
    #[error("{file}: lesson {number} ({name}): field `{field}`: {problem}")]
    Field {
        /// The file.
        file: String,
        /// 1-based position of the lesson in the file.
        number: usize,
        /// Its name, as far as known.
        name: String,
        /// The field.
        field: String,
        /// What is wrong and what was expected.
        problem: String,
    },
    /// No lesson has this number or name.
    #[error("no lesson `{wanted}` in {source_name}: expected 1 to {count} or one of {names}")]
    NotFound {
        /// What was asked for.
        wanted: String,
        /// The course.
        source_name: String,
        /// Its lessons.
        count: usize,
        /// Their names.
        names: String,
    },
    /// Progress cannot be read or written.
    #[error("lesson progress {file}: {problem}")]
    Progress {
        /// The progress file.
        file: String,
        /// What went wrong.
        problem: String,
    },
}

/// Fields a lesson table may have.
const FIELDS: [&str; 9] = [
    "name", "title", "text", "preset", "paused", "keys", "goal", "hint", "done",
];

impl Course {
    /// The built-in course.
    pub fn builtin() -> Course {
        Course::parse(BUILTIN, "built-in").expect("the built-in lessons are valid")
    }

    /// Reads a lesson file.
    pub fn read(path: &Path) -> Result<Course, LessonError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| LessonError::Read {
            file: file.clone(),
            source,
        })?;
        let source = std::fs::canonicalize(path).map_or(file, |p| p.display().to_string());
        Course::parse(&text, &source)
    }

    /// Reads a course from TOML text; `source` names it in errors and in progress.
    pub fn parse(text: &str, source: &str) -> Result<Course, LessonError> {
        let file_error = |problem: String| LessonError::File {
            file: source.to_string(),
            problem,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            file_error(format!(
                "{}{}",
                line.map(|l| format!("line {l}: ")).unwrap_or_default(),
                e.message().trim()
            ))
        })?;
        if let Some(key) = table.keys().find(|k| *k != "lesson") {
            return Err(file_error(format!(
                "unknown key `{key}`: expected only [[lesson]] tables"
            )));
        }
        let Some(toml::Value::Array(items)) = table.get("lesson") else {
            return Err(file_error(
                "no lessons: expected at least one [[lesson]] table".into(),
            ));
        };
        let mut lessons: Vec<Lesson> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let lesson = read_lesson(item, i + 1, source)?;
            if lessons.iter().any(|l| l.name == lesson.name) {
                return Err(LessonError::Field {
                    file: source.into(),
                    number: i + 1,
                    name: lesson.name,
                    field: "name".into(),
                    problem: "another lesson has this name: expected a name of its own".into(),
                });
            }
            lessons.push(lesson);
        }
        if lessons.is_empty() {
            return Err(file_error(
                "no lessons: expected at least one [[lesson]] table".into(),
            ));
        }
        Ok(Course {
            source: source.into(),
            lessons,
        })
    }

    /// The lesson a user names: its number (1-based) or its name.
    pub fn find(&self, wanted: &str) -> Result<usize, LessonError> {
        let by_number = wanted
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=self.lessons.len()).contains(n))
            .map(|n| n - 1);
        by_number
            .or_else(|| self.lessons.iter().position(|l| l.name == wanted))
            .ok_or_else(|| LessonError::NotFound {
                wanted: wanted.into(),
                source_name: self.source.clone(),
                count: self.lessons.len(),
                names: self
                    .lessons
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Checks every lesson's keys against the keys the dashboard knows (its key
    /// table's labels), so a misspelt key is an error before the dashboard opens.
    pub fn check_keys(&self, known: &[&str]) -> Result<(), LessonError> {
        for (i, lesson) in self.lessons.iter().enumerate() {
            if let Some(key) = lesson.keys.iter().find(|k| !known.contains(&k.as_str())) {
                return Err(LessonError::Field {
                    file: self.source.clone(),
                    number: i + 1,
                    name: lesson.name.clone(),
                    field: "keys".into(),
                    problem: format!(
                        "unknown key `{key}`: expected labels of the key table: {}",
                        known.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Wraps `text` at `width` columns: paragraphs (blank lines) kept, words never split
/// unless longer than a line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.trim().split("\n\n") {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let (used, len) = (line.chars().count(), word.chars().count());
            if used > 0 && used + 1 + len > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            while line.chars().count() > width {
                let rest: String = line.chars().skip(width).collect();
                lines.push(line.chars().take(width).collect());
                line = rest;
            }
        }
        lines.push(line);
    }
    lines
}

/// One lesson table, every field checked.
fn read_lesson(item: &toml::Value, number: usize, file: &str) -> Result<Lesson, LessonError> {
    let name_hint = item
        .get("name")
        .and_then(toml::Value::as_str)
        .unwrap_or("unnamed")
        .to_string();
    let error = |field: &str, problem: String| LessonError::Field {
        file: file.into(),
        number,
        name: name_hint.clone(),
        field: field.into(),
        problem,
    };
    let table = item
        .as_table()
        .ok_or_else(|| error("lesson", "expected a [[lesson]] table".into()))?;
    if let Some(key) = table.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(error(
            key,
            format!("unknown field: expected one of {}", FIELDS.join(", ")),
        ));
    }
    let string = |field: &str| -> Result<String, LessonError> {
        match table.get(field) {
            None => Err(error(field, "missing: expected a string".into())),
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            Some(toml::Value::String(_)) => Err(error(field, "empty: expected some text".into())),
            Some(v) => Err(error(
                field,
                format!("a {}: expected a string", v.type_str()),
            )),
        }
    };
    let strings = |field: &str| -> Result<Vec<String>, LessonError> {
        let expected = "expected a list of strings, e.g. [\"a\", \"b\"]";
        match table.get(field) {
            None => Err(error(field, format!("missing: {expected}"))),
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        error(field, format!("a {} in it: {expected}", v.type_str()))
                    })
                })
                .collect(),
            Some(v) => Err(error(field, format!("a {}: {expected}", v.type_str()))),
        }
    };
    let fits = |field: &str, text: String| -> Result<String, LessonError> {
        let lines = wrap(&text, TEXT_WIDTH).len();
        if lines > TEXT_LINES {
            return Err(error(
                field,
                format!(
                    "{lines} lines at {TEXT_WIDTH} columns: expected at most {TEXT_LINES}, \
                     so it reads whole at 80x24"
                ),
            ));
        }
        Ok(text)
    };

    let name = string("name")?;
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || name.chars().all(|c| c.is_ascii_digit())
    {
        return Err(error(
            "name",
            format!("`{name}`: expected lowercase letters, digits and `-`, not digits alone"),
        ));
    }
    let title = string("title")?;
    if title.chars().count() > 50 {
        return Err(error("title", "expected at most 50 characters".into()));
    }
    let preset = string("preset")?;
    let line = StateLine::read(&preset).map_err(|e| {
        error(
            "preset",
            format!("{e} (expected a state line, e.g. `nn-tui/1 data=xor hidden=4`)"),
        )
    })?;
    let line = line.line;
    let paused = match table.get("paused") {
        None => false,
        Some(toml::Value::Boolean(b)) => *b,
        Some(v) => {
            return Err(error(
                "paused",
                format!("a {}: expected true or false", v.type_str()),
            ));
        }
    };
    let goal = strings("goal")?;
    if goal.is_empty() {
        return Err(error(
            "goal",
            "empty: expected at least one condition, e.g. \"test-accuracy >= 95%\"".into(),
        ));
    }
    let conditions = goal
        .iter()
        .map(|c| Condition::parse(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error("goal", e))?;
    Ok(Lesson {
        title,
        text: fits("text", string("text")?)?,
        preset,
        paused,
        keys: strings("keys")?,
        goal: Goal { conditions },
        hint: fits("hint", string("hint")?)?,
        done: fits("done", string("done")?)?,
        name,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[lesson]]
name = "one"
title = "One"
text = "Read z."
preset = "nn-tui/1 data=gauss hidden="
keys = ["space"]
goal = ["test-accuracy >= 90%"]
hint = "Wait."
done = "It learned."
"#;

    fn error_of(text: &str) -> String {
        Course::parse(text, "course.toml").unwrap_err().to_string()
    }

    #[test]
    fn the_builtin_course_reads_and_has_ten_lessons_or_more() {
        let course = Course::builtin();
        assert!(course.lessons.len() >= 10);
        assert_eq!(course.find("3").unwrap(), 2);
        assert_eq!(course.find(&course.lessons[4].name).unwrap(), 4);
        let e = course.find("99").unwrap_err().to_string();
        assert!(
            e.starts_with("no lesson `99` in built-in: expected 1 to"),
            "{e}"
        );
    }

    #[test]
    fn a_good_file_reads() {
        let course = Course::parse(GOOD, "course.toml").unwrap();
        let l = &course.lessons[0];
        assert_eq!((l.name.as_str(), l.paused), ("one", false));
        assert_eq!(l.goal.conditions.len(), 1);
        assert_eq!(l.state_line().data, "gauss");
    }

    #[test]
    fn bad_files_name_the_lesson_the_field_and_what_was_expected() {
        let cases = [
            (
                GOOD.replace("title = \"One\"\n", ""),
                "course.toml: lesson 1 (one): field `title`: missing: expected a string",
            ),
            (
                GOOD.replace("title = \"One\"", "title = 3"),
                "course.toml: lesson 1 (one): field `title`: a integer: expected a string",
            ),
            (
                GOOD.replace("paused", "x")
                    .replace("keys =", "paused = \"yes\"\nkeys ="),
                "course.toml: lesson 1 (one): field `paused`: a string: expected true or false",
            ),
            (
                GOOD.replace("test-accuracy >= 90%", "acc >= 90%"),
                "course.toml: lesson 1 (one): field `goal`: `acc >= 90%`: unknown quantity `acc`",
            ),
            (
                GOOD.replace("hidden=", "lr=fast"),
                "course.toml: lesson 1 (one): field `preset`: lr=fast:",
            ),
            (
                GOOD.replace("name = \"one\"", "name = \"One!\""),
                "course.toml: lesson 1 (One!): field `name`: `One!`: expected lowercase",
            ),
            (
                GOOD.replace("hint =", "hnit =")
                    .replace("done =", "hint = \"h\"\ndone ="),
                "course.toml: lesson 1 (one): field `hnit`: unknown field: expected one of name",
            ),
            (
                format!("{GOOD}{GOOD}"),
                "course.toml: lesson 2 (one): field `name`: another lesson has this name",
            ),
            (
                GOOD.replace("Read z.", &"word ".repeat(100)),
                "course.toml: lesson 1 (one): field `text`: 7 lines at 76 columns: expected at most 5",
            ),
            (
                "title = 1".into(),
                "course.toml: unknown key `title`: expected only [[lesson]] tables",
            ),
            ("[[lesson]\n".into(), "course.toml: line 1: "),
            (
                String::new(),
                "course.toml: no lessons: expected at least one [[lesson]] table",
            ),
        ];
        for (text, expected) in cases {
            let e = error_of(&text);
            assert!(e.starts_with(expected), "{e}\n  expected: {expected}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn unknown_keys_are_refused_against_the_dashboards_table() {
        let course = Course::parse(&GOOD.replace("\"space\"", "\"zz\""), "c.toml").unwrap();
        let e = course.check_keys(&["space", "e"]).unwrap_err().to_string();
        assert_eq!(
            e,
            "c.toml: lesson 1 (one): field `keys`: unknown key `zz`: expected labels of the key \
             table: space, e"
        );
    }

    #[test]
    fn wrapping_keeps_paragraphs_and_width() {
        let lines = wrap("aa bb cc\n\ndd", 5);
        assert_eq!(lines, ["aa bb", "cc", "dd"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
    }
}
