//! Every built-in lesson, both sides: its goal is not met when it opens, and a
//! scripted learner meets it. The script drives the real trainer through its
//! session API (`spawn`, `Command`, `Event`) as the dashboard does, telling the
//! lesson the facts the dashboard's hooks tell it: a restart for a key that
//! changes the network (`]`, `1`-`9`, `r`), an inspector opened, an `e` press.
//! The preset's pace is replaced by `max`, so the tests take seconds, not minutes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use nn_lessons::{Course, Fact, Lesson, Observed, RunShape, facts_of};
use nn_run::{
    Command, Event, Pace, Purpose, SessionOptions, StateLine, TrainerHandle, load_data, spawn,
};
use nn_train::Trainer;

/// A lesson's run, as a learner at the dashboard drives it.
struct Learner {
    lesson: Lesson,
    line: StateLine,
    observed: Observed,
    handle: Option<TrainerHandle>,
}

impl Learner {
    fn open(name: &str) -> Learner {
        let course = Course::builtin();
        let lesson = course.lessons[course.find(name).unwrap()].clone();
        let mut line = lesson.state_line();
        line.pace = Some(Pace::Max);
        let mut learner = Learner {
            lesson,
            line,
            observed: Observed::default(),
            handle: None,
        };
        learner.start();
        assert!(
            !learner.met(),
            "{name}: the goal is met before anything happened"
        );
        learner
    }

    /// Starts a run from the line, paused (as a restart does), and tells the lesson.
    fn start(&mut self) {
        if let Some(h) = self.handle.take() {
            h.join();
            self.observed.observe(&Fact::NewRun);
        }
        let data = load_data(&self.line.data_spec().unwrap(), &self.line.data_options()).unwrap();
        let config = self
            .line
            .request()
            .resolve(Purpose::Dashboard, &data)
            .unwrap();
        self.observed.observe(&Fact::Shape(RunShape::of(&config)));
        let trainer = Trainer::new(config, Arc::new(data)).unwrap();
        self.handle = Some(spawn(
            trainer,
            SessionOptions {
                start_paused: true,
                pace: Pace::Max,
                ..SessionOptions::default()
            },
        ));
    }

    /// A key that restarts the run with other settings.
    fn restart_with(&mut self, change: impl FnOnce(&mut StateLine)) {
        change(&mut self.line);
        self.start();
    }

    fn send(&self, command: Command) {
        self.handle.as_ref().unwrap().send(command);
    }

    fn met(&self) -> bool {
        self.lesson.goal.met(&self.observed)
    }

    /// Folds the events in until `until` holds or `limit` passes.
    fn watch(&mut self, limit: Duration, until: impl Fn(&Observed, &Event) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        let events = self.handle.as_ref().unwrap().events();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok(event) = events.recv_timeout(left) else {
                break;
            };
            for fact in facts_of(&event) {
                self.observed.observe(&fact);
            }
            if until(&self.observed, &event) {
                return true;
            }
        }
        false
    }

    /// Space: trains until the goal is met (or `limit` passes), then pauses.
    fn train_until_met(&mut self, limit: Duration) {
        self.send(Command::Resume);
        let goal = self.lesson.goal.clone();
        self.watch(limit, |o, _| goal.met(o));
        self.send(Command::Pause);
    }

    /// `e` on `sample`: one step on it alone, and the lesson told.
    fn sample_step(&mut self, sample: usize) {
        self.send(Command::StepOn(vec![sample]));
        assert!(self.watch(Duration::from_secs(5), |_, e| matches!(
            e,
            Event::Snapshot(_)
        )));
        self.observed.observe(&Fact::SampleStep { sample });
    }

    /// `+`/`-`: a new learning rate, live.
    fn set_learning_rate(&mut self, lr: f32) {
        self.send(Command::SetLearningRate(lr));
        self.line.learning_rate = Some(lr);
        let shape = RunShape {
            learning_rate: lr,
            ..self.observed.shape.clone()
        };
        self.observed.observe(&Fact::Shape(shape));
    }

    fn assert_met(&self) {
        assert!(
            self.met(),
            "{}: goal not met: {}",
            self.lesson.name,
            self.lesson
                .goal
                .conditions
                .iter()
                .map(|c| format!("{c} (now {})", c.now(&self.observed)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

impl Drop for Learner {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.join();
        }
    }
}

const TRAIN: Duration = Duration::from_secs(60);

#[test]
fn neuron_inspect_then_train() {
    let mut l = Learner::open("neuron");
    l.observed.observe(&Fact::Inspected { hidden: false });
    assert!(!l.met());
    l.train_until_met(TRAIN);
    l.assert_met();
}

#[test]
fn bias_one_sample_step_then_train() {
    let mut l = Learner::open("bias");
    l.observed.observe(&Fact::Inspected { hidden: false });
    l.sample_step(0);
    assert!(!l.met(), "a step is not the circle learned");
    l.train_until_met(TRAIN);
    l.assert_met();
}

#[test]
fn output_delta_three_steps_on_one_sample() {
    let mut l = Learner::open("output-delta");
    l.observed.observe(&Fact::Inspected { hidden: false });
    l.sample_step(5);
    l.sample_step(5);
    l.sample_step(6);
    assert!(!l.met(), "another sample in between starts the count again");
    l.sample_step(6);
    l.sample_step(6);
    l.assert_met();
}

#[test]
fn xor_with_a_hidden_layer() {
    let mut l = Learner::open("xor");
    l.send(Command::Resume);
    l.watch(Duration::from_secs(10), |o, _| o.epoch >= 20);
    assert!(!l.met(), "no hidden layer cannot learn XOR");
    l.restart_with(|line| line.hidden = Some(vec![4]));
    l.train_until_met(TRAIN);
    l.assert_met();
}

#[test]
fn hidden_delta_inspect_a_hidden_neuron_and_step() {
    let mut l = Learner::open("hidden-delta");
    l.observed.observe(&Fact::Inspected { hidden: false });
    l.sample_step(3);
    l.sample_step(3);
    assert!(!l.met(), "an output neuron is not a hidden one");
    l.observed.observe(&Fact::Inspected { hidden: true });
    l.sample_step(3);
    l.sample_step(3);
    l.assert_met();
}

#[test]
fn learning_rate_diverge_then_learn_again() {
    let mut l = Learner::open("learning-rate");
    l.train_until_met(Duration::from_secs(2));
    assert!(!l.met(), "learning without a divergence is not the goal");
    l.send(Command::Pause);
    l.set_learning_rate(10.0);
    l.send(Command::Resume);
    assert!(
        l.watch(TRAIN, |o, _| o.divergences > 0),
        "lr 10 blows the loss up"
    );
    l.set_learning_rate(0.03);
    l.restart_with(|line| line.seed = Some(43));
    l.train_until_met(TRAIN);
    l.assert_met();
}

#[test]
fn saturation_stall_then_the_fix() {
    let mut l = Learner::open("saturation");
    l.send(Command::Resume);
    assert!(
        l.watch(TRAIN, |o, _| o.saturations > 0),
        "256 sigmoid units at lr 3 saturate"
    );
    assert!(!l.met());
    l.restart_with(|line| {
        line.learning_rate = Some(0.3);
        line.seed = Some(43);
    });
    l.train_until_met(TRAIN);
    l.assert_met();
}

#[test]
fn features_circle_from_squares() {
    let mut l = Learner::open("features");
    l.send(Command::Resume);
    l.watch(Duration::from_secs(10), |o, _| o.epoch >= 20);
    assert!(!l.met(), "x1 and x2 alone cannot enclose the circle");
    l.restart_with(|line| line.features = "x1^2,x2^2".parse::<nn_data::Features>().ok());
    l.train_until_met(TRAIN);
    l.assert_met();
}

#[test]
fn regularization_closes_the_gap() {
    let mut l = Learner::open("regularization");
    l.restart_with(|line| line.l2 = Some(0.01));
    l.train_until_met(TRAIN);
    l.assert_met();
}

#[test]
fn mnist_one_epoch() {
    let mut l = Learner::open("mnist");
    l.train_until_met(Duration::from_secs(300));
    l.assert_met();
}

#[test]
fn every_builtin_lesson_has_a_test_here() {
    let source = include_str!("goals.rs");
    for lesson in Course::builtin().lessons {
        let opened = format!("Learner::open(\"{}\")", lesson.name);
        assert!(source.contains(&opened), "no test opens {}", lesson.name);
    }
}
