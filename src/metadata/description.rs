//! The quorum as DescribeQuorum (ApiKey 55) reports it. Offsets are Kafka-style: a log end offset
//! or high watermark is the index of the next entry (Raft index + 1); -1 means unknown.

use crate::clock::now_ms;
use std::collections::BTreeMap;

use openraft::{EmptyNode, RaftMetrics, ServerState};

use super::raft::network::ReplicaActivity;
use super::raft::types::broker_id;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaState {
    pub replica_id: i32,
    pub log_end_offset: i64,
    pub last_fetch_timestamp: i64,
    pub last_caught_up_timestamp: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumDescription {
    /// -1 when no leader is known.
    pub leader_id: i32,
    /// The Raft term.
    pub leader_epoch: i32,
    pub high_watermark: i64,
    pub voters: Vec<ReplicaState>,
    /// Learners: brokers that replicate the metadata log without voting.
    pub observers: Vec<ReplicaState>,
}

fn next_offset(index: Option<u64>) -> i64 {
    index.map_or(-1, |i| i64::try_from(i + 1).unwrap_or(i64::MAX))
}

pub fn describe(
    metrics: &RaftMetrics<u64, EmptyNode>,
    committed_index: Option<u64>,
    activity: &BTreeMap<u64, ReplicaActivity>,
) -> QuorumDescription {
    let is_leader = metrics.state == ServerState::Leader;
    let replica = |id: u64| {
        if id == metrics.id {
            // A node is always caught up with itself.
            let now = if is_leader { now_ms() } else { -1 };
            return ReplicaState {
                replica_id: broker_id(id),
                log_end_offset: next_offset(metrics.last_log_index),
                last_fetch_timestamp: now,
                last_caught_up_timestamp: now,
            };
        }
        let matched = metrics
            .replication
            .as_ref()
            .and_then(|r| r.get(&id))
            .and_then(|m| m.map(|log_id| log_id.index));
        let seen = activity.get(&id).filter(|_| is_leader);
        let timestamp = |t: i64| if t == 0 { -1 } else { t };
        ReplicaState {
            replica_id: broker_id(id),
            log_end_offset: next_offset(matched),
            last_fetch_timestamp: seen.map_or(-1, |a| timestamp(a.last_fetch_timestamp)),
            last_caught_up_timestamp: seen.map_or(-1, |a| timestamp(a.last_caught_up_timestamp)),
        }
    };
    let membership = metrics.membership_config.membership();
    QuorumDescription {
        leader_id: metrics.current_leader.map_or(-1, broker_id),
        leader_epoch: i32::try_from(metrics.current_term).unwrap_or(i32::MAX),
        high_watermark: next_offset(committed_index),
        voters: membership.voter_ids().map(replica).collect(),
        observers: membership.learner_ids().map(replica).collect(),
    }
}
