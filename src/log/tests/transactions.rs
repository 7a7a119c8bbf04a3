use super::*;
use crate::log::{AbortedTransaction, TxnMarker};

const COMMIT: TxnMarker = TxnMarker {
    commit: true,
    coordinator_epoch: 3,
};
const ABORT: TxnMarker = TxnMarker {
    commit: false,
    coordinator_epoch: 3,
};

#[test]
fn aborted_transactions_and_first_unstable_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    log.append(&transactional_batch(5, 0, 0, 2), 0, 1_000)
        .unwrap();
    log.append(&idempotent_batch(6, 0, 0, 1), 0, 1_000).unwrap();
    assert_eq!(log.first_unstable_offset(), Some(0));
    assert_eq!(log.ongoing_transactions(), vec![(5, 0)]);
    let marker = log
        .append_transaction_marker(5, 0, ABORT, 0, 1_000)
        .unwrap();
    assert_eq!(marker.first_offset, 3);
    assert_eq!(log.first_unstable_offset(), None);
    let aborted = AbortedTransaction {
        producer_id: 5,
        first_offset: 0,
        last_offset: 3,
    };
    assert_eq!(log.aborted_transactions(0, 4), vec![aborted]);
    assert!(log.aborted_transactions(4, 10).is_empty());

    log.append(&transactional_batch(5, 0, 2, 1), 0, 1_000)
        .unwrap();
    assert_eq!(log.first_unstable_offset(), Some(4));
    log.append_transaction_marker(5, 0, COMMIT, 0, 1_000)
        .unwrap();
    assert_eq!(log.first_unstable_offset(), None);
    assert_eq!(log.aborted_transactions(0, 10), vec![aborted]);

    let bytes = log.read(3, 1 << 20, 4).unwrap();
    let header = crate::protocol::batch::parse_batch_header(&bytes).unwrap();
    assert!(header.is_control());

    drop(log);
    let log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert_eq!(log.aborted_transactions(0, 10), vec![aborted]);
    assert_eq!(log.first_unstable_offset(), None);
}

#[test]
fn open_transaction_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    append(&mut log, 2, 1_000);
    log.append(&transactional_batch(8, 1, 0, 2), 0, 1_000)
        .unwrap();
    drop(log);
    let log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert_eq!(log.ongoing_transactions(), vec![(8, 2)]);
    assert_eq!(log.first_unstable_offset(), Some(2));
}

#[test]
fn invalid_transactional_states_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    log.append(&transactional_batch(5, 2, 0, 1), 0, 1_000)
        .unwrap();
    let err = log
        .append(&idempotent_batch(5, 2, 1, 1), 0, 1_000)
        .unwrap_err();
    assert_eq!(err.error_code(), 48);
    let err = log
        .append_transaction_marker(5, 1, COMMIT, 0, 1_000)
        .unwrap_err();
    assert_eq!(err.error_code(), 47);
    log.append_transaction_marker(5, 2, COMMIT, 0, 1_000)
        .unwrap();
    let stale = TxnMarker {
        commit: true,
        coordinator_epoch: 2,
    };
    let err = log
        .append_transaction_marker(5, 2, stale, 0, 1_000)
        .unwrap_err();
    assert_eq!(err.error_code(), 52);
}

#[test]
fn aborted_ranges_live_in_txnindex_files_through_retention_and_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    log.append(&transactional_batch(5, 0, 0, 2), 0, 1_000)
        .unwrap();
    log.roll(1_000).unwrap();
    append(&mut log, 1, 1_000);
    log.append_transaction_marker(5, 0, ABORT, 0, 1_000)
        .unwrap();
    log.roll(1_000).unwrap();
    append(&mut log, 1, 1_000);
    let aborted = AbortedTransaction {
        producer_id: 5,
        first_offset: 0,
        last_offset: 3,
    };
    // The entry is in the index of the segment holding the marker, in Kafka's format.
    let index = dir.path().join("00000000000000000002.txnindex");
    let bytes = std::fs::read(&index).unwrap();
    let mut expected = vec![0u8, 0];
    for field in [5i64, 0, 3, 4] {
        expected.extend_from_slice(&field.to_be_bytes());
    }
    assert_eq!(bytes, expected);
    assert!(!dir.path().join("00000000000000000000.txnindex").exists());

    // A lost index is rebuilt from the log when it is opened.
    drop(log);
    std::fs::remove_file(&index).unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert_eq!(std::fs::read(&index).unwrap(), expected);

    // Retention removes the transaction's records but not its aborted range, which a restart
    // reads back from the index (the log alone no longer tells where the transaction began).
    assert_eq!(log.delete_records_before(2).unwrap(), 2);
    assert_eq!(log.segment_base_offsets(), vec![2, 4]);
    assert_eq!(log.aborted_transactions(2, 10), vec![aborted]);
    drop(log);
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert_eq!(log.aborted_transactions(2, 10), vec![aborted]);

    // Once the marker's segment goes, so do its index and the range.
    assert_eq!(log.delete_records_before(4).unwrap(), 4);
    assert!(!index.exists());
    assert!(log.aborted_transactions(0, 10).is_empty());
}
