//! Transactional offset commits (KIP-98, KIP-447), as Kafka's `OffsetMetadataManager` keeps
//! them: TxnOffsetCommit's offsets are written to `__consumer_offsets` in the producer's
//! transaction and stay pending per producer until the transaction's marker reaches the
//! group's partition. A commit marker makes them the group's committed offsets, except where a
//! plain commit's record came after theirs (the most recent record wins, as in Kafka); an abort
//! marker drops them. While offsets are pending for a partition, OffsetFetch with
//! `require_stable` answers UNSTABLE_OFFSET_COMMIT for it.

use std::collections::BTreeMap;

use super::api::{CommitResult, TxnCommitOffsets};
use super::classic::ClassicGroup;
use super::offsets::Offsets;
use super::store::GroupLog;
use crate::coord::partition_loader::TxnProducer;

impl ClassicGroup {
    /// Checks the committer, writes every acceptable offset as one transactional batch of the
    /// producer, then keeps them pending in its transaction.
    pub fn commit_transactional_offsets(
        &mut self,
        request: TxnCommitOffsets,
        now_ms: i64,
        log: &mut dyn GroupLog,
    ) -> CommitResult {
        self.validate_offset_commit(
            request.generation_id,
            &request.member_id,
            request.group_instance_id.as_deref(),
            true,
        )?;
        let producer = TxnProducer {
            producer_id: request.producer_id,
            producer_epoch: request.producer_epoch,
        };
        let (results, written) =
            self.write_offsets(request.offsets, now_ms, -1, Some(producer), log);
        if !written.is_empty() {
            let pending = self
                .pending_transactional
                .entry(request.producer_id)
                .or_default();
            for change in written {
                if let Some(offset) = change.offset {
                    pending.put(change.topic, change.partition, offset, change.record_offset);
                }
            }
        }
        Ok(results)
    }

    /// The producer's transaction ended (its marker is in this group's partition): its pending
    /// offsets become committed (`commit`) or are dropped.
    pub fn complete_transaction(&mut self, producer_id: i64, commit: bool) {
        complete_transaction(
            &mut self.offsets,
            &mut self.pending_transactional,
            producer_id,
            commit,
        );
    }

    /// Whether a transaction has offsets for the partition that are not yet committed.
    pub fn has_pending_transactional_offset(&self, topic: &str, partition: i32) -> bool {
        self.pending_transactional
            .values()
            .any(|offsets| offsets.get(topic, partition).is_some())
    }

    /// A tombstone for the partition was written: no transaction's offset for it remains.
    pub fn remove_pending_transactional_offset(&mut self, topic: &str, partition: i32) {
        for offsets in self.pending_transactional.values_mut() {
            offsets.remove(topic, partition);
        }
    }
}

/// Ends `producer_id`'s transaction for a group's offsets: its pending offsets become committed
/// where their record is later than the committed one's (`commit`), or are dropped. Shared by
/// the live group and the replay of its partition.
pub fn complete_transaction(
    offsets: &mut Offsets,
    pending: &mut BTreeMap<i64, Offsets>,
    producer_id: i64,
    commit: bool,
) {
    let Some(ended) = pending.remove(&producer_id) else {
        return;
    };
    if !commit {
        return;
    }
    for (topic, partition, offset, record_offset) in ended.into_entries() {
        let newer = offsets
            .record_offset(&topic, partition)
            .is_none_or(|existing| record_offset > existing);
        if newer {
            offsets.put(topic, partition, offset, record_offset);
        }
    }
}
