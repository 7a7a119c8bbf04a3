use super::*;
use crate::log::{MessageTimestampType, TimestampAndOffset};

fn found(log: &PartitionLog, timestamp: i64) -> Option<(i64, i64)> {
    log.offset_for_timestamp(timestamp)
        .unwrap()
        .map(|t| (t.offset, t.timestamp))
}

#[test]
fn offset_for_timestamp_finds_the_exact_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    let batch = produce_batch(&[100, 200, 300, 400]);
    log.append(&batch, 2, 400).unwrap();
    let batch = produce_batch(&[500, 450, 600]);
    log.append(&batch, 2, 600).unwrap();
    assert_eq!(found(&log, 0), Some((0, 100)));
    assert_eq!(found(&log, 250), Some((2, 300)));
    assert_eq!(found(&log, 401), Some((4, 500)));
    assert_eq!(found(&log, 460), Some((4, 500)));
    assert_eq!(found(&log, 600), Some((6, 600)));
    assert_eq!(found(&log, 601), None);
    assert_eq!(
        log.offset_for_timestamp(250).unwrap().unwrap().leader_epoch,
        Some(2)
    );
}

#[test]
fn offset_for_timestamp_across_segments_and_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    for i in 0..50 {
        let batch = produce_batch(&[i * 10, i * 10 + 5]);
        log.append(&batch, 0, 0).unwrap();
    }
    assert!(log.segment_count() > 2);
    for target in [0, 7, 233, 250, 491, 495] {
        let expected = (0..100).find(|o| (o / 2) * 10 + (o % 2) * 5 >= target);
        assert_eq!(found(&log, target).map(|f| f.0), expected, "ts {target}");
    }
    log.flush().unwrap();
    drop(log);
    let log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert_eq!(found(&log, 233), Some((47, 235)));
    assert_eq!(found(&log, 496), None);
}

#[test]
fn offset_for_timestamp_skips_records_below_log_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    let batch = produce_batch(&[100, 200, 300]);
    log.append(&batch, 0, 300).unwrap();
    log.delete_records_before(2).unwrap();
    assert_eq!(found(&log, 0), Some((2, 300)));
}

#[test]
fn max_timestamp_and_offset_finds_the_first_record_with_the_largest_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert_eq!(log.max_timestamp_and_offset().unwrap(), None);
    let batch = produce_batch(&[10, 900, 20, 900]);
    log.append(&batch, 1, 900).unwrap();
    let batch = produce_batch(&[30]);
    log.append(&batch, 1, 900).unwrap();
    assert_eq!(
        log.max_timestamp_and_offset().unwrap(),
        Some(TimestampAndOffset {
            timestamp: 900,
            offset: 1,
            leader_epoch: Some(1)
        })
    );
}

#[test]
fn log_append_time_batches_are_found_by_their_append_time() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        message_timestamp_type: MessageTimestampType::LogAppendTime,
        ..LogConfig::default()
    };
    let mut log = PartitionLog::open(dir.path(), config).unwrap();
    let batch = produce_batch(&[1, 2, 3]);
    log.append(&batch, 0, 5_000).unwrap();
    let batch = produce_batch(&[1, 2]);
    log.append(&batch, 0, 6_000).unwrap();
    assert_eq!(found(&log, 5_500), Some((3, 6_000)));
    assert_eq!(found(&log, 4_000), Some((0, 5_000)));
}
