//! SyncGroup, Heartbeat, LeaveGroup and the timers of a classic group (member sessions,
//! pending members, the sync phase), as Kafka's `GroupMetadataManager` runs them.

use std::collections::HashMap;

use bytes::Bytes;
use kafka_protocol::error::ResponseError;
use tokio::sync::oneshot;
use tracing::debug;

use super::api::{Heartbeat, LeaveResult, LeavingMember, SyncGroup, SyncResult, UNKNOWN_MEMBER_ID};
use super::classic::{ClassicGroup, GroupState};
use super::store::{group_metadata_record, GroupLog};

impl ClassicGroup {
    pub fn sync(
        &mut self,
        request: SyncGroup,
        reply: oneshot::Sender<SyncResult>,
        now_ms: i64,
        log: &mut dyn GroupLog,
    ) {
        if let Err(e) = self.validate_sync(&request) {
            let _ = reply.send(SyncResult::error(e));
            return;
        }
        match self.state {
            GroupState::Empty => {
                let _ = reply.send(SyncResult::error(ResponseError::UnknownMemberId));
            }
            GroupState::PreparingRebalance => {
                let _ = reply.send(SyncResult::error(ResponseError::RebalanceInProgress));
            }
            GroupState::CompletingRebalance => {
                self.pending_sync.remove(&request.member_id);
                if let Some(member) = self.member_mut(&request.member_id) {
                    member.awaiting_sync = Some(reply);
                    member.heartbeat_deadline_ms = now_ms + i64::from(member.session_timeout_ms);
                }
                if self.is_leader(&request.member_id) {
                    self.complete_sync(request.assignments, now_ms, log);
                }
            }
            GroupState::Stable => {
                self.pending_sync.remove(&request.member_id);
                let assignment = self
                    .member(&request.member_id)
                    .map(|m| m.assignment.clone())
                    .unwrap_or_default();
                let _ = reply.send(self.sync_result(assignment));
            }
            GroupState::Dead => {
                let _ = reply.send(SyncResult::error(ResponseError::CoordinatorNotAvailable));
            }
        }
    }

    fn validate_sync(&self, request: &SyncGroup) -> Result<(), ResponseError> {
        if self.state == GroupState::Dead {
            return Err(ResponseError::CoordinatorNotAvailable);
        }
        self.validate_member(&request.member_id, request.group_instance_id.as_deref())?;
        if request.generation_id != self.generation_id {
            return Err(ResponseError::IllegalGeneration);
        }
        let inconsistent =
            |asked: &Option<String>, ours: &Option<String>| asked.is_some() && asked != ours;
        if inconsistent(&request.protocol_type, &self.protocol_type)
            || inconsistent(&request.protocol_name, &self.protocol_name)
        {
            return Err(ResponseError::InconsistentGroupProtocol);
        }
        Ok(())
    }

    fn sync_result(&self, assignment: Bytes) -> SyncResult {
        SyncResult {
            error: None,
            protocol_type: self.protocol_type.clone(),
            protocol_name: self.protocol_name.clone(),
            assignment,
        }
    }

    /// The leader's assignment: written with the group's metadata, then handed to every member
    /// waiting in SyncGroup, and the group is Stable. If the write fails, the members are told
    /// and the group rebalances.
    fn complete_sync(
        &mut self,
        assignments: Vec<(String, Bytes)>,
        now_ms: i64,
        log: &mut dyn GroupLog,
    ) {
        let mut by_member: HashMap<String, Bytes> = assignments.into_iter().collect();
        for member in self.members.values_mut() {
            member.assignment = by_member.remove(&member.member_id).unwrap_or_default();
        }
        if let Err(e) = log.append(vec![group_metadata_record(self)]) {
            for member in self.members.values_mut() {
                member.assignment = Bytes::new();
                member.answer_sync(SyncResult::error(e));
            }
            self.prepare_rebalance(now_ms);
            return;
        }
        self.transition(GroupState::Stable, now_ms);
        let results: Vec<SyncResult> = self
            .members
            .values()
            .map(|m| self.sync_result(m.assignment.clone()))
            .collect();
        for (member, result) in self.members.values_mut().zip(results) {
            member.answer_sync(result);
        }
        debug!(group = %self.group_id, generation = self.generation_id, "group is stable");
    }

    pub fn heartbeat(&mut self, request: Heartbeat, now_ms: i64) -> Option<ResponseError> {
        if self.state == GroupState::Dead {
            return Some(ResponseError::CoordinatorNotAvailable);
        }
        if let Err(e) =
            self.validate_member(&request.member_id, request.group_instance_id.as_deref())
        {
            return Some(e);
        }
        if request.generation_id != self.generation_id {
            return Some(ResponseError::IllegalGeneration);
        }
        if self.state == GroupState::Empty {
            return Some(ResponseError::UnknownMemberId);
        }
        if let Some(member) = self.member_mut(&request.member_id) {
            member.heartbeat_deadline_ms = now_ms + i64::from(member.session_timeout_ms);
        }
        (self.state == GroupState::PreparingRebalance).then_some(ResponseError::RebalanceInProgress)
    }

    /// An offset commit from a member counts as a heartbeat.
    pub fn touch(&mut self, member_id: &str, now_ms: i64) {
        if let Some(member) = self.member_mut(member_id) {
            member.heartbeat_deadline_ms = now_ms + i64::from(member.session_timeout_ms);
        }
    }

    pub fn leave(&mut self, members: Vec<LeavingMember>, now_ms: i64) -> LeaveResult {
        if self.state == GroupState::Dead {
            return Err(ResponseError::CoordinatorNotAvailable);
        }
        let mut removed_any = false;
        let results = members
            .into_iter()
            .map(|leaving| {
                let member_id = match &leaving.group_instance_id {
                    Some(instance) => match self.static_members.get(instance) {
                        None => return Some(ResponseError::UnknownMemberId),
                        Some(existing)
                            if leaving.member_id != UNKNOWN_MEMBER_ID
                                && *existing != leaving.member_id =>
                        {
                            return Some(ResponseError::FencedInstanceId)
                        }
                        Some(existing) => existing.clone(),
                    },
                    None => leaving.member_id.clone(),
                };
                if self.pending_members.remove(&member_id).is_some() {
                    removed_any = true;
                    return None;
                }
                if self.remove_member(&member_id).is_none() {
                    return Some(ResponseError::UnknownMemberId);
                }
                debug!(group = %self.group_id, member = %member_id, "member left");
                removed_any = true;
                None
            })
            .collect();
        if removed_any {
            self.after_removal(now_ms);
        }
        Ok(results)
    }

    /// A member is gone: a settled group rebalances, a joining one may now be complete.
    fn after_removal(&mut self, now_ms: i64) {
        match self.state {
            GroupState::Stable | GroupState::CompletingRebalance => self.prepare_rebalance(now_ms),
            GroupState::PreparingRebalance => self.maybe_complete_join(now_ms),
            GroupState::Empty | GroupState::Dead => {}
        }
    }

    /// The earliest moment a timer of the group fires.
    pub fn next_deadline_ms(&self) -> Option<i64> {
        let sessions = self
            .members
            .values()
            .filter(|m| m.is_new || (m.awaiting_join.is_none() && m.awaiting_sync.is_none()))
            .map(|m| m.heartbeat_deadline_ms);
        let pending = self.pending_members.values().copied();
        sessions
            .chain(pending)
            .chain(self.join_deadline_ms)
            .chain(self.sync_deadline_ms)
            .min()
    }

    /// Fires every timer due at `now_ms`: expired sessions and pending members are removed,
    /// the join phase completes, members that never synced are removed.
    pub fn on_timers(&mut self, now_ms: i64) {
        let expired_pending: Vec<String> = self
            .pending_members
            .iter()
            .filter(|(_, deadline)| **deadline <= now_ms)
            .map(|(id, _)| id.clone())
            .collect();
        let mut removed_any = !expired_pending.is_empty();
        for id in expired_pending {
            self.pending_members.remove(&id);
        }
        let expired: Vec<String> = self
            .members
            .values()
            .filter(|m| {
                (m.is_new || (m.awaiting_join.is_none() && m.awaiting_sync.is_none()))
                    && m.heartbeat_deadline_ms <= now_ms
            })
            .map(|m| m.member_id.clone())
            .collect();
        for id in expired {
            debug!(group = %self.group_id, member = %id, "member session expired");
            self.remove_member(&id);
            removed_any = true;
        }
        if removed_any {
            self.after_removal(now_ms);
        }
        if self.join_deadline_ms.is_some_and(|d| d <= now_ms) {
            if self.state == GroupState::PreparingRebalance {
                self.on_join_deadline(now_ms);
            } else {
                self.join_deadline_ms = None;
            }
        }
        if self.sync_deadline_ms.is_some_and(|d| d <= now_ms) {
            self.sync_deadline_ms = None;
            let unsynced: Vec<String> = self.pending_sync.drain().collect();
            if matches!(
                self.state,
                GroupState::CompletingRebalance | GroupState::Stable
            ) && !unsynced.is_empty()
            {
                for id in unsynced {
                    self.remove_member(&id);
                }
                self.after_removal(now_ms);
            }
        }
    }
}
