//! `kf bench produce`: Kafka's kafka-producer-perf-test on kf's own producer. The sending
//! loop hands records to the producer (throttled when asked); a collector task awaits the
//! acknowledgements as they arrive, so a record's latency ends when the broker answered, not
//! when the loop got round to looking.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use bytes::Bytes;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};
use tokio::sync::mpsc;

use super::progress::Progress;
use super::stats::Stats;
use super::throttle::Throttler;
use crate::cli::bench::BenchProduceArgs;
use crate::client::producer::{DeliveryFuture, Producer, ProducerRecord};
use crate::client::ClientError;
use crate::commands::{connect, UsageError};

/// A record on its way: when it was handed over, its value size, its acknowledgement.
type InFlight = (Instant, usize, DeliveryFuture);

/// What the collector saw by the end.
struct Outcome {
    stats: Stats,
    failed: u64,
    first_error: Option<ClientError>,
}

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
    let client = connect::connect(&args.connect, &overrides).await?;
    let producer = Producer::new(client)
        .await
        .context("cannot start the producer")?;

    let start = Instant::now();
    let progress = Arc::new(Progress::new(args.num_records));
    let stats = Stats::new(
        "sent",
        args.num_records,
        Duration::from_millis(args.reporting_interval_ms),
        start,
    );
    let (in_flight, acknowledgements) = mpsc::unbounded_channel();
    let collector = tokio::spawn(collect(acknowledgements, stats, Arc::clone(&progress)));

    let sent = send_all(&producer, &args, start, &in_flight).await;
    drop(in_flight);
    let flushed = producer.flush().await;
    let outcome = collector
        .await
        .context("the acknowledgement collector failed")??;
    progress.finish();
    sent?;
    flushed.context("flushing the producer")?;
    producer.close().await?;

    let mut stats = outcome.stats;
    progress.line(&stats.total(Instant::now()).to_string())?;
    match outcome.first_error {
        Some(error) => Err(anyhow!(
            "{} of {} records failed; the first: {error}",
            outcome.failed,
            args.num_records
        )),
        None => Ok(()),
    }
}

/// Hands `args.num_records` generated records to the producer.
async fn send_all(
    producer: &Producer,
    args: &BenchProduceArgs,
    start: Instant,
    in_flight: &mpsc::UnboundedSender<InFlight>,
) -> anyhow::Result<()> {
    let mut payloads = Payloads::new(args.record_size as usize);
    let mut throttler = Throttler::new(args.throughput, start);
    for sent in 0..args.num_records {
        let value = payloads.next_payload();
        let size = value.len();
        let mut record = ProducerRecord::new(args.topic.clone(), value);
        record.partition = args.partition;
        let handed_over = Instant::now();
        let delivery = producer
            .send(record)
            .await
            .with_context(|| format!("cannot produce to {}", args.topic))?;
        in_flight
            .send((handed_over, size, delivery))
            .map_err(|_| anyhow!("the acknowledgement collector stopped"))?;
        if let Some(pause) = throttler.pause(sent, handed_over) {
            tokio::time::sleep(pause).await;
        }
    }
    Ok(())
}

/// Awaits acknowledgements in whatever order they come, counting them and printing the
/// window lines.
async fn collect(
    mut acknowledgements: mpsc::UnboundedReceiver<InFlight>,
    mut stats: Stats,
    progress: Arc<Progress>,
) -> std::io::Result<Outcome> {
    let mut pending = FuturesUnordered::new();
    let mut open = true;
    let mut failed = 0;
    let mut first_error = None;
    while open || !pending.is_empty() {
        tokio::select! {
            biased;
            Some((handed_over, size, result)) = pending.next(), if !pending.is_empty() => {
                let now = Instant::now();
                match result {
                    Ok(_) => {
                        progress.advance(1);
                        if let Some(window) = stats.record(now - handed_over, size, now) {
                            progress.line(&window.to_string())?;
                        }
                    }
                    Err(error) => {
                        failed += 1;
                        first_error.get_or_insert(error);
                    }
                }
            }
            next = acknowledgements.recv(), if open => match next {
                Some((handed_over, size, delivery)) => {
                    pending.push(delivery.map(move |result| (handed_over, size, result)));
                }
                None => open = false,
            },
        }
    }
    Ok(Outcome {
        stats,
        failed,
        first_error,
    })
}

/// Record values of random upper-case letters, new for every record as in Kafka's tool, from
/// a fixed seed so runs are alike.
struct Payloads {
    rng: SmallRng,
    size: usize,
}

impl Payloads {
    fn new(size: usize) -> Payloads {
        Payloads {
            rng: SmallRng::seed_from_u64(0),
            size,
        }
    }

    fn next_payload(&mut self) -> Bytes {
        let mut value = vec![0; self.size];
        self.rng.fill_bytes(&mut value);
        for byte in &mut value {
            *byte = b'A' + *byte % 26;
        }
        Bytes::from(value)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_upper_case_letters_of_the_asked_size() {
        let mut payloads = Payloads::new(64);
        let first = payloads.next_payload();
        let second = payloads.next_payload();
        assert_eq!(first.len(), 64);
        assert!(first.iter().all(u8::is_ascii_uppercase));
        assert_ne!(first, second);
    }
}
