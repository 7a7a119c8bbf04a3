//! v2 RecordBatch header helpers: parse, iterate, validate and patch batches without decoding
//! their records, so produced bytes can be written to the log as they arrived.
//!
//! Layout (61-byte header, big endian): baseOffset i64, batchLength i32, partitionLeaderEpoch i32,
//! magic i8, crc u32 (CRC-32C over attributes..end), attributes i16, lastOffsetDelta i32,
//! baseTimestamp i64, maxTimestamp i64, producerId i64, producerEpoch i16, baseSequence i32,
//! recordsCount i32, then the records.

use kafka_protocol::error::ResponseError;
use kafka_protocol::records::{Compression, TimestampType};
use thiserror::Error;

/// Size of the v2 batch header, up to the first record.
pub const BATCH_HEADER_SIZE: usize = 61;
/// baseOffset + batchLength: the bytes not counted by batchLength.
pub const LOG_OVERHEAD: usize = 12;
/// The only record format Kafka 4 accepts.
pub const MAGIC_V2: i8 = 2;
/// The smallest batchLength of any record format (a v0 message); below it a batch is corrupt.
const MIN_RECORD_OVERHEAD: i32 = 14;

const BASE_OFFSET_AT: usize = 0;
const BATCH_LENGTH_AT: usize = 8;
const PARTITION_LEADER_EPOCH_AT: usize = 12;
const MAGIC_AT: usize = 16;
const CRC_AT: usize = 17;
const ATTRIBUTES_AT: usize = 21;
const LAST_OFFSET_DELTA_AT: usize = 23;
const BASE_TIMESTAMP_AT: usize = 27;
const MAX_TIMESTAMP_AT: usize = 35;
const PRODUCER_ID_AT: usize = 43;
const PRODUCER_EPOCH_AT: usize = 51;
const BASE_SEQUENCE_AT: usize = 53;
const RECORDS_COUNT_AT: usize = 57;

const COMPRESSION_MASK: i16 = 0x07;
const TIMESTAMP_TYPE_BIT: i16 = 0x08;
pub const TRANSACTIONAL_BIT: i16 = 0x10;
const CONTROL_BIT: i16 = 0x20;
/// KIP-534: the base timestamp holds the time after which the log cleaner may remove the
/// batch's tombstones and transaction markers.
pub const DELETE_HORIZON_BIT: i16 = 0x40;

/// Why a batch was refused; [`BatchError::error`] gives the Kafka error Kafka answers with.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BatchError {
    #[error("record batch header is truncated: {available} of {BATCH_HEADER_SIZE} bytes")]
    TruncatedHeader { available: usize },
    #[error("produce requests must have at least one record batch per partition")]
    NoBatches,
    #[error("produce requests may contain exactly one record batch per partition")]
    MultipleBatches,
    #[error("record batches must use magic version 2, got {0}")]
    UnsupportedMagic(i8),
    #[error("record batch length {0} is smaller than the v2 header")]
    InvalidBatchLength(i32),
    #[error("record is corrupt (stored crc = {stored}, computed crc = {computed})")]
    CorruptCrc { stored: u32, computed: u32 },
    #[error("the baseOffset of a produced record batch should be 0, but it is {0}")]
    NonZeroBaseOffset(i64),
    #[error("invalid reported count for record batch: {0}")]
    InvalidRecordCount(i32),
    #[error("inconsistent batch: lastOffsetDelta {last_offset_delta} for {records_count} records")]
    InconsistentOffsetDelta {
        last_offset_delta: i32,
        records_count: i32,
    },
    #[error("clients are not allowed to write control records")]
    ControlBatchFromClient,
    #[error("invalid sequence number {0} for a batch with a producer id")]
    InvalidSequence(i32),
    #[error("unknown compression type id {0}")]
    UnknownCompression(i16),
}

impl BatchError {
    /// The Kafka error the broker answers with for this failure.
    pub fn error(&self) -> ResponseError {
        match self {
            Self::TruncatedHeader { .. }
            | Self::InvalidBatchLength(_)
            | Self::CorruptCrc { .. } => ResponseError::CorruptMessage,
            // Kafka's DefaultRecordBatch rejects unknown codec ids as a corrupt batch.
            Self::UnknownCompression(_) => ResponseError::CorruptMessage,
            Self::NoBatches
            | Self::MultipleBatches
            | Self::UnsupportedMagic(_)
            | Self::NonZeroBaseOffset(_)
            | Self::InvalidRecordCount(_)
            | Self::InconsistentOffsetDelta { .. }
            | Self::ControlBatchFromClient
            | Self::InvalidSequence(_) => ResponseError::InvalidRecord,
        }
    }

    /// The Kafka error code for this failure.
    pub fn error_code(&self) -> i16 {
        self.error().code()
    }
}

/// Every field of a v2 batch header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    pub base_offset: i64,
    pub batch_length: i32,
    pub partition_leader_epoch: i32,
    pub magic: i8,
    pub crc: u32,
    pub attributes: i16,
    pub last_offset_delta: i32,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub records_count: i32,
}

impl BatchHeader {
    /// Offset of the last record in the batch.
    pub fn last_offset(&self) -> i64 {
        self.base_offset + i64::from(self.last_offset_delta)
    }

    /// Bytes the whole batch occupies, header included.
    pub fn total_size(&self) -> usize {
        LOG_OVERHEAD + usize::try_from(self.batch_length).unwrap_or(0)
    }

    /// The codec of the records, or `None` for ids Kafka does not define.
    pub fn compression(&self) -> Option<Compression> {
        match self.attributes & COMPRESSION_MASK {
            0 => Some(Compression::None),
            1 => Some(Compression::Gzip),
            2 => Some(Compression::Snappy),
            3 => Some(Compression::Lz4),
            4 => Some(Compression::Zstd),
            _ => None,
        }
    }

    pub fn timestamp_type(&self) -> TimestampType {
        if self.attributes & TIMESTAMP_TYPE_BIT != 0 {
            TimestampType::LogAppend
        } else {
            TimestampType::Creation
        }
    }

    pub fn is_transactional(&self) -> bool {
        self.attributes & TRANSACTIONAL_BIT != 0
    }

    pub fn is_control(&self) -> bool {
        self.attributes & CONTROL_BIT != 0
    }

    /// The delete horizon the log cleaner stored in the batch (KIP-534), if any.
    pub fn delete_horizon_ms(&self) -> Option<i64> {
        (self.attributes & DELETE_HORIZON_BIT != 0).then_some(self.base_timestamp)
    }

    /// Whether the batch was written by an idempotent or transactional producer.
    pub fn has_producer_id(&self) -> bool {
        self.producer_id >= 0
    }
}

fn i16_at(buf: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([buf[at], buf[at + 1]])
}

fn i32_at(buf: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

fn i64_at(buf: &[u8], at: usize) -> i64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&buf[at..at + 8]);
    i64::from_be_bytes(bytes)
}

/// Parses the 61-byte header at the start of `buf` (no CRC check, no length check).
pub fn parse_batch_header(buf: &[u8]) -> Result<BatchHeader, BatchError> {
    if buf.len() < BATCH_HEADER_SIZE {
        return Err(BatchError::TruncatedHeader {
            available: buf.len(),
        });
    }
    Ok(BatchHeader {
        base_offset: i64_at(buf, BASE_OFFSET_AT),
        batch_length: i32_at(buf, BATCH_LENGTH_AT),
        partition_leader_epoch: i32_at(buf, PARTITION_LEADER_EPOCH_AT),
        magic: buf[MAGIC_AT] as i8,
        crc: i32_at(buf, CRC_AT) as u32,
        attributes: i16_at(buf, ATTRIBUTES_AT),
        last_offset_delta: i32_at(buf, LAST_OFFSET_DELTA_AT),
        base_timestamp: i64_at(buf, BASE_TIMESTAMP_AT),
        max_timestamp: i64_at(buf, MAX_TIMESTAMP_AT),
        producer_id: i64_at(buf, PRODUCER_ID_AT),
        producer_epoch: i16_at(buf, PRODUCER_EPOCH_AT),
        base_sequence: i32_at(buf, BASE_SEQUENCE_AT),
        records_count: i32_at(buf, RECORDS_COUNT_AT),
    })
}

/// Checks the batch length covers at least a v2 header.
pub fn check_batch_length(header: &BatchHeader) -> Result<(), BatchError> {
    if header.total_size() < BATCH_HEADER_SIZE {
        return Err(BatchError::InvalidBatchLength(header.batch_length));
    }
    Ok(())
}

/// CRC-32C of a whole batch as Kafka computes it (attributes to the end).
pub fn compute_crc(batch: &[u8]) -> u32 {
    crc32c::crc32c(&batch[ATTRIBUTES_AT..])
}

/// Computes and stores the CRC of one whole batch whose other fields are final.
pub fn stamp_crc(batch: &mut [u8]) {
    let crc = compute_crc(batch);
    batch[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
}

/// Verifies the stored CRC of one whole batch.
pub fn verify_crc(header: &BatchHeader, batch: &[u8]) -> Result<(), BatchError> {
    let computed = compute_crc(batch);
    if computed != header.crc {
        return Err(BatchError::CorruptCrc {
            stored: header.crc,
            computed,
        });
    }
    Ok(())
}

/// One whole batch of a buffer.
#[derive(Debug, Clone, Copy)]
pub struct RawBatch<'a> {
    pub header: BatchHeader,
    /// Position of the batch in the iterated buffer.
    pub position: usize,
    pub bytes: &'a [u8],
}

/// Iterates the whole batches of a buffer. Stops cleanly at a partial tail (as Kafka's
/// log input stream does) and yields one error, then stops, on a magic or length it cannot walk.
pub struct Batches<'a> {
    buf: &'a [u8],
    position: usize,
    done: bool,
}

/// The batches of `buf`, see [`Batches`].
pub fn batches(buf: &[u8]) -> Batches<'_> {
    Batches {
        buf,
        position: 0,
        done: false,
    }
}

impl<'a> Batches<'a> {
    /// Bytes covered by the whole batches yielded so far.
    pub fn valid_bytes(&self) -> usize {
        self.position
    }

    /// Ends the iteration, with one last error if any.
    fn finish(&mut self, error: Option<BatchError>) -> Option<Result<RawBatch<'a>, BatchError>> {
        self.done = true;
        error.map(Err)
    }
}

impl<'a> Iterator for Batches<'a> {
    type Item = Result<RawBatch<'a>, BatchError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        // Kafka's order: a length below any format's overhead is corrupt, a partial batch ends
        // the iteration, then the magic decides the format.
        let rest = &self.buf[self.position..];
        if rest.len() < LOG_OVERHEAD {
            return self.finish(None);
        }
        let batch_length = i32_at(rest, BATCH_LENGTH_AT);
        if batch_length < MIN_RECORD_OVERHEAD {
            return self.finish(Some(BatchError::InvalidBatchLength(batch_length)));
        }
        let size = LOG_OVERHEAD + usize::try_from(batch_length).unwrap_or(0);
        if rest.len() <= MAGIC_AT || rest.len() < size {
            return self.finish(None);
        }
        if rest[MAGIC_AT] as i8 != MAGIC_V2 {
            return self.finish(Some(BatchError::UnsupportedMagic(rest[MAGIC_AT] as i8)));
        }
        if size < BATCH_HEADER_SIZE {
            return self.finish(Some(BatchError::InvalidBatchLength(batch_length)));
        }
        let header = match parse_batch_header(rest) {
            Ok(header) => header,
            Err(e) => return self.finish(Some(e)),
        };
        let batch = RawBatch {
            header,
            position: self.position,
            bytes: &rest[..size],
        };
        self.position += size;
        Some(Ok(batch))
    }
}

/// Validates the records of one partition of a Produce request (v3+) as Kafka's ProduceRequest
/// and log validator do: exactly one v2 batch, base offset 0, a sane length, a good CRC, a
/// consistent record count, no control batch, a sequence when a producer id is set.
/// A partial tail after the batch is ignored, as Kafka trims it; use the batch's `total_size`.
pub fn validate_produce_batches(records: &[u8]) -> Result<Vec<BatchHeader>, BatchError> {
    let mut iter = batches(records);
    let first = iter.next().ok_or(BatchError::NoBatches)??;
    match iter.next() {
        Some(Ok(_)) => return Err(BatchError::MultipleBatches),
        Some(Err(e)) => return Err(e),
        None => {}
    }
    let header = first.header;
    if header.base_offset != 0 {
        return Err(BatchError::NonZeroBaseOffset(header.base_offset));
    }
    verify_crc(&header, first.bytes)?;
    validate_client_batch(&header)?;
    Ok(vec![header])
}

fn validate_client_batch(header: &BatchHeader) -> Result<(), BatchError> {
    if header.records_count <= 0 {
        return Err(BatchError::InvalidRecordCount(header.records_count));
    }
    if i64::from(header.last_offset_delta) != i64::from(header.records_count) - 1 {
        return Err(BatchError::InconsistentOffsetDelta {
            last_offset_delta: header.last_offset_delta,
            records_count: header.records_count,
        });
    }
    if header.is_control() {
        return Err(BatchError::ControlBatchFromClient);
    }
    if header.has_producer_id() && header.base_sequence < 0 {
        return Err(BatchError::InvalidSequence(header.base_sequence));
    }
    if header.compression().is_none() {
        return Err(BatchError::UnknownCompression(
            header.attributes & COMPRESSION_MASK,
        ));
    }
    Ok(())
}

/// Sets the base offset (outside the CRC, so the CRC stays valid).
pub fn patch_base_offset(batch: &mut [u8], base_offset: i64) {
    batch[BASE_OFFSET_AT..BASE_OFFSET_AT + 8].copy_from_slice(&base_offset.to_be_bytes());
}

/// Sets the partition leader epoch (outside the CRC, so the CRC stays valid).
pub fn patch_partition_leader_epoch(batch: &mut [u8], leader_epoch: i32) {
    batch[PARTITION_LEADER_EPOCH_AT..PARTITION_LEADER_EPOCH_AT + 4]
        .copy_from_slice(&leader_epoch.to_be_bytes());
}

/// Sets the timestamp type and maxTimestamp of a whole batch and recomputes its CRC, as Kafka's
/// validator stamps a produced batch (LogAppendTime with the broker's clock, or CreateTime with
/// the records' true maximum). The batch is held as its 61-byte header (which is changed) and
/// the records after it (read only), so a produced batch need not be copied to be stamped.
pub fn set_max_timestamp_split(
    head: &mut [u8],
    records: &[u8],
    timestamp_type: TimestampType,
    max_timestamp: i64,
) {
    let attributes = match timestamp_type {
        TimestampType::LogAppend => i16_at(head, ATTRIBUTES_AT) | TIMESTAMP_TYPE_BIT,
        TimestampType::Creation => i16_at(head, ATTRIBUTES_AT) & !TIMESTAMP_TYPE_BIT,
    };
    head[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
    head[MAX_TIMESTAMP_AT..MAX_TIMESTAMP_AT + 8].copy_from_slice(&max_timestamp.to_be_bytes());
    let crc = crc32c::crc32c_append(crc32c::crc32c(&head[ATTRIBUTES_AT..]), records);
    head[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use bytes::{Bytes, BytesMut};
    use kafka_protocol::records::{Record, RecordBatchEncoder, RecordEncodeOptions};

    fn record(offset: i64, timestamp: i64) -> Record {
        Record {
            transactional: false,
            control: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset,
            // The encoder splits batches where offset - sequence changes; -1 at offset 0 keeps
            // one batch with baseSequence -1 (no producer id).
            sequence: (offset as i32) - 1,
            timestamp,
            key: Some(Bytes::from_static(b"k")),
            value: Some(Bytes::from(format!("value-{offset}"))),
            headers: Default::default(),
            delete_horizon: false,
        }
    }

    fn encode(records: &[Record], compression: Compression) -> Vec<u8> {
        let mut buf = BytesMut::new();
        let options = RecordEncodeOptions {
            version: 2,
            compression,
        };
        RecordBatchEncoder::encode(&mut buf, records, &options).unwrap();
        buf.to_vec()
    }

    fn batch_of(count: i64) -> Vec<u8> {
        let records: Vec<Record> = (0..count).map(|i| record(i, 1_000 + i)).collect();
        encode(&records, Compression::None)
    }

    fn recompute_crc(batch: &mut [u8]) {
        let crc = compute_crc(batch);
        batch[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
    }

    #[test]
    fn parses_every_header_field() {
        let batch = batch_of(3);
        let header = parse_batch_header(&batch).unwrap();
        assert_eq!(header.base_offset, 0);
        assert_eq!(header.magic, 2);
        assert_eq!(header.records_count, 3);
        assert_eq!(header.last_offset_delta, 2);
        assert_eq!(header.last_offset(), 2);
        assert_eq!(header.total_size(), batch.len());
        assert_eq!(header.base_timestamp, 1_000);
        assert_eq!(header.max_timestamp, 1_002);
        assert_eq!(header.producer_id, -1);
        assert_eq!(header.compression(), Some(Compression::None));
        assert_eq!(header.timestamp_type(), TimestampType::Creation);
        assert!(!header.is_transactional());
        assert!(!header.is_control());
        verify_crc(&header, &batch).unwrap();
    }

    #[test]
    fn reports_compression_of_gzip_batch() {
        let batch = encode(&[record(0, 5)], Compression::Gzip);
        let header = parse_batch_header(&batch).unwrap();
        assert_eq!(header.compression(), Some(Compression::Gzip));
        assert_eq!(validate_produce_batches(&batch).unwrap(), vec![header]);
    }

    #[test]
    fn iterator_stops_cleanly_at_partial_tail() {
        let mut buf = batch_of(2);
        let first_len = buf.len();
        buf.extend_from_slice(&batch_of(1));
        buf.extend_from_slice(&batch_of(4)[..30]);
        let mut iter = batches(&buf);
        let first = iter.next().unwrap().unwrap();
        assert_eq!(first.position, 0);
        let second = iter.next().unwrap().unwrap();
        assert_eq!(second.position, first_len);
        assert!(iter.next().is_none());
        assert_eq!(iter.valid_bytes(), first_len + second.bytes.len());
    }

    #[test]
    fn iterator_reports_bad_length_once() {
        let mut buf = batch_of(1);
        buf[BATCH_LENGTH_AT..BATCH_LENGTH_AT + 4].copy_from_slice(&10i32.to_be_bytes());
        let mut iter = batches(&buf);
        assert_eq!(
            iter.next().unwrap().unwrap_err(),
            BatchError::InvalidBatchLength(10)
        );
        assert!(iter.next().is_none());
    }

    #[test]
    fn validate_accepts_one_batch_and_ignores_partial_tail() {
        let mut buf = batch_of(5);
        buf.extend_from_slice(&[0u8; 7]);
        let headers = validate_produce_batches(&buf).unwrap();
        assert_eq!(headers.len(), 1);
        assert_eq!(headers[0].records_count, 5);
    }

    #[test]
    fn validate_refuses_corrupt_trailing_bytes() {
        let mut buf = batch_of(1);
        buf.extend_from_slice(&[0u8; 20]);
        let err = validate_produce_batches(&buf).unwrap_err();
        assert_eq!(err, BatchError::InvalidBatchLength(0));
        assert_eq!(err.error_code(), 2);
    }

    #[test]
    fn iterator_reports_short_v2_batch_as_corrupt() {
        let mut buf = batch_of(1);
        buf[BATCH_LENGTH_AT..BATCH_LENGTH_AT + 4].copy_from_slice(&20i32.to_be_bytes());
        let err = batches(&buf).next().unwrap().unwrap_err();
        assert_eq!(err, BatchError::InvalidBatchLength(20));
    }

    #[test]
    fn validate_refuses_empty_records() {
        let err = validate_produce_batches(&[]).unwrap_err();
        assert_eq!(err, BatchError::NoBatches);
        assert_eq!(err.error_code(), 87);
    }

    #[test]
    fn validate_refuses_two_batches() {
        let mut buf = batch_of(1);
        buf.extend_from_slice(&batch_of(1));
        let err = validate_produce_batches(&buf).unwrap_err();
        assert_eq!(err, BatchError::MultipleBatches);
        assert_eq!(err.error_code(), 87);
    }

    #[test]
    fn validate_refuses_old_magic_with_invalid_record() {
        let mut buf = batch_of(1);
        buf[MAGIC_AT] = 1;
        let err = validate_produce_batches(&buf).unwrap_err();
        assert_eq!(err, BatchError::UnsupportedMagic(1));
        assert_eq!(err.error(), ResponseError::InvalidRecord);
    }

    #[test]
    fn validate_refuses_bad_crc_with_corrupt_message() {
        let mut buf = batch_of(2);
        let last = buf.len() - 1;
        buf[last] ^= 0xff;
        let err = validate_produce_batches(&buf).unwrap_err();
        assert!(matches!(err, BatchError::CorruptCrc { .. }));
        assert_eq!(err.error_code(), 2);
    }

    #[test]
    fn validate_refuses_nonzero_base_offset() {
        let mut buf = batch_of(1);
        patch_base_offset(&mut buf, 7);
        let err = validate_produce_batches(&buf).unwrap_err();
        assert_eq!(err, BatchError::NonZeroBaseOffset(7));
    }

    #[test]
    fn validate_refuses_inconsistent_count() {
        let mut buf = batch_of(3);
        buf[RECORDS_COUNT_AT..RECORDS_COUNT_AT + 4].copy_from_slice(&2i32.to_be_bytes());
        recompute_crc(&mut buf);
        let err = validate_produce_batches(&buf).unwrap_err();
        assert!(matches!(err, BatchError::InconsistentOffsetDelta { .. }));
        buf[RECORDS_COUNT_AT..RECORDS_COUNT_AT + 4].copy_from_slice(&0i32.to_be_bytes());
        recompute_crc(&mut buf);
        let err = validate_produce_batches(&buf).unwrap_err();
        assert_eq!(err, BatchError::InvalidRecordCount(0));
    }

    #[test]
    fn validate_refuses_control_batch_from_client() {
        let mut buf = batch_of(1);
        let attributes = i16_at(&buf, ATTRIBUTES_AT) | CONTROL_BIT;
        buf[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
        recompute_crc(&mut buf);
        let err = validate_produce_batches(&buf).unwrap_err();
        assert_eq!(err, BatchError::ControlBatchFromClient);
    }

    #[test]
    fn validate_refuses_producer_id_without_sequence() {
        let mut buf = batch_of(1);
        buf[PRODUCER_ID_AT..PRODUCER_ID_AT + 8].copy_from_slice(&42i64.to_be_bytes());
        recompute_crc(&mut buf);
        let err = validate_produce_batches(&buf).unwrap_err();
        assert_eq!(err, BatchError::InvalidSequence(-1));
    }

    #[test]
    fn patches_keep_crc_valid() {
        let mut buf = batch_of(2);
        patch_base_offset(&mut buf, 1234);
        patch_partition_leader_epoch(&mut buf, 9);
        let header = parse_batch_header(&buf).unwrap();
        assert_eq!(header.base_offset, 1234);
        assert_eq!(header.partition_leader_epoch, 9);
        assert_eq!(header.last_offset(), 1235);
        verify_crc(&header, &buf).unwrap();
    }

    #[test]
    fn log_append_time_sets_type_and_max_timestamp() {
        let mut buf = batch_of(2);
        let (head, records) = buf.split_at_mut(BATCH_HEADER_SIZE);
        set_max_timestamp_split(head, records, TimestampType::LogAppend, 99_000);
        let header = parse_batch_header(&buf).unwrap();
        assert_eq!(header.timestamp_type(), TimestampType::LogAppend);
        assert_eq!(header.max_timestamp, 99_000);
        verify_crc(&header, &buf).unwrap();
        let decoded =
            kafka_protocol::records::RecordBatchDecoder::decode(&mut Bytes::from(buf)).unwrap();
        assert_eq!(decoded.records.len(), 2);
    }
}
