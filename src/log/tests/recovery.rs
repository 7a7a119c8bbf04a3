use super::*;
use std::fs;
use std::path::Path;

fn segment_file(dir: &Path, base: i64, suffix: &str) -> std::path::PathBuf {
    dir.join(format!("{base:020}.{suffix}"))
}

fn read_all(log: &PartitionLog) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut offset = log.log_start_offset();
    while offset < log.log_end_offset() {
        let records = decode_offsets(log.read(offset, 1 << 20, log.log_end_offset()).unwrap());
        offset = records.last().unwrap().0 + 1;
        out.extend(records);
    }
    out
}

fn filled_log(dir: &Path) -> PartitionLog {
    let mut log = PartitionLog::open(dir, small_segments()).unwrap();
    for i in 0..30 {
        append(&mut log, 2, 1_000 + i);
    }
    log
}

#[test]
fn reopen_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled_log(dir.path());
    let before = read_all(&log);
    let segments = log.segment_base_offsets();
    drop(log);
    let log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert_eq!(log.log_end_offset(), 60);
    assert_eq!(log.log_start_offset(), 0);
    assert_eq!(log.segment_base_offsets(), segments);
    assert_eq!(read_all(&log), before);
    assert_eq!(before.len(), 60);
}

#[test]
fn reopen_log_with_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    append(&mut log, 3, 1_000);
    append(&mut log, 3, 1_000);
    drop(log);
    let path = segment_file(dir.path(), 0, "log");
    let len = fs::metadata(&path).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 10)
        .unwrap();

    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert_eq!(log.log_end_offset(), 3);
    assert_eq!(fs::metadata(&path).unwrap().len(), log.size_bytes());
    assert_eq!(append(&mut log, 1, 1_000).first_offset, 3);
    assert_eq!(read_all(&log).len(), 4);
}

#[test]
fn reopen_log_with_corrupt_batch_cuts_it_and_everything_after() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled_log(dir.path());
    let segments = log.segment_base_offsets();
    drop(log);
    let path = segment_file(dir.path(), segments[1], "log");
    let mut bytes = fs::read(&path).unwrap();
    bytes[70] ^= 0xff;
    fs::write(&path, bytes).unwrap();

    let log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert_eq!(log.log_end_offset(), segments[1]);
    assert_eq!(log.segment_base_offsets(), segments[..2].to_vec());
    assert!(!segment_file(dir.path(), segments[2], "log").exists());
    assert_eq!(read_all(&log).len() as i64, segments[1]);
}

#[test]
fn missing_index_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = filled_log(dir.path());
    log.flush().unwrap();
    let before = read_all(&log);
    drop(log);
    let index = segment_file(dir.path(), 0, "index");
    let original = fs::read(&index).unwrap();
    assert!(!original.is_empty());
    fs::remove_file(&index).unwrap();
    fs::remove_file(segment_file(dir.path(), 0, "timeindex")).unwrap();

    let log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert_eq!(fs::read(&index).unwrap(), original);
    assert_eq!(read_all(&log), before);
    assert_eq!(log.offset_for_timestamp(1_003).unwrap().unwrap().offset, 6);
}

#[test]
fn corrupt_index_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = filled_log(dir.path());
    log.flush().unwrap();
    let before = read_all(&log);
    drop(log);
    let index = segment_file(dir.path(), 0, "index");
    let original = fs::read(&index).unwrap();
    let mut corrupt = original.clone();
    corrupt[4..8].copy_from_slice(&9_999u32.to_be_bytes());
    fs::write(&index, &corrupt).unwrap();

    let log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert_eq!(fs::read(&index).unwrap(), original);
    assert_eq!(read_all(&log), before);
}

#[test]
fn torn_index_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = filled_log(dir.path());
    log.flush().unwrap();
    drop(log);
    let index = segment_file(dir.path(), 0, "index");
    let original = fs::read(&index).unwrap();
    fs::write(&index, &original[..original.len() - 3]).unwrap();

    let log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert_eq!(fs::read(&index).unwrap(), original);
    assert_eq!(read_all(&log).len(), 60);
}

#[test]
fn stray_files_are_removed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled_log(dir.path());
    drop(log);
    fs::write(dir.path().join("leader-epoch-checkpoint.tmp"), "junk").unwrap();
    fs::write(segment_file(dir.path(), 999, "index"), [0u8; 8]).unwrap();
    let log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert!(!dir.path().join("leader-epoch-checkpoint.tmp").exists());
    assert!(!segment_file(dir.path(), 999, "index").exists());
    assert_eq!(log.log_end_offset(), 60);
}

#[test]
fn delete_records_then_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = filled_log(dir.path());
    let segments = log.segment_base_offsets();
    let inside_second = segments[1] + 1;
    assert_eq!(
        log.delete_records_before(inside_second).unwrap(),
        inside_second
    );
    assert_eq!(log.segment_base_offsets()[0], segments[1]);
    drop(log);

    let log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert_eq!(log.log_start_offset(), inside_second);
    assert_eq!(log.read(segments[1], 100, 60).unwrap_err().error_code(), 1);
    let bytes = log.read(inside_second, 1 << 20, 60).unwrap();
    assert_eq!(decode_offsets(bytes)[0].0, segments[1]);
}

#[test]
fn opening_writes_no_log_start_checkpoint_the_segments_already_say() {
    use crate::log::partition_log::LOG_START_OFFSET_CHECKPOINT;
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join(LOG_START_OFFSET_CHECKPOINT);
    // A new log starts at its first segment: nothing to write (nor to sync).
    let mut log = filled_log(dir.path());
    assert!(!checkpoint.exists());
    let segments = log.segment_base_offsets();
    let inside_second = segments[1] + 1;
    log.delete_records_before(inside_second).unwrap();
    assert!(checkpoint.exists());
    drop(log);
    // Without its checkpoint a log starts at its first segment, as before.
    fs::remove_file(&checkpoint).unwrap();
    let log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert_eq!(log.log_start_offset(), segments[1]);
    assert!(!checkpoint.exists());
    assert_eq!(read_all(&log).first().unwrap().0, segments[1]);
}

#[test]
fn leader_epochs_survive_reopen_and_are_rebuilt_when_lost() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("leader-epoch-checkpoint");
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    for epoch in [0, 2, 5] {
        let batch = produce_batch(&[1_000]);
        log.append(&batch, epoch, 1_000).unwrap();
    }
    let epochs = log.leader_epoch_start_offsets();
    // New epochs wait for the log's flush; a crash before it leaves them to recovery, which
    // finds them in the batches after the recovery point.
    assert!(!checkpoint.exists());
    drop(log);
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert_eq!(log.leader_epoch_start_offsets(), epochs);
    log.flush().unwrap();
    let text = fs::read_to_string(&checkpoint).unwrap();
    assert_eq!(text, "0\n3\n0 0\n2 1\n5 2\n");
    drop(log);
    let log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert_eq!(log.leader_epoch_start_offsets(), epochs);
    drop(log);
    fs::remove_file(&checkpoint).unwrap();
    let log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert_eq!(log.leader_epoch_start_offsets(), epochs);
}

#[test]
fn a_leaders_epoch_that_wrote_nothing_is_written_at_a_clean_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("leader-epoch-checkpoint");
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    log.append(&produce_batch(&[1_000]), 3, 1_000).unwrap();
    log.mark_flushed().unwrap();
    assert_eq!(fs::read_to_string(&checkpoint).unwrap(), "0\n1\n3 0\n");
    // Restarted as leader in epoch 5: its start is recorded at once, in memory.
    log.assign_leader_epoch(5, log.log_end_offset()).unwrap();
    assert_eq!(log.end_offset_for_epoch(5), (5, 1));
    assert_eq!(fs::read_to_string(&checkpoint).unwrap(), "0\n1\n3 0\n");
    // Nothing appended since the last flush, but the new epoch is written all the same.
    log.mark_flushed().unwrap();
    assert_eq!(fs::read_to_string(&checkpoint).unwrap(), "0\n2\n3 0\n5 1\n");
}

#[test]
fn follower_truncates_and_appends_leader_batches() {
    let dir = tempfile::tempdir().unwrap();
    let leader_dir = tempfile::tempdir().unwrap();
    let mut leader = PartitionLog::open(leader_dir.path(), small_segments()).unwrap();
    let mut follower = filled_log(dir.path());
    for i in 0..10 {
        let batch = produce_batch(&[5_000 + i, 5_000 + i]);
        leader.append(&batch, 7, 5_000).unwrap();
    }
    follower.truncate_to(11).unwrap();
    assert_eq!(follower.log_end_offset(), 10);
    let fetched = leader.read(10, 1 << 20, 20).unwrap();
    let info = follower
        .append_as_follower(&fetched, 5_000)
        .unwrap()
        .unwrap();
    assert_eq!(info.first_offset, 10);
    assert_eq!(follower.log_end_offset(), info.last_offset + 1);
    assert_eq!(follower.latest_epoch(), Some(7));
    let err = follower.append_as_follower(&fetched, 5_000).unwrap_err();
    assert!(matches!(
        err,
        crate::log::LogError::UnexpectedAppendOffset { .. }
    ));

    follower.truncate_fully_and_start_at(100).unwrap();
    assert_eq!(
        (follower.log_start_offset(), follower.log_end_offset()),
        (100, 100)
    );
    drop(follower);
    let follower = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert_eq!(
        (follower.log_start_offset(), follower.log_end_offset()),
        (100, 100)
    );
}

#[test]
fn follower_append_far_ahead_starts_a_segment_at_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let leader_dir = tempfile::tempdir().unwrap();
    let mut leader = PartitionLog::open(leader_dir.path(), LogConfig::default()).unwrap();
    leader.truncate_fully_and_start_at(5_000_000_000).unwrap();
    append(&mut leader, 2, 1_000);
    let fetched = leader.read(5_000_000_000, 1 << 20, 5_000_000_002).unwrap();

    let mut follower = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    append(&mut follower, 1, 1_000);
    follower.append_as_follower(&fetched, 1_000).unwrap();
    assert_eq!(follower.segment_base_offsets(), vec![0, 5_000_000_000]);
    assert_eq!(follower.log_end_offset(), 5_000_000_002);
    drop(follower);
    let follower = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert_eq!(follower.log_end_offset(), 5_000_000_002);
    let bytes = follower
        .read(5_000_000_001, 1 << 20, 5_000_000_002)
        .unwrap();
    assert_eq!(decode_offsets(bytes)[0].0, 5_000_000_000);
}

#[test]
fn index_entry_naming_the_wrong_offset_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = filled_log(dir.path());
    log.flush().unwrap();
    drop(log);
    let index = segment_file(dir.path(), 0, "index");
    let original = fs::read(&index).unwrap();
    let mut corrupt = original.clone();
    let last = corrupt.len() - 8;
    corrupt[last..last + 4].copy_from_slice(&1u32.to_be_bytes());
    fs::write(&index, &corrupt).unwrap();

    let log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert_eq!(fs::read(&index).unwrap(), original);
    assert_eq!(read_all(&log).len(), 60);
}

#[test]
fn manager_get_or_create_applies_the_new_config() {
    let dir = tempfile::tempdir().unwrap();
    let manager = crate::log::LogManager::open(dir.path()).unwrap();
    let log = manager
        .get_or_create("t", 0, uuid::Uuid::from_u128(1), LogConfig::default())
        .unwrap();
    append(&mut log.lock().unwrap(), 1, 1_000);
    manager
        .get_or_create("t", 0, uuid::Uuid::from_u128(1), small_segments())
        .unwrap();
    assert_eq!(log.lock().unwrap().config(), &small_segments());
    assert!(dir
        .path()
        .join("t-0")
        .join(format!("{:020}.log", 0))
        .exists());
}

/// After a clean shutdown the active segment is trusted as flushed (its batches' CRCs are not
/// read again); without the marker the same damage is found and cut.
#[test]
fn a_clean_shutdown_skips_the_scan_of_the_active_segment() {
    let dir = tempfile::tempdir().unwrap();
    let manager = crate::log::LogManager::open(dir.path()).unwrap();
    let log = manager
        .get_or_create("t", 0, uuid::Uuid::from_u128(1), LogConfig::default())
        .unwrap();
    append(&mut log.lock().unwrap(), 2, 1_000);
    append(&mut log.lock().unwrap(), 2, 1_000);
    drop(log);
    manager.shutdown().unwrap();
    drop(manager);
    // Flip a byte of the last record (inside the CRC, outside the header).
    let path = segment_file(&dir.path().join("t-0"), 0, "log");
    let mut bytes = fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    fs::write(&path, &bytes).unwrap();

    let manager = crate::log::LogManager::open(dir.path()).unwrap();
    let log = manager
        .get_or_open("t", 0, uuid::Uuid::from_u128(1), LogConfig::default)
        .unwrap();
    assert_eq!(
        log.lock().unwrap().log_end_offset(),
        4,
        "trusted, not scanned"
    );
    drop(log);
    drop(manager);

    let manager = crate::log::LogManager::open(dir.path()).unwrap();
    assert!(!manager.clean_shutdown());
    let log = manager
        .get_or_open("t", 0, uuid::Uuid::from_u128(1), LogConfig::default)
        .unwrap();
    assert_eq!(log.lock().unwrap().log_end_offset(), 2, "scanned and cut");
}

/// One index entry per batch: `index.interval.bytes` 0.
fn entry_per_batch() -> LogConfig {
    LogConfig {
        index_interval_bytes: 0,
        ..LogConfig::default()
    }
}

#[test]
fn index_entries_reach_the_files_in_groups_and_at_a_flush() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), entry_per_batch()).unwrap();
    for i in 0..100 {
        append(&mut log, 1, 1_000 + i);
    }
    // Every batch after the first gets an entry in both indexes (99): the first 64 are written.
    let index = segment_file(dir.path(), 0, "index");
    let time_index = segment_file(dir.path(), 0, "timeindex");
    assert_eq!(fs::metadata(&index).unwrap().len(), 64 * 8);
    assert_eq!(fs::metadata(&time_index).unwrap().len(), 64 * 12);
    log.flush().unwrap();
    assert_eq!(fs::metadata(&index).unwrap().len(), 99 * 8);
    assert_eq!(fs::metadata(&time_index).unwrap().len(), 99 * 12);
}

/// An empty log's indexes are not read at an open after a clean shutdown (they hold exactly
/// their segment's entries: none), here shown by index files it would have found torn and
/// rebuilt; the indexes then fill as usual and a later open reads them.
#[test]
fn an_empty_log_opened_after_a_clean_shutdown_does_not_read_its_indexes() {
    let dir = tempfile::tempdir().unwrap();
    drop(PartitionLog::open(dir.path(), entry_per_batch()).unwrap());
    let index = segment_file(dir.path(), 0, "index");
    let time_index = segment_file(dir.path(), 0, "timeindex");
    fs::write(&index, [0u8; 3]).unwrap();
    fs::write(&time_index, [0u8; 5]).unwrap();

    let mut log = PartitionLog::open_after(dir.path(), entry_per_batch(), 2_000, true).unwrap();
    assert_eq!(
        fs::metadata(&index).unwrap().len(),
        3,
        "not read, not rebuilt"
    );
    assert_eq!(fs::metadata(&time_index).unwrap().len(), 5);
    for i in 0..100 {
        append(&mut log, 1, 1_000 + i);
    }
    log.flush().unwrap();
    let before = read_all(&log);
    drop(log);
    assert_eq!(fs::metadata(&index).unwrap().len(), 99 * 8);
    assert_eq!(fs::metadata(&time_index).unwrap().len(), 99 * 12);

    let log = PartitionLog::open_after(dir.path(), entry_per_batch(), 3_000, true).unwrap();
    assert_eq!(log.log_end_offset(), 100);
    assert_eq!(read_all(&log), before);
    assert_eq!(log.offset_for_timestamp(1_090).unwrap().unwrap().offset, 90);
    drop(log);

    // Without a clean shutdown an empty log's indexes are read (and torn ones rebuilt).
    drop(PartitionLog::open(&dir.path().join("other"), entry_per_batch()).unwrap());
    let other_index = segment_file(&dir.path().join("other"), 0, "index");
    fs::write(&other_index, [0u8; 3]).unwrap();
    drop(
        PartitionLog::open_after(&dir.path().join("other"), entry_per_batch(), 2_000, false)
            .unwrap(),
    );
    assert_eq!(fs::metadata(&other_index).unwrap().len(), 0, "rebuilt");
}

#[test]
fn indexes_short_of_their_last_entries_are_rebuilt_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), entry_per_batch()).unwrap();
    for i in 0..100 {
        append(&mut log, 1, 1_000 + i);
    }
    let before = read_all(&log);
    drop(log);
    let index = segment_file(dir.path(), 0, "index");
    assert_eq!(fs::metadata(&index).unwrap().len(), 64 * 8);

    // Even when trusted as a clean shutdown's, they are seen to lack entries and rebuilt.
    let mut log = PartitionLog::open_after(dir.path(), entry_per_batch(), 2_000, true).unwrap();
    assert_eq!(log.log_end_offset(), 100);
    assert_eq!(read_all(&log), before);
    assert_eq!(log.offset_for_timestamp(1_090).unwrap().unwrap().offset, 90);
    assert_eq!(fs::metadata(&index).unwrap().len(), 99 * 8);
    append(&mut log, 1, 1_100);
    log.flush().unwrap();
    assert_eq!(fs::metadata(&index).unwrap().len(), 100 * 8);
    assert_eq!(
        log.offset_for_timestamp(1_100).unwrap().unwrap().offset,
        100
    );
}

#[test]
fn a_follower_fetch_of_many_batches_is_written_in_runs_that_roll_where_a_batch_would() {
    let leader_dir = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut leader = PartitionLog::open(leader_dir.path(), LogConfig::default()).unwrap();
    for i in 0..12 {
        let batch = produce_batch_with_values(3, 100);
        leader.append(&batch, i32::from(i >= 6) * 3, 1_000).unwrap();
    }
    let fetched = leader.read(0, 1 << 20, 36).unwrap();
    // Each follower segment (1,024 bytes) holds two of these batches: the fetch rolls, where
    // the same batches appended one at a time roll.
    let mut follower = PartitionLog::open(dir.path(), small_segments()).unwrap();
    let info = follower
        .append_as_follower(&fetched, 1_000)
        .unwrap()
        .unwrap();
    assert_eq!((info.first_offset, info.last_offset), (0, 35));
    assert_eq!(info.record_count, 36);
    let one_by_one_dir = tempfile::tempdir().unwrap();
    let mut one_by_one = PartitionLog::open(one_by_one_dir.path(), small_segments()).unwrap();
    for batch in crate::protocol::batch::batches(&fetched) {
        one_by_one
            .append_as_follower(batch.unwrap().bytes, 1_000)
            .unwrap();
    }
    assert!(follower.segment_base_offsets().len() > 2);
    assert_eq!(
        follower.segment_base_offsets(),
        one_by_one.segment_base_offsets()
    );
    assert_eq!(
        follower.leader_epoch_start_offsets(),
        leader.leader_epoch_start_offsets()
    );
    for offset in 0..36 {
        let bytes = follower.read(offset, 1, 36).unwrap();
        assert!(decode_offsets(bytes).iter().any(|(o, _)| *o == offset));
    }
    drop(follower);
    let follower = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert_eq!(follower.log_end_offset(), 36);
    let all: Vec<i64> = (0..36)
        .map(|o| decode_offsets(follower.read(o, 1, 36).unwrap())[0].0)
        .collect();
    assert!(all.windows(2).all(|w| w[0] <= w[1]));

    // A batch with a bad CRC: those before it are appended, it and the rest are not.
    let more: Vec<u8> = (0..3)
        .flat_map(|_| {
            let batch = produce_batch(&[2_000]);
            leader.append(&batch, 3, 2_000).unwrap();
            leader
                .read(leader.log_end_offset() - 1, 1 << 20, i64::MAX)
                .unwrap()
        })
        .collect();
    let mut more = more;
    let third = more.len() / 3;
    *more.last_mut().unwrap() ^= 0xff;
    let mut follower = PartitionLog::open(dir.path(), small_segments()).unwrap();
    assert!(follower.append_as_follower(&more, 2_000).is_err());
    assert_eq!(follower.log_end_offset(), 38);
    assert_eq!(more.len(), third * 3);
}
