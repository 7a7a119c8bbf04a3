//! The partition side of transactions: writing commit/abort markers (WriteTxnMarkers), the
//! first unstable offset that bounds the last stable offset, and the aborted transactions a
//! read_committed Fetch returns.

use super::error::LogError;
use super::partition_log::{AppendInfo, PartitionLog};
use super::producer_state::AbortedTransaction;
use super::txn_marker::{encode_marker_batch, TxnMarker};
use crate::protocol::batch::{parse_batch_header, patch_base_offset, patch_partition_leader_epoch};

impl PartitionLog {
    /// Appends a commit or abort marker for the producer's transaction at the log end,
    /// closing it. Refuses a stale producer epoch or coordinator epoch, as Kafka does.
    pub fn append_transaction_marker(
        &mut self,
        producer_id: i64,
        producer_epoch: i16,
        marker: TxnMarker,
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<AppendInfo, LogError> {
        self.ensure_not_deleted()?;
        self.producer_state
            .check_marker(producer_id, producer_epoch, marker)?;
        let mut batch = encode_marker_batch(producer_id, producer_epoch, marker, now_ms)?;
        let offset = self.log_end_offset();
        patch_base_offset(&mut batch, offset);
        patch_partition_leader_epoch(&mut batch, leader_epoch);
        let header = parse_batch_header(&batch)?;
        self.append_batch(&batch, &header, now_ms)?;
        Ok(AppendInfo {
            first_offset: offset,
            last_offset: offset,
            max_timestamp: now_ms,
            offset_of_max_timestamp: offset,
            log_append_time_ms: None,
            record_count: 1,
            duplicate: false,
        })
    }

    /// The first offset of the oldest open transaction; the last stable offset is this or the
    /// high watermark, whichever is lower. `None` when no transaction is open.
    pub fn first_unstable_offset(&self) -> Option<i64> {
        self.producer_state.first_unstable_offset()
    }

    /// (producer id, first offset) of every open transaction in this partition.
    pub fn ongoing_transactions(&self) -> Vec<(i64, i64)> {
        self.producer_state.ongoing_transactions()
    }

    /// Aborted transactions overlapping `[fetch_offset, upper_bound_offset)`, for the
    /// `aborted_transactions` of a read_committed Fetch response.
    pub fn aborted_transactions(
        &self,
        fetch_offset: i64,
        upper_bound_offset: i64,
    ) -> Vec<AbortedTransaction> {
        self.producer_state
            .aborted_transactions(fetch_offset, upper_bound_offset)
    }
}
