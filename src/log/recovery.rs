//! Opening a partition log: find its segments, scan and repair what may be unflushed, and
//! restore the offsets and leader epochs. Everything after the recovery point is scanned batch
//! by batch (CRC included) and cut at the first torn or corrupt batch; older segments keep their
//! indexes only if those agree with the log, and are rebuilt otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::checkpoint::read_offset_checkpoint;
use super::config::LogConfig;
use super::error::{IoContext, LogError};
use super::leader_epoch::{LeaderEpochCache, LEADER_EPOCH_CHECKPOINT};
use super::partition_log::{PartitionLog, LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT};
use super::producer_state::ProducerStateManager;
use super::recent::RecentBatches;
use super::segment::{EpochStart, LogSegment, INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX};
use super::txn_index::TXN_INDEX_SUFFIX;

/// Leftovers of interrupted writes and swaps that a log never reads.
const STRAY_SUFFIXES: [&str; 4] = ["tmp", "deleted", "cleaned", "swap"];

/// The paths in `dir`.
fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, LogError> {
    fs::read_dir(dir)
        .at(dir)?
        .map(|entry| Ok(entry.at(dir)?.path()))
        .collect()
}

/// What listing a log's directory found.
struct Listing {
    /// Segment base offsets, ascending.
    bases: Vec<i64>,
    /// Bases of the segments with both index files (`.index` and `.timeindex`).
    indexed: BTreeSet<i64>,
    /// Bases of the segments with a `.txnindex`, so that a missing one is not looked for.
    txn_indexed: BTreeSet<i64>,
    /// Names of the other files (checkpoints), so that a missing one is not looked for.
    others: Vec<String>,
}

impl Listing {
    fn has(&self, name: &str) -> bool {
        self.others.iter().any(|n| n == name)
    }
}

/// Segment base offsets present in `dir`, after removing stray and orphaned files.
fn scan_dir(dir: &Path) -> Result<Vec<i64>, LogError> {
    Ok(list_log_dir(dir)?.bases)
}

/// [`scan_dir`] with the names of the directory's other files. The directory is listed once
/// unless a cleaner's swap was interrupted (a `.swap` file, which the stray sweep below would
/// otherwise delete): it is completed first and the directory listed again. Opening a log
/// lists its directory; at 10,000 partitions that is 10,000 listings.
fn list_log_dir(dir: &Path) -> Result<Listing, LogError> {
    let mut paths = list_dir(dir)?;
    if paths
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "swap"))
    {
        super::cleaner::complete_interrupted_swaps(dir)?;
        paths = list_dir(dir)?;
    }
    let mut logs = Vec::new();
    let mut indexes = Vec::new();
    let mut others = Vec::new();
    for path in paths {
        let (Some(stem), Some(ext)) = (
            path.file_stem().and_then(|s| s.to_str()),
            path.extension().and_then(|s| s.to_str()),
        ) else {
            if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                others.push(name.to_string());
            }
            continue;
        };
        if STRAY_SUFFIXES.contains(&ext) {
            fs::remove_file(&path).at(&path)?;
            continue;
        }
        let base_offset = match stem.parse::<i64>() {
            Ok(base) if stem.len() == 20 => base,
            _ => continue,
        };
        match ext {
            LOG_SUFFIX => logs.push(base_offset),
            INDEX_SUFFIX | TIME_INDEX_SUFFIX | TXN_INDEX_SUFFIX => {
                indexes.push((base_offset, path))
            }
            _ => {}
        }
    }
    let mut offset_indexed = BTreeSet::new();
    let mut time_indexed = BTreeSet::new();
    let mut txn_indexed = BTreeSet::new();
    for (base_offset, path) in indexes {
        if !logs.contains(&base_offset) {
            fs::remove_file(&path).at(&path)?;
            continue;
        }
        match path.extension().and_then(|s| s.to_str()) {
            Some(INDEX_SUFFIX) => offset_indexed.insert(base_offset),
            Some(TIME_INDEX_SUFFIX) => time_indexed.insert(base_offset),
            _ => txn_indexed.insert(base_offset),
        };
    }
    logs.sort_unstable();
    Ok(Listing {
        bases: logs,
        indexed: offset_indexed
            .intersection(&time_indexed)
            .copied()
            .collect(),
        txn_indexed,
        others,
    })
}

impl PartitionLog {
    /// Creates an empty log's files in `dir` (its first segment, at offset 0, and the
    /// segment's indexes) unless it has segments, and closes them: as Kafka creates a
    /// partition's log when the partition is created, so that its first produce opens files
    /// rather than creating them (file creation was the largest cost of a produce spread over
    /// 10,000 new partitions). Returns whether it created them: the log is then empty.
    pub(crate) fn create_files(dir: &Path, now_ms: i64) -> Result<bool, LogError> {
        if !scan_dir(dir)?.is_empty() {
            return Ok(false);
        }
        drop(LogSegment::create(dir, 0, now_ms)?);
        Ok(true)
    }

    /// Opens the log whose files [`Self::create_files`] created in this run, which nothing has
    /// touched since (the caller knows): one empty segment at offset 0, no checkpoint, no
    /// producer. Nothing to recover or list, and nothing read: the first produce over 10,000
    /// new partitions spent about 30 system calls per partition opening them like logs found
    /// on disk. Only the active segment's `.log` is opened, for the first append.
    pub(crate) fn open_created(
        dir: &Path,
        config: LogConfig,
        now_ms: i64,
    ) -> Result<Self, LogError> {
        Ok(PartitionLog {
            dir: dir.to_path_buf(),
            config,
            inactive: BTreeMap::new(),
            active: LogSegment::created_empty(dir, 0, now_ms)?,
            log_start_offset: 0,
            recovery_point: 0,
            leader_epochs: LeaderEpochCache::empty(dir),
            producer_state: ProducerStateManager::default(),
            recent: RecentBatches::default(),
            deleted: false,
        })
    }

    /// Opens the log in `dir`, creating it when empty, recovering it otherwise.
    pub fn open(dir: &Path, config: LogConfig) -> Result<Self, LogError> {
        Self::open_at(dir, config, crate::clock::now_ms())
    }

    /// [`Self::open`] with an explicit clock reading (segment ages start from it).
    pub fn open_at(dir: &Path, config: LogConfig, now_ms: i64) -> Result<Self, LogError> {
        Self::open_after(dir, config, now_ms, false)
    }

    /// Opens a log; after a clean shutdown (Kafka's `.kafka_cleanshutdown` marker) every segment
    /// was flushed, so the active one is trusted like the others when its indexes agree.
    pub(crate) fn open_after(
        dir: &Path,
        config: LogConfig,
        now_ms: i64,
        clean_shutdown: bool,
    ) -> Result<Self, LogError> {
        // The directory is made only when listing it finds none: a new log's usually exists.
        let listing = match list_log_dir(dir) {
            Err(LogError::Io { path, source })
                if path == dir && source.kind() == std::io::ErrorKind::NotFound =>
            {
                fs::create_dir_all(dir).at(dir)?;
                list_log_dir(dir)?
            }
            listed => listed?,
        };
        // Only this log writes in its directory, and it is not open yet: a checkpoint the
        // listing did not find is not there (a log never flushed has none).
        let checkpoint = |name: &str| match listing.has(name) {
            true => read_offset_checkpoint(&dir.join(name)),
            false => Ok(None),
        };
        let recovery_point = checkpoint(RECOVERY_POINT_CHECKPOINT)?.unwrap_or(0);
        let checkpointed_start = checkpoint(LOG_START_OFFSET_CHECKPOINT)?;
        let leader_epochs = match listing.has(LEADER_EPOCH_CHECKPOINT) {
            true => LeaderEpochCache::load(dir)?,
            false => LeaderEpochCache::empty(dir),
        };
        let (mut segments, epoch_starts) = load_segments(
            dir,
            &listing,
            recovery_point,
            &config,
            now_ms,
            clean_shutdown,
        )?;
        let active = match segments.pop_last() {
            Some((_, segment)) => segment,
            None => LogSegment::create(dir, checkpointed_start.unwrap_or(0).max(0), now_ms)?,
        };
        let mut log = PartitionLog {
            dir: dir.to_path_buf(),
            config,
            inactive: segments,
            active,
            log_start_offset: 0,
            recovery_point,
            leader_epochs,
            producer_state: ProducerStateManager::default(),
            recent: RecentBatches::default(),
            deleted: false,
        };
        log.restore_offsets(checkpointed_start, epoch_starts)?;
        // Only this log writes in its directory: a `.txnindex` the listing did not find is not
        // there (loading the segments deletes files, it creates none).
        log.rebuild_producer_state_listed(Some(&listing.txn_indexed))?;
        Ok(log)
    }

    fn restore_offsets(
        &mut self,
        checkpointed_start: Option<i64>,
        epoch_starts: Vec<EpochStart>,
    ) -> Result<(), LogError> {
        let log_end_offset = self.log_end_offset();
        let first_base = self.segments().next().map_or(0, LogSegment::base_offset);
        self.log_start_offset = checkpointed_start
            .unwrap_or(first_base)
            .max(first_base)
            .min(log_end_offset);
        // Without a checkpoint the start is the first segment's base: a new log (the common
        // open) has nothing to write, and so no fsync to wait for.
        if checkpointed_start.unwrap_or(first_base) != self.log_start_offset {
            self.persist_log_start_offset()?;
        }
        self.recovery_point = self.recovery_point.min(log_end_offset);
        self.leader_epochs.truncate_from_end(log_end_offset)?;
        for start in epoch_starts {
            self.leader_epochs.assign(start.epoch, start.start_offset);
        }
        self.leader_epochs
            .truncate_from_start(self.log_start_offset)
    }
}

/// Opens every segment, scanning those that may hold unflushed data (and the last one). A cut
/// segment makes every later segment unreachable, so those are deleted.
fn load_segments(
    dir: &Path,
    listing: &Listing,
    recovery_point: i64,
    config: &LogConfig,
    now_ms: i64,
    clean_shutdown: bool,
) -> Result<(BTreeMap<i64, LogSegment>, Vec<EpochStart>), LogError> {
    let mut segments = BTreeMap::new();
    let mut epoch_starts = Vec::new();
    let mut cut = false;
    let bases = &listing.bases;
    for (i, &base_offset) in bases.iter().enumerate() {
        let indexes_empty_if_log_is = clean_shutdown && listing.indexed.contains(&base_offset);
        let mut segment = LogSegment::open(dir, base_offset, now_ms, indexes_empty_if_log_is)?;
        if cut {
            segment.delete()?;
            continue;
        }
        let next_base = bases.get(i + 1).copied();
        let unflushed = !clean_shutdown && next_base.is_none_or(|next| next > recovery_point);
        let needs_scan = unflushed || !segment.load_from_indexes(config.index_interval_bytes)?;
        if needs_scan {
            let (truncated, starts) = segment.recover(dir, config.index_interval_bytes)?;
            epoch_starts.extend(starts);
            if truncated > 0 {
                tracing::warn!(
                    dir = %dir.display(),
                    base_offset,
                    truncated,
                    "cut a torn or corrupt tail from a log segment"
                );
                cut = true;
            }
        }
        if next_base.is_some_and(|next| segment.next_offset() > next) {
            tracing::warn!(dir = %dir.display(), base_offset, "segment overlaps the next one");
            cut = true;
        }
        segments.insert(base_offset, segment);
    }
    Ok((segments, epoch_starts))
}
