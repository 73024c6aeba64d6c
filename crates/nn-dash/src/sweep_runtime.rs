//! The sweep view's event loop (`nn-tui watch SWEEPDIR`): reads the sweep
//! directory a few times a second while its trials train (once a second when
//! nothing can change any more), draws only when something changed, and
//! sleeps in the wait for a key in between. Enter hands the terminal to the
//! single-run view (`runtime::watch_on`, on the same terminal: the shell never
//! shows in between) and takes it back when that quits.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event as TermEvent};

use crate::colors::ColorDepth;
use crate::frames::{Pacer, Panel, Urgency};
use crate::sweep_follow::SweepFollower;
use crate::sweep_keys::handle_sweep_key;
use crate::sweep_view::SweepEffect;
use crate::terminal::{Signals, TerminalGuard};
use crate::{DashError, PlotMode, runtime, ui};

/// The sweep directory is read this often while its trials train.
const FOLLOW_EVERY: Duration = Duration::from_millis(200);
/// And this often once nothing can change (a resumed sweep wakes it up again).
const SETTLED_EVERY: Duration = Duration::from_secs(1);
/// A frame the pace held back is tried again this soon.
const DRAW_RETRY: Duration = Duration::from_millis(15);
/// The table and the curves change on screen at most this often.
const FIGURES_EVERY: Duration = Duration::from_millis(250);

/// Shows the sweep in `dir` until the user quits.
pub fn watch_sweep(dir: &Path, plot: PlotMode, mouse: bool, fps: u32) -> Result<(), DashError> {
    let signals = Signals::register()?;
    let (mut follower, mut view) = SweepFollower::open(dir, plot, ColorDepth::detect())?;
    // Everything written so far, before the terminal is touched.
    follower.poll(&mut view)?;
    let mut guard = TerminalGuard::new(false)?;
    let mut pacer = Pacer::new(fps, guard.bytes.clone());
    let (mut dirty, mut force, mut last_read) = (true, true, Instant::now());
    loop {
        if signals.interrupt.load(Ordering::Relaxed) || signals.terminate.load(Ordering::Relaxed) {
            break;
        }
        let every = if view.settled() {
            SETTLED_EVERY
        } else {
            FOLLOW_EVERY
        };
        if last_read.elapsed() >= every {
            match follower.poll(&mut view) {
                Ok(changed) => dirty |= changed,
                Err(e) => {
                    // What was read stays on screen; the next look tries again.
                    view.message = Some(format!("reading the sweep: {e}"));
                    dirty = true;
                }
            }
            last_read = Instant::now();
        }
        let area = guard.terminal.get_frame().area();
        if dirty && pacer.due(Instant::now()) {
            if pacer.in_flight() {
                // The previous frame first; then the newest state.
                pacer.wait_for_link();
                continue;
            }
            view.keep_visible(ui::sweep_table_rows(area, &view));
            let panels = [Panel {
                area,
                every: FIGURES_EVERY,
                urgent: true,
            }];
            let urgency = if force {
                Urgency::Answer
            } else {
                Urgency::Paced
            };
            dirty = pacer.draw(&mut guard.terminal, &panels, urgency, |frame| {
                ui::draw_sweep(frame, &view);
            })?;
            force = false;
        }
        // Sleep until the next look at the sweep, unless a key comes first; a frame
        // held back by the pace goes out as soon as it is due.
        let mut timeout = every.saturating_sub(last_read.elapsed());
        if dirty {
            timeout = timeout.min(DRAW_RETRY);
        }
        if event::poll(timeout)? {
            match event::read()? {
                TermEvent::Key(key) => {
                    let Some(action) = handle_sweep_key(key) else {
                        continue;
                    };
                    let page = ui::sweep_table_rows(area, &view);
                    match view.update(action, page) {
                        SweepEffect::Quit => break,
                        SweepEffect::Open(run) => {
                            // The run's own view borrows the terminal (no trip to the
                            // shell in between), then the table is drawn whole again.
                            let shown =
                                runtime::watch_on(&mut guard, &signals, &run, plot, mouse, fps);
                            pacer = Pacer::new(fps, guard.bytes.clone());
                            if let Err(e) = shown {
                                view.message = Some(format!("{}: {e}", run.display()));
                            }
                        }
                        SweepEffect::None => {}
                    }
                    (dirty, force) = (true, true);
                }
                TermEvent::Resize(..) => {
                    guard.terminal.autoresize()?;
                    (dirty, force) = (true, true);
                }
                _ => {}
            }
        }
    }
    drop(guard);
    Ok(())
}
