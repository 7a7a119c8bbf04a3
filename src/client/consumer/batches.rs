//! Turning a Fetch response's record bytes into records: batch framing (the last batch may be
//! cut short by the fetch size limits), decompression, and read_committed filtering of
//! aborted transactions using the response's `aborted_transactions`.

use super::record::{ConsumerRecord, TimestampKind};
use crate::client::error::{ClientError, ClientResult};
use bytes::Bytes;
use kafka_protocol::records::{RecordBatchDecoder, TimestampType};
use std::collections::HashSet;

/// The fixed v2 batch header: fields the decoder does not expose are read from it.
const BATCH_HEADER_BYTES: usize = 61;
const LOG_OVERHEAD: usize = 12;

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

#[derive(Debug, Clone, Copy)]
struct BatchHeader {
    base_offset: i64,
    last_offset: i64,
    magic: i8,
    attributes: i16,
    max_timestamp: i64,
    producer_id: i64,
}

impl BatchHeader {
    fn parse(bytes: &[u8]) -> Self {
        let i64_at = |at: usize| {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(&bytes[at..at + 8]);
            i64::from_be_bytes(raw)
        };
        let i32_at = |at: usize| {
            i32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let base_offset = i64_at(0);
        BatchHeader {
            base_offset,
            last_offset: base_offset + i64::from(i32_at(23)),
            magic: bytes[16] as i8,
            attributes: i16::from_be_bytes([bytes[21], bytes[22]]),
            max_timestamp: i64_at(35),
            producer_id: i64_at(43),
        }
    }

    fn is_transactional(&self) -> bool {
        self.attributes & 0x10 != 0
    }

    fn is_control(&self) -> bool {
        self.attributes & 0x20 != 0
    }
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
        if length < 0 || size < BATCH_HEADER_BYTES {
            return Err(ClientError::Protocol(format!(
                "bad record batch length {length} in {topic}-{partition}"
            )));
        }
        if bytes.len() < size {
            break; // a partial batch at the end: the next fetch starts at it
        }
        let mut batch = bytes.split_to(size);
        let header = BatchHeader::parse(&batch);
        if header.magic != 2 {
            return Err(ClientError::Protocol(format!(
                "record batch magic {} in {topic}-{partition} is not supported",
                header.magic
            )));
        }
        if header.last_offset < fetch_offset {
            continue;
        }
        decoded.next_offset = header.last_offset + 1;
        if aborted.is_some() {
            while pending_aborts
                .last()
                .is_some_and(|a| a.first_offset <= header.last_offset)
            {
                if let Some(abort) = pending_aborts.pop() {
                    aborted_producers.insert(abort.producer_id);
                }
            }
            if header.is_control() {
                if is_abort_marker(&batch) {
                    aborted_producers.remove(&header.producer_id);
                }
            } else if header.is_transactional() && aborted_producers.contains(&header.producer_id) {
                continue;
            }
        }
        if header.is_control() && !include_control {
            continue;
        }
        let set = RecordBatchDecoder::decode(&mut batch).map_err(|e| {
            ClientError::Protocol(format!(
                "decoding batch at offset {} of {topic}-{partition}: {e}",
                header.base_offset
            ))
        })?;
        decoded.records.extend(
            set.records
                .into_iter()
                .filter(|r| r.offset >= fetch_offset)
                .map(|r| {
                    let log_append = r.timestamp_type == TimestampType::LogAppend;
                    ConsumerRecord {
                        topic: topic.to_string(),
                        partition,
                        offset: r.offset,
                        // LogAppendTime batches carry the broker's time as the max timestamp.
                        timestamp: if log_append {
                            header.max_timestamp
                        } else {
                            r.timestamp
                        },
                        timestamp_kind: if log_append {
                            TimestampKind::LogAppendTime
                        } else {
                            TimestampKind::CreateTime
                        },
                        key: r.key,
                        value: r.value,
                        headers: r
                            .headers
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect(),
                        leader_epoch: r.partition_leader_epoch,
                        producer_id: r.producer_id,
                        producer_epoch: r.producer_epoch,
                        is_transactional: r.transactional,
                        is_control: r.control,
                    }
                }),
        );
    }
    Ok(decoded)
}

/// A control batch's single record has key (version: i16, type: i16); type 0 is ABORT.
fn is_abort_marker(batch: &Bytes) -> bool {
    let mut copy = batch.clone();
    RecordBatchDecoder::decode(&mut copy)
        .ok()
        .and_then(|set| set.records.into_iter().next())
        .and_then(|record| record.key)
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
