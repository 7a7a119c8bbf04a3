//! Reading the records of one v2 record batch, the mirror of [`batch_builder`]: keys and values
//! are slices of the (decompressed) batch, and headers are kept as a list, so a header name
//! that appears twice keeps both values, as Kafka allows.
//!
//! [`batch_builder`]: super::batch_builder

#[cfg(doc)]
use super::batch::parse_batch_header;
use super::batch::{BatchHeader, BATCH_HEADER_SIZE};
use bytes::{Buf, Bytes};
use kafka_protocol::compression::{Decompressor, Gzip, Lz4, Snappy, Zstd};
use kafka_protocol::records::Compression;
use thiserror::Error;

/// Why a batch's records could not be read.
#[derive(Debug, Error)]
pub enum BatchReadError {
    #[error("record batch of {declared} bytes is cut short at {available}")]
    Truncated { declared: usize, available: usize },
    #[error("decompressing a {codec:?} record batch: {reason}")]
    Decompression { codec: Compression, reason: String },
    #[error("record {index} of the batch is malformed: {reason}")]
    MalformedRecord { index: i32, reason: &'static str },
}

/// One record, relative to its batch's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    pub offset_delta: i32,
    pub timestamp_delta: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<(String, Option<Bytes>)>,
}

/// The records of the batch at the start of `batch`, whose header (from
/// [`parse_batch_header`](super::batch::parse_batch_header), which callers read first to decide whether the records are needed
/// at all) is `header`.
pub fn read_records(
    batch: &Bytes,
    header: &BatchHeader,
) -> Result<Vec<RecordEntry>, BatchReadError> {
    let declared = header.total_size();
    if declared < BATCH_HEADER_SIZE || batch.len() < declared {
        return Err(BatchReadError::Truncated {
            declared,
            available: batch.len(),
        });
    }
    let body = batch.slice(BATCH_HEADER_SIZE..declared);
    let codec = header.compression().unwrap_or(Compression::None);
    let records = decompress(codec, body).map_err(|e| BatchReadError::Decompression {
        codec,
        reason: format!("{e:#}"),
    })?;
    parse_records(records, header.records_count)
}

fn decompress(codec: Compression, mut body: Bytes) -> anyhow::Result<Bytes> {
    let take = |buf: &mut Bytes| Ok(std::mem::take(buf));
    match codec {
        Compression::None => Ok(body),
        Compression::Gzip => Gzip::decompress(&mut body, take),
        Compression::Snappy => Snappy::decompress(&mut body, take),
        Compression::Lz4 => Lz4::decompress(&mut body, take),
        Compression::Zstd => Zstd::decompress(&mut body, take),
    }
}

/// `count` records from `buf`; a count the bytes cannot hold is refused before any allocation
/// it would ask for.
fn parse_records(mut buf: Bytes, count: i32) -> Result<Vec<RecordEntry>, BatchReadError> {
    // The smallest record takes 7 bytes (length, attributes, two deltas, null key, null value,
    // no headers).
    let count = usize::try_from(count).unwrap_or(0).min(buf.len() / 7);
    let mut records = Vec::with_capacity(count);
    for index in 0..count {
        let index = i32::try_from(index).unwrap_or(i32::MAX);
        let malformed = |reason| BatchReadError::MalformedRecord { index, reason };
        let length = read_length(&mut buf).ok_or(malformed("bad length"))?;
        let length = length.ok_or(malformed("negative length"))?;
        if buf.len() < length {
            return Err(malformed("longer than the batch"));
        }
        let mut record = buf.split_to(length);
        records.push(read_record(&mut record).ok_or(malformed("fields overrun the record"))?);
    }
    Ok(records)
}

fn read_record(buf: &mut Bytes) -> Option<RecordEntry> {
    if !buf.has_remaining() {
        return None;
    }
    buf.advance(1); // record attributes: unused in v2
    let timestamp_delta = unzigzag64(read_varint(buf)?);
    let offset_delta = i32::try_from(unzigzag64(read_varint(buf)?)).ok()?;
    let key = read_bytes(buf)?;
    let value = read_bytes(buf)?;
    let count = read_length(buf)?.unwrap_or(0);
    // Each header takes at least two bytes (name length and value length).
    let mut headers = Vec::with_capacity(count.min(buf.len() / 2));
    for _ in 0..count {
        let name = read_bytes(buf)??;
        let name = String::from_utf8(name.to_vec()).ok()?;
        headers.push((name, read_bytes(buf)?));
    }
    Some(RecordEntry {
        offset_delta,
        timestamp_delta,
        key,
        value,
        headers,
    })
}

fn read_varint(buf: &mut Bytes) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.first()?;
        buf.advance(1);
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn unzigzag64(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// A signed varint length: `Some(None)` for -1 (null), `None` when unreadable or below -1.
fn read_length(buf: &mut Bytes) -> Option<Option<usize>> {
    match unzigzag64(read_varint(buf)?) {
        -1 => Some(None),
        n => usize::try_from(n).ok().map(Some),
    }
}

/// Length-prefixed bytes, `Some(None)` for null.
fn read_bytes(buf: &mut Bytes) -> Option<Option<Bytes>> {
    match read_length(buf)? {
        None => Some(None),
        Some(len) if len <= buf.len() => Some(Some(buf.split_to(len))),
        Some(_) => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::protocol::batch::parse_batch_header;
    use crate::protocol::batch_builder::{BatchStamp, RecordBatchBuilder, RecordParts};
    use bytes::BytesMut;
    use kafka_protocol::records::{Record, RecordBatchEncoder, RecordEncodeOptions};

    fn read_batch(batch: &Bytes) -> Result<(BatchHeader, Vec<RecordEntry>), String> {
        let header = parse_batch_header(batch).map_err(|e| e.to_string())?;
        let records = read_records(batch, &header).map_err(|e| e.to_string())?;
        Ok((header, records))
    }

    const CODECS: [Compression; 5] = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];

    /// What the builder writes, the reader reads back, repeated header names included.
    #[test]
    fn reads_what_the_builder_writes_with_every_codec() {
        for codec in CODECS {
            let mut builder = RecordBatchBuilder::with_capacity(64);
            builder.append(&RecordParts {
                timestamp: 1_000,
                key: Some(b"k"),
                value: Some(b"v"),
                headers: &[("dup", Some(b"1")), ("dup", Some(b"2")), ("dup", None)],
            });
            builder.append(&RecordParts {
                timestamp: 990,
                key: None,
                value: None,
                headers: &[],
            });
            let stamp = BatchStamp {
                producer_id: -1,
                producer_epoch: -1,
                base_sequence: -1,
            };
            let batch = builder.seal(stamp, codec).unwrap();
            let (header, records) = read_batch(&batch).unwrap();
            assert_eq!(header.records_count, 2);
            assert_eq!(records.len(), 2, "{codec:?}");
            assert_eq!(records[0].key.as_deref(), Some(&b"k"[..]));
            assert_eq!(records[0].value.as_deref(), Some(&b"v"[..]));
            let headers: Vec<(&str, Option<&[u8]>)> = records[0]
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_deref()))
                .collect();
            assert_eq!(
                headers,
                vec![
                    ("dup", Some(&b"1"[..])),
                    ("dup", Some(&b"2"[..])),
                    ("dup", None)
                ]
            );
            assert_eq!(
                (records[1].offset_delta, records[1].timestamp_delta),
                (1, -10)
            );
            assert_eq!(
                (records[1].key.clone(), records[1].value.clone()),
                (None, None)
            );
        }
    }

    /// kafka-protocol's encoder (code kf did not write) agrees with the reader.
    #[test]
    fn reads_what_kafka_protocol_encodes() {
        let records: Vec<Record> = (0..50)
            .map(|i| Record {
                transactional: false,
                control: false,
                delete_horizon: false,
                partition_leader_epoch: 0,
                producer_id: -1,
                producer_epoch: -1,
                timestamp_type: kafka_protocol::records::TimestampType::Creation,
                offset: 100 + i,
                // The encoder starts a new batch unless offset - sequence stays constant.
                sequence: i as i32 - 1,
                timestamp: 5_000 + i,
                key: Some(Bytes::from(format!("key-{i}"))),
                value: Some(Bytes::from(vec![b'x'; i as usize * 10])),
                headers: [(
                    kafka_protocol::protocol::StrBytes::from_static_str("h"),
                    Some(Bytes::from(format!("{i}"))),
                )]
                .into_iter()
                .collect(),
            })
            .collect();
        for codec in CODECS {
            let mut buf = BytesMut::new();
            let options = RecordEncodeOptions {
                version: 2,
                compression: codec,
            };
            RecordBatchEncoder::encode(&mut buf, &records, &options).unwrap();
            let (header, read) = read_batch(&buf.freeze()).unwrap();
            assert_eq!(header.base_offset, 100);
            assert_eq!(read.len(), 50, "{codec:?}");
            for (i, entry) in read.iter().enumerate() {
                let original = &records[i];
                assert_eq!(
                    header.base_offset + i64::from(entry.offset_delta),
                    original.offset
                );
                assert_eq!(
                    header.base_timestamp + entry.timestamp_delta,
                    original.timestamp
                );
                assert_eq!(entry.key, original.key);
                assert_eq!(entry.value, original.value);
                assert_eq!(entry.headers[0].1, Some(Bytes::from(format!("{i}"))));
            }
        }
    }

    #[test]
    fn damaged_batches_are_errors_not_panics() {
        let mut builder = RecordBatchBuilder::with_capacity(64);
        builder.append(&RecordParts {
            timestamp: 1,
            key: Some(b"key"),
            value: Some(b"value"),
            headers: &[("h", Some(b"v"))],
        });
        let stamp = BatchStamp {
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
        };
        let batch = builder.seal(stamp, Compression::None).unwrap();
        for cut in 0..batch.len() {
            assert!(read_batch(&batch.slice(..cut)).is_err(), "cut at {cut}");
        }
        for at in BATCH_HEADER_SIZE..batch.len() {
            let mut damaged = batch.to_vec();
            damaged[at] = 0xff;
            // Whatever the byte does, reading returns; it may still parse.
            let _ = read_batch(&Bytes::from(damaged));
        }
        // A count far beyond the bytes: refused, without reserving room for it first.
        let mut huge_count = batch.to_vec();
        huge_count[57..61].copy_from_slice(&i32::MAX.to_be_bytes());
        assert!(read_batch(&Bytes::from(huge_count)).is_err());
    }
}
