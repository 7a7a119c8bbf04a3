//! Members speaking the classic protocol inside a consumer group, as Kafka 4's
//! `GroupMetadataManager` serves them (`classicGroupJoinToConsumerGroup`,
//! `classicGroupSyncToConsumerGroup`, `classicGroupHeartbeatToConsumerGroup`,
//! `classicGroupLeaveToConsumerGroup`): the coordinator, not a leader, assigns their partitions.
//!
//! - JoinGroup updates the member from its embedded subscription (topics, owned partitions,
//!   rack), bumps the group epoch when its subscription changed, recomputes the target and moves
//!   the member one step towards it, as a heartbeat would; the answer's generation is the
//!   member epoch. The member must then sync within its rebalance timeout.
//! - SyncGroup hands it its assigned partitions, in the consumer protocol version it speaks.
//! - Heartbeat answers REBALANCE_IN_PROGRESS while the member must rejoin (the group epoch moved
//!   on, it has partitions to revoke, or partitions it waits for were released); it must rejoin
//!   within its rebalance timeout.
//! - LeaveGroup removes the member and bumps the group epoch.

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition as AssignedTopic;
use kafka_protocol::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use tracing::debug;
use uuid::Uuid;

use super::records::ClassicMemberMetadata;
use super::{Assignment, ConsumerGroup, ConsumerMember, MemberState};
use crate::coord::group::api::{
    Heartbeat, JoinGroup, JoinResult, LeavingMember, SyncGroup, SyncResult, UNKNOWN_MEMBER_ID,
};
use crate::coord::partition_loader::CoordinatorRecord;
use crate::metadata::image::MetadataImage;

/// The protocol type of members that may join a consumer group.
pub const CONSUMER_PROTOCOL_TYPE: &str = "consumer";

/// The newest ConsumerProtocolSubscription / Assignment layout; newer ones only add fields.
const NEWEST_EMBEDDED_VERSION: i16 = 3;

/// What a classic member's JoinGroup metadata says (Kafka's ConsumerProtocolSubscription).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbeddedSubscription {
    pub topics: Vec<String>,
    pub owned: Vec<(String, Vec<i32>)>,
    pub rack_id: Option<String>,
}

/// The version a consumer-protocol payload starts with (its first two bytes).
fn embedded_version(payload: &[u8]) -> Option<i16> {
    let version = i16::from_be_bytes([*payload.first()?, *payload.get(1)?]);
    (version >= 0).then_some(version.min(NEWEST_EMBEDDED_VERSION))
}

/// A member's subscription, `None` when the bytes are not one.
pub fn decode_subscription(metadata: &Bytes) -> Option<EmbeddedSubscription> {
    let version = embedded_version(metadata)?;
    let mut body = metadata.slice(2..);
    let subscription = ConsumerProtocolSubscription::decode(&mut body, version).ok()?;
    Some(EmbeddedSubscription {
        topics: subscription
            .topics
            .iter()
            .map(ToString::to_string)
            .collect(),
        owned: subscription
            .owned_partitions
            .into_iter()
            .map(|t| (t.topic.0.to_string(), t.partitions))
            .collect(),
        rack_id: subscription.rack_id.map(|r| r.to_string()),
    })
}

/// A member's assignment in the consumer protocol `version` (Kafka answers in the version of the
/// member's first protocol's subscription).
pub fn encode_assignment(partitions: &[(String, Vec<i32>)], version: i16) -> Bytes {
    let assignment = ConsumerProtocolAssignment::default().with_assigned_partitions(
        partitions
            .iter()
            .map(|(topic, ps)| {
                AssignedTopic::default()
                    .with_topic(StrBytes::from_string(topic.clone()).into())
                    .with_partitions(ps.clone())
            })
            .collect(),
    );
    let mut buf = BytesMut::new();
    buf.put_i16(version);
    // Every field of every version is encodable: this cannot fail.
    match assignment.encode(&mut buf, version) {
        Ok(()) => buf.freeze(),
        Err(_) => Bytes::new(),
    }
}

/// A classic member's assignment as topic names and partitions, `None` when not one.
pub fn decode_assignment(payload: &Bytes) -> Option<Vec<(String, Vec<i32>)>> {
    if payload.is_empty() {
        return Some(Vec::new());
    }
    let version = embedded_version(payload)?;
    let mut body = payload.slice(2..);
    let assignment = ConsumerProtocolAssignment::decode(&mut body, version).ok()?;
    Some(
        assignment
            .assigned_partitions
            .into_iter()
            .map(|t| (t.topic.0.to_string(), t.partitions))
            .collect(),
    )
}

/// Topic names to ids as `image` has them; unknown topics are left out.
pub fn by_topic_id(partitions: &[(String, Vec<i32>)], image: &MetadataImage) -> Assignment {
    let mut assignment = Assignment::new();
    for (name, ps) in partitions {
        if let Some(topic) = image.topic(name) {
            assignment
                .entry(topic.topic_id)
                .or_default()
                .extend(ps.iter().copied());
        }
    }
    assignment.retain(|_, ps| !ps.is_empty());
    assignment
}

impl ClassicMemberMetadata {
    /// The protocol the member is answered with: its first (the one it prefers).
    pub fn protocol_name(&self) -> &str {
        self.protocols.first().map_or("", |(name, _)| name.as_str())
    }

    /// The consumer protocol version of its first protocol's subscription.
    pub fn embedded_version(&self) -> i16 {
        self.protocols
            .first()
            .and_then(|(_, m)| embedded_version(m))
            .unwrap_or(0)
    }
}

impl ConsumerGroup {
    fn classic_members(&self) -> impl Iterator<Item = &ClassicMemberMetadata> {
        self.members.values().filter_map(|m| m.classic.as_ref())
    }

    /// Kafka's `supportsClassicProtocols`: the consumer protocol type, and one of the protocols
    /// every classic member supports.
    fn supports_classic_protocols(
        &self,
        protocol_type: &str,
        protocols: &[(String, Bytes)],
    ) -> bool {
        if protocol_type != CONSUMER_PROTOCOL_TYPE {
            return false;
        }
        if self.is_empty() {
            return !protocols.is_empty();
        }
        protocols.iter().any(|(name, _)| {
            self.classic_members()
                .all(|c| c.protocols.iter().any(|(n, _)| n == name))
        })
    }

    /// Kafka's `validateConsumerGroupMember` and `throwIfMemberDoesNotUseClassicProtocol`.
    fn classic_member(
        &self,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Result<&ConsumerMember, ResponseError> {
        let member = match instance_id {
            None => self.members.get(member_id),
            Some(instance) => {
                let member = self
                    .static_members
                    .get(instance)
                    .and_then(|holder| self.members.get(holder))
                    .ok_or(ResponseError::UnknownMemberId)?;
                if member.member_id != member_id {
                    return Err(ResponseError::FencedInstanceId);
                }
                Some(member)
            }
        };
        member
            .filter(|m| m.classic.is_some())
            .ok_or(ResponseError::UnknownMemberId)
    }

    /// JoinGroup of a classic member; the records it needs go to `records`.
    pub fn classic_join(
        &mut self,
        request: &JoinGroup,
        image: &MetadataImage,
        now_ms: i64,
        records: &mut Vec<CoordinatorRecord>,
    ) -> Result<JoinResult, ResponseError> {
        let unknown = request.member_id == UNKNOWN_MEMBER_ID;
        let member_id = if unknown {
            Uuid::new_v4().to_string()
        } else {
            request.member_id.clone()
        };
        let max = usize::try_from(self.config.max_size).unwrap_or(usize::MAX);
        if !self.members.contains_key(&member_id) && self.members.len() >= max {
            return Err(ResponseError::GroupMaxSizeReached);
        }
        if !self.supports_classic_protocols(&request.protocol_type, &request.protocols) {
            return Err(ResponseError::InconsistentGroupProtocol);
        }
        if unknown && request.group_instance_id.is_none() && request.require_known_member_id {
            return Ok(JoinResult::error(
                ResponseError::MemberIdRequired,
                &member_id,
            ));
        }
        let subscription = request
            .protocols
            .first()
            .and_then(|(_, metadata)| decode_subscription(metadata))
            .ok_or(ResponseError::InconsistentGroupProtocol)?;
        let (mut member, is_new) = self.classic_member_for(request, member_id, records)?;
        let before = member.clone();
        if request.group_instance_id.is_some() {
            member.instance_id.clone_from(&request.group_instance_id);
        }
        if subscription.rack_id.is_some() {
            member.rack_id.clone_from(&subscription.rack_id);
        }
        if request.rebalance_timeout_ms != -1 {
            member.rebalance_timeout_ms = request.rebalance_timeout_ms;
        }
        member
            .subscribed_topic_names
            .clone_from(&subscription.topics);
        member.client_id.clone_from(&request.client_id);
        member.client_host.clone_from(&request.client_host);
        member.classic = Some(ClassicMemberMetadata {
            session_timeout_ms: request.session_timeout_ms,
            protocols: request.protocols.clone(),
        });
        let bump = is_new || before.subscribed_topic_names != member.subscribed_topic_names;
        let changed = is_new || before.metadata_value() != member.metadata_value();
        let member_id = member.member_id.clone();
        self.store_member(member, changed, bump, image, records);
        let owned: Vec<(Uuid, Vec<i32>)> = by_topic_id(&subscription.owned, image)
            .into_iter()
            .map(|(t, ps)| (t, ps.into_iter().collect()))
            .collect();
        let previous = self.members.get(&member_id).cloned();
        self.reconcile(&member_id, Some(&owned), now_ms);
        let Some(updated) = self.members.get_mut(&member_id) else {
            return Err(ResponseError::UnknownMemberId);
        };
        // The member must sync within its rebalance timeout; its session runs meanwhile.
        updated.session_deadline_ms = now_ms + i64::from(request.session_timeout_ms);
        updated.revocation_deadline_ms =
            Some(now_ms + i64::from(updated.rebalance_timeout_ms.max(0)));
        let updated = updated.clone();
        if is_new
            || previous
                .as_ref()
                .map(ConsumerMember::current_assignment_value)
                != Some(updated.current_assignment_value())
        {
            records.push(self.current_assignment_record(&updated));
        }
        debug!(group = %self.group_id, member = %member_id, epoch = updated.member_epoch, "classic member joined the consumer group");
        Ok(JoinResult {
            error: None,
            generation_id: updated.member_epoch,
            protocol_type: Some(CONSUMER_PROTOCOL_TYPE.to_string()),
            protocol_name: updated
                .classic
                .as_ref()
                .map(|c| c.protocol_name().to_string()),
            leader: String::new(),
            skip_assignment: false,
            member_id,
            members: Vec::new(),
        })
    }

    /// The member a classic JoinGroup is from: new, known, or a static member's new
    /// incarnation (which takes over the old one's partitions and target).
    fn classic_member_for(
        &mut self,
        request: &JoinGroup,
        member_id: String,
        records: &mut Vec<CoordinatorRecord>,
    ) -> Result<(ConsumerMember, bool), ResponseError> {
        let unknown = request.member_id == UNKNOWN_MEMBER_ID;
        let existing = match &request.group_instance_id {
            None => self.members.get(&member_id).cloned(),
            Some(instance) => match self.static_members.get(instance).cloned() {
                None => None,
                Some(holder) if holder == member_id => self.members.get(&holder).cloned(),
                Some(_) if !unknown => return Err(ResponseError::FencedInstanceId),
                Some(holder) => {
                    let Some(previous) = self.members.get(&holder).cloned() else {
                        return Ok((ConsumerMember::new(member_id, 0), true));
                    };
                    let target = self.target.get(&holder).cloned().unwrap_or_default();
                    records.extend(self.member_tombstones(&holder));
                    self.remove_member(&holder);
                    let mut member = previous;
                    member.member_id.clone_from(&member_id);
                    member.member_epoch = 0;
                    member.previous_member_epoch = 0;
                    records.push(self.target_record(&member_id, &target));
                    self.target.insert(member_id, target);
                    return Ok((member, true));
                }
            },
        };
        match existing {
            Some(member) if member.classic.is_some() => Ok((member, false)),
            Some(_) => Err(ResponseError::UnknownMemberId),
            None if unknown => Ok((ConsumerMember::new(member_id, 0), true)),
            None => Err(ResponseError::UnknownMemberId),
        }
    }

    /// SyncGroup of a classic member: its assigned partitions.
    pub fn classic_sync(
        &mut self,
        request: &SyncGroup,
        now_ms: i64,
    ) -> Result<SyncResult, ResponseError> {
        let member =
            self.classic_member(&request.member_id, request.group_instance_id.as_deref())?;
        if request.generation_id != member.member_epoch {
            return Err(ResponseError::IllegalGeneration);
        }
        let classic = member
            .classic
            .as_ref()
            .ok_or(ResponseError::UnknownMemberId)?;
        if request
            .protocol_type
            .as_deref()
            .is_some_and(|t| t != CONSUMER_PROTOCOL_TYPE)
            || request
                .protocol_name
                .as_deref()
                .is_some_and(|n| n != classic.protocol_name())
        {
            return Err(ResponseError::InconsistentGroupProtocol);
        }
        let member_id = member.member_id.clone();
        if self.group_epoch > member.member_epoch
            && member.state != MemberState::UnrevokedPartitions
        {
            self.expect_rejoin(&member_id, now_ms);
            return Err(ResponseError::RebalanceInProgress);
        }
        let partitions: Vec<(String, Vec<i32>)> = member
            .assigned
            .iter()
            .filter_map(|(topic, ps)| {
                Some((
                    self.topic_name(topic)?.to_string(),
                    ps.iter().copied().collect(),
                ))
            })
            .collect();
        let result = SyncResult {
            error: None,
            protocol_type: Some(CONSUMER_PROTOCOL_TYPE.to_string()),
            protocol_name: Some(classic.protocol_name().to_string()),
            assignment: encode_assignment(&partitions, classic.embedded_version()),
        };
        let session = member.session_timeout_ms(&self.config);
        if let Some(member) = self.members.get_mut(&member_id) {
            member.revocation_deadline_ms = None;
            member.session_deadline_ms = now_ms + session;
        }
        Ok(result)
    }

    /// Heartbeat of a classic member: REBALANCE_IN_PROGRESS when it must rejoin.
    pub fn classic_heartbeat(
        &mut self,
        request: &Heartbeat,
        now_ms: i64,
    ) -> Result<(), ResponseError> {
        let member =
            self.classic_member(&request.member_id, request.group_instance_id.as_deref())?;
        if request.generation_id != member.member_epoch {
            return Err(ResponseError::IllegalGeneration);
        }
        let rejoin = member.member_epoch < self.group_epoch
            || member.state == MemberState::UnrevokedPartitions
            || (member.state == MemberState::UnreleasedPartitions
                && !self.waits_on_unreleased_partition(member));
        let member_id = member.member_id.clone();
        let session = member.session_timeout_ms(&self.config);
        if let Some(member) = self.members.get_mut(&member_id) {
            member.session_deadline_ms = now_ms + session;
        }
        if rejoin {
            self.expect_rejoin(&member_id, now_ms);
            return Err(ResponseError::RebalanceInProgress);
        }
        Ok(())
    }

    /// A classic member told to rejoin has its rebalance timeout to do so (Kafka's join
    /// timeout, scheduled if absent).
    fn expect_rejoin(&mut self, member_id: &str, now_ms: i64) {
        if let Some(member) = self.members.get_mut(member_id) {
            let timeout = i64::from(member.rebalance_timeout_ms.max(0));
            member
                .revocation_deadline_ms
                .get_or_insert(now_ms + timeout);
        }
    }

    /// Whether a partition of the member's target it does not have yet is still owned.
    fn waits_on_unreleased_partition(&self, member: &ConsumerMember) -> bool {
        self.target.get(&member.member_id).is_some_and(|target| {
            target.iter().any(|(topic, ps)| {
                ps.iter().any(|p| {
                    !member.assigned.get(topic).is_some_and(|a| a.contains(p))
                        && self.owner_epoch(topic, *p).is_some()
                })
            })
        })
    }

    /// LeaveGroup of classic members: one result per member; the group epoch moves on once if
    /// any left.
    pub fn classic_leave(
        &mut self,
        members: &[LeavingMember],
        records: &mut Vec<CoordinatorRecord>,
    ) -> Vec<Option<ResponseError>> {
        let mut left = false;
        let results = members
            .iter()
            .map(|leaving| {
                let member_id = match &leaving.group_instance_id {
                    None => leaving.member_id.clone(),
                    Some(instance) => match self.static_members.get(instance) {
                        None => return Some(ResponseError::UnknownMemberId),
                        Some(holder)
                            if leaving.member_id != UNKNOWN_MEMBER_ID
                                && *holder != leaving.member_id =>
                        {
                            return Some(ResponseError::FencedInstanceId)
                        }
                        Some(holder) => holder.clone(),
                    },
                };
                if self
                    .members
                    .get(&member_id)
                    .is_none_or(|m| m.classic.is_none())
                {
                    return Some(ResponseError::UnknownMemberId);
                }
                self.remove_member(&member_id);
                records.extend(self.member_tombstones(&member_id));
                debug!(group = %self.group_id, member = %member_id, "classic member left the consumer group");
                left = true;
                None
            })
            .collect();
        if left {
            self.group_epoch += 1;
            records.push(self.group_epoch_record());
        }
        results
    }
}
