//! A file of fixed-size index entries, mirrored in memory: appends go to the end of the file,
//! lookups are served from memory. Shared by the offset index and the time index.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{IoContext, LogError};

pub(crate) struct IndexFile<const N: usize> {
    path: PathBuf,
    file: File,
    entries: Vec<[u8; N]>,
}

impl<const N: usize> IndexFile<N> {
    /// Creates an empty index file, replacing any existing one.
    pub(crate) fn create(path: &Path) -> Result<Self, LogError> {
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(path)
            .at(path)?;
        Ok(Self {
            path: path.to_path_buf(),
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
        let file = OpenOptions::new().append(true).open(path).at(path)?;
        Ok(Some(Self {
            path: path.to_path_buf(),
            file,
            entries,
        }))
    }

    pub(crate) fn entries(&self) -> &[[u8; N]] {
        &self.entries
    }

    pub(crate) fn push(&mut self, entry: [u8; N]) -> Result<(), LogError> {
        self.file.write_all(&entry).at(&self.path)?;
        self.entries.push(entry);
        Ok(())
    }

    pub(crate) fn flush(&self) -> Result<(), LogError> {
        self.file.sync_data().at(&self.path)
    }

    pub(crate) fn delete(&self) -> Result<(), LogError> {
        match fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).at(&self.path),
            _ => Ok(()),
        }
    }
}
