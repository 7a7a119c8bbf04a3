//! A [`Partition`] with its log open: the one path appends, reads and offset questions take.
//! Appends move the high watermark and wake the partition's waiters; reads stop where the
//! isolation level says; acks=all waits here until the high watermark passes the batch.

use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::error::ResponseError;
use thiserror::Error;
use tokio::time::Instant;

use super::partition::{Offsets, Partition};
use crate::log::{
    AbortedTransaction, AppendInfo, FirstBatch, LogError, PartitionLog, ReadInto, Records,
};

type SharedLog = Arc<std::sync::Mutex<PartitionLog>>;

/// Produce's `acks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acks {
    /// 0: no answer is sent.
    None,
    /// 1: the leader's append is enough.
    Leader,
    /// -1: every replica of the ISR has the batch (the high watermark passed it).
    All,
}

impl Acks {
    /// Kafka's values; anything else is INVALID_REQUIRED_ACKS.
    pub fn from_wire(acks: i16) -> Option<Self> {
        match acks {
            0 => Some(Self::None),
            1 => Some(Self::Leader),
            -1 => Some(Self::All),
            _ => None,
        }
    }
}

/// How far a read may go (Kafka's `FetchIsolation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// A follower replicating: up to the log end.
    LogEnd,
    /// read_uncommitted consumers: up to the high watermark.
    HighWatermark,
    /// read_committed consumers: up to the last stable offset, with the aborted transactions.
    Committed,
}

impl Isolation {
    /// The consumer isolation of a Fetch or ListOffsets `isolation_level`.
    pub fn of_consumer(isolation_level: i8) -> Self {
        if isolation_level == 1 {
            Self::Committed
        } else {
            Self::HighWatermark
        }
    }

    /// The offset a read with this isolation stops before.
    pub fn max_offset(self, offsets: &Offsets) -> i64 {
        match self {
            Self::LogEnd => offsets.log_end,
            Self::HighWatermark => offsets.high_watermark,
            Self::Committed => offsets.last_stable,
        }
    }
}

/// Why an append was refused: by the replica layer or by the log.
#[derive(Debug, Error)]
pub enum AppendError {
    #[error("{0}")]
    Replica(ResponseError),
    #[error(transparent)]
    Log(#[from] LogError),
}

impl AppendError {
    pub fn error(&self) -> ResponseError {
        match self {
            Self::Replica(e) => *e,
            Self::Log(e) => e.error(),
        }
    }
}

impl From<ResponseError> for AppendError {
    fn from(e: ResponseError) -> Self {
        Self::Replica(e)
    }
}

/// What a leader append wrote.
#[derive(Debug, Clone, Copy)]
pub struct Appended {
    pub info: AppendInfo,
    pub log_start_offset: i64,
    /// The high watermark acks=all waits for: one past the batch.
    pub required_offset: i64,
}

/// What a read returned, with the offsets it was bounded by.
#[derive(Debug, Clone)]
pub struct ReadResult {
    pub offsets: Offsets,
    pub records: Records,
    /// Only for [`Isolation::Committed`]: the aborted transactions overlapping the records.
    pub aborted_transactions: Option<Vec<AbortedTransaction>>,
}

/// Partitions appended to whose waiters are woken together when this is dropped.
#[derive(Default)]
pub struct Wakes(Vec<Arc<Partition>>);

impl Drop for Wakes {
    fn drop(&mut self) {
        for partition in self.0.drain(..) {
            partition.notify_moved();
        }
    }
}

/// A hosted partition and its open log.
#[derive(Clone)]
pub struct Replica {
    pub partition: Arc<Partition>,
    log: SharedLog,
}

impl Replica {
    pub(super) fn new(partition: Arc<Partition>, log: SharedLog) -> Self {
        Self { partition, log }
    }

    /// The log, locked, for what the replica layer does not model (timestamp lookups, producer
    /// state, coordinator replays).
    pub fn log(&self) -> Result<MutexGuard<'_, PartitionLog>, ResponseError> {
        self.log
            .lock()
            .map_err(|_| ResponseError::KafkaStorageError)
    }

    /// See [`Partition::start_leader_epoch`].
    pub fn start_leader_epoch(&self) -> Result<(), ResponseError> {
        let mut log = self.log()?;
        self.partition
            .start_leader_epoch(&mut log)
            .map_err(|e| e.error())
    }

    pub fn offsets(&self) -> Result<Offsets, ResponseError> {
        let log = self.log()?;
        Ok(self.partition.offsets(&log))
    }

    /// A leader append in `leader_epoch` (the partition must still be led in it when the log is
    /// locked): `write` appends to the log, then the high watermark and the last stable offset
    /// move and the partition's waiters wake.
    pub fn append_with<T>(
        &self,
        leader_epoch: i32,
        write: impl FnOnce(&mut PartitionLog) -> Result<T, LogError>,
    ) -> Result<T, AppendError> {
        let mut wakes = Wakes::default();
        self.append_waking_later(leader_epoch, write, &mut wakes)
    }

    /// [`Self::append_with`], but the partition's waiters wake only when `wakes` is dropped.
    fn append_waking_later<T>(
        &self,
        leader_epoch: i32,
        write: impl FnOnce(&mut PartitionLog) -> Result<T, LogError>,
        wakes: &mut Wakes,
    ) -> Result<T, AppendError> {
        let mut log = self.log()?;
        if self.partition.check_leader(leader_epoch)? != leader_epoch {
            return Err(AppendError::Replica(ResponseError::NotLeaderOrFollower));
        }
        // The followers fetch each batch right after it is appended: kept in memory, they
        // read it from there rather than from the file (`log/recent.rs`).
        log.keep_recent_appends(self.partition.has_followers());
        let written = write(&mut log)?;
        self.partition.settle_offsets(&log);
        wakes.0.push(self.partition.clone());
        Ok(written)
    }

    /// acks=all's check before an append: NOT_ENOUGH_REPLICAS while the ISR is below the
    /// effective `min.insync.replicas` (Kafka's `appendRecordsToLeader`).
    pub fn check_min_isr(&self) -> Result<(), ResponseError> {
        match self.partition.is_under_min_isr() {
            true => Err(ResponseError::NotEnoughReplicas),
            false => Ok(()),
        }
    }

    /// Appends one Produce batch as the leader in `leader_epoch`. acks=all first needs the
    /// effective `min.insync.replicas` in the ISR (NOT_ENOUGH_REPLICAS, nothing written), as Kafka.
    pub fn append_records(
        &self,
        records: Bytes,
        leader_epoch: i32,
        acks: Acks,
        now_ms: i64,
    ) -> Result<Appended, AppendError> {
        let mut wakes = Wakes::default();
        self.append_records_waking_later(records, leader_epoch, acks, now_ms, &mut wakes)
    }

    /// [`Self::append_records`], but the partition's waiters (fetches, acks=all) wake only when
    /// `wakes` is dropped: a Produce appends all its batches first, so that a follower's fetch
    /// woken by the first one carries them all (Kafka likewise completes delayed fetches once
    /// the whole request is appended).
    pub fn append_records_waking_later(
        &self,
        records: Bytes,
        leader_epoch: i32,
        acks: Acks,
        now_ms: i64,
        wakes: &mut Wakes,
    ) -> Result<Appended, AppendError> {
        if acks == Acks::All {
            self.check_min_isr()?;
        }
        let mut log_start_offset = -1;
        let write = |log: &mut PartitionLog| {
            let info = log.append_produced(records, leader_epoch, now_ms)?;
            log_start_offset = log.log_start_offset();
            Ok(info)
        };
        let info = self.append_waking_later(leader_epoch, write, wakes)?;
        Ok(Appended {
            info,
            log_start_offset,
            required_offset: info.last_offset + 1,
        })
    }

    /// Waits until the high watermark reaches `required_offset` (acks=all), as Kafka's
    /// DelayedProduce: REQUEST_TIMED_OUT after `timeout`, NOT_LEADER_OR_FOLLOWER when the
    /// leadership moved meanwhile, NOT_ENOUGH_REPLICAS_AFTER_APPEND when the batch is
    /// replicated but the ISR shrank below the effective `min.insync.replicas`.
    pub async fn wait_replicated(
        &self,
        required_offset: i64,
        leader_epoch: i32,
        timeout: Duration,
    ) -> Result<(), ResponseError> {
        let deadline = Instant::now() + timeout;
        let mut moved = self.partition.subscribe();
        loop {
            moved.borrow_and_update();
            let outcome = self.partition.replicated(required_offset, leader_epoch);
            if let Some(outcome) = outcome {
                return outcome;
            }
            match tokio::time::timeout_at(deadline, moved.changed()).await {
                Ok(Ok(())) => {}
                _ => return Err(ResponseError::RequestTimedOut),
            }
        }
    }

    /// KIP-320 on the leader: where a fetcher whose last batch has `last_fetched_epoch` (-1:
    /// unstated) parts from this log, as (epoch, end offset): when this log's end of that epoch
    /// is before `fetch_offset`, or this log has no such epoch.
    pub fn diverging_epoch(
        &self,
        last_fetched_epoch: i32,
        fetch_offset: i64,
    ) -> Result<Option<(i32, i64)>, ResponseError> {
        if last_fetched_epoch < 0 {
            return Ok(None);
        }
        let (epoch, end_offset) = self.log()?.end_offset_for_epoch(last_fetched_epoch);
        Ok(
            (end_offset < fetch_offset || epoch < last_fetched_epoch)
                .then_some((epoch, end_offset)),
        )
    }

    /// A follower fetched from `fetch_offset` (see [`Partition::follower_fetched`]); true when
    /// it should join the ISR.
    pub fn follower_fetched(
        &self,
        follower: i32,
        fetch_offset: i64,
        log_start_offset: i64,
        now_ms: i64,
    ) -> Result<bool, ResponseError> {
        let mut log = self.log()?;
        let expand =
            self.partition
                .follower_fetched(&log, follower, fetch_offset, log_start_offset, now_ms);
        // Every in-sync follower has what lies below the high watermark.
        log.forget_recent_appends_below(self.partition.high_watermark());
        Ok(expand)
    }

    /// Reads from `fetch_offset` at most `max_bytes` (the first batch whole past it if
    /// `first_batch` allows, KIP-74), up to where `isolation` allows, into what `into` says.
    pub fn read(
        &self,
        fetch_offset: i64,
        max_bytes: usize,
        first_batch: FirstBatch,
        isolation: Isolation,
        into: ReadInto,
    ) -> Result<ReadResult, ResponseError> {
        let log = self.log()?;
        let offsets = self.partition.offsets(&log);
        let max_offset = isolation.max_offset(&offsets);
        let records = log
            .read_into(fetch_offset, max_bytes, max_offset, into, first_batch)
            .map_err(|e| e.error())?;
        let aborted_transactions = (isolation == Isolation::Committed).then(|| {
            if records.is_empty() {
                Vec::new()
            } else {
                log.aborted_transactions(fetch_offset, max_offset)
            }
        });
        Ok(ReadResult {
            offsets,
            records,
            aborted_transactions,
        })
    }

    /// Where a read with `isolation` would start and stop now (the log start offset and the
    /// isolation's end), without reading: what a waiting fetch compares after a wake. KAFKA_STORAGE_ERROR
    /// once the log is deleted.
    pub fn read_bounds(&self, isolation: Isolation) -> Result<(i64, i64), ResponseError> {
        let log = self.log()?;
        if log.is_deleted() {
            return Err(ResponseError::KafkaStorageError);
        }
        let offsets = self.partition.offsets(&log);
        Ok((offsets.log_start, isolation.max_offset(&offsets)))
    }

    /// DeleteRecords: moves the log start to `offset` (`None`: the high watermark); past the
    /// high watermark is OFFSET_OUT_OF_RANGE. Answers the new log start offset.
    pub fn delete_records(&self, offset: Option<i64>) -> Result<i64, ResponseError> {
        let mut log = self.log()?;
        let high_watermark = self.partition.offsets(&log).high_watermark;
        let offset = offset.unwrap_or(high_watermark);
        if offset < 0 || offset > high_watermark {
            return Err(ResponseError::OffsetOutOfRange);
        }
        let log_start = log.delete_records_before(offset).map_err(|e| e.error())?;
        self.partition.update_offsets(&log);
        Ok(log_start)
    }
}
