//! Frames on their way to the terminal, paced for a slow link (SSH from a
//! phone, a bastion, another continent): at most `--fps` frames a second, each
//! panel at most at its own rate, only the cells that changed, each frame
//! whole (synchronized output, mode 2026), and never more than one frame on
//! the wire: before the next frame the previous one must have reached the
//! terminal (its answer to a cursor-position request says so). When the link
//! is slower than the frames, frames are skipped and the next one shows the
//! newest state; the first status row then says `slow link: N fps`.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

/// The dashboard's terminal: ratatui writes each frame's bytes into memory, and
/// [`Pacer`] sends them, so it knows what a frame costs and when to hold back.
pub type DashTerminal = Terminal<CrosstermBackend<FrameBytes>>;

/// The bytes of the frame being drawn, shared by the backend (which writes
/// them) and the [`Pacer`] (which sends them).
#[derive(Debug, Clone, Default)]
pub struct FrameBytes(Arc<Mutex<Vec<u8>>>);

impl FrameBytes {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Write for FrameBytes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Frames a second when `--fps` is not given: enough for the maps to move
/// smoothly, few enough for an SSH link (htop and btop redraw once or twice a second).
pub const DEFAULT_FPS: u32 = 10;

/// Synchronized output (mode 2026): the terminal shows what comes between these at once.
const BEGIN_SYNC: &[u8] = b"\x1b[?2026h";
/// The end of a synchronized frame.
const END_SYNC: &[u8] = b"\x1b[?2026l";

/// Two colours closer than this (the sum of the RGB channels' differences) look
/// the same in a cell: about two steps of the maps' scales (15 shades a side),
/// so a cell that drifts keeps what it shows until it has moved visibly; where
/// the class or the sign flips, the colour jumps and the cell changes at once.
/// A quiet (paused) screen is drawn in the exact shades.
const UNSEEN: i32 = 28;

/// A frame sends at most about this many bytes; the rows beyond wait for the next
/// frame. Over a slow link no frame then takes long to arrive (half a second at
/// 16 KB/s), so a key's answer never waits behind a whole repaint, and the
/// terminal's answer comes well within crossterm's 2 s.
const MOST_BYTES: usize = 8 * 1024;
/// The rows sent first in every frame (the status lines: the answer to a key).
const STATUS_ROWS: u16 = 2;

/// Weight of the newest frame in the running mean of the link's delay.
const SMOOTHING: f64 = 0.3;
/// A terminal that leaves this many cursor-position requests in a row unanswered
/// (each waits 2 s) is taken not to answer them at all.
const UNANSWERED_LIMIT: u32 = 3;

/// A part of the screen and how often it may change: the status figures a few
/// times a second, the maps at most ten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panel {
    /// Where it is.
    pub area: Rect,
    /// The shortest time between two changes on screen.
    pub every: Duration,
    /// Shown at once when it answers a key (the figures; not the maps, whose
    /// change would make the answer's frame large over a slow link).
    pub urgent: bool,
}

/// Why a frame is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// The run moved on: each panel at its rate, shades nobody sees held back.
    Paced,
    /// A key was pressed: the urgent panels at once, the maps at their rate.
    Answer,
    /// All is quiet (paused): everything, in its exact shades.
    Exact,
}

/// Paces the frames: when to draw, what to hold back, how fast the link is.
#[derive(Debug)]
pub struct Pacer {
    /// The shortest time between two frames (`1 / --fps`).
    interval: Duration,
    /// What the terminal shows (the last frame sent).
    shown: Option<Buffer>,
    /// When each panel (by its index in the list the caller passes) last changed on screen.
    changed: Vec<Option<Instant>>,
    /// When the last frame was sent.
    last_frame: Option<Instant>,
    /// A frame was sent whose arrival is not yet confirmed.
    in_flight: bool,
    /// The terminal answers cursor-position requests (else frames are paced by write time alone).
    answers: bool,
    /// Requests left unanswered in a row.
    unanswered: u32,
    /// The terminal has answered once (so a late answer means a slow link, not a deaf terminal).
    answered: bool,
    /// Running mean of the time a frame costs beyond the interval: the wait for
    /// the previous frame to arrive plus the time to write this one.
    delay: Duration,
    /// A note for the log line, once (e.g. that the terminal does not answer).
    pub notice: Option<String>,
    /// What the backend wrote for the frame being drawn.
    bytes: FrameBytes,
    /// The row where the last frame cut short stopped: the next starts there.
    resume: u16,
}

impl Pacer {
    /// A pacer for `fps` frames a second (at least one), sending what the
    /// terminal's backend writes into `bytes`.
    pub fn new(fps: u32, bytes: FrameBytes) -> Self {
        Self {
            interval: Duration::from_secs(1) / fps.max(1),
            shown: None,
            changed: Vec::new(),
            last_frame: None,
            in_flight: false,
            answers: true,
            unanswered: 0,
            answered: false,
            delay: Duration::ZERO,
            notice: None,
            bytes,
            resume: 0,
        }
    }

    /// The shortest time between two frames.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Whether a frame may be sent at `now` (the interval since the last one has passed).
    pub fn due(&self, now: Instant) -> bool {
        self.last_frame
            .is_none_or(|t| now.duration_since(t) >= self.interval)
    }

    /// Whether the last frame sent may still be on its way to the terminal; the
    /// caller then calls [`Pacer::wait_for_link`], takes in what happened
    /// meanwhile, and draws the newest state.
    pub fn in_flight(&self) -> bool {
        self.in_flight && self.answers
    }

    /// Blocks until the last frame has reached the terminal: asks where the
    /// cursor is, which the terminal answers once it has read everything before.
    /// Keys that arrive meanwhile wait in crossterm's queue.
    pub fn wait_for_link(&mut self) {
        if !self.in_flight() {
            return;
        }
        let started = Instant::now();
        if crossterm::cursor::position().is_ok() {
            self.unanswered = 0;
            self.answered = true;
        } else {
            // A very slow link (the answer comes later and is taken by the next
            // request, which then knows one frame less), or a terminal that
            // does not answer at all.
            self.unanswered += 1;
            if self.unanswered >= UNANSWERED_LIMIT && !self.answered {
                self.answers = false;
                self.notice = Some(
                    "the terminal does not answer cursor-position requests: \
                     frames are paced by the time they take to write"
                        .into(),
                );
            }
        }
        self.in_flight = false;
        self.add_delay(started.elapsed());
    }

    /// The frame rate the link allows when it is slower than the frames asked
    /// for (a frame costs more than one and a half intervals); `None` otherwise.
    pub fn slow_link_fps(&self) -> Option<f64> {
        let period = self.interval + self.delay;
        (period > self.interval * 3 / 2).then(|| 1.0 / period.as_secs_f64())
    }

    fn add_delay(&mut self, sample: Duration) {
        let mean = self.delay.as_secs_f64();
        self.delay = Duration::from_secs_f64(mean + SMOOTHING * (sample.as_secs_f64() - mean));
    }

    /// Renders a frame with `render` and sends what changed. Each of `panels`
    /// keeps what the terminal shows until its rate allows a change, unless
    /// `urgency` says otherwise. Returns whether a held panel still has a
    /// change to show (the caller draws again later).
    pub fn draw(
        &mut self,
        terminal: &mut DashTerminal,
        panels: &[Panel],
        urgency: Urgency,
        render: impl FnOnce(&mut ratatui::Frame),
    ) -> io::Result<bool> {
        terminal.autoresize()?;
        render(&mut terminal.get_frame());
        let now = Instant::now();
        if let Some(fps) = self.slow_link_fps() {
            slow_link_note(terminal.current_buffer_mut(), fps);
        }
        self.changed.resize(panels.len(), None);
        let mut pending = false;
        let buffer = terminal.current_buffer_mut();
        if let Some(shown) = self.shown.as_ref().filter(|s| s.area == buffer.area) {
            if urgency != Urgency::Exact {
                keep_unseen_changes(shown, buffer);
            }
            for (panel, changed) in panels.iter().zip(&mut self.changed) {
                let area = panel.area.intersection(buffer.area);
                if !differs(shown, buffer, area) {
                    continue;
                }
                let now_due = match urgency {
                    Urgency::Exact => true,
                    Urgency::Answer if panel.urgent => true,
                    _ => changed.is_none_or(|t| now.duration_since(t) >= panel.every),
                };
                if now_due {
                    *changed = Some(now);
                } else {
                    copy(shown, buffer, area);
                    pending = true;
                }
            }
        }
        // What ratatui wrote itself (a clear after a resize), then the cells that changed.
        let mut bytes = self.bytes.take();
        let next = terminal.current_buffer_mut();
        let shown = match self.shown.take() {
            Some(shown) if shown.area == next.area && bytes.is_empty() => shown,
            _ => Buffer::empty(next.area),
        };
        let unsent = encode(&shown, next, &mut bytes, MOST_BYTES, self.resume);
        if let Some(&first) = unsent.first() {
            // The rest in the next frames, from where this one stopped: the
            // terminal still shows the old rows.
            self.resume = first;
            for row in unsent {
                copy(
                    &shown,
                    next,
                    Rect::new(next.area.x, row, next.area.width, 1),
                );
            }
            pending = true;
        }
        // The next frame starts from a clean buffer, as after ratatui's own swap.
        self.shown = Some(std::mem::replace(next, Buffer::empty(next.area)));
        if bytes.is_empty() {
            return Ok(pending);
        }
        let started = Instant::now();
        let mut out = io::stdout().lock();
        out.write_all(BEGIN_SYNC)?;
        out.write_all(&bytes)?;
        out.write_all(END_SYNC)?;
        out.flush()?;
        drop(out);
        if self.answers {
            self.in_flight = true;
        } else {
            // Without answers, the time the write blocked is all there is to go on.
            self.add_delay(started.elapsed());
        }
        self.last_frame = Some(now);
        Ok(pending)
    }
}

/// Appends to `out` what turns the screen from `shown` into `next`: for each
/// changed cell, a cursor move when it is not where the last one left it, the
/// colours and attributes that differ from the last cell's, and its symbol.
/// (ratatui's crossterm backend sets both colours at every change and moves the
/// cursor with absolute positions; a map's cells change one colour at a time.)
///
/// The status lines go first, then the rows from `resume` on, round to those
/// above; at the end of the row where `most` bytes are passed it stops, and
/// returns the rows with changes not sent, in the order they were due.
fn encode(shown: &Buffer, next: &Buffer, out: &mut Vec<u8>, most: usize, resume: u16) -> Vec<u16> {
    use std::fmt::Write as _;
    let area = next.area;
    let resume = resume
        .saturating_sub(area.y)
        .clamp(STATUS_ROWS, area.height.max(STATUS_ROWS + 1) - 1);
    let rank = |y: u16| {
        let row = y - area.y;
        if row < STATUS_ROWS {
            0
        } else {
            1 + (row + area.height - resume) % area.height.max(1)
        }
    };
    let mut diffs = shown.diff(next);
    diffs.sort_by_key(|&(_, y, _)| rank(y));
    let mut text = String::new();
    let (mut fg, mut bg, mut modifier) = (Color::Reset, Color::Reset, Modifier::empty());
    let mut cursor: Option<(u16, u16)> = None;
    let mut unsent: Vec<u16> = Vec::new();
    for (x, y, cell) in diffs {
        if !unsent.is_empty()
            || cursor.is_some_and(|(_, row)| row != y) && out.len() + text.len() >= most
        {
            if unsent.last() != Some(&y) {
                unsent.push(y);
            }
            continue;
        }
        match cursor {
            Some((cx, cy)) if (cx, cy) == (x, y) => {}
            // Forward on the same row: shorter than an absolute move.
            Some((cx, cy)) if cy == y && x > cx => {
                let _ = write!(text, "\x1b[{}C", x - cx);
            }
            _ => {
                let _ = write!(text, "\x1b[{};{}H", y + 1, x + 1);
            }
        }
        let symbol = cell.symbol();
        let mut sgr = Vec::new();
        if cell.modifier != modifier {
            sgr.push("0".to_string());
            (fg, bg) = (Color::Reset, Color::Reset);
            for (flag, code) in [
                (Modifier::BOLD, "1"),
                (Modifier::DIM, "2"),
                (Modifier::ITALIC, "3"),
                (Modifier::UNDERLINED, "4"),
                (Modifier::SLOW_BLINK, "5"),
                (Modifier::RAPID_BLINK, "6"),
                (Modifier::REVERSED, "7"),
                (Modifier::HIDDEN, "8"),
                (Modifier::CROSSED_OUT, "9"),
            ] {
                if cell.modifier.contains(flag) {
                    sgr.push(code.to_string());
                }
            }
            modifier = cell.modifier;
        }
        // A blank shows no foreground (unless underlined or reversed).
        let fg_seen = symbol != " "
            || cell
                .modifier
                .intersects(Modifier::UNDERLINED | Modifier::REVERSED | Modifier::CROSSED_OUT);
        if fg_seen && cell.fg != fg {
            sgr.push(color_code(cell.fg, false));
            fg = cell.fg;
        }
        if cell.bg != bg {
            sgr.push(color_code(cell.bg, true));
            bg = cell.bg;
        }
        if !sgr.is_empty() {
            let _ = write!(text, "\x1b[{}m", sgr.join(";"));
        }
        text.push_str(symbol);
        let width = u16::try_from(ratatui::text::Span::raw(symbol).width()).unwrap_or(1);
        cursor = Some((x + width.max(1), y));
    }
    if !text.is_empty() {
        text.push_str("\x1b[0m");
    }
    out.extend_from_slice(text.as_bytes());
    unsent
}

/// The SGR parameters of a colour, as foreground or background.
fn color_code(color: Color, background: bool) -> String {
    let base = if background { 40 } else { 30 };
    let named = |n: u8| (base + n).to_string();
    let bright = |n: u8| (base + 60 + n).to_string();
    match color {
        Color::Reset => (base + 9).to_string(),
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => bright(0),
        Color::LightRed => bright(1),
        Color::LightGreen => bright(2),
        Color::LightYellow => bright(3),
        Color::LightBlue => bright(4),
        Color::LightMagenta => bright(5),
        Color::LightCyan => bright(6),
        Color::White => bright(7),
        Color::Indexed(i) => format!("{};5;{i}", base + 8),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", base + 8),
    }
}

/// Puts back the shown cells that changed by a shade a person cannot tell from the old one.
fn keep_unseen_changes(shown: &Buffer, next: &mut Buffer) {
    for (old, new) in shown.content.iter().zip(&mut next.content) {
        if old != new
            && old.symbol() == new.symbol()
            && old.modifier == new.modifier
            && looks_the_same(old.fg, new.fg)
            && looks_the_same(old.bg, new.bg)
        {
            new.clone_from(old);
        }
    }
}

/// Whether two colours look the same: equal, or RGB within [`UNSEEN`] of each other.
fn looks_the_same(a: Color, b: Color) -> bool {
    match (a, b) {
        (Color::Rgb(r1, g1, b1), Color::Rgb(r2, g2, b2)) => {
            let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).abs();
            d(r1, r2) + d(g1, g2) + d(b1, b2) <= UNSEEN
        }
        _ => a == b,
    }
}

/// Whether any cell of `area` differs between two buffers of the same area.
fn differs(a: &Buffer, b: &Buffer, area: Rect) -> bool {
    area.positions().any(|p| a[p] != b[p])
}

/// Copies the cells of `area` from `from` into `to`.
fn copy(from: &Buffer, to: &mut Buffer, area: Rect) {
    for p in area.positions() {
        to[p] = from[p].clone();
    }
}

/// ` slow link: N fps ` at the right end of the first row.
fn slow_link_note(buffer: &mut Buffer, fps: f64) {
    let text = if fps >= 1.0 {
        format!(" slow link: {fps:.0} fps ")
    } else {
        format!(" slow link: {fps:.1} fps ")
    };
    let area = buffer.area;
    let width = u16::try_from(text.chars().count()).unwrap_or(u16::MAX);
    if area.width < width || area.height == 0 {
        return;
    }
    let style = Style::default()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD);
    buffer.set_string(area.right() - width, area.y, text, style);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slow_link_is_named_only_when_frames_wait_for_it() {
        let mut pacer = Pacer::new(10, FrameBytes::default());
        assert_eq!(pacer.slow_link_fps(), None);
        // Frames that wait a little (a round trip) are not a slow link.
        for _ in 0..20 {
            pacer.add_delay(Duration::from_millis(20));
        }
        assert_eq!(pacer.slow_link_fps(), None);
        // Frames that wait 400 ms: two a second.
        for _ in 0..40 {
            pacer.add_delay(Duration::from_millis(400));
        }
        let fps = pacer.slow_link_fps().expect("slow");
        assert!((fps - 2.0).abs() < 0.05, "{fps}");
        let mut buffer = Buffer::empty(Rect::new(0, 0, 40, 2));
        slow_link_note(&mut buffer, fps);
        let row: String = (0..40).map(|x| buffer[(x, 0)].symbol()).collect();
        assert!(row.ends_with(" slow link: 2 fps "), "{row:?}");
    }

    /// The encoded frame, replayed on a blank screen, shows the frame; an
    /// unchanged frame costs nothing.
    #[test]
    fn frames_carry_only_what_changed() {
        let area = Rect::new(0, 0, 6, 2);
        let shown = Buffer::empty(area);
        let mut next = Buffer::empty(area);
        let orange = Style::default()
            .fg(Color::Rgb(245, 147, 34))
            .bg(Color::Rgb(245, 147, 34));
        next.set_string(0, 0, "▀▀", orange);
        next.set_string(4, 0, "ab", Style::default().add_modifier(Modifier::BOLD));
        next.set_string(0, 1, "x", Style::default().fg(Color::Indexed(33)));
        let mut out = Vec::new();
        assert!(encode(&shown, &next, &mut out, 1000, 0).is_empty());
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "\x1b[1;1H\x1b[38;2;245;147;34;48;2;245;147;34m▀▀\x1b[2C\x1b[0;1mab\x1b[2;1H\x1b[0;38;5;33mx\x1b[0m"
        );
        let mut out = Vec::new();
        encode(&next, &next, &mut out, 1000, 0);
        assert!(out.is_empty());
        // A large frame stops at the end of a row; the rest waits.
        let mut out = Vec::new();
        assert_eq!(encode(&shown, &next, &mut out, 10, 0), vec![1]);
        assert!(String::from_utf8(out).unwrap().ends_with("ab\x1b[0m"));
        // The next starts where it stopped, after the status lines.
        let area = Rect::new(0, 0, 2, 5);
        let mut tall = Buffer::empty(area);
        for y in 0..5 {
            tall.set_string(0, y, "xx", Style::default());
        }
        let mut out = Vec::new();
        assert_eq!(
            encode(&Buffer::empty(area), &tall, &mut out, 1, 3),
            vec![1, 3, 4, 2]
        );
    }

    #[test]
    fn a_shade_nobody_sees_is_not_sent() {
        let area = Rect::new(0, 0, 2, 1);
        let mut shown = Buffer::empty(area);
        shown.set_string(0, 0, "▀▀", Style::default().fg(Color::Rgb(19, 49, 70)));
        let mut next = Buffer::empty(area);
        next.set_string(0, 0, "▀", Style::default().fg(Color::Rgb(19, 50, 71)));
        next.set_string(1, 0, "▀", Style::default().fg(Color::Rgb(60, 50, 71)));
        keep_unseen_changes(&shown, &mut next);
        assert_eq!(next[(0, 0)], shown[(0, 0)]);
        assert_eq!(next[(1, 0)].fg, Color::Rgb(60, 50, 71));
    }

    #[test]
    fn a_held_panel_keeps_what_the_terminal_shows() {
        let area = Rect::new(0, 0, 4, 1);
        let mut shown = Buffer::empty(area);
        shown.set_string(0, 0, "ab", Style::default());
        let mut next = Buffer::empty(area);
        next.set_string(0, 0, "cd", Style::default());
        let left = Rect::new(0, 0, 1, 1);
        assert!(differs(&shown, &next, left));
        copy(&shown, &mut next, left);
        assert!(!differs(&shown, &next, left));
        assert_eq!(next[(1, 0)].symbol(), "d");
    }
}
