//! Idempotent producer state, as Kafka's ProducerStateManager keeps it: per producer id the
//! latest epoch and the metadata of its last five batches, so a retried batch is answered
//! with its original offsets instead of being written twice, and gaps in sequence numbers
//! or stale epochs are refused. It also follows transactions: which producers have one open
//! (and from which offset, bounding the last stable offset) and which were aborted (for
//! read_committed fetches). Rebuilt from the batches when a log is opened.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::error::LogError;
use super::partition_log::{AppendOrigin, PartitionLog};
use super::txn_index::{
    append_txn_index, read_txn_index_file, txn_index_path, write_txn_index, AbortedTxnEntry,
};
use super::txn_marker::{parse_marker, TxnMarker};
use crate::protocol::batch::BatchHeader;

/// How many recent batches per producer are kept for duplicate detection (Kafka's value).
const BATCHES_KEPT: usize = 5;

/// Where a retried batch was written the first time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchMetadata {
    pub(crate) first_seq: i32,
    pub(crate) last_seq: i32,
    pub(crate) first_offset: i64,
    pub(crate) last_offset: i64,
    pub(crate) max_timestamp: i64,
}

#[derive(Debug, Clone, Default)]
struct ProducerEntry {
    epoch: i16,
    batches: VecDeque<BatchMetadata>,
    coordinator_epoch: i32,
    /// First offset of the producer's open transaction in this partition.
    current_txn_first_offset: Option<i64>,
}

/// A transaction that was aborted: read_committed consumers skip its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortedTransaction {
    pub producer_id: i64,
    pub first_offset: i64,
    /// The offset of the abort marker.
    pub last_offset: i64,
}

/// A producer with state in a partition, as DescribeProducers shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveProducer {
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// -1 when none of its batches is remembered.
    pub last_sequence: i32,
    pub last_timestamp: i64,
    pub coordinator_epoch: i32,
    pub current_txn_start_offset: Option<i64>,
}

/// What to do with a client batch that carries a producer id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SequenceCheck {
    Append,
    Duplicate(BatchMetadata),
}

#[derive(Debug, Default)]
pub(crate) struct ProducerStateManager {
    producers: HashMap<i64, ProducerEntry>,
    /// Invariant: how many of `producers` have a transaction open. Every fetch asks for the
    /// first unstable offset, and a partition with none open (most) answers it without
    /// walking the producers, whose table is a cache miss per partition of a large fetch.
    open_transactions: usize,
    aborted: Vec<AbortedTransaction>,
}

/// Kafka's sequence arithmetic: sequences wrap from i32::MAX to 0.
fn last_sequence(header: &BatchHeader) -> i32 {
    let last = i64::from(header.base_sequence) + i64::from(header.last_offset_delta);
    i32::try_from(last).unwrap_or_else(|_| (last - i64::from(i32::MAX) - 1) as i32)
}

fn in_sequence(last_seq: i32, next_seq: i32) -> bool {
    i64::from(next_seq) == i64::from(last_seq) + 1 || (next_seq == 0 && last_seq == i32::MAX)
}

impl ProducerStateManager {
    /// Validates a client batch: a stale epoch is INVALID_PRODUCER_EPOCH, a sequence that does
    /// not follow the last one (or, for a new epoch, is not 0) is OUT_OF_ORDER_SEQUENCE_NUMBER,
    /// and a batch matching one of the last five is a duplicate.
    pub(crate) fn check(
        &self,
        header: &BatchHeader,
        origin: AppendOrigin,
    ) -> Result<SequenceCheck, LogError> {
        let Some(entry) = self.producers.get(&header.producer_id) else {
            // Unknown producer (new, or its data is gone): any sequence is accepted, as in Kafka.
            return Ok(SequenceCheck::Append);
        };
        if header.producer_epoch < entry.epoch {
            return Err(LogError::InvalidProducerEpoch {
                producer_id: header.producer_id,
                epoch: header.producer_epoch,
                current_epoch: entry.epoch,
            });
        }
        if entry.current_txn_first_offset.is_some() && !header.is_transactional() {
            return Err(LogError::InvalidTxnState {
                producer_id: header.producer_id,
            });
        }
        if origin == AppendOrigin::Coordinator {
            return Ok(SequenceCheck::Append);
        }
        let first_seq = header.base_sequence;
        if header.producer_epoch != entry.epoch {
            if first_seq != 0 {
                return Err(LogError::OutOfOrderSequence {
                    producer_id: header.producer_id,
                    sequence: first_seq,
                    last_sequence: -1,
                });
            }
            return Ok(SequenceCheck::Append);
        }
        let last_seq = last_sequence(header);
        if let Some(duplicate) = entry
            .batches
            .iter()
            .find(|b| b.first_seq == first_seq && b.last_seq == last_seq)
        {
            return Ok(SequenceCheck::Duplicate(*duplicate));
        }
        let current_last = entry.batches.back().map_or(-1, |b| b.last_seq);
        if entry.batches.is_empty() || in_sequence(current_last, first_seq) {
            return Ok(SequenceCheck::Append);
        }
        Err(LogError::OutOfOrderSequence {
            producer_id: header.producer_id,
            sequence: first_seq,
            last_sequence: current_last,
        })
    }

    /// Checks a transaction marker from the coordinator: a stale producer epoch is
    /// INVALID_PRODUCER_EPOCH, a stale coordinator epoch TRANSACTION_COORDINATOR_FENCED.
    pub(crate) fn check_marker(
        &self,
        producer_id: i64,
        producer_epoch: i16,
        marker: TxnMarker,
    ) -> Result<(), LogError> {
        let Some(entry) = self.producers.get(&producer_id) else {
            return Ok(());
        };
        if producer_epoch < entry.epoch {
            return Err(LogError::InvalidProducerEpoch {
                producer_id,
                epoch: producer_epoch,
                current_epoch: entry.epoch,
            });
        }
        if marker.coordinator_epoch < entry.coordinator_epoch {
            return Err(LogError::TransactionCoordinatorFenced {
                producer_id,
                coordinator_epoch: marker.coordinator_epoch,
            });
        }
        Ok(())
    }

    /// Records a written batch (final offsets); `marker` is set for a transaction marker.
    /// Returns the transaction an abort marker ended, for the aborted transaction index.
    pub(crate) fn update(
        &mut self,
        header: &BatchHeader,
        marker: Option<TxnMarker>,
    ) -> Option<AbortedTransaction> {
        if !header.has_producer_id() {
            return None;
        }
        let entry = self.producers.entry(header.producer_id).or_default();
        if header.producer_epoch != entry.epoch {
            entry.epoch = header.producer_epoch;
            entry.batches.clear();
        }
        if header.is_control() {
            if let Some(marker) = marker {
                entry.coordinator_epoch = marker.coordinator_epoch;
                let first_offset = entry.current_txn_first_offset.take();
                if first_offset.is_some() {
                    self.open_transactions -= 1;
                }
                self.check_open_transactions();
                if let (false, Some(first_offset)) = (marker.commit, first_offset) {
                    let aborted = AbortedTransaction {
                        producer_id: header.producer_id,
                        first_offset,
                        last_offset: header.base_offset,
                    };
                    self.aborted.push(aborted);
                    return Some(aborted);
                }
            }
            return None;
        }
        if header.is_transactional() && entry.current_txn_first_offset.is_none() {
            entry.current_txn_first_offset = Some(header.base_offset);
            self.open_transactions += 1;
        }
        if entry.batches.len() == BATCHES_KEPT {
            entry.batches.pop_front();
        }
        entry.batches.push_back(BatchMetadata {
            first_seq: header.base_sequence,
            last_seq: last_sequence(header),
            first_offset: header.base_offset,
            last_offset: header.last_offset(),
            max_timestamp: header.max_timestamp,
        });
        self.check_open_transactions();
        None
    }

    /// Replaces the aborted transactions (those of the `.txnindex` files), by marker offset.
    pub(crate) fn set_aborted(&mut self, mut aborted: Vec<AbortedTransaction>) {
        aborted.sort_unstable_by_key(|t| (t.last_offset, t.producer_id, t.first_offset));
        aborted.dedup_by_key(|t| (t.last_offset, t.producer_id));
        self.aborted = aborted;
    }

    /// Forgets producers whose every batch lies below the log start offset (unless their
    /// transaction is still open) and aborted transactions that ended below it.
    pub(crate) fn truncate_head(&mut self, log_start_offset: i64) {
        self.producers.retain(|_, entry| {
            entry.current_txn_first_offset.is_some()
                || entry
                    .batches
                    .back()
                    .is_some_and(|b| b.last_offset >= log_start_offset)
        });
        self.aborted.retain(|t| t.last_offset >= log_start_offset);
    }

    /// Whether `producer_id` has a transaction open here at `producer_epoch`.
    pub(crate) fn has_ongoing_transaction(&self, producer_id: i64, producer_epoch: i16) -> bool {
        self.producers
            .get(&producer_id)
            .is_some_and(|e| e.epoch == producer_epoch && e.current_txn_first_offset.is_some())
    }

    /// The smallest first offset of an open transaction.
    pub(crate) fn first_unstable_offset(&self) -> Option<i64> {
        if self.open_transactions == 0 {
            return None;
        }
        self.producers
            .values()
            .filter_map(|e| e.current_txn_first_offset)
            .min()
    }

    /// (producer id, first offset) of every open transaction, by producer id.
    pub(crate) fn ongoing_transactions(&self) -> Vec<(i64, i64)> {
        let mut open: Vec<(i64, i64)> = self
            .producers
            .iter()
            .filter_map(|(id, e)| e.current_txn_first_offset.map(|first| (*id, first)))
            .collect();
        open.sort_unstable();
        open
    }

    /// Aborted transactions overlapping `[fetch_offset, upper_bound_offset)`.
    pub(crate) fn aborted_transactions(
        &self,
        fetch_offset: i64,
        upper_bound_offset: i64,
    ) -> Vec<AbortedTransaction> {
        self.aborted
            .iter()
            .filter(|t| t.last_offset >= fetch_offset && t.first_offset < upper_bound_offset)
            .copied()
            .collect()
    }

    /// Every producer with state, by producer id.
    pub(crate) fn active_producers(&self) -> Vec<ActiveProducer> {
        let mut producers: Vec<ActiveProducer> = self
            .producers
            .iter()
            .map(|(id, e)| ActiveProducer {
                producer_id: *id,
                producer_epoch: e.epoch,
                last_sequence: e.batches.back().map_or(-1, |b| b.last_seq),
                last_timestamp: e.batches.back().map_or(-1, |b| b.max_timestamp),
                coordinator_epoch: e.coordinator_epoch,
                current_txn_start_offset: e.current_txn_first_offset,
            })
            .collect();
        producers.sort_unstable_by_key(|p| p.producer_id);
        producers
    }

    /// The producer ids with state.
    pub(crate) fn producer_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.producers.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    pub(crate) fn clear(&mut self) {
        self.producers.clear();
        self.open_transactions = 0;
        self.aborted.clear();
    }

    fn check_open_transactions(&self) {
        debug_assert_eq!(
            self.open_transactions,
            self.producers
                .values()
                .filter(|e| e.current_txn_first_offset.is_some())
                .count()
        );
    }
}

impl PartitionLog {
    /// Replays every batch header from the log start into a fresh producer state. The aborted
    /// transactions are those of the segments' `.txnindex` files (kept when retention removed
    /// a transaction's records), each file first cut to its segment and completed with the
    /// aborts the replay finds missing from it.
    pub(super) fn rebuild_producer_state(&mut self) -> Result<(), LogError> {
        self.rebuild_producer_state_listed(None)
    }

    /// [`Self::rebuild_producer_state`], reading only the `.txnindex` files of the segments
    /// in `txn_indexed` when given (the others are known to have none).
    pub(super) fn rebuild_producer_state_listed(
        &mut self,
        txn_indexed: Option<&BTreeSet<i64>>,
    ) -> Result<(), LogError> {
        self.producer_state.clear();
        let mut batches = Vec::new();
        for segment in self.segments() {
            let mut position = 0;
            while let Some(header) = segment.header_at(position)? {
                let end = position + header.total_size() as u64;
                if header.has_producer_id() {
                    let marker = if header.is_control() {
                        parse_marker(&segment.read_range(position, end)?, header.base_offset)?
                    } else {
                        None
                    };
                    batches.push((segment.base_offset(), header, marker));
                }
                position = end;
            }
        }
        let mut indexes = self.load_txn_indexes(txn_indexed)?;
        for (segment_base, header, marker) in &batches {
            let Some(aborted) = self.producer_state.update(header, *marker) else {
                continue;
            };
            // The marker names the transaction; the index may know an earlier first offset
            // (records since removed by DeleteRecords or retention).
            let entries = indexes.entry(*segment_base).or_default();
            let indexed = entries.iter().any(|e| {
                e.aborted.producer_id == aborted.producer_id
                    && e.aborted.last_offset == aborted.last_offset
            });
            if !indexed {
                let entry = AbortedTxnEntry {
                    aborted,
                    last_stable_offset: self.last_stable_offset_after(aborted),
                };
                append_txn_index(&txn_index_path(&self.dir, *segment_base), &entry)?;
                entries.push(entry);
            }
        }
        self.producer_state
            .set_aborted(indexes.values().flatten().map(|e| e.aborted).collect());
        self.producer_state.truncate_head(self.log_start_offset);
        Ok(())
    }

    /// Every segment's `.txnindex` entries by segment base offset, each file cut to the entries
    /// whose marker its segment holds (a truncated or recovered segment lost the others).
    fn load_txn_indexes(
        &self,
        txn_indexed: Option<&BTreeSet<i64>>,
    ) -> Result<BTreeMap<i64, Vec<AbortedTxnEntry>>, LogError> {
        let mut indexes = BTreeMap::new();
        for segment in self.segments() {
            let path = txn_index_path(&self.dir, segment.base_offset());
            let file = match txn_indexed {
                Some(listed) if !listed.contains(&segment.base_offset()) => None,
                _ => read_txn_index_file(&path)?,
            };
            let entries = file.as_deref().unwrap_or_default();
            let kept: Vec<AbortedTxnEntry> = entries
                .iter()
                .filter(|e| {
                    e.aborted.last_offset >= segment.base_offset()
                        && e.aborted.last_offset < segment.next_offset()
                })
                .copied()
                .collect();
            if kept.len() != entries.len() || (kept.is_empty() && file.is_some()) {
                write_txn_index(&path, &kept)?;
            }
            indexes.insert(segment.base_offset(), kept);
        }
        Ok(indexes)
    }

    /// The last stable offset once `completed` ended: the first offset of another open
    /// transaction, else just past its marker (Kafka's `lastStableOffset(completedTxn)`).
    pub(super) fn last_stable_offset_after(&self, completed: AbortedTransaction) -> i64 {
        self.producer_state
            .first_unstable_offset()
            .unwrap_or(completed.last_offset + 1)
    }

    /// Whether `producer_id` has a transaction open in this log at `producer_epoch`.
    pub fn has_ongoing_transaction(&self, producer_id: i64, producer_epoch: i16) -> bool {
        self.producer_state
            .has_ongoing_transaction(producer_id, producer_epoch)
    }

    /// The producers with state in this log (DescribeProducers), by producer id.
    pub fn active_producers(&self) -> Vec<ActiveProducer> {
        self.producer_state.active_producers()
    }

    /// Producer ids with idempotence state in this log, sorted.
    pub fn active_producer_ids(&self) -> Vec<i64> {
        self.producer_state.producer_ids()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    impl ProducerStateManager {
        fn update_data(&mut self, header: &BatchHeader) {
            self.update(header, None);
        }
    }

    fn header(
        producer_epoch: i16,
        base_sequence: i32,
        count: i32,
        base_offset: i64,
    ) -> BatchHeader {
        BatchHeader {
            base_offset,
            batch_length: 100,
            partition_leader_epoch: 0,
            magic: 2,
            crc: 0,
            attributes: 0,
            last_offset_delta: count - 1,
            base_timestamp: 0,
            max_timestamp: 0,
            producer_id: 7,
            producer_epoch,
            base_sequence,
            records_count: count,
        }
    }

    #[test]
    fn sequences_must_follow_and_retries_are_duplicates() {
        let mut state = ProducerStateManager::default();
        assert_eq!(
            state
                .check(&header(0, 0, 3, 0), AppendOrigin::Client)
                .unwrap(),
            SequenceCheck::Append
        );
        state.update_data(&header(0, 0, 3, 0));
        state.update_data(&header(0, 3, 2, 3));
        let SequenceCheck::Duplicate(original) = state
            .check(&header(0, 0, 3, 0), AppendOrigin::Client)
            .unwrap()
        else {
            panic!("expected a duplicate");
        };
        assert_eq!((original.first_offset, original.last_offset), (0, 2));
        let err = state
            .check(&header(0, 6, 1, 0), AppendOrigin::Client)
            .unwrap_err();
        assert_eq!(err.error_code(), 45);
        assert_eq!(
            state
                .check(&header(0, 5, 1, 0), AppendOrigin::Client)
                .unwrap(),
            SequenceCheck::Append
        );
    }

    #[test]
    fn epochs_fence_and_reset_sequences() {
        let mut state = ProducerStateManager::default();
        state.update_data(&header(2, 0, 1, 0));
        assert_eq!(
            state
                .check(&header(1, 1, 1, 0), AppendOrigin::Client)
                .unwrap_err()
                .error_code(),
            47
        );
        assert_eq!(
            state
                .check(&header(3, 4, 1, 0), AppendOrigin::Client)
                .unwrap_err()
                .error_code(),
            45
        );
        assert_eq!(
            state
                .check(&header(3, 0, 1, 0), AppendOrigin::Client)
                .unwrap(),
            SequenceCheck::Append
        );
    }

    #[test]
    fn sequence_wraps_after_i32_max() {
        let mut state = ProducerStateManager::default();
        state.update_data(&header(0, i32::MAX - 1, 2, 0));
        assert_eq!(
            state
                .check(&header(0, 0, 1, 2), AppendOrigin::Client)
                .unwrap(),
            SequenceCheck::Append
        );
        state.update_data(&header(0, i32::MAX, 2, 2));
        assert_eq!(
            state
                .check(&header(0, 1, 1, 4), AppendOrigin::Client)
                .unwrap(),
            SequenceCheck::Append
        );
    }

    #[test]
    fn only_the_last_five_batches_are_remembered() {
        let mut state = ProducerStateManager::default();
        for i in 0..6 {
            state.update_data(&header(0, i, 1, i64::from(i)));
        }
        assert_eq!(
            state
                .check(&header(0, 0, 1, 0), AppendOrigin::Client)
                .unwrap_err()
                .error_code(),
            45
        );
        assert!(matches!(
            state
                .check(&header(0, 1, 1, 0), AppendOrigin::Client)
                .unwrap(),
            SequenceCheck::Duplicate(_)
        ));
        state.truncate_head(6);
        assert!(state.producer_ids().is_empty());
    }
}
