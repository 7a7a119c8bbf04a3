//! A file of fixed-size index entries, mirrored in memory: lookups are served from memory, and
//! appended entries reach the end of the file in groups ([`IndexFile::write_pending`], called by
//! the segment every so many entries and at every flush, roll and clean shutdown), one write
//! for many batches, as Kafka's memory-mapped indexes reach the disk only at a flush. After a
//! crash an index may lack its last entries: an unclean start rebuilds the indexes of unflushed
//! segments anyway, and an index found short of the log is rebuilt like a torn one. An index
//! holds no descriptor between writes (its file is reached through the process's open-file
//! cache). Shared by the offset and time indexes.

use std::fs;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::error::{IoContext, LogError};
use super::open_files::FileHandle;

pub(crate) struct IndexFile<const N: usize> {
    file: FileHandle,
    /// Invariant: the file holds exactly the first `written` of these entries.
    entries: Vec<[u8; N]>,
    /// Entries in the file (atomic only so that a flush through `&self` can write the rest;
    /// the segment is behind its log's lock).
    written: AtomicUsize,
}

impl<const N: usize> IndexFile<N> {
    /// Creates an empty index file, replacing any existing one. Its descriptor is closed at
    /// once: most indexes never get an entry while their segment is active.
    pub(crate) fn create(path: &Path) -> Result<Self, LogError> {
        let file = FileHandle::create(path).at(path)?;
        file.close();
        Ok(Self::empty(file))
    }

    /// An index file known to be empty without reading it (this run created it and nothing
    /// wrote since, or its segment's log is empty after a clean shutdown), opened at its first
    /// write.
    pub(crate) fn known_empty(path: &Path) -> Self {
        Self::empty(FileHandle::existing(path))
    }

    fn empty(file: FileHandle) -> Self {
        Self {
            file,
            entries: Vec::new(),
            written: AtomicUsize::new(0),
        }
    }

    /// Loads an existing index file; `None` when it is missing or its length is not a whole
    /// number of entries (a torn write), so the caller rebuilds it.
    pub(crate) fn load(path: &Path) -> Result<Option<Self>, LogError> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).at(path),
        };
        if bytes.len() % N != 0 {
            return Ok(None);
        }
        let entries: Vec<[u8; N]> = bytes
            .chunks_exact(N)
            .map(|chunk| {
                let mut entry = [0u8; N];
                entry.copy_from_slice(chunk);
                entry
            })
            .collect();
        let written = AtomicUsize::new(entries.len());
        Ok(Some(Self {
            file: FileHandle::existing(path),
            entries,
            written,
        }))
    }

    pub(crate) fn entries(&self) -> &[[u8; N]] {
        &self.entries
    }

    /// Appends an entry in memory; the file gets it at the next [`Self::write_pending`].
    pub(crate) fn push(&mut self, entry: [u8; N]) {
        self.entries.push(entry);
    }

    /// Entries appended but not yet in the file.
    pub(crate) fn pending(&self) -> usize {
        self.entries.len() - self.written.load(Ordering::Relaxed)
    }

    /// Writes the entries not yet in the file, in one write.
    pub(crate) fn write_pending(&self) -> Result<(), LogError> {
        let written = self.written.load(Ordering::Relaxed);
        let Some(pending) = self.entries.get(written..).filter(|p| !p.is_empty()) else {
            return Ok(());
        };
        let path = self.file.path();
        self.file
            .file()
            .at(path)?
            .write_all_at(pending.as_flattened(), (written * N) as u64)
            .at(path)?;
        self.written.store(self.entries.len(), Ordering::Relaxed);
        Ok(())
    }

    /// Writes the pending entries and syncs the file.
    pub(crate) fn flush(&self) -> Result<(), LogError> {
        self.write_pending()?;
        let path = self.file.path();
        self.file.file().at(path)?.sync_data().at(path)
    }

    /// Closes the descriptor, if open.
    pub(crate) fn close(&self) {
        self.file.close();
    }

    pub(crate) fn delete(&self) -> Result<(), LogError> {
        self.file.close();
        let path = self.file.path();
        match fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).at(path),
            _ => Ok(()),
        }
    }
}
