//! ListOffsets by timestamp: find the exact record, decoding only the one batch that holds it.

use crate::protocol::batch_reader::read_records;
use bytes::Bytes;
use kafka_protocol::records::TimestampType;

use super::error::LogError;
use super::partition_log::PartitionLog;
use super::segment::LogSegment;
use crate::protocol::batch::BatchHeader;

/// A record's timestamp and offset, with the leader epoch of its batch when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampAndOffset {
    pub timestamp: i64,
    pub offset: i64,
    pub leader_epoch: Option<i32>,
}

impl PartitionLog {
    /// The first offset at or after the log start whose record timestamp is >= `timestamp`,
    /// and that record's timestamp; `None` when no record is that recent.
    pub fn offset_for_timestamp(
        &self,
        timestamp: i64,
    ) -> Result<Option<TimestampAndOffset>, LogError> {
        self.ensure_not_deleted()?;
        for segment in self
            .segments()
            .filter(|s| s.max_timestamp() >= timestamp && s.next_offset() > self.log_start_offset)
        {
            let mut position = segment.search_start_for_timestamp(timestamp);
            while let Some(header) = segment.header_at(position)? {
                if header.max_timestamp >= timestamp
                    && header.last_offset() >= self.log_start_offset
                {
                    let found = first_record_at_or_after(
                        segment,
                        position,
                        &header,
                        self.log_start_offset,
                        |ts| ts >= timestamp,
                    )?;
                    if found.is_some() {
                        return Ok(found);
                    }
                }
                position += header.total_size() as u64;
            }
        }
        Ok(None)
    }

    /// KIP-734 MAX_TIMESTAMP: the first record carrying the largest timestamp in the log.
    pub fn max_timestamp_and_offset(&self) -> Result<Option<TimestampAndOffset>, LogError> {
        self.ensure_not_deleted()?;
        let mut best: Option<&LogSegment> = None;
        for segment in self.segments().filter(|s| s.max_timestamp() >= 0) {
            if best.is_none_or(|b| segment.max_timestamp() > b.max_timestamp()) {
                best = Some(segment);
            }
        }
        let Some(segment) = best else {
            return Ok(None);
        };
        let max_timestamp = segment.max_timestamp();
        let mut position = 0;
        while let Some(header) = segment.header_at(position)? {
            if header.max_timestamp == max_timestamp {
                return first_record_at_or_after(segment, position, &header, i64::MIN, |ts| {
                    ts == max_timestamp
                });
            }
            position += header.total_size() as u64;
        }
        Ok(None)
    }
}

/// The first record of the batch at `position` with offset >= `min_offset` whose timestamp
/// matches. LogAppendTime batches give every record the batch's max timestamp, as Kafka does.
fn first_record_at_or_after(
    segment: &LogSegment,
    position: u64,
    header: &BatchHeader,
    min_offset: i64,
    matches: impl Fn(i64) -> bool,
) -> Result<Option<TimestampAndOffset>, LogError> {
    let leader_epoch =
        (header.partition_leader_epoch >= 0).then_some(header.partition_leader_epoch);
    if header.timestamp_type() == TimestampType::LogAppend {
        return Ok(matches(header.max_timestamp).then_some(TimestampAndOffset {
            timestamp: header.max_timestamp,
            offset: header.base_offset.max(min_offset),
            leader_epoch,
        }));
    }
    let bytes: Bytes = segment.read_range(position, position + header.total_size() as u64)?;
    let records = read_records(&bytes, header).map_err(|e| LogError::Decode {
        offset: header.base_offset,
        reason: e.to_string(),
    })?;
    Ok(records
        .iter()
        .map(|r| {
            let offset = header.base_offset + i64::from(r.offset_delta);
            (
                offset,
                header.base_timestamp.wrapping_add(r.timestamp_delta),
            )
        })
        .find(|(offset, timestamp)| *offset >= min_offset && matches(*timestamp))
        .map(|(offset, timestamp)| TimestampAndOffset {
            timestamp,
            offset,
            leader_epoch,
        }))
}
