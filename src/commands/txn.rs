//! `kf txn list|describe|producers|find-hanging|abort`: ListTransactions, DescribeTransactions,
//! DescribeProducers and WriteTxnMarkers, as Kafka's `kafka-transactions.sh` uses them; and
//! `kf txn trace`, the live timeline of `client::txn_trace`.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, bail};
use kafka_protocol::error::ResponseError;
use serde::Serialize;

use super::connect::{connect, connect_admin};
use super::format::timestamp::format_time;
use super::format::timestamp::parse_duration;
use super::{Interrupted, UsageError};
use crate::cli::txn::{
    AbortArgs, DescribeArgs, FindHangingArgs, ListArgs, ProducersArgs, TraceArgs, TraceFormat,
    TxnCommand,
};
use crate::cli::ConnectArgs;
use crate::client::admin::{
    AbortSpec, Admin, ProducerState, TransactionDescription, TransactionFilter,
};
use crate::client::txn_trace::{TraceEvent, TraceFollower};
use crate::client::TopicPartition;
use crate::clock::now_ms;
use crate::coord::txn::state::TxnState;
use crate::output::{emit, opt, render, table};

pub async fn run(command: TxnCommand) -> anyhow::Result<()> {
    match command {
        TxnCommand::List(args) => list(args).await,
        TxnCommand::Describe(args) => describe(args).await,
        TxnCommand::Producers(args) => producers(args).await,
        TxnCommand::FindHanging(args) => find_hanging(args).await,
        TxnCommand::Abort(args) => abort(args).await,
        TxnCommand::Trace(args) => trace(args).await,
    }
}

async fn admin(connect: &ConnectArgs) -> anyhow::Result<Admin> {
    Ok(Admin::new(connect_admin(connect).await?))
}

/// A state name as Kafka spells it, whatever its case; unknown names are a usage error.
fn state_name(text: &str) -> anyhow::Result<String> {
    TxnState::names()
        .into_iter()
        .find(|s| s.eq_ignore_ascii_case(text))
        .map(str::to_string)
        .ok_or_else(|| {
            anyhow!(UsageError(format!(
                "unknown transaction state '{text}' (one of {})",
                TxnState::names().join(", ")
            )))
        })
}

async fn list(args: ListArgs) -> anyhow::Result<()> {
    let states = args
        .states
        .iter()
        .map(|s| state_name(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let min_duration_ms = args
        .min_duration
        .as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(|e| anyhow!(UsageError(format!("--min-duration: {e}"))))?;
    let admin = admin(&args.connect).await?;
    let filter = TransactionFilter {
        states,
        producer_ids: args.producer_ids,
        min_duration_ms,
    };
    let listed = admin.list_transactions(&filter).await?;
    let text = render(&listed, args.output, |listed| {
        let rows: Vec<Vec<String>> = listed
            .iter()
            .map(|t| {
                vec![
                    t.transactional_id.clone(),
                    t.coordinator.to_string(),
                    t.producer_id.to_string(),
                    t.state.clone(),
                ]
            })
            .collect();
        table(
            &["TRANSACTIONAL-ID", "COORDINATOR", "PRODUCER-ID", "STATE"],
            &rows,
        )
    })?;
    emit(&text)
}

/// `kf txn describe`'s view of one transactional id.
#[derive(Debug, Serialize)]
struct Described {
    #[serde(flatten)]
    description: TransactionDescription,
    /// How long the open transaction has run; `None` when none is open.
    transaction_duration_ms: Option<i64>,
}

fn partition_list(partitions: &[TopicPartition]) -> String {
    if partitions.is_empty() {
        return "-".to_string();
    }
    partitions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

async fn describe(args: DescribeArgs) -> anyhow::Result<()> {
    let admin = admin(&args.connect).await?;
    let now = now_ms();
    let mut described = Vec::new();
    for id in &args.transactional_ids {
        let description = match admin.describe_transaction(id).await {
            Ok(description) => description,
            Err(e) if e.kafka_error() == Some(ResponseError::TransactionalIdNotFound) => {
                bail!("transactional id '{id}' does not exist")
            }
            Err(e) => return Err(anyhow!(e).context(format!("cannot describe '{id}'"))),
        };
        let transaction_duration_ms = description
            .transaction_start_time_ms
            .map(|start| (now - start).max(0));
        described.push(Described {
            description,
            transaction_duration_ms,
        });
    }
    let text = render(&described, args.output, |described| {
        let rows: Vec<Vec<String>> = described
            .iter()
            .map(|d| {
                let t = &d.description;
                vec![
                    t.coordinator.node_id.to_string(),
                    t.transactional_id.clone(),
                    t.producer_id.to_string(),
                    t.producer_epoch.to_string(),
                    t.state.clone(),
                    t.transaction_timeout_ms.to_string(),
                    opt(t.transaction_start_time_ms),
                    opt(d.transaction_duration_ms),
                    partition_list(&t.partitions),
                ]
            })
            .collect();
        table(
            &[
                "COORDINATOR",
                "TRANSACTIONAL-ID",
                "PRODUCER-ID",
                "PRODUCER-EPOCH",
                "STATE",
                "TIMEOUT-MS",
                "START-TIME-MS",
                "DURATION-MS",
                "PARTITIONS",
            ],
            &rows,
        )
    })?;
    emit(&text)
}

/// One producer of one partition, as `kf txn producers` and `find-hanging` print it.
#[derive(Debug, Serialize)]
struct PartitionProducer {
    topic: String,
    partition: i32,
    #[serde(flatten)]
    state: ProducerState,
}

fn flatten(producers: BTreeMap<TopicPartition, Vec<ProducerState>>) -> Vec<PartitionProducer> {
    producers
        .into_iter()
        .flat_map(|(tp, states)| {
            states.into_iter().map(move |state| PartitionProducer {
                topic: tp.topic.clone(),
                partition: tp.partition,
                state,
            })
        })
        .collect()
}

fn producer_row(p: &PartitionProducer) -> Vec<String> {
    vec![
        p.topic.clone(),
        p.partition.to_string(),
        p.state.producer_id.to_string(),
        p.state.producer_epoch.to_string(),
        opt(p.state.coordinator_epoch),
        p.state.last_sequence.to_string(),
        p.state.last_timestamp.to_string(),
        opt(p.state.current_transaction_start_offset),
    ]
}

const PRODUCER_HEADER: [&str; 8] = [
    "TOPIC",
    "PARTITION",
    "PRODUCER-ID",
    "PRODUCER-EPOCH",
    "COORDINATOR-EPOCH",
    "LAST-SEQUENCE",
    "LAST-TIMESTAMP",
    "CURRENT-TXN-START-OFFSET",
];

async fn producers(args: ProducersArgs) -> anyhow::Result<()> {
    let admin = admin(&args.connect).await?;
    let metadata = admin.client().topic_metadata(&args.topic).await?;
    let partitions: Vec<TopicPartition> = match args.partition {
        Some(p) if metadata.partitions.iter().any(|m| m.partition == p) => {
            vec![TopicPartition::new(&args.topic, p)]
        }
        Some(p) => bail!("topic '{}' has no partition {p}", args.topic),
        None => metadata
            .partitions
            .iter()
            .map(|m| TopicPartition::new(&args.topic, m.partition))
            .collect(),
    };
    let found = flatten(admin.describe_producers(&partitions, None).await?);
    let text = render(&found, args.output, |found| {
        let rows: Vec<Vec<String>> = found.iter().map(producer_row).collect();
        table(&PRODUCER_HEADER, &rows)
    })?;
    emit(&text)
}

/// The partitions `find-hanging` searches: of `--topic` (or every topic, internal ones too),
/// with a replica on `--broker` when given.
async fn partitions_to_search(
    admin: &Admin,
    args: &FindHangingArgs,
) -> anyhow::Result<Vec<TopicPartition>> {
    let topics = match &args.topic {
        Some(topic) => vec![admin.client().topic_metadata(topic).await?],
        None => {
            admin.client().refresh_metadata(None).await?;
            admin.client().metadata().topics.into_values().collect()
        }
    };
    if let (Some(topic), Some(p)) = (&args.topic, args.partition) {
        if !topics
            .iter()
            .any(|t| t.partitions.iter().any(|m| m.partition == p))
        {
            bail!("topic '{topic}' has no partition {p}");
        }
    }
    let mut partitions = Vec::new();
    for topic in topics {
        for p in &topic.partitions {
            let on_broker = args.broker.is_none_or(|b| p.replicas.contains(&b));
            let chosen = args.partition.is_none_or(|only| only == p.partition);
            if on_broker && chosen {
                partitions.push(TopicPartition::new(&topic.name, p.partition));
            }
        }
    }
    partitions.sort();
    Ok(partitions)
}

/// Kafka's find-hanging: transactions open in a partition longer than the maximum timeout
/// whose producer id has no transactional id any more, whose transactional id is gone, or
/// whose coordinator does not count the partition in its transaction.
async fn find_hanging(args: FindHangingArgs) -> anyhow::Result<()> {
    let admin = admin(&args.connect).await?;
    if let Some(broker) = args.broker {
        admin.client().refresh_metadata(Some(&[])).await?;
        if !admin.client().metadata().brokers.contains_key(&broker) {
            bail!("broker {broker} is not in the cluster");
        }
    }
    let partitions = partitions_to_search(&admin, &args).await?;
    let max_timeout_ms = i64::from(args.max_transaction_timeout) * 60_000;
    let now = now_ms();
    let candidates: Vec<PartitionProducer> =
        flatten(admin.describe_producers(&partitions, args.broker).await?)
            .into_iter()
            .filter(|p| {
                p.state.current_transaction_start_offset.is_some()
                    && now - p.state.last_timestamp > max_timeout_ms
            })
            .collect();
    let producer_ids: BTreeSet<i64> = candidates.iter().map(|p| p.state.producer_id).collect();
    let mut known: BTreeMap<i64, Option<TransactionDescription>> = BTreeMap::new();
    if !producer_ids.is_empty() {
        let filter = TransactionFilter {
            producer_ids: producer_ids.iter().copied().collect(),
            ..TransactionFilter::default()
        };
        for listing in admin.list_transactions(&filter).await? {
            let description = match admin.describe_transaction(&listing.transactional_id).await {
                Ok(description) => Some(description),
                Err(e) if e.kafka_error() == Some(ResponseError::TransactionalIdNotFound) => None,
                Err(e) => return Err(e.into()),
            };
            known.insert(listing.producer_id, description);
        }
    }
    let hanging: Vec<PartitionProducer> = candidates
        .into_iter()
        .filter(|p| match known.get(&p.state.producer_id) {
            Some(Some(description)) => !description
                .partitions
                .contains(&TopicPartition::new(&p.topic, p.partition)),
            _ => true,
        })
        .collect();
    let text = render(&hanging, args.output, |hanging| {
        let rows: Vec<Vec<String>> = hanging
            .iter()
            .map(|p| {
                let mut row = producer_row(p);
                row.push(((now - p.state.last_timestamp) / 60_000).to_string());
                row
            })
            .collect();
        let mut header = PRODUCER_HEADER.to_vec();
        header.push("DURATION-MIN");
        table(&header, &rows)
    })?;
    emit(&text)
}

async fn abort(args: AbortArgs) -> anyhow::Result<()> {
    if args.partition < 0 {
        bail!(UsageError(format!(
            "--partition {}: partitions are numbered from 0",
            args.partition
        )));
    }
    let admin = admin(&args.connect).await?;
    let tp = TopicPartition::new(&args.topic, args.partition);
    let spec = match (args.start_offset, args.producer_id) {
        (Some(start_offset), _) => admin
            .abort_spec_at(&tp, start_offset)
            .await
            .map_err(|e| anyhow!(e).context(format!("cannot read the producers of {tp}")))?
            .ok_or_else(|| {
                anyhow!("no open transaction starts at offset {start_offset} in {tp}")
            })?,
        (None, Some(producer_id)) => AbortSpec {
            topic_partition: tp.clone(),
            producer_id,
            producer_epoch: args.producer_epoch.unwrap_or_default(),
            // As Kafka's TransactionsCommand: `kf txn producers` shows -1 for a producer no
            // coordinator wrote a marker for, and the marker then carries 0.
            coordinator_epoch: args.coordinator_epoch.unwrap_or_default().max(0),
        },
        (None, None) => bail!(UsageError(
            "name the transaction with --start-offset or with --producer-id, --producer-epoch \
             and --coordinator-epoch"
                .to_string()
        )),
    };
    admin
        .abort_transaction(&spec)
        .await
        .map_err(|e| anyhow!(e).context(format!("cannot abort the transaction in {tp}")))?;
    let text = render(&spec, args.output, |spec| {
        format!(
            "Aborted the transaction of producer {} (epoch {}, coordinator epoch {}) in {}\n",
            spec.producer_id, spec.producer_epoch, spec.coordinator_epoch, spec.topic_partition
        )
    })?;
    emit(&text)
}

/// One event as a text line: time, id, producer, `from -> to` and partitions, or the marker.
fn trace_line(event: &TraceEvent) -> String {
    let mut time = Vec::new();
    format_time(event.timestamp, None, &mut time);
    format!(
        "{}  {}  producer {}/{}  {}  {}\n",
        String::from_utf8_lossy(&time),
        event.transactional_id.as_deref().unwrap_or("-"),
        event.producer_id,
        event.producer_epoch,
        event.change(),
        event.partition_list()
    )
}

async fn trace(args: TraceArgs) -> anyhow::Result<()> {
    let client = connect(&args.connect, &[("isolation.level", "read_committed")]).await?;
    let only: BTreeSet<&str> = args.transactional_ids.iter().map(String::as_str).collect();
    let interrupted = super::interrupt_signal()?;
    let follow = async {
        let mut follower = TraceFollower::start(client, args.from_beginning).await?;
        eprintln!(
            "Following transactions from the {} of __transaction_state (Ctrl-C stops)",
            if args.from_beginning {
                "beginning"
            } else {
                "end"
            }
        );
        let mut printed = 0u64;
        loop {
            for event in follower.poll().await? {
                let wanted = only.is_empty()
                    || event
                        .transactional_id
                        .as_deref()
                        .is_some_and(|id| only.contains(id));
                if !wanted {
                    continue;
                }
                let line = match args.output {
                    TraceFormat::Text => trace_line(&event),
                    TraceFormat::Json => format!("{}\n", serde_json::to_string(&event)?),
                };
                emit(&line)?;
                printed += 1;
                if args.count.is_some_and(|count| printed >= count) {
                    return Ok(());
                }
            }
        }
    };
    tokio::select! {
        outcome = follow => outcome,
        () = interrupted => Err(Interrupted.into()),
    }
}
