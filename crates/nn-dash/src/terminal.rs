//! The terminal, set up and restored in one place: raw mode, the alternate
//! screen and (if asked) mouse reports on entry; on exit, on a panic (a hook
//! that restores, then calls the previous hook) and after a signal, everything
//! is put back.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::frames::{DashTerminal, FrameBytes};

/// Whether the terminal is currently set up by us (so restoring twice is harmless).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Whether we asked the terminal for mouse reports.
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back: stops mouse reports, leaves the alternate screen,
/// shows the cursor, ends raw mode.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        if MOUSE.swap(false, Ordering::SeqCst) {
            let _ = execute!(out, DisableMouseCapture);
        }
        let _ = execute!(out, LeaveAlternateScreen, Show);
        let _ = disable_raw_mode();
        let _ = out.flush();
    }
}

/// Owns the set-up terminal; dropping it restores the terminal.
pub struct TerminalGuard {
    /// The ratatui terminal; its frames go to stdout through [`crate::frames::Pacer`].
    pub terminal: DashTerminal,
    /// Where the terminal's backend writes a frame, for the pacer to send.
    pub bytes: FrameBytes,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen, turns on mouse reports if
    /// `mouse`, and installs the panic hook (once).
    pub fn new(mouse: bool) -> io::Result<Self> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, Hide) {
            restore();
            return Err(e);
        }
        if mouse {
            MOUSE.store(true, Ordering::SeqCst);
            if let Err(e) = execute!(out, EnableMouseCapture) {
                restore();
                return Err(e);
            }
        }
        let bytes = FrameBytes::default();
        match Terminal::new(CrosstermBackend::new(bytes.clone())) {
            Ok(terminal) => Ok(Self { terminal, bytes }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl TerminalGuard {
    /// Hands the set-up terminal to another view: mouse reports on or off as
    /// that view wants them, and the screen cleared for it to draw whole.
    pub fn hand_over(&mut self, mouse: bool) -> io::Result<()> {
        if MOUSE.swap(mouse, Ordering::SeqCst) != mouse {
            let mut out = io::stdout();
            if mouse {
                execute!(out, EnableMouseCapture)?;
            } else {
                execute!(out, DisableMouseCapture)?;
            }
        }
        self.terminal.clear()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Flags raised by SIGINT, SIGTERM and SIGHUP, checked by the event loop;
/// the handlers are removed again when this is dropped.
#[derive(Debug, Default)]
pub struct Signals {
    /// SIGINT: quit.
    pub interrupt: Arc<AtomicBool>,
    /// SIGTERM or SIGHUP: save what we have, then quit.
    pub terminate: Arc<AtomicBool>,
    ids: Vec<signal_hook::SigId>,
}

impl Signals {
    /// Registers the flags with the OS.
    pub fn register() -> io::Result<Self> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let mut s = Self::default();
        s.ids.push(signal_hook::flag::register(
            SIGINT,
            Arc::clone(&s.interrupt),
        )?);
        s.ids.push(signal_hook::flag::register(
            SIGTERM,
            Arc::clone(&s.terminate),
        )?);
        #[cfg(unix)]
        s.ids.push(signal_hook::flag::register(
            signal_hook::consts::SIGHUP,
            Arc::clone(&s.terminate),
        )?);
        Ok(s)
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
