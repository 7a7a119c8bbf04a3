//! A file of fixed-size index entries, mirrored in memory: appends go to the end of the file,
//! lookups are served from memory, so an index holds no descriptor between appends (its file
//! is reached through the process's open-file cache). Shared by the offset and time indexes.

use std::fs;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::error::{IoContext, LogError};
use super::open_files::FileHandle;

pub(crate) struct IndexFile<const N: usize> {
    file: FileHandle,
    /// Invariant: the file holds exactly these entries.
    entries: Vec<[u8; N]>,
}

impl<const N: usize> IndexFile<N> {
    /// Creates an empty index file, replacing any existing one. Its descriptor is closed at
    /// once: most indexes never get an entry while their segment is active.
    pub(crate) fn create(path: &Path) -> Result<Self, LogError> {
        let file = FileHandle::create(path).at(path)?;
        file.close();
        Ok(Self {
            file,
            entries: Vec::new(),
        })
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
        let entries = bytes
            .chunks_exact(N)
            .map(|chunk| {
                let mut entry = [0u8; N];
                entry.copy_from_slice(chunk);
                entry
            })
            .collect();
        Ok(Some(Self {
            file: FileHandle::existing(path),
            entries,
        }))
    }

    pub(crate) fn entries(&self) -> &[[u8; N]] {
        &self.entries
    }

    pub(crate) fn push(&mut self, entry: [u8; N]) -> Result<(), LogError> {
        let at = (self.entries.len() * N) as u64;
        let path = self.file.path();
        self.file
            .file()
            .at(path)?
            .write_all_at(&entry, at)
            .at(path)?;
        self.entries.push(entry);
        Ok(())
    }

    pub(crate) fn flush(&self) -> Result<(), LogError> {
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
