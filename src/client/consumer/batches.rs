//! Turning a Fetch response's record bytes into records: batch framing (the last batch may be
//! cut short by the fetch size limits), decompression, and read_committed filtering of
//! aborted transactions using the response's `aborted_transactions`.

use super::record::{ConsumerRecord, TimestampKind};
use crate::client::error::{ClientError, ClientResult};
use crate::protocol::batch::{parse_batch_header, BATCH_HEADER_SIZE, LOG_OVERHEAD, MAGIC_V2};
use crate::protocol::batch_reader::{read_records, RecordEntry};
use bytes::Bytes;
use kafka_protocol::records::TimestampType;
use std::collections::HashSet;

/// Where the magic byte sits, the same in every record format.
const MAGIC_AT: usize = 16;

/// An aborted transaction from the Fetch response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortedTransaction {
    pub producer_id: i64,
    pub first_offset: i64,
}

/// The records of one partition from one fetch, and where the next fetch starts.
#[derive(Debug, Default)]
pub struct DecodedRecords {
    pub records: Vec<ConsumerRecord>,
    pub next_offset: i64,
}

/// Decodes `bytes` for `topic`-`partition` starting at `fetch_offset`.
///
/// With `aborted` set (read_committed), data batches of aborted transactions are dropped, as
/// the Java consumer does: a producer enters the aborted set when its first aborted offset is
/// reached and leaves it at its ABORT marker.
pub fn decode_records(
    topic: &str,
    partition: i32,
    mut bytes: Bytes,
    fetch_offset: i64,
    aborted: Option<&[AbortedTransaction]>,
    include_control: bool,
) -> ClientResult<DecodedRecords> {
    let mut pending_aborts: Vec<AbortedTransaction> =
        aborted.map(<[_]>::to_vec).unwrap_or_default();
    pending_aborts.sort_by_key(|a| std::cmp::Reverse(a.first_offset));
    let mut aborted_producers = HashSet::new();
    let mut decoded = DecodedRecords {
        records: Vec::new(),
        next_offset: fetch_offset,
    };
    while bytes.len() >= LOG_OVERHEAD {
        let length = i32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        let size = LOG_OVERHEAD + usize::try_from(length).unwrap_or(0);
        if length < 0 || size < BATCH_HEADER_SIZE {
            return Err(ClientError::Protocol(format!(
                "bad record batch length {length} in {topic}-{partition}"
            )));
        }
        if bytes.len() < size {
            break; // a partial batch at the end: the next fetch starts at it
        }
        let batch = bytes.split_to(size);
        let magic = batch[MAGIC_AT] as i8;
        if magic != MAGIC_V2 {
            return Err(ClientError::Protocol(format!(
                "record batch magic {magic} in {topic}-{partition} is not supported"
            )));
        }
        let unreadable = |e: &dyn std::fmt::Display| {
            ClientError::Protocol(format!("decoding a batch of {topic}-{partition}: {e}"))
        };
        // The header decides whether the records are needed at all (skipped batches are not
        // decompressed).
        let header = parse_batch_header(&batch).map_err(|e| unreadable(&e))?;
        if header.last_offset() < fetch_offset {
            continue;
        }
        decoded.next_offset = header.last_offset() + 1;
        if aborted.is_some() {
            while pending_aborts
                .last()
                .is_some_and(|a| a.first_offset <= header.last_offset())
            {
                if let Some(abort) = pending_aborts.pop() {
                    aborted_producers.insert(abort.producer_id);
                }
            }
            if header.is_control() {
                let marker = read_records(&batch, &header).map_err(|e| unreadable(&e))?;
                if is_abort_marker(&marker) {
                    aborted_producers.remove(&header.producer_id);
                }
            } else if header.is_transactional() && aborted_producers.contains(&header.producer_id) {
                continue;
            }
        }
        if header.is_control() && !include_control {
            continue;
        }
        let entries = read_records(&batch, &header).map_err(|e| unreadable(&e))?;
        // LogAppendTime batches carry the broker's time as the max timestamp.
        let log_append = header.timestamp_type() == TimestampType::LogAppend;
        decoded.records.extend(
            entries
                .into_iter()
                .map(|r| (header.base_offset + i64::from(r.offset_delta), r))
                .filter(|(offset, _)| *offset >= fetch_offset)
                .map(|(offset, r)| ConsumerRecord {
                    topic: topic.to_string(),
                    partition,
                    offset,
                    timestamp: if log_append {
                        header.max_timestamp
                    } else {
                        header.base_timestamp.wrapping_add(r.timestamp_delta)
                    },
                    timestamp_kind: if log_append {
                        TimestampKind::LogAppendTime
                    } else {
                        TimestampKind::CreateTime
                    },
                    key: r.key,
                    value: r.value,
                    headers: r.headers,
                    leader_epoch: header.partition_leader_epoch,
                    producer_id: header.producer_id,
                    producer_epoch: header.producer_epoch,
                    is_transactional: header.is_transactional(),
                    is_control: header.is_control(),
                }),
        );
    }
    Ok(decoded)
}

/// A control batch's single record has key (version: i16, type: i16); type 0 is ABORT.
fn is_abort_marker(records: &[RecordEntry]) -> bool {
    records
        .first()
        .and_then(|record| record.key.as_deref())
        .is_some_and(|key| key.len() >= 4 && i16::from_be_bytes([key[2], key[3]]) == 0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use bytes::BytesMut;
    use indexmap::IndexMap;
    use kafka_protocol::records::{Compression, Record, RecordBatchEncoder, RecordEncodeOptions};

    fn batch(
        base: i64,
        count: i64,
        producer_id: i64,
        transactional: bool,
        control_key: Option<i16>,
    ) -> BytesMut {
        let records: Vec<Record> = (0..count)
            .map(|i| Record {
                transactional,
                control: control_key.is_some(),
                delete_horizon: false,
                partition_leader_epoch: 0,
                producer_id,
                producer_epoch: 0,
                timestamp_type: TimestampType::Creation,
                offset: base + i,
                sequence: if producer_id < 0 {
                    i as i32 - 1
                } else {
                    i as i32
                },
                timestamp: 1_000 + i,
                key: Some(match control_key {
                    Some(kind) => Bytes::copy_from_slice(&[0, 0, 0, kind as u8]),
                    None => Bytes::from(format!("k{}", base + i)),
                }),
                value: Some(Bytes::from(format!("v{}", base + i))),
                headers: IndexMap::new(),
            })
            .collect();
        let mut buf = BytesMut::new();
        RecordBatchEncoder::encode(
            &mut buf,
            &records,
            &RecordEncodeOptions {
                version: 2,
                compression: Compression::Lz4,
            },
        )
        .unwrap();
        buf
    }

    #[test]
    fn partial_trailing_batch_is_left_for_the_next_fetch() {
        let mut bytes = batch(0, 3, -1, false, None);
        let second = batch(3, 2, -1, false, None);
        bytes.extend_from_slice(&second[..second.len() - 5]);
        let decoded = decode_records("t", 0, bytes.freeze(), 1, None, false).unwrap();
        let offsets: Vec<i64> = decoded.records.iter().map(|r| r.offset).collect();
        assert_eq!(offsets, vec![1, 2]);
        assert_eq!(decoded.next_offset, 3);
    }

    #[test]
    fn read_committed_skips_aborted_transaction_and_markers() {
        let mut bytes = batch(0, 2, 7, true, None);
        bytes.extend_from_slice(&batch(2, 1, 7, true, Some(0)));
        bytes.extend_from_slice(&batch(3, 2, 7, true, None));
        bytes.extend_from_slice(&batch(5, 1, 7, true, Some(1)));
        let aborted = [AbortedTransaction {
            producer_id: 7,
            first_offset: 0,
        }];
        let committed =
            decode_records("t", 0, bytes.clone().freeze(), 0, Some(&aborted), false).unwrap();
        let offsets: Vec<i64> = committed.records.iter().map(|r| r.offset).collect();
        assert_eq!(offsets, vec![3, 4]);
        assert_eq!(committed.next_offset, 6);
        let everything = decode_records("t", 0, bytes.freeze(), 0, None, true).unwrap();
        assert_eq!(everything.records.len(), 6);
        assert!(everything.records[2].is_control);
    }
}
