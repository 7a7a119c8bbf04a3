//! The `--throughput` cap, the way Kafka's `ThroughputThrottler` does it: when the average
//! rate since the start is above the target, owe one record's share of a second, and sleep
//! once at least 2 ms are owed (shorter sleeps are too inaccurate to be worth it).

use std::time::{Duration, Instant};

/// The smallest debt worth sleeping for.
const MIN_SLEEP: Duration = Duration::from_millis(2);

#[derive(Debug)]
pub struct Throttler {
    start: Instant,
    /// Records per second; `None` when unlimited.
    target: Option<f64>,
    per_record: Duration,
    debt: Duration,
}

impl Throttler {
    /// A throttler for `target` records per second (negative: unlimited) from `start`.
    pub fn new(target: f64, start: Instant) -> Throttler {
        let target = (target > 0.0).then_some(target);
        Throttler {
            start,
            target,
            per_record: target.map_or(Duration::ZERO, |t| Duration::from_secs_f64(1.0 / t)),
            debt: Duration::ZERO,
        }
    }

    /// After `sent` records at `now`: how long to sleep to stay at the target, if at all.
    pub fn pause(&mut self, sent: u64, now: Instant) -> Option<Duration> {
        let target = self.target?;
        let elapsed = now.saturating_duration_since(self.start).as_secs_f64();
        if elapsed <= 0.0 || sent as f64 / elapsed <= target {
            return None;
        }
        self.debt += self.per_record;
        if self.debt < MIN_SLEEP {
            return None;
        }
        Some(std::mem::take(&mut self.debt))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_never_pauses() {
        let start = Instant::now();
        let mut throttler = Throttler::new(-1.0, start);
        assert_eq!(
            throttler.pause(1_000_000, start + Duration::from_millis(1)),
            None
        );
    }

    #[test]
    fn ahead_of_target_pauses_once_two_ms_are_owed() {
        let start = Instant::now();
        // 1000 records/s: each record owes 1 ms.
        let mut throttler = Throttler::new(1000.0, start);
        let now = start + Duration::from_millis(100);
        assert_eq!(throttler.pause(500, now), None);
        assert_eq!(throttler.pause(501, now), Some(Duration::from_millis(2)));
        assert_eq!(throttler.pause(502, now), None);
    }

    #[test]
    fn at_or_below_target_does_not_pause() {
        let start = Instant::now();
        let mut throttler = Throttler::new(1000.0, start);
        assert_eq!(
            throttler.pause(100, start + Duration::from_millis(100)),
            None
        );
        assert_eq!(throttler.pause(1, start), None);
    }
}
