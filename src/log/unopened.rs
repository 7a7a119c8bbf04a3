//! Logs not opened in this run, judged from their files alone: retention and the cleaner must
//! cover every partition's log on disk, but logs open on first use, and opening every log to
//! look would cost the descriptors and time lazy opening saves. A segment's base offset is in
//! its `.log` file's name, its size and last write are the file's; from these alone these
//! functions tell whether a pass may have work in a log, and only such a log is opened (the
//! opened log then decides exactly, as every open log does).
//!
//! The one thing the files cannot tell is a segment's largest record timestamp: its file's
//! modification time stands in for it, which is what Kafka used before 0.10.1. A segment whose
//! records carry CreateTime timestamps older than their arrival is judged by their arrival.

use std::fs;
use std::io;
use std::path::Path;
use std::time::UNIX_EPOCH;

use super::config::LogConfig;

/// One segment of a log on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentFile {
    pub base_offset: i64,
    pub bytes: u64,
    /// The `.log` file's last modification, in ms since the epoch.
    pub modified_ms: i64,
}

/// The segments of the log in `dir`, by base offset; files other than `<20 digits>.log`
/// (indexes, `.cleaned`, `.swap`, `.deleted`) are not segments.
pub fn segment_files(dir: &Path) -> io::Result<Vec<SegmentFile>> {
    let mut segments = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(base_offset) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".log"))
            .filter(|stem| stem.len() == 20 && stem.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|stem| stem.parse::<i64>().ok())
        else {
            continue;
        };
        let metadata = entry.metadata()?;
        let modified_ms = metadata
            .modified()?
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        segments.push(SegmentFile {
            base_offset,
            bytes: metadata.len(),
            modified_ms,
        });
    }
    segments.sort_by_key(|s| s.base_offset);
    Ok(segments)
}

/// Whether retention may delete a segment of a log with these segments and `config` at
/// `now_ms`: its oldest segment is past `retention.bytes` or `retention.ms` (the test
/// `PartitionLog::apply_retention_up_to` makes, with the file's time for the largest timestamp).
pub fn retention_may_delete(segments: &[SegmentFile], config: &LogConfig, now_ms: i64) -> bool {
    let Some(oldest) = segments.first().filter(|s| s.bytes > 0) else {
        return false;
    };
    if !config.cleanup_policy_delete {
        return false;
    }
    let total: u64 = segments.iter().map(|s| s.bytes).sum();
    let over_bytes = u64::try_from(config.retention_bytes)
        .is_ok_and(|limit| total.saturating_sub(oldest.bytes) >= limit);
    let over_time =
        config.retention_ms >= 0 && now_ms.saturating_sub(oldest.modified_ms) > config.retention_ms;
    over_bytes || over_time
}

/// Whether the cleaner may have work in a compacted log with these segments, given where its
/// dirty part starts (`first_dirty_offset`, from `cleaner-offset-checkpoint`, 0 when the log
/// was never cleaned): its inactive segments (all but the last) past that offset are at least
/// `min.cleanable.dirty.ratio` of the inactive bytes, as `PartitionLog::clean` reckons it.
pub fn cleaning_may_be_due(
    segments: &[SegmentFile],
    config: &LogConfig,
    first_dirty_offset: i64,
) -> bool {
    if !config.cleanup_policy_compact || segments.len() < 2 {
        return false;
    }
    let (mut clean, mut dirty) = (0u64, 0u64);
    // An inactive segment ends where the next one begins.
    for pair in segments.windows(2) {
        match pair[1].base_offset > first_dirty_offset {
            true => dirty += pair[0].bytes,
            false => clean += pair[0].bytes,
        }
    }
    let total = clean + dirty;
    dirty > 0 && dirty as f64 / total as f64 >= config.min_cleanable_dirty_ratio
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn segment(base_offset: i64, bytes: u64, modified_ms: i64) -> SegmentFile {
        SegmentFile {
            base_offset,
            bytes,
            modified_ms,
        }
    }

    #[test]
    fn segments_are_read_from_file_names_and_sizes_only() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("00000000000000000010.log"), b"0123456789").unwrap();
        fs::write(dir.path().join("00000000000000000000.log"), b"01234").unwrap();
        for other in [
            "00000000000000000000.index",
            "00000000000000000000.timeindex",
            "00000000000000000000.log.cleaned",
            "00000000000000000005.log.swap",
            "partition.metadata",
            "junk.log",
        ] {
            fs::write(dir.path().join(other), b"x").unwrap();
        }
        let segments = segment_files(dir.path()).unwrap();
        let bases: Vec<(i64, u64)> = segments.iter().map(|s| (s.base_offset, s.bytes)).collect();
        assert_eq!(bases, [(0, 5), (10, 10)]);
        assert!(segments[0].modified_ms > 0);
    }

    #[test]
    fn retention_is_due_past_its_bytes_or_its_time() {
        let now = 1_000_000;
        let mut config = LogConfig {
            retention_ms: 60_000,
            retention_bytes: -1,
            ..LogConfig::default()
        };
        let log = [
            segment(0, 100, now - 120_000),
            segment(10, 100, now - 1_000),
        ];
        assert!(retention_may_delete(&log, &config, now));
        let recent = [segment(0, 100, now - 30_000), segment(10, 100, now - 1_000)];
        assert!(!retention_may_delete(&recent, &config, now));
        config.retention_ms = -1;
        // As Kafka: the oldest goes only if what is left still holds retention.bytes.
        config.retention_bytes = 100;
        assert!(retention_may_delete(&recent, &config, now));
        config.retention_bytes = 50;
        assert!(retention_may_delete(&recent, &config, now));
        config.retention_bytes = 150;
        assert!(!retention_may_delete(&recent, &config, now));
        // Compacted only, empty logs: never.
        config.retention_ms = 0;
        config.cleanup_policy_delete = false;
        assert!(!retention_may_delete(&log, &config, now));
        config.cleanup_policy_delete = true;
        assert!(!retention_may_delete(&[segment(0, 0, 0)], &config, now));
        assert!(!retention_may_delete(&[], &config, now));
    }

    #[test]
    fn cleaning_is_due_when_the_inactive_part_is_dirty_enough() {
        let config = LogConfig {
            cleanup_policy_compact: true,
            min_cleanable_dirty_ratio: 0.5,
            ..LogConfig::default()
        };
        let log = [segment(0, 100, 0), segment(10, 100, 0), segment(20, 999, 0)];
        // Never cleaned: every inactive segment is dirty.
        assert!(cleaning_may_be_due(&log, &config, 0));
        // Cleaned up to 10: half the inactive bytes are dirty.
        assert!(cleaning_may_be_due(&log, &config, 10));
        // Cleaned up to 20: the active segment does not count.
        assert!(!cleaning_may_be_due(&log, &config, 20));
        // Only an active segment: nothing to clean.
        assert!(!cleaning_may_be_due(&log[2..], &config, 0));
        let delete_only = LogConfig {
            cleanup_policy_compact: false,
            ..config
        };
        assert!(!cleaning_may_be_due(&log, &delete_only, 0));
    }
}
