//! Showing a headless run: two indicatif bars (epochs, and batches with loss
//! and samples/s) on a terminal, one plain line per epoch otherwise.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use nn_run::Event;
use nn_train::{EpochReport, Metrics, Stall, UnitTrouble};

/// Set once stderr refused a write: progress is then dropped, training goes on.
static STDERR_GONE: AtomicBool = AtomicBool::new(false);

/// Writes one line to stderr, never panicking: a stderr that is full or closed
/// (a log file on a full disk, a dropped SSH session) loses the progress, not the
/// run. The first failure is reported once, if anything can still be written.
pub fn say(line: &str) {
    if STDERR_GONE.load(Ordering::Relaxed) {
        return;
    }
    // One write: stderr is unbuffered, and `writeln!` writes the line and its
    // newline in two (a sweep says a line per trial).
    let mut whole = String::with_capacity(line.len() + 1);
    whole.push_str(line);
    whole.push('\n');
    let mut err = std::io::stderr().lock();
    if let Err(e) = err.write_all(whole.as_bytes()).and_then(|()| err.flush()) {
        STDERR_GONE.store(true, Ordering::Relaxed);
        let _ = writeln!(
            err,
            "warning: cannot write to stderr ({e}); progress and messages are dropped from here on"
        );
    }
}

/// Turns trainer events into progress output on stderr.
pub struct Reporter {
    epochs: usize,
    bars: Option<Bars>,
    /// When the last epoch line was written.
    last_line: Option<Instant>,
}

/// At most one epoch line per this interval (the first, the last and any with a
/// warning always): a run of tiny epochs would otherwise write thousands of lines
/// a second, and a reader that stops reading (mpirun after Ctrl-C, a stuck
/// terminal) would then block the run on a full pipe.
const EPOCH_LINE_EVERY: Duration = Duration::from_millis(100);

struct Bars {
    multi: MultiProgress,
    epoch: ProgressBar,
    batch: ProgressBar,
}

impl Reporter {
    /// Bars if stderr is a terminal, plain lines if not.
    pub fn new(epochs: usize, epochs_done: usize, steps_per_epoch: usize) -> Self {
        let bars = std::io::stderr().is_terminal().then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let style = |template: &str| {
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ")
            };
            let epoch = multi.add(
                ProgressBar::new(epochs as u64)
                    .with_style(style(
                        "epochs  [{bar:30}] {pos}/{len}  {elapsed_precise} ETA {eta}  {msg}",
                    ))
                    .with_position(epochs_done as u64),
            );
            let batch = multi.add(
                ProgressBar::new(steps_per_epoch as u64)
                    .with_style(style("batches [{bar:30}] {pos}/{len}  {msg}")),
            );
            epoch.enable_steady_tick(Duration::from_millis(250));
            Bars {
                multi,
                epoch,
                batch,
            }
        });
        Self {
            epochs,
            bars,
            last_line: None,
        }
    }

    /// Updates the bars or prints a line for one event.
    pub fn handle(&mut self, event: &Event) {
        match event {
            Event::Progress(p) => {
                if let Some(bars) = &self.bars {
                    bars.batch.set_length(p.steps_per_epoch as u64);
                    bars.batch.set_position(p.step_in_epoch as u64);
                    if p.loss.is_finite() {
                        bars.batch.set_message(format!(
                            "loss {:.4}  {} samples/s",
                            p.loss,
                            thousands(p.samples_per_second)
                        ));
                    }
                }
            }
            Event::EpochEnd(report) => {
                let now = Instant::now();
                let due = self
                    .last_line
                    .is_none_or(|t| now.duration_since(t) >= EPOCH_LINE_EVERY)
                    || report.epoch >= self.epochs
                    || report.stalled.is_some()
                    || report.stop_early;
                if let Some(bars) = &self.bars {
                    bars.epoch.set_position(report.epoch as u64);
                    bars.batch.set_position(0);
                }
                if !due {
                    return;
                }
                self.last_line = Some(now);
                let mut line = epoch_line(report, self.epochs);
                if let Some(stall) = &report.stalled {
                    let _ = write!(
                        line,
                        "\nwarning: {}",
                        stall_advice(stall, report.learning_rate)
                    );
                }
                match &self.bars {
                    Some(bars) => bars.multi.suspend(|| say(&line)),
                    None => say(&line),
                }
            }
            Event::Log(message) => self.println(message),
            Event::Snapshot(_) | Event::State(_) | Event::Finished(_) => {}
        }
    }

    /// Prints a line to stderr without breaking the bars.
    pub fn println(&self, line: &str) {
        match &self.bars {
            Some(bars) => bars.multi.suspend(|| say(line)),
            None => say(line),
        }
    }

    /// Removes the bars.
    pub fn finish(&self) {
        if let Some(bars) = &self.bars {
            bars.batch.finish_and_clear();
            bars.epoch.finish_and_clear();
            let _ = bars.multi.clear();
        }
    }
}

/// A stall, and what to try, in flags.
pub fn stall_advice(stall: &Stall, learning_rate: f32) -> String {
    let other = match (stall.trouble, stall.output_layer) {
        (UnitTrouble::Saturated, true) => {
            "or --output softmax --loss ce (its output delta does not vanish)"
        }
        (UnitTrouble::Saturated, false) => "or --activation relu",
        (UnitTrouble::Dead, _) => "--activation tanh, or another --seed",
    };
    format!(
        "{stall}. Try a smaller --lr (e.g. {}), {other}",
        learning_rate / 10.0
    )
}

/// `epoch 3/10  train loss 0.1234 acc 96.1%  val ...  test ...  12,345 samples/s`.
pub fn epoch_line(report: &EpochReport, epochs: usize) -> String {
    let mut line = format!("epoch {}/{epochs}", report.epoch);
    let parts = [
        ("train", Some(&report.train)),
        ("val", report.validation.as_ref()),
        ("test", report.test.as_ref()),
    ];
    for (name, metrics) in parts {
        if let Some(m) = metrics {
            let _ = write!(line, "  {name} {}", metrics_text(m));
        }
    }
    let _ = write!(line, "  {} samples/s", thousands(report.samples_per_second));
    line
}

/// `loss 0.1234 acc 96.1%` (classification) or `loss 0.1234 r2 0.987` (regression).
pub fn metrics_text(m: &Metrics) -> String {
    let mut text = format!("loss {:.4}", m.loss);
    if let Some(acc) = m.accuracy() {
        let _ = write!(text, " acc {:.1}%", acc * 100.0);
    }
    if let Some(r2) = m.r2 {
        let _ = write!(text, " r2 {r2:.3}");
    }
    text
}

/// A whole number with thousands separators: `12,345`.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(12_345_678.0), "12,345,678");
    }
}
