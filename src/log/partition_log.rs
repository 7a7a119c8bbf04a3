//! `PartitionLog`: one partition's set of segments, the offsets that bound it, and the leader
//! append path. Opening (recovery), reads, timestamp lookups, retention, follower appends,
//! producer state and transactions live in their own files as further `impl PartitionLog`
//! blocks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::checkpoint::write_offset_checkpoint;
use super::config::{LogConfig, MessageTimestampType};
use super::error::LogError;
use super::leader_epoch::{EpochEntry, LeaderEpochCache};
use super::partition_dir::delete_partition_dir;
use super::producer_state::{ProducerStateManager, SequenceCheck};
use super::recent::{self, RecentBatches};
use super::segment::LogSegment;
use super::txn_index::{append_txn_index, txn_index_path, AbortedTxnEntry};
use super::txn_marker::parse_marker;
use super::validator::{validate_records, RecordRules};
use crate::protocol::batch::{
    batches, patch_base_offset, patch_partition_leader_epoch, set_max_timestamp_split,
    validate_produce_batches, BatchError, BatchHeader, BATCH_HEADER_SIZE,
};
use bytes::Bytes;
use kafka_protocol::records::TimestampType;

pub(crate) const LOG_START_OFFSET_CHECKPOINT: &str = "log-start-offset-checkpoint";
pub(crate) const RECOVERY_POINT_CHECKPOINT: &str = "recovery-point-offset-checkpoint";

/// What an append wrote, for the Produce response and replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendInfo {
    pub first_offset: i64,
    pub last_offset: i64,
    pub max_timestamp: i64,
    /// The last offset of the batch holding `max_timestamp` (Kafka's shallow offset).
    pub offset_of_max_timestamp: i64,
    /// The broker's timestamp when the topic uses LogAppendTime.
    pub log_append_time_ms: Option<i64>,
    pub record_count: i32,
    /// The batch was a retry of one already written: nothing was appended and the offsets
    /// are those of the original (Kafka answers such a produce with success).
    pub duplicate: bool,
}

/// Who an append comes from, as Kafka's `AppendOrigin`: a coordinator's batches (transactional
/// offset commits in `__consumer_offsets`) carry no sequence numbers, so only the producer epoch
/// and transaction state are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendOrigin {
    Client,
    Coordinator,
}

/// What the checks before a leader append found.
enum Checked {
    New(CheckedBatch),
    /// A retry of a batch already written, answered as the first was.
    Duplicate(AppendInfo),
}

/// A produced batch that passed the checks, not yet stamped.
struct CheckedBatch {
    /// As the producer sent it.
    header: BatchHeader,
    /// The largest timestamp of its records.
    record_max_timestamp: i64,
}

/// One partition's log on disk. Not thread-safe by itself: the broker wraps it in a Mutex.
pub struct PartitionLog {
    pub(super) dir: PathBuf,
    pub(super) config: LogConfig,
    /// Every segment but the active one, by base offset.
    pub(super) inactive: BTreeMap<i64, LogSegment>,
    /// The segment appends go to: always the one with the highest base offset.
    pub(super) active: LogSegment,
    pub(super) log_start_offset: i64,
    pub(super) recovery_point: i64,
    pub(super) leader_epochs: LeaderEpochCache,
    pub(super) producer_state: ProducerStateManager,
    /// A leader's last appends, for its followers' fetches (see `recent.rs`).
    pub(super) recent: RecentBatches,
    pub(super) deleted: bool,
}

impl PartitionLog {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn config(&self) -> &LogConfig {
        &self.config
    }

    /// Takes effect for the next append, roll and retention pass.
    pub fn set_config(&mut self, config: LogConfig) {
        self.config = config;
    }

    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    /// The offset the next record will get.
    pub fn log_end_offset(&self) -> i64 {
        self.active.next_offset()
    }

    /// Bytes of all segment files.
    pub fn size_bytes(&self) -> u64 {
        self.segments().map(LogSegment::size).sum()
    }

    pub fn segment_count(&self) -> usize {
        self.inactive.len() + 1
    }

    /// Base offsets of the segments, oldest first.
    pub fn segment_base_offsets(&self) -> Vec<i64> {
        self.segments().map(LogSegment::base_offset).collect()
    }

    pub fn latest_epoch(&self) -> Option<i32> {
        self.leader_epochs.latest_epoch()
    }

    /// The leader epochs and where each starts, oldest first.
    pub fn leader_epoch_start_offsets(&self) -> Vec<EpochEntry> {
        self.leader_epochs.entries().to_vec()
    }

    /// OffsetForLeaderEpoch: the largest epoch <= `epoch` and its end offset, as Kafka's
    /// `endOffsetFor` (`(-1, -1)` when unknown).
    pub fn end_offset_for_epoch(&self, epoch: i32) -> (i32, i64) {
        self.leader_epochs
            .end_offset_for(epoch, self.log_end_offset())
    }

    /// Records that a leader starts writing `epoch` at `start_offset` (the log end when it
    /// became leader), as Kafka's `maybeAssignEpochStartOffset`; written to the checkpoint with
    /// the log's flush (see `leader_epoch.rs`).
    pub fn assign_leader_epoch(&mut self, epoch: i32, start_offset: i64) -> Result<(), LogError> {
        self.ensure_not_deleted()?;
        self.leader_epochs.assign(epoch, start_offset);
        Ok(())
    }

    /// Whether the next appends are kept in memory for followers' fetches (a leader with
    /// followers); off, what was kept goes.
    pub fn keep_recent_appends(&mut self, keep: bool) {
        self.recent.set_keep(keep);
    }

    /// Forgets the kept appends wholly below `offset` (the high watermark: every in-sync
    /// follower has fetched them).
    pub fn forget_recent_appends_below(&mut self, offset: i64) {
        self.recent.forget_below(offset);
    }

    pub(super) fn segments(&self) -> impl Iterator<Item = &LogSegment> {
        self.inactive.values().chain(std::iter::once(&self.active))
    }

    /// Whether the log was deleted (its partition removed) while still held open.
    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    pub(super) fn ensure_not_deleted(&self) -> Result<(), LogError> {
        if self.deleted {
            return Err(LogError::Deleted(self.dir.clone()));
        }
        Ok(())
    }

    /// Leader append of one partition's Produce records: validates the batch (see
    /// [`validate_produce_batches`]) and its records (Kafka's LogValidator, see
    /// `validator.rs`), assigns offsets from the log end, stamps `leader_epoch` and the max
    /// timestamp (LogAppendTime when configured), rolls when due and writes the batch as is.
    /// Nothing of a refused batch is written. A partial tail after the batch is dropped, as
    /// Kafka trims it.
    pub fn append(
        &mut self,
        records: &[u8],
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<AppendInfo, LogError> {
        self.append_from(records, leader_epoch, now_ms, AppendOrigin::Client)
    }

    /// [`Self::append`] for a batch written by a coordinator of this broker (see
    /// [`AppendOrigin`]).
    pub fn append_from(
        &mut self,
        records: &[u8],
        leader_epoch: i32,
        now_ms: i64,
        origin: AppendOrigin,
    ) -> Result<AppendInfo, LogError> {
        match self.check_append(records, now_ms, origin)? {
            Checked::Duplicate(info) => Ok(info),
            Checked::New(batch) => self.append_checked(records, &batch, leader_epoch, now_ms),
        }
    }

    /// Writes a checked batch, the first of `records`. Only the 61-byte header changes
    /// (offsets, leader epoch, maybe the max timestamp): it is patched in a copy and written
    /// before the untouched records, never copied (but into the followers' kept copy).
    fn append_checked(
        &mut self,
        records: &[u8],
        batch: &CheckedBatch,
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<AppendInfo, LogError> {
        let (head_bytes, body) = records[..batch.header.total_size()].split_at(BATCH_HEADER_SIZE);
        let mut head = [0u8; BATCH_HEADER_SIZE];
        head.copy_from_slice(head_bytes);
        let (header, info) = self.stamp(&mut head, body, batch, leader_epoch, now_ms);
        self.append_batch_parts(&head, body, &header, now_ms)?;
        Ok(info)
    }

    /// [`Self::append`] of a Produce request's records as received. When nothing else holds
    /// their buffer (a request of one partition, read into a buffer of its own: see
    /// `broker/connection/read.rs`) and followers are to read the batch from memory, its header is
    /// stamped in place and the log keeps that very buffer for them: no copy of the batch
    /// between the socket and the followers. Otherwise as [`Self::append`].
    pub fn append_produced(
        &mut self,
        records: Bytes,
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<AppendInfo, LogError> {
        if !self.recent.keeps() {
            return self.append(&records, leader_epoch, now_ms);
        }
        let batch = match self.check_append(&records, now_ms, AppendOrigin::Client)? {
            Checked::Duplicate(info) => return Ok(info),
            Checked::New(batch) => batch,
        };
        let mut owned = match records.try_into_mut() {
            Ok(owned) => owned,
            Err(shared) => return self.append_checked(&shared, &batch, leader_epoch, now_ms),
        };
        // What the kept batch holds in memory: its buffer to the end, a tail past the batch too.
        let retained = owned.capacity();
        owned.truncate(batch.header.total_size());
        let (head, body) = owned.split_at_mut(BATCH_HEADER_SIZE);
        let (header, info) = self.stamp(head, body, &batch, leader_epoch, now_ms);
        self.append_kept(owned.freeze(), retained, &header, now_ms)?;
        Ok(info)
    }

    /// The checks of a leader append before anything is written: the batch's size, header,
    /// records and producer state. A retried batch already written is answered as the first.
    fn check_append(
        &mut self,
        records: &[u8],
        now_ms: i64,
        origin: AppendOrigin,
    ) -> Result<Checked, LogError> {
        self.ensure_not_deleted()?;
        self.check_batch_size(records)?;
        let header = validate_produce_batches(records)?
            .into_iter()
            .next()
            .ok_or(BatchError::NoBatches)?;
        let size = header.total_size();
        let record_max_timestamp = validate_records(
            &header,
            &records[..size],
            &RecordRules::new(&self.config, now_ms),
        )?;
        if header.has_producer_id() {
            if let SequenceCheck::Duplicate(original) =
                self.producer_state.check(&header, origin)?
            {
                return Ok(Checked::Duplicate(
                    self.duplicate_append_info(original, &header),
                ));
            }
        }
        if size > usize::try_from(self.config.segment_bytes).unwrap_or(0) {
            return Err(LogError::RecordListTooLarge {
                size,
                segment_bytes: self.config.segment_bytes,
            });
        }
        Ok(Checked::New(CheckedBatch {
            header,
            record_max_timestamp,
        }))
    }

    /// Stamps a checked batch's header `head` (its records `body` after it) for the log end:
    /// base offset, `leader_epoch` and, as Kafka's validator, the records' true max timestamp
    /// (or LogAppendTime). The header as stamped and what the append answers.
    fn stamp(
        &self,
        head: &mut [u8],
        body: &[u8],
        batch: &CheckedBatch,
        leader_epoch: i32,
        now_ms: i64,
    ) -> (BatchHeader, AppendInfo) {
        let first_offset = self.log_end_offset();
        patch_base_offset(head, first_offset);
        patch_partition_leader_epoch(head, leader_epoch);
        let (timestamp_type, max_timestamp, log_append_time_ms) = match self
            .config
            .message_timestamp_type
        {
            MessageTimestampType::LogAppendTime => (TimestampType::LogAppend, now_ms, Some(now_ms)),
            MessageTimestampType::CreateTime => {
                (TimestampType::Creation, batch.record_max_timestamp, None)
            }
        };
        if batch.header.timestamp_type() != timestamp_type
            || batch.header.max_timestamp != max_timestamp
        {
            set_max_timestamp_split(head, body, timestamp_type, max_timestamp);
        }
        let header = BatchHeader {
            base_offset: first_offset,
            partition_leader_epoch: leader_epoch,
            max_timestamp,
            ..batch.header
        };
        let info = AppendInfo {
            first_offset,
            last_offset: header.last_offset(),
            max_timestamp,
            offset_of_max_timestamp: header.last_offset(),
            log_append_time_ms,
            record_count: header.records_count,
            duplicate: false,
        };
        (header, info)
    }

    fn duplicate_append_info(
        &self,
        original: super::producer_state::BatchMetadata,
        header: &BatchHeader,
    ) -> AppendInfo {
        let log_append_time_ms = (self.config.message_timestamp_type
            == MessageTimestampType::LogAppendTime)
            .then_some(original.max_timestamp);
        AppendInfo {
            first_offset: original.first_offset,
            last_offset: original.last_offset,
            max_timestamp: original.max_timestamp,
            offset_of_max_timestamp: original.last_offset,
            log_append_time_ms,
            record_count: header.records_count,
            duplicate: true,
        }
    }

    /// max.message.bytes applies to each batch before anything else, as in Kafka.
    fn check_batch_size(&self, records: &[u8]) -> Result<(), LogError> {
        let max = usize::try_from(self.config.max_message_bytes).unwrap_or(0);
        if let Some(Ok(batch)) = batches(records).next() {
            if batch.header.total_size() > max {
                return Err(LogError::MessageTooLarge {
                    size: batch.header.total_size(),
                    max: self.config.max_message_bytes,
                });
            }
        }
        Ok(())
    }

    /// Writes one batch whose offsets are already final, rolling first when due.
    pub(super) fn append_batch(
        &mut self,
        batch: &[u8],
        header: &BatchHeader,
        now_ms: i64,
    ) -> Result<(), LogError> {
        self.append_batch_parts(batch, &[], header, now_ms)
    }

    /// [`Self::append_batch`] for a batch given as two consecutive parts.
    fn append_batch_parts(
        &mut self,
        head: &[u8],
        rest: &[u8],
        header: &BatchHeader,
        now_ms: i64,
    ) -> Result<(), LogError> {
        if self.active.should_roll(&self.config, header, now_ms) {
            self.roll_at(header.base_offset, now_ms)?;
        }
        if !self.recent.keeps() {
            self.active
                .append(head, rest, header, self.config.index_interval_bytes)?;
            // Control batches come whole (markers and follower fetches), never in two parts.
            return self.track_appended(rest.is_empty().then_some(head), header);
        }
        // Kept for the followers: the one copy of the batch, written from there.
        let mut whole = recent::buffer(head.len() + rest.len());
        whole.extend_from_slice(head);
        whole.extend_from_slice(rest);
        let retained = whole.len();
        self.write_kept(recent::shared(whole), retained, header)
    }

    /// Writes `batch` (whole, offsets final) and keeps it for the followers, rolling first when
    /// due; `retained` is what it holds in memory (at least its length).
    fn append_kept(
        &mut self,
        batch: Bytes,
        retained: usize,
        header: &BatchHeader,
        now_ms: i64,
    ) -> Result<(), LogError> {
        if self.active.should_roll(&self.config, header, now_ms) {
            self.roll_at(header.base_offset, now_ms)?;
        }
        self.write_kept(batch, retained, header)
    }

    /// Writes `batch` to the active segment and keeps it; nothing is kept when it fails.
    fn write_kept(
        &mut self,
        batch: Bytes,
        retained: usize,
        header: &BatchHeader,
    ) -> Result<(), LogError> {
        let appended = self
            .active
            .append(&batch, &[], header, self.config.index_interval_bytes)
            .and_then(|()| self.track_appended(Some(&batch), header));
        match appended {
            Ok(()) => self.recent.push(
                self.active.base_offset(),
                header.base_offset,
                header.last_offset(),
                batch,
                retained,
            ),
            Err(_) => self.recent.clear(),
        }
        appended
    }

    /// The producer state, aborted-transaction index and leader epochs after a batch was
    /// written to the active segment; `whole` is its bytes when it came whole (a control
    /// batch always does).
    pub(super) fn track_appended(
        &mut self,
        whole: Option<&[u8]>,
        header: &BatchHeader,
    ) -> Result<(), LogError> {
        let marker = match whole {
            Some(bytes) if header.is_control() => parse_marker(bytes, header.base_offset)?,
            _ => None,
        };
        if let Some(aborted) = self.producer_state.update(header, marker) {
            let entry = AbortedTxnEntry {
                aborted,
                last_stable_offset: self.last_stable_offset_after(aborted),
            };
            append_txn_index(
                &txn_index_path(&self.dir, self.active.base_offset()),
                &entry,
            )?;
        }
        self.leader_epochs
            .assign(header.partition_leader_epoch, header.base_offset);
        Ok(())
    }

    /// Starts a new active segment at the log end offset (no-op when the active one is empty).
    pub fn roll(&mut self, now_ms: i64) -> Result<(), LogError> {
        self.ensure_not_deleted()?;
        let log_end_offset = self.log_end_offset();
        if self.active.size() == 0 {
            return Ok(());
        }
        self.roll_at(log_end_offset, now_ms)
    }

    /// Starts a new active segment at `base_offset` (>= the log end offset). An empty active
    /// segment is replaced rather than kept, so offsets stay within its u32 index range.
    pub(super) fn roll_at(&mut self, base_offset: i64, now_ms: i64) -> Result<(), LogError> {
        debug_assert!(base_offset >= self.log_end_offset());
        if self.active.size() == 0 && self.active.base_offset() == base_offset {
            return Ok(());
        }
        let next = LogSegment::create(&self.dir, base_offset, now_ms)?;
        let mut previous = std::mem::replace(&mut self.active, next);
        if previous.size() == 0 {
            return previous.delete();
        }
        previous.on_become_inactive()?;
        self.inactive.insert(previous.base_offset(), previous);
        Ok(())
    }

    /// Syncs unflushed segments to disk and advances the recovery point to the log end, so
    /// the next open need not scan what lies before it.
    pub fn flush(&mut self) -> Result<(), LogError> {
        self.ensure_not_deleted()?;
        let recovery_point = self.recovery_point;
        let checkpoint = self.dir.join(RECOVERY_POINT_CHECKPOINT);
        // Nothing was appended since the last flush: no descriptor to open, nothing to sync
        // (but a leader's epoch that wrote nothing yet).
        if recovery_point == self.log_end_offset() && checkpoint.exists() {
            if self.leader_epochs.unwritten() {
                self.leader_epochs.persist_durably()?;
            }
            return Ok(());
        }
        for segment in self
            .segments()
            .filter(|s| s.next_offset() > recovery_point || s.size() == 0)
        {
            segment.flush()?;
        }
        self.leader_epochs.persist_durably()?;
        self.recovery_point = self.log_end_offset();
        write_offset_checkpoint(&checkpoint, self.recovery_point, true)
    }

    /// Moves the recovery point to the log end without syncing anything: for a clean shutdown,
    /// which syncs the whole filesystem before and after (see `LogManager::shutdown`).
    pub(crate) fn mark_flushed(&mut self) -> Result<(), LogError> {
        self.ensure_not_deleted()?;
        let checkpoint = self.dir.join(RECOVERY_POINT_CHECKPOINT);
        // Epochs assigned since the last write (a leader's that wrote nothing yet, too).
        if self.leader_epochs.unwritten() {
            self.leader_epochs.persist()?;
        }
        if self.recovery_point == self.log_end_offset() && checkpoint.exists() {
            return Ok(());
        }
        // The indexes' last entries, which a flush would have written (the caller syncs after).
        for segment in self.segments() {
            segment.write_index_entries()?;
        }
        self.recovery_point = self.log_end_offset();
        write_offset_checkpoint(&checkpoint, self.recovery_point, false)
    }

    pub(super) fn persist_log_start_offset(&self) -> Result<(), LogError> {
        write_offset_checkpoint(
            &self.dir.join(LOG_START_OFFSET_CHECKPOINT),
            self.log_start_offset,
            true,
        )
    }

    /// Closes every descriptor of this log (reopened at the next use).
    pub fn close_files(&self) {
        for segment in self.segments() {
            segment.close();
        }
    }

    /// Removes the partition directory and everything in it.
    pub fn delete(mut self) -> Result<(), LogError> {
        self.delete_files()
    }

    /// Removes the partition directory (renamed `-delete` first, see `partition_dir`); later
    /// calls on this log fail with [`LogError::Deleted`].
    pub fn delete_files(&mut self) -> Result<(), LogError> {
        self.deleted = true;
        self.recent.clear();
        self.close_files();
        delete_partition_dir(&self.dir)
    }
}
