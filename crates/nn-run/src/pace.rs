//! How fast a session trains: flat out, or held to a number of epochs per
//! second so that a person can watch the network learn (the TensorFlow
//! Playground runs one epoch per animation frame, about 60 a second).

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use nn_train::{Setting, SettingError, rules};

/// A session's speed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// As fast as the cores go.
    Max,
    /// At most this many epochs per second (at least 1).
    EpochsPerSecond(f32),
}

impl Pace {
    /// The Playground's pace: one epoch per frame at 60 frames a second.
    pub const PLAYGROUND: Pace = Pace::EpochsPerSecond(60.0);

    /// Checks the rate: max, or at least one epoch per second.
    pub fn validate(self) -> Result<(), SettingError> {
        match self {
            Pace::Max => Ok(()),
            Pace::EpochsPerSecond(rate) => rules::speed(rate),
        }
    }
}

impl fmt::Display for Pace {
    /// `max`, or the epochs per second: `60`, `2.5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pace::Max => f.write_str("max"),
            Pace::EpochsPerSecond(rate) => write!(f, "{rate}"),
        }
    }
}

impl FromStr for Pace {
    type Err = SettingError;

    /// `max`, or a number of epochs per second of at least 1.
    fn from_str(text: &str) -> Result<Self, SettingError> {
        if text == "max" {
            return Ok(Pace::Max);
        }
        let rate: f32 = text.parse().map_err(|_| {
            SettingError::new(Setting::Speed, text, rules::SPEED_EXPECTED.to_string())
        })?;
        let pace = Pace::EpochsPerSecond(rate);
        pace.validate()?;
        Ok(pace)
    }
}

/// Never wait for less than this: steps due within it run at once, so a fast
/// pace costs the trainer thread a wake-up every few milliseconds, not every step.
const SLACK: Duration = Duration::from_millis(2);

/// The most a paced run may fall behind before it stops catching up: after a
/// stall (a slow epoch, a busy machine) it goes on at its pace instead of bursting.
const MAX_BACKLOG: Duration = Duration::from_millis(250);

/// Holds a running session to its [`Pace`]: each step is released when the
/// epochs done since the clock started, at the asked-for rate, are due.
#[derive(Debug)]
pub(crate) struct Pacer {
    pace: Pace,
    origin: Instant,
    /// Epochs (fractions of them) done since `origin`.
    epochs: f64,
}

impl Pacer {
    pub(crate) fn new(pace: Pace) -> Self {
        Self {
            pace,
            origin: Instant::now(),
            epochs: 0.0,
        }
    }

    /// A new pace, measured from now.
    pub(crate) fn set(&mut self, pace: Pace) {
        *self = Self::new(pace);
    }

    /// Starts the clock again (after a pause or a reset), so no backlog builds up.
    pub(crate) fn restart(&mut self) {
        self.set(self.pace);
    }

    /// When the next step is due, if it is not due yet; at the maximum pace
    /// without reading the clock (a read a step is a few percent of a small step).
    pub(crate) fn next_due(&self) -> Option<Instant> {
        match self.pace {
            Pace::Max => None,
            Pace::EpochsPerSecond(_) => self.wait_until(Instant::now()),
        }
    }

    /// When the next step is due as of `now`, if it is not due yet.
    pub(crate) fn wait_until(&self, now: Instant) -> Option<Instant> {
        let Pace::EpochsPerSecond(rate) = self.pace else {
            return None;
        };
        let due = self.origin + Duration::from_secs_f64(self.epochs / f64::from(rate));
        (due > now + SLACK).then_some(due)
    }

    /// Counts a step that trained `fraction` of an epoch.
    pub(crate) fn stepped(&mut self, fraction: f64, now: Instant) {
        self.epochs += fraction;
        if let Pace::EpochsPerSecond(rate) = self.pace {
            let rate = f64::from(rate);
            let lag = now.duration_since(self.origin).as_secs_f64() - self.epochs / rate;
            if lag > MAX_BACKLOG.as_secs_f64() {
                self.epochs += (lag - MAX_BACKLOG.as_secs_f64()) * rate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!("max".parse::<Pace>(), Ok(Pace::Max));
        assert_eq!("60".parse::<Pace>(), Ok(Pace::EpochsPerSecond(60.0)));
        assert_eq!(Pace::EpochsPerSecond(2.5).to_string(), "2.5");
        assert_eq!(Pace::Max.to_string(), "max");
        for bad in ["0", "0.5", "-3", "fast", "NaN", "inf"] {
            let err = bad.parse::<Pace>().unwrap_err();
            assert_eq!(err.setting, Setting::Speed);
            assert_eq!(
                err.to_string(),
                format!(
                    "speed {bad}: expected max or a number of epochs per second of at least 1, e.g. 60"
                )
            );
        }
    }

    #[test]
    fn steps_are_released_at_the_pace() {
        let mut pacer = Pacer::new(Pace::EpochsPerSecond(10.0));
        let t0 = pacer.origin;
        assert_eq!(pacer.wait_until(t0), None, "the first step is due at once");
        // Half an epoch done: due after 50 ms.
        pacer.stepped(0.5, t0);
        assert_eq!(pacer.wait_until(t0), Some(t0 + Duration::from_millis(50)));
        assert_eq!(
            pacer.wait_until(t0 + Duration::from_millis(49)),
            None,
            "within the slack"
        );
        let mut max = Pacer::new(Pace::Max);
        max.stepped(100.0, t0);
        assert_eq!(max.wait_until(t0), None);
    }

    #[test]
    fn a_stall_does_not_cause_a_burst() {
        let mut pacer = Pacer::new(Pace::EpochsPerSecond(10.0));
        let t0 = pacer.origin;
        // One step at 5 s: far behind; it may catch up at most 250 ms.
        let late = t0 + Duration::from_secs(5);
        pacer.stepped(0.1, late);
        let due = pacer.origin + Duration::from_secs_f64(pacer.epochs / 10.0);
        assert_eq!(late - due, MAX_BACKLOG);
    }
}
