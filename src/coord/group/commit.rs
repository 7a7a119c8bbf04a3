//! Offsets and the group's life beyond rebalances: OffsetCommit's generation checks (Kafka's
//! `ClassicGroup.validateOffsetCommit`), OffsetFetch, OffsetDelete, DeleteGroups, and the
//! expiry of an empty group's offsets after `offsets.retention.minutes`.

use kafka_protocol::error::ResponseError;
use tracing::debug;

use super::api::{CommitOffsets, CommitResult, FetchOffsets, FetchedOffsets, UNKNOWN_MEMBER_ID};
use super::classic::{ClassicGroup, GroupState};
use super::records::subscribed_topics;
use super::store::{group_tombstone, offset_record, offset_tombstone, GroupLog};

/// Per partition: the error, if any.
pub type DeleteOffsetsResult = Result<Vec<Option<ResponseError>>, ResponseError>;

impl ClassicGroup {
    fn validate_offset_commit(&self, request: &CommitOffsets) -> Result<(), ResponseError> {
        if self.state == GroupState::Dead {
            return Err(ResponseError::CoordinatorNotAvailable);
        }
        if request.generation_id < 0 && self.state == GroupState::Empty {
            return Ok(());
        }
        if request.generation_id >= 0
            || request.member_id != UNKNOWN_MEMBER_ID
            || request.group_instance_id.is_some()
        {
            self.validate_member(&request.member_id, request.group_instance_id.as_deref())?;
            if request.generation_id != self.generation_id {
                return Err(ResponseError::IllegalGeneration);
            }
        } else if self.state != GroupState::Empty {
            return Err(ResponseError::UnknownMemberId);
        }
        if self.state == GroupState::CompletingRebalance {
            return Err(ResponseError::RebalanceInProgress);
        }
        Ok(())
    }

    /// Checks the committer, writes every acceptable offset in one batch, then applies them.
    pub fn commit_offsets(
        &mut self,
        request: CommitOffsets,
        now_ms: i64,
        log: &mut dyn GroupLog,
    ) -> CommitResult {
        self.validate_offset_commit(&request)?;
        self.touch(&request.member_id, now_ms);
        let max = self.config.offset_metadata_max_bytes;
        let mut results = Vec::with_capacity(request.offsets.len());
        let mut accepted = Vec::new();
        for (topic, partition, mut offset) in request.offsets {
            if offset.metadata.len() > max {
                results.push(Some(ResponseError::OffsetMetadataTooLarge));
                continue;
            }
            offset.commit_timestamp_ms = now_ms;
            offset.expire_timestamp_ms = if request.retention_time_ms >= 0 {
                now_ms.saturating_add(request.retention_time_ms)
            } else {
                -1
            };
            results.push(None);
            accepted.push((topic, partition, offset));
        }
        if accepted.is_empty() {
            return Ok(results);
        }
        let records = accepted
            .iter()
            .map(|(t, p, o)| offset_record(&self.group_id, t, *p, o))
            .collect();
        if let Err(e) = log.append(records) {
            return Ok(results.into_iter().map(|r| r.or(Some(e))).collect());
        }
        for (topic, partition, offset) in accepted {
            self.offsets.put(topic, partition, offset);
        }
        Ok(results)
    }

    pub fn fetch_offsets(&self, topics: FetchOffsets) -> FetchedOffsets {
        match topics {
            None => self
                .offsets
                .all()
                .map(|(t, p, o)| (t.to_string(), p, Some(o.clone())))
                .collect(),
            Some(topics) => topics
                .into_iter()
                .flat_map(|(topic, partitions)| {
                    partitions.into_iter().map(move |p| (topic.clone(), p))
                })
                .map(|(topic, p)| {
                    let offset = self.offsets.get(&topic, p).cloned();
                    (topic, p, offset)
                })
                .collect(),
        }
    }

    /// Whether a member's consumer-protocol subscription names `topic` (an unreadable one
    /// counts as naming every topic, as in Kafka).
    fn is_subscribed_to(&self, topic: &str) -> bool {
        let protocol = self.protocol_name.clone().unwrap_or_default();
        self.members.values().any(|m| {
            m.metadata(&protocol)
                .and_then(|s| subscribed_topics(s))
                .is_none_or(|topics| topics.iter().any(|t| t == topic))
        })
    }

    /// OffsetDelete: refused for a group with members unless it uses the consumer protocol,
    /// and per partition for topics a member is subscribed to.
    pub fn delete_offsets(
        &mut self,
        partitions: Vec<(String, i32)>,
        log: &mut dyn GroupLog,
    ) -> DeleteOffsetsResult {
        match self.state {
            GroupState::Dead => return Err(ResponseError::GroupIdNotFound),
            GroupState::Empty => {}
            _ if self.protocol_type.as_deref() != Some("consumer") => {
                return Err(ResponseError::NonEmptyGroup)
            }
            _ => {}
        }
        let mut results = Vec::with_capacity(partitions.len());
        let mut deleted = Vec::new();
        for (topic, partition) in partitions {
            if self.state != GroupState::Empty && self.is_subscribed_to(&topic) {
                results.push(Some(ResponseError::GroupSubscribedToTopic));
                continue;
            }
            if self.offsets.get(&topic, partition).is_some() {
                deleted.push((topic, partition));
            }
            results.push(None);
        }
        if !deleted.is_empty() {
            let records = deleted
                .iter()
                .map(|(t, p)| offset_tombstone(&self.group_id, t, *p))
                .collect();
            log.append(records)?;
            for (t, p) in deleted {
                self.offsets.remove(&t, p);
            }
        }
        Ok(results)
    }

    /// DeleteGroups: only an empty group; its offsets and metadata get tombstones.
    pub fn delete(&mut self, now_ms: i64, log: &mut dyn GroupLog) -> Option<ResponseError> {
        match self.state {
            GroupState::Dead => return Some(ResponseError::GroupIdNotFound),
            GroupState::Empty => {}
            _ => return Some(ResponseError::NonEmptyGroup),
        }
        let mut records: Vec<_> = self
            .offsets
            .all()
            .map(|(t, p, _)| offset_tombstone(&self.group_id, t, p))
            .collect();
        records.push(group_tombstone(&self.group_id));
        if let Err(e) = log.append(records) {
            return Some(e);
        }
        self.offsets = Default::default();
        self.transition(GroupState::Dead, now_ms);
        None
    }

    /// Removes the offsets of an empty group that outlived `offsets.retention.minutes` (counted
    /// from when the group became empty), and the group itself once nothing is left.
    pub fn expire_offsets(&mut self, now_ms: i64, log: &mut dyn GroupLog) {
        if self.state != GroupState::Empty {
            return;
        }
        let expired = self.offsets.expired(
            now_ms,
            self.config.offsets_retention_ms,
            Some(self.state_timestamp_ms),
        );
        if !expired.is_empty() {
            let records = expired
                .iter()
                .map(|(t, p)| offset_tombstone(&self.group_id, t, *p))
                .collect();
            if log.append(records).is_err() {
                return;
            }
            debug!(group = %self.group_id, count = expired.len(), "offsets expired");
            for (t, p) in expired {
                self.offsets.remove(&t, p);
            }
        }
        if self.offsets.is_empty() && log.append(vec![group_tombstone(&self.group_id)]).is_ok() {
            debug!(group = %self.group_id, "empty group without offsets removed");
            self.transition(GroupState::Dead, now_ms);
        }
    }
}
