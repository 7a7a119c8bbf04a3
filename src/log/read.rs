//! Fetch reads: whole batches straight from one segment file, as Kafka serves them.

use bytes::Bytes;

use crate::protocol::batch::batches;

use super::error::LogError;
use super::mapped::{ReadInto, MAP_MIN_BYTES};
use super::partition_log::PartitionLog;
use super::segment::LogSegment;

impl PartitionLog {
    /// Bytes of whole batches starting with the batch that holds `offset`, up to `max_bytes`
    /// but at least one whole batch when one is readable (KIP-74), never including a batch
    /// that reaches `max_offset` (exclusive; the high watermark). Like Kafka, a read stays in
    /// one segment. OFFSET_OUT_OF_RANGE when `offset` is outside [log start, log end].
    pub fn read(&self, offset: i64, max_bytes: usize, max_offset: i64) -> Result<Bytes, LogError> {
        self.read_into(offset, max_bytes, max_offset, ReadInto::Copy)
    }

    /// [`Self::read`], the bytes where `into` says (a mapping only for bytes no one but the
    /// kernel reads once the caller releases the log: see `log/mapped.rs`).
    pub fn read_into(
        &self,
        offset: i64,
        max_bytes: usize,
        max_offset: i64,
        into: ReadInto,
    ) -> Result<Bytes, LogError> {
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
            if let Some(bytes) = read_segment(segment, offset, max_bytes, max_offset, into)? {
                return Ok(bytes);
            }
        }
        Ok(Bytes::new())
    }
}

/// Reads from one segment; `None` when the segment has no batch at or after `offset`. One
/// read of the segment file covers everything served (the first batch whole, KIP-74, then up
/// to `max_bytes`, never past the index's bound for `max_offset`); the batches are then cut in
/// memory, where a header read per batch cost a system call each. A large range is mapped when
/// `into` allows it; what is left of it once cut, if small, is copied out of the mapping.
fn read_segment(
    segment: &LogSegment,
    offset: i64,
    max_bytes: usize,
    max_offset: i64,
    into: ReadInto,
) -> Result<Option<Bytes>, LogError> {
    let Some((start, first)) = segment.find_batch(offset)? else {
        return Ok(None);
    };
    if first.last_offset() >= max_offset {
        return Ok(Some(Bytes::new()));
    }
    let first_end = start + first.total_size() as u64;
    let end = segment
        .size()
        .min(start.saturating_add(max_bytes as u64))
        .min(segment.position_bound(max_offset))
        .max(first_end);
    // A mapping refused (the process's map count, memory) is no reason to fail the read.
    let mapped = (into == ReadInto::Mapping && end - start >= MAP_MIN_BYTES)
        .then(|| segment.map_range(start, end).ok())
        .flatten();
    let mapping = mapped.is_some();
    let mut bytes = match mapped {
        Some(bytes) => bytes,
        None => segment.read_range(start, end)?,
    };
    bytes.truncate(whole_batches_below(&bytes, max_offset));
    debug_assert!(bytes.len() >= first.total_size());
    if mapping && (bytes.len() as u64) < MAP_MIN_BYTES {
        // Cut short by the limit: not worth a mapping kept alive until the answer is sent.
        bytes = Bytes::copy_from_slice(&bytes);
    }
    Ok(Some(bytes))
}

/// The length of the leading whole batches of `buf` that end below `max_offset`.
fn whole_batches_below(buf: &[u8], max_offset: i64) -> usize {
    let mut batches = batches(buf);
    for batch in batches.by_ref() {
        match batch {
            Ok(batch) if batch.header.last_offset() < max_offset => {}
            Ok(batch) => return batch.position,
            Err(_) => break,
        }
    }
    batches.valid_bytes()
}
