//! nn-lessons: the seed's backpropagation taught in the dashboard, one idea at
//! a time. A [`Lesson`] has a short text in the seed's notation, a preset run
//! (a state line), the keys that matter, a hint, a [`Goal`] (conditions on the
//! run, checked live against what the dashboard has [`Observed`]) and a "what
//! just happened" for when the goal is met. Lessons come built in
//! ([`Course::builtin`]) or from a teacher's TOML file ([`Course::read`]);
//! which ones a user has done is kept in their data folder ([`Progress`]).
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod goal;
mod lesson;
mod observe;
mod progress;

pub use goal::{Comparison, Condition, Goal, Quantity};
pub use lesson::{BUILTIN, Course, Lesson, LessonError, TEXT_LINES, TEXT_WIDTH, wrap};
pub use observe::{EpochFacts, Fact, Observed, RunShape, facts_of};
pub use progress::{Progress, default_progress_path};
