//! The replica side of a log: appending batches fetched from the leader with their offsets
//! and epochs kept, and truncating to where the leader's log diverges.

use super::error::LogError;
use super::partition_log::{AppendInfo, PartitionLog};
use super::segment::LogSegment;
use crate::clock::now_ms;
use crate::protocol::batch::{batches, verify_crc, BatchHeader};

impl PartitionLog {
    /// Appends the whole batches of a leader's Fetch response as they are. Each must pass its
    /// CRC and start at or after the log end offset. A partial tail is ignored. `None` when
    /// there was no whole batch. Consecutive batches that go to the same segment are written
    /// in one system call (a fetch often carries several of a partition's batches).
    pub fn append_as_follower(
        &mut self,
        records: &[u8],
        now_ms: i64,
    ) -> Result<Option<AppendInfo>, LogError> {
        self.ensure_not_deleted()?;
        // Only a leader's own appends are kept.
        self.recent.set_keep(false);
        let mut run = Run::default();
        let checked = self.check_follower_batches(records, now_ms, &mut run);
        // Batches checked before a bad one are appended, as when each went on its own.
        let written = self.write_run(records, &mut run);
        let info = checked?;
        written?;
        Ok(info)
    }

    /// Checks each batch of `records` and adds it to `run`, writing the run first whenever the
    /// next batch needs a new segment.
    fn check_follower_batches(
        &mut self,
        records: &[u8],
        now_ms: i64,
        run: &mut Run,
    ) -> Result<Option<AppendInfo>, LogError> {
        let mut info: Option<AppendInfo> = None;
        for batch in batches(records) {
            let batch = batch?;
            let header = batch.header;
            verify_crc(&header, batch.bytes)?;
            let log_end_offset = run.next_offset.unwrap_or_else(|| self.log_end_offset());
            if header.base_offset < log_end_offset {
                return Err(LogError::UnexpectedAppendOffset {
                    base_offset: header.base_offset,
                    log_end_offset,
                });
            }
            if header.total_size() > usize::try_from(self.config.segment_bytes).unwrap_or(0) {
                return Err(LogError::RecordListTooLarge {
                    size: header.total_size(),
                    segment_bytes: self.config.segment_bytes,
                });
            }
            let pending = run.first_max_timestamp.map(|ts| (run.bytes as u64, ts));
            if self
                .active
                .should_roll_after(&self.config, &header, now_ms, pending)
            {
                self.write_run(records, run)?;
                self.roll_at(header.base_offset, now_ms)?;
            }
            run.push(batch.position, &header);
            let first_offset = info.map_or(header.base_offset, |i| i.first_offset);
            let mut next = AppendInfo {
                first_offset,
                last_offset: header.last_offset(),
                max_timestamp: header.max_timestamp,
                offset_of_max_timestamp: header.last_offset(),
                log_append_time_ms: None,
                duplicate: false,
                record_count: header.records_count + info.map_or(0, |i| i.record_count),
            };
            if let Some(previous) = info.filter(|i| i.max_timestamp >= header.max_timestamp) {
                next.max_timestamp = previous.max_timestamp;
                next.offset_of_max_timestamp = previous.offset_of_max_timestamp;
            }
            info = Some(next);
        }
        Ok(info)
    }

    /// Writes the batches of `run` (positions within `records`) to the active segment in one
    /// call, then does each one's bookkeeping in order; `run` is left empty.
    fn write_run(&mut self, records: &[u8], run: &mut Run) -> Result<(), LogError> {
        let run = std::mem::take(run);
        let Some(&(start, _)) = run.batches.first() else {
            return Ok(());
        };
        let bytes = &records[start..start + run.bytes];
        let headers: Vec<BatchHeader> = run.batches.iter().map(|(_, h)| *h).collect();
        self.active
            .append_run(bytes, &headers, self.config.index_interval_bytes)?;
        for (position, header) in &run.batches {
            let whole = &records[*position..*position + header.total_size()];
            self.track_appended(Some(whole), header)?;
        }
        Ok(())
    }

    /// Removes every batch that ends at or after `offset` (a batch straddling it goes too), as
    /// a follower does after OffsetForLeaderEpoch. Below the log start it empties the log. At or
    /// past the log end nothing is cut, but epochs starting at the log end are forgotten, as
    /// Kafka's `truncateTo`: a broker that led an epoch and wrote nothing in it must not keep
    /// stating that epoch as its last fetched one (the leader would answer it diverging again).
    pub fn truncate_to(&mut self, offset: i64) -> Result<(), LogError> {
        self.ensure_not_deleted()?;
        self.recent.clear();
        if offset >= self.log_end_offset() {
            return self.leader_epochs.truncate_from_end(self.log_end_offset());
        }
        if offset < self.log_start_offset {
            return self.truncate_fully_and_start_at(offset);
        }
        while self.active.base_offset() >= offset {
            let Some((_, previous)) = self.inactive.pop_last() else {
                break;
            };
            let dropped = std::mem::replace(&mut self.active, previous);
            dropped.delete()?;
        }
        self.active
            .truncate_to(&self.dir, offset, self.config.index_interval_bytes)?;
        let log_end_offset = self.log_end_offset();
        self.recovery_point = self.recovery_point.min(log_end_offset);
        self.leader_epochs.truncate_from_end(log_end_offset)?;
        self.rebuild_producer_state()
    }

    /// Deletes all data and restarts the log empty at `offset` (log start = log end = offset),
    /// for a follower whose leader's log starts past this log's end.
    pub fn truncate_fully_and_start_at(&mut self, offset: i64) -> Result<(), LogError> {
        self.ensure_not_deleted()?;
        self.recent.clear();
        for segment in std::mem::take(&mut self.inactive).into_values() {
            segment.delete()?;
        }
        self.active.delete()?;
        self.active = LogSegment::create(&self.dir, offset, now_ms())?;
        self.log_start_offset = offset;
        self.recovery_point = offset;
        self.persist_log_start_offset()?;
        self.producer_state.clear();
        self.leader_epochs.truncate_from_end(i64::MIN)
    }
}

/// Checked batches of one fetch not written yet, consecutive in the fetched bytes and bound
/// for the active segment.
#[derive(Default)]
struct Run {
    /// Each batch's position in the fetched bytes, and its header.
    batches: Vec<(usize, BatchHeader)>,
    /// The first batch's max timestamp (what `segment.ms` would count from in a new segment).
    first_max_timestamp: Option<i64>,
    /// One past the last batch's last offset.
    next_offset: Option<i64>,
    /// The batches' bytes in all.
    bytes: usize,
}

impl Run {
    fn push(&mut self, position: usize, header: &BatchHeader) {
        debug_assert!(self
            .batches
            .last()
            .is_none_or(|(p, h)| p + h.total_size() == position));
        self.first_max_timestamp.get_or_insert(header.max_timestamp);
        self.next_offset = Some(header.last_offset() + 1);
        self.bytes += header.total_size();
        self.batches.push((position, *header));
    }
}
