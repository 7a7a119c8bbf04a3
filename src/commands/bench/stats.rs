//! Throughput and latency bookkeeping with the report lines of Kafka's
//! `kafka-producer-perf-test`: a window line every reporting interval and a total line with
//! latency percentiles. Like Kafka's tool it keeps at most about 500,000 sampled latencies
//! (every `sampling`-th record), so memory stays bounded however many records run.

use std::fmt;
use std::time::{Duration, Instant};

/// The most latencies kept for percentiles.
const MAX_SAMPLES: u64 = 500_000;

/// Counters of one reporting window or of the whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tally {
    count: u64,
    bytes: u64,
    total_latency: Duration,
    max_latency: Duration,
}

impl Tally {
    fn add(&mut self, latency: Duration, bytes: usize) {
        self.count += 1;
        self.bytes += bytes as u64;
        self.total_latency += latency;
        self.max_latency = self.max_latency.max(latency);
    }

    fn avg_latency_ms(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        millis(self.total_latency) / self.count as f64
    }
}

/// Records, bytes and latencies of a benchmark run.
#[derive(Debug)]
pub struct Stats {
    verb: &'static str,
    start: Instant,
    reporting_interval: Duration,
    sampling: u64,
    latencies: Vec<Duration>,
    total: Tally,
    window: Tally,
    window_start: Instant,
}

impl Stats {
    /// Stats for a run of about `expected_records` records, started at `start`; `verb` is
    /// the word of the report lines ("sent", "received").
    pub fn new(
        verb: &'static str,
        expected_records: u64,
        reporting_interval: Duration,
        start: Instant,
    ) -> Stats {
        let expected = expected_records.max(1);
        let sampling = expected / expected.min(MAX_SAMPLES);
        let capacity = usize::try_from(expected / sampling + 1).unwrap_or(usize::MAX);
        Stats {
            verb,
            start,
            reporting_interval,
            sampling,
            latencies: Vec::with_capacity(capacity),
            total: Tally::default(),
            window: Tally::default(),
            window_start: start,
        }
    }

    /// Counts one record that completed at `now`; returns the window report when the
    /// reporting interval has passed (and starts a new window).
    pub fn record(&mut self, latency: Duration, bytes: usize, now: Instant) -> Option<Report> {
        if self.total.count % self.sampling == 0 {
            self.latencies.push(latency);
        }
        self.total.add(latency, bytes);
        self.window.add(latency, bytes);
        let elapsed = now.saturating_duration_since(self.window_start);
        if elapsed < self.reporting_interval {
            return None;
        }
        let report = Report {
            verb: self.verb,
            tally: self.window,
            elapsed,
            percentiles: None,
        };
        self.window = Tally::default();
        self.window_start = now;
        Some(report)
    }

    /// Records counted so far.
    pub fn count(&self) -> u64 {
        self.total.count
    }

    /// The whole run's report, with percentiles, as of `now`.
    pub fn total(&mut self, now: Instant) -> Report {
        self.latencies.sort_unstable();
        Report {
            verb: self.verb,
            tally: self.total,
            elapsed: now.saturating_duration_since(self.start),
            percentiles: Some(Percentiles::of_sorted(&self.latencies)),
        }
    }
}

/// The 50th, 95th, 99th and 99.9th latency percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentiles {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub p999: Duration,
}

impl Percentiles {
    /// Kafka's nearest-rank choice: the element at `floor(p * len)` of the sorted samples.
    fn of_sorted(sorted: &[Duration]) -> Percentiles {
        let at = |p: f64| {
            let index = (p * sorted.len() as f64) as usize;
            sorted
                .get(index.min(sorted.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        Percentiles {
            p50: at(0.5),
            p95: at(0.95),
            p99: at(0.99),
            p999: at(0.999),
        }
    }
}

/// One report line: a window (no percentiles) or the total.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report {
    verb: &'static str,
    tally: Tally,
    elapsed: Duration,
    percentiles: Option<Percentiles>,
}

impl Report {
    /// Records per second over the report's span.
    pub fn records_per_sec(&self) -> f64 {
        per_second(self.tally.count as f64, self.elapsed)
    }

    /// MiB per second over the report's span (Kafka's "MB/sec").
    pub fn mb_per_sec(&self) -> f64 {
        per_second(self.tally.bytes as f64, self.elapsed) / (1024.0 * 1024.0)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = format!(
            "{} records {}, {:.1} records/sec ({:.2} MB/sec)",
            self.tally.count,
            self.verb,
            self.records_per_sec(),
            self.mb_per_sec()
        );
        let avg = self.tally.avg_latency_ms();
        let max = millis(self.tally.max_latency);
        match self.percentiles {
            None => write!(
                f,
                "{head}, {avg:.1} ms avg latency, {max:.1} ms max latency."
            ),
            Some(p) => write!(
                f,
                "{head}, {avg:.2} ms avg latency, {max:.2} ms max latency, {} ms 50th, {} ms 95th, {} ms 99th, {} ms 99.9th.",
                p.p50.as_millis(),
                p.p95.as_millis(),
                p.p99.as_millis(),
                p.p999.as_millis()
            ),
        }
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `amount` per second over `elapsed`; a zero span counts as one millisecond, as Kafka's
/// integer-ms clock would make it at least that.
fn per_second(amount: f64, elapsed: Duration) -> f64 {
    amount / elapsed.max(Duration::from_millis(1)).as_secs_f64()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn window_line_appears_once_the_interval_has_passed() {
        let start = Instant::now();
        let mut stats = Stats::new("sent", 10, ms(5000), start);
        assert!(stats.record(ms(2), 100, start + ms(1000)).is_none());
        let window = stats.record(ms(4), 100, start + ms(5000)).unwrap();
        assert_eq!(
            window.to_string(),
            "2 records sent, 0.4 records/sec (0.00 MB/sec), 3.0 ms avg latency, 4.0 ms max latency."
        );
        // The next window starts empty.
        let next = stats.record(ms(1), 1_048_576, start + ms(6000));
        assert!(next.is_none());
        assert_eq!(stats.count(), 3);
    }

    #[test]
    fn total_line_has_kafka_percentiles() {
        let start = Instant::now();
        let mut stats = Stats::new("sent", 1000, ms(60_000), start);
        for latency in 1..=1000 {
            stats.record(ms(latency), 1024, start);
        }
        let total = stats.total(start + ms(2000));
        assert_eq!(
            total.to_string(),
            "1000 records sent, 500.0 records/sec (0.49 MB/sec), 500.50 ms avg latency, \
             1000.00 ms max latency, 501 ms 50th, 951 ms 95th, 991 ms 99th, 1000 ms 99.9th."
        );
    }

    #[test]
    fn long_runs_keep_a_bounded_sample() {
        let start = Instant::now();
        let mut stats = Stats::new("sent", 2_000_000, ms(5000), start);
        for _ in 0..2_000_000 {
            stats.record(ms(3), 10, start);
        }
        assert_eq!(stats.latencies.len(), 500_000);
        assert_eq!(stats.total(start).percentiles.unwrap().p999, ms(3));
    }

    #[test]
    fn an_empty_run_reports_zeros() {
        let start = Instant::now();
        let mut stats = Stats::new("received", 0, ms(5000), start);
        assert_eq!(
            stats.total(start).to_string(),
            "0 records received, 0.0 records/sec (0.00 MB/sec), 0.00 ms avg latency, \
             0.00 ms max latency, 0 ms 50th, 0 ms 95th, 0 ms 99th, 0 ms 99.9th."
        );
    }
}
