//! A classic group's state, as Kafka's `ClassicGroup`: its members, generation, chosen protocol
//! and leader, and the state machine Empty → PreparingRebalance → CompletingRebalance → Stable
//! (Dead once deleted). The rebalance steps are in `join.rs` and `membership.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};

use bytes::Bytes;
use tokio::sync::oneshot;

use super::api::{DescribedMember, GroupDescription, JoinResult, JoinedMember, SyncResult};
use super::offsets::Offsets;
use super::records::{GroupMetadataValue, MemberMetadata};
use super::GroupConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

impl GroupState {
    /// The name Kafka's DescribeGroups and ListGroups give the state.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }
}

#[derive(Debug)]
pub struct Member {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub rebalance_timeout_ms: i32,
    pub session_timeout_ms: i32,
    pub protocol_type: String,
    pub protocols: Vec<(String, Bytes)>,
    pub assignment: Bytes,
    pub awaiting_join: Option<oneshot::Sender<JoinResult>>,
    pub awaiting_sync: Option<oneshot::Sender<SyncResult>>,
    /// Joined but not yet through a completed join phase (KIP-394's longer join timeout).
    pub is_new: bool,
    /// When the member is removed unless it heartbeats (or joins, syncs, commits) again.
    pub heartbeat_deadline_ms: i64,
}

impl Member {
    /// The member's metadata for `protocol`.
    pub fn metadata(&self, protocol: &str) -> Option<&Bytes> {
        self.protocols
            .iter()
            .find(|(name, _)| name == protocol)
            .map(|(_, m)| m)
    }

    /// Same protocols with the same metadata, in the same order.
    pub fn matches(&self, protocols: &[(String, Bytes)]) -> bool {
        self.protocols == protocols
    }

    pub fn answer_join(&mut self, result: JoinResult) {
        if let Some(reply) = self.awaiting_join.take() {
            // The client may have gone: nobody to tell.
            let _ = reply.send(result);
        }
    }

    pub fn answer_sync(&mut self, result: SyncResult) {
        if let Some(reply) = self.awaiting_sync.take() {
            let _ = reply.send(result);
        }
    }
}

/// The wait before completing the first join phase of an empty group
/// (`group.initial.rebalance.delay.ms`), extended while new members keep arriving.
#[derive(Debug, Clone, Copy)]
pub struct InitialDelay {
    pub delay_ms: i64,
    pub remaining_ms: i64,
    pub new_member_added: bool,
}

#[derive(Debug)]
pub struct ClassicGroup {
    pub group_id: String,
    pub config: GroupConfig,
    pub state: GroupState,
    pub previous_state: GroupState,
    pub state_timestamp_ms: i64,
    pub generation_id: i32,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub leader_id: Option<String>,
    /// By member id, in join order (Kafka's leader falls back to the first member).
    pub members: BTreeMap<u64, Member>,
    next_member_seq: u64,
    /// group.instance.id -> member id of the static member using it.
    pub static_members: HashMap<String, String>,
    /// Members given an id with MEMBER_ID_REQUIRED, until they rejoin or time out.
    pub pending_members: HashMap<String, i64>,
    /// Members of this generation that have not sent SyncGroup yet.
    pub pending_sync: HashSet<String>,
    pub join_deadline_ms: Option<i64>,
    pub initial_delay: Option<InitialDelay>,
    pub sync_deadline_ms: Option<i64>,
    pub offsets: Offsets,
    /// TxnOffsetCommit offsets by producer id, pending until the transaction's marker.
    pub pending_transactional: BTreeMap<i64, Offsets>,
    /// The group's metadata changed in a way that must be written (it became Empty).
    pub needs_store: bool,
}

impl ClassicGroup {
    pub fn new(group_id: String, config: GroupConfig, now_ms: i64) -> Self {
        ClassicGroup {
            group_id,
            config,
            state: GroupState::Empty,
            previous_state: GroupState::Empty,
            state_timestamp_ms: now_ms,
            generation_id: 0,
            protocol_type: None,
            protocol_name: None,
            leader_id: None,
            members: BTreeMap::new(),
            next_member_seq: 0,
            static_members: HashMap::new(),
            pending_members: HashMap::new(),
            pending_sync: HashSet::new(),
            join_deadline_ms: None,
            initial_delay: None,
            sync_deadline_ms: None,
            offsets: Offsets::default(),
            pending_transactional: BTreeMap::new(),
            needs_store: false,
        }
    }

    /// The group as its last GroupMetadata record left it (members Stable with their
    /// assignments; their sessions start now).
    pub fn from_record(
        group_id: String,
        config: GroupConfig,
        value: GroupMetadataValue,
        now_ms: i64,
    ) -> Self {
        let mut group = ClassicGroup::new(group_id, config, now_ms);
        group.generation_id = value.generation;
        group.protocol_type = Some(value.protocol_type).filter(|t| !t.is_empty());
        group.protocol_name = value.protocol.clone();
        group.leader_id = value.leader;
        if value.current_state_timestamp >= 0 {
            group.state_timestamp_ms = value.current_state_timestamp;
        }
        for m in value.members {
            let protocols = vec![(
                value.protocol.clone().unwrap_or_default(),
                m.subscription.clone(),
            )];
            group.add_member(Member {
                member_id: m.member_id,
                group_instance_id: m.group_instance_id,
                client_id: m.client_id,
                client_host: m.client_host,
                rebalance_timeout_ms: m.rebalance_timeout_ms.max(m.session_timeout_ms),
                session_timeout_ms: m.session_timeout_ms,
                protocol_type: group.protocol_type.clone().unwrap_or_default(),
                protocols,
                assignment: m.assignment,
                awaiting_join: None,
                awaiting_sync: None,
                is_new: false,
                heartbeat_deadline_ms: now_ms + i64::from(m.session_timeout_ms),
            });
        }
        if !group.members.is_empty() {
            group.state = GroupState::Stable;
        }
        group
    }

    /// The GroupMetadata record of the group as it stands.
    pub fn to_record(&self) -> GroupMetadataValue {
        let protocol = self.protocol_name.clone().unwrap_or_default();
        GroupMetadataValue {
            protocol_type: self.protocol_type.clone().unwrap_or_default(),
            generation: self.generation_id,
            protocol: self.protocol_name.clone(),
            leader: self.leader_id.clone(),
            current_state_timestamp: self.state_timestamp_ms,
            members: self
                .members
                .values()
                .map(|m| MemberMetadata {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    rebalance_timeout_ms: m.rebalance_timeout_ms,
                    session_timeout_ms: m.session_timeout_ms,
                    subscription: m.metadata(&protocol).cloned().unwrap_or_default(),
                    assignment: m.assignment.clone(),
                })
                .collect(),
        }
    }

    pub fn transition(&mut self, state: GroupState, now_ms: i64) {
        self.previous_state = self.state;
        self.state = state;
        self.state_timestamp_ms = now_ms;
    }

    pub fn add_member(&mut self, member: Member) {
        if self.members.is_empty() {
            self.protocol_type = Some(member.protocol_type.clone());
        }
        if self.leader_id.is_none() {
            self.leader_id = Some(member.member_id.clone());
        }
        if let Some(instance) = &member.group_instance_id {
            self.static_members
                .insert(instance.clone(), member.member_id.clone());
        }
        self.members.insert(self.next_member_seq, member);
        self.next_member_seq += 1;
    }

    pub fn member(&self, member_id: &str) -> Option<&Member> {
        self.members.values().find(|m| m.member_id == member_id)
    }

    pub fn member_mut(&mut self, member_id: &str) -> Option<&mut Member> {
        self.members.values_mut().find(|m| m.member_id == member_id)
    }

    pub fn has_member(&self, member_id: &str) -> bool {
        self.member(member_id).is_some()
    }

    /// Removes a member, telling any request it has waiting that it is no longer known.
    pub fn remove_member(&mut self, member_id: &str) -> Option<Member> {
        let seq = *self
            .members
            .iter()
            .find(|(_, m)| m.member_id == member_id)?
            .0;
        let mut member = self.members.remove(&seq)?;
        member.answer_join(JoinResult::error(
            kafka_protocol::error::ResponseError::UnknownMemberId,
            member_id,
        ));
        member.answer_sync(SyncResult::error(
            kafka_protocol::error::ResponseError::UnknownMemberId,
        ));
        if let Some(instance) = &member.group_instance_id {
            if self.static_members.get(instance).map(String::as_str) == Some(member_id) {
                self.static_members.remove(instance);
            }
        }
        self.pending_sync.remove(member_id);
        if self.leader_id.as_deref() == Some(member_id) {
            self.leader_id = self.members.values().next().map(|m| m.member_id.clone());
        }
        // An Empty group keeps its protocol type, as Kafka's (ListGroups and DescribeGroups
        // still show "consumer").
        Some(member)
    }

    pub fn is_leader(&self, member_id: &str) -> bool {
        self.leader_id.as_deref() == Some(member_id)
    }

    /// Kafka's `validateMember`: a static member must present the member id its instance id
    /// holds (else FENCED_INSTANCE_ID); a dynamic one must be known.
    pub fn validate_member(
        &self,
        member_id: &str,
        group_instance_id: Option<&str>,
    ) -> Result<(), kafka_protocol::error::ResponseError> {
        use kafka_protocol::error::ResponseError;
        match group_instance_id {
            Some(instance) => match self.static_members.get(instance) {
                None => Err(ResponseError::UnknownMemberId),
                Some(existing) if existing != member_id => Err(ResponseError::FencedInstanceId),
                Some(_) => Ok(()),
            },
            None if self.has_member(member_id) => Ok(()),
            None => Err(ResponseError::UnknownMemberId),
        }
    }

    /// The largest rebalance timeout of the members: how long a join phase may last.
    pub fn rebalance_timeout_ms(&self) -> i64 {
        self.members
            .values()
            .map(|m| i64::from(m.rebalance_timeout_ms))
            .max()
            .unwrap_or(0)
    }

    /// Protocols every member supports.
    fn candidate_protocols(&self) -> Vec<String> {
        let mut members = self.members.values();
        let Some(first) = members.next() else {
            return Vec::new();
        };
        let mut candidates: Vec<String> = first.protocols.iter().map(|(n, _)| n.clone()).collect();
        for m in members {
            candidates.retain(|c| m.protocols.iter().any(|(n, _)| n == c));
        }
        candidates
    }

    /// Kafka's `supportsProtocols`: an empty group takes any non-empty protocol list; otherwise
    /// the type must match and one protocol must be supported by every member.
    pub fn supports_protocols(&self, protocol_type: &str, protocols: &[(String, Bytes)]) -> bool {
        if self.members.is_empty() {
            return !protocol_type.is_empty() && !protocols.is_empty();
        }
        self.protocol_type.as_deref() == Some(protocol_type)
            && self
                .candidate_protocols()
                .iter()
                .any(|c| protocols.iter().any(|(n, _)| n == c))
    }

    /// Kafka's `selectProtocol`: each member votes for its most preferred candidate; the most
    /// votes wins (ties to the protocol the first member prefers).
    pub fn select_protocol(&self) -> Option<String> {
        let candidates = self.candidate_protocols();
        let mut votes: Vec<(String, usize)> = candidates.iter().map(|c| (c.clone(), 0)).collect();
        for m in self.members.values() {
            if let Some((name, _)) = m.protocols.iter().find(|(n, _)| candidates.contains(n)) {
                if let Some(v) = votes.iter_mut().find(|(c, _)| c == name) {
                    v.1 += 1;
                }
            }
        }
        let best = votes.iter().map(|(_, n)| *n).max()?;
        let first = self.members.values().next()?;
        first
            .protocols
            .iter()
            .map(|(n, _)| n)
            .find(|n| votes.iter().any(|(c, v)| c == *n && *v == best))
            .cloned()
    }

    /// The members and their metadata for the chosen protocol, as the leader is sent them.
    pub fn joined_members(&self) -> Vec<JoinedMember> {
        let protocol = self.protocol_name.clone().unwrap_or_default();
        self.members
            .values()
            .map(|m| JoinedMember {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                metadata: m.metadata(&protocol).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// A JoinGroup answer carrying the current generation.
    pub fn join_result(&self, member_id: &str, skip_assignment: bool) -> JoinResult {
        let is_leader = self.is_leader(member_id);
        JoinResult {
            error: None,
            generation_id: self.generation_id,
            protocol_type: self.protocol_type.clone(),
            protocol_name: self.protocol_name.clone(),
            leader: self.leader_id.clone().unwrap_or_default(),
            skip_assignment: skip_assignment && is_leader,
            member_id: member_id.to_string(),
            members: if is_leader {
                self.joined_members()
            } else {
                Vec::new()
            },
        }
    }

    /// DescribeGroups: member metadata and assignments only once the group is Stable.
    pub fn describe(&self) -> GroupDescription {
        let stable = self.state == GroupState::Stable;
        let protocol = self.protocol_name.clone().unwrap_or_default();
        GroupDescription {
            state: self.state.name(),
            protocol_type: self.protocol_type.clone().unwrap_or_default(),
            protocol_name: if stable {
                protocol.clone()
            } else {
                String::new()
            },
            members: self
                .members
                .values()
                .map(|m| DescribedMember {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    metadata: if stable {
                        m.metadata(&protocol).cloned().unwrap_or_default()
                    } else {
                        Bytes::new()
                    },
                    assignment: if stable {
                        m.assignment.clone()
                    } else {
                        Bytes::new()
                    },
                })
                .collect(),
        }
    }
}
