//! Test data: polls as a three-broker cluster would answer them.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::app::App;
use super::model::{
    BrokerOffsets, ClusterPoll, GroupMember, GroupOffset, GroupSummary, OffsetKind, OffsetsPoll,
    Poll, TransactionSummary,
};
use crate::client::admin::{ClusterDescription, QuorumDescription, QuorumReplica};
use crate::client::cluster_metadata::{BrokerMetadata, PartitionMetadata, TopicMetadata};
use crate::client::txn_trace::{EventKind, TraceEvent};
use crate::client::TopicPartition;
use crate::cluster::control::{BrokerState, BrokerStatus, ClusterStatus};

pub const INTERVAL_MS: u64 = 1_000;
/// 2026-11-29T12:00:00Z, so transaction ages are fixed.
pub const STARTED_WALL_MS: i64 = 1_795_953_600_000;

pub fn app() -> App {
    App::new("127.0.0.1:9092", INTERVAL_MS, STARTED_WALL_MS)
}

pub fn partition(partition: i32, replicas: &[i32], isr: &[i32]) -> PartitionMetadata {
    PartitionMetadata {
        partition,
        error_code: 0,
        leader_id: isr.first().copied().unwrap_or(-1),
        leader_epoch: 0,
        replicas: replicas.to_vec(),
        isr: isr.to_vec(),
        offline_replicas: Vec::new(),
    }
}

pub fn topic(name: &str, partitions: Vec<PartitionMetadata>) -> TopicMetadata {
    TopicMetadata {
        name: name.to_string(),
        topic_id: Uuid::nil(),
        error_code: 0,
        is_internal: name.starts_with("__"),
        partitions,
    }
}

pub fn cluster(topics: Vec<TopicMetadata>) -> Poll {
    let brokers = (0..3)
        .map(|id| BrokerMetadata {
            node_id: id,
            host: "127.0.0.1".to_string(),
            port: 9092 + id,
            rack: (id == 2).then(|| "rack-b".to_string()),
        })
        .collect();
    Poll::Cluster(Ok(ClusterPoll {
        cluster: ClusterDescription {
            cluster_id: Some("kf-test-cluster".to_string()),
            controller_id: 0,
            brokers,
            fenced_brokers: Vec::new(),
        },
        topics,
    }))
}

/// `orders` (3 partitions, RF 3, partition 2 under-replicated) and `payments` (1, RF 1).
pub fn two_topics() -> Poll {
    cluster(vec![
        topic(
            "orders",
            vec![
                partition(0, &[0, 1, 2], &[0, 1, 2]),
                partition(1, &[1, 2, 0], &[1, 2, 0]),
                partition(2, &[2, 0, 1], &[2, 0]),
            ],
        ),
        topic("payments", vec![partition(0, &[1], &[1])]),
    ])
}

pub fn quorum() -> Poll {
    let replica = |replica_id, log_end_offset| QuorumReplica {
        replica_id,
        log_end_offset,
        last_fetch_timestamp: -1,
        last_caught_up_timestamp: -1,
    };
    Poll::Quorum(Ok(QuorumDescription {
        leader_id: 0,
        leader_epoch: 3,
        high_watermark: 120,
        voters: vec![replica(0, 125), replica(1, 125), replica(2, 118)],
        observers: Vec::new(),
    }))
}

/// One offsets round, every partition answered by broker `broker_id`.
pub fn offsets(kind: OffsetKind, broker_id: i32, values: &[(&str, i32, i64)]) -> Poll {
    let offsets: BTreeMap<TopicPartition, i64> = values
        .iter()
        .map(|(t, p, o)| (TopicPartition::new(*t, *p), *o))
        .collect();
    let sizes = (kind == OffsetKind::HighWatermark).then(|| {
        Ok(offsets
            .iter()
            .map(|(tp, o)| (tp.clone(), o * 100))
            .collect())
    });
    Poll::Offsets(OffsetsPoll {
        kind,
        brokers: vec![BrokerOffsets {
            broker_id,
            offsets: Ok(offsets),
            sizes,
        }],
    })
}

/// An App that has seen two rounds one second apart: `orders` grew by 100+50+0 records.
pub fn busy_app() -> App {
    let mut app = app();
    app.on_poll(two_topics(), 0);
    app.on_poll(quorum(), 0);
    let first = [
        ("orders", 0, 1_000),
        ("orders", 1, 500),
        ("orders", 2, 0),
        ("payments", 0, 7),
    ];
    let second = [
        ("orders", 0, 1_100),
        ("orders", 1, 550),
        ("orders", 2, 0),
        ("payments", 0, 7),
    ];
    app.on_poll(offsets(OffsetKind::HighWatermark, 0, &first), 0);
    app.on_poll(offsets(OffsetKind::LogStart, 0, &[("orders", 0, 100)]), 10);
    app.on_poll(offsets(OffsetKind::HighWatermark, 0, &second), 1_000);
    // orders-0 has 3 records its followers have not replicated yet; payments' log end is
    // not shown.
    let log_end = [("orders", 0, 1_103), ("orders", 1, 550), ("orders", 2, 0)];
    app.on_poll(offsets(OffsetKind::LogEnd, 0, &log_end), 1_010);
    app
}

pub fn groups() -> Poll {
    Poll::Groups(Ok(vec![
        GroupSummary {
            group_id: "billing".to_string(),
            state: "Stable".to_string(),
            protocol_type: "consumer".to_string(),
            protocol: "range".to_string(),
            members: vec![GroupMember {
                member_id: "consumer-1-4a1b".to_string(),
                client_id: "consumer-1".to_string(),
                host: "/127.0.0.1".to_string(),
                assignment: vec![
                    TopicPartition::new("orders", 0),
                    TopicPartition::new("orders", 1),
                ],
            }],
            offsets: vec![
                GroupOffset {
                    topic: "orders".to_string(),
                    partition: 0,
                    committed_offset: 1_090,
                    lag: Some(10),
                },
                GroupOffset {
                    topic: "orders".to_string(),
                    partition: 1,
                    committed_offset: 550,
                    lag: Some(0),
                },
            ],
        },
        GroupSummary {
            group_id: "audit".to_string(),
            state: "Empty".to_string(),
            protocol_type: "consumer".to_string(),
            protocol: String::new(),
            members: Vec::new(),
            offsets: Vec::new(),
        },
    ]))
}

pub fn transactions(state: &str) -> Poll {
    Poll::Transactions(Ok(vec![
        TransactionSummary {
            transactional_id: "orders-writer".to_string(),
            state: state.to_string(),
            producer_id: 4_001,
            producer_epoch: 2,
            timeout_ms: 60_000,
            start_timestamp_ms: STARTED_WALL_MS - 5_000,
            partitions: vec![TopicPartition::new("orders", 0)],
        },
        TransactionSummary {
            transactional_id: "stuck".to_string(),
            state: "Ongoing".to_string(),
            producer_id: 4_002,
            producer_epoch: 0,
            timeout_ms: 10_000,
            start_timestamp_ms: STARTED_WALL_MS - 120_000,
            partitions: vec![TopicPartition::new("payments", 0)],
        },
    ]))
}

/// `kf txn trace`'s events of one committed transaction of `orders-writer` on `orders-0`:
/// its transitions from `Empty` and the commit marker, in the order the trace gives them.
pub fn trace_commit() -> Poll {
    let step = |previous: Option<&str>, state: &str, at: i64| TraceEvent {
        event: EventKind::Transition,
        timestamp: STARTED_WALL_MS + at,
        transactional_id: Some("orders-writer".to_string()),
        producer_id: 4_001,
        producer_epoch: 2,
        state: state.to_string(),
        previous_state: previous.map(str::to_string),
        partitions: vec![TopicPartition::new("orders", 0)],
        transaction_timeout_ms: Some(60_000),
        marker: None,
        offset: None,
    };
    let mut marker = step(Some("Ongoing"), "PrepareCommit", 30);
    marker.event = EventKind::Marker;
    marker.transaction_timeout_ms = None;
    marker.marker = Some("COMMIT");
    marker.offset = Some(42);
    Poll::Trace(Ok(vec![
        step(Some("Empty"), "Ongoing", 10),
        step(Some("Ongoing"), "PrepareCommit", 20),
        marker,
        step(Some("PrepareCommit"), "CompleteCommit", 40),
    ]))
}

/// The local cluster's status: broker `i` in `states[i]`, broker 2 fenced by the controller.
pub fn local_status(states: [BrokerState; 3]) -> Poll {
    let brokers = states
        .iter()
        .enumerate()
        .map(|(id, state)| BrokerStatus {
            id: id as i32,
            address: format!("127.0.0.1:{}", 9092 + id),
            running: *state != BrokerState::Down,
            listeners: Vec::new(),
            state: *state,
            fenced: *state == BrokerState::Fenced,
            rack: None,
        })
        .collect();
    Poll::Local(Ok(ClusterStatus {
        pid: 1,
        data_dir: "/tmp/kf".to_string(),
        bootstrap_servers: "127.0.0.1:9092".to_string(),
        controller: Some(0),
        brokers,
        open_files: None,
        offline_partitions: Vec::new(),
        under_replicated_partitions: 0,
        offline_partitions_count: 0,
    }))
}
