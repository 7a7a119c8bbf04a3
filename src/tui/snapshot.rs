//! `kf top --once`: every view's rows at one moment, as JSON/YAML or text tables. Built from
//! the same `App` and rows as the screen, so a snapshot shows what the dashboard would.

use serde::Serialize;

use super::app::App;
use super::feed::Freshness;
use super::model::{GroupSummary, TransactionSummary};
use super::rows::{self, BrokerRow, PartitionRow, QuorumRow, TopicRow, Totals};
use crate::output::{id_list, opt, table};

#[derive(Debug, Serialize)]
pub struct Snapshot {
    pub cluster_id: Option<String>,
    pub controller_id: Option<i32>,
    /// Freshness of brokers, topics and partitions (Metadata, DescribeCluster).
    pub metadata: Freshness,
    pub brokers: Vec<BrokerRow>,
    pub totals: Totals,
    pub quorum: QuorumSnapshot,
    /// Freshness of the offsets (ListOffsets per broker).
    pub offsets: Freshness,
    pub topics: Vec<TopicSnapshot>,
    pub groups: GroupsSnapshot,
    pub transactions: TransactionsSnapshot,
}

#[derive(Debug, Serialize)]
pub struct QuorumSnapshot {
    #[serde(flatten)]
    pub status: Freshness,
    pub leader_id: Option<i32>,
    pub leader_epoch: Option<i32>,
    pub high_watermark: Option<i64>,
    pub replicas: Vec<QuorumRow>,
}

#[derive(Debug, Serialize)]
pub struct TopicSnapshot {
    #[serde(flatten)]
    pub topic: TopicRow,
    pub partition_list: Vec<PartitionRow>,
}

#[derive(Debug, Serialize)]
pub struct GroupsSnapshot {
    #[serde(flatten)]
    pub status: Freshness,
    pub groups: Vec<GroupSummary>,
}

#[derive(Debug, Serialize)]
pub struct TransactionsSnapshot {
    #[serde(flatten)]
    pub status: Freshness,
    pub transactions: Vec<TransactionSummary>,
}

pub fn snapshot(app: &App) -> Snapshot {
    let (now, interval) = (app.now_ms, app.interval_ms);
    let quorum = app.quorum.value();
    Snapshot {
        cluster_id: app
            .cluster
            .value()
            .and_then(|c| c.cluster.cluster_id.clone()),
        controller_id: app.cluster.value().map(|c| c.cluster.controller_id),
        metadata: app.cluster.freshness(now, interval),
        brokers: rows::broker_rows(app),
        totals: rows::totals(app),
        quorum: QuorumSnapshot {
            status: app.quorum.freshness(now, interval),
            leader_id: quorum.map(|q| q.leader_id),
            leader_epoch: quorum.map(|q| q.leader_epoch),
            high_watermark: quorum.map(|q| q.high_watermark),
            replicas: quorum.map(rows::quorum_rows).unwrap_or_default(),
        },
        offsets: app.offsets.freshness(now, interval),
        topics: rows::topic_rows(app)
            .into_iter()
            .map(|topic| TopicSnapshot {
                partition_list: rows::topic_partition_rows(app, &topic.name, ""),
                topic,
            })
            .collect(),
        groups: GroupsSnapshot {
            status: app.groups.freshness(now, interval),
            groups: rows::group_rows(app).into_iter().cloned().collect(),
        },
        transactions: TransactionsSnapshot {
            status: app.transactions.freshness(now, interval),
            transactions: rows::transaction_rows(app).into_iter().cloned().collect(),
        },
    }
}

fn status_line(name: &str, status: &Freshness) -> Option<String> {
    match status {
        Freshness::Fresh => None,
        Freshness::Loading => Some(format!("{name}: no answer\n")),
        Freshness::Stale { reason, .. } => Some(format!("{name}: stale: {reason}\n")),
        Freshness::Unsupported { reason } => Some(format!("{name}: not shown: {reason}\n")),
        Freshness::Failed { reason } => Some(format!("{name}: cannot read: {reason}\n")),
    }
}

pub fn text(snapshot: &Snapshot) -> String {
    let mut out = format!(
        "Cluster {}  controller {}  topics {}  partitions {}  under-replicated {}  offline {}\n",
        snapshot.cluster_id.as_deref().unwrap_or("-"),
        opt(snapshot.controller_id),
        snapshot.totals.topics,
        snapshot.totals.partitions,
        snapshot.totals.under_replicated,
        snapshot.totals.offline
    );
    out.extend(status_line("Metadata", &snapshot.metadata));
    out.push('\n');
    let brokers: Vec<Vec<String>> = snapshot
        .brokers
        .iter()
        .map(|b| {
            vec![
                b.id.to_string(),
                b.address(),
                b.rack.clone().unwrap_or_else(|| "-".to_string()),
                b.state.clone(),
                if b.controller { "controller" } else { "" }.to_string(),
                b.leaders.to_string(),
                b.replicas.to_string(),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "BROKER", "ADDRESS", "RACK", "STATE", "ROLE", "LEADERS", "REPLICAS",
        ],
        &brokers,
    ));
    out.push_str(&quorum_text(&snapshot.quorum));
    out.push_str("\nTopics\n");
    out.extend(status_line("Offsets", &snapshot.offsets));
    let topics: Vec<Vec<String>> = snapshot
        .topics
        .iter()
        .map(|t| {
            let t = &t.topic;
            vec![
                t.name.clone(),
                t.partitions.to_string(),
                t.replication_factor.to_string(),
                t.under_replicated.to_string(),
                t.offline.to_string(),
                t.records.to_string(),
            ]
        })
        .collect();
    out.push_str(&table(
        &["TOPIC", "PARTITIONS", "RF", "URP", "OFFLINE", "RECORDS"],
        &topics,
    ));
    out.push_str("\nPartitions\n");
    let partitions: Vec<Vec<String>> = snapshot
        .topics
        .iter()
        .flat_map(|t| t.partition_list.iter().map(move |p| (&t.topic.name, p)))
        .map(|(topic, p)| {
            vec![
                topic.clone(),
                p.partition.to_string(),
                p.leader.to_string(),
                id_list(&p.replicas),
                id_list(&p.isr),
                opt(p.log_start_offset),
                opt(p.last_stable_offset),
                opt(p.high_watermark),
                opt(p.log_end_offset),
                opt(p.size_bytes),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "TOPIC",
            "PARTITION",
            "LEADER",
            "REPLICAS",
            "ISR",
            "LOG-START",
            "LSO",
            "HW",
            "LEO",
            "BYTES",
        ],
        &partitions,
    ));
    out.push_str(&groups_text(&snapshot.groups));
    out.push_str(&transactions_text(&snapshot.transactions));
    out
}

fn quorum_text(quorum: &QuorumSnapshot) -> String {
    let mut out = format!(
        "\nMetadata quorum: leader {}, epoch {}, high watermark {}\n",
        opt(quorum.leader_id),
        opt(quorum.leader_epoch),
        opt(quorum.high_watermark)
    );
    out.extend(status_line("Quorum", &quorum.status));
    let rows: Vec<Vec<String>> = quorum
        .replicas
        .iter()
        .map(|r| {
            vec![
                r.replica_id.to_string(),
                r.role.to_string(),
                r.log_end_offset.to_string(),
                r.lag.to_string(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        out.push_str(&table(&["REPLICA", "ROLE", "LOG-END-OFFSET", "LAG"], &rows));
    }
    out
}

fn groups_text(groups: &GroupsSnapshot) -> String {
    let mut out = "\nGroups\n".to_string();
    out.extend(status_line("Groups", &groups.status));
    let rows: Vec<Vec<String>> = groups
        .groups
        .iter()
        .map(|g| {
            vec![
                g.group_id.clone(),
                g.state.clone(),
                g.protocol.clone(),
                g.members.len().to_string(),
                g.total_lag().to_string(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        out.push_str(&table(
            &["GROUP", "STATE", "PROTOCOL", "MEMBERS", "LAG"],
            &rows,
        ));
    }
    out
}

fn transactions_text(transactions: &TransactionsSnapshot) -> String {
    let mut out = "\nTransactions\n".to_string();
    out.extend(status_line("Transactions", &transactions.status));
    let rows: Vec<Vec<String>> = transactions
        .transactions
        .iter()
        .map(|t| {
            vec![
                t.transactional_id.clone(),
                t.state.clone(),
                t.producer_id.to_string(),
                t.producer_epoch.to_string(),
                t.partitions.len().to_string(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        out.push_str(&table(
            &[
                "TRANSACTIONAL-ID",
                "STATE",
                "PRODUCER-ID",
                "EPOCH",
                "PARTITIONS",
            ],
            &rows,
        ));
    }
    out
}
