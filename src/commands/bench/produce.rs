//! `kf bench produce`: Kafka's kafka-producer-perf-test on kf's own producer. The sending
//! loop hands records to the producer (throttled when asked), each with the moment it was
//! handed over as its opaque; the producer reports each batch as the broker answers it, so a
//! record's latency ends when the broker answered, with no per-record future or message.
//! With `--transactional-id` the records go in transactions, each committed once its records
//! are acknowledged, and each commit's EndTxn round trip is timed.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

use super::progress::Progress;
use super::stats::Stats;
use super::throttle::Throttler;
use crate::cli::bench::BenchProduceArgs;
use crate::client::producer::{DeliveryHandler, DeliveryReport, Producer, RecordRef};
use crate::commands::produce::require_topic;
use crate::commands::{connect, UsageError};

pub async fn run(args: BenchProduceArgs) -> anyhow::Result<()> {
    if args.throughput == 0.0 {
        return Err(UsageError("--throughput must be positive, or -1 for no cap".into()).into());
    }
    let mut overrides = Vec::new();
    if let Some(acks) = &args.acks {
        overrides.push(("acks", acks.as_str()));
    }
    if let Some(compression) = &args.compression {
        overrides.push(("compression.type", compression.as_str()));
    }
    if let Some(id) = &args.transactional_id {
        overrides.push(("transactional.id", id.as_str()));
    }
    let client = connect::connect(&args.connect, &overrides).await?;
    let allow_auto_create = client.config().producer_auto_create();
    require_topic(&client, &args.topic, allow_auto_create).await?;

    let start = Instant::now();
    let stats = Stats::new(
        "sent",
        args.num_records,
        Duration::from_millis(args.reporting_interval_ms),
        start,
    );
    let collector = Arc::new(Collector {
        start,
        value_size: args.record_size as usize,
        progress: Progress::new(args.num_records),
        state: Mutex::new(Tally {
            stats,
            failed: 0,
            first_error: None,
            output_error: None,
        }),
    });
    let producer = Producer::with_delivery_handler(client, collector.clone())
        .await
        .context("cannot start the producer")?;

    let mut commits = Vec::new();
    let sent = send_all(&producer, &args, start, &mut commits).await;
    let flushed = producer.flush().await;
    collector.progress.finish();
    sent?;
    flushed.context("flushing the producer")?;
    producer.close().await?;

    let mut tally = collector.lock();
    if let Some(error) = tally.output_error.take() {
        return Err(error.into());
    }
    let total = tally.stats.total(Instant::now());
    collector.progress.line(&total.to_string())?;
    if !commits.is_empty() {
        collector.progress.line(&commit_line(&mut commits))?;
    }
    match &tally.first_error {
        Some(error) => Err(anyhow!(
            "{} of {} records failed; the first: {error}",
            tally.failed,
            args.num_records
        )),
        None => Ok(()),
    }
}

/// Records per transaction when `--transaction-size` is not given (Kafka's perf test commits
/// by time; the goal is stated for transactions of 1,000 records).
const DEFAULT_TRANSACTION_SIZE: u64 = 1_000;

/// `N transactions of M records, commit latency (EndTxn) ...` with Kafka's percentiles.
fn commit_line(commits: &mut [Duration]) -> String {
    commits.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| {
        let index = ((commits.len() as f64 * q).ceil() as usize).clamp(1, commits.len()) - 1;
        ms(commits[index])
    };
    let avg = commits.iter().map(|d| ms(*d)).sum::<f64>() / commits.len() as f64;
    format!(
        "{} transactions committed, commit latency (EndTxn) {avg:.2} ms avg, {:.2} ms 50th, \
         {:.2} ms 99th, {:.2} ms max.",
        commits.len(),
        at(0.5),
        at(0.99),
        ms(commits[commits.len() - 1])
    )
}

/// Commits the open transaction once its records are acknowledged, timing the EndTxn.
async fn commit(producer: &Producer, commits: &mut Vec<Duration>) -> anyhow::Result<()> {
    producer.flush().await.context("flushing the producer")?;
    let started = Instant::now();
    producer
        .commit_transaction()
        .await
        .context("cannot commit a transaction")?;
    commits.push(started.elapsed());
    Ok(())
}

/// Hands `args.num_records` generated records to the producer (in transactions with
/// `--transactional-id`, timing each commit into `commits`).
async fn send_all(
    producer: &Producer,
    args: &BenchProduceArgs,
    start: Instant,
    commits: &mut Vec<Duration>,
) -> anyhow::Result<()> {
    let mut payloads = Payloads::new(args.record_size as usize);
    let mut throttler = Throttler::new(args.throughput, start);
    let transaction_size = args
        .transactional_id
        .is_some()
        .then(|| args.transaction_size.unwrap_or(DEFAULT_TRANSACTION_SIZE));
    for sent in 0..args.num_records {
        if transaction_size.is_some_and(|size| sent % size == 0) {
            producer
                .begin_transaction()
                .context("cannot begin a transaction")?;
        }
        let value = payloads.next_payload();
        let record = RecordRef {
            topic: &args.topic,
            partition: args.partition,
            key: None,
            value: Some(value),
            headers: &[],
            timestamp: None,
        };
        let handed_over = Instant::now();
        let opaque = u64::try_from((handed_over - start).as_nanos()).unwrap_or(u64::MAX);
        producer
            .send_reported(record, opaque)
            .await
            .with_context(|| format!("cannot produce to {}", args.topic))?;
        let last_of_transaction = transaction_size
            .is_some_and(|size| (sent + 1) % size == 0 || sent + 1 == args.num_records);
        if last_of_transaction {
            commit(producer, commits).await?;
        }
        if let Some(pause) = throttler.pause(sent, handed_over) {
            tokio::time::sleep(pause).await;
        }
    }
    Ok(())
}

/// Counts acknowledgements as the producer reports them and prints the window lines.
struct Collector {
    start: Instant,
    value_size: usize,
    progress: Progress,
    state: Mutex<Tally>,
}

struct Tally {
    stats: Stats,
    failed: u64,
    first_error: Option<String>,
    /// Printing a window line failed (stdout closed): the run ends with it.
    output_error: Option<std::io::Error>,
}

impl Collector {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl DeliveryHandler for Collector {
    fn on_delivery(&self, report: &DeliveryReport<'_>) {
        let now = Instant::now();
        let mut tally = self.lock();
        let count = report.records.len() as u64;
        match report.result {
            Ok(_) => {
                for record in report.records {
                    let handed_over = self.start + Duration::from_nanos(record.opaque);
                    let window = tally.stats.record(
                        now.saturating_duration_since(handed_over),
                        self.value_size,
                        now,
                    );
                    if let Some(window) = window {
                        if let Err(error) = self.progress.line(&window.to_string()) {
                            tally.output_error.get_or_insert(error);
                        }
                    }
                }
                self.progress.advance(count);
            }
            Err(error) => {
                tally.failed += count;
                tally.first_error.get_or_insert_with(|| error.to_string());
            }
        }
    }
}

/// Record values of random upper-case letters, new for every record as in Kafka's tool, from
/// a fixed seed so runs are alike.
struct Payloads {
    rng: SmallRng,
    size: usize,
    value: Vec<u8>,
}

impl Payloads {
    fn new(size: usize) -> Payloads {
        Payloads {
            rng: SmallRng::seed_from_u64(0),
            size,
            value: Vec::with_capacity(size),
        }
    }

    /// The next value, in a buffer reused from record to record (the producer copies it).
    fn next_payload(&mut self) -> &[u8] {
        self.value.resize(self.size, 0);
        self.rng.fill_bytes(&mut self.value);
        for byte in &mut self.value {
            *byte = b'A' + *byte % 26;
        }
        &self.value
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_upper_case_letters_of_the_asked_size() {
        let mut payloads = Payloads::new(64);
        let first = payloads.next_payload().to_vec();
        let second = payloads.next_payload();
        assert_eq!(first.len(), 64);
        assert!(first.iter().all(u8::is_ascii_uppercase));
        assert_ne!(first, second);
    }
}
