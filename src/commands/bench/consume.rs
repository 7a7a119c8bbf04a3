//! `kf bench consume`: Kafka's kafka-consumer-perf-test on kf's own consumer, in assign mode
//! (no group) from the beginning of every chosen partition, or with `-G` as a group member
//! (classic or KIP-848 protocol) from the group's commits, else the beginning. It stops after
//! `--num-records`, or at the end offsets seen at the start, or when no record came for
//! `--timeout`.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use bytes::Bytes;

use super::progress::Progress;
use super::stats::Stats;
use crate::cli::bench::BenchConsumeArgs;
use crate::client::consumer::group::GroupConsumer;
use crate::client::consumer::{Consumer, ConsumerRecord, StartOffset};
use crate::client::error::ClientResult;
use crate::client::{Client, TopicPartition};
use crate::commands::connect;
use crate::commands::produce::require_topic;

/// Where the records come from: assigned partitions, or a group membership.
enum Reader {
    Assigned(Consumer),
    Group(Box<GroupConsumer>),
}

impl Reader {
    async fn poll(&mut self) -> ClientResult<Vec<ConsumerRecord>> {
        match self {
            Reader::Assigned(consumer) => consumer.poll().await,
            Reader::Group(member) => member.poll().await,
        }
    }

    fn consumer(&self) -> &Consumer {
        match self {
            Reader::Assigned(consumer) => consumer,
            Reader::Group(member) => member.consumer(),
        }
    }
}

pub async fn run(args: BenchConsumeArgs) -> anyhow::Result<()> {
    let mut overrides = Vec::new();
    if let Some(group) = &args.group {
        overrides.extend([
            ("group.id", group.as_str()),
            ("auto.offset.reset", "earliest"),
            ("enable.auto.commit", "false"),
        ]);
        if let Some(protocol) = args.group_protocol {
            overrides.push(("group.protocol", protocol.config_value()));
        }
    }
    let client = connect::connect(&args.connect, &overrides).await?;
    let allow_auto_create = client.config().consumer_auto_create();
    require_topic(&client, &args.topic, allow_auto_create).await?;
    let reader = match &args.group {
        Some(group) => {
            let joining = Instant::now();
            let member = GroupConsumer::subscribe(client, std::slice::from_ref(&args.topic))
                .await
                .with_context(|| format!("cannot join group '{group}'"))?;
            writeln!(
                std::io::stdout().lock(),
                "joined group {group}: {} partitions assigned in {} ms",
                member.assignment().len(),
                joining.elapsed().as_millis()
            )?;
            Reader::Group(Box::new(member))
        }
        None => Reader::Assigned(assign(client, &args).await?),
    };
    measure(reader, &args).await
}

async fn assign(client: Client, args: &BenchConsumeArgs) -> anyhow::Result<Consumer> {
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
    Ok(consumer)
}

async fn measure(mut reader: Reader, args: &BenchConsumeArgs) -> anyhow::Result<()> {
    let available: u64 = reader
        .consumer()
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
    while !done(reader.consumer(), &stats, args.num_records) {
        let fetch_start = Instant::now();
        let records = reader.poll().await?;
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
    if let Reader::Group(member) = reader {
        member.close().await.context("cannot leave the group")?;
    }
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
