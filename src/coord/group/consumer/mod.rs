//! Consumer-protocol groups (KIP-848), as Kafka's `ConsumerGroup`: the coordinator computes a
//! target assignment with a server-side assignor whenever the group epoch moves past the
//! assignment epoch, and brings each member towards its target one heartbeat at a time,
//! revoking before it assigns (a partition goes to its new owner only once the old one has
//! given it up).
//!
//! A consumer group lives in the same task as the classic group of the same id
//! (`task.rs`), whose committed offsets it shares; the classic side stays Empty meanwhile. Its
//! members may speak either protocol (Kafka 4's online migration).
//! - `heartbeat.rs`: ConsumerGroupHeartbeat (join, leave, reconciliation) and the timers;
//! - `assignor.rs`: `uniform` and `range`; `records.rs`: Kafka's record schemas;
//! - `classic_members.rs`: members speaking the classic protocol in a consumer group;
//! - `migration.rs`: a group with members converting between the protocols;
//! - `route.rs`: the other group APIs on a consumer group, conversion of an empty group,
//!   loading.

pub mod assignor;
pub mod classic_members;
pub mod heartbeat;
pub mod migration;
pub mod records;
pub mod route;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kafka_protocol::error::ResponseError;
use uuid::Uuid;

use crate::config::BrokerConfig;
use crate::coord::partition_loader::CoordinatorRecord;
use assignor::Assignor;
use heartbeat::TopicRegex;
use records::{
    ClassicMemberMetadata, ConsumerRecordKey, ConsumerRecordValue, CurrentAssignmentValue,
    MemberMetadataValue, TopicMetadata,
};

/// Partitions by topic id (no empty sets).
pub type Assignment = BTreeMap<Uuid, BTreeSet<i32>>;

/// Kafka's epoch of a static member that left for a while (KIP-848 static membership).
pub const LEAVE_GROUP_STATIC_MEMBER_EPOCH: i32 = -2;
pub const LEAVE_GROUP_MEMBER_EPOCH: i32 = -1;

/// Kafka's `group.consumer.migration.policy`: which conversions a group with members may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationPolicy {
    /// A classic group becomes a consumer group when a consumer-protocol member joins.
    pub upgrade: bool,
    /// A consumer group becomes classic when its last consumer-protocol member leaves.
    pub downgrade: bool,
}

impl MigrationPolicy {
    /// `disabled`, `upgrade`, `downgrade` or `bidirectional` (Kafka's default, and what any
    /// other value means: the config validator refuses them before this).
    pub fn from_name(name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        MigrationPolicy {
            upgrade: name != "disabled" && name != "downgrade",
            downgrade: name != "disabled" && name != "upgrade",
        }
    }
}

/// The broker configs of consumer groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerConfig {
    pub heartbeat_interval_ms: i32,
    pub session_timeout_ms: i32,
    pub max_size: i32,
    /// The first is the default.
    pub assignors: Vec<Assignor>,
    pub migration: MigrationPolicy,
    /// `group.max.size`: a group downgraded to classic must fit in it.
    pub classic_max_size: i32,
}

impl ConsumerConfig {
    pub fn from_broker(config: &BrokerConfig) -> Self {
        let mut assignors: Vec<Assignor> = config
            .group_consumer_assignors
            .iter()
            .filter_map(|n| Assignor::from_name(n))
            .collect();
        if assignors.is_empty() {
            assignors.push(Assignor::Uniform);
        }
        ConsumerConfig {
            heartbeat_interval_ms: config.group_consumer_heartbeat_interval_ms,
            session_timeout_ms: config.group_consumer_session_timeout_ms,
            max_size: config.group_consumer_max_size,
            assignors,
            migration: MigrationPolicy::from_name(&config.group_consumer_migration_policy),
            classic_max_size: config.group_max_size,
        }
    }
}

/// A member's reconciliation state, with Kafka's codes in CurrentMemberAssignment records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberState {
    Stable,
    /// Waiting for the member to give up `pending_revocation`.
    UnrevokedPartitions,
    /// Some of its target partitions are still owned by others.
    UnreleasedPartitions,
}

impl MemberState {
    pub fn code(self) -> i8 {
        match self {
            MemberState::Stable => 0,
            MemberState::UnrevokedPartitions => 1,
            MemberState::UnreleasedPartitions => 2,
        }
    }

    /// An unknown state is reconciled from scratch, as Kafka's UNKNOWN.
    pub fn from_code(code: i8) -> Self {
        match code {
            1 => MemberState::UnrevokedPartitions,
            2 => MemberState::UnreleasedPartitions,
            _ => MemberState::Stable,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub subscribed_topic_names: Vec<String>,
    pub subscribed_topic_regex: Option<TopicRegex>,
    pub rebalance_timeout_ms: i32,
    pub server_assignor: Option<String>,
    pub member_epoch: i32,
    pub previous_member_epoch: i32,
    pub state: MemberState,
    pub assigned: Assignment,
    pub pending_revocation: Assignment,
    /// The member is removed unless it heartbeats before then.
    pub session_deadline_ms: i64,
    /// While revoking: the member is removed unless it has revoked by then. For a classic
    /// member: unless it joins (after REBALANCE_IN_PROGRESS) or syncs (after joining) by then.
    pub revocation_deadline_ms: Option<i64>,
    /// A member speaking the classic protocol (JoinGroup, SyncGroup, Heartbeat) in the group.
    pub classic: Option<ClassicMemberMetadata>,
}

impl ConsumerMember {
    pub fn new(member_id: String, now_ms: i64) -> Self {
        ConsumerMember {
            member_id,
            instance_id: None,
            rack_id: None,
            client_id: String::new(),
            client_host: String::new(),
            subscribed_topic_names: Vec::new(),
            subscribed_topic_regex: None,
            rebalance_timeout_ms: -1,
            server_assignor: None,
            member_epoch: 0,
            previous_member_epoch: 0,
            state: MemberState::Stable,
            assigned: Assignment::new(),
            pending_revocation: Assignment::new(),
            session_deadline_ms: now_ms,
            revocation_deadline_ms: None,
            classic: None,
        }
    }

    /// How long the member may go without a heartbeat: a classic member's own session timeout.
    pub fn session_timeout_ms(&self, config: &ConsumerConfig) -> i64 {
        i64::from(
            self.classic
                .as_ref()
                .map_or(config.session_timeout_ms, |c| c.session_timeout_ms),
        )
    }

    pub fn metadata_value(&self) -> MemberMetadataValue {
        MemberMetadataValue {
            instance_id: self.instance_id.clone(),
            rack_id: self.rack_id.clone(),
            client_id: self.client_id.clone(),
            client_host: self.client_host.clone(),
            subscribed_topic_names: self.subscribed_topic_names.clone(),
            subscribed_topic_regex: self
                .subscribed_topic_regex
                .as_ref()
                .map(|r| r.source().to_string()),
            rebalance_timeout_ms: self.rebalance_timeout_ms,
            server_assignor: self.server_assignor.clone(),
            classic: self.classic.clone(),
        }
    }

    pub fn current_assignment_value(&self) -> CurrentAssignmentValue {
        CurrentAssignmentValue {
            member_epoch: self.member_epoch,
            previous_member_epoch: self.previous_member_epoch,
            state: self.state.code(),
            assigned: self.assigned.clone(),
            pending_revocation: self.pending_revocation.clone(),
        }
    }
}

/// A consumer group's state name, as Kafka's `ConsumerGroupState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumerGroupState {
    Empty,
    Assigning,
    Reconciling,
    Stable,
}

impl ConsumerGroupState {
    pub fn name(self) -> &'static str {
        match self {
            ConsumerGroupState::Empty => "Empty",
            ConsumerGroupState::Assigning => "Assigning",
            ConsumerGroupState::Reconciling => "Reconciling",
            ConsumerGroupState::Stable => "Stable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroup {
    pub group_id: String,
    pub config: ConsumerConfig,
    pub group_epoch: i32,
    pub assignment_epoch: i32,
    pub members: BTreeMap<String, ConsumerMember>,
    /// instance id → member id of the static member holding it.
    pub static_members: HashMap<String, String>,
    /// member id → target assignment, as of `assignment_epoch`.
    pub target: BTreeMap<String, Assignment>,
    /// The subscribed topics as the group last saw them, by name.
    pub subscription_metadata: BTreeMap<String, TopicMetadata>,
}

impl ConsumerGroup {
    pub fn new(group_id: String, config: ConsumerConfig) -> Self {
        ConsumerGroup {
            group_id,
            config,
            group_epoch: 0,
            assignment_epoch: 0,
            members: BTreeMap::new(),
            static_members: HashMap::new(),
            target: BTreeMap::new(),
            subscription_metadata: BTreeMap::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn state(&self) -> ConsumerGroupState {
        if self.members.is_empty() {
            ConsumerGroupState::Empty
        } else if self.group_epoch > self.assignment_epoch {
            ConsumerGroupState::Assigning
        } else if self
            .members
            .values()
            .any(|m| m.member_epoch != self.assignment_epoch || m.state != MemberState::Stable)
        {
            ConsumerGroupState::Reconciling
        } else {
            ConsumerGroupState::Stable
        }
    }

    /// The assignor the members ask for most (ties to the first in the config's order), else the
    /// configured default, as Kafka's `preferredServerAssignor`.
    pub fn assignor(&self) -> Assignor {
        let mut votes: Vec<(Assignor, usize)> =
            self.config.assignors.iter().map(|a| (*a, 0)).collect();
        for m in self.members.values() {
            if let Some(a) = m.server_assignor.as_deref().and_then(Assignor::from_name) {
                if let Some(v) = votes.iter_mut().find(|(x, _)| *x == a) {
                    v.1 += 1;
                }
            }
        }
        let best = votes.iter().map(|(_, n)| *n).max().unwrap_or(0);
        votes
            .iter()
            .find(|(_, n)| best > 0 && *n == best)
            .or_else(|| votes.first())
            .map_or(Assignor::Uniform, |(a, _)| *a)
    }

    /// The epoch of the member that owns (or is still revoking) a partition, if any.
    pub fn owner_epoch(&self, topic: &Uuid, partition: i32) -> Option<i32> {
        self.members
            .values()
            .find(|m| {
                [&m.assigned, &m.pending_revocation]
                    .iter()
                    .any(|a| a.get(topic).is_some_and(|ps| ps.contains(&partition)))
            })
            .map(|m| m.member_epoch)
    }

    pub fn topic_name(&self, topic_id: &Uuid) -> Option<&str> {
        self.subscription_metadata
            .values()
            .find(|t| t.topic_id == *topic_id)
            .map(|t| t.name.as_str())
    }

    /// The member a request names: by instance id for a static member (FENCED_INSTANCE_ID if
    /// another member id holds it), else by member id.
    pub fn known_member(
        &self,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Result<&ConsumerMember, ResponseError> {
        if let Some(instance) = instance_id {
            let holder = self
                .static_members
                .get(instance)
                .ok_or(ResponseError::UnknownMemberId)?;
            if holder != member_id {
                return Err(ResponseError::FencedInstanceId);
            }
        }
        self.members
            .get(member_id)
            .ok_or(ResponseError::UnknownMemberId)
    }

    pub fn insert_member(&mut self, member: ConsumerMember) {
        if let Some(instance) = &member.instance_id {
            self.static_members
                .insert(instance.clone(), member.member_id.clone());
        }
        self.members.insert(member.member_id.clone(), member);
    }

    pub fn remove_member(&mut self, member_id: &str) -> Option<ConsumerMember> {
        let member = self.members.remove(member_id)?;
        if let Some(instance) = &member.instance_id {
            if self.static_members.get(instance).map(String::as_str) == Some(member_id) {
                self.static_members.remove(instance);
            }
        }
        self.target.remove(member_id);
        Some(member)
    }

    fn key(&self, make: impl FnOnce(String) -> ConsumerRecordKey) -> Vec<u8> {
        make(self.group_id.clone()).encode()
    }

    pub fn record(&self, key: ConsumerRecordKey, value: ConsumerRecordValue) -> CoordinatorRecord {
        CoordinatorRecord {
            key: key.encode(),
            value: Some(value.encode()),
        }
    }

    fn member_key(
        &self,
        member_id: &str,
        make: fn(String, String) -> ConsumerRecordKey,
    ) -> ConsumerRecordKey {
        make(self.group_id.clone(), member_id.to_string())
    }

    pub fn member_metadata_record(&self, member: &ConsumerMember) -> CoordinatorRecord {
        let key = self.member_key(&member.member_id, |group, member| {
            ConsumerRecordKey::MemberMetadata { group, member }
        });
        self.record(
            key,
            ConsumerRecordValue::MemberMetadata(member.metadata_value()),
        )
    }

    pub fn current_assignment_record(&self, member: &ConsumerMember) -> CoordinatorRecord {
        let key = self.member_key(&member.member_id, |group, member| {
            ConsumerRecordKey::CurrentMemberAssignment { group, member }
        });
        self.record(
            key,
            ConsumerRecordValue::CurrentAssignment(member.current_assignment_value()),
        )
    }

    pub fn target_record(&self, member_id: &str, assignment: &Assignment) -> CoordinatorRecord {
        let key = self.member_key(member_id, |group, member| {
            ConsumerRecordKey::TargetAssignmentMember { group, member }
        });
        self.record(
            key,
            ConsumerRecordValue::TargetAssignment(assignment.clone()),
        )
    }

    pub fn group_epoch_record(&self) -> CoordinatorRecord {
        let key = ConsumerRecordKey::GroupMetadata {
            group: self.group_id.clone(),
        };
        self.record(key, ConsumerRecordValue::Epoch(self.group_epoch))
    }

    pub fn assignment_epoch_record(&self) -> CoordinatorRecord {
        let key = ConsumerRecordKey::TargetAssignmentMetadata {
            group: self.group_id.clone(),
        };
        self.record(key, ConsumerRecordValue::Epoch(self.assignment_epoch))
    }

    pub fn partition_metadata_record(&self) -> CoordinatorRecord {
        let key = ConsumerRecordKey::PartitionMetadata {
            group: self.group_id.clone(),
        };
        self.record(
            key,
            ConsumerRecordValue::PartitionMetadata(
                self.subscription_metadata.values().cloned().collect(),
            ),
        )
    }

    /// Tombstones of a member's three records (current, target, metadata), in Kafka's order.
    pub fn member_tombstones(&self, member_id: &str) -> Vec<CoordinatorRecord> {
        let makers: [fn(String, String) -> ConsumerRecordKey; 3] = [
            |group, member| ConsumerRecordKey::CurrentMemberAssignment { group, member },
            |group, member| ConsumerRecordKey::TargetAssignmentMember { group, member },
            |group, member| ConsumerRecordKey::MemberMetadata { group, member },
        ];
        makers
            .into_iter()
            .map(|make| CoordinatorRecord {
                key: self.member_key(member_id, make).encode(),
                value: None,
            })
            .collect()
    }

    /// Tombstones of the group's own records, written when it is deleted or converted.
    pub fn group_tombstones(&self) -> Vec<CoordinatorRecord> {
        let makers: [fn(String) -> ConsumerRecordKey; 3] = [
            |group| ConsumerRecordKey::TargetAssignmentMetadata { group },
            |group| ConsumerRecordKey::PartitionMetadata { group },
            |group| ConsumerRecordKey::GroupMetadata { group },
        ];
        makers
            .into_iter()
            .map(|make| CoordinatorRecord {
                key: self.key(make),
                value: None,
            })
            .collect()
    }

    /// ConsumerGroupDescribe's view of the group.
    pub fn describe(&self) -> ConsumerGroupDescription {
        let named = |a: &Assignment| -> Vec<(Uuid, String, Vec<i32>)> {
            a.iter()
                .map(|(t, ps)| {
                    let name = self.topic_name(t).unwrap_or_default().to_string();
                    (*t, name, ps.iter().copied().collect())
                })
                .collect()
        };
        ConsumerGroupDescription {
            state: self.state().name(),
            group_epoch: self.group_epoch,
            assignment_epoch: self.assignment_epoch,
            assignor: self.assignor().name(),
            members: self
                .members
                .values()
                .map(|m| DescribedConsumerMember {
                    member_id: m.member_id.clone(),
                    instance_id: m.instance_id.clone(),
                    rack_id: m.rack_id.clone(),
                    member_epoch: m.member_epoch,
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    subscribed_topic_names: m.subscribed_topic_names.clone(),
                    subscribed_topic_regex: m
                        .subscribed_topic_regex
                        .as_ref()
                        .map(|r| r.source().to_string()),
                    assignment: named(&m.assigned),
                    target_assignment: named(
                        self.target.get(&m.member_id).unwrap_or(&Assignment::new()),
                    ),
                    uses_classic_protocol: m.classic.is_some(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedConsumerMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    pub member_epoch: i32,
    pub client_id: String,
    pub client_host: String,
    pub subscribed_topic_names: Vec<String>,
    pub subscribed_topic_regex: Option<String>,
    /// (topic id, topic name, partitions).
    pub assignment: Vec<(Uuid, String, Vec<i32>)>,
    pub target_assignment: Vec<(Uuid, String, Vec<i32>)>,
    /// ConsumerGroupDescribe v1's member type: classic (0) rather than consumer (1).
    pub uses_classic_protocol: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroupDescription {
    pub state: &'static str,
    pub group_epoch: i32,
    pub assignment_epoch: i32,
    pub assignor: &'static str,
    pub members: Vec<DescribedConsumerMember>,
}

#[cfg(test)]
mod tests;
