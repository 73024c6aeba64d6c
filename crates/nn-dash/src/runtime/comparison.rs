//! `compare`: the runs recorded in several folders side by side, followed
//! live, read-only: no trainer, only readers and one panel.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crossterm::event::{self, Event as TermEvent};
use nn_run::RunReader;

use crate::action::Action;
use crate::colors::ColorDepth;
use crate::compare::Comparison;
use crate::frames::{Pacer, Panel, Urgency};
use crate::keys::handle_key;
use crate::terminal::{Signals, TerminalGuard};
use crate::{DashError, PlotMode, ui};

use super::event_loop::{FIGURES_EVERY, FOLLOW_EVERY};

/// Shows the runs recorded in `dirs` side by side, following them live, until the user quits.
pub fn compare(dirs: &[PathBuf], plot: PlotMode, fps: u32) -> Result<(), DashError> {
    let signals = Signals::register()?;
    let mut readers = dirs
        .iter()
        .map(|dir| RunReader::open(dir))
        .collect::<Result<Vec<_>, _>>()?;
    let runs = readers
        .iter()
        .map(|r| (r.dir(), r.info().clone()))
        .collect();
    let mut comparison = Comparison::new(runs, plot, ColorDepth::detect());
    // Everything written so far, before the terminal is touched.
    read_runs(&mut comparison, &mut readers)?;
    let mut guard = TerminalGuard::new(false)?;
    let mut pacer = Pacer::new(fps, guard.bytes.clone());
    let terminal = &mut guard.terminal;
    let (mut dirty, mut force, mut last_read) = (true, true, Instant::now());
    loop {
        if signals.interrupt.load(Ordering::Relaxed) || signals.terminate.load(Ordering::Relaxed) {
            break;
        }
        if last_read.elapsed() >= FOLLOW_EVERY {
            dirty |= read_runs(&mut comparison, &mut readers)?;
            last_read = Instant::now();
        }
        if dirty && pacer.due(Instant::now()) {
            if pacer.in_flight() {
                // The previous frame first; then the newest runs.
                pacer.wait_for_link();
                continue;
            }
            let panels = [Panel {
                area: terminal.get_frame().area(),
                every: FIGURES_EVERY,
                urgent: true,
            }];
            let urgency = if force {
                Urgency::Answer
            } else {
                Urgency::Paced
            };
            dirty = pacer.draw(terminal, &panels, urgency, |frame| {
                ui::draw_comparison(frame, &comparison);
            })?;
            force = false;
        }
        if event::poll(FOLLOW_EVERY / 4)? {
            match event::read()? {
                TermEvent::Key(key) if handle_key(key) == Some(Action::Quit) => break,
                TermEvent::Resize(..) => {
                    terminal.autoresize()?;
                    (dirty, force) = (true, true);
                }
                _ => {}
            }
        }
    }
    drop(guard);
    Ok(())
}

/// Folds what each run wrote since the last look into the comparison; true if anything did.
fn read_runs(comparison: &mut Comparison, readers: &mut [RunReader]) -> Result<bool, DashError> {
    let mut changed = false;
    for (i, reader) in readers.iter_mut().enumerate() {
        let (records, status) = reader.poll()?;
        changed |= !records.is_empty();
        for record in &records {
            comparison.add(i, record);
        }
        for warning in reader.take_warnings() {
            comparison.log(warning);
            changed = true;
        }
        comparison.set_status(i, status);
    }
    Ok(changed)
}
