//! Building a v2 record batch one record at a time, as producers do: each record is written
//! in its wire form as it is appended, so sealing the batch only fills in the 61-byte header
//! (and compresses the records when asked). No per-record structures are kept.

use super::batch::{stamp_crc, BatchHeader, BATCH_HEADER_SIZE, LOG_OVERHEAD, MAGIC_V2};
use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::compression::{Compressor, Gzip, Lz4, Snappy, Zstd};
use kafka_protocol::records::Compression;
use thiserror::Error;

/// Why a batch could not be sealed.
#[derive(Debug, Error)]
pub enum BatchBuildError {
    #[error("compressing a record batch with {codec:?}: {reason}")]
    Compression { codec: Compression, reason: String },
    #[error("a record batch of {0} bytes does not fit Kafka's 32-bit batch length")]
    TooLarge(usize),
}

/// The producer fields stamped into a batch header when it is sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchStamp {
    /// -1 when the producer is not idempotent.
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// -1 when the producer is not idempotent.
    pub base_sequence: i32,
}

/// A record as its parts, borrowed from wherever the caller keeps them.
#[derive(Debug, Clone, Copy)]
pub struct RecordParts<'a> {
    pub timestamp: i64,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: &'a [(&'a str, Option<&'a [u8]>)],
}

impl RecordParts<'_> {
    /// The most bytes this record can take in a batch (its timestamp delta is not known until
    /// the batch is: counted at its widest).
    pub fn max_encoded_size(&self) -> usize {
        let body = self.body_size(i64::MIN, i32::MAX);
        varint_size(zigzag32(i32::try_from(body).unwrap_or(i32::MAX))) + body
    }

    /// Bytes after the record's length prefix.
    fn body_size(&self, timestamp_delta: i64, offset_delta: i32) -> usize {
        let bytes = |b: Option<&[u8]>| b.map_or(1, |b| length_size(b.len()) + b.len());
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| length_size(name.len()) + name.len() + bytes(*value))
            .sum();
        1 + varint_size(zigzag64(timestamp_delta))
            + varint_size(zigzag32(offset_delta))
            + bytes(self.key)
            + bytes(self.value)
            + length_size(self.headers.len())
            + headers
    }
}

/// An open record batch: a reserved header followed by the records written so far.
#[derive(Debug)]
pub struct RecordBatchBuilder {
    buf: BytesMut,
    record_count: i32,
    base_timestamp: i64,
    /// Set by [`Self::with_base_timestamp`]: the first record does not choose it.
    base_timestamp_fixed: bool,
    max_timestamp: i64,
    /// Sealed with the transactional attribute (a transactional producer's batch).
    transactional: bool,
}

impl RecordBatchBuilder {
    /// An empty batch with room for about `capacity` bytes of records.
    pub fn with_capacity(capacity: usize) -> Self {
        let mut buf = BytesMut::with_capacity(BATCH_HEADER_SIZE + capacity);
        buf.put_bytes(0, BATCH_HEADER_SIZE);
        RecordBatchBuilder {
            buf,
            record_count: 0,
            base_timestamp: 0,
            base_timestamp_fixed: false,
            max_timestamp: -1,
            transactional: false,
        }
    }

    /// Seals the batch as part of its producer's transaction.
    pub fn transactional(mut self) -> Self {
        self.transactional = true;
        self
    }

    /// Fixes the base timestamp that record timestamps are written relative to (the log
    /// cleaner stores Kafka's delete horizon there, KIP-534).
    pub fn with_base_timestamp(mut self, base_timestamp: i64) -> Self {
        debug_assert_eq!(
            self.record_count, 0,
            "the base timestamp is fixed before appends"
        );
        self.base_timestamp = base_timestamp;
        self.base_timestamp_fixed = true;
        self
    }

    /// How many records the batch holds.
    pub fn record_count(&self) -> i32 {
        self.record_count
    }

    /// Bytes of the records written so far (uncompressed, header not counted).
    pub fn records_size(&self) -> usize {
        self.buf.len() - BATCH_HEADER_SIZE
    }

    /// Writes `record` as the next record; returns the bytes it took.
    pub fn append(&mut self, record: &RecordParts<'_>) -> usize {
        self.append_at(record, self.record_count)
    }

    /// Writes `record` at `offset_delta`, for rewrites of stored batches whose offsets keep
    /// their gaps (the log cleaner); deltas must grow.
    pub fn append_at(&mut self, record: &RecordParts<'_>, offset_delta: i32) -> usize {
        if self.record_count == 0 && !self.base_timestamp_fixed {
            self.base_timestamp = record.timestamp;
        }
        let timestamp_delta = record.timestamp.wrapping_sub(self.base_timestamp);
        let body = record.body_size(timestamp_delta, offset_delta);
        let before = self.buf.len();
        put_varint(
            &mut self.buf,
            zigzag32(i32::try_from(body).unwrap_or(i32::MAX)),
        );
        self.buf.put_i8(0); // record attributes: unused in v2
        put_varint(&mut self.buf, zigzag64(timestamp_delta));
        put_varint(&mut self.buf, zigzag32(offset_delta));
        put_bytes(&mut self.buf, record.key);
        put_bytes(&mut self.buf, record.value);
        put_length(&mut self.buf, record.headers.len());
        for (name, value) in record.headers {
            put_length(&mut self.buf, name.len());
            self.buf.put_slice(name.as_bytes());
            put_bytes(&mut self.buf, *value);
        }
        self.record_count += 1;
        self.max_timestamp = self.max_timestamp.max(record.timestamp);
        self.buf.len() - before
    }

    /// The finished batch: the header filled in with `stamp`, the records compressed with
    /// `compression`, the CRC computed. Offsets start at 0; the broker assigns the real ones.
    pub fn seal(
        self,
        stamp: BatchStamp,
        compression: Compression,
    ) -> Result<Bytes, BatchBuildError> {
        let record_count = self.record_count;
        let template = BatchHeader {
            base_offset: 0,
            batch_length: 0,
            partition_leader_epoch: -1, // the broker's to set
            magic: MAGIC_V2,
            crc: 0,
            // CreateTime, not control.
            attributes: compression as i16
                | if self.transactional {
                    super::batch::TRANSACTIONAL_BIT
                } else {
                    0
                },
            last_offset_delta: record_count - 1,
            base_timestamp: self.base_timestamp,
            max_timestamp: self.max_timestamp,
            producer_id: stamp.producer_id,
            producer_epoch: stamp.producer_epoch,
            base_sequence: stamp.base_sequence,
            records_count: record_count,
        };
        self.seal_as(&template, compression)
    }

    /// The finished batch with `template`'s header fields (its length, CRC, base timestamp
    /// and record count are this builder's), the records compressed with `compression`.
    pub fn seal_as(
        self,
        template: &BatchHeader,
        compression: Compression,
    ) -> Result<Bytes, BatchBuildError> {
        let mut buf = match compression {
            Compression::None => self.buf,
            codec => {
                let records = &self.buf[BATCH_HEADER_SIZE..];
                let mut out = BytesMut::with_capacity(BATCH_HEADER_SIZE + records.len() / 2);
                out.put_bytes(0, BATCH_HEADER_SIZE);
                compress(codec, &mut out, records).map_err(|e| BatchBuildError::Compression {
                    codec,
                    reason: format!("{e:#}"),
                })?;
                out
            }
        };
        let batch_length = i32::try_from(buf.len() - LOG_OVERHEAD)
            .map_err(|_| BatchBuildError::TooLarge(buf.len()))?;
        let mut header = &mut buf[..BATCH_HEADER_SIZE];
        header.put_i64(template.base_offset);
        header.put_i32(batch_length);
        header.put_i32(template.partition_leader_epoch);
        header.put_i8(MAGIC_V2);
        header.put_u32(0); // crc, below
        header.put_i16(template.attributes);
        header.put_i32(template.last_offset_delta);
        header.put_i64(self.base_timestamp);
        header.put_i64(template.max_timestamp);
        header.put_i64(template.producer_id);
        header.put_i16(template.producer_epoch);
        header.put_i32(template.base_sequence);
        header.put_i32(self.record_count);
        stamp_crc(&mut buf);
        Ok(buf.freeze())
    }
}

fn compress(codec: Compression, out: &mut BytesMut, records: &[u8]) -> anyhow::Result<()> {
    let write = |tmp: &mut BytesMut| {
        tmp.put_slice(records);
        Ok(())
    };
    match codec {
        Compression::None => {
            out.put_slice(records);
            Ok(())
        }
        Compression::Gzip => Gzip::compress(out, write),
        Compression::Snappy => Snappy::compress(out, write),
        Compression::Lz4 => Lz4::compress(out, write),
        Compression::Zstd => Zstd::compress(out, write),
    }
}

fn zigzag32(n: i32) -> u64 {
    u64::from(((n << 1) ^ (n >> 31)) as u32)
}

fn zigzag64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn varint_size(mut n: u64) -> usize {
    let mut size = 1;
    while n >= 0x80 {
        n >>= 7;
        size += 1;
    }
    size
}

fn put_varint(buf: &mut BytesMut, mut n: u64) {
    while n >= 0x80 {
        buf.put_u8((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    buf.put_u8(n as u8);
}

/// A length as a zigzag varint (records use signed varints for lengths).
fn length_size(len: usize) -> usize {
    varint_size(zigzag32(i32::try_from(len).unwrap_or(i32::MAX)))
}

fn put_length(buf: &mut BytesMut, len: usize) {
    put_varint(buf, zigzag32(i32::try_from(len).unwrap_or(i32::MAX)));
}

/// Length-prefixed bytes; null is length -1.
fn put_bytes(buf: &mut BytesMut, bytes: Option<&[u8]>) {
    match bytes {
        Some(bytes) => {
            put_length(buf, bytes.len());
            buf.put_slice(bytes);
        }
        None => put_varint(buf, zigzag32(-1)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::protocol::batch::{parse_batch_header, verify_crc};
    use kafka_protocol::records::RecordBatchDecoder;

    const STAMP: BatchStamp = BatchStamp {
        producer_id: 7,
        producer_epoch: 2,
        base_sequence: 40,
    };

    fn sample(builder: &mut RecordBatchBuilder) {
        let big = vec![b'x'; 300];
        let records = [
            RecordParts {
                timestamp: 1_700_000_000_000,
                key: Some(b"k1"),
                value: Some(b"v1"),
                headers: &[("h", Some(b"1")), ("null", None)],
            },
            RecordParts {
                timestamp: 1_699_999_999_000,
                key: None,
                value: Some(&big),
                headers: &[],
            },
            RecordParts {
                timestamp: 1_700_000_000_500,
                key: Some(b""),
                value: None,
                headers: &[],
            },
        ];
        for record in &records {
            let size = builder.append(record);
            assert!(size <= record.max_encoded_size());
        }
    }

    /// kafka-protocol's decoder (code kf did not write) reads back what the builder wrote.
    #[test]
    fn sealed_batches_decode_with_every_codec() {
        for codec in [
            Compression::None,
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            let mut builder = RecordBatchBuilder::with_capacity(16);
            sample(&mut builder);
            let sealed = builder.seal(STAMP, codec).unwrap();
            let header = parse_batch_header(&sealed).unwrap();
            verify_crc(&header, &sealed).unwrap();
            assert_eq!(header.total_size(), sealed.len());
            assert_eq!(header.compression(), Some(codec));
            let mut bytes = sealed.clone();
            let decoded = RecordBatchDecoder::decode(&mut bytes).unwrap();
            let records = decoded.records;
            assert_eq!(records.len(), 3, "{codec:?}");
            assert_eq!(records[0].key.as_deref(), Some(&b"k1"[..]));
            assert_eq!(records[0].value.as_deref(), Some(&b"v1"[..]));
            assert_eq!(records[0].headers.len(), 2);
            assert_eq!(records[0].headers[&b"null"[..]], None);
            assert_eq!(records[0].timestamp, 1_700_000_000_000);
            assert_eq!(records[1].timestamp, 1_699_999_999_000);
            assert_eq!(records[1].key, None);
            assert_eq!(records[1].value.as_ref().map(|v| v.len()), Some(300));
            assert_eq!(records[2].key.as_deref(), Some(&b""[..]));
            assert_eq!(records[2].value, None);
            for (i, record) in records.iter().enumerate() {
                assert_eq!(record.offset, i as i64);
                assert_eq!(record.producer_id, 7);
                assert_eq!(record.producer_epoch, 2);
                assert_eq!(record.sequence, 40 + i as i32);
            }
        }
    }

    #[test]
    fn header_carries_counts_and_timestamps() {
        let mut builder = RecordBatchBuilder::with_capacity(0);
        sample(&mut builder);
        assert_eq!(builder.record_count(), 3);
        let records_size = builder.records_size();
        let sealed = builder.seal(STAMP, Compression::None).unwrap();
        assert_eq!(sealed.len(), BATCH_HEADER_SIZE + records_size);
        let header = parse_batch_header(&sealed).unwrap();
        assert_eq!(header.base_offset, 0);
        assert_eq!(header.last_offset_delta, 2);
        assert_eq!(header.records_count, 3);
        assert_eq!(header.base_timestamp, 1_700_000_000_000);
        assert_eq!(header.max_timestamp, 1_700_000_000_500);
        assert_eq!(header.partition_leader_epoch, -1);
        assert_eq!(header.base_sequence, 40);
    }

    #[test]
    fn varints_match_zigzag_encoding() {
        for (n, size) in [(0, 1), (-1, 1), (63, 1), (64, 2), (-65, 2), (i32::MAX, 5)] {
            assert_eq!(varint_size(zigzag32(n)), size, "{n}");
            let mut buf = BytesMut::new();
            put_varint(&mut buf, zigzag32(n));
            assert_eq!(buf.len(), size);
        }
        assert_eq!(varint_size(zigzag64(i64::MIN)), 10);
    }
}
