//! Whether gathering the next step's samples ahead pays ([`super::prefetch`]):
//! blocks of steps each way, timed, in turn.
//!
//! A helper thread gathering ahead made W1 (784-100-10, batch 32) 6-10%
//! faster on 2 idle cores; beside a busy loop it made 784-100-10 a quarter
//! slower, since a third runnable thread takes the step's own thread's core
//! part of the time, and a helper taken off its core halfway makes the pass
//! wait. Neither shows in a step or two: a step of 120 us varies by more than
//! a tenth from one to the next, and a spinner outlives its last step by a
//! millisecond. So a round times blocks of [`BLOCK`] steps, each way three
//! times in turn, each block's first [`BLOCK_WARM`] untimed (they pay for the
//! switch), and keeps the way whose median block is faster, gathering ahead
//! only if it wins by [`AHEAD_MARGIN`]. Rounds start [`ROUND_EVERY`] steps
//! apart ([`CONFIRM_DROPPED_AFTER`] after a run's first round that drops
//! gathering ahead). Both ways give the same bits.
//!
//! A step that cannot gather ahead (the plan timer's probes spread over the
//! threads, an epoch's last step, the test pass between epochs) takes time
//! inside a block all the same: a round under way starts again after it
//! ([`AheadTimer::skip`]). Before, the plan timer's first two rounds of probes
//! (steps 0-11 and 64-75) fell in the first round's gathering-ahead blocks, and
//! W1's first round dropped gathering ahead in about one run in five (medians
//! 2.78 ms a block against 2.77), for the run's first second of steps: 283,000
//! samples/s against 305,000.

use std::time::Instant;

use crate::plan::median;

/// Steps of a block of a round.
const BLOCK: u64 = 32;

/// A block's first steps, not timed.
const BLOCK_WARM: u64 = 8;

/// Blocks of a round: gathering ahead, not, and so on, three each.
const BLOCKS: u64 = 6;

/// Steps that could gather ahead from one round's start to the next.
const ROUND_EVERY: u64 = 8192;

/// Steps that could gather ahead from a run's first round to the next when
/// the first dropped gathering ahead: it runs in the run's first few hundred
/// steps, and W1 (where gathering ahead is 8% faster once warm) still lost it
/// there in about one run in seven, for the next 8,192 steps (0.9 s).
const CONFIRM_DROPPED_AFTER: u64 = 1024;

/// How much faster than not gathering ahead a block of steps that do must be.
const AHEAD_MARGIN: f64 = 1.02;

/// Times blocks of steps that gather ahead against blocks that do not.
#[derive(Debug)]
pub(super) struct AheadTimer {
    /// Steps seen that could gather ahead.
    steps: u64,
    /// The step at which the current or next round starts.
    round_start: u64,
    /// Seconds of each block's timed steps: [gathering ahead, not].
    times: [[f64; 3]; 2],
    /// When the current block's timed steps began, in seconds of `clock`.
    block_started: Option<f64>,
    /// The pick between rounds.
    ahead: bool,
    /// Rounds decided.
    rounds: u64,
    clock: Instant,
}

impl Default for AheadTimer {
    fn default() -> Self {
        Self {
            steps: 0,
            round_start: 0,
            times: [[0.0; 3]; 2],
            block_started: None,
            ahead: true,
            rounds: 0,
            clock: Instant::now(),
        }
    }
}

impl AheadTimer {
    /// Notes a step that could not gather ahead: a round under way starts
    /// again with the next step that can (its blocks' times would include this
    /// step's).
    pub(super) fn skip(&mut self) {
        let k = self.steps.wrapping_sub(self.round_start);
        if k > 0 && k < BLOCKS * BLOCK {
            self.round_start = self.steps;
            self.block_started = None;
        }
    }

    /// Whether the next step that could gather ahead does.
    pub(super) fn next(&mut self) -> bool {
        let clock = self.clock;
        self.next_by(|| clock.elapsed().as_secs_f64())
    }

    /// [`AheadTimer::next`] with the clock `now` (seconds), read only at a
    /// block's timed start and at its end.
    fn next_by(&mut self, mut now: impl FnMut() -> f64) -> bool {
        let k = self.steps.wrapping_sub(self.round_start);
        self.steps += 1;
        let block = k / BLOCK;
        if k.is_multiple_of(BLOCK)
            && (1..=BLOCKS).contains(&block)
            && let Some(started) = self.block_started.take()
        {
            let ended = block - 1;
            self.times[usize::from(ended % 2 == 1)][(ended / 2) as usize] = now() - started;
        }
        if k == BLOCKS * BLOCK {
            let [ahead, not] = &mut self.times;
            self.ahead = median(ahead) * AHEAD_MARGIN < median(not);
            self.round_start += if self.rounds == 0 && !self.ahead {
                CONFIRM_DROPPED_AFTER
            } else {
                ROUND_EVERY
            };
            self.rounds += 1;
        }
        if k < BLOCKS * BLOCK {
            if k % BLOCK == BLOCK_WARM {
                self.block_started = Some(now());
            }
            return block.is_multiple_of(2);
        }
        self.ahead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a round on a clock where each step gathering ahead takes `ahead`
    /// seconds and each other step `not`; returns the ways its steps ran and
    /// the pick after it.
    fn round(timer: &mut AheadTimer, ahead: f64, not: f64) -> (Vec<bool>, bool) {
        let mut clock = 0.0;
        let mut ways = Vec::new();
        for _ in 0..BLOCKS * BLOCK {
            let way = timer.next_by(|| clock);
            clock += if way { ahead } else { not };
            ways.push(way);
        }
        // The step after the round ends its last block and gives the pick.
        let pick = timer.next_by(|| clock);
        (ways, pick)
    }

    #[test]
    fn a_round_runs_blocks_each_way_in_turn_and_keeps_the_faster() {
        let mut timer = AheadTimer::default();
        let (ways, pick) = round(&mut timer, 1.0, 1.1);
        let blocks: Vec<bool> = ways.chunks(BLOCK as usize).map(|b| b[0]).collect();
        assert_eq!(blocks, [true, false, true, false, true, false]);
        assert!(
            ways.chunks(BLOCK as usize)
                .all(|b| b.iter().all(|&w| w == b[0]))
        );
        assert!(pick, "gathering ahead 10% faster is kept");
        // Until the next round, the pick.
        for _ in BLOCKS * BLOCK + 1..ROUND_EVERY {
            assert!(timer.next_by(|| unreachable!("no clock between rounds")));
        }
        // Slower (a busy loop beside): dropped.
        let (_, pick) = round(&mut timer, 1.3, 1.0);
        assert!(!pick);
        for _ in BLOCKS * BLOCK + 1..ROUND_EVERY {
            assert!(!timer.next_by(|| unreachable!("no clock between rounds")));
        }
        // Faster by less than the margin: not worth a helper.
        let (_, pick) = round(&mut timer, 1.0, 1.01);
        assert!(!pick);
    }

    #[test]
    fn a_first_round_that_drops_gathering_ahead_is_confirmed_soon() {
        let mut timer = AheadTimer::default();
        let (_, pick) = round(&mut timer, 1.1, 1.0);
        assert!(!pick);
        for _ in BLOCKS * BLOCK + 1..CONFIRM_DROPPED_AFTER {
            assert!(!timer.next_by(|| unreachable!("no clock between rounds")));
        }
        // Warm, gathering ahead wins; kept until a round 8,192 steps on.
        let (_, pick) = round(&mut timer, 1.0, 1.1);
        assert!(pick);
        for _ in BLOCKS * BLOCK + 1..ROUND_EVERY {
            assert!(timer.next_by(|| unreachable!("no clock between rounds")));
        }
    }

    #[test]
    fn a_step_that_cannot_gather_ahead_starts_the_round_again() {
        // Gathering ahead 10% faster, but two steps that cannot (a spread
        // probe's, slow) fall in two of the first round's blocks gathering
        // ahead: without the restart their time would count against it.
        let mut timer = AheadTimer::default();
        let mut clock = 0.0;
        let restart = 2 * BLOCK + 10;
        let mut seen = 0;
        let pick = loop {
            if seen == 10 || seen == restart {
                timer.skip();
                clock += 100.0;
            }
            let way = timer.next_by(|| clock);
            // The step after the restarted round's blocks gives the pick.
            if seen == restart + BLOCKS * BLOCK {
                break way;
            }
            seen += 1;
            clock += if way { 1.0 } else { 1.1 };
        };
        assert!(pick, "the round after the last skip decides");
        assert_eq!(timer.round_start, ROUND_EVERY + restart);
        // Between rounds a skip changes nothing.
        timer.skip();
        assert_eq!(timer.round_start, ROUND_EVERY + restart);
    }

    #[test]
    fn one_slow_block_each_way_does_not_decide() {
        // A block of steps each way taken by an interruption: the medians
        // still see gathering ahead 5% faster.
        let mut timer = AheadTimer::default();
        let mut clock = 0.0;
        let mut k = 0;
        let pick = loop {
            let way = timer.next_by(|| clock);
            if k == BLOCKS * BLOCK {
                break way;
            }
            let block = k / BLOCK;
            let slow = if block == 2 || block == 3 { 3.0 } else { 1.0 };
            clock += slow * if way { 1.0 } else { 1.05 };
            k += 1;
        };
        assert!(pick);
    }
}
