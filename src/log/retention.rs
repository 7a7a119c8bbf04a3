//! Deleting old data as Kafka does: whole segments only, oldest first, never past the high
//! watermark; DeleteRecords moves the log start offset (possibly inside a segment).

use super::error::LogError;
use super::partition_log::PartitionLog;
use super::segment::LogSegment;

impl PartitionLog {
    /// DeleteRecords: moves the log start offset up to `offset` and deletes the segments that
    /// lie wholly below it. Returns the new log start offset (Kafka's low watermark). Kafka
    /// also refuses offsets above the high watermark; the caller, who knows it, checks that.
    pub fn delete_records_before(&mut self, offset: i64) -> Result<i64, LogError> {
        self.ensure_not_deleted()?;
        let log_end_offset = self.log_end_offset();
        if offset < 0 || offset > log_end_offset {
            return Err(LogError::OffsetOutOfRange {
                offset,
                log_start_offset: self.log_start_offset,
                log_end_offset,
            });
        }
        if offset > self.log_start_offset {
            self.advance_log_start_offset(offset)?;
            self.delete_segments_below_log_start()?;
        }
        Ok(self.log_start_offset)
    }

    /// retention.ms / retention.bytes (when cleanup.policy has `delete`) and the log start
    /// offset, with no high watermark limit. Returns how many segments were deleted.
    pub fn apply_retention(&mut self, now_ms: i64) -> Result<usize, LogError> {
        let log_end_offset = self.log_end_offset();
        self.apply_retention_up_to(now_ms, log_end_offset)
    }

    /// As [`Self::apply_retention`], deleting only segments wholly below `high_watermark`. Like
    /// Kafka, when every segment is due the active one is rolled first so it can go too.
    pub fn apply_retention_up_to(
        &mut self,
        now_ms: i64,
        high_watermark: i64,
    ) -> Result<usize, LogError> {
        self.ensure_not_deleted()?;
        let mut deleted = self.delete_segments_below_log_start()?;
        if !self.config.cleanup_policy_delete {
            return Ok(deleted);
        }
        if self.config.retention_bytes >= 0 {
            let mut excess =
                i64::try_from(self.size_bytes()).unwrap_or(i64::MAX) - self.config.retention_bytes;
            deleted += self.delete_oldest_segments(now_ms, high_watermark, |segment| {
                let size = i64::try_from(segment.size()).unwrap_or(i64::MAX);
                let due = excess - size >= 0;
                if due {
                    excess -= size;
                }
                due
            })?;
        }
        if self.config.retention_ms >= 0 {
            let retention_ms = self.config.retention_ms;
            deleted += self.delete_oldest_segments(now_ms, high_watermark, |segment| {
                now_ms.saturating_sub(segment.largest_timestamp()) > retention_ms
            })?;
        }
        Ok(deleted)
    }

    /// Deletes inactive segments that end at or before the log start offset.
    fn delete_segments_below_log_start(&mut self) -> Result<usize, LogError> {
        let log_start_offset = self.log_start_offset;
        let doomed: Vec<i64> = self
            .inactive
            .values()
            .zip(self.segments().skip(1))
            .take_while(|(_, next)| next.base_offset() <= log_start_offset)
            .map(|(segment, _)| segment.base_offset())
            .collect();
        self.remove_segments(&doomed)
    }

    /// Deletes the longest run of oldest segments for which `due` holds and that end at or
    /// below `high_watermark`.
    fn delete_oldest_segments(
        &mut self,
        now_ms: i64,
        high_watermark: i64,
        mut due: impl FnMut(&LogSegment) -> bool,
    ) -> Result<usize, LogError> {
        let mut doomed = Vec::new();
        for segment in self.segments() {
            if segment.size() == 0 || segment.next_offset() > high_watermark || !due(segment) {
                break;
            }
            doomed.push(segment.base_offset());
        }
        if doomed.last() == Some(&self.active.base_offset()) {
            self.roll(now_ms)?;
        }
        let count = self.remove_segments(&doomed)?;
        if count > 0 {
            let first_base = self.segments().next().map_or(0, LogSegment::base_offset);
            if first_base > self.log_start_offset {
                self.advance_log_start_offset(first_base)?;
            }
        }
        Ok(count)
    }

    fn remove_segments(&mut self, base_offsets: &[i64]) -> Result<usize, LogError> {
        for base_offset in base_offsets {
            if let Some(segment) = self.inactive.remove(base_offset) {
                segment.delete()?;
            }
        }
        Ok(base_offsets.len())
    }

    fn advance_log_start_offset(&mut self, offset: i64) -> Result<(), LogError> {
        self.log_start_offset = offset;
        self.recent.forget_below(offset);
        self.persist_log_start_offset()?;
        self.producer_state.truncate_head(offset);
        self.leader_epochs.truncate_from_start(offset)
    }
}
