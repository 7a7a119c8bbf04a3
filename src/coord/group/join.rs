//! JoinGroup and the join phase of a classic rebalance, as Kafka's `GroupMetadataManager`
//! runs them: new members (MEMBER_ID_REQUIRED from v4), static members replacing their
//! previous incarnation, the initial rebalance delay of an empty group, and completing the
//! join phase once every member has rejoined or the rebalance timeout has passed.

use kafka_protocol::error::ResponseError;
use tokio::sync::oneshot;
use tracing::debug;
use uuid::Uuid;

use super::api::{JoinGroup, JoinResult, SyncResult, UNKNOWN_MEMBER_ID};
use super::classic::{ClassicGroup, GroupState, InitialDelay, Member};
use super::store::{group_metadata_record, GroupLog};

/// How long a new member has to complete its first join (KIP-394), Kafka's fixed 5 minutes.
const NEW_MEMBER_JOIN_TIMEOUT_MS: i64 = 5 * 60 * 1000;

type JoinReply = oneshot::Sender<JoinResult>;

impl ClassicGroup {
    /// Handles one JoinGroup; the answer goes to `reply` now or when the join phase completes.
    pub fn join(
        &mut self,
        request: JoinGroup,
        reply: JoinReply,
        now_ms: i64,
        log: &mut dyn GroupLog,
    ) {
        let member_id = request.member_id.clone();
        let fail = |reply: JoinReply, error| {
            let _ = reply.send(JoinResult::error(error, &member_id));
        };
        if self.state == GroupState::Dead {
            return fail(reply, ResponseError::CoordinatorNotAvailable);
        }
        if !self.supports_protocols(&request.protocol_type, &request.protocols) {
            return fail(reply, ResponseError::InconsistentGroupProtocol);
        }
        if !self.accepts_joining_member(&member_id) {
            return fail(reply, ResponseError::GroupMaxSizeReached);
        }
        if member_id == UNKNOWN_MEMBER_ID {
            self.join_new_member(request, reply, now_ms, log);
        } else {
            self.join_existing_member(request, reply, now_ms);
        }
    }

    /// Kafka's `acceptJoiningMember`: `group.max.size` counts the members of the phase under way.
    fn accepts_joining_member(&self, member_id: &str) -> bool {
        let max = usize::try_from(self.config.max_size).unwrap_or(usize::MAX);
        match self.state {
            GroupState::Empty | GroupState::Dead => true,
            GroupState::PreparingRebalance => {
                self.member(member_id)
                    .is_some_and(|m| m.awaiting_join.is_some())
                    || self
                        .members
                        .values()
                        .filter(|m| m.awaiting_join.is_some())
                        .count()
                        < max
            }
            GroupState::CompletingRebalance | GroupState::Stable => {
                self.has_member(member_id) || self.members.len() < max
            }
        }
    }

    fn join_new_member(
        &mut self,
        request: JoinGroup,
        reply: JoinReply,
        now_ms: i64,
        log: &mut dyn GroupLog,
    ) {
        let new_member_id = format!("{}-{}", request.client_id, Uuid::new_v4());
        if let Some(instance) = request.group_instance_id.clone() {
            match self.static_members.get(&instance).cloned() {
                Some(old_member_id) => self.replace_static_member(
                    request,
                    reply,
                    &old_member_id,
                    new_member_id,
                    now_ms,
                    log,
                ),
                None => self.add_member_and_rebalance(request, reply, new_member_id, now_ms),
            }
        } else if request.require_known_member_id {
            self.pending_members.insert(
                new_member_id.clone(),
                now_ms + i64::from(request.session_timeout_ms),
            );
            let _ = reply.send(JoinResult::error(
                ResponseError::MemberIdRequired,
                &new_member_id,
            ));
        } else {
            self.add_member_and_rebalance(request, reply, new_member_id, now_ms);
        }
    }

    fn join_existing_member(&mut self, request: JoinGroup, reply: JoinReply, now_ms: i64) {
        let member_id = request.member_id.clone();
        if self.pending_members.remove(&member_id).is_some() {
            return self.add_member_and_rebalance(request, reply, member_id, now_ms);
        }
        if let Err(e) = self.validate_member(&member_id, request.group_instance_id.as_deref()) {
            let _ = reply.send(JoinResult::error(e, &member_id));
            return;
        }
        let Some(member) = self.member(&member_id) else {
            let _ = reply.send(JoinResult::error(
                ResponseError::UnknownMemberId,
                &member_id,
            ));
            return;
        };
        let unchanged = member.matches(&request.protocols);
        match self.state {
            GroupState::PreparingRebalance => {
                self.update_member_and_rebalance(request, reply, now_ms)
            }
            GroupState::CompletingRebalance if unchanged => {
                let _ = reply.send(self.join_result(&member_id, false));
            }
            GroupState::Stable if unchanged && !self.is_leader(&member_id) => {
                let _ = reply.send(self.join_result(&member_id, false));
            }
            GroupState::CompletingRebalance | GroupState::Stable => {
                self.update_member_and_rebalance(request, reply, now_ms)
            }
            GroupState::Empty | GroupState::Dead => {
                let _ = reply.send(JoinResult::error(
                    ResponseError::UnknownMemberId,
                    &member_id,
                ));
            }
        }
    }

    fn add_member_and_rebalance(
        &mut self,
        request: JoinGroup,
        reply: JoinReply,
        member_id: String,
        now_ms: i64,
    ) {
        if self.state == GroupState::PreparingRebalance && self.previous_state == GroupState::Empty
        {
            if let Some(delay) = &mut self.initial_delay {
                delay.new_member_added = true;
            }
        }
        self.add_member(Member {
            member_id,
            group_instance_id: request.group_instance_id,
            client_id: request.client_id,
            client_host: request.client_host,
            rebalance_timeout_ms: request.rebalance_timeout_ms,
            session_timeout_ms: request.session_timeout_ms,
            protocol_type: request.protocol_type,
            protocols: request.protocols,
            assignment: Default::default(),
            awaiting_join: Some(reply),
            awaiting_sync: None,
            is_new: true,
            heartbeat_deadline_ms: now_ms + NEW_MEMBER_JOIN_TIMEOUT_MS,
        });
        self.rebalance_or_complete_join(now_ms);
    }

    fn update_member_and_rebalance(&mut self, request: JoinGroup, reply: JoinReply, now_ms: i64) {
        if let Some(member) = self.member_mut(&request.member_id) {
            member.protocols = request.protocols;
            member.rebalance_timeout_ms = request.rebalance_timeout_ms;
            member.session_timeout_ms = request.session_timeout_ms;
            member.client_id = request.client_id;
            member.client_host = request.client_host;
            // A retried join replaces the earlier one, which gets nothing (as Kafka's).
            member.awaiting_join = Some(reply);
        }
        self.rebalance_or_complete_join(now_ms);
    }

    /// A static member rejoined with a new member id: the old id is fenced. A Stable group whose
    /// chosen protocol still fits keeps its assignment (no rebalance); otherwise it rebalances.
    fn replace_static_member(
        &mut self,
        request: JoinGroup,
        reply: JoinReply,
        old_member_id: &str,
        new_member_id: String,
        now_ms: i64,
        log: &mut dyn GroupLog,
    ) {
        let was_leader = self.is_leader(old_member_id);
        let Some(member) = self.member_mut(old_member_id) else {
            let _ = reply.send(JoinResult::error(
                ResponseError::UnknownMemberId,
                &request.member_id,
            ));
            return;
        };
        member.answer_join(JoinResult::error(
            ResponseError::FencedInstanceId,
            old_member_id,
        ));
        member.answer_sync(SyncResult::error(ResponseError::FencedInstanceId));
        let old = std::mem::replace(&mut member.member_id, new_member_id.clone());
        let previous_protocols =
            std::mem::replace(&mut member.protocols, request.protocols.clone());
        member.client_id = request.client_id.clone();
        member.client_host = request.client_host.clone();
        member.session_timeout_ms = request.session_timeout_ms;
        member.rebalance_timeout_ms = request.rebalance_timeout_ms;
        member.heartbeat_deadline_ms = now_ms + i64::from(request.session_timeout_ms);
        if let Some(instance) = &request.group_instance_id {
            self.static_members
                .insert(instance.clone(), new_member_id.clone());
        }
        if was_leader {
            self.leader_id = Some(new_member_id.clone());
        }
        if self.pending_sync.remove(&old) {
            self.pending_sync.insert(new_member_id.clone());
        }
        let protocol_fits = self
            .protocol_name
            .as_ref()
            .is_some_and(|p| request.protocols.iter().any(|(n, _)| n == p));
        match self.state {
            GroupState::Stable if protocol_fits => {
                if let Err(e) = log.append(vec![group_metadata_record(self)]) {
                    // Undo: the previous incarnation stays the member.
                    if let Some(member) = self.member_mut(&new_member_id) {
                        member.member_id = old.clone();
                        member.protocols = previous_protocols;
                    }
                    if let Some(instance) = &request.group_instance_id {
                        self.static_members.insert(instance.clone(), old.clone());
                    }
                    if was_leader {
                        self.leader_id = Some(old);
                    }
                    let _ = reply.send(JoinResult::error(e, UNKNOWN_MEMBER_ID));
                    return;
                }
                debug!(group = %self.group_id, member = %new_member_id, "static member rejoined without a rebalance");
                let _ = reply.send(self.join_result(&new_member_id, true));
            }
            _ => {
                if let Some(member) = self.member_mut(&new_member_id) {
                    member.awaiting_join = Some(reply);
                }
                self.rebalance_or_complete_join(now_ms);
            }
        }
    }

    /// Kafka's `maybePrepareRebalanceOrCompleteJoin`.
    fn rebalance_or_complete_join(&mut self, now_ms: i64) {
        match self.state {
            GroupState::Stable | GroupState::CompletingRebalance | GroupState::Empty => {
                self.prepare_rebalance(now_ms)
            }
            GroupState::PreparingRebalance => self.maybe_complete_join(now_ms),
            GroupState::Dead => {}
        }
    }

    /// Starts a join phase: pending syncs learn of the rebalance, and the phase lasts until every
    /// member rejoined (after the initial delay for an empty group) or the rebalance timeout.
    pub fn prepare_rebalance(&mut self, now_ms: i64) {
        if self.state == GroupState::CompletingRebalance {
            for member in self.members.values_mut() {
                member.assignment = Default::default();
                member.answer_sync(SyncResult::error(ResponseError::RebalanceInProgress));
            }
        }
        self.pending_sync.clear();
        self.sync_deadline_ms = None;
        let rebalance_timeout = self.rebalance_timeout_ms();
        if self.state == GroupState::Empty {
            let delay = i64::from(self.config.initial_rebalance_delay_ms);
            self.initial_delay = Some(InitialDelay {
                delay_ms: delay,
                remaining_ms: (rebalance_timeout - delay).max(0),
                new_member_added: false,
            });
            self.join_deadline_ms = Some(now_ms + delay);
        } else {
            self.initial_delay = None;
            self.join_deadline_ms = Some(now_ms + rebalance_timeout);
        }
        debug!(group = %self.group_id, generation = self.generation_id, "preparing rebalance");
        self.transition(GroupState::PreparingRebalance, now_ms);
        self.maybe_complete_join(now_ms);
    }

    fn all_members_joined(&self) -> bool {
        self.pending_members.is_empty() && self.members.values().all(|m| m.awaiting_join.is_some())
    }

    /// Completes the join phase early once everyone is in, except during the initial delay.
    pub fn maybe_complete_join(&mut self, now_ms: i64) {
        if self.state == GroupState::PreparingRebalance
            && self.initial_delay.is_none()
            && self.all_members_joined()
        {
            self.complete_join(now_ms);
        }
    }

    /// The join deadline passed: extend the initial delay while new members keep coming, else
    /// complete the join phase.
    pub fn on_join_deadline(&mut self, now_ms: i64) {
        if let Some(delay) = self.initial_delay {
            if delay.new_member_added && delay.remaining_ms > 0 {
                let next = delay.delay_ms.min(delay.remaining_ms);
                self.initial_delay = Some(InitialDelay {
                    delay_ms: next,
                    remaining_ms: (delay.remaining_ms - delay.delay_ms).max(0),
                    new_member_added: false,
                });
                self.join_deadline_ms = Some(now_ms + next);
                return;
            }
        }
        self.complete_join(now_ms);
    }

    /// Members that did not rejoin are removed; the rest start the next generation, the leader
    /// receiving every member's metadata. An empty result leaves the group Empty.
    pub fn complete_join(&mut self, now_ms: i64) {
        self.initial_delay = None;
        self.join_deadline_ms = None;
        let stragglers: Vec<String> = self
            .members
            .values()
            .filter(|m| m.awaiting_join.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        for id in stragglers {
            self.remove_member(&id);
        }
        self.generation_id += 1;
        if self.members.is_empty() {
            self.protocol_name = None;
            self.leader_id = None;
            self.transition(GroupState::Empty, now_ms);
            self.needs_store = true;
            return;
        }
        self.protocol_name = self.select_protocol();
        if self
            .leader_id
            .as_deref()
            .is_none_or(|l| !self.has_member(l))
        {
            self.leader_id = self.members.values().next().map(|m| m.member_id.clone());
        }
        self.transition(GroupState::CompletingRebalance, now_ms);
        let ids: Vec<String> = self.members.values().map(|m| m.member_id.clone()).collect();
        for id in ids {
            let result = self.join_result(&id, false);
            if let Some(member) = self.member_mut(&id) {
                member.answer_join(result);
                member.is_new = false;
                member.heartbeat_deadline_ms = now_ms + i64::from(member.session_timeout_ms);
            }
            self.pending_sync.insert(id);
        }
        self.sync_deadline_ms = Some(now_ms + self.rebalance_timeout_ms());
        debug!(group = %self.group_id, generation = self.generation_id, "join phase complete");
    }
}
