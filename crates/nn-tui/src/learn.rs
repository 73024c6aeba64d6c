//! `nn-tui learn`: lists the lessons (built in, or a teacher's file) with which
//! the user has done, or opens one in the dashboard and the next ones after it,
//! marking each done when its goal is met.

use std::io::{IsTerminal, Write as _};

use anyhow::{Context, Result};

use nn_lessons::{Course, Progress, default_progress_path};
use nn_tui::LearnArgs;

use crate::Outcome;

/// `nn-tui learn [LESSON] [--file F] [--reset]`.
pub fn run(args: &LearnArgs) -> Result<Outcome> {
    let course = match &args.file {
        Some(file) => Course::read(file)?,
        None => Course::builtin(),
    };
    course.check_keys(&nn_dash::key_labels())?;
    let mut progress = Progress::load(&default_progress_path()?)?;
    if args.reset {
        progress.reset()?;
        crate::progress::say(&format!(
            "lesson progress cleared ({})",
            progress.path().display()
        ));
    }
    let Some(wanted) = &args.lesson else {
        if !args.reset {
            list(&course, &progress)?;
        }
        return Ok(Outcome::Done);
    };
    let mut index = course.find(wanted)?;
    if !std::io::stdout().is_terminal() {
        return Err(nn_dash::DashError::NotATerminal.into());
    }
    loop {
        let lesson = &course.lessons[index];
        let imported = nn_run::Imported {
            line: lesson.state_line(),
            ..nn_run::Imported::default()
        };
        let mut options =
            nn_dash::DashOptions::from_state(imported, &nn_run::TrainRequest::default())
                .with_context(|| {
                    format!("lesson {} ({}): field `preset`", index + 1, lesson.name)
                })?;
        // The lesson's preset says all it needs; the defaults' notice would only distract.
        options.notices.clear();
        options.plot = args.view.plot.into();
        options.mouse = !args.view.no_mouse;
        options.fps = args.view.fps;
        let run = nn_dash::LessonRun {
            lesson: lesson.clone(),
            number: index + 1,
            count: course.lessons.len(),
            next: course.lessons.get(index + 1).map(|l| l.title.clone()),
        };
        let (source, name) = (course.source.clone(), lesson.name.clone());
        let mut on_done = || {
            progress
                .mark_done(&source, &name)
                .map_err(|e| e.to_string())
        };
        match nn_dash::learn(options, run, &mut on_done)? {
            nn_dash::LessonEnd::Next if index + 1 < course.lessons.len() => index += 1,
            _ => return Ok(Outcome::Done),
        }
    }
}

/// The lessons, one a line, with which are done.
fn list(course: &Course, progress: &Progress) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let width = course
        .lessons
        .iter()
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(0);
    writeln!(out, "Lessons ({}): nn-tui learn N opens one", course.source)?;
    for (i, lesson) in course.lessons.iter().enumerate() {
        let done = if progress.is_done(&course.source, &lesson.name) {
            "done"
        } else {
            ""
        };
        let line = format!(
            "{:>3}  {:<width$}  {:<46} {done}",
            i + 1,
            lesson.name,
            lesson.title
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    let done = course
        .lessons
        .iter()
        .filter(|l| progress.is_done(&course.source, &l.name))
        .count();
    writeln!(
        out,
        "{done} of {} done (kept in {})",
        course.lessons.len(),
        progress.path().display()
    )?;
    Ok(())
}
