//! A group with members converting between the protocols, as Kafka 4 does under
//! `group.consumer.migration.policy` (`GroupMetadataManager.convertToConsumerGroup` and
//! `convertToClassicGroup`):
//! - upgrade: a consumer-protocol member joins a classic group of the consumer protocol type.
//!   Its members become classic members of a consumer group at epoch = the generation, each
//!   keeping the partitions it was assigned (which is also its target); the joiner then bumps
//!   the epoch and the members converge on a new target without anyone stopping.
//! - downgrade: the last consumer-protocol member leaves (or is fenced) while classic members
//!   remain. They become a classic group at generation = the group epoch, each assigned its
//!   target, which then rebalances. Or a classic static member replaces the last
//!   consumer-protocol one (same `group.instance.id`): it takes over that member's target and the
//!   classic group stays Stable, no rebalance.
//!
//! Both write what Kafka writes: the old group's tombstones, then the new group's records.

use std::collections::BTreeSet;

use tracing::info;

use super::classic_members::{
    by_topic_id, decode_assignment, decode_subscription, encode_assignment, CONSUMER_PROTOCOL_TYPE,
};
use super::records::ClassicMemberMetadata;
use super::{ConsumerConfig, ConsumerGroup, ConsumerMember, MemberState};
use crate::coord::group::api::{JoinResult, SyncResult};
use crate::coord::group::classic::{ClassicGroup, GroupState, Member};
use crate::coord::group::store::{group_metadata_record, group_tombstone};
use crate::coord::group::GroupConfig;
use crate::coord::partition_loader::CoordinatorRecord;
use crate::metadata::image::MetadataImage;
use kafka_protocol::error::ResponseError;

/// Kafka's `validateOnlineUpgrade`, then the consumer group the classic one becomes, with the
/// records that write it (`None`: this group may not be upgraded). `classic` is left as it is:
/// [`ClassicGroup::hand_over`] empties it once the records are written.
pub fn upgrade(
    classic: &ClassicGroup,
    config: &ConsumerConfig,
    image: &MetadataImage,
    now_ms: i64,
    records: &mut Vec<CoordinatorRecord>,
) -> Option<ConsumerGroup> {
    let max = usize::try_from(config.max_size).unwrap_or(usize::MAX);
    if !config.migration.upgrade
        || classic.protocol_type.as_deref() != Some(CONSUMER_PROTOCOL_TYPE)
        || classic.members.len() > max
    {
        info!(group = %classic.group_id, "the classic group may not be upgraded");
        return None;
    }
    let protocol = classic.protocol_name.clone().unwrap_or_default();
    let generation = classic.generation_id;
    let mut group = ConsumerGroup::new(classic.group_id.clone(), config.clone());
    group.group_epoch = generation;
    group.assignment_epoch = generation;
    for m in classic.members.values() {
        let Some(subscription) = m.metadata(&protocol).and_then(decode_subscription) else {
            info!(group = %classic.group_id, member = %m.member_id, "cannot upgrade: a subscription is not the consumer protocol's");
            return None;
        };
        let assigned = by_topic_id(&decode_assignment(&m.assignment)?, image);
        let mut member = ConsumerMember::new(m.member_id.clone(), now_ms);
        member.member_epoch = generation;
        member.previous_member_epoch = generation;
        member.state = MemberState::Stable;
        member.instance_id.clone_from(&m.group_instance_id);
        member.rack_id = subscription.rack_id;
        member.rebalance_timeout_ms = m.rebalance_timeout_ms;
        member.client_id.clone_from(&m.client_id);
        member.client_host.clone_from(&m.client_host);
        member.subscribed_topic_names = subscription.topics;
        member.assigned = assigned.clone();
        member.classic = Some(ClassicMemberMetadata {
            session_timeout_ms: m.session_timeout_ms,
            protocols: m.protocols.clone(),
        });
        member.session_deadline_ms = now_ms + i64::from(m.session_timeout_ms);
        group.target.insert(member.member_id.clone(), assigned);
        group.insert_member(member);
    }
    // Kafka's order: the classic group's tombstone, then `createConsumerGroupRecords`.
    records.push(group_tombstone(&classic.group_id));
    for member in group.members.values() {
        records.push(group.member_metadata_record(member));
    }
    records.push(group.group_epoch_record());
    for (member_id, target) in &group.target {
        records.push(group.target_record(member_id, target));
    }
    records.push(group.assignment_epoch_record());
    for member in group.members.values() {
        records.push(group.current_assignment_record(member));
    }
    info!(group = %classic.group_id, members = group.members.len(), "classic group upgraded to a consumer group");
    Some(group)
}

/// Whether a step that took `before` to `after` removed the last consumer-protocol member
/// while classic members remain, and the policy lets such a group become classic (Kafka's
/// `validateOnlineDowngradeWithFencedMember`).
pub fn should_downgrade(before: &ConsumerGroup, after: &ConsumerGroup) -> bool {
    let max = usize::try_from(after.config.classic_max_size).unwrap_or(usize::MAX);
    after.config.migration.downgrade
        && !after.is_empty()
        && after.members.values().all(|m| m.classic.is_some())
        && before.members.values().any(|m| m.classic.is_none())
        && after.members.len() <= max
}

/// The classic group `before` becomes without its consumer-protocol members (those `after` no
/// longer has): generation = `before`'s group epoch, each member assigned its target. After a
/// member left, it rebalances (`rebalance`); after a classic static member replaced the last
/// consumer-protocol one (holding its target now), it stays Stable, as Kafka's
/// `convertToClassicGroup` with a joining member. The records go to `records`, which must be
/// written before the group counts (the caller moves the offsets over then).
pub fn downgrade(
    before: &ConsumerGroup,
    after: &ConsumerGroup,
    config: GroupConfig,
    now_ms: i64,
    rebalance: bool,
    records: &mut Vec<CoordinatorRecord>,
) -> ClassicGroup {
    let members: BTreeSet<&String> = before.members.keys().chain(after.members.keys()).collect();
    for member_id in members {
        records.extend(before.member_tombstones(member_id));
    }
    records.extend(before.group_tombstones());
    let mut classic = ClassicGroup::new(before.group_id.clone(), config, now_ms);
    classic.generation_id = before.group_epoch;
    classic.protocol_type = Some(CONSUMER_PROTOCOL_TYPE.to_string());
    for m in after.members.values() {
        let Some(metadata) = &m.classic else {
            continue;
        };
        // A joining static member holds its predecessor's target in `after` only.
        let target = before
            .target
            .get(&m.member_id)
            .or_else(|| after.target.get(&m.member_id))
            .cloned()
            .unwrap_or_default();
        let partitions: Vec<(String, Vec<i32>)> = target
            .iter()
            .filter_map(|(topic, ps)| {
                Some((
                    before.topic_name(topic)?.to_string(),
                    ps.iter().copied().collect(),
                ))
            })
            .collect();
        classic.add_member(Member {
            member_id: m.member_id.clone(),
            group_instance_id: m.instance_id.clone(),
            client_id: m.client_id.clone(),
            client_host: m.client_host.clone(),
            rebalance_timeout_ms: m.rebalance_timeout_ms,
            session_timeout_ms: metadata.session_timeout_ms,
            protocol_type: CONSUMER_PROTOCOL_TYPE.to_string(),
            protocols: metadata.protocols.clone(),
            assignment: encode_assignment(&partitions, metadata.embedded_version()),
            awaiting_join: None,
            awaiting_sync: None,
            is_new: false,
            heartbeat_deadline_ms: now_ms + i64::from(metadata.session_timeout_ms),
        });
    }
    classic.protocol_name = classic.select_protocol();
    classic.transition(GroupState::Stable, now_ms);
    records.push(group_metadata_record(&classic));
    info!(group = %classic.group_id, members = classic.members.len(), "consumer group downgraded to a classic group");
    if rebalance {
        classic.prepare_rebalance(now_ms);
    }
    classic
}

impl ClassicGroup {
    /// The group's members went to a consumer group (an upgrade): requests they have waiting
    /// learn of the rebalance, and the classic side is Empty again, keeping its offsets.
    pub fn hand_over(&mut self, now_ms: i64) {
        for member in self.members.values_mut() {
            member.answer_join(JoinResult::error(
                ResponseError::RebalanceInProgress,
                &member.member_id.clone(),
            ));
            member.answer_sync(SyncResult::error(ResponseError::RebalanceInProgress));
        }
        self.members.clear();
        self.static_members.clear();
        self.pending_members.clear();
        self.pending_sync.clear();
        self.join_deadline_ms = None;
        self.initial_delay = None;
        self.sync_deadline_ms = None;
        self.leader_id = None;
        self.protocol_name = None;
        self.protocol_type = None;
        self.generation_id = 0;
        self.needs_store = false;
        self.transition(GroupState::Empty, now_ms);
    }
}
