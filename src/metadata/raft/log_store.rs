//! The durable metadata log (`RaftLogStorage`). Entries live in one append-only file of frames
//! `[length u32][crc32c u32][entry as JSON]`, fsynced before Raft is told they are persisted; the
//! vote, the committed pointer and the purge point sit beside it in small atomically replaced
//! files. Reopening scans the frames and truncates a torn or corrupt tail, as Kafka's log
//! recovery does. The metadata log is small, so every live entry is also kept in memory.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::RangeBounds;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use openraft::storage::{LogFlushed, RaftLogStorage};
use openraft::{LogState, RaftLogReader, StorageIOError};

use super::disk_full::DiskFull;
use super::durable_file;
use super::types::{
    MetadataEntry, MetadataLogId, MetadataStorageError, MetadataTypeConfig, MetadataVote,
};

const LOG_FILE: &str = "metadata.log";
const VOTE_FILE: &str = "vote.json";
const COMMITTED_FILE: &str = "committed.json";
const PURGED_FILE: &str = "purged.json";
const FRAME_HEADER_BYTES: usize = 8;

struct DurableLog {
    dir: PathBuf,
    file: File,
    /// File length: where the next frame goes.
    end_position: u64,
    entries: BTreeMap<u64, MetadataEntry>,
    /// Where each entry's frame starts, so a suffix can be truncated in place.
    positions: BTreeMap<u64, u64>,
    last_purged: Option<MetadataLogId>,
    vote: Option<MetadataVote>,
    committed: Option<MetadataLogId>,
}

/// The log store; clones share the same state (the reader handed to replication is a clone).
#[derive(Clone)]
pub struct LogStore {
    state: Arc<Mutex<DurableLog>>,
    /// Writes that meet a full disk wait for space (see `disk_full`).
    disk_full: DiskFull,
}

fn io_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl LogStore {
    /// Opens (or creates) the metadata log in `dir`, dropping a torn tail.
    pub fn open(dir: &Path, disk_full: DiskFull) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let last_purged: Option<MetadataLogId> = durable_file::read_json(&dir.join(PURGED_FILE))?;
        let vote = durable_file::read_json(&dir.join(VOTE_FILE))?;
        // The committed pointer is only a hint for replay on restart; a damaged one is dropped.
        let committed = durable_file::read_json(&dir.join(COMMITTED_FILE)).unwrap_or(None);
        let path = dir.join(LOG_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let (entries, positions, valid_len) = scan_frames(&bytes, last_purged.as_ref());
        if valid_len < bytes.len() as u64 {
            tracing::warn!(
                dir = %dir.display(),
                dropped_bytes = bytes.len() as u64 - valid_len,
                "truncating a torn tail of the metadata log"
            );
            file.set_len(valid_len)?;
            file.sync_all()?;
        }
        durable_file::sync_parent(&path)?;
        file.seek(SeekFrom::Start(valid_len))?;
        Ok(Self {
            state: Arc::new(Mutex::new(DurableLog {
                dir: dir.to_path_buf(),
                file,
                end_position: valid_len,
                entries,
                positions,
                last_purged,
                vote,
                committed,
            })),
            disk_full,
        })
    }

    fn lock(&self) -> MutexGuard<'_, DurableLog> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Bytes of the entries after `index` (of every entry for `None`): what a snapshot up to
    /// `index` leaves in the log.
    pub fn bytes_after(&self, index: Option<u64>) -> u64 {
        let state = self.lock();
        let first = match index {
            Some(index) => state.positions.range(index + 1..).next().map(|(_, p)| *p),
            None => state.positions.values().next().copied(),
        };
        first.map_or(0, |position| state.end_position.saturating_sub(position))
    }

    /// The committed log id last saved by Raft (the quorum's high watermark).
    pub fn committed(&self) -> Option<MetadataLogId> {
        self.lock().committed
    }
}

/// Decodes frames until the first incomplete, corrupt or out-of-sequence one; returns the entries,
/// their frame positions and the length of the valid prefix.
fn scan_frames(
    bytes: &[u8],
    last_purged: Option<&MetadataLogId>,
) -> (BTreeMap<u64, MetadataEntry>, BTreeMap<u64, u64>, u64) {
    let mut entries = BTreeMap::new();
    let mut positions = BTreeMap::new();
    let mut position = 0usize;
    let mut previous_index: Option<u64> = None;
    while let Some((entry, frame_len)) = decode_frame(&bytes[position..]) {
        let index = entry.log_id.index;
        if previous_index.is_some_and(|previous| index != previous + 1) {
            break;
        }
        previous_index = Some(index);
        if last_purged.is_none_or(|purged| index > purged.index) {
            positions.insert(index, position as u64);
            entries.insert(index, entry);
        }
        position += frame_len;
    }
    (entries, positions, position as u64)
}

fn decode_frame(bytes: &[u8]) -> Option<(MetadataEntry, usize)> {
    let header = bytes.get(..FRAME_HEADER_BYTES)?;
    let length = u32::from_le_bytes(header.get(..4)?.try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(header.get(4..8)?.try_into().ok()?);
    let payload = bytes.get(FRAME_HEADER_BYTES..FRAME_HEADER_BYTES + length)?;
    if crc32c::crc32c(payload) != crc {
        return None;
    }
    let entry = serde_json::from_slice(payload).ok()?;
    Some((entry, FRAME_HEADER_BYTES + length))
}

fn encode_frame(entry: &MetadataEntry, out: &mut Vec<u8>) -> io::Result<()> {
    let payload = serde_json::to_vec(entry).map_err(io_err)?;
    let length = u32::try_from(payload.len()).map_err(io_err)?;
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(&crc32c::crc32c(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(())
}

impl DurableLog {
    fn append(&mut self, entries: Vec<MetadataEntry>) -> io::Result<()> {
        let mut buffer = Vec::new();
        let mut new_positions = Vec::with_capacity(entries.len());
        for entry in &entries {
            new_positions.push((entry.log_id.index, self.end_position + buffer.len() as u64));
            encode_frame(entry, &mut buffer)?;
        }
        self.file.seek(SeekFrom::Start(self.end_position))?;
        self.file.write_all(&buffer)?;
        self.file.sync_data()?;
        self.end_position += buffer.len() as u64;
        self.positions.extend(new_positions);
        for entry in entries {
            self.entries.insert(entry.log_id.index, entry);
        }
        Ok(())
    }

    fn truncate_from(&mut self, index: u64) -> io::Result<()> {
        let Some(&position) = self.positions.get(&index) else {
            return Ok(());
        };
        self.file.set_len(position)?;
        self.file.sync_all()?;
        self.end_position = position;
        self.entries.split_off(&index);
        self.positions.split_off(&index);
        Ok(())
    }

    /// Drops entries up to `log_id`: the purge point is made durable first, then the file is
    /// rewritten without them (a crash in between only leaves entries that reopening skips).
    fn purge_upto(&mut self, log_id: MetadataLogId) -> io::Result<()> {
        durable_file::write_json(&self.dir.join(PURGED_FILE), &log_id)?;
        self.last_purged = Some(log_id);
        self.entries = self.entries.split_off(&(log_id.index + 1));
        let mut buffer = Vec::new();
        let mut positions = BTreeMap::new();
        for (index, entry) in &self.entries {
            positions.insert(*index, buffer.len() as u64);
            encode_frame(entry, &mut buffer)?;
        }
        let path = self.dir.join(LOG_FILE);
        durable_file::write_bytes(&path, &buffer)?;
        self.file = OpenOptions::new().read(true).write(true).open(&path)?;
        self.end_position = buffer.len() as u64;
        self.positions = positions;
        Ok(())
    }
}

impl RaftLogReader<MetadataTypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<MetadataEntry>, MetadataStorageError> {
        let state = self.lock();
        Ok(state.entries.range(range).map(|(_, e)| e.clone()).collect())
    }
}

impl RaftLogStorage<MetadataTypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(
        &mut self,
    ) -> Result<LogState<MetadataTypeConfig>, MetadataStorageError> {
        let state = self.lock();
        let last_log_id = state
            .entries
            .values()
            .next_back()
            .map(|e| e.log_id)
            .or(state.last_purged);
        Ok(LogState {
            last_purged_log_id: state.last_purged,
            last_log_id,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &MetadataVote) -> Result<(), MetadataStorageError> {
        let path = self.lock().dir.join(VOTE_FILE);
        self.disk_full
            .retry(|| durable_file::write_json(&path, vote))
            .await
            .map_err(|e| StorageIOError::write_vote(&e))?;
        self.lock().vote = Some(*vote);
        Ok(())
    }

    async fn read_vote(&mut self) -> Result<Option<MetadataVote>, MetadataStorageError> {
        Ok(self.lock().vote)
    }

    async fn save_committed(
        &mut self,
        committed: Option<MetadataLogId>,
    ) -> Result<(), MetadataStorageError> {
        let path = self.lock().dir.join(COMMITTED_FILE);
        self.disk_full
            .retry(|| durable_file::write_json(&path, &committed))
            .await
            .map_err(|e| StorageIOError::write(&e))?;
        self.lock().committed = committed;
        Ok(())
    }

    async fn read_committed(&mut self) -> Result<Option<MetadataLogId>, MetadataStorageError> {
        Ok(self.lock().committed)
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<MetadataTypeConfig>,
    ) -> Result<(), MetadataStorageError>
    where
        I: IntoIterator<Item = MetadataEntry> + Send,
        I::IntoIter: Send,
    {
        let entries: Vec<MetadataEntry> = entries.into_iter().collect();
        let result = self
            .disk_full
            .retry(|| self.lock().append(entries.clone()))
            .await;
        match result {
            Ok(()) => {
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(e) => {
                let storage_error = StorageIOError::write_logs(&e);
                callback.log_io_completed(Err(e));
                Err(storage_error.into())
            }
        }
    }

    async fn truncate(&mut self, log_id: MetadataLogId) -> Result<(), MetadataStorageError> {
        self.disk_full
            .retry(|| self.lock().truncate_from(log_id.index))
            .await
            .map_err(|e| StorageIOError::write_logs(&e).into())
    }

    async fn purge(&mut self, log_id: MetadataLogId) -> Result<(), MetadataStorageError> {
        self.disk_full
            .retry(|| self.lock().purge_upto(log_id))
            .await
            .map_err(|e| StorageIOError::write_logs(&e).into())
    }
}
