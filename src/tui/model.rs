//! What the poller hands the dashboard: one `Poll` per answered (or failed) round of an API,
//! as plain data so the state update that takes it stays pure.

use std::collections::BTreeMap;

use serde::Serialize;

use super::feed::PollError;
use crate::client::admin::{ClusterDescription, QuorumDescription};
use crate::client::cluster_metadata::TopicMetadata;
use crate::client::txn_trace::TraceEvent;
use crate::client::TopicPartition;
use crate::cluster::control::ClusterStatus;

/// Brokers, controller and every topic's partitions (DescribeCluster and Metadata).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterPoll {
    pub cluster: ClusterDescription,
    pub topics: Vec<TopicMetadata>,
}

/// Which offset a ListOffsets round asked each broker for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetKind {
    /// Latest, read_uncommitted: the high watermark.
    HighWatermark,
    /// Earliest: the log start offset.
    LogStart,
    /// Latest, read_committed: the last stable offset.
    LastStable,
    /// Latest as Kafka's debugging replica: the log end offset, where the cluster shows it.
    LogEnd,
}

/// One broker's answers in an offsets round: ListOffsets for the partitions it leads and,
/// when asked, DescribeLogDirs sizes of the partitions it hosts.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokerOffsets {
    pub broker_id: i32,
    pub offsets: Result<BTreeMap<TopicPartition, i64>, PollError>,
    pub sizes: Option<Result<BTreeMap<TopicPartition, i64>, PollError>>,
}

/// One offsets round over every broker.
#[derive(Debug, Clone, PartialEq)]
pub struct OffsetsPoll {
    pub kind: OffsetKind,
    pub brokers: Vec<BrokerOffsets>,
}

/// A consumer group as ListGroups and DescribeGroups describe it, with its lag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupSummary {
    pub group_id: String,
    pub state: String,
    pub protocol_type: String,
    pub protocol: String,
    pub members: Vec<GroupMember>,
    /// Committed offsets (OffsetFetch) with lag against the high watermark.
    pub offsets: Vec<GroupOffset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupMember {
    pub member_id: String,
    pub client_id: String,
    pub host: String,
    pub assignment: Vec<TopicPartition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupOffset {
    pub topic: String,
    pub partition: i32,
    pub committed_offset: i64,
    /// `None` until the partition's high watermark is known.
    pub lag: Option<i64>,
}

impl GroupSummary {
    /// The sum of known partition lags.
    pub fn total_lag(&self) -> i64 {
        self.offsets.iter().filter_map(|o| o.lag).sum()
    }
}

/// A transactional id as ListTransactions and DescribeTransactions describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransactionSummary {
    pub transactional_id: String,
    pub state: String,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub timeout_ms: i32,
    /// When the current transaction started (ms since the epoch), -1 when none is open.
    pub start_timestamp_ms: i64,
    pub partitions: Vec<TopicPartition>,
}

/// One answered (or failed) round of one source.
#[derive(Debug, Clone, PartialEq)]
pub enum Poll {
    Cluster(Result<ClusterPoll, PollError>),
    Quorum(Result<QuorumDescription, PollError>),
    Offsets(OffsetsPoll),
    Groups(Result<Vec<GroupSummary>, PollError>),
    Transactions(Result<Vec<TransactionSummary>, PollError>),
    /// One round of `kf txn trace`'s follower (`client::txn_trace`): the transitions and
    /// markers it read, or why it cannot follow `__transaction_state`.
    Trace(Result<Vec<TraceEvent>, PollError>),
    /// The local `kf cluster up`'s own status (control socket): broker states.
    Local(Result<ClusterStatus, PollError>),
    /// The answer to a fault key: what the cluster did, or why it refused.
    Fault(Result<String, String>),
}
