//! A lesson in the dashboard (`nn-tui learn`): which lesson, what the learner
//! has done so far ([`nn_lessons::Observed`]), and which of its texts shows.
//! Hooks, called by the app and the runtime: [`LessonPanel::after_update`]
//! after each action, [`LessonPanel::on_event`] for each trainer event, and
//! [`LessonPanel::key`] for the lesson's own keys (`H` hint, `N` next), which
//! are not in the key table because they exist only in a lesson.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use nn_lessons::{Fact, Lesson, Observed, RunShape, facts_of};
use nn_run::{Command, Event};

use crate::action::{Action, Effect};
use crate::app::App;
use crate::selection::NodeId;
use crate::settings::Settings;

/// A lesson to open: the lesson, where it stands in its course, what comes next.
#[derive(Debug, Clone)]
pub struct LessonRun {
    /// The lesson.
    pub lesson: Lesson,
    /// Its number in the course (1-based).
    pub number: usize,
    /// Lessons in the course.
    pub count: usize,
    /// The next lesson's title, if there is one.
    pub next: Option<String>,
}

/// How a lesson ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LessonEnd {
    /// The learner quit.
    Quit,
    /// The learner asked for the next lesson (`N`, once the goal is met).
    Next,
}

/// Which of the lesson's texts the panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Showing {
    /// What to read and do.
    Text,
    /// The hint (`H`).
    Hint,
    /// What just happened (the goal is met).
    Done,
}

/// The lesson's state in the dashboard.
#[derive(Debug, Clone)]
pub struct LessonPanel {
    /// The lesson and its place.
    pub run: LessonRun,
    /// What the learner and the run have done.
    pub observed: Observed,
    /// The text shown.
    pub showing: Showing,
    /// The goal has been met (it stays met).
    pub met: bool,
    /// Met since the runtime last asked ([`LessonPanel::take_just_met`]).
    just_met: bool,
    /// Whether the inspector was open, and on which selection, when last told:
    /// opening it, or moving it to another neuron, counts once.
    inspected: (bool, Option<NodeId>),
}

/// What a lesson key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LessonKey {
    /// Handled (the panel changed).
    Handled,
    /// Open the next lesson.
    Next,
}

impl LessonPanel {
    /// The panel for `run`, on a dashboard whose settings are `settings`.
    pub fn new(run: LessonRun, settings: &Settings) -> LessonPanel {
        let mut observed = Observed::default();
        observed.observe(&Fact::Shape(shape_of(settings)));
        LessonPanel {
            run,
            observed,
            showing: Showing::Text,
            met: false,
            just_met: false,
            inspected: (false, None),
        }
    }

    /// After `action` changed `app` and asked for `effects`: what the learner did.
    pub fn after_update(&mut self, action: Action, effects: &[Effect], app: &App) {
        if effects.contains(&Effect::Restart) {
            self.observe(&Fact::NewRun);
        }
        for effect in effects {
            if let (Action::SampleStep, Effect::Send(Command::StepOn(samples))) = (action, effect)
                && let [sample] = samples[..]
            {
                self.observe(&Fact::SampleStep { sample });
            }
        }
        let inspected = (app.selection.inspector.open, app.selection.selected);
        if inspected.0 && inspected != self.inspected {
            let hidden = matches!(
                app.selection.selected,
                Some(NodeId::Neuron { layer, .. }) if layer <= app.settings.hidden().len()
            );
            self.observe(&Fact::Inspected { hidden });
        }
        self.inspected = inspected;
        let shape = shape_of(&app.settings);
        if shape != self.observed.shape {
            self.observe(&Fact::Shape(shape));
        }
    }

    /// A trainer event: an epoch's figures, a divergence.
    pub fn on_event(&mut self, event: &Event) {
        for fact in facts_of(event) {
            self.observe(&fact);
        }
    }

    /// A key only lessons have: `H` shows the hint (again: the text), `N` opens the
    /// next lesson once the goal is met. `None`: not a lesson key.
    pub fn key(&mut self, key: KeyEvent) -> Option<LessonKey> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        match key.code {
            KeyCode::Char('H') => {
                self.showing = match self.showing {
                    Showing::Hint if self.met => Showing::Done,
                    Showing::Hint => Showing::Text,
                    _ => Showing::Hint,
                };
                Some(LessonKey::Handled)
            }
            KeyCode::Char('N') if self.met && self.run.next.is_some() => Some(LessonKey::Next),
            _ => None,
        }
    }

    /// Whether the goal was met since the last call (the runtime then keeps the progress).
    pub fn take_just_met(&mut self) -> bool {
        std::mem::take(&mut self.just_met)
    }

    fn observe(&mut self, fact: &Fact) {
        self.observed.observe(fact);
        if !self.met && self.run.lesson.goal.met(&self.observed) {
            self.met = true;
            self.just_met = true;
            self.showing = Showing::Done;
        }
    }
}

/// Opens `run` on the dashboard: its panel, and its keys shown (the others dimmed).
pub fn open(app: &mut App, run: LessonRun) {
    app.keys.only = Some(run.lesson.keys.clone());
    app.lesson = Some(LessonPanel::new(run, &app.settings));
}

/// The run's shape as goals see it, from what the dashboard shows.
fn shape_of(s: &Settings) -> RunShape {
    RunShape {
        hidden: s.hidden().to_vec(),
        inputs: s.inputs,
        learning_rate: s.learning_rate(),
        l1: s.l1(),
        l2: s.l2(),
    }
}
