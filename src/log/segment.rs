//! One log segment: `{base_offset:020}.log` holding whole v2 batches back to back, with its
//! sparse `.index` and `.timeindex` (and the `.txnindex` of `txn_index.rs`, which it deletes
//! with itself). Reads and writes are positional (`FileExt`), so no seek
//! position is shared. A segment holds no descriptor of its own: its files are reached through
//! the process's open-file cache, which reopens them when it closed them.

use std::cell::Cell;
use std::fs::{self, File};
use std::io::IoSlice;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use bytes::Bytes;

use super::config::LogConfig;
use super::error::{IoContext, LogError};
use super::index::OffsetIndex;
use super::open_files::FileHandle;
use super::time_index::TimeIndex;
use super::txn_index::{delete_txn_index, TXN_INDEX_SUFFIX};
use crate::protocol::batch::{
    check_batch_length, parse_batch_header, verify_crc, BatchHeader, BATCH_HEADER_SIZE, MAGIC_V2,
};
use crate::protocol::response_frame::{read_onto_at, FileSlice};

pub(crate) const LOG_SUFFIX: &str = "log";
pub(crate) const INDEX_SUFFIX: &str = "index";
pub(crate) const TIME_INDEX_SUFFIX: &str = "timeindex";

/// Offset index entries held in memory before both indexes' new entries are written, in one
/// write each (an entry per batch of `index.interval.bytes` or more: 4 writes per batch before).
const INDEX_ENTRIES_PER_WRITE: usize = 64;

/// `<dir>/{base_offset:020}.<suffix>`, Kafka's segment file name.
pub(crate) fn segment_path(dir: &Path, base_offset: i64, suffix: &str) -> PathBuf {
    dir.join(format!("{base_offset:020}.{suffix}"))
}

/// A batch start seen while scanning, for rebuilding the leader epoch cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EpochStart {
    pub(crate) epoch: i32,
    pub(crate) start_offset: i64,
}

pub(crate) struct LogSegment {
    base_offset: i64,
    log: FileHandle,
    size: u64,
    index: OffsetIndex,
    time_index: TimeIndex,
    bytes_since_last_index_entry: u64,
    max_timestamp: i64,
    offset_of_max_timestamp: i64,
    /// maxTimestamp of the first batch: segment.ms counts from it, as in Kafka.
    rolling_based_timestamp: Option<i64>,
    created_ms: i64,
    next_offset: i64,
    /// An index file was missing or torn when the segment was opened.
    indexes_missing: bool,
    /// The last batch's position and header (as in the file), when known: a fetch from the
    /// log's tail (a follower's, after each append) finds its batch here, where the walk from
    /// the last index entry read a header per batch (up to `index.interval.bytes` of them).
    last_batch: Option<(u64, BatchHeader)>,
    /// The batch a read looked up last, or found past where it stopped (position and header,
    /// as in the file): a consumer's next fetch of the partition starts there, either at the
    /// batch that did not fit the last answer (every partition after the first with data,
    /// KIP-74, is looked at in every round until its turn) or at the one the read stopped
    /// before. Found here it costs no header read. Cleared wherever the file is cut.
    found_batch: Cell<Option<(u64, BatchHeader)>>,
}

impl LogSegment {
    /// Creates an empty segment, replacing any files of the same base offset.
    pub(crate) fn create(dir: &Path, base_offset: i64, now_ms: i64) -> Result<Self, LogError> {
        let log_path = segment_path(dir, base_offset, LOG_SUFFIX);
        let log = FileHandle::create(&log_path).at(&log_path)?;
        let index =
            OffsetIndex::create(&segment_path(dir, base_offset, INDEX_SUFFIX), base_offset)?;
        let time_index = TimeIndex::create(
            &segment_path(dir, base_offset, TIME_INDEX_SUFFIX),
            base_offset,
        )?;
        Ok(Self::empty(base_offset, log, index, time_index, now_ms))
    }

    /// The empty segment whose files [`Self::create`] made in this run and nothing wrote since,
    /// built from what is known. Only its `.log` is opened, as its first append will need it:
    /// a process out of descriptors fails here, where the partition goes offline, rather than
    /// at every append. The indexes open at their first write.
    pub(crate) fn created_empty(
        dir: &Path,
        base_offset: i64,
        now_ms: i64,
    ) -> Result<Self, LogError> {
        let log_path = segment_path(dir, base_offset, LOG_SUFFIX);
        let log = FileHandle::existing(&log_path);
        log.file().at(&log_path)?;
        Ok(Self::empty(
            base_offset,
            log,
            OffsetIndex::known_empty(&segment_path(dir, base_offset, INDEX_SUFFIX), base_offset),
            TimeIndex::known_empty(
                &segment_path(dir, base_offset, TIME_INDEX_SUFFIX),
                base_offset,
            ),
            now_ms,
        ))
    }

    fn empty(
        base_offset: i64,
        log: FileHandle,
        index: OffsetIndex,
        time_index: TimeIndex,
        now_ms: i64,
    ) -> Self {
        Self {
            base_offset,
            log,
            size: 0,
            index,
            time_index,
            bytes_since_last_index_entry: 0,
            max_timestamp: -1,
            offset_of_max_timestamp: base_offset,
            rolling_based_timestamp: None,
            created_ms: now_ms,
            next_offset: base_offset,
            indexes_missing: false,
            last_batch: None,
            found_batch: Cell::new(None),
        }
    }

    /// Opens an existing segment. Its state is only trustworthy after [`Self::recover`] or a
    /// successful [`Self::load_from_indexes`]. With `indexes_empty_if_log_is` (both index
    /// files exist and the log was shut down cleanly, so that each holds exactly the entries
    /// of its segment), the indexes of an empty `.log` are not read: most partitions of a
    /// restarted cluster are empty, and reading their indexes took 8 of the 16 system calls
    /// of a first produce's log open.
    pub(crate) fn open(
        dir: &Path,
        base_offset: i64,
        now_ms: i64,
        indexes_empty_if_log_is: bool,
    ) -> Result<Self, LogError> {
        let log_path = segment_path(dir, base_offset, LOG_SUFFIX);
        let size = fs::metadata(&log_path).at(&log_path)?.len();
        let log = FileHandle::existing(&log_path);
        let index_path = segment_path(dir, base_offset, INDEX_SUFFIX);
        let time_index_path = segment_path(dir, base_offset, TIME_INDEX_SUFFIX);
        if size == 0 && indexes_empty_if_log_is {
            return Ok(Self::empty(
                base_offset,
                log,
                OffsetIndex::known_empty(&index_path, base_offset),
                TimeIndex::known_empty(&time_index_path, base_offset),
                now_ms,
            ));
        }
        let loaded_index = OffsetIndex::load(&index_path, base_offset)?;
        let loaded_time_index = TimeIndex::load(&time_index_path, base_offset)?;
        let indexes_missing = loaded_index.is_none() || loaded_time_index.is_none();
        let index = match loaded_index {
            Some(index) => index,
            None => OffsetIndex::create(&index_path, base_offset)?,
        };
        let time_index = match loaded_time_index {
            Some(index) => index,
            None => TimeIndex::create(&time_index_path, base_offset)?,
        };
        Ok(Self {
            base_offset,
            log,
            size,
            index,
            time_index,
            bytes_since_last_index_entry: 0,
            max_timestamp: -1,
            offset_of_max_timestamp: base_offset,
            rolling_based_timestamp: None,
            created_ms: now_ms,
            next_offset: base_offset,
            indexes_missing,
            last_batch: None,
            found_batch: Cell::new(None),
        })
    }

    pub(crate) fn base_offset(&self) -> i64 {
        self.base_offset
    }

    /// One past the last offset stored in this segment.
    pub(crate) fn next_offset(&self) -> i64 {
        self.next_offset
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    pub(crate) fn max_timestamp(&self) -> i64 {
        self.max_timestamp
    }

    /// The timestamp retention.ms compares with: the largest record timestamp, or the file's
    /// modification time when no batch carries one (as Kafka's `largestTimestamp`).
    pub(crate) fn largest_timestamp(&self) -> i64 {
        if self.max_timestamp >= 0 {
            return self.max_timestamp;
        }
        fs::metadata(self.log.path())
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    /// Kafka's roll rule: the batch would overflow segment.bytes, segment.ms has passed since the
    /// first batch's timestamp (or creation), or offsets would overflow the u32 index entries.
    pub(crate) fn should_roll(&self, config: &LogConfig, batch: &BatchHeader, now_ms: i64) -> bool {
        self.should_roll_after(config, batch, now_ms, None)
    }

    /// [`Self::should_roll`] as it will be once a run of batches not written yet is: `run` is
    /// their bytes and the first one's max timestamp.
    pub(crate) fn should_roll_after(
        &self,
        config: &LogConfig,
        batch: &BatchHeader,
        now_ms: i64,
        run: Option<(u64, i64)>,
    ) -> bool {
        let segment_bytes = u64::try_from(config.segment_bytes).unwrap_or(0);
        let size = self.size + run.map_or(0, |(bytes, _)| bytes);
        let full = size + batch.total_size() as u64 > segment_bytes;
        let rolling_based_timestamp = self
            .rolling_based_timestamp
            .or(run.map(|(_, first_max_timestamp)| first_max_timestamp));
        let waited_ms = match rolling_based_timestamp {
            Some(first) if first >= 0 => batch.max_timestamp.saturating_sub(first),
            _ => now_ms.saturating_sub(self.created_ms),
        };
        let expired = size > 0 && waited_ms > config.segment_ms;
        let offset_overflow = batch.last_offset() - self.base_offset > i64::from(i32::MAX);
        full || expired || offset_overflow
    }

    /// Appends one whole, validated batch at the end of the segment, given as two consecutive
    /// parts (`rest` may be empty), in one system call.
    pub(crate) fn append(
        &mut self,
        head: &[u8],
        rest: &[u8],
        header: &BatchHeader,
        index_interval_bytes: i32,
    ) -> Result<(), LogError> {
        let log = self.file()?;
        write_all_at_vectored(&log, [head, rest], self.size).at(self.log.path())?;
        let position = self.size;
        self.size += (head.len() + rest.len()) as u64;
        // The header as written (a leader's copy may differ from `header` in its CRC).
        let written = parse_batch_header(head).unwrap_or(*header);
        debug_assert_eq!(
            (
                written.base_offset,
                written.last_offset(),
                written.total_size()
            ),
            (
                header.base_offset,
                header.last_offset(),
                header.total_size()
            )
        );
        self.track_batch(position, &written, index_interval_bytes)
    }

    /// Appends whole, validated batches that follow one another (`bytes`, the batches of
    /// `headers` back to back) in one system call, as one [`Self::append`] each would.
    pub(crate) fn append_run(
        &mut self,
        bytes: &[u8],
        headers: &[BatchHeader],
        index_interval_bytes: i32,
    ) -> Result<(), LogError> {
        debug_assert_eq!(
            headers.iter().map(BatchHeader::total_size).sum::<usize>(),
            bytes.len()
        );
        let log = self.file()?;
        write_all_at_vectored(&log, [bytes, &[]], self.size).at(self.log.path())?;
        let mut position = self.size;
        self.size += bytes.len() as u64;
        for header in headers {
            self.track_batch(position, header, index_interval_bytes)?;
            position += header.total_size() as u64;
        }
        Ok(())
    }

    /// Index and timestamp bookkeeping for a batch at `position`, as Kafka's LogSegment does:
    /// an index entry is added once more than `index.interval.bytes` went by without one.
    fn track_batch(
        &mut self,
        position: u64,
        header: &BatchHeader,
        index_interval_bytes: i32,
    ) -> Result<(), LogError> {
        if header.max_timestamp > self.max_timestamp {
            self.max_timestamp = header.max_timestamp;
            self.offset_of_max_timestamp = header.last_offset();
        }
        if self.rolling_based_timestamp.is_none() {
            self.rolling_based_timestamp = Some(header.max_timestamp);
        }
        let interval = u64::try_from(index_interval_bytes).unwrap_or(0);
        if self.bytes_since_last_index_entry > interval {
            let position = u32::try_from(position).unwrap_or(u32::MAX);
            self.index.append(header.last_offset(), position);
            self.time_index
                .maybe_append(self.max_timestamp, self.offset_of_max_timestamp);
            self.bytes_since_last_index_entry = 0;
            if self.index.pending() >= INDEX_ENTRIES_PER_WRITE {
                self.write_index_entries()?;
            }
        }
        self.bytes_since_last_index_entry += header.total_size() as u64;
        self.next_offset = header.last_offset() + 1;
        self.last_batch = Some((position, *header));
        Ok(())
    }

    /// Reads the header of the batch at `position`, or `None` at the end of the segment.
    pub(crate) fn header_at(&self, position: u64) -> Result<Option<BatchHeader>, LogError> {
        if position + BATCH_HEADER_SIZE as u64 > self.size {
            return Ok(None);
        }
        let mut buf = [0u8; BATCH_HEADER_SIZE];
        self.file()?
            .read_exact_at(&mut buf, position)
            .at(self.log.path())?;
        let header = parse_batch_header(&buf)?;
        if header.magic != MAGIC_V2
            || check_batch_length(&header).is_err()
            || position + header.total_size() as u64 > self.size
        {
            return Ok(None);
        }
        Ok(Some(header))
    }

    /// The position and header of the batch holding `offset` (or the first batch after it).
    pub(crate) fn find_batch(&self, offset: i64) -> Result<Option<(u64, BatchHeader)>, LogError> {
        if let Some((position, last)) = self.last_batch {
            // Batches come in offset order: none before the last one reaches its base offset.
            if offset > last.last_offset() {
                return Ok(None);
            }
            if offset >= last.base_offset {
                return Ok(Some((position, last)));
            }
        }
        if let Some((position, found)) = self.found_batch.get() {
            if (found.base_offset..=found.last_offset()).contains(&offset) {
                return Ok(Some((position, found)));
            }
        }
        let mut position = u64::from(self.index.lookup(offset).position);
        while let Some(header) = self.header_at(position)? {
            if header.last_offset() >= offset {
                self.found_batch.set(Some((position, header)));
                return Ok(Some((position, header)));
            }
            position += header.total_size() as u64;
        }
        Ok(None)
    }

    /// The segment's bytes from the index entry at or below `offset` to its end, in one read,
    /// when there are fewer than `max` of them; `None` otherwise.
    pub(crate) fn small_tail(&self, offset: i64, max: u64) -> Result<Option<Bytes>, LogError> {
        let position = u64::from(self.index.lookup(offset).position);
        if self.size.saturating_sub(position) >= max {
            return Ok(None);
        }
        self.read_range(position, self.size).map(Some)
    }

    /// A file position no batch ending below `offset` reaches past (from the index; the size
    /// of the segment when the index does not say).
    pub(crate) fn position_bound(&self, offset: i64) -> u64 {
        self.index
            .position_reaching(offset)
            .map_or(self.size, u64::from)
    }

    /// The exact position below which every batch ends below `offset`: the start of the batch
    /// holding `offset` (from the index, then batch headers), or the segment's size.
    pub(crate) fn position_below(&self, offset: i64) -> Result<u64, LogError> {
        if offset >= self.next_offset() {
            return Ok(self.size);
        }
        Ok(self
            .find_batch(offset)?
            .map_or(self.size, |(position, _)| position))
    }

    /// The end of the last whole batch that ends at or before `limit`, walking batch headers
    /// from `from` (a batch boundary at or below `limit`), or from the index's last entry
    /// below `limit` when that is further on.
    pub(crate) fn whole_batches_end(&self, from: u64, limit: u64) -> Result<u64, LogError> {
        if limit >= self.size {
            // A segment ends where its last batch does: a read to the tail walks nothing.
            return Ok(self.size);
        }
        let mut end = self.index.position_at_or_below(limit).max(from);
        while let Some(header) = self.header_at(end)? {
            let next = end + header.total_size() as u64;
            if next > limit {
                // Where the next fetch of this partition starts.
                self.found_batch.set(Some((end, header)));
                break;
            }
            end = next;
        }
        Ok(end)
    }

    /// `[start, end)` of the segment file as a slice the kernel sends (`log/records.rs`);
    /// `None` when no slice can be made (the caller reads the bytes).
    pub(crate) fn file_slice(&self, start: u64, end: u64) -> Result<Option<FileSlice>, LogError> {
        debug_assert!(start <= end && end <= self.size);
        let len = usize::try_from(end - start).unwrap_or(usize::MAX);
        Ok(FileSlice::new(self.file()?, start, len))
    }

    /// Reads `[start, end)` of the segment file into a buffer the read fills directly.
    pub(crate) fn read_range(&self, start: u64, end: u64) -> Result<Bytes, LogError> {
        let len = usize::try_from(end.saturating_sub(start)).unwrap_or(0);
        let mut buf: Vec<u8> = Vec::with_capacity(len);
        read_onto_at(&*self.file()?, start, len, &mut buf).at(self.log.path())?;
        Ok(Bytes::from(buf))
    }

    /// Scans every batch, verifying its CRC, rebuilds both indexes, and cuts the file at the
    /// first torn or corrupt batch. Returns the bytes cut and the leader epoch starts seen.
    pub(crate) fn recover(
        &mut self,
        dir: &Path,
        index_interval_bytes: i32,
    ) -> Result<(u64, Vec<EpochStart>), LogError> {
        self.index = OffsetIndex::create(
            &segment_path(dir, self.base_offset, INDEX_SUFFIX),
            self.base_offset,
        )?;
        self.time_index = TimeIndex::create(
            &segment_path(dir, self.base_offset, TIME_INDEX_SUFFIX),
            self.base_offset,
        )?;
        self.bytes_since_last_index_entry = 0;
        self.max_timestamp = -1;
        self.offset_of_max_timestamp = self.base_offset;
        self.rolling_based_timestamp = None;
        self.next_offset = self.base_offset;
        self.last_batch = None;
        self.found_batch.set(None);
        let mut epochs: Vec<EpochStart> = Vec::new();
        let mut position = 0u64;
        while let Some(header) = self.header_at(position)? {
            let batch = self.read_range(position, position + header.total_size() as u64)?;
            if verify_crc(&header, &batch).is_err() || header.base_offset < self.next_offset {
                break;
            }
            if epochs
                .last()
                .is_none_or(|e| e.epoch < header.partition_leader_epoch)
                && header.partition_leader_epoch >= 0
            {
                epochs.push(EpochStart {
                    epoch: header.partition_leader_epoch,
                    start_offset: header.base_offset,
                });
            }
            self.track_batch(position, &header, index_interval_bytes)?;
            position += header.total_size() as u64;
        }
        let truncated = self.size - position;
        if truncated > 0 {
            self.file()?.set_len(position).at(self.log.path())?;
            self.size = position;
        }
        self.write_index_entries()?;
        Ok((truncated, epochs))
    }

    /// Restores the segment's state from its indexes without scanning the whole file, checking
    /// them against the log as it goes. Returns false when they do not match (rebuild them).
    pub(crate) fn load_from_indexes(
        &mut self,
        index_interval_bytes: i32,
    ) -> Result<bool, LogError> {
        if self.indexes_missing {
            return Ok(false);
        }
        let mut previous: Option<(i64, u32)> = None;
        for entry in self.index.entries() {
            let grows = previous.is_none_or(|(o, p)| entry.offset > o && entry.position > p);
            if !grows || u64::from(entry.position) >= self.size {
                return Ok(false);
            }
            previous = Some((entry.offset, entry.position));
        }
        let start = match self.index.last() {
            Some(last) => match self.header_at(u64::from(last.position))? {
                Some(h) if h.last_offset() == last.offset => u64::from(last.position),
                _ => return Ok(false),
            },
            None => 0,
        };
        let Some(first) = self.header_at(0)? else {
            return Ok(self.size == 0 && self.time_index.last().is_none());
        };
        self.rolling_based_timestamp = Some(first.max_timestamp);
        if let Some(last) = self.time_index.last() {
            self.max_timestamp = last.timestamp;
            self.offset_of_max_timestamp = last.offset;
        }
        self.next_offset = first.base_offset;
        self.last_batch = None;
        self.found_batch.set(None);
        let mut position = start;
        let mut tail_bytes = 0u64;
        let mut last_batch_bytes = 0u64;
        while let Some(header) = self.header_at(position)? {
            if header.max_timestamp > self.max_timestamp {
                self.max_timestamp = header.max_timestamp;
                self.offset_of_max_timestamp = header.last_offset();
            }
            self.next_offset = header.last_offset() + 1;
            self.last_batch = Some((position, header));
            position += header.total_size() as u64;
            tail_bytes += header.total_size() as u64;
            last_batch_bytes = header.total_size() as u64;
        }
        self.bytes_since_last_index_entry = tail_bytes;
        // Entries are added once more than the interval went by, so a longer tail means lost
        // entries.
        let interval = u64::try_from(index_interval_bytes).unwrap_or(0);
        let tail_is_indexed = tail_bytes - last_batch_bytes <= interval;
        Ok(position == self.size && tail_is_indexed && self.time_index_is_consistent())
    }

    fn time_index_is_consistent(&self) -> bool {
        let mut previous: Option<(i64, i64)> = None;
        self.time_index.entries().all(|e| {
            let ok = previous.is_none_or(|(t, o)| e.timestamp > t && e.offset >= o)
                && e.offset >= self.base_offset
                && e.offset < self.next_offset
                && e.timestamp <= self.max_timestamp;
            previous = Some((e.timestamp, e.offset));
            ok
        })
    }

    /// Called when a newer segment takes over: records the final max timestamp in the time
    /// index so it survives a restart without a scan (Kafka's `onBecomeInactiveSegment`).
    pub(crate) fn on_become_inactive(&mut self) -> Result<(), LogError> {
        if self.max_timestamp >= 0 {
            self.time_index
                .maybe_append(self.max_timestamp, self.offset_of_max_timestamp);
        }
        self.write_index_entries()
    }

    /// Writes both indexes' entries not yet in their files, both at once, so that their files
    /// always end at the same batch.
    pub(crate) fn write_index_entries(&self) -> Result<(), LogError> {
        self.index.write_pending()?;
        self.time_index.write_pending()
    }

    /// Cuts the segment before the batch holding `offset` and rebuilds its state.
    pub(crate) fn truncate_to(
        &mut self,
        dir: &Path,
        offset: i64,
        index_interval_bytes: i32,
    ) -> Result<(), LogError> {
        if let Some((position, _)) = self.find_batch(offset)? {
            self.file()?.set_len(position).at(self.log.path())?;
            self.size = position;
            self.recover(dir, index_interval_bytes)?;
        }
        Ok(())
    }

    /// The time index's hint where a search for `timestamp` may start.
    pub(crate) fn search_start_for_timestamp(&self, timestamp: i64) -> u64 {
        match self.time_index.last_entry_before(timestamp) {
            Some(entry) => u64::from(self.index.lookup(entry.offset).position),
            None => 0,
        }
    }

    /// The segment file's descriptor, from the process's open-file cache.
    fn file(&self) -> Result<std::sync::Arc<File>, LogError> {
        self.log.file().at(self.log.path())
    }

    /// Closes the segment's descriptors (they are reopened at the next use).
    pub(crate) fn close(&self) {
        self.log.close();
        self.index.close();
        self.time_index.close();
    }

    /// Makes the segment durable, its indexes' pending entries written first.
    pub(crate) fn flush(&self) -> Result<(), LogError> {
        self.file()?.sync_data().at(self.log.path())?;
        self.index.flush()?;
        self.time_index.flush()
    }

    /// Deletes the segment's files, its `.txnindex` included.
    pub(crate) fn delete(&self) -> Result<(), LogError> {
        self.index.delete()?;
        self.time_index.delete()?;
        delete_txn_index(&self.log.path().with_extension(TXN_INDEX_SUFFIX))?;
        self.log.close();
        match fs::remove_file(self.log.path()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).at(self.log.path()),
            _ => Ok(()),
        }
    }
}

/// Writes `parts` back to back at `offset` with `pwritev`: one system call for a batch whose
/// patched header and untouched records lie in different buffers (more only when the kernel
/// writes part of it).
fn write_all_at_vectored(file: &File, parts: [&[u8]; 2], offset: u64) -> std::io::Result<()> {
    let [mut first, mut second] = parts;
    let mut offset = offset;
    while !first.is_empty() || !second.is_empty() {
        let slices = [IoSlice::new(first), IoSlice::new(second)];
        let at = libc::off_t::try_from(offset)
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        // SAFETY: `IoSlice` is ABI-compatible with `iovec` on Unix, and both slices outlive
        // the call, which only reads them.
        let written = unsafe {
            libc::pwritev(
                file.as_raw_fd(),
                slices.as_ptr().cast::<libc::iovec>(),
                2,
                at,
            )
        };
        let mut written = match usize::try_from(written) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(written) => written,
            Err(_) => {
                let error = std::io::Error::last_os_error();
                if error.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(error);
            }
        };
        offset += written as u64;
        let from_first = written.min(first.len());
        first = &first[from_first..];
        written -= from_first;
        second = &second[written.min(second.len())..];
    }
    Ok(())
}
