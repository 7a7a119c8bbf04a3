use super::*;
use crate::log::{FirstBatch, LogError, MessageTimestampType, ReadInto, Records};
use crate::protocol::batch::parse_batch_header;

#[test]
fn append_then_read_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    let first = append(&mut log, 3, 1_000);
    let second = append(&mut log, 2, 2_000);
    assert_eq!((first.first_offset, first.last_offset), (0, 2));
    assert_eq!((second.first_offset, second.last_offset), (3, 4));
    assert_eq!(second.record_count, 2);
    assert_eq!(log.log_end_offset(), 5);
    let bytes = log.read(0, 1 << 20, 5).unwrap();
    let offsets: Vec<i64> = decode_offsets(bytes).iter().map(|r| r.0).collect();
    assert_eq!(offsets, vec![0, 1, 2, 3, 4]);
}

#[test]
fn read_starts_with_the_batch_holding_the_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    append(&mut log, 3, 1_000);
    append(&mut log, 3, 1_000);
    let bytes = log.read(4, 1 << 20, 6).unwrap();
    assert_eq!(parse_batch_header(&bytes).unwrap().base_offset, 3);
    assert_eq!(decode_offsets(bytes).len(), 3);
}

#[test]
fn read_honours_max_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    append(&mut log, 2, 1_000);
    append(&mut log, 2, 1_000);
    assert_eq!(decode_offsets(log.read(0, 1 << 20, 2).unwrap()).len(), 2);
    assert!(log.read(0, 1 << 20, 1).unwrap().is_empty());
    assert!(log.read(2, 1 << 20, 2).unwrap().is_empty());
}

#[test]
fn read_returns_one_whole_batch_beyond_max_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    append(&mut log, 5, 1_000);
    append(&mut log, 5, 1_000);
    let bytes = log.read(0, 1, 10).unwrap();
    assert_eq!(decode_offsets(bytes).len(), 5);
}

/// `max_bytes` bounds the batches served inclusively: exactly the size of two batches serves
/// both, one byte less only the first; the same through a file read.
#[test]
fn max_bytes_equal_to_whole_batches_serves_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    append(&mut log, 5, 1_000);
    append(&mut log, 5, 1_000);
    append(&mut log, 5, 1_000);
    let first = parse_batch_header(&log.read(0, 1, 15).unwrap()).unwrap();
    let two = first.total_size() * 2;
    for into in [ReadInto::Copy, ReadInto::File] {
        let read = |max_bytes| {
            let records = log
                .read_into(0, max_bytes, 15, into, FirstBatch::Whole)
                .unwrap();
            decode_offsets(records.into_bytes().unwrap()).len()
        };
        assert_eq!(read(two), 10, "{into:?}");
        assert_eq!(read(two - 1), 5, "{into:?}");
    }
}

/// Every read is the whole batches from the one holding the offset, within `max_bytes` (the
/// first whole regardless with [`FirstBatch::Whole`], else nothing when it is larger) and
/// below `max_offset`, whatever the index's spacing, copied or served as a file range.
#[test]
fn reads_cut_whole_batches_within_both_limits() {
    for index_interval_bytes in [1, 300, 4096] {
        let dir = tempfile::tempdir().unwrap();
        let config = LogConfig {
            index_interval_bytes,
            ..LogConfig::default()
        };
        let mut log = PartitionLog::open(dir.path(), config).unwrap();
        // (base offset, last offset, size) of each batch, of 1 to 4 records.
        let mut batches = Vec::new();
        for i in 0..12 {
            let count = 1 + i % 4;
            let batch = produce_batch(&vec![1_000; count]);
            let info = log.append(&batch, 0, 1_000).unwrap();
            batches.push((info.first_offset, info.last_offset, batch.len()));
        }
        let end = log.log_end_offset();
        let limits = [1, 60, 61, 100, 250, 600, 1 << 20];
        let reads = [ReadInto::Copy, ReadInto::File];
        for (offset, max_offset, max_bytes, first_batch, into) in (0..end).flat_map(|offset| {
            (offset..=end).flat_map(move |max_offset| {
                limits.into_iter().flat_map(move |max_bytes| {
                    [FirstBatch::Whole, FirstBatch::WithinMaxBytes]
                        .into_iter()
                        .flat_map(move |first| {
                            reads.map(move |into| (offset, max_offset, max_bytes, first, into))
                        })
                })
            })
        }) {
            let whole_first = first_batch == FirstBatch::Whole;
            let mut expected = 0;
            let mut served = 0;
            for &(_, last, size) in batches.iter().filter(|b| b.1 >= offset) {
                let over = expected + size > max_bytes;
                if last >= max_offset || (over && (served > 0 || !whole_first)) {
                    break;
                }
                expected += size;
                served += 1;
            }
            let bytes = log
                .read_into(offset, max_bytes, max_offset, into, first_batch)
                .unwrap()
                .into_bytes()
                .unwrap();
            let what = format!(
                "interval {index_interval_bytes}, offset {offset}, max_offset {max_offset}, \
                 max_bytes {max_bytes}, {first_batch:?}, {into:?}"
            );
            assert_eq!(bytes.len(), expected, "{what}");
            if served > 0 {
                let holding = batches.iter().find(|b| b.1 >= offset).unwrap();
                assert_eq!(parse_batch_header(&bytes).unwrap().base_offset, holding.0);
                let records = decode_offsets(bytes);
                assert!(records.iter().all(|r| r.0 < max_offset), "{what}");
            }
        }
    }
}

/// Every read of `log` served as a file slice holds what a copying read returns.
fn assert_file_reads_match_copies(log: &PartitionLog) {
    let end = log.log_end_offset();
    for offset in (0..end).step_by(37) {
        for max_offset in [offset + 1, offset + 100, end] {
            for max_bytes in [1, 5_000, 50_000, 200_000, 1 << 20] {
                let copied = log.read(offset, max_bytes, max_offset).unwrap();
                let served = log
                    .read_into(
                        offset,
                        max_bytes,
                        max_offset,
                        ReadInto::File,
                        FirstBatch::Whole,
                    )
                    .unwrap();
                let what = format!("offset {offset}, {max_offset}, {max_bytes}");
                if served.len() as u64 >= crate::log::records::FILE_MIN_BYTES {
                    assert!(matches!(served, Records::File(_)), "{what}");
                }
                assert_eq!(copied, served.into_bytes().unwrap(), "{what}");
            }
        }
    }
}

#[test]
fn file_reads_serve_the_bytes_a_copy_does() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("t-0");
    let mut log = PartitionLog::open(&dir, LogConfig::default()).unwrap();
    // Batches of 16 records (over 16 KiB each with their values): ranges past the file slice
    // threshold and ranges under it, an index entry per batch.
    let batch = produce_batch_with_values(16, 1_000);
    for _ in 0..40 {
        log.append(&batch, 0, 1_000).unwrap();
    }
    assert_file_reads_match_copies(&log);
    // A slice outlives appends to its segment, and the segment's deletion.
    let end = log.log_end_offset();
    let served = log
        .read_into(0, 1 << 20, end, ReadInto::File, FirstBatch::Whole)
        .unwrap();
    assert!(matches!(served, Records::File(_)));
    let copied = log.read(0, 1 << 20, end).unwrap();
    log.append(&batch, 0, 1_000).unwrap();
    log.delete().unwrap();
    assert!(!dir.exists());
    assert_eq!(served.into_bytes().unwrap(), copied);
}

#[test]
fn file_reads_of_small_batches_cut_where_a_copy_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    // Batches of ~100 bytes: dozens between two index entries, so the cut walks headers.
    let batch = produce_batch_with_values(1, 30);
    for _ in 0..3_000 {
        log.append(&batch, 0, 1_000).unwrap();
    }
    assert_file_reads_match_copies(&log);
}

#[test]
fn read_outside_the_log_is_offset_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    append(&mut log, 2, 1_000);
    assert!(log.read(2, 100, 2).unwrap().is_empty());
    let err = log.read(3, 100, 2).unwrap_err();
    assert!(matches!(err, LogError::OffsetOutOfRange { offset: 3, .. }));
    assert_eq!(err.error_code(), 1);
    assert_eq!(log.read(-1, 100, 2).unwrap_err().error_code(), 1);
}

#[test]
fn segment_roll_by_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    for _ in 0..40 {
        append(&mut log, 2, 1_000);
    }
    assert!(log.segment_count() > 3);
    let bases = log.segment_base_offsets();
    assert!(dir.path().join(format!("{:020}.log", bases[1])).exists());
    for base in &bases {
        let bytes = log.read(*base, 1 << 20, 80).unwrap();
        assert_eq!(decode_offsets(bytes)[0].0, *base);
    }
    let all: u64 = bases
        .iter()
        .map(|b| {
            std::fs::metadata(dir.path().join(format!("{b:020}.log")))
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(all, log.size_bytes());
    assert!(log.size_bytes() / (log.segment_count() as u64) <= 1024);
}

#[test]
fn segment_roll_by_time() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        segment_ms: 1_000,
        ..LogConfig::default()
    };
    let mut log = PartitionLog::open_at(dir.path(), config, 0).unwrap();
    append(&mut log, 1, 10_000);
    append(&mut log, 1, 10_900);
    assert_eq!(log.segment_count(), 1);
    append(&mut log, 1, 11_001);
    assert_eq!(log.segment_base_offsets(), vec![0, 2]);
}

#[test]
fn bad_crc_is_refused_with_corrupt_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    let mut batch = produce_batch(&[1_000, 1_001]);
    let last = batch.len() - 1;
    batch[last] ^= 0x55;
    let err = log.append(&batch, 0, 1_000).unwrap_err();
    assert_eq!(err.error_code(), 2);
    assert_eq!(log.log_end_offset(), 0);
}

#[test]
fn oversized_batch_is_message_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        max_message_bytes: 80,
        ..LogConfig::default()
    };
    let mut log = PartitionLog::open(dir.path(), config).unwrap();
    let batch = produce_batch(&[1_000; 10]);
    let err = log.append(&batch, 0, 1_000).unwrap_err();
    assert!(matches!(err, LogError::MessageTooLarge { .. }));
    assert_eq!(err.error_code(), 10);
}

#[test]
fn batch_larger_than_a_segment_is_record_list_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        segment_bytes: 100,
        ..LogConfig::default()
    };
    let mut log = PartitionLog::open(dir.path(), config).unwrap();
    let batch = produce_batch(&[1_000; 10]);
    assert_eq!(log.append(&batch, 0, 1_000).unwrap_err().error_code(), 18);
}

#[test]
fn future_timestamp_beyond_after_max_is_invalid_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        message_timestamp_after_max_ms: 1_000,
        ..LogConfig::default()
    };
    let mut log = PartitionLog::open(dir.path(), config).unwrap();
    let batch = produce_batch(&[5_000]);
    assert_eq!(log.append(&batch, 0, 3_000).unwrap_err().error_code(), 32);
    let batch = produce_batch(&[4_000]);
    log.append(&batch, 0, 3_000).unwrap();
}

#[test]
fn log_append_time_stamps_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        message_timestamp_type: MessageTimestampType::LogAppendTime,
        ..LogConfig::default()
    };
    let mut log = PartitionLog::open(dir.path(), config).unwrap();
    let batch = produce_batch(&[1, 2]);
    let info = log.append(&batch, 0, 77_000).unwrap();
    assert_eq!(info.log_append_time_ms, Some(77_000));
    assert_eq!(info.max_timestamp, 77_000);
    let bytes = log.read(0, 1 << 20, 2).unwrap();
    let header = parse_batch_header(&bytes).unwrap();
    assert_eq!(header.timestamp_type(), TimestampType::LogAppend);
    assert_eq!(header.max_timestamp, 77_000);
}

#[test]
fn appends_patch_offsets_and_track_leader_epochs() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    for epoch in [1, 1, 3] {
        let batch = produce_batch(&[1_000, 1_000]);
        log.append(&batch, epoch, 1_000).unwrap();
    }
    let bytes = log.read(4, 1 << 20, 6).unwrap();
    let header = parse_batch_header(&bytes).unwrap();
    assert_eq!((header.base_offset, header.partition_leader_epoch), (4, 3));
    let epochs: Vec<(i32, i64)> = log
        .leader_epoch_start_offsets()
        .iter()
        .map(|e| (e.epoch, e.start_offset))
        .collect();
    assert_eq!(epochs, vec![(1, 0), (3, 4)]);
    assert_eq!(log.latest_epoch(), Some(3));
    assert_eq!(log.end_offset_for_epoch(2), (1, 4));
    assert_eq!(log.end_offset_for_epoch(3), (3, 6));
    // Led in epoch 5 without writing, then a follower: truncating to the log end forgets it.
    log.assign_leader_epoch(5, 6).unwrap();
    assert_eq!(log.latest_epoch(), Some(5));
    log.truncate_to(6).unwrap();
    assert_eq!((log.latest_epoch(), log.log_end_offset()), (Some(3), 6));
}

#[test]
fn records_without_timestamps_pass_timestamp_checks() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        message_timestamp_before_max_ms: 10,
        ..LogConfig::default()
    };
    let mut log = PartitionLog::open(dir.path(), config).unwrap();
    let batch = produce_batch(&[-1, -1]);
    log.append(&batch, 0, 1_000_000).unwrap();
    let batch = produce_batch(&[5]);
    assert_eq!(
        log.append(&batch, 0, 1_000_000).unwrap_err().error_code(),
        32
    );
}

#[test]
fn reads_at_the_tail_find_the_last_batch_after_appends_truncation_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    for i in 0..20 {
        append(&mut log, 2, 1_000 + i);
    }
    let first_offsets = |log: &PartitionLog, offset: i64| {
        decode_offsets(log.read(offset, 1, log.log_end_offset()).unwrap())
            .first()
            .map(|(o, _)| *o)
    };
    // Each read returns the batch holding the offset: its first offset is the even one below.
    for offset in 0..40 {
        assert_eq!(first_offsets(&log, offset), Some(offset - offset % 2));
    }
    assert_eq!(first_offsets(&log, 40), None);
    log.truncate_to(31).unwrap();
    assert_eq!(log.log_end_offset(), 30);
    assert_eq!(first_offsets(&log, 29), Some(28));
    assert_eq!(first_offsets(&log, 30), None);
    append(&mut log, 3, 2_000);
    assert_eq!(first_offsets(&log, 32), Some(30));
    drop(log);
    let log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert_eq!(first_offsets(&log, 32), Some(30));
    assert_eq!(first_offsets(&log, 29), Some(28));
    assert_eq!(first_offsets(&log, 33), None);
}

/// A read finds the batch an earlier read looked up without reading its header again, but
/// never once the segment was cut: an offset truncated and written again reads the new batch.
#[test]
fn a_read_after_a_truncation_finds_the_batch_written_since() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    // Batches of 16 records of 2 KB: reads past the small-tail threshold find their batch.
    let large = produce_batch_with_values(16, 2_000);
    for _ in 0..4 {
        log.append(&large, 0, 1_000).unwrap();
    }
    let read = |log: &PartitionLog, max_bytes, first_batch| {
        let end = log.log_end_offset();
        let records = log
            .read_into(16, max_bytes, end, ReadInto::File, first_batch)
            .unwrap();
        decode_offsets(records.into_bytes().unwrap())
    };
    // The batch at 16 looked up and refused, then served, then the one after it seen past
    // where a read stops.
    assert!(read(&log, 100, FirstBatch::WithinMaxBytes).is_empty());
    assert_eq!(read(&log, 100, FirstBatch::Whole).len(), 16);
    assert_eq!(read(&log, large.len() + 100, FirstBatch::Whole).len(), 16);
    log.truncate_to(16).unwrap();
    // Two batches: the segment's last one is not the one read.
    let other = produce_batch_with_values(5, 1_000);
    for _ in 0..2 {
        log.append(&other, 0, 1_000).unwrap();
    }
    let offsets: Vec<i64> = read(&log, 1 << 20, FirstBatch::Whole)
        .iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(offsets, (16..26).collect::<Vec<_>>());
}
