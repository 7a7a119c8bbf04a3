//! Kafka's LogValidator for a batch a client produced: every record is walked once, in place
//! for an uncompressed batch and through a streaming decompressor otherwise, so validation
//! allocates nothing per record and a compressed batch holds a bounded buffer whatever it
//! expands to. Checked, as Kafka does: record framing (lengths, varints, header counts), that
//! the batch holds exactly the records its header counts, the key rule of compacted topics
//! and each record's timestamp; the batch's max timestamp becomes its largest record's.
//!
//! Differs from Kafka: record offset deltas must be 0, 1, 2...; Kafka rewrites (recompresses)
//! a compressed batch whose inner offsets are not and stores an uncompressed one as it is,
//! while kf stores batches as they arrived, so it refuses them (INVALID_RECORD). A key, value
//! or header value length below -1 is refused (Kafka reads it as null; consumers such as
//! librdkafka stall on it). A body that does not decompress is CORRUPT_MESSAGE (Kafka answers
//! UNKNOWN_SERVER_ERROR). A framing error names the record in `record_errors` (Kafka gives
//! only the message).

use std::io::{self, BufRead, BufReader, Read};

use kafka_protocol::error::ResponseError;
use kafka_protocol::records::{Compression, TimestampType, NO_TIMESTAMP};
use thiserror::Error;

use super::config::{LogConfig, MessageTimestampType};
use crate::protocol::batch::{BatchHeader, BATCH_HEADER_SIZE};

/// A refused batch: the partition's error, its message and the records at fault (KIP-467).
#[derive(Debug, Error)]
#[error("{message}")]
pub struct InvalidRecords {
    pub error: ResponseError,
    pub message: String,
    pub record_errors: Vec<RecordError>,
}

/// One record at fault: its index in the batch and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub batch_index: i32,
    pub message: String,
}

/// The topic's rules a produced record must meet.
#[derive(Debug, Clone, Copy)]
pub(super) struct RecordRules {
    pub compacted: bool,
    pub timestamp_type: MessageTimestampType,
    pub before_max_ms: i64,
    pub after_max_ms: i64,
    pub now_ms: i64,
}

impl RecordRules {
    pub fn new(config: &LogConfig, now_ms: i64) -> Self {
        Self {
            compacted: config.cleanup_policy_compact,
            timestamp_type: config.message_timestamp_type,
            before_max_ms: config.message_timestamp_before_max_ms,
            after_max_ms: config.message_timestamp_after_max_ms,
            now_ms,
        }
    }

    /// Kafka's validateKey then validateTimestamp for one record: an error for the record,
    /// and whether it is a timestamp error.
    fn check(&self, has_key: bool, timestamp: i64, log_append_batch: bool) -> Option<Fault> {
        if self.compacted && !has_key {
            return Some(Fault::Key);
        }
        if self.timestamp_type == MessageTimestampType::CreateTime && timestamp != NO_TIMESTAMP {
            let behind = i128::from(self.now_ms) - i128::from(timestamp);
            if behind > i128::from(self.before_max_ms) || -behind > i128::from(self.after_max_ms) {
                return Some(Fault::TimestampOutOfRange(timestamp));
            }
        } else if log_append_batch {
            return Some(Fault::LogAppendTimeFromProducer);
        }
        None
    }

    fn describe(&self, fault: Fault) -> String {
        match fault {
            Fault::Key => "Compacted topic cannot accept message without key".to_owned(),
            Fault::TimestampOutOfRange(timestamp) => format!(
                "Timestamp {timestamp} of message is out of range. The timestamp should be \
                 within [{}, {}]",
                self.now_ms.saturating_sub(self.before_max_ms),
                self.now_ms.saturating_add(self.after_max_ms)
            ),
            Fault::LogAppendTimeFromProducer => "Invalid timestamp type in message. Producer \
                 should not set timestamp type to LogAppendTime."
                .to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Key,
    TimestampOutOfRange(i64),
    LogAppendTimeFromProducer,
}

/// Walks the records of `batch` (one whole batch whose header, `header`, passed the batch
/// checks) and returns the largest record timestamp (-1 when none has one).
pub(super) fn validate_records(
    header: &BatchHeader,
    batch: &[u8],
    rules: &RecordRules,
) -> Result<i64, InvalidRecords> {
    let body = batch
        .get(BATCH_HEADER_SIZE..header.total_size())
        .unwrap_or_default();
    let codec = header.compression().unwrap_or(Compression::None);
    let walked = match codec {
        Compression::None => walk(body, header, rules),
        Compression::Gzip => walk(
            BufReader::new(flate2::bufread::MultiGzDecoder::new(body)),
            header,
            rules,
        ),
        Compression::Snappy => walk(SnappyBlocks::new(body), header, rules),
        Compression::Lz4 => match lz4::Decoder::new(body) {
            Ok(decoder) => {
                let mut reader = BufReader::new(decoder);
                walk(&mut reader, header, rules).and_then(|max_timestamp| {
                    // A frame cut before its end mark reads as a clean end: refuse it here.
                    let (_, complete) = reader.into_inner().finish();
                    complete.map(|()| max_timestamp).map_err(Stop::Decompress)
                })
            }
            Err(e) => Err(Stop::Decompress(e)),
        },
        Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(body) {
            Ok(decoder) => walk(BufReader::new(decoder), header, rules),
            Err(e) => Err(Stop::Decompress(e)),
        },
    };
    walked.map_err(|stop| stop.refusal(codec))
}

/// Why the walk stopped early.
enum Stop {
    /// The record at `index` cannot be read: the batch is refused as INVALID_RECORD.
    Framing {
        index: i32,
        reason: String,
    },
    Decompress(io::Error),
    /// Key or timestamp rules failed for these records.
    Rules {
        record_errors: Vec<RecordError>,
        timestamp: bool,
    },
}

impl Stop {
    fn refusal(self, codec: Compression) -> InvalidRecords {
        match self {
            Self::Framing { index, reason } => InvalidRecords {
                error: ResponseError::InvalidRecord,
                message: format!("record {index} of the batch is invalid: {reason}"),
                record_errors: vec![RecordError {
                    batch_index: index,
                    message: reason,
                }],
            },
            Self::Decompress(e) => InvalidRecords {
                error: ResponseError::CorruptMessage,
                message: format!("the {codec:?} records of the batch do not decompress: {e}"),
                record_errors: Vec::new(),
            },
            Self::Rules {
                record_errors,
                timestamp: true,
            } => InvalidRecords {
                error: ResponseError::InvalidTimestamp,
                message: "One or more records have been rejected due to invalid timestamp"
                    .to_owned(),
                record_errors,
            },
            Self::Rules { record_errors, .. } => {
                let shown: Vec<String> = record_errors
                    .iter()
                    .take(3)
                    .map(|e| format!("{} (record {})", e.message, e.batch_index))
                    .collect();
                InvalidRecords {
                    error: ResponseError::InvalidRecord,
                    message: format!(
                        "One or more records have been rejected due to {} record errors in \
                         total, and only showing the first three errors at most: [{}]",
                        record_errors.len(),
                        shown.join(", ")
                    ),
                    record_errors,
                }
            }
        }
    }
}

/// The facts of one record the rules need.
struct RecordFacts {
    timestamp_delta: i64,
    offset_delta: i32,
    has_key: bool,
}

fn walk<R: BufRead>(reader: R, header: &BatchHeader, rules: &RecordRules) -> Result<i64, Stop> {
    let mut input = Records {
        reader,
        consumed: 0,
        limit: u64::MAX,
    };
    let log_append_batch = header.timestamp_type() == TimestampType::LogAppend;
    let mut max_timestamp = NO_TIMESTAMP;
    let mut record_errors = Vec::new();
    let mut timestamp_fault = false;
    for index in 0..header.records_count {
        let framing = |reason: String| Stop::Framing { index, reason };
        let record = input.record().map_err(|e| match e {
            ReadError::Framing(reason) => framing(reason),
            ReadError::Io(e) => Stop::Decompress(e),
        })?;
        if record.offset_delta != index {
            return Err(framing(format!(
                "offset delta {} where {index} was expected",
                record.offset_delta
            )));
        }
        let timestamp = if log_append_batch {
            header.max_timestamp
        } else {
            header.base_timestamp.wrapping_add(record.timestamp_delta)
        };
        if let Some(fault) = rules.check(record.has_key, timestamp, log_append_batch) {
            timestamp_fault |= !matches!(fault, Fault::Key);
            record_errors.push(RecordError {
                batch_index: index,
                message: rules.describe(fault),
            });
        }
        max_timestamp = max_timestamp.max(timestamp);
    }
    match input.at_end() {
        Ok(true) => {}
        Ok(false) => {
            return Err(Stop::Framing {
                index: header.records_count,
                reason: "Incorrect declared batch size, records still remaining in file".into(),
            })
        }
        Err(e) => return Err(Stop::Decompress(e)),
    }
    if !record_errors.is_empty() {
        return Err(Stop::Rules {
            record_errors,
            timestamp: timestamp_fault,
        });
    }
    Ok(max_timestamp)
}

enum ReadError {
    Framing(String),
    Io(io::Error),
}

type Step<T> = Result<T, ReadError>;

/// The record stream, with the count of bytes read so far and the end of the current record
/// (reads past it are framing errors).
struct Records<R> {
    reader: R,
    consumed: u64,
    limit: u64,
}

impl<R: BufRead> Records<R> {
    fn record(&mut self) -> Step<RecordFacts> {
        self.limit = u64::MAX;
        let size = self.varint()?;
        let size = u64::try_from(size)
            .map_err(|_| ReadError::Framing(format!("Invalid record size {size}")))?;
        let start = self.consumed;
        self.limit = start + size;
        self.byte()?; // attributes: unused in v2
        let timestamp_delta = self.varlong()?;
        let offset_delta = self.varint()?;
        let has_key = self.skip_bytes()?;
        self.skip_bytes()?;
        let headers = self.varint()?;
        if headers < 0 {
            return Err(ReadError::Framing(format!(
                "Found invalid number of record headers {headers}"
            )));
        }
        for _ in 0..headers {
            let key_size = self.varint()?;
            let key_size = u64::try_from(key_size).map_err(|_| {
                ReadError::Framing(format!("Invalid negative header key size {key_size}"))
            })?;
            self.skip(key_size)?;
            self.skip_bytes()?;
        }
        let read = self.consumed - start;
        if read != size {
            return Err(ReadError::Framing(format!(
                "Invalid record size: expected to read {size} bytes in record payload, but \
                 instead read {read}"
            )));
        }
        Ok(RecordFacts {
            timestamp_delta,
            offset_delta,
            has_key,
        })
    }

    fn overrun(&self) -> ReadError {
        ReadError::Framing(format!(
            "Invalid record size: the fields of the record run past its {} bytes",
            self.limit.saturating_sub(self.consumed)
        ))
    }

    fn byte(&mut self) -> Step<u8> {
        if self.consumed >= self.limit {
            return Err(self.overrun());
        }
        let buf = self.reader.fill_buf().map_err(ReadError::Io)?;
        let Some(&byte) = buf.first() else {
            return Err(premature_eof());
        };
        self.reader.consume(1);
        self.consumed += 1;
        Ok(byte)
    }

    /// Skips `n` bytes of the current record.
    fn skip(&mut self, mut n: u64) -> Step<()> {
        if self.limit - self.consumed < n {
            return Err(self.overrun());
        }
        while n > 0 {
            let available = self.reader.fill_buf().map_err(ReadError::Io)?.len();
            if available == 0 {
                return Err(premature_eof());
            }
            let step = usize::try_from(n).map_or(available, |n| n.min(available));
            self.reader.consume(step);
            self.consumed += step as u64;
            n -= step as u64;
        }
        Ok(())
    }

    /// A length-prefixed field; whether it is non-null.
    fn skip_bytes(&mut self) -> Step<bool> {
        match self.varint()? {
            -1 => Ok(false),
            size if size < -1 => Err(ReadError::Framing(format!("Invalid length {size}"))),
            size => self.skip(size.unsigned_abs().into()).map(|()| true),
        }
    }

    /// A zigzag varint of at most 5 bytes, as Kafka's ByteUtils.readVarint.
    fn varint(&mut self) -> Step<i32> {
        let raw = self.unsigned_varint(5)?;
        let raw = raw as u32; // Kafka keeps the low 32 bits
        Ok(((raw >> 1) as i32) ^ -((raw & 1) as i32))
    }

    /// A zigzag varint of at most 10 bytes, as Kafka's ByteUtils.readVarlong.
    fn varlong(&mut self) -> Step<i64> {
        let raw = self.unsigned_varint(10)?;
        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    fn unsigned_varint(&mut self, max_bytes: u32) -> Step<u64> {
        let mut value = 0u64;
        for i in 0..max_bytes {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f).wrapping_shl(7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ReadError::Framing(
            "Found invalid record structure: varint too long".into(),
        ))
    }

    /// Whether the stream has no byte left after the last record.
    fn at_end(&mut self) -> io::Result<bool> {
        Ok(self.reader.fill_buf()?.is_empty())
    }
}

fn premature_eof() -> ReadError {
    ReadError::Framing("Incorrect declared batch size, premature EOF reached".into())
}

/// Snappy as Kafka's producers write it: xerial's framing (a 16-byte header, then blocks
/// each preceded by its 4-byte length), or one raw snappy block when the header is absent,
/// as xerial's SnappyInputStream falls back to. One block is held at a time.
struct SnappyBlocks<'a> {
    rest: &'a [u8],
    framed: bool,
    block: Vec<u8>,
    position: usize,
    decoder: snap::raw::Decoder,
}

const SNAPPY_MAGIC: &[u8; 8] = b"\x82SNAPPY\x00";
const SNAPPY_HEADER_SIZE: usize = 16;
/// A snappy block expands at most ~22 times (a 3-byte copy writes up to 64 bytes): a block
/// declaring more is not snappy, and is refused before its buffer is allocated.
const SNAPPY_MAX_EXPANSION: usize = 32;

impl<'a> SnappyBlocks<'a> {
    fn new(body: &'a [u8]) -> Self {
        let framed = body.len() >= SNAPPY_HEADER_SIZE && body.starts_with(SNAPPY_MAGIC);
        Self {
            rest: if framed {
                &body[SNAPPY_HEADER_SIZE..]
            } else {
                body
            },
            framed,
            block: Vec::new(),
            position: 0,
            decoder: snap::raw::Decoder::new(),
        }
    }

    /// Decompresses the next block into `self.block`; false at the end of the stream.
    fn next_block(&mut self) -> io::Result<bool> {
        let compressed = if self.framed {
            let Some((length, rest)) = self.rest.split_first_chunk::<4>() else {
                return Ok(false);
            };
            let length = u32::from_be_bytes(*length) as usize;
            let Some(block) = rest.get(..length) else {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "snappy block cut short",
                ));
            };
            self.rest = &rest[length..];
            block
        } else if self.rest.is_empty() {
            return Ok(false);
        } else {
            std::mem::take(&mut self.rest)
        };
        let length = snap::raw::decompress_len(compressed).map_err(io::Error::other)?;
        if length > compressed.len().saturating_mul(SNAPPY_MAX_EXPANSION) + SNAPPY_HEADER_SIZE {
            return Err(io::Error::other(format!(
                "a snappy block of {} bytes declares {length} bytes",
                compressed.len()
            )));
        }
        self.block.resize(length, 0);
        let written = self
            .decoder
            .decompress(compressed, &mut self.block)
            .map_err(io::Error::other)?;
        self.block.truncate(written);
        self.position = 0;
        Ok(true)
    }
}

impl Read for SnappyBlocks<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for SnappyBlocks<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        // Empty blocks are skipped, so an empty answer means the end of the stream.
        while self.position >= self.block.len() {
            if !self.next_block()? {
                return Ok(&[]);
            }
        }
        Ok(&self.block[self.position..])
    }

    fn consume(&mut self, amount: usize) {
        self.position = (self.position + amount).min(self.block.len());
    }
}
