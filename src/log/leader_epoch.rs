//! The leader epoch cache: which leader epoch started at which offset, persisted in Kafka's
//! `leader-epoch-checkpoint` format. Followers use it (through OffsetForLeaderEpoch) to find
//! where their log diverges from the leader's.
//!
//! Difference from Kafka: a new epoch's start is kept in memory and written with the log's
//! flush and clean shutdown, not at once (Kafka's `assign` writes and syncs the file at every
//! new epoch; its truncations write in the background since KAFKA-15046). A restarted leader
//! records its epoch at its partition's first use, so writing there created a temporary file
//! per partition on the first produce after a restart, 45% of a broker's CPU over 10,000
//! partitions. Nothing is lost in a crash: an epoch's batches lie after the recovery point
//! until a flush writes the checkpoint, and recovery rebuilds epochs from every batch it scans
//! after the recovery point; an epoch that wrote nothing is dropped anyway when the next one
//! starts at the same offset. Truncations still write at once (rare, and a removed entry must
//! not come back).

use std::path::{Path, PathBuf};

use super::checkpoint::{read_checkpoint, write_checkpoint};
use super::error::LogError;

pub(crate) const LEADER_EPOCH_CHECKPOINT: &str = "leader-epoch-checkpoint";

/// Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET.
pub const UNDEFINED_EPOCH: i32 = -1;
pub const UNDEFINED_EPOCH_OFFSET: i64 = -1;

/// A leader epoch and the first offset written in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochEntry {
    pub epoch: i32,
    pub start_offset: i64,
}

pub(crate) struct LeaderEpochCache {
    path: PathBuf,
    entries: Vec<EpochEntry>,
    /// `entries` holds epochs the checkpoint file does not (assigned since the last write).
    unwritten: bool,
}

fn parse_entry(line: &str) -> Option<EpochEntry> {
    let mut parts = line.split_whitespace();
    let epoch = parts.next()?.parse().ok()?;
    let start_offset = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some(EpochEntry {
        epoch,
        start_offset,
    })
}

impl LeaderEpochCache {
    /// Loads the checkpoint in `dir`; a missing or malformed one gives an empty cache, which
    /// recovery refills from the batches' partition leader epochs.
    pub(crate) fn load(dir: &Path) -> Result<Self, LogError> {
        let mut cache = Self::empty(dir);
        cache.entries = read_checkpoint(&cache.path)?
            .and_then(|lines| {
                lines
                    .iter()
                    .map(|l| parse_entry(l))
                    .collect::<Option<Vec<_>>>()
            })
            .unwrap_or_default();
        Ok(cache)
    }

    /// The cache of a log with no checkpoint yet (created empty in this run), read from nothing.
    pub(crate) fn empty(dir: &Path) -> Self {
        Self {
            path: dir.join(LEADER_EPOCH_CHECKPOINT),
            entries: Vec::new(),
            unwritten: false,
        }
    }

    pub(crate) fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    pub(crate) fn latest_epoch(&self) -> Option<i32> {
        self.entries.last().map(|e| e.epoch)
    }

    /// Records that `epoch` starts at `start_offset` when it is newer than the latest epoch.
    /// Epochs that started at or after `start_offset` end up holding nothing (a leader that
    /// wrote nothing in its epoch): they are dropped, as Kafka's
    /// `maybeTruncateNonMonotonicEntries`, so that every entry starts after the one before.
    /// In memory only until [`Self::persist`] (see the module's header).
    pub(crate) fn assign(&mut self, epoch: i32, start_offset: i64) {
        if epoch < 0 || self.latest_epoch().is_some_and(|latest| latest >= epoch) {
            return;
        }
        self.entries.retain(|e| e.start_offset < start_offset);
        self.entries.push(EpochEntry {
            epoch,
            start_offset,
        });
        self.unwritten = true;
    }

    /// Whether epochs were assigned since the checkpoint was last written.
    pub(crate) fn unwritten(&self) -> bool {
        self.unwritten
    }

    /// Forgets epochs that start at or after `end_offset` (the log was cut there).
    pub(crate) fn truncate_from_end(&mut self, end_offset: i64) -> Result<(), LogError> {
        let before = self.entries.len();
        self.entries.retain(|e| e.start_offset < end_offset);
        if self.entries.len() != before {
            self.persist()?;
        }
        Ok(())
    }

    /// Forgets what lies before `start_offset` (the log start moved), keeping the epoch that
    /// covers it, now starting at `start_offset`.
    pub(crate) fn truncate_from_start(&mut self, start_offset: i64) -> Result<(), LogError> {
        let covering = self
            .entries
            .iter()
            .rposition(|e| e.start_offset <= start_offset);
        let Some(index) = covering else {
            return Ok(());
        };
        if index == 0 && self.entries[0].start_offset == start_offset {
            return Ok(());
        }
        self.entries.drain(..index);
        self.entries[0].start_offset = start_offset;
        self.persist()
    }

    /// Kafka's `endOffsetFor`: the largest epoch <= `requested` and the offset where the next
    /// epoch starts (the log end offset for the latest epoch).
    pub(crate) fn end_offset_for(&self, requested: i32, log_end_offset: i64) -> (i32, i64) {
        if requested == UNDEFINED_EPOCH {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        }
        if self.latest_epoch() == Some(requested) {
            return (requested, log_end_offset);
        }
        let Some(higher) = self.entries.iter().find(|e| e.epoch > requested) else {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        };
        match self.entries.iter().rev().find(|e| e.epoch <= requested) {
            Some(floor) => (floor.epoch, higher.start_offset),
            None => (requested, higher.start_offset),
        }
    }

    /// Writes the checkpoint without syncing it (an fsync per change stalled appends);
    /// [`PartitionLog::flush`](super::PartitionLog::flush) and a clean shutdown make it
    /// durable, and recovery rebuilds epochs from the batches it scans.
    pub(crate) fn persist(&mut self) -> Result<(), LogError> {
        self.write(false)
    }

    /// Writes the checkpoint and syncs it.
    pub(crate) fn persist_durably(&mut self) -> Result<(), LogError> {
        self.write(true)
    }

    fn write(&mut self, durable: bool) -> Result<(), LogError> {
        let lines: Vec<String> = self
            .entries
            .iter()
            .map(|e| format!("{} {}", e.epoch, e.start_offset))
            .collect();
        write_checkpoint(&self.path, &lines, durable)?;
        self.unwritten = false;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn end_offset_for_follows_kafka() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::load(dir.path()).unwrap();
        cache.assign(2, 0);
        cache.assign(2, 5);
        cache.assign(4, 10);
        assert_eq!(cache.end_offset_for(4, 20), (4, 20));
        assert_eq!(cache.end_offset_for(3, 20), (2, 10));
        assert_eq!(cache.end_offset_for(1, 20), (1, 0));
        assert_eq!(cache.end_offset_for(5, 20), (-1, -1));
        let path = dir.path().join(LEADER_EPOCH_CHECKPOINT);
        assert!(!path.exists(), "assigned epochs wait for the log's flush");
        assert!(cache.unwritten());
        cache.persist().unwrap();
        assert!(!cache.unwritten());
        let text = std::fs::read_to_string(dir.path().join(LEADER_EPOCH_CHECKPOINT)).unwrap();
        assert_eq!(text, "0\n2\n2 0\n4 10\n");
    }

    #[test]
    fn an_epoch_that_wrote_nothing_gives_way_to_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::load(dir.path()).unwrap();
        cache.assign(1, 0);
        cache.assign(2, 10);
        cache.assign(3, 10);
        assert_eq!(cache.entries().len(), 2);
        assert_eq!(cache.end_offset_for(2, 15), (1, 10));
        assert_eq!(cache.end_offset_for(3, 15), (3, 15));
    }

    #[test]
    fn truncation_from_both_ends() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::load(dir.path()).unwrap();
        cache.assign(1, 0);
        cache.assign(2, 10);
        cache.assign(3, 20);
        cache.truncate_from_start(15).unwrap();
        cache.truncate_from_end(20).unwrap();
        let reloaded = LeaderEpochCache::load(dir.path()).unwrap();
        assert_eq!(
            reloaded.entries(),
            &[EpochEntry {
                epoch: 2,
                start_offset: 15
            }]
        );
    }
}
