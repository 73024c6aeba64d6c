//! The loop itself: drains the trainer's events, follows a watched run,
//! recomputes the pictures a few times per second, draws at a bounded rate
//! only when something changed, and turns keys and the mouse into actions.
//! Idle (paused, nothing arriving), it wakes a few times a second.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event as TermEvent, MouseButton, MouseEventKind};
use nn_run::{Event, RunState, RunStatus, RunWriter};
use ratatui::layout::Rect;

use crate::action::Action;
use crate::app::App;
use crate::drawing::DrawAction;
use crate::frames::{Pacer, Panel, Urgency};
use crate::inspect::InspectorView;
use crate::keys::handle_key;
use crate::lesson::{LessonEnd, LessonKey};
use crate::plot::{CurveView, Extent, PlaneView, digits_view, image_side};
use crate::selection::Target;
use crate::settings::Shape;
use crate::terminal::{Signals, TerminalGuard};
use crate::{DashError, ui};

use super::Runtime;

/// The status lines, the curves and the inspector change on screen at most this often.
pub(super) const FIGURES_EVERY: Duration = Duration::from_millis(250);
/// The maps (the plane, the network) change on screen at most this often: smooth
/// enough to watch the boundary form, a fraction of the bytes of every frame.
const MAPS_EVERY: Duration = Duration::from_millis(250);
/// The pictures are re-evaluated at most this often.
const PLANE_EVERY: Duration = Duration::from_millis(100);
/// Image predictions are refreshed at most this often.
const DIGITS_EVERY: Duration = Duration::from_secs(1);
/// A followed run directory is read this often.
pub(super) const FOLLOW_EVERY: Duration = Duration::from_millis(200);
/// Longest wait for a key before looking at the trainer again, while it trains.
const POLL: Duration = Duration::from_millis(8);
/// The same while nothing happens (paused): a few wake-ups a second.
const IDLE_POLL: Duration = Duration::from_millis(250);
/// Test images scanned for mistakes.
const DIGITS_SCANNED: usize = 500;

impl Runtime {
    pub(super) fn event_loop(
        &mut self,
        guard: &mut TerminalGuard,
        signals: &Signals,
        observer: &mut dyn FnMut(&Event),
        on_lesson_done: &mut dyn FnMut() -> Result<(), String>,
    ) -> Result<(), DashError> {
        let mut pacer = Pacer::new(self.options.fps, guard.bytes.clone());
        let terminal = &mut guard.terminal;
        let mut dirty = true;
        // The next frame answers a key: the figures at once, whatever their rates.
        let mut force = true;
        // Quiet (paused) and shown in exact shades since.
        let mut settled = false;
        let mut network_changed = true;
        let mut last_plane: Option<Instant> = None;
        let mut last_digits: Option<Instant> = None;
        let mut shown_seconds = u64::MAX;
        let mut extent: Option<(usize, usize, Extent)> = None;
        let mut size = terminal.size()?;
        let mut last_follow: Option<Instant> = None;
        loop {
            if signals.interrupt.load(Ordering::Relaxed) {
                break;
            }
            if signals.terminate.load(Ordering::Relaxed) {
                self.save_for_recovery();
                break;
            }
            // Trainer events: all of them, every turn, so the trainer never waits on us.
            let mut busy = false;
            if let Some(handle) = &self.handle {
                for event in handle.events().try_iter().take(100_000) {
                    busy = true;
                    observer(&event);
                    if let Some(writer) = &mut self.writer {
                        writer.observe(&event);
                    }
                    network_changed |= matches!(event, Event::Snapshot(_));
                    if let Some(lesson) = &mut self.app.lesson {
                        lesson.on_event(&event);
                    }
                    dirty |= self.app.apply_event(event);
                }
            }
            dirty |= self.lesson_met(on_lesson_done);
            if self.follower.is_some() && last_follow.is_none_or(|t| t.elapsed() >= FOLLOW_EVERY) {
                match self.follow() {
                    Ok((changed, network)) => {
                        dirty |= changed;
                        network_changed |= network;
                    }
                    Err(e) => {
                        // What was read stays on screen.
                        self.app.log(format!("stopped following the run: {e}"));
                        self.follower = None;
                        dirty = true;
                    }
                }
                last_follow = Some(Instant::now());
            }
            if let Some(problem) = self.writer.as_mut().and_then(RunWriter::problem) {
                self.app.log(format!("recording the run: {problem}"));
                dirty = true;
            }
            let elapsed = match (&self.follower, &self.app.watch) {
                // A watched run's own clock: since it started while it runs, else
                // up to its last record.
                (Some(f), Some(w)) if w.status != RunStatus::Running => f.run_time(),
                (Some(f), _) => since_unix(f.info().started).max(f.run_time()),
                _ => self.started.elapsed(),
            };
            if elapsed.as_secs() != shown_seconds {
                shown_seconds = elapsed.as_secs();
                dirty = true;
            }
            self.app.status.elapsed = elapsed;

            // Pictures from the latest weights, a few times per second.
            let area = Rect::new(0, 0, size.width, size.height);
            self.screen = area;
            let now = Instant::now();
            if network_changed && last_plane.is_none_or(|t| now - t >= PLANE_EVERY) {
                self.compute_pictures(area, &mut extent);
                network_changed = false;
                last_plane = Some(now);
                dirty = true;
            }
            if image_side(&self.data.train).is_some()
                && self.app.network.is_some()
                && last_digits.is_none_or(|t| now - t >= DIGITS_EVERY)
            {
                let test = self.data.test.as_ref().unwrap_or(&self.data.train);
                if let Some(net) = &self.app.network {
                    self.app.view.digits = digits_view(
                        net,
                        test,
                        &self.data.normalization,
                        DIGITS_SCANNED,
                        6,
                        &mut self.workspace,
                    );
                }
                last_digits = Some(now);
                dirty = true;
            }
            dirty |= self.refresh_inspection();
            if let Some(limit) = ui::inspector_scroll_limit(area, &self.app) {
                let scroll = &mut self.app.selection.inspector.scroll;
                *scroll = (*scroll).min(limit);
            }
            if dirty && pacer.due(now) {
                if pacer.in_flight() {
                    // Never queue frames: wait for the previous one to arrive, take
                    // in what happened meanwhile, then draw only the newest state.
                    pacer.wait_for_link();
                    if let Some(notice) = pacer.notice.take() {
                        self.app.log(notice);
                    }
                    continue;
                }
                let panels = panels(area, &self.app, pacer.interval());
                let urgency = if settled {
                    Urgency::Exact
                } else if force {
                    Urgency::Answer
                } else {
                    Urgency::Paced
                };
                dirty = pacer.draw(terminal, &panels, urgency, |frame| {
                    ui::draw(frame, &self.app);
                })?;
                force = false;
            }

            // Keys, the mouse and resizes.
            let idle = !busy && !dirty && self.app.status.state != RunState::Running;
            // Quiet (paused, nothing arriving): frames in the exact shades (running,
            // cells keep shades a step or two off until they move visibly).
            let quiet = !busy && self.app.status.state != RunState::Running;
            if quiet != settled {
                settled = quiet;
                dirty |= quiet;
            }
            let mut timeout = if idle {
                // Wake for the clock's next second, or a key.
                IDLE_POLL.min(Duration::from_millis(
                    1000 - u64::from(elapsed.subsec_millis()),
                ))
            } else {
                POLL
            };
            while event::poll(timeout)? {
                timeout = Duration::ZERO;
                let action = match event::read()? {
                    TermEvent::Key(key) => {
                        match self.app.lesson.as_mut().and_then(|l| l.key(key)) {
                            Some(LessonKey::Next) => {
                                self.lesson_end = LessonEnd::Next;
                                self.app.quit = true;
                                None
                            }
                            Some(LessonKey::Handled) => {
                                (dirty, force) = (true, true);
                                None
                            }
                            None => crate::drawing::handle_key(&self.app, key)
                                .or_else(|| handle_key(key)),
                        }
                    }
                    TermEvent::Mouse(mouse) => {
                        let target = ui::hit(area, &self.app, mouse.column, mouse.row);
                        // Only a click picks a training point; over the plane the pointer looks at nothing.
                        let looked_at = target.filter(|t| !matches!(t, Target::Sample(_)));
                        match mouse.kind {
                            MouseEventKind::Down(MouseButton::Left)
                                if self.app.view.drawing.as_ref().is_some_and(|d| d.active) =>
                            {
                                ui::plane_point(area, &self.app, mouse.column, mouse.row)
                                    .map(|(x1, x2)| Action::Draw(DrawAction::At(x1, x2)))
                            }
                            MouseEventKind::Down(MouseButton::Left) => target.map(Action::Click),
                            MouseEventKind::Moved | MouseEventKind::Drag(_)
                                if looked_at != self.app.selection.hover =>
                            {
                                Some(Action::Hover(looked_at))
                            }
                            _ => None,
                        }
                    }
                    TermEvent::Resize(..) => {
                        terminal.autoresize()?;
                        size = terminal.size()?;
                        network_changed = true;
                        last_plane = None;
                        (dirty, force) = (true, true);
                        None
                    }
                    _ => None,
                };
                let Some(action) = action else { continue };
                (dirty, force) = (true, true);
                if let Some(binding) = self.app.keys.hidden_binding(action) {
                    self.app
                        .log(format!("{}: hidden by the Playground link", binding.label));
                    continue;
                }
                // A different node shown large needs no new pass, only a redraw.
                let effects = self.app.update(action);
                if let Some(mut lesson) = self.app.lesson.take() {
                    lesson.after_update(action, &effects, &self.app);
                    self.app.lesson = Some(lesson);
                }
                if self.carry_out(effects) {
                    network_changed = true;
                    extent = None;
                    last_plane = None;
                    last_digits = None;
                }
            }
            if self.app.quit {
                break;
            }
        }
        Ok(())
    }

    /// Keeps the progress once a lesson's goal is met, and says so; true if it was just met.
    pub(super) fn lesson_met(&mut self, on_done: &mut dyn FnMut() -> Result<(), String>) -> bool {
        let Some(lesson) = &mut self.app.lesson else {
            return false;
        };
        if !lesson.take_just_met() {
            return false;
        }
        let next = match &lesson.run.next {
            Some(_) => "N: the next lesson",
            None => "that was the last lesson",
        };
        let message = match on_done() {
            Ok(()) => format!("goal met: lesson done ({next})"),
            Err(e) => format!("goal met, but the progress was not kept: {e}"),
        };
        self.app.log(message);
        true
    }

    /// Works out what the inspector shows when it is open and its weights, sample
    /// or settings changed; true if anything changed.
    pub(super) fn refresh_inspection(&mut self) -> bool {
        let app = &mut self.app;
        if !app.selection.inspector.open {
            return app.view.inspection.take().is_some();
        }
        let (Some(network), Some(config)) = (&app.network, &self.config) else {
            return false;
        };
        let n = self.data.train.len();
        if n == 0 {
            return false;
        }
        let sample = app.selection.inspector.sample.min(n - 1);
        if app
            .view
            .inspection
            .as_ref()
            .is_some_and(|v| v.shows(network, sample, &app.settings, config))
        {
            return false;
        }
        match InspectorView::compute(
            Arc::clone(network),
            &self.data,
            sample,
            &app.settings,
            config,
        ) {
            Ok(view) => app.view.inspection = Some(view),
            Err(e) => {
                app.view.inspection = None;
                app.selection.inspector.open = false;
                app.log(format!("cannot inspect sample {}: {e}", sample + 1));
            }
        }
        true
    }

    /// The plane (2-D data) or the curve (1-D data) from the latest weights.
    pub(super) fn compute_pictures(
        &mut self,
        area: Rect,
        extent: &mut Option<(usize, usize, Extent)>,
    ) {
        let Some(net) = self.app.network.clone() else {
            return;
        };
        let s = &self.app.settings;
        let features = self.data.features.as_ref();
        match s.shape() {
            Shape::Plane => {
                let Some((w, h)) = ui::boundary_pixels(area, &self.app) else {
                    return;
                };
                let e = match *extent {
                    Some((ew, eh, e)) if (ew, eh) == (w, h) => e,
                    _ => self
                        .app
                        .view
                        .points_extent(w, h)
                        .unwrap_or_else(|| Extent::around([], w, h)),
                };
                *extent = Some((w, h, e));
                let shown = s.available_features();
                self.app.view.plane = PlaneView::compute(
                    &net,
                    &self.data.normalization,
                    features,
                    &shown,
                    e,
                    w,
                    h,
                    &mut self.workspace,
                );
            }
            Shape::Line => {
                let Some(points) = ui::curve_points(area, &self.app) else {
                    return;
                };
                self.app.view.curve = CurveView::compute(
                    &net,
                    &self.data.normalization,
                    features,
                    ui::curve_range(&self.app),
                    points,
                    &mut self.workspace,
                );
            }
            Shape::Wide => {}
        }
    }
}

/// The panels of the dashboard in `area` and how often each may change on
/// screen: the maps as often as frames come, the figures a few times a second.
fn panels(area: Rect, app: &App, frame: Duration) -> Vec<Panel> {
    let Some(areas) = ui::areas(area, app) else {
        return Vec::new();
    };
    let figures = |area| Panel {
        area,
        every: FIGURES_EVERY,
        urgent: true,
    };
    // A large map sends more cells a frame: its rate falls with the square root
    // of its size beyond that of the 80x24 plane (about 1000 cells).
    let maps = |area: Rect| Panel {
        area,
        every: MAPS_EVERY
            .mul_f64((f64::from(area.area()) / 1000.0).sqrt().max(1.0))
            .max(frame),
        urgent: false,
    };
    let mut out = vec![
        figures(areas.status),
        figures(areas.log),
        figures(areas.curves),
    ];
    out.extend(areas.boundary.map(maps));
    out.extend(areas.network.map(maps));
    out.extend(areas.inspector.map(figures));
    out.extend(areas.confusion.map(figures));
    out.extend(areas.lesson.map(figures));
    out.extend(areas.digits.map(|area| Panel {
        area,
        every: DIGITS_EVERY,
        urgent: true,
    }));
    out
}

/// Time since `unix` seconds since 1970 (zero if that is in the future).
fn since_unix(unix: f64) -> Duration {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    Duration::from_secs_f64((now - unix).max(0.0))
}
