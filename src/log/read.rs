//! Fetch reads: whole batches straight from one segment file. Kafka's read may end mid-batch
//! at `max_bytes`; kf's ends with the last whole batch (see the Fetch handler's header).

use bytes::Bytes;

use crate::protocol::batch::{batches, BATCH_HEADER_SIZE};

use super::error::{IoContext, LogError};
use super::partition_log::PartitionLog;
use super::records::{FirstBatch, ReadInto, Records, COPY_TAIL_BYTES, FILE_MIN_BYTES};
use super::segment::LogSegment;

impl PartitionLog {
    /// Bytes of whole batches starting with the batch that holds `offset`, up to `max_bytes`
    /// but at least one whole batch when one is readable (KIP-74), never including a batch
    /// that reaches `max_offset` (exclusive; the high watermark). Like Kafka, a read stays in
    /// one segment. OFFSET_OUT_OF_RANGE when `offset` is outside [log start, log end].
    pub fn read(&self, offset: i64, max_bytes: usize, max_offset: i64) -> Result<Bytes, LogError> {
        // A copying read returns bytes; a slice would be read all the same.
        match self.read_into(
            offset,
            max_bytes,
            max_offset,
            ReadInto::Copy,
            FirstBatch::Whole,
        )? {
            Records::Memory(bytes) => Ok(bytes),
            Records::File(slice) => slice.read().at(&self.dir),
        }
    }

    /// [`Self::read`], the bytes where `into` says (a file range only for bytes no one but the
    /// kernel reads: see `log/records.rs`), the first batch past `max_bytes` only as
    /// `first_batch` allows.
    pub fn read_into(
        &self,
        offset: i64,
        max_bytes: usize,
        max_offset: i64,
        into: ReadInto,
        first_batch: FirstBatch,
    ) -> Result<Records, LogError> {
        self.ensure_not_deleted()?;
        let log_end_offset = self.log_end_offset();
        if offset < self.log_start_offset || offset > log_end_offset {
            return Err(LogError::OffsetOutOfRange {
                offset,
                log_start_offset: self.log_start_offset,
                log_end_offset,
            });
        }
        if !first_batch.serves(BATCH_HEADER_SIZE, max_bytes) {
            // No batch fits: a Fetch answer's partitions after its budget is spent find nothing
            // here without a read.
            return Ok(Records::default());
        }
        let max_offset = max_offset.min(log_end_offset);
        if into == ReadInto::Copy {
            if let Some(bytes) = self.recent.read(offset, max_bytes, max_offset, first_batch) {
                return Ok(Records::Memory(bytes));
            }
        }
        let limits = Limits {
            max_bytes,
            max_offset,
            first_batch,
        };
        for segment in self.segments().filter(|s| s.next_offset() > offset) {
            if let Some(bytes) = read_segment(segment, offset, limits, into)? {
                return Ok(bytes);
            }
        }
        Ok(Records::default())
    }
}

/// What bounds one read.
#[derive(Debug, Clone, Copy)]
struct Limits {
    max_bytes: usize,
    /// Exclusive: no batch reaching it is served (the high watermark, or the log end).
    max_offset: i64,
    first_batch: FirstBatch,
}

/// Reads from one segment; `None` when the segment has no batch at or after `offset`. What
/// remains of the segment past the index entry for `offset`, when small (under
/// [`COPY_TAIL_BYTES`] for a copy, under [`FILE_MIN_BYTES`] for a consumer's answer: the tail a
/// live follower or consumer reads), is read whole once and cut in memory: finding
/// the batch first took a header read, a system call per partition per fetch. Otherwise one
/// read covers everything served (the first batch whole if `first_batch` allows, KIP-74, then
/// up to `max_bytes`, never past the index's bound for `max_offset`), cut in memory too; with
/// [`ReadInto::File`] the range is cut from the index and batch headers instead and, when
/// large, not read at all. A first batch that may not be served ends the read at its header.
fn read_segment(
    segment: &LogSegment,
    offset: i64,
    limits: Limits,
    into: ReadInto,
) -> Result<Option<Records>, LogError> {
    let Limits {
        max_bytes,
        max_offset,
        first_batch,
    } = limits;
    let small_tail_bytes = match into {
        ReadInto::Copy => COPY_TAIL_BYTES,
        ReadInto::File => FILE_MIN_BYTES,
    };
    if let Some(tail) = segment.small_tail(offset, small_tail_bytes)? {
        return Ok(cut_batches(&tail, offset, limits));
    }
    let Some((start, first)) = segment.find_batch(offset)? else {
        return Ok(None);
    };
    if first.last_offset() >= max_offset || !first_batch.serves(first.total_size(), max_bytes) {
        return Ok(Some(Records::default()));
    }
    let first_end = start + first.total_size() as u64;
    if into == ReadInto::File {
        let limit = segment
            .position_below(max_offset)?
            .min(start.saturating_add(max_bytes as u64));
        let end = segment.whole_batches_end(first_end, limit)?;
        if end - start >= FILE_MIN_BYTES {
            if let Some(slice) = segment.file_slice(start, end)? {
                return Ok(Some(Records::File(slice)));
            }
        }
        return Ok(Some(Records::Memory(segment.read_range(start, end)?)));
    }
    let end = segment
        .size()
        .min(start.saturating_add(max_bytes as u64))
        .min(segment.position_bound(max_offset))
        .max(first_end);
    let bytes = segment.read_range(start, end)?;
    Ok(Some(
        cut_batches(&bytes, offset, limits).unwrap_or_default(),
    ))
}

/// What a read serves of `bytes`, read from a batch boundary at or below `offset`: the batch
/// holding `offset` (whole past `max_bytes` if `first_batch` allows, KIP-74), then the whole
/// batches after it within `max_bytes`, all ending below `max_offset`. `None` when no whole
/// batch of `bytes` reaches `offset`.
fn cut_batches(bytes: &Bytes, offset: i64, limits: Limits) -> Option<Records> {
    let Limits {
        max_bytes,
        max_offset,
        first_batch,
    } = limits;
    let mut served: Option<(usize, usize)> = None;
    for batch in batches(bytes) {
        let Ok(batch) = batch else { break };
        let end = batch.position + batch.bytes.len();
        match served {
            None if batch.header.last_offset() < offset => {}
            None if batch.header.last_offset() >= max_offset
                || !first_batch.serves(batch.bytes.len(), max_bytes) =>
            {
                return Some(Records::default())
            }
            None => served = Some((batch.position, end)),
            Some((start, _))
                if batch.header.last_offset() >= max_offset || end - start > max_bytes =>
            {
                break
            }
            Some((start, _)) => served = Some((start, end)),
        }
    }
    served.map(|(start, end)| Records::Memory(bytes.slice(start..end)))
}
