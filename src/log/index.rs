//! The sparse offset index (`.index`): 8-byte entries of (offset relative to the segment's base
//! offset as u32, file position as u32), one per `index.interval.bytes` of log. As in Kafka,
//! an entry names the last offset of the batch that starts at its position.

use std::path::Path;

use super::error::LogError;
use super::index_file::IndexFile;

const ENTRY_SIZE: usize = 8;

/// Where to start scanning the log for an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OffsetPosition {
    pub(crate) offset: i64,
    pub(crate) position: u32,
}

pub(crate) struct OffsetIndex {
    base_offset: i64,
    file: IndexFile<ENTRY_SIZE>,
}

fn decode(entry: &[u8; ENTRY_SIZE], base_offset: i64) -> OffsetPosition {
    let relative = u32::from_be_bytes([entry[0], entry[1], entry[2], entry[3]]);
    let position = u32::from_be_bytes([entry[4], entry[5], entry[6], entry[7]]);
    OffsetPosition {
        offset: base_offset + i64::from(relative),
        position,
    }
}

impl OffsetIndex {
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

    pub(crate) fn entries(&self) -> impl Iterator<Item = OffsetPosition> + '_ {
        self.file
            .entries()
            .iter()
            .map(|e| decode(e, self.base_offset))
    }

    pub(crate) fn last(&self) -> Option<OffsetPosition> {
        self.file
            .entries()
            .last()
            .map(|e| decode(e, self.base_offset))
    }

    /// Appends an entry; the caller guarantees offsets and positions only grow and that the
    /// relative offset fits in u32 (segments roll before it would not).
    pub(crate) fn append(&mut self, offset: i64, position: u32) {
        debug_assert!(self.last().is_none_or(|last| last.offset < offset));
        let relative = u32::try_from(offset - self.base_offset).unwrap_or(u32::MAX);
        let mut entry = [0u8; ENTRY_SIZE];
        entry[..4].copy_from_slice(&relative.to_be_bytes());
        entry[4..].copy_from_slice(&position.to_be_bytes());
        self.file.push(entry);
    }

    /// The entry with the largest offset <= `offset`, or the segment start.
    pub(crate) fn lookup(&self, offset: i64) -> OffsetPosition {
        let entries = self.file.entries();
        let count = entries.partition_point(|e| decode(e, self.base_offset).offset <= offset);
        match count {
            0 => OffsetPosition {
                offset: self.base_offset,
                position: 0,
            },
            n => decode(&entries[n - 1], self.base_offset),
        }
    }

    /// The position of the first indexed batch reaching `offset` (its last offset at or past
    /// it): no batch from there on ends below `offset`. `None` when no entry reaches it.
    pub(crate) fn position_reaching(&self, offset: i64) -> Option<u32> {
        let entries = self.file.entries();
        let below = entries.partition_point(|e| decode(e, self.base_offset).offset < offset);
        entries
            .get(below)
            .map(|e| decode(e, self.base_offset).position)
    }

    /// The position of the last entry at or below `position`, or the segment start: a batch
    /// starts there.
    pub(crate) fn position_at_or_below(&self, position: u64) -> u64 {
        let entries = self.file.entries();
        let count = entries
            .partition_point(|e| u64::from(decode(e, self.base_offset).position) <= position);
        match count {
            0 => 0,
            n => u64::from(decode(&entries[n - 1], self.base_offset).position),
        }
    }

    pub(crate) fn pending(&self) -> usize {
        self.file.pending()
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
    fn lookup_finds_largest_entry_at_or_below() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000100.index");
        let mut index = OffsetIndex::create(&path, 100).unwrap();
        index.append(110, 4096);
        index.append(120, 8192);
        assert_eq!(index.lookup(105).position, 0);
        assert_eq!(index.lookup(110).position, 4096);
        assert_eq!(index.lookup(119).position, 4096);
        assert_eq!(index.lookup(500).position, 8192);
        assert_eq!(index.position_reaching(105), Some(4096));
        assert_eq!(index.position_reaching(110), Some(4096));
        assert_eq!(index.position_reaching(111), Some(8192));
        assert_eq!(index.position_reaching(121), None);
        // Entries reach the file together, at the segment's call.
        assert_eq!(index.pending(), 2);
        let unwritten = OffsetIndex::load(&path, 100).unwrap().unwrap();
        assert_eq!(unwritten.last(), None);
        index.write_pending().unwrap();
        assert_eq!(index.pending(), 0);
        let reloaded = OffsetIndex::load(&path, 100).unwrap().unwrap();
        assert_eq!(reloaded.last().unwrap().offset, 120);
    }

    #[test]
    fn torn_index_file_is_not_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.index");
        std::fs::write(&path, [0u8; 11]).unwrap();
        assert!(OffsetIndex::load(&path, 0).unwrap().is_none());
    }
}
