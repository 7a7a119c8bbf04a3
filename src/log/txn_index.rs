//! The aborted transaction index, Kafka's `.txnindex`: next to each segment, one entry per
//! transaction whose abort marker is in that segment, so the aborted ranges a read_committed
//! Fetch needs outlive the segments holding the transaction's records (retention) and are read
//! back at open. An entry is 34 bytes, big-endian: version i16 (0), producer id i64, first
//! offset i64, last offset i64 (the abort marker's), last stable offset i64 (once the
//! transaction ended). Entries are appended as aborts are written; on open they are checked
//! against the segment (entries past its end are cut, a torn tail dropped) and an abort the
//! index lacks is appended again while the producer state is rebuilt from the batches.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{IoContext, LogError};
use super::producer_state::AbortedTransaction;
use super::segment::segment_path;

pub(crate) const TXN_INDEX_SUFFIX: &str = "txnindex";

const VERSION: i16 = 0;
const ENTRY_SIZE: usize = 34;

/// One `.txnindex` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AbortedTxnEntry {
    pub(crate) aborted: AbortedTransaction,
    /// The partition's last stable offset once this transaction ended.
    pub(crate) last_stable_offset: i64,
}

impl AbortedTxnEntry {
    fn encode(&self) -> [u8; ENTRY_SIZE] {
        let mut out = [0u8; ENTRY_SIZE];
        out[0..2].copy_from_slice(&VERSION.to_be_bytes());
        out[2..10].copy_from_slice(&self.aborted.producer_id.to_be_bytes());
        out[10..18].copy_from_slice(&self.aborted.first_offset.to_be_bytes());
        out[18..26].copy_from_slice(&self.aborted.last_offset.to_be_bytes());
        out[26..34].copy_from_slice(&self.last_stable_offset.to_be_bytes());
        out
    }

    /// `None` for an entry of an unknown version.
    fn decode(bytes: &[u8; ENTRY_SIZE]) -> Option<Self> {
        let i64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            i64::from_be_bytes(b)
        };
        (i16::from_be_bytes([bytes[0], bytes[1]]) == VERSION).then(|| AbortedTxnEntry {
            aborted: AbortedTransaction {
                producer_id: i64_at(2),
                first_offset: i64_at(10),
                last_offset: i64_at(18),
            },
            last_stable_offset: i64_at(26),
        })
    }
}

/// The `.txnindex` of the segment based at `base_offset`.
pub(crate) fn txn_index_path(dir: &Path, base_offset: i64) -> PathBuf {
    segment_path(dir, base_offset, TXN_INDEX_SUFFIX)
}

/// The entries of an index file, in file order; none when it is missing. A torn last entry
/// and entries of an unknown version are left out.
pub(crate) fn read_txn_index(path: &Path) -> Result<Vec<AbortedTxnEntry>, LogError> {
    Ok(read_txn_index_file(path)?.unwrap_or_default())
}

/// [`read_txn_index`], `None` when the file is missing (which the read has found out anyway).
pub(crate) fn read_txn_index_file(path: &Path) -> Result<Option<Vec<AbortedTxnEntry>>, LogError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).at(path),
    };
    Ok(Some(
        bytes
            .chunks_exact(ENTRY_SIZE)
            .filter_map(|chunk| {
                let mut entry = [0u8; ENTRY_SIZE];
                entry.copy_from_slice(chunk);
                AbortedTxnEntry::decode(&entry)
            })
            .collect(),
    ))
}

/// Appends one entry, creating the file if need be.
pub(crate) fn append_txn_index(path: &Path, entry: &AbortedTxnEntry) -> Result<(), LogError> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .at(path)?;
    file.write_all(&entry.encode()).at(path)
}

/// Replaces the file with `entries` (none: the file goes).
pub(crate) fn write_txn_index(path: &Path, entries: &[AbortedTxnEntry]) -> Result<(), LogError> {
    if entries.is_empty() {
        return delete_txn_index(path);
    }
    let bytes: Vec<u8> = entries.iter().flat_map(|e| e.encode()).collect();
    fs::write(path, bytes).at(path)
}

pub(crate) fn delete_txn_index(path: &Path) -> Result<(), LogError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).at(path),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_kafkas_34_bytes_and_a_torn_tail_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = txn_index_path(dir.path(), 0);
        let entry = AbortedTxnEntry {
            aborted: AbortedTransaction {
                producer_id: 7,
                first_offset: 10,
                last_offset: 15,
            },
            last_stable_offset: 16,
        };
        append_txn_index(&path, &entry).unwrap();
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 34);
        assert_eq!(&bytes[0..2], &[0, 0]);
        assert_eq!(&bytes[2..10], &7i64.to_be_bytes());
        assert_eq!(&bytes[26..34], &16i64.to_be_bytes());
        let mut torn = bytes.clone();
        torn.extend_from_slice(&bytes[..20]);
        fs::write(&path, torn).unwrap();
        assert_eq!(read_txn_index(&path).unwrap(), vec![entry]);
        write_txn_index(&path, &[]).unwrap();
        assert!(!path.exists());
        assert!(read_txn_index(&path).unwrap().is_empty());
    }
}
