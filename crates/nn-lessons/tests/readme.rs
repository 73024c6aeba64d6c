//! The README's lessons section is true: its quantity table is the one goals
//! read, its example file reads, and its lesson table names each built-in
//! lesson with its goal.

use std::fmt::Write as _;

use nn_lessons::{Course, Quantity};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap()
}

/// The text between `<!-- name -->` and `<!-- /name -->`.
fn between(text: &str, name: &str) -> String {
    let start = format!("<!-- {name} -->\n");
    let end = format!("<!-- /{name} -->");
    let from = text.find(&start).expect("the start marker") + start.len();
    let to = text[from..].find(&end).expect("the end marker") + from;
    text[from..to].to_string()
}

#[test]
fn the_readme_lists_every_quantity() {
    let table = Quantity::ALL
        .iter()
        .fold(String::new(), |mut table, (_, name, what)| {
            let _ = writeln!(table, "| `{name}` | {what} |");
            table
        });
    let readme = readme();
    let shown = between(&readme, "quantities");
    assert!(
        shown == format!("| quantity | what |\n|---|---|\n{table}"),
        "README quantities table should be:\n{table}"
    );
}

#[test]
fn the_readme_example_reads() {
    let example = between(&readme(), "lesson-example");
    let toml = example
        .trim()
        .strip_prefix("```toml")
        .and_then(|t| t.strip_suffix("```"))
        .expect("a toml block");
    let course = Course::parse(toml, "README").unwrap();
    assert_eq!(course.lessons[0].name, "xor");
}

#[test]
fn the_readme_names_every_builtin_lesson_with_its_goal() {
    let table = between(&readme(), "lessons");
    let rows: Vec<&str> = table.lines().collect();
    let course = Course::builtin();
    assert_eq!(rows.len(), course.lessons.len());
    for (i, (lesson, row)) in course.lessons.iter().zip(rows).enumerate() {
        assert!(
            row.starts_with(&format!("| {} | `{}`: ", i + 1, lesson.name)),
            "{row}"
        );
        let goal: Vec<String> = lesson
            .goal
            .conditions
            .iter()
            .map(|c| format!("`{c}`"))
            .collect();
        assert!(
            row.ends_with(&format!("| {} |", goal.join(", "))),
            "{row}\n{goal:?}"
        );
    }
}
