//! The sparse time index (`.timeindex`): 12-byte entries of (timestamp i64, offset relative to
//! the segment's base offset as u32). An entry (T, o) says no record at an offset <= o has a
//! timestamp above T; entries only grow in timestamp, as Kafka's `maybeAppend` keeps them.

use std::path::Path;

use super::error::LogError;
use super::index_file::IndexFile;

const ENTRY_SIZE: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimestampOffset {
    pub(crate) timestamp: i64,
    pub(crate) offset: i64,
}

pub(crate) struct TimeIndex {
    base_offset: i64,
    file: IndexFile<ENTRY_SIZE>,
}

fn decode(entry: &[u8; ENTRY_SIZE], base_offset: i64) -> TimestampOffset {
    let mut timestamp = [0u8; 8];
    timestamp.copy_from_slice(&entry[..8]);
    let relative = u32::from_be_bytes([entry[8], entry[9], entry[10], entry[11]]);
    TimestampOffset {
        timestamp: i64::from_be_bytes(timestamp),
        offset: base_offset + i64::from(relative),
    }
}

impl TimeIndex {
    pub(crate) fn create(path: &Path, base_offset: i64) -> Result<Self, LogError> {
        Ok(Self {
            base_offset,
            file: IndexFile::create(path)?,
        })
    }

    /// See [`IndexFile::known_empty`].
    pub(crate) fn known_empty(path: &Path, base_offset: i64) -> Self {
        Self {
            base_offset,
            file: IndexFile::known_empty(path),
        }
    }

    pub(crate) fn load(path: &Path, base_offset: i64) -> Result<Option<Self>, LogError> {
        Ok(IndexFile::load(path)?.map(|file| Self { base_offset, file }))
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = TimestampOffset> + '_ {
        self.file
            .entries()
            .iter()
            .map(|e| decode(e, self.base_offset))
    }

    pub(crate) fn last(&self) -> Option<TimestampOffset> {
        self.file
            .entries()
            .last()
            .map(|e| decode(e, self.base_offset))
    }

    /// Appends (timestamp, offset) unless the timestamp does not exceed the last entry's.
    pub(crate) fn maybe_append(&mut self, timestamp: i64, offset: i64) {
        if self.last().is_some_and(|last| last.timestamp >= timestamp) {
            return;
        }
        let relative = u32::try_from(offset - self.base_offset).unwrap_or(u32::MAX);
        let mut entry = [0u8; ENTRY_SIZE];
        entry[..8].copy_from_slice(&timestamp.to_be_bytes());
        entry[8..].copy_from_slice(&relative.to_be_bytes());
        self.file.push(entry);
    }

    /// The entry with the largest timestamp strictly below `timestamp`: every record at or
    /// before its offset is older than `timestamp`, so a search may start after it.
    pub(crate) fn last_entry_before(&self, timestamp: i64) -> Option<TimestampOffset> {
        let entries = self.file.entries();
        let count = entries.partition_point(|e| decode(e, self.base_offset).timestamp < timestamp);
        count
            .checked_sub(1)
            .map(|i| decode(&entries[i], self.base_offset))
    }

    pub(crate) fn write_pending(&self) -> Result<(), LogError> {
        self.file.write_pending()
    }

    pub(crate) fn flush(&self) -> Result<(), LogError> {
        self.file.flush()
    }

    pub(crate) fn close(&self) {
        self.file.close();
    }

    pub(crate) fn delete(&self) -> Result<(), LogError> {
        self.file.delete()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_growing_timestamps_and_finds_entry_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.timeindex");
        let mut index = TimeIndex::create(&path, 10).unwrap();
        index.maybe_append(1_000, 12);
        index.maybe_append(900, 13);
        index.maybe_append(2_000, 20);
        assert_eq!(index.entries().count(), 2);
        assert_eq!(index.last_entry_before(1_000), None);
        assert_eq!(index.last_entry_before(1_001).unwrap().offset, 12);
        assert_eq!(index.last_entry_before(5_000).unwrap().offset, 20);
        index.flush().unwrap();
        let reloaded = TimeIndex::load(&path, 10).unwrap().unwrap();
        assert_eq!(reloaded.last().unwrap().timestamp, 2_000);
    }
}
