//! `kf bench consume`: Kafka's kafka-consumer-perf-test on kf's own consumer, in assign mode
//! (no group), from the beginning of every chosen partition. It stops after `--num-records`,
//! or at the end offsets seen at the start, or when no record came for `--timeout`.

use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use bytes::Bytes;

use super::progress::Progress;
use super::stats::Stats;
use crate::cli::bench::BenchConsumeArgs;
use crate::client::consumer::{Consumer, StartOffset};
use crate::client::TopicPartition;
use crate::commands::connect;
use crate::commands::produce::require_topic;

pub async fn run(args: BenchConsumeArgs) -> anyhow::Result<()> {
    let client = connect::connect(&args.connect, &[]).await?;
    let allow_auto_create = client.config().consumer_auto_create();
    require_topic(&client, &args.topic, allow_auto_create).await?;
    let mut consumer = Consumer::new(client);
    let partitions = if args.partitions.is_empty() {
        consumer
            .partitions_of(&args.topic)
            .await
            .with_context(|| format!("cannot read topic {}", args.topic))?
    } else {
        args.partitions
            .iter()
            .map(|p| TopicPartition::new(args.topic.clone(), *p))
            .collect()
    };
    let assignment: Vec<_> = partitions
        .into_iter()
        .map(|tp| (tp, StartOffset::Beginning))
        .collect();
    consumer
        .assign(&assignment)
        .await
        .with_context(|| format!("cannot assign partitions of {}", args.topic))?;
    let available: u64 = consumer
        .partitions()
        .values()
        .map(|s| u64::try_from(s.end_at_assignment - s.position).unwrap_or(0))
        .sum();
    let target = args.num_records.unwrap_or(available);

    let start = Instant::now();
    let progress = Progress::new(target);
    let mut stats = Stats::new(
        "received",
        target,
        Duration::from_millis(args.reporting_interval_ms),
        start,
    );
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut last_record = start;
    while !done(&consumer, &stats, args.num_records) {
        let fetch_start = Instant::now();
        let records = consumer.poll().await?;
        let now = Instant::now();
        if records.is_empty() && now - last_record > timeout {
            break;
        }
        let fetch_latency = now - fetch_start;
        let wanted = target.saturating_sub(stats.count());
        let mut counted = 0;
        for record in records.iter().filter(|r| !r.is_control) {
            if args.num_records.is_some() && counted >= wanted {
                break;
            }
            let size = len(&record.key) + len(&record.value);
            if let Some(window) = stats.record(fetch_latency, size, now) {
                progress.line(&window.to_string())?;
            }
            counted += 1;
            last_record = now;
        }
        progress.advance(counted);
    }
    progress.finish();
    progress.line(&stats.total(Instant::now()).to_string())?;
    match args.num_records {
        Some(expected) if stats.count() < expected => Err(anyhow!(
            "consumed {} of {expected} records: no record for {} ms (--timeout)",
            stats.count(),
            args.timeout_ms
        )),
        _ => Ok(()),
    }
}

/// Whether the run is complete: enough records, or the end when no count was asked for.
fn done(consumer: &Consumer, stats: &Stats, num_records: Option<u64>) -> bool {
    match num_records {
        Some(expected) => stats.count() >= expected,
        None => consumer.reached_end(),
    }
}

fn len(bytes: &Option<Bytes>) -> usize {
    bytes.as_ref().map_or(0, Bytes::len)
}
