use super::*;
use crate::protocol::batch::parse_batch_header;
use std::collections::BTreeMap;

const HOUR: i64 = 3_600_000;

fn compacted(config: LogConfig) -> LogConfig {
    LogConfig {
        cleanup_policy_compact: true,
        cleanup_policy_delete: false,
        segment_bytes: 600,
        index_interval_bytes: 100,
        ..config
    }
}

/// One batch of keyed records (a `None` value is a tombstone).
fn keyed_batch(
    records: &[(&str, Option<&str>)],
    timestamp: i64,
    compression: Compression,
) -> Vec<u8> {
    let records: Vec<Record> = records
        .iter()
        .enumerate()
        .map(|(i, (key, value))| Record {
            transactional: false,
            control: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            // One batch: the encoder splits where offset - sequence changes; base stays -1.
            sequence: i as i32 - 1,
            timestamp: timestamp + i as i64,
            key: Some(Bytes::from(key.to_string())),
            value: value.map(|v| Bytes::from(v.to_string())),
            headers: Default::default(),
            delete_horizon: false,
        })
        .collect();
    let mut buf = BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression,
    };
    RecordBatchEncoder::encode(&mut buf, &records, &options).unwrap();
    buf.to_vec()
}

fn put(log: &mut PartitionLog, records: &[(&str, Option<&str>)], timestamp: i64) {
    log.append(
        &keyed_batch(records, timestamp, Compression::None),
        0,
        timestamp,
    )
    .unwrap();
}

/// (offset, key, value) of every record, reading batch by batch to the log end.
fn read_all(log: &PartitionLog) -> Vec<(i64, String, Option<String>)> {
    let mut out = Vec::new();
    let mut offset = log.log_start_offset();
    let end = log.log_end_offset();
    while offset < end {
        let bytes = log.read(offset, 1 << 20, end).unwrap();
        if bytes.is_empty() {
            break;
        }
        let mut at = 0;
        while at + 61 <= bytes.len() {
            let header = parse_batch_header(&bytes[at..]).unwrap();
            offset = header.last_offset() + 1;
            at += header.total_size();
        }
        let mut bytes = bytes;
        for set in RecordBatchDecoder::decode_all(&mut bytes).unwrap() {
            for r in set.records {
                let text = |b: Option<Bytes>| b.map(|b| String::from_utf8(b.to_vec()).unwrap());
                out.push((r.offset, text(r.key).unwrap(), text(r.value)));
            }
        }
    }
    out
}

/// The last value per key, as a consumer of the whole log would see it.
fn latest(records: &[(i64, String, Option<String>)]) -> BTreeMap<String, Option<String>> {
    records
        .iter()
        .map(|(_, k, v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn cleaning_keeps_the_last_record_per_key_at_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), compacted(LogConfig::default())).unwrap();
    for round in 0..12 {
        for key in ["a", "b", "c", "d"] {
            let value = format!("{key}{round}");
            put(&mut log, &[(key, Some(&value))], 1_000);
        }
    }
    log.roll(1_000).unwrap();
    let before = read_all(&log);
    assert!(log.segment_count() > 3);

    let result = log
        .clean(0, log.log_end_offset(), 2_000, false)
        .unwrap()
        .unwrap();
    assert_eq!(result.first_dirty_offset, 48);
    assert!(result.bytes_after < result.bytes_before / 4, "{result:?}");
    let after = read_all(&log);
    assert_eq!(
        after,
        before[before.len() - 4..].to_vec(),
        "only the last round stays, at its offsets"
    );
    assert_eq!(log.log_end_offset(), 48);
    // Nothing new is dirty: the next pass has nothing to do.
    assert_eq!(log.clean(48, 48, 3_000, false).unwrap(), None);

    // New records for one key supersede the cleaned ones on the next pass.
    put(&mut log, &[("a", Some("a-new")), ("e", Some("e0"))], 4_000);
    log.roll(4_000).unwrap();
    // Forced: two dirty records are below min.cleanable.dirty.ratio of this log.
    log.clean(48, log.log_end_offset(), 5_000, true)
        .unwrap()
        .unwrap();
    let after = read_all(&log);
    let keys: Vec<&str> = after.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(keys, ["b", "c", "d", "a", "e"]);
    assert_eq!(after[3], (48, "a".into(), Some("a-new".into())));

    // The cleaned segments and their rebuilt indexes survive a reopen.
    drop(log);
    let log = PartitionLog::open(dir.path(), compacted(LogConfig::default())).unwrap();
    assert_eq!(read_all(&log), after);
    assert_eq!(log.log_end_offset(), 50);
}

#[test]
fn the_active_segment_and_records_past_the_bound_are_not_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), compacted(LogConfig::default())).unwrap();
    for round in 0..3 {
        put(&mut log, &[("k", Some(&format!("v{round}")))], 1_000);
    }
    // One segment, the active one: nothing to clean.
    assert_eq!(log.clean(0, 3, 2_000, true).unwrap(), None);
    log.roll(1_000).unwrap();
    // Below the high watermark only.
    assert_eq!(log.clean(0, 2, 2_000, true).unwrap(), None);
    assert!(log.clean(0, 3, 2_000, false).unwrap().is_some());
    assert_eq!(read_all(&log), vec![(2, "k".into(), Some("v2".into()))]);
}

#[test]
fn tombstones_stay_until_delete_retention_ms_has_passed() {
    let dir = tempfile::tempdir().unwrap();
    let config = compacted(LogConfig {
        delete_retention_ms: HOUR,
        ..LogConfig::default()
    });
    let mut log = PartitionLog::open(dir.path(), config).unwrap();
    put(
        &mut log,
        &[("gone", Some("v0")), ("kept", Some("v0"))],
        1_000,
    );
    put(&mut log, &[("gone", None)], 1_000);
    log.roll(1_000).unwrap();

    let now = 10_000;
    let first = log.clean(0, 3, now, false).unwrap().unwrap();
    assert_eq!(first.next_delete_horizon_ms, Some(now + HOUR));
    let after = read_all(&log);
    assert_eq!(
        after,
        vec![
            (1, "kept".into(), Some("v0".into())),
            (2, "gone".into(), None)
        ]
    );
    // Before the horizon the tombstone stays, even on a forced pass.
    log.clean(3, 3, now + HOUR - 1, true).unwrap().unwrap();
    assert_eq!(read_all(&log), after);
    let last = log.clean(3, 3, now + HOUR, true).unwrap().unwrap();
    assert_eq!(last.next_delete_horizon_ms, None);
    assert_eq!(read_all(&log), vec![(1, "kept".into(), Some("v0".into()))]);
    assert_eq!(log.log_end_offset(), 3);
}

#[test]
fn min_cleanable_dirty_ratio_and_min_compaction_lag_hold_cleaning_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = compacted(LogConfig {
        min_cleanable_dirty_ratio: 0.9,
        ..LogConfig::default()
    });
    let mut log = PartitionLog::open(dir.path(), config.clone()).unwrap();
    for round in 0..20 {
        put(&mut log, &[(&format!("k{round}"), Some("v"))], 1_000);
    }
    log.roll(1_000).unwrap();
    let first = log.clean(0, 20, 2_000, false).unwrap().unwrap();
    // Every key is distinct: nothing removed, the whole log is now clean.
    assert_eq!(first.bytes_after, first.bytes_before);
    put(&mut log, &[("k0", Some("v2"))], 1_000);
    log.roll(1_000).unwrap();
    // One dirty batch is far below 90% of the log.
    assert_eq!(log.clean(20, 21, 2_000, false).unwrap(), None);
    assert!(log.clean(20, 21, 2_000, true).unwrap().is_some());
    assert_eq!(read_all(&log).len(), 20);

    let lagging = tempfile::tempdir().unwrap();
    let config = compacted(LogConfig {
        min_compaction_lag_ms: HOUR,
        ..LogConfig::default()
    });
    let mut log = PartitionLog::open(lagging.path(), config).unwrap();
    put(&mut log, &[("k", Some("v0")), ("k", Some("v1"))], 1_000);
    log.roll(1_000).unwrap();
    assert_eq!(log.clean(0, 2, 1_001 + HOUR - 1, false).unwrap(), None);
    assert!(log.clean(0, 2, 1_001 + HOUR, false).unwrap().is_some());
    assert_eq!(read_all(&log), vec![(1, "k".into(), Some("v1".into()))]);
}

#[test]
fn compressed_batches_are_rewritten_with_their_codec() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), compacted(LogConfig::default())).unwrap();
    let batch = keyed_batch(
        &[("a", Some("1")), ("b", Some("1")), ("a", Some("2"))],
        1_000,
        Compression::Gzip,
    );
    log.append(&batch, 0, 1_000).unwrap();
    log.roll(1_000).unwrap();
    log.clean(0, 3, 2_000, false).unwrap().unwrap();
    let bytes = log.read(0, 1 << 20, 3).unwrap();
    let header = parse_batch_header(&bytes).unwrap();
    assert_eq!(header.compression(), Some(Compression::Gzip));
    assert_eq!(header.records_count, 2);
    assert_eq!(
        read_all(&log),
        vec![
            (1, "b".into(), Some("1".into())),
            (2, "a".into(), Some("2".into()))
        ]
    );
}

/// A crash after the cleaned group was committed as `.swap` but before the old segments
/// went: opening the log finishes the swap. A crash before that (`.cleaned`): the old
/// segments stay as they were.
#[test]
fn a_crash_mid_clean_leaves_the_old_or_the_new_segments() {
    for committed in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let config = compacted(LogConfig::default());
        let mut log = PartitionLog::open(dir.path(), config.clone()).unwrap();
        for round in 0..10 {
            for key in ["a", "b"] {
                put(&mut log, &[(key, Some(&format!("{key}{round}")))], 1_000);
            }
        }
        log.roll(1_000).unwrap();
        log.flush().unwrap();
        let before = read_all(&log);
        let bases = log.cleanable_bases(20, 2_000);
        // Two segments cleaned into one, as a group of small segments would be.
        let group = &bases[..2];
        let offsets = log.build_offset_map(&bases, 0).unwrap();
        let producers = log.last_batches_of_producers().unwrap();
        let (swap, _, _) = log.write_swap(group, &offsets, &producers, 2_000).unwrap();
        if !committed {
            std::fs::rename(&swap, swap.with_extension("cleaned")).unwrap();
        }
        drop(log);

        let log = PartitionLog::open(dir.path(), config).unwrap();
        let after = read_all(&log);
        if committed {
            // The first group is clean; later groups are as they were; no offset twice.
            let mut offsets: Vec<i64> = after.iter().map(|r| r.0).collect();
            offsets.dedup();
            assert_eq!(offsets.len(), after.len());
            assert!(after.len() < before.len());
            assert_eq!(latest(&after), latest(&before));
            assert!(after.windows(2).all(|w| w[0].0 < w[1].0));
        } else {
            assert_eq!(after, before);
        }
        let leftovers: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".swap") || n.ends_with(".cleaned"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        assert_eq!(log.log_end_offset(), 20);
    }
}

#[test]
fn logs_without_compact_are_never_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = PartitionLog::open(dir.path(), small_segments()).unwrap();
    put(&mut log, &[("k", Some("v0")), ("k", Some("v1"))], 1_000);
    log.roll(1_000).unwrap();
    assert_eq!(log.clean(0, 2, 2_000, true).unwrap(), None);
    assert_eq!(read_all(&log).len(), 2);
}

/// Keyless records are removed (a compacted topic needs keys), but an idempotent producer's
/// last batch stays, empty, so a restarted broker still knows its sequence numbers.
#[test]
fn an_idempotent_producers_last_batch_survives_empty() {
    let dir = tempfile::tempdir().unwrap();
    let config = compacted(LogConfig::default());
    // Keyless records reach a compacted log only from before it was compacted: a compacted
    // topic refuses them on produce.
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    let first = idempotent_batch(7, 0, 0, 3);
    log.append(&first, 0, 1_000).unwrap();
    log.set_config(config);
    assert!(log.append(&idempotent_batch(7, 0, 3, 1), 0, 1_000).is_err());
    put(&mut log, &[("k", Some("v"))], 1_000);
    log.roll(1_000).unwrap();
    log.clean(0, 4, 2_000, true).unwrap().unwrap();
    assert_eq!(read_all(&log), vec![(3, "k".into(), Some("v".into()))]);
    let bytes = log.read(0, 1 << 20, 4).unwrap();
    let empty = parse_batch_header(&bytes).unwrap();
    assert_eq!(
        (empty.records_count, empty.last_offset(), empty.producer_id),
        (0, 2, 7)
    );

    drop(log);
    // Reopened without compact, so the keyless retry reaches the producer state check.
    let mut log = PartitionLog::open(dir.path(), LogConfig::default()).unwrap();
    assert!(log.append(&first, 0, 3_000).unwrap().duplicate);
    let next = log.append(&idempotent_batch(7, 0, 3, 2), 0, 3_000).unwrap();
    assert_eq!((next.first_offset, next.duplicate), (4, false));
}
