//! A group's task holds its classic state and, once a ConsumerGroupHeartbeat made it one, its
//! consumer-protocol state (sharing the classic side's committed offsets). This file decides
//! what each group API does to a consumer group: ConsumerGroupHeartbeat, the classic APIs of
//! its classic members (`classic_members.rs`), commits and fetches checked against member
//! epochs. It converts an empty group from one protocol to the other (as Kafka 4.x does whatever
//! `group.consumer.migration.policy` says), a group with members when the policy lets it
//! (`migration.rs`), and rebuilds a consumer group from its records on load.

use std::collections::BTreeMap;

use kafka_protocol::error::ResponseError;
use tracing::warn;

use super::heartbeat::{ConsumerHeartbeat, HeartbeatAnswer, TopicRegex};
use super::migration;
use super::records::{
    ConsumerRecordKey, ConsumerRecordValue, CurrentAssignmentValue, MemberMetadataValue,
    TopicMetadata,
};
use super::{Assignment, ConsumerConfig, ConsumerGroup, ConsumerMember, MemberState};
use crate::coord::group::api::{
    CommitOffsets, GroupDescription, GroupListing, JoinResult, OffsetFetcher, SyncResult,
    TxnCommitOffsets,
};
use crate::coord::group::classic::{ClassicGroup, GroupState};
use crate::coord::group::store::{group_tombstone, GroupLog};
use crate::coord::group::task::GroupMessage;
use crate::coord::partition_loader::CoordinatorRecord;

/// A heartbeat to the group's task. An empty classic group becomes a consumer group on a join;
/// one with members too when the migration policy allows (an upgrade).
pub fn heartbeat(
    classic: &mut ClassicGroup,
    slot: &mut Option<ConsumerGroup>,
    config: &ConsumerConfig,
    request: ConsumerHeartbeat,
    now_ms: i64,
    log: &mut dyn GroupLog,
) -> HeartbeatAnswer {
    let mut records = Vec::new();
    let mut group = match slot {
        Some(group) => group.clone(),
        None if classic.members.is_empty() && request.member_epoch == 0 => {
            if classic.generation_id > 0 || classic.protocol_type.is_some() {
                records.push(group_tombstone(&classic.group_id));
            }
            ConsumerGroup::new(classic.group_id.clone(), config.clone())
        }
        None => match (request.member_epoch == 0)
            .then(|| migration::upgrade(classic, config, &request.image, now_ms, &mut records))
            .flatten()
        {
            Some(group) => group,
            None => {
                return HeartbeatAnswer::error(
                    ResponseError::GroupIdNotFound,
                    format!("Group {} is not a consumer group.", classic.group_id),
                )
            }
        },
    };
    let upgraded = slot.is_none() && !classic.members.is_empty();
    let before = group.clone();
    let answer = match group.heartbeat(request, now_ms, &mut records) {
        Ok(answer) => answer,
        Err((error, message)) => {
            return HeartbeatAnswer::error(error, Some(message).filter(|m| !m.is_empty()))
        }
    };
    if migration::should_downgrade(&before, &group) {
        return match downgrade(classic, &before, &group, Vec::new(), true, now_ms, log) {
            Ok(()) => {
                *slot = None;
                answer
            }
            Err(e) => HeartbeatAnswer::error(e, None),
        };
    }
    if let Err(e) = append(log, records) {
        return HeartbeatAnswer::error(e, None);
    }
    if upgraded {
        classic.hand_over(now_ms);
    }
    if group.is_empty() && !before.is_empty() {
        // Offsets of an empty group expire counting from now.
        classic.state_timestamp_ms = now_ms;
    }
    *slot = Some(group);
    answer
}

/// Writes the classic group `before` becomes once `after` has no consumer-protocol member, and
/// makes it the group's classic side (with the offsets it had).
/// `records` are the step's own, written first in the same batch; `rebalance` as
/// [`migration::downgrade`].
fn downgrade(
    classic: &mut ClassicGroup,
    before: &ConsumerGroup,
    after: &ConsumerGroup,
    mut records: Vec<CoordinatorRecord>,
    rebalance: bool,
    now_ms: i64,
    log: &mut dyn GroupLog,
) -> Result<(), ResponseError> {
    let mut downgraded = migration::downgrade(
        before,
        after,
        classic.config,
        now_ms,
        rebalance,
        &mut records,
    );
    append(log, records)?;
    downgraded.offsets = std::mem::take(&mut classic.offsets);
    downgraded.pending_transactional = std::mem::take(&mut classic.pending_transactional);
    *classic = downgraded;
    Ok(())
}

/// Appends what a step needs; most heartbeats need nothing.
fn append(log: &mut dyn GroupLog, records: Vec<CoordinatorRecord>) -> Result<(), ResponseError> {
    if records.is_empty() {
        return Ok(());
    }
    log.append(records).map(|_| ())
}

/// Handles what the consumer group must; hands back what the classic side should handle.
pub fn route(
    classic: &mut ClassicGroup,
    slot: &mut Option<ConsumerGroup>,
    message: GroupMessage,
    now_ms: i64,
    log: &mut dyn GroupLog,
) -> Option<GroupMessage> {
    let Some(group) = slot.as_mut() else {
        return Some(message);
    };
    match message {
        GroupMessage::Join(request, image, reply) => {
            if group.is_empty() && convert_to_classic(group, log) {
                *slot = None;
                return Some(GroupMessage::Join(request, image, reply));
            }
            let mut changed = group.clone();
            let mut records = Vec::new();
            let joined = changed.classic_join(&request, &image, now_ms, &mut records);
            // A classic static member replaced the last consumer-protocol member: the group
            // becomes classic with it, without a rebalance (Kafka's
            // `validateOnlineDowngradeWithReplacedMemberId`).
            if joined.is_ok() && migration::should_downgrade(group, &changed) {
                let before = group.clone();
                let downgraded = downgrade(classic, &before, &changed, records, false, now_ms, log);
                let _ = reply.send(match (joined, downgraded) {
                    (Ok(result), Ok(())) => {
                        *slot = None;
                        result
                    }
                    (Err(e), _) | (_, Err(e)) => JoinResult::error(e, &request.member_id),
                });
                return None;
            }
            let result = joined.and_then(|result| append(log, records).map(|()| result));
            let _ = reply.send(match result {
                Ok(result) => {
                    *group = changed;
                    result
                }
                Err(e) => JoinResult::error(e, &request.member_id),
            });
        }
        GroupMessage::Sync(request, reply) => {
            let _ = reply.send(
                group
                    .classic_sync(&request, now_ms)
                    .unwrap_or_else(SyncResult::error),
            );
        }
        GroupMessage::Heartbeat(request, reply) => {
            let _ = reply.send(group.classic_heartbeat(&request, now_ms).err());
        }
        GroupMessage::Leave(members, reply) => {
            let mut changed = group.clone();
            let mut records = Vec::new();
            let results = changed.classic_leave(&members, &mut records);
            let _ = reply.send(append(log, records).map(|()| {
                *group = changed;
                results
            }));
        }
        // Checked here; the classic side (Empty) then takes the commit as one from outside.
        GroupMessage::Commit(request, reply) => {
            let version_9 = request.unknown_group_error == ResponseError::GroupIdNotFound;
            let committer = Committer::of(&request.member_id, &request.group_instance_id);
            match validate_offset_commit(group, committer, request.generation_id, Some(version_9)) {
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
                Ok(()) => {
                    let commit = CommitOffsets {
                        generation_id: -1,
                        member_id: String::new(),
                        group_instance_id: None,
                        ..request
                    };
                    return Some(GroupMessage::Commit(commit, reply));
                }
            }
        }
        GroupMessage::TxnCommit(request, reply) => {
            let committer = Committer::of(&request.member_id, &request.group_instance_id);
            match validate_offset_commit(group, committer, request.generation_id, None) {
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
                Ok(()) => {
                    let commit = TxnCommitOffsets {
                        generation_id: -1,
                        member_id: String::new(),
                        group_instance_id: None,
                        ..request
                    };
                    return Some(GroupMessage::TxnCommit(commit, reply));
                }
            }
        }
        GroupMessage::Fetch(topics, require_stable, fetcher, reply) => {
            if let Err(e) = validate_offset_fetch(group, &fetcher) {
                let _ = reply.send(Err(e));
            } else {
                return Some(GroupMessage::Fetch(topics, require_stable, fetcher, reply));
            }
        }
        GroupMessage::Describe(reply) => {
            // DescribeGroups knows classic groups only: this one is not one.
            let _ = reply.send(GroupDescription {
                state: GroupState::Dead.name(),
                protocol_type: String::new(),
                protocol_name: String::new(),
                members: Vec::new(),
            });
        }
        GroupMessage::Listing(reply) => {
            let _ = reply.send(GroupListing {
                group_id: group.group_id.clone(),
                protocol_type: "consumer".to_string(),
                state: group.state().name(),
                group_type: "consumer",
            });
        }
        GroupMessage::Delete(reply) => {
            if !group.is_empty() {
                let _ = reply.send(Some(ResponseError::NonEmptyGroup));
            } else if let Err(e) = log.append(group.group_tombstones()) {
                let _ = reply.send(Some(e));
            } else {
                *slot = None;
                return Some(GroupMessage::Delete(reply));
            }
        }
        GroupMessage::DeleteOffsets(partitions, reply) => {
            let subscribed: Vec<bool> = partitions
                .iter()
                .map(|(topic, _)| group.subscription_metadata.contains_key(topic))
                .collect();
            let free: Vec<(String, i32)> = partitions
                .into_iter()
                .zip(&subscribed)
                .filter(|(_, s)| !**s)
                .map(|(p, _)| p)
                .collect();
            let result = classic.delete_offsets(free, log).map(|results| {
                let mut results = results.into_iter();
                subscribed
                    .iter()
                    .map(|s| {
                        if *s {
                            Some(ResponseError::GroupSubscribedToTopic)
                        } else {
                            results.next().flatten()
                        }
                    })
                    .collect()
            });
            let _ = reply.send(result);
        }
        other => return Some(other),
    }
    None
}

/// Who commits: a member id (empty from outside the group) and its instance id.
#[derive(Clone, Copy)]
struct Committer<'a> {
    member_id: &'a str,
    instance_id: Option<&'a str>,
}

impl<'a> Committer<'a> {
    fn of(member_id: &'a str, instance_id: &'a Option<String>) -> Self {
        Committer {
            member_id,
            instance_id: instance_id.as_deref(),
        }
    }
}

/// Kafka's `ConsumerGroup.validateOffsetCommit`, for OffsetCommit (`version_9`: whether the
/// request is v9+) and TxnOffsetCommit (`None`). A consumer-protocol member's OffsetCommit
/// before v9 is told UNSUPPORTED_VERSION; a classic member's generation is its member epoch; a
/// transactional producer that names no member (an old client) is not checked, and a stale
/// epoch is ILLEGAL_GENERATION there (TxnOffsetCommit has no STALE_MEMBER_EPOCH).
fn validate_offset_commit(
    group: &ConsumerGroup,
    committer: Committer<'_>,
    epoch: i32,
    version_9: Option<bool>,
) -> Result<(), ResponseError> {
    if epoch < 0 && group.is_empty() {
        return Ok(());
    }
    let transactional = version_9.is_none();
    if transactional
        && epoch < 0
        && committer.member_id.is_empty()
        && committer.instance_id.is_none()
    {
        return Ok(());
    }
    let member = group
        .members
        .get(committer.member_id)
        .ok_or(ResponseError::UnknownMemberId)?;
    if version_9 == Some(false) && member.classic.is_none() {
        return Err(ResponseError::UnsupportedVersion);
    }
    match validate_member_epoch(member, epoch) {
        Err(ResponseError::StaleMemberEpoch) if transactional => {
            Err(ResponseError::IllegalGeneration)
        }
        result => result,
    }
}

/// Kafka's `ConsumerGroup.validateMemberEpoch`: ILLEGAL_GENERATION for a classic member,
/// STALE_MEMBER_EPOCH for a consumer-protocol one.
fn validate_member_epoch(member: &ConsumerMember, epoch: i32) -> Result<(), ResponseError> {
    match () {
        () if epoch == member.member_epoch => Ok(()),
        () if member.classic.is_some() => Err(ResponseError::IllegalGeneration),
        () => Err(ResponseError::StaleMemberEpoch),
    }
}

/// Kafka's `ConsumerGroup.validateOffsetFetch`: anyone who names no member and no epoch (an
/// admin, a client outside group management) may read; a member must be known at its epoch.
fn validate_offset_fetch(
    group: &ConsumerGroup,
    fetcher: &OffsetFetcher,
) -> Result<(), ResponseError> {
    if fetcher.is_anonymous() {
        return Ok(());
    }
    let member = fetcher
        .member_id
        .as_ref()
        .and_then(|id| group.members.get(id))
        .ok_or(ResponseError::UnknownMemberId)?;
    validate_member_epoch(member, fetcher.member_epoch)
}

/// An empty consumer group's records are removed before it serves classic members.
fn convert_to_classic(group: &ConsumerGroup, log: &mut dyn GroupLog) -> bool {
    match log.append(group.group_tombstones()) {
        Ok(_) => true,
        Err(e) => {
            warn!(group = %group.group_id, error = ?e, "cannot convert the consumer group");
            false
        }
    }
}

/// Timers of the consumer group; the records they need are appended here.
pub fn on_timers(
    classic: &mut ClassicGroup,
    slot: &mut Option<ConsumerGroup>,
    now_ms: i64,
    log: &mut dyn GroupLog,
) {
    let Some(group) = slot.as_mut() else {
        return;
    };
    if group.next_deadline_ms().is_none_or(|d| d > now_ms) {
        return;
    }
    let mut changed = group.clone();
    let mut records = Vec::new();
    changed.on_timers(now_ms, &mut records);
    if migration::should_downgrade(group, &changed) {
        let before = group.clone();
        match downgrade(classic, &before, &changed, Vec::new(), true, now_ms, log) {
            Ok(()) => *slot = None,
            Err(e) => warn!(group = %before.group_id, error = ?e, "cannot downgrade the group"),
        }
        return;
    }
    match append(log, records) {
        Ok(()) => {
            if changed.is_empty() && !group.is_empty() {
                classic.state_timestamp_ms = now_ms;
            }
            *group = changed;
        }
        Err(e) => warn!(group = %group.group_id, error = ?e, "cannot remove timed-out members"),
    }
}

/// Offsets expire only while the consumer group (if it is one) is empty; a group expired away
/// takes its consumer records along.
pub fn expire_offsets(
    classic: &mut ClassicGroup,
    slot: &mut Option<ConsumerGroup>,
    now_ms: i64,
    log: &mut dyn GroupLog,
) {
    if slot.as_ref().is_some_and(|g| !g.is_empty()) {
        return;
    }
    classic.expire_offsets(now_ms, log);
    if classic.state == GroupState::Dead {
        if let Some(group) = slot.take() {
            if let Err(e) = log.append(group.group_tombstones()) {
                warn!(group = %group.group_id, error = ?e, "cannot remove the consumer group's records");
            }
        }
    }
}

/// What a partition's records leave of one consumer group.
#[derive(Debug, Default)]
pub struct LoadedConsumerGroup {
    epoch: Option<i32>,
    assignment_epoch: i32,
    topics: Vec<TopicMetadata>,
    members: BTreeMap<String, MemberMetadataValue>,
    targets: BTreeMap<String, Assignment>,
    current: BTreeMap<String, CurrentAssignmentValue>,
}

impl LoadedConsumerGroup {
    /// Replays one record (`value` `None`: a tombstone).
    pub fn replay(&mut self, key: &ConsumerRecordKey, value: Option<&[u8]>) {
        let value = match value.map(|v| ConsumerRecordValue::decode(key, v)) {
            None => None,
            Some(Ok(v)) => Some(v),
            Some(Err(e)) => {
                warn!(group = key.group(), error = %e, "skipping an unreadable consumer group record");
                return;
            }
        };
        match (key, value) {
            (ConsumerRecordKey::GroupMetadata { .. }, Some(ConsumerRecordValue::Epoch(e))) => {
                self.epoch = Some(e)
            }
            (ConsumerRecordKey::GroupMetadata { .. }, _) => *self = Self::default(),
            (ConsumerRecordKey::TargetAssignmentMetadata { .. }, v) => {
                self.assignment_epoch = match v {
                    Some(ConsumerRecordValue::Epoch(e)) => e,
                    _ => 0,
                }
            }
            (ConsumerRecordKey::PartitionMetadata { .. }, v) => {
                self.topics = match v {
                    Some(ConsumerRecordValue::PartitionMetadata(t)) => t,
                    _ => Vec::new(),
                }
            }
            (ConsumerRecordKey::MemberMetadata { member, .. }, v) => match v {
                Some(ConsumerRecordValue::MemberMetadata(m)) => {
                    self.members.insert(member.clone(), m);
                }
                _ => {
                    self.members.remove(member);
                }
            },
            (ConsumerRecordKey::TargetAssignmentMember { member, .. }, v) => match v {
                Some(ConsumerRecordValue::TargetAssignment(a)) => {
                    self.targets.insert(member.clone(), a);
                }
                _ => {
                    self.targets.remove(member);
                }
            },
            (ConsumerRecordKey::CurrentMemberAssignment { member, .. }, v) => match v {
                Some(ConsumerRecordValue::CurrentAssignment(c)) => {
                    self.current.insert(member.clone(), c);
                }
                _ => {
                    self.current.remove(member);
                }
            },
        }
    }

    /// The group, if its epoch record stands; sessions start at `now_ms`.
    pub fn build(
        self,
        group_id: String,
        config: ConsumerConfig,
        now_ms: i64,
    ) -> Option<ConsumerGroup> {
        let epoch = self.epoch?;
        let mut group = ConsumerGroup::new(group_id, config);
        group.group_epoch = epoch;
        group.assignment_epoch = self.assignment_epoch;
        group.subscription_metadata = self
            .topics
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        for (member_id, m) in self.members {
            let mut member = ConsumerMember::new(member_id.clone(), now_ms);
            member.classic = m.classic;
            member.session_deadline_ms = now_ms + member.session_timeout_ms(&group.config);
            member.instance_id = m.instance_id;
            member.rack_id = m.rack_id;
            member.client_id = m.client_id;
            member.client_host = m.client_host;
            member.subscribed_topic_names = m.subscribed_topic_names;
            member.subscribed_topic_regex = m
                .subscribed_topic_regex
                .as_deref()
                .and_then(TopicRegex::new);
            member.rebalance_timeout_ms = m.rebalance_timeout_ms;
            member.server_assignor = m.server_assignor;
            if let Some(c) = self.current.get(&member_id) {
                member.member_epoch = c.member_epoch;
                member.previous_member_epoch = c.previous_member_epoch;
                member.state = MemberState::from_code(c.state);
                member.assigned = c.assigned.clone();
                member.pending_revocation = c.pending_revocation.clone();
            }
            group.insert_member(member);
        }
        group.target = self
            .targets
            .into_iter()
            .filter(|(m, _)| group.members.contains_key(m))
            .collect();
        Some(group)
    }
}
