use super::*;
use crate::log::LogError;

#[test]
fn retried_batch_is_answered_with_its_original_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    append(&mut log, 2, 1_000);
    let first = log.append(&idempotent_batch(9, 0, 0, 3), 0, 1_000).unwrap();
    assert_eq!(
        (first.first_offset, first.last_offset, first.duplicate),
        (2, 4, false)
    );
    let retry = log.append(&idempotent_batch(9, 0, 0, 3), 0, 1_000).unwrap();
    assert_eq!(
        (retry.first_offset, retry.last_offset, retry.duplicate),
        (2, 4, true)
    );
    assert_eq!(log.log_end_offset(), 5);
    assert_eq!(log.active_producer_ids(), vec![9]);
}

#[test]
fn sequence_gap_and_stale_epoch_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    log.append(&idempotent_batch(9, 1, 0, 2), 0, 1_000).unwrap();
    let err = log
        .append(&idempotent_batch(9, 1, 5, 1), 0, 1_000)
        .unwrap_err();
    assert!(matches!(err, LogError::OutOfOrderSequence { .. }));
    assert_eq!(err.error_code(), 45);
    let err = log
        .append(&idempotent_batch(9, 0, 2, 1), 0, 1_000)
        .unwrap_err();
    assert_eq!(err.error_code(), 47);
    log.append(&idempotent_batch(9, 1, 2, 1), 0, 1_000).unwrap();
    assert_eq!(log.log_end_offset(), 3);
}

#[test]
fn producer_state_is_rebuilt_on_reopen_and_dropped_with_deleted_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    log.append(&idempotent_batch(4, 0, 0, 2), 0, 1_000).unwrap();
    drop(log);
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    let retry = log.append(&idempotent_batch(4, 0, 0, 2), 0, 1_000).unwrap();
    assert!(retry.duplicate);
    assert_eq!(
        log.append(&idempotent_batch(4, 0, 3, 1), 0, 1_000)
            .unwrap_err()
            .error_code(),
        45
    );
    append(&mut log, 1, 1_000);
    log.delete_records_before(3).unwrap();
    assert!(log.active_producer_ids().is_empty());
    log.append(&idempotent_batch(4, 0, 7, 1), 0, 1_000).unwrap();
}
