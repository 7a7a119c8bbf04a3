//! The rows each view lists, derived from the state on demand (filtered, sorted). Renderers
//! and `--once` read these, so the screen and the snapshot can never disagree.

use std::collections::BTreeMap;

use serde::Serialize;

use super::app::{App, ListId};
use super::model::{GroupOffset, GroupSummary, TransactionSummary};
use super::stats::PartitionStats;
use crate::client::admin::QuorumDescription;
use crate::client::cluster_metadata::{PartitionMetadata, TopicMetadata};
use crate::client::TopicPartition;

/// How long an ISR change stays highlighted.
pub const ISR_HIGHLIGHT_MS: u64 = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokerRow {
    pub id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
    pub controller: bool,
    /// `up`, `down`, `isolated` or `fenced` as the local cluster reports it; else `up` or
    /// `fenced` as DescribeCluster lists it, and `unlisted` for one only replica sets name.
    pub state: String,
    /// Partitions this broker leads.
    pub leaders: usize,
    /// Partition replicas this broker hosts.
    pub replicas: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub topics: usize,
    pub partitions: usize,
    pub under_replicated: usize,
    pub offline: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicRow {
    pub name: String,
    pub internal: bool,
    pub partitions: usize,
    pub replication_factor: usize,
    pub under_replicated: usize,
    pub offline: usize,
    /// Sum of high watermark minus log start offset over partitions where both are known.
    pub records: i64,
    pub records_per_s: Option<f64>,
    pub bytes_per_s: Option<f64>,
    /// Partitions whose offsets are stale (their leader did not answer the latest round).
    pub stale_partitions: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionRow {
    pub partition: i32,
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub offline_replicas: Vec<i32>,
    /// The ISR before a change seen in the last `ISR_HIGHLIGHT_MS`.
    pub isr_changed_from: Option<Vec<i32>>,
    pub log_start_offset: Option<i64>,
    pub last_stable_offset: Option<i64>,
    pub high_watermark: Option<i64>,
    /// The leader's log end offset, where the cluster shows it (ListOffsets as Kafka's
    /// debugging replica).
    pub log_end_offset: Option<i64>,
    pub size_bytes: Option<i64>,
    pub records_per_s: Option<f64>,
    pub bytes_per_s: Option<f64>,
    /// Why the offsets shown are stale, when they are.
    pub stale: Option<String>,
}

/// One metadata-quorum replica, with its lag behind the leader's log end offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuorumRow {
    pub replica_id: i32,
    /// `leader`, `voter` or `observer`.
    pub role: &'static str,
    pub log_end_offset: i64,
    pub lag: i64,
}

pub fn quorum_rows(quorum: &QuorumDescription) -> Vec<QuorumRow> {
    let leader_end = quorum
        .voters
        .iter()
        .find(|v| v.replica_id == quorum.leader_id)
        .map_or(quorum.high_watermark, |v| v.log_end_offset);
    let voters = quorum.voters.iter().map(|r| (r, "voter"));
    let observers = quorum.observers.iter().map(|r| (r, "observer"));
    voters
        .chain(observers)
        .map(|(r, role)| QuorumRow {
            replica_id: r.replica_id,
            role: if r.replica_id == quorum.leader_id {
                "leader"
            } else {
                role
            },
            log_end_offset: r.log_end_offset,
            lag: (leader_end - r.log_end_offset).max(0),
        })
        .collect()
}

fn topics(app: &App) -> &[TopicMetadata] {
    app.cluster.value().map_or(&[], |c| c.topics.as_slice())
}

fn matches(filter: &str, text: &str) -> bool {
    filter.is_empty() || text.to_lowercase().contains(&filter.to_lowercase())
}

/// Every broker the cluster lists (fenced ones too), the local cluster knows or a replica set
/// names.
pub fn broker_rows(app: &App) -> Vec<BrokerRow> {
    let Some(cluster) = app.cluster.value() else {
        return Vec::new();
    };
    let mut leaders: BTreeMap<i32, usize> = BTreeMap::new();
    let mut replicas: BTreeMap<i32, usize> = BTreeMap::new();
    for p in cluster.topics.iter().flat_map(|t| &t.partitions) {
        *leaders.entry(p.leader_id).or_default() += 1;
        for r in &p.replicas {
            *replicas.entry(*r).or_default() += 1;
        }
    }
    let local = app.local.as_ref().and_then(|l| l.value());
    let local_state = |id: i32| {
        local
            .and_then(|l| l.brokers.iter().find(|b| b.id == id))
            .map(|b| b.state.as_str())
    };
    let row = |id: i32, host: String, port: i32, rack: Option<String>, state: &str| BrokerRow {
        id,
        host,
        port,
        rack,
        controller: id == cluster.cluster.controller_id,
        state: local_state(id).unwrap_or(state).to_string(),
        leaders: leaders.get(&id).copied().unwrap_or(0),
        replicas: replicas.get(&id).copied().unwrap_or(0),
    };
    let mut all: BTreeMap<i32, BrokerRow> = cluster
        .cluster
        .brokers
        .iter()
        .map(|b| {
            (
                b.node_id,
                row(b.node_id, b.host.clone(), b.port, b.rack.clone(), "up"),
            )
        })
        .collect();
    for b in &cluster.cluster.fenced_brokers {
        all.entry(b.node_id)
            .or_insert_with(|| row(b.node_id, b.host.clone(), b.port, b.rack.clone(), "fenced"));
    }
    for b in local.map_or(&[][..], |l| l.brokers.as_slice()) {
        let (host, port) = match b.address.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), port.parse().unwrap_or(-1)),
            None => (b.address.clone(), -1),
        };
        all.entry(b.id)
            .or_insert_with(|| row(b.id, host, port, b.rack.clone(), "down"));
    }
    for id in replicas.keys() {
        all.entry(*id)
            .or_insert_with(|| row(*id, String::new(), -1, None, "unlisted"));
    }
    let filter = app.filter(ListId::Brokers);
    all.into_values()
        .filter(|b| matches(filter, &format!("{} {} {}", b.id, b.address(), b.state)))
        .collect()
}

impl BrokerRow {
    /// `host:port`, or `-` when the broker is not listed.
    pub fn address(&self) -> String {
        if self.port < 0 {
            "-".to_string()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

pub fn totals(app: &App) -> Totals {
    let topics = topics(app);
    let partitions = || topics.iter().flat_map(|t| &t.partitions);
    Totals {
        topics: topics.len(),
        partitions: partitions().count(),
        under_replicated: partitions().filter(|p| p.is_under_replicated()).count(),
        offline: partitions().filter(|p| p.is_offline()).count(),
    }
}

fn stats<'a>(app: &'a App, topic: &str, partition: i32) -> Option<&'a PartitionStats> {
    app.partitions
        .partitions
        .get(&TopicPartition::new(topic, partition))
}

fn sum(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    values.fold(None, |acc, v| match (acc, v) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    })
}

pub fn topic_rows(app: &App) -> Vec<TopicRow> {
    let filter = app.filter(ListId::Topics);
    topics(app)
        .iter()
        .filter(|t| matches(filter, &t.name))
        .map(|t| {
            let stats: Vec<Option<&PartitionStats>> = t
                .partitions
                .iter()
                .map(|p| stats(app, &t.name, p.partition))
                .collect();
            let present = || stats.iter().flatten();
            TopicRow {
                name: t.name.clone(),
                internal: t.is_internal,
                partitions: t.partitions.len(),
                replication_factor: t.partitions.first().map_or(0, |p| p.replicas.len()),
                under_replicated: t
                    .partitions
                    .iter()
                    .filter(|p| p.is_under_replicated())
                    .count(),
                offline: t.partitions.iter().filter(|p| p.is_offline()).count(),
                records: present()
                    .filter_map(|s| Some(s.high_watermark? - s.log_start_offset?))
                    .sum(),
                records_per_s: sum(present().map(|s| s.records_per_s)),
                bytes_per_s: sum(present().map(|s| s.bytes_per_s)),
                stale_partitions: present().filter(|s| s.offsets_error.is_some()).count(),
            }
        })
        .collect()
}

fn find_topic<'a>(app: &'a App, name: &str) -> Option<&'a TopicMetadata> {
    let topics = topics(app);
    let index = topics
        .binary_search_by(|t| t.name.as_str().cmp(name))
        .ok()?;
    topics.get(index)
}

fn open_topic_partitions(app: &App) -> &[PartitionMetadata] {
    app.open_topic
        .as_deref()
        .and_then(|name| find_topic(app, name))
        .map_or(&[], |t| t.partitions.as_slice())
}

/// A partition filter is a partition number or a broker id among its replicas.
fn partition_matches(filter: &str, p: &PartitionMetadata) -> bool {
    filter.is_empty()
        || p.partition.to_string() == filter
        || p.replicas.iter().any(|r| r.to_string() == filter)
}

/// The open topic's partitions (none when no topic is open or it is gone).
pub fn partition_rows(app: &App) -> Vec<PartitionRow> {
    let Some(name) = app.open_topic.as_deref() else {
        return Vec::new();
    };
    topic_partition_rows(app, name, app.filter(ListId::Partitions))
}

/// A topic's partitions, filtered by partition number or broker id.
pub fn topic_partition_rows(app: &App, name: &str, filter: &str) -> Vec<PartitionRow> {
    find_topic(app, name)
        .map_or(&[][..], |t| t.partitions.as_slice())
        .iter()
        .filter(|p| partition_matches(filter, p))
        .map(|p| {
            let s = stats(app, name, p.partition);
            let recent_change = s
                .and_then(|s| s.isr_changed_ms)
                .is_some_and(|t| app.now_ms.saturating_sub(t) < ISR_HIGHLIGHT_MS);
            PartitionRow {
                partition: p.partition,
                leader: p.leader_id,
                replicas: p.replicas.clone(),
                isr: p.isr.clone(),
                offline_replicas: p.offline_replicas.clone(),
                isr_changed_from: s
                    .and_then(|s| s.previous_isr.clone())
                    .filter(|_| recent_change),
                log_start_offset: s.and_then(|s| s.log_start_offset),
                last_stable_offset: s.and_then(|s| s.last_stable_offset),
                high_watermark: s.and_then(|s| s.high_watermark),
                log_end_offset: s.and_then(|s| s.log_end_offset),
                size_bytes: s.and_then(|s| s.size_bytes),
                records_per_s: s.and_then(|s| s.records_per_s),
                bytes_per_s: s.and_then(|s| s.bytes_per_s),
                stale: s.and_then(|s| s.offsets_error.clone()),
            }
        })
        .collect()
}

pub fn group_rows(app: &App) -> Vec<&GroupSummary> {
    let filter = app.filter(ListId::Groups);
    let mut rows: Vec<&GroupSummary> = app
        .groups
        .value()
        .map(|g| g.iter().filter(|g| matches(filter, &g.group_id)).collect())
        .unwrap_or_default();
    rows.sort_by(|a, b| a.group_id.cmp(&b.group_id));
    rows
}

/// The open group, when it still exists.
pub fn open_group(app: &App) -> Option<&GroupSummary> {
    let id = app.open_group.as_deref()?;
    app.groups.value()?.iter().find(|g| g.group_id == id)
}

pub fn group_offset_rows(app: &App) -> Vec<&GroupOffset> {
    let filter = app.filter(ListId::GroupOffsets);
    open_group(app)
        .map(|g| {
            g.offsets
                .iter()
                .filter(|o| matches(filter, &format!("{}-{}", o.topic, o.partition)))
                .collect()
        })
        .unwrap_or_default()
}

pub fn transaction_rows(app: &App) -> Vec<&TransactionSummary> {
    let filter = app.filter(ListId::Transactions);
    let mut rows: Vec<&TransactionSummary> = app
        .transactions
        .value()
        .map(|t| {
            t.iter()
                .filter(|t| matches(filter, &t.transactional_id))
                .collect()
        })
        .unwrap_or_default();
    rows.sort_by(|a, b| a.transactional_id.cmp(&b.transactional_id));
    rows
}

/// How many rows `list` shows now.
pub fn list_len(app: &App, list: ListId) -> usize {
    match list {
        ListId::Brokers => broker_rows(app).len(),
        ListId::Topics => {
            let filter = app.filter(ListId::Topics);
            topics(app)
                .iter()
                .filter(|t| matches(filter, &t.name))
                .count()
        }
        ListId::Partitions => open_topic_partitions(app)
            .iter()
            .filter(|p| partition_matches(app.filter(ListId::Partitions), p))
            .count(),
        ListId::Groups => group_rows(app).len(),
        ListId::GroupOffsets => group_offset_rows(app).len(),
        ListId::Transactions => transaction_rows(app).len(),
    }
}
