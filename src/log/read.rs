//! Fetch reads: whole batches straight from one segment file, as Kafka serves them.

use bytes::Bytes;

use super::error::LogError;
use super::partition_log::PartitionLog;
use super::segment::LogSegment;

impl PartitionLog {
    /// Bytes of whole batches starting with the batch that holds `offset`, up to `max_bytes`
    /// but at least one whole batch when one is readable (KIP-74), never including a batch
    /// that reaches `max_offset` (exclusive; the high watermark). Like Kafka, a read stays in
    /// one segment. OFFSET_OUT_OF_RANGE when `offset` is outside [log start, log end].
    pub fn read(&self, offset: i64, max_bytes: usize, max_offset: i64) -> Result<Bytes, LogError> {
        self.ensure_not_deleted()?;
        let log_end_offset = self.log_end_offset();
        if offset < self.log_start_offset || offset > log_end_offset {
            return Err(LogError::OffsetOutOfRange {
                offset,
                log_start_offset: self.log_start_offset,
                log_end_offset,
            });
        }
        let max_offset = max_offset.min(log_end_offset);
        for segment in self.segments().filter(|s| s.next_offset() > offset) {
            if let Some(bytes) = read_segment(segment, offset, max_bytes, max_offset)? {
                return Ok(bytes);
            }
        }
        Ok(Bytes::new())
    }
}

/// Reads from one segment; `None` when the segment has no batch at or after `offset`.
fn read_segment(
    segment: &LogSegment,
    offset: i64,
    max_bytes: usize,
    max_offset: i64,
) -> Result<Option<Bytes>, LogError> {
    let Some((start, first)) = segment.find_batch(offset)? else {
        return Ok(None);
    };
    if first.last_offset() >= max_offset {
        return Ok(Some(Bytes::new()));
    }
    let mut end = start + first.total_size() as u64;
    let limit = start.saturating_add(max_bytes as u64);
    while let Some(header) = segment.header_at(end)? {
        let next_end = end + header.total_size() as u64;
        if header.last_offset() >= max_offset || next_end > limit {
            break;
        }
        end = next_end;
    }
    segment.read_range(start, end).map(Some)
}
