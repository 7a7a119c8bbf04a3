//! Offsets and the group's life beyond rebalances: OffsetCommit's generation checks (Kafka's
//! `ClassicGroup.validateOffsetCommit`), OffsetFetch, OffsetDelete, DeleteGroups, and the
//! expiry of an empty group's offsets after `offsets.retention.minutes`. Commits and
//! tombstones take effect once replicated (`offsets.rs`).

use kafka_protocol::error::ResponseError;
use tracing::debug;

use super::api::{
    CommitOffsets, CommitResult, CommittedOffset, FetchOffsets, FetchedOffsets, UNKNOWN_MEMBER_ID,
};
use super::classic::{ClassicGroup, GroupState};
use super::offsets::OffsetChange;
use super::records::subscribed_topics;
use super::store::{group_tombstone, offset_record, offset_tombstone, GroupLog};
use crate::coord::partition_loader::TxnProducer;

/// Per partition: the error, if any.
pub type DeleteOffsetsResult = Result<Vec<Option<ResponseError>>, ResponseError>;

impl ClassicGroup {
    /// Kafka's `ClassicGroup.validateOffsetCommit`: the committer's member and generation when
    /// given. A plain commit is also refused from outside the group while it has members and
    /// during CompletingRebalance; a transactional one (TxnOffsetCommit) is not.
    pub(super) fn validate_offset_commit(
        &self,
        generation_id: i32,
        member_id: &str,
        group_instance_id: Option<&str>,
        transactional: bool,
    ) -> Result<(), ResponseError> {
        if self.state == GroupState::Dead {
            return Err(ResponseError::CoordinatorNotAvailable);
        }
        if generation_id < 0 && self.state == GroupState::Empty {
            return Ok(());
        }
        if generation_id >= 0 || member_id != UNKNOWN_MEMBER_ID || group_instance_id.is_some() {
            self.validate_member(member_id, group_instance_id)?;
            if generation_id != self.generation_id {
                return Err(ResponseError::IllegalGeneration);
            }
        } else if !transactional && self.state != GroupState::Empty {
            return Err(ResponseError::UnknownMemberId);
        }
        if !transactional && self.state == GroupState::CompletingRebalance {
            return Err(ResponseError::RebalanceInProgress);
        }
        Ok(())
    }

    /// Checks the committer, writes every acceptable offset in one batch, and stages them:
    /// they take effect once replicated.
    pub fn commit_offsets(
        &mut self,
        request: CommitOffsets,
        now_ms: i64,
        log: &mut dyn GroupLog,
    ) -> CommitResult {
        self.validate_offset_commit(
            request.generation_id,
            &request.member_id,
            request.group_instance_id.as_deref(),
            false,
        )?;
        self.touch(&request.member_id, now_ms);
        let expire_timestamp_ms = if request.retention_time_ms >= 0 {
            now_ms.saturating_add(request.retention_time_ms)
        } else {
            -1
        };
        let (results, written) =
            self.write_offsets(request.offsets, now_ms, expire_timestamp_ms, None, log);
        if let Some(last) = written.last() {
            self.offsets.stage(last.record_offset + 1, written);
        }
        Ok(results)
    }

    /// Writes the offsets of a commit whose metadata is within `offset.metadata.max.bytes` in
    /// one batch (`producer`'s transactional batch when given), stamped with `now_ms` and
    /// `expire_timestamp_ms`: the error of each partition in request order, and what was
    /// written with the offsets of its records.
    pub(super) fn write_offsets(
        &self,
        offsets: Vec<(String, i32, CommittedOffset)>,
        now_ms: i64,
        expire_timestamp_ms: i64,
        producer: Option<TxnProducer>,
        log: &mut dyn GroupLog,
    ) -> (Vec<Option<ResponseError>>, Vec<OffsetChange>) {
        let max = self.config.offset_metadata_max_bytes;
        let mut results = Vec::with_capacity(offsets.len());
        let mut accepted = Vec::new();
        for (topic, partition, mut offset) in offsets {
            if offset.metadata.len() > max {
                results.push(Some(ResponseError::OffsetMetadataTooLarge));
                continue;
            }
            offset.commit_timestamp_ms = now_ms;
            offset.expire_timestamp_ms = expire_timestamp_ms;
            results.push(None);
            accepted.push((topic, partition, offset));
        }
        if accepted.is_empty() {
            return (results, Vec::new());
        }
        let records = accepted
            .iter()
            .map(|(t, p, o)| offset_record(&self.group_id, t, *p, o))
            .collect();
        let first_record = match log.append_as(producer, records) {
            Ok(first) => first,
            Err(e) => {
                let failed = results.into_iter().map(|r| r.or(Some(e))).collect();
                return (failed, Vec::new());
            }
        };
        let written = (first_record..)
            .zip(accepted)
            .map(|(record_offset, (topic, partition, offset))| OffsetChange {
                topic,
                partition,
                offset: Some(offset),
                record_offset,
            })
            .collect();
        (results, written)
    }

    /// The committed offsets of `topics` (`None`: every committed partition). With
    /// `require_stable`, a partition with offsets pending in a transaction gets
    /// UNSTABLE_OFFSET_COMMIT instead, as Kafka answers.
    pub fn fetch_offsets(&self, topics: FetchOffsets, require_stable: bool) -> FetchedOffsets {
        let fetched = |topic: &str, partition: i32| {
            if require_stable && self.has_pending_transactional_offset(topic, partition) {
                Err(ResponseError::UnstableOffsetCommit)
            } else {
                Ok(self.offsets.get(topic, partition).cloned())
            }
        };
        match topics {
            None => self
                .offsets
                .all()
                .map(|(t, p, _)| (t.to_string(), p, fetched(t, p)))
                .collect(),
            Some(topics) => topics
                .into_iter()
                .flat_map(|(topic, partitions)| {
                    partitions.into_iter().map(move |p| (topic.clone(), p))
                })
                .map(|(topic, p)| {
                    let offset = fetched(&topic, p);
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
            if self.offsets.has_latest(&topic, partition)
                || self.has_pending_transactional_offset(&topic, partition)
            {
                deleted.push((topic, partition));
            }
            results.push(None);
        }
        if !deleted.is_empty() {
            let records = deleted
                .iter()
                .map(|(t, p)| offset_tombstone(&self.group_id, t, *p))
                .collect();
            let first_record = log.append(records)?;
            self.stage_tombstones(first_record, &deleted);
            for (t, p) in deleted {
                self.remove_pending_transactional_offset(&t, p);
            }
        }
        Ok(results)
    }

    /// DeleteGroups: only an empty group; its offsets (committed or pending in a transaction)
    /// and metadata get tombstones.
    pub fn delete(&mut self, now_ms: i64, log: &mut dyn GroupLog) -> Option<ResponseError> {
        match self.state {
            GroupState::Dead => return Some(ResponseError::GroupIdNotFound),
            GroupState::Empty => {}
            _ => return Some(ResponseError::NonEmptyGroup),
        }
        let mut partitions = self.offsets.latest_partitions();
        for pending in self.pending_transactional.values() {
            partitions.extend(pending.all().map(|(t, p, _)| (t, p)));
        }
        let mut records: Vec<_> = partitions
            .into_iter()
            .map(|(t, p)| offset_tombstone(&self.group_id, t, p))
            .collect();
        records.push(group_tombstone(&self.group_id));
        if let Err(e) = log.append(records) {
            return Some(e);
        }
        self.offsets = Default::default();
        self.pending_transactional.clear();
        self.transition(GroupState::Dead, now_ms);
        None
    }

    /// Tombstones for `partitions` were appended from `first_record` on: staged like commits.
    fn stage_tombstones(&mut self, first_record: i64, partitions: &[(String, i32)]) {
        let changes: Vec<_> = (first_record..)
            .zip(partitions)
            .map(|(record_offset, (topic, partition))| OffsetChange {
                topic: topic.clone(),
                partition: *partition,
                offset: None,
                record_offset,
            })
            .collect();
        if let Some(last) = changes.last() {
            self.offsets.stage(last.record_offset + 1, changes);
        }
    }

    /// Removes the offsets of an empty group that outlived `offsets.retention.minutes` (counted
    /// from when the group became empty), and the group itself once nothing is left. An offset
    /// with a transaction's offset pending for its partition stays, as in Kafka.
    pub fn expire_offsets(&mut self, now_ms: i64, log: &mut dyn GroupLog) {
        if self.state != GroupState::Empty {
            return;
        }
        let expired: Vec<_> = self
            .offsets
            .expired(
                now_ms,
                self.config.offsets_retention_ms,
                Some(self.state_timestamp_ms),
            )
            .into_iter()
            .filter(|(t, p)| {
                !self.has_pending_transactional_offset(t, *p)
                    && !self.offsets.is_unreplicated(t, *p)
            })
            .collect();
        if !expired.is_empty() {
            let records = expired
                .iter()
                .map(|(t, p)| offset_tombstone(&self.group_id, t, *p))
                .collect();
            let Ok(first_record) = log.append(records) else {
                return;
            };
            debug!(group = %self.group_id, count = expired.len(), "offsets expired");
            self.stage_tombstones(first_record, &expired);
        }
        let pending = self.pending_transactional.values().any(|o| !o.is_empty());
        if self.offsets.is_empty()
            && !pending
            && log.append(vec![group_tombstone(&self.group_id)]).is_ok()
        {
            debug!(group = %self.group_id, "empty group without offsets removed");
            self.transition(GroupState::Dead, now_ms);
        }
    }
}
