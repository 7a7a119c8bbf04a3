//! ConsumerGroupHeartbeat on a consumer group, as Kafka's `GroupMetadataManager`: a member joins
//! with epoch 0, heartbeats with its epoch, leaves with -1 (a static member with -2, keeping its
//! partitions for a restart within its session). Each heartbeat (1) updates the member and bumps
//! the group epoch when subscriptions or the subscribed topics changed, (2) recomputes the target
//! assignment when the group epoch is ahead of it, (3) moves the member one step towards its
//! target (Kafka's `CurrentAssignmentBuilder`). Sessions and revocations time out here too.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kafka_protocol::error::ResponseError;
use regex::Regex;
use tracing::debug;
use uuid::Uuid;

use super::assignor::Assignor;
use super::records::TopicMetadata;
use super::{
    Assignment, ConsumerConfig, ConsumerGroup, ConsumerMember, MemberState,
    LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH,
};
use crate::broker::handlers::metadata::is_internal_topic;
use crate::coord::partition_loader::CoordinatorRecord;
use crate::metadata::image::MetadataImage;

/// One ConsumerGroupHeartbeat, its "unchanged" fields as `None` (and -1 for the timeout).
#[derive(Debug, Clone)]
pub struct ConsumerHeartbeat {
    pub version: i16,
    pub member_id: String,
    pub member_epoch: i32,
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    pub rebalance_timeout_ms: i32,
    pub subscribed_topic_names: Option<Vec<String>>,
    pub subscribed_topic_regex: Option<String>,
    pub server_assignor: Option<String>,
    pub owned: Option<Vec<(Uuid, Vec<i32>)>>,
    pub client_id: String,
    pub client_host: String,
    /// The broker's metadata when the request came: subscriptions resolve against it.
    pub image: Arc<MetadataImage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatAnswer {
    pub error: Option<ResponseError>,
    pub message: Option<String>,
    pub member_id: Option<String>,
    pub member_epoch: i32,
    pub heartbeat_interval_ms: i32,
    /// Only when the member must learn it (a full request, or it changed).
    pub assignment: Option<Assignment>,
}

impl HeartbeatAnswer {
    pub fn error(error: ResponseError, message: impl Into<Option<String>>) -> Self {
        HeartbeatAnswer {
            error: Some(error),
            message: message.into(),
            member_id: None,
            member_epoch: 0,
            heartbeat_interval_ms: 0,
            assignment: None,
        }
    }
}

type Refusal = (ResponseError, String);

fn invalid(message: &str) -> Refusal {
    (ResponseError::InvalidRequest, message.to_string())
}

/// A topic regex as Kafka matches it: the whole name (RE2 syntax; the `regex` crate's is the
/// same but for a few Perl-only escapes, which both refuse).
pub fn compile_regex(regex: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{regex})$"))
}

/// A member's subscription regex, compiled once when the member sets it (heartbeats resolve
/// it against every topic). Two are equal when their sources are.
#[derive(Debug, Clone)]
pub struct TopicRegex {
    source: String,
    compiled: Regex,
}

impl TopicRegex {
    /// `None` for an empty regex (no regex subscription) or one that does not compile (a
    /// heartbeat refuses those; a record might still hold one).
    pub fn new(source: &str) -> Option<Self> {
        let compiled = compile_regex(source).ok().filter(|_| !source.is_empty())?;
        Some(TopicRegex {
            source: source.to_string(),
            compiled,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the regex subscribes to `topic`: never to an internal topic, as Kafka's.
    pub fn matches(&self, topic: &str) -> bool {
        !is_internal_topic(topic) && self.compiled.is_match(topic)
    }
}

impl PartialEq for TopicRegex {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for TopicRegex {}

/// Kafka's `throwIfConsumerGroupHeartbeatRequestIsInvalid`, before any group is looked up.
pub fn validate(
    group_id: &str,
    request: &ConsumerHeartbeat,
    config: &ConsumerConfig,
) -> Result<(), Refusal> {
    let empty = |s: &Option<String>| s.as_deref() == Some("");
    if group_id.is_empty() {
        return Err(invalid("GroupId can't be empty."));
    }
    if empty(&request.instance_id) {
        return Err(invalid("InstanceId can't be empty."));
    }
    if empty(&request.rack_id) {
        return Err(invalid("RackId can't be empty."));
    }
    let epoch = request.member_epoch;
    if request.member_id.is_empty() && (request.version >= 1 || epoch != 0) {
        return Err(invalid("MemberId can't be empty."));
    }
    match epoch {
        0 => {
            if request.rebalance_timeout_ms == -1 {
                return Err(invalid(
                    "RebalanceTimeoutMs must be provided in first request.",
                ));
            }
            if request.owned.as_ref().is_none_or(|o| !o.is_empty()) {
                return Err(invalid("TopicPartitions must be empty when (re-)joining."));
            }
            let no_names = request
                .subscribed_topic_names
                .as_ref()
                .is_none_or(Vec::is_empty);
            if no_names
                && request
                    .subscribed_topic_regex
                    .as_deref()
                    .is_none_or(str::is_empty)
            {
                return Err(invalid(
                    "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.",
                ));
            }
        }
        LEAVE_GROUP_STATIC_MEMBER_EPOCH if request.instance_id.is_none() => {
            return Err(invalid("InstanceId can't be null."));
        }
        e if e < LEAVE_GROUP_STATIC_MEMBER_EPOCH => return Err(invalid("MemberEpoch is invalid.")),
        _ => {}
    }
    if let Some(regex) = request.subscribed_topic_regex.as_deref() {
        if let Err(e) = compile_regex(regex) {
            return Err((
                ResponseError::InvalidRegularExpression,
                format!("SubscribedTopicRegex `{regex}` is not a valid regular expression: {e}."),
            ));
        }
    }
    if let Some(assignor) = request.server_assignor.as_deref() {
        if !config
            .assignors
            .iter()
            .any(|a| Assignor::from_name(assignor) == Some(*a))
        {
            let names: Vec<&str> = config.assignors.iter().map(|a| a.name()).collect();
            return Err((
                ResponseError::UnsupportedAssignor,
                format!(
                    "ServerAssignor {assignor} is not supported. Supported assignors: {}.",
                    names.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Whether the member still reports owning any of `partitions` (not reporting counts as yes).
fn owns_any(owned: Option<&[(Uuid, Vec<i32>)]>, partitions: &Assignment) -> bool {
    let Some(owned) = owned else {
        return true;
    };
    owned.iter().any(|(topic, ps)| {
        partitions
            .get(topic)
            .is_some_and(|revoking| ps.iter().any(|p| revoking.contains(p)))
    })
}

fn is_subset(owned: Option<&[(Uuid, Vec<i32>)]>, assigned: &Assignment) -> bool {
    owned.is_some_and(|owned| {
        owned.iter().all(|(topic, ps)| {
            assigned
                .get(topic)
                .is_some_and(|a| ps.iter().all(|p| a.contains(p)))
        })
    })
}

impl ConsumerGroup {
    /// Applies one heartbeat, adding the records it needs to `records`. The caller appends them
    /// and keeps the group as changed only if that succeeds.
    pub fn heartbeat(
        &mut self,
        request: ConsumerHeartbeat,
        now_ms: i64,
        records: &mut Vec<CoordinatorRecord>,
    ) -> Result<HeartbeatAnswer, Refusal> {
        if request.member_epoch == LEAVE_GROUP_MEMBER_EPOCH
            || request.member_epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH
        {
            return self.leave(&request, records);
        }
        let owned = request.owned.as_deref();
        let (mut member, is_new) = self.member_for(&request, now_ms, records)?;
        let before = member.clone();
        if let Some(instance) = &request.instance_id {
            member.instance_id = Some(instance.clone());
        }
        if request.rack_id.is_some() {
            member.rack_id.clone_from(&request.rack_id);
        }
        if request.rebalance_timeout_ms != -1 {
            member.rebalance_timeout_ms = request.rebalance_timeout_ms;
        }
        if request.server_assignor.is_some() {
            member.server_assignor.clone_from(&request.server_assignor);
        }
        if let Some(names) = &request.subscribed_topic_names {
            member.subscribed_topic_names.clone_from(names);
        }
        if let Some(regex) = &request.subscribed_topic_regex {
            if member
                .subscribed_topic_regex
                .as_ref()
                .map(TopicRegex::source)
                != Some(regex)
            {
                member.subscribed_topic_regex = TopicRegex::new(regex);
            }
        }
        member.client_id.clone_from(&request.client_id);
        member.client_host.clone_from(&request.client_host);
        member.session_deadline_ms = now_ms + i64::from(self.config.session_timeout_ms);
        let bump = is_new
            || before.subscribed_topic_names != member.subscribed_topic_names
            || before.subscribed_topic_regex != member.subscribed_topic_regex
            || before.server_assignor != member.server_assignor;
        let changed = is_new || before.metadata_value() != member.metadata_value();
        let member_id = member.member_id.clone();
        self.store_member(member, changed, bump, &request.image, records);
        // The member one step closer to its target.
        let previous = self.members.get(&member_id).cloned();
        self.reconcile(&member_id, owned, now_ms);
        let Some(updated) = self.members.get(&member_id) else {
            return Err((ResponseError::UnknownMemberId, String::new()));
        };
        if previous
            .as_ref()
            .map(ConsumerMember::current_assignment_value)
            != Some(updated.current_assignment_value())
            || is_new
        {
            records.push(self.current_assignment_record(updated));
        }
        let full = request.member_epoch == 0
            || (request.rebalance_timeout_ms != -1
                && request.subscribed_topic_names.is_some()
                && request.owned.is_some());
        let changed = before.assigned != updated.assigned;
        Ok(HeartbeatAnswer {
            error: None,
            message: None,
            member_id: Some(member_id),
            member_epoch: updated.member_epoch,
            heartbeat_interval_ms: self.config.heartbeat_interval_ms,
            assignment: (full || changed).then(|| updated.assigned.clone()),
        })
    }

    /// The member a heartbeat is from: new, rejoining, or known with a valid epoch.
    fn member_for(
        &mut self,
        request: &ConsumerHeartbeat,
        now_ms: i64,
        records: &mut Vec<CoordinatorRecord>,
    ) -> Result<(ConsumerMember, bool), Refusal> {
        let member_id = if request.member_id.is_empty() {
            Uuid::new_v4().to_string()
        } else {
            request.member_id.clone()
        };
        let full = usize::try_from(self.config.max_size).unwrap_or(usize::MAX);
        let joining_new = |group: &ConsumerGroup| {
            if group.members.len() >= full {
                Err((
                    ResponseError::GroupMaxSizeReached,
                    format!(
                        "The consumer group has reached its maximum capacity of {full} members."
                    ),
                ))
            } else {
                Ok((ConsumerMember::new(member_id.clone(), now_ms), true))
            }
        };
        if request.member_epoch != 0 {
            let member = self
                .known_member(&member_id, request.instance_id.as_deref())
                .map_err(|e| (e, format!("Member {member_id} is not known.")))?;
            let epoch = request.member_epoch;
            let fenced = epoch > member.member_epoch
                || (epoch < member.member_epoch
                    && (epoch != member.previous_member_epoch
                        || !is_subset(request.owned.as_deref(), &member.assigned)));
            if fenced {
                return Err((
                    ResponseError::FencedMemberEpoch,
                    format!(
                        "The member epoch ({epoch}) is not the coordinator's ({}). The member must abandon all its partitions and rejoin.",
                        member.member_epoch
                    ),
                ));
            }
            return Ok((member.clone(), false));
        }
        let Some(instance) = &request.instance_id else {
            return match self.members.get(&member_id) {
                Some(m) => Ok((m.clone(), false)),
                None => joining_new(self),
            };
        };
        let Some(holder) = self.static_members.get(instance).cloned() else {
            return joining_new(self);
        };
        let Some(previous) = self.members.get(&holder).cloned() else {
            return joining_new(self);
        };
        if holder == member_id {
            return Ok((previous, false));
        }
        if previous.member_epoch != LEAVE_GROUP_STATIC_MEMBER_EPOCH {
            return Err((
                ResponseError::UnreleasedInstanceId,
                format!("Static member {member_id} with instance id {instance} cannot join the group because the instance id is owned by member {holder}."),
            ));
        }
        // The static member is back: its partitions and target pass to its new member id.
        let target = self.target.get(&holder).cloned().unwrap_or_default();
        records.extend(self.member_tombstones(&holder));
        self.remove_member(&holder);
        let mut member = previous;
        member.member_id = member_id.clone();
        member.member_epoch = 0;
        member.previous_member_epoch = 0;
        records.push(self.member_metadata_record(&member));
        records.push(self.target_record(&member_id, &target));
        self.target.insert(member_id, target);
        debug!(group = %self.group_id, %instance, "static member rejoined");
        Ok((member, false))
    }

    fn leave(
        &mut self,
        request: &ConsumerHeartbeat,
        records: &mut Vec<CoordinatorRecord>,
    ) -> Result<HeartbeatAnswer, Refusal> {
        let member_id = &request.member_id;
        self.known_member(member_id, request.instance_id.as_deref())
            .map_err(|e| (e, format!("Member {member_id} is not known.")))?;
        if request.member_epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH {
            // Kept, partitions and all, until it rejoins or its session ends.
            if let Some(member) = self.members.get_mut(member_id) {
                member.previous_member_epoch = member.member_epoch;
                member.member_epoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH;
                member.revocation_deadline_ms = None;
            }
            if let Some(member) = self.members.get(member_id) {
                records.push(self.current_assignment_record(member));
            }
            debug!(group = %self.group_id, member = %member_id, "static member left for now");
        } else {
            self.fence_member(member_id, records);
            debug!(group = %self.group_id, member = %member_id, "member left");
        }
        Ok(HeartbeatAnswer {
            error: None,
            message: None,
            member_id: Some(member_id.clone()),
            member_epoch: request.member_epoch,
            heartbeat_interval_ms: 0,
            assignment: None,
        })
    }

    /// Removes a member (left, session or revocation timed out) and bumps the group epoch so
    /// the others get its partitions.
    pub fn fence_member(&mut self, member_id: &str, records: &mut Vec<CoordinatorRecord>) {
        if self.remove_member(member_id).is_none() {
            return;
        }
        records.extend(self.member_tombstones(member_id));
        self.group_epoch += 1;
        records.push(self.group_epoch_record());
    }

    /// Every member's topics (names and regex matches), as they exist in `image`.
    /// Takes an updated member (its metadata record written when `changed`), then, as Kafka's
    /// heartbeat does for both kinds of member: the subscribed topics as the image has them
    /// now, a group epoch bump when they or the member's subscription (`bump`) changed, and a
    /// new target assignment for the new epoch.
    pub(super) fn store_member(
        &mut self,
        member: ConsumerMember,
        changed: bool,
        mut bump: bool,
        image: &MetadataImage,
        records: &mut Vec<CoordinatorRecord>,
    ) {
        if changed {
            records.push(self.member_metadata_record(&member));
        }
        self.insert_member(member);
        let metadata = self.subscription_metadata_from(image);
        if metadata != self.subscription_metadata {
            self.subscription_metadata = metadata;
            records.push(self.partition_metadata_record());
            bump = true;
        }
        if bump {
            self.group_epoch += 1;
            records.push(self.group_epoch_record());
            debug!(group = %self.group_id, epoch = self.group_epoch, "group epoch bumped");
        }
        if self.group_epoch > self.assignment_epoch {
            self.compute_target_assignment(records);
        }
    }

    pub(super) fn subscription_metadata_from(
        &self,
        image: &MetadataImage,
    ) -> BTreeMap<String, TopicMetadata> {
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for member in self.members.values() {
            names.extend(member.subscribed_topic_names.iter().map(String::as_str));
            if let Some(regex) = &member.subscribed_topic_regex {
                names.extend(
                    image
                        .topics
                        .keys()
                        .filter(|t| regex.matches(t))
                        .map(String::as_str),
                );
            }
        }
        names
            .into_iter()
            .filter_map(|name| {
                let topic = image.topic(name)?;
                Some((
                    name.to_string(),
                    TopicMetadata {
                        topic_id: topic.topic_id,
                        name: name.to_string(),
                        partitions: i32::try_from(topic.partitions.len()).unwrap_or(i32::MAX),
                    },
                ))
            })
            .collect()
    }

    /// The topic ids a member subscribes to, among the group's subscribed topics.
    fn member_topics(&self, member: &ConsumerMember) -> BTreeSet<Uuid> {
        self.subscription_metadata
            .values()
            .filter(|t| {
                member.subscribed_topic_names.contains(&t.name)
                    || member
                        .subscribed_topic_regex
                        .as_ref()
                        .is_some_and(|r| r.matches(&t.name))
            })
            .map(|t| t.topic_id)
            .collect()
    }

    pub(super) fn compute_target_assignment(&mut self, records: &mut Vec<CoordinatorRecord>) {
        let subscriptions: BTreeMap<String, BTreeSet<Uuid>> = self
            .members
            .values()
            .map(|m| (m.member_id.clone(), self.member_topics(m)))
            .collect();
        let topics: BTreeMap<Uuid, i32> = self
            .subscription_metadata
            .values()
            .map(|t| (t.topic_id, t.partitions))
            .collect();
        let target = self
            .assignor()
            .assign(&subscriptions, &topics, &self.target);
        for (member, assignment) in &target {
            if self.target.get(member) != Some(assignment) {
                records.push(self.target_record(member, assignment));
            }
        }
        self.target = target;
        self.assignment_epoch = self.group_epoch;
        records.push(self.assignment_epoch_record());
    }

    /// One step of Kafka's `CurrentAssignmentBuilder` for `member_id`.
    pub(super) fn reconcile(
        &mut self,
        member_id: &str,
        owned: Option<&[(Uuid, Vec<i32>)]>,
        now_ms: i64,
    ) {
        let Some(member) = self.members.get(member_id) else {
            return;
        };
        let next_epoch = match member.state {
            MemberState::Stable if member.member_epoch == self.assignment_epoch => None,
            MemberState::Stable | MemberState::UnreleasedPartitions => Some(member.member_epoch),
            MemberState::UnrevokedPartitions if owns_any(owned, &member.pending_revocation) => None,
            MemberState::UnrevokedPartitions => Some(member.member_epoch + 1),
        };
        if let Some(epoch) = next_epoch {
            let next = self.next_assignment(member, epoch, owned);
            self.members.insert(member_id.to_string(), next);
        }
        // A classic member's deadlines are its join and sync timeouts (`classic_members.rs`).
        if let Some(member) = self
            .members
            .get_mut(member_id)
            .filter(|m| m.classic.is_none())
        {
            if member.state == MemberState::UnrevokedPartitions {
                let timeout = i64::from(member.rebalance_timeout_ms.max(0));
                member
                    .revocation_deadline_ms
                    .get_or_insert(now_ms + timeout);
            } else {
                member.revocation_deadline_ms = None;
            }
        }
    }

    fn next_assignment(
        &self,
        member: &ConsumerMember,
        epoch: i32,
        owned: Option<&[(Uuid, Vec<i32>)]>,
    ) -> ConsumerMember {
        let empty = Assignment::new();
        let target = self.target.get(&member.member_id).unwrap_or(&empty);
        let mut assigned = Assignment::new();
        let mut revoking = Assignment::new();
        let mut to_assign = Assignment::new();
        let mut unreleased = false;
        let topics: BTreeSet<&Uuid> = target.keys().chain(member.assigned.keys()).collect();
        for topic in topics {
            let wanted = target.get(topic).cloned().unwrap_or_default();
            let current = member.assigned.get(topic).cloned().unwrap_or_default();
            let kept: BTreeSet<i32> = current.intersection(&wanted).copied().collect();
            let revoke: BTreeSet<i32> = current.difference(&kept).copied().collect();
            let mut free = BTreeSet::new();
            for p in wanted.difference(&kept) {
                if self.owner_epoch(topic, *p).is_some() {
                    unreleased = true;
                } else {
                    free.insert(*p);
                }
            }
            for (set, into) in [
                (kept, &mut assigned),
                (revoke, &mut revoking),
                (free, &mut to_assign),
            ] {
                if !set.is_empty() {
                    into.insert(*topic, set);
                }
            }
        }
        let mut next = member.clone();
        next.previous_member_epoch = member.member_epoch;
        if !revoking.is_empty() && owns_any(owned, &revoking) {
            next.state = MemberState::UnrevokedPartitions;
            next.member_epoch = epoch;
            next.assigned = assigned;
            next.pending_revocation = revoking;
            return next;
        }
        for (topic, partitions) in to_assign {
            assigned.entry(topic).or_default().extend(partitions);
        }
        next.state = if unreleased {
            MemberState::UnreleasedPartitions
        } else {
            MemberState::Stable
        };
        next.member_epoch = self.assignment_epoch;
        next.assigned = assigned;
        next.pending_revocation = Assignment::new();
        next
    }

    /// The earliest session or revocation deadline of the members.
    pub fn next_deadline_ms(&self) -> Option<i64> {
        self.members
            .values()
            .flat_map(|m| [Some(m.session_deadline_ms), m.revocation_deadline_ms])
            .flatten()
            .min()
    }

    /// Removes the members whose session ended or who did not revoke in time.
    pub fn on_timers(&mut self, now_ms: i64, records: &mut Vec<CoordinatorRecord>) {
        let expired: Vec<String> = self
            .members
            .values()
            .filter(|m| {
                m.session_deadline_ms <= now_ms
                    || m.revocation_deadline_ms.is_some_and(|d| d <= now_ms)
            })
            .map(|m| m.member_id.clone())
            .collect();
        for member_id in expired {
            debug!(group = %self.group_id, member = %member_id, "member fenced by a timeout");
            self.fence_member(&member_id, records);
        }
    }
}
