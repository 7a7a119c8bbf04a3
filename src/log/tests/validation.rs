//! Kafka's LogValidator on the leader append path: every record of a produced batch is
//! checked, compressed or not, and a refused batch leaves nothing in the log.

use bytes::{BufMut, BytesMut};
use kafka_protocol::compression::{Compressor, Gzip, Lz4, Snappy, Zstd};
use kafka_protocol::error::ResponseError;
use kafka_protocol::records::Compression;

use super::super::{LogConfig, LogError, MessageTimestampType, PartitionLog};
use crate::protocol::batch::{parse_batch_header, stamp_crc, BATCH_HEADER_SIZE, LOG_OVERHEAD};
use crate::protocol::batch_builder::{BatchStamp, RecordBatchBuilder, RecordParts};

const CODECS: [Compression; 5] = [
    Compression::None,
    Compression::Gzip,
    Compression::Snappy,
    Compression::Lz4,
    Compression::Zstd,
];

const NOW: i64 = 1_000_000;

/// The uncompressed record stream of `records` (key, timestamp) as a producer writes it.
fn record_stream(records: &[(Option<&[u8]>, i64)]) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::with_capacity(256);
    for (key, timestamp) in records {
        builder.append(&RecordParts {
            timestamp: *timestamp,
            key: *key,
            value: Some(b"value"),
            headers: &[("h", Some(b"v"))],
        });
    }
    let stamp = BatchStamp {
        producer_id: -1,
        producer_epoch: -1,
        base_sequence: -1,
    };
    let batch = builder.seal(stamp, Compression::None).unwrap();
    batch[BATCH_HEADER_SIZE..].to_vec()
}

/// A batch claiming `count` records from `base_timestamp` whose records are `stream`, whatever
/// it holds, compressed with `codec`; its header and CRC are valid.
fn batch_around(stream: &[u8], count: i32, base_timestamp: i64, codec: Compression) -> Vec<u8> {
    let mut body = BytesMut::new();
    let write = |tmp: &mut BytesMut| {
        tmp.put_slice(stream);
        Ok(())
    };
    match codec {
        Compression::None => body.put_slice(stream),
        Compression::Gzip => Gzip::compress(&mut body, write).unwrap(),
        Compression::Snappy => Snappy::compress(&mut body, write).unwrap(),
        Compression::Lz4 => Lz4::compress(&mut body, write).unwrap(),
        Compression::Zstd => Zstd::compress(&mut body, write).unwrap(),
    }
    batch_of_body(&body, count, base_timestamp, codec)
}

/// A batch whose body (compressed with `codec` or not) is `body` as given.
fn batch_of_body(body: &[u8], count: i32, base_timestamp: i64, codec: Compression) -> Vec<u8> {
    let mut batch = BytesMut::new();
    batch.put_i64(0);
    batch.put_i32((BATCH_HEADER_SIZE - LOG_OVERHEAD + body.len()) as i32);
    batch.put_i32(-1);
    batch.put_i8(2);
    batch.put_u32(0);
    batch.put_i16(codec as i16);
    batch.put_i32(count - 1);
    batch.put_i64(base_timestamp);
    batch.put_i64(base_timestamp);
    batch.put_i64(-1);
    batch.put_i16(-1);
    batch.put_i32(-1);
    batch.put_i32(count);
    batch.put_slice(body);
    let mut batch = batch.to_vec();
    stamp_crc(&mut batch);
    batch
}

fn open(config: LogConfig) -> (tempfile::TempDir, PartitionLog) {
    let dir = tempfile::tempdir().unwrap();
    let log = PartitionLog::open(dir.path(), config).unwrap();
    (dir, log)
}

fn refused(log: &mut PartitionLog, batch: &[u8]) -> LogError {
    let error = log.append(batch, 0, NOW).unwrap_err();
    assert_eq!(
        log.log_end_offset(),
        0,
        "a refused batch must store nothing"
    );
    assert_eq!(log.size_bytes(), 0);
    error
}

#[test]
fn valid_batches_of_every_codec_are_accepted() {
    let (_dir, mut log) = open(LogConfig::default());
    let stream = record_stream(&[(Some(b"a"), NOW), (None, NOW - 5), (Some(b"c"), NOW + 7)]);
    for codec in CODECS {
        let info = log
            .append(&batch_around(&stream, 3, NOW, codec), 0, NOW)
            .unwrap();
        assert_eq!(info.record_count, 3, "{codec:?}");
        // The header's max timestamp was a lie (the base); the records' true max is stored.
        assert_eq!(info.max_timestamp, NOW + 7, "{codec:?}");
    }
    let stored = log.read(0, 1 << 20, 15).unwrap();
    let header = parse_batch_header(&stored).unwrap();
    assert_eq!(header.max_timestamp, NOW + 7);
    crate::protocol::batch::verify_crc(&header, &stored[..header.total_size()]).unwrap();
}

#[test]
fn garbage_records_under_a_valid_crc_are_refused_for_every_codec() {
    let garbage: Vec<u8> = (0..200u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let good = record_stream(&[(Some(b"k"), NOW), (Some(b"k"), NOW)]);
    for codec in CODECS {
        let (_dir, mut log) = open(LogConfig::default());
        for (what, stream) in [("garbage", &garbage[..]), ("zeros", &[0u8; 64][..])] {
            let error = refused(&mut log, &batch_around(stream, 2, NOW, codec));
            assert!(
                matches!(
                    error.error(),
                    ResponseError::InvalidRecord | ResponseError::CorruptMessage
                ),
                "{codec:?} {what}: {error}"
            );
        }
        // One record too few, one too many, and one cut short.
        let one = record_stream(&[(Some(b"k"), NOW)]);
        let error = refused(&mut log, &batch_around(&one, 2, NOW, codec));
        assert_eq!(error.error(), ResponseError::InvalidRecord, "{codec:?}");
        let error = refused(&mut log, &batch_around(&good, 1, NOW, codec));
        assert_eq!(error.error(), ResponseError::InvalidRecord, "{codec:?}");
        let cut = &good[..good.len() - 1];
        let error = refused(&mut log, &batch_around(cut, 2, NOW, codec));
        assert_eq!(error.error(), ResponseError::InvalidRecord, "{codec:?}");
        // The same log then takes a good batch at offset 0.
        let info = log
            .append(&batch_around(&good, 2, NOW, codec), 0, NOW)
            .unwrap();
        assert_eq!(info.first_offset, 0);
    }
}

#[test]
fn a_body_that_does_not_decompress_is_corrupt_message() {
    let not_compressed = [0xabu8; 40];
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let (_dir, mut log) = open(LogConfig::default());
        let error = refused(&mut log, &batch_of_body(&not_compressed, 1, NOW, codec));
        assert_eq!(
            error.error(),
            ResponseError::CorruptMessage,
            "{codec:?}: {error}"
        );
        // A real stream cut short does not decompress either.
        let stream = record_stream(&[(Some(b"k"), NOW)]);
        let whole = batch_around(&stream, 1, NOW, codec);
        let cut = &whole[BATCH_HEADER_SIZE..whole.len() - 3];
        let error = refused(&mut log, &batch_of_body(cut, 1, NOW, codec));
        assert!(
            matches!(
                error.error(),
                ResponseError::CorruptMessage | ResponseError::InvalidRecord
            ),
            "{codec:?}: {error}"
        );
    }
}

#[test]
fn offset_deltas_must_count_from_zero() {
    let (_dir, mut log) = open(LogConfig::default());
    let mut stream = record_stream(&[(Some(b"k"), NOW), (Some(b"k"), NOW)]);
    // The second record's offset delta (zigzag 1 = 2) sits after its length, attributes and
    // timestamp delta (one byte each here): make it 2 (zigzag 4).
    let second = 1 + usize::from(stream[0] >> 1);
    assert_eq!(stream[second + 3], 2);
    stream[second + 3] = 4;
    let error = refused(&mut log, &batch_around(&stream, 2, NOW, Compression::None));
    assert_eq!(error.error(), ResponseError::InvalidRecord);
    assert_eq!(error.record_errors()[0].batch_index, 1);
}

#[test]
fn compacted_topics_refuse_records_without_a_key_and_name_them() {
    let config = LogConfig {
        cleanup_policy_compact: true,
        ..LogConfig::default()
    };
    for codec in CODECS {
        let (_dir, mut log) = open(config.clone());
        let stream = record_stream(&[
            (Some(b"a"), NOW),
            (None, NOW),
            (Some(b"c"), NOW),
            (None, NOW),
        ]);
        let error = refused(&mut log, &batch_around(&stream, 4, NOW, codec));
        assert_eq!(error.error(), ResponseError::InvalidRecord, "{codec:?}");
        let indexes: Vec<i32> = error
            .record_errors()
            .iter()
            .map(|e| e.batch_index)
            .collect();
        assert_eq!(indexes, vec![1, 3]);
        let keyed = record_stream(&[(Some(b"a"), NOW)]);
        log.append(&batch_around(&keyed, 1, NOW, codec), 0, NOW)
            .unwrap();
    }
}

#[test]
fn every_record_timestamp_is_checked() {
    let config = LogConfig {
        message_timestamp_after_max_ms: 1_000,
        ..LogConfig::default()
    };
    let (_dir, mut log) = open(config);
    // Base and max in range (the header claims the base as max); the middle record is not.
    let stream = record_stream(&[(None, NOW), (None, NOW + 5_000), (None, NOW)]);
    let error = refused(&mut log, &batch_around(&stream, 3, NOW, Compression::Lz4));
    assert_eq!(error.error(), ResponseError::InvalidTimestamp);
    assert_eq!(error.record_errors()[0].batch_index, 1);
    assert_eq!(error.record_errors().len(), 1);
}

#[test]
fn log_append_time_topics_refuse_producers_setting_it() {
    let config = LogConfig {
        message_timestamp_type: MessageTimestampType::LogAppendTime,
        ..LogConfig::default()
    };
    let (_dir, mut log) = open(config);
    let stream = record_stream(&[(None, NOW)]);
    let mut batch = batch_around(&stream, 1, NOW, Compression::None);
    batch[22] |= 0x08;
    stamp_crc(&mut batch);
    let error = refused(&mut log, &batch);
    assert_eq!(error.error(), ResponseError::InvalidTimestamp);
}
