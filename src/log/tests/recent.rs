//! A leader's appends kept in memory for its followers (`log/recent.rs`): reads served from
//! them are the bytes the file holds, and whatever changes the log's end forgets them.

use std::os::unix::fs::FileExt;

use super::*;
use crate::log::records::FirstBatch;
use crate::log::segment::{segment_path, LOG_SUFFIX};
use crate::log::{MessageTimestampType, ReadInto};

/// Appends the same batches (1 to 4 records of varying sizes) to a log that keeps its appends
/// and to one that does not. The kept log takes them in turn borrowed, as a Produce's records
/// alone in their buffer (stamped in place, that buffer kept), and as records whose buffer
/// something else holds too (copied).
fn twin_logs(config: LogConfig, batches: usize) -> (tempfile::TempDir, PartitionLog, PartitionLog) {
    let dir = tempfile::tempdir().unwrap();
    let mut kept = PartitionLog::open(&dir.path().join("kept-0"), config.clone()).unwrap();
    let mut plain = PartitionLog::open(&dir.path().join("plain-0"), config).unwrap();
    kept.keep_recent_appends(true);
    for i in 0..batches {
        let batch = produce_batch_with_values(1 + i % 4, 10 + 40 * (i % 7));
        let kept_info = match i % 3 {
            0 => kept.append(&batch, 0, 1_000),
            1 => kept.append_produced(Bytes::from(batch.clone()), 0, 1_000),
            _ => {
                let shared = Bytes::from(batch.clone());
                let info = kept.append_produced(shared.clone(), 0, 1_000);
                assert_eq!(shared, batch, "a shared buffer is not stamped");
                info
            }
        };
        assert_eq!(kept_info.unwrap(), plain.append(&batch, 0, 1_000).unwrap());
    }
    (dir, kept, plain)
}

fn assert_reads_match(kept: &PartitionLog, plain: &PartitionLog) {
    let end = plain.log_end_offset();
    assert_eq!(kept.log_end_offset(), end);
    for offset in kept.log_start_offset()..=end {
        for max_offset in [offset, offset + 1, offset + 5, end] {
            for max_bytes in [1, 150, 400, 1 << 20] {
                for first_batch in [FirstBatch::Whole, FirstBatch::WithinMaxBytes] {
                    let read = |log: &PartitionLog| {
                        log.read_into(offset, max_bytes, max_offset, ReadInto::Copy, first_batch)
                            .unwrap()
                            .into_bytes()
                            .unwrap()
                    };
                    assert_eq!(
                        read(kept),
                        read(plain),
                        "offset {offset}, max_offset {max_offset}, max_bytes {max_bytes}, \
                         {first_batch:?}"
                    );
                }
            }
        }
    }
}

/// Every read, within and across segments (a read stays in one), serves what a log that kept
/// nothing serves, also after the kept batches were trimmed from the front.
#[test]
fn kept_appends_serve_what_the_file_holds() {
    let config = LogConfig {
        segment_bytes: 4096,
        ..small_segments()
    };
    let (_dir, mut kept, plain) = twin_logs(config, 40);
    assert!(kept.segment_count() > 3);
    assert_reads_match(&kept, &plain);
    kept.forget_recent_appends_below(plain.log_end_offset() / 2);
    assert_reads_match(&kept, &plain);
}

/// Kept batches are served from memory: with the segment file overwritten, reads of them still
/// return the appended bytes, until they are forgotten.
#[test]
fn kept_appends_are_read_from_memory_until_forgotten() {
    let (dir, mut kept, plain) = twin_logs(LogConfig::default(), 6);
    let end = plain.log_end_offset();
    let appended = plain.read(0, 1 << 20, end).unwrap();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(segment_path(&dir.path().join("kept-0"), 0, LOG_SUFFIX))
        .unwrap();
    file.write_all_at(&vec![0u8; appended.len()], 0).unwrap();
    assert_eq!(kept.read(0, 1 << 20, end).unwrap(), appended);
    kept.forget_recent_appends_below(end);
    assert_ne!(kept.read(0, 1 << 20, end).ok(), Some(appended));
}

/// A truncation (a leader become follower) forgets the kept batches: the batches appended at
/// the same offsets afterwards are what reads serve.
#[test]
fn truncation_forgets_kept_appends() {
    let (_dir, mut kept, mut plain) = twin_logs(LogConfig::default(), 10);
    for log in [&mut kept, &mut plain] {
        log.truncate_to(7).unwrap();
        let batch = produce_batch_with_values(3, 77);
        log.append(&batch, 1, 2_000).unwrap();
    }
    assert_reads_match(&kept, &plain);
    for log in [&mut kept, &mut plain] {
        log.truncate_fully_and_start_at(100).unwrap();
        log.append(&produce_batch_with_values(2, 5), 2, 3_000)
            .unwrap();
    }
    assert_reads_match(&kept, &plain);
}

/// A log told to stop keeping (no followers any more) serves the file again.
#[test]
fn appends_are_kept_only_while_asked() {
    let (_dir, mut kept, mut plain) = twin_logs(LogConfig::default(), 5);
    kept.keep_recent_appends(false);
    for log in [&mut kept, &mut plain] {
        log.append(&produce_batch_with_values(2, 50), 0, 1_000)
            .unwrap();
    }
    kept.keep_recent_appends(true);
    for log in [&mut kept, &mut plain] {
        log.append(&produce_batch_with_values(4, 20), 0, 1_000)
            .unwrap();
    }
    assert_reads_match(&kept, &plain);
}

/// A Produce's batch alone in its buffer is stamped there (offsets, leader epoch, and with
/// LogAppendTime the max timestamp and CRC) and that very buffer is what followers read: the
/// bytes the file holds, a tail after the batch cut off.
#[test]
fn a_batch_alone_in_its_buffer_is_kept_as_that_buffer() {
    let config = LogConfig {
        message_timestamp_type: MessageTimestampType::LogAppendTime,
        ..LogConfig::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut kept = PartitionLog::open(&dir.path().join("kept-0"), config.clone()).unwrap();
    let mut plain = PartitionLog::open(&dir.path().join("plain-0"), config).unwrap();
    kept.keep_recent_appends(true);
    for log in [&mut kept, &mut plain] {
        log.append(&produce_batch_with_values(2, 30), 3, 5_000)
            .unwrap();
    }
    let batch = produce_batch_with_values(3, 100);
    let mut with_tail = batch.clone();
    with_tail.extend_from_slice(&batch[..20]);
    let received = Bytes::from(with_tail);
    let start = received.as_ptr();
    let info = kept.append_produced(received, 3, 7_000).unwrap();
    assert_eq!(info, plain.append(&batch, 3, 7_000).unwrap());
    assert_eq!(info.log_append_time_ms, Some(7_000));

    let end = kept.log_end_offset();
    let served = kept.read(info.first_offset, 1 << 20, end).unwrap();
    assert_eq!(served.as_ptr(), start, "served from the produced buffer");
    assert_eq!(served, plain.read(info.first_offset, 1 << 20, end).unwrap());
    let header = crate::protocol::batch::parse_batch_header(&served).unwrap();
    crate::protocol::batch::verify_crc(&header, &served).unwrap();
    assert_reads_match(&kept, &plain);
}
