//! Log compaction (`cleanup.policy=compact`), as Kafka's log cleaner does it: records whose
//! key appears again later are removed, so the log keeps at least the last record per key.
//!
//! One pass: the cleanable part of the log is every inactive segment wholly below the high
//! watermark, the first open transaction and `min.compaction.lag.ms` (never the active
//! segment). Its dirty part starts at the offset the previous pass stopped at; when dirty
//! bytes are at least `min.cleanable.dirty.ratio` of the cleanable bytes, a map from key to
//! last offset is built over the dirty part, and every cleanable segment is rewritten in
//! groups of at most `segment.bytes`, keeping a record only if no later record has its key.
//! Offsets never change: batches keep their base offsets and records their offset deltas.
//!
//! Tombstones (records with a null value) follow KIP-534: the first pass that keeps one
//! stores a delete horizon (now + `delete.retention.ms`) in its batch header; a pass after the
//! horizon removes it. Records of aborted transactions are removed; an idempotent producer's
//! last batch is kept, empty if need be, so its sequence state survives a restart.
//!
//! Crash safety, with Kafka's file suffixes: a group is written to `<base>.log.cleaned`,
//! synced, and renamed to `<base>.log.swap` (the commit point); then the old segments are
//! deleted and the swap renamed to `<base>.log`. On open, a `.cleaned` file is discarded (the
//! old segments are intact) and a `.swap` file is completed: the segments it replaces, those
//! based in `[swap base, swap next offset)`, are deleted and it becomes the segment. The
//! replaced segments' `.txnindex` entries move to the cleaned segment's.
//!
//! Differences from Kafka: transaction markers (control batches) are kept forever, where Kafka
//! removes them after the delete horizon once their transaction's records are gone; the
//! offset map is not bounded by `log.cleaner.dedupe.buffer.size`; a partition is cleaned
//! under its log's lock (appends wait), where Kafka cleans beside appends and locks only
//! for the swap.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use kafka_protocol::records::{Compression, TimestampType};

use super::error::{IoContext, LogError};
use super::partition_log::PartitionLog;
use super::segment::{segment_path, LogSegment, INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX};
use super::txn_index::{read_txn_index, txn_index_path, write_txn_index};
use crate::protocol::batch::{
    check_batch_length, parse_batch_header, BatchHeader, BATCH_HEADER_SIZE, DELETE_HORIZON_BIT,
    MAGIC_V2,
};
use crate::protocol::batch_builder::{RecordBatchBuilder, RecordParts};
use crate::protocol::batch_reader::{read_records, RecordEntry};

const CLEANED_SUFFIX: &str = "log.cleaned";
const SWAP_SUFFIX: &str = "log.swap";
const COMPRESSION_BITS: i16 = 0x07;

/// What one cleaning pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanResult {
    /// Where the next pass's dirty part starts: the end of the cleanable part.
    pub first_dirty_offset: i64,
    pub bytes_before: u64,
    pub bytes_after: u64,
    /// The earliest delete horizon of the tombstones kept: a pass after it removes them.
    pub next_delete_horizon_ms: Option<i64>,
}

/// Which batch is each idempotent producer's last one in the log.
pub(super) type LastBatches = HashMap<i64, i64>;

impl PartitionLog {
    /// Cleans the log when it is compacted and dirty enough (or `force`, for tombstones past
    /// their horizon). `first_dirty_offset` is where the previous pass stopped (the log start
    /// for a first pass); nothing at or past `upper_bound` (the high watermark) is touched.
    /// `None` when there was nothing to do.
    pub fn clean(
        &mut self,
        first_dirty_offset: i64,
        upper_bound: i64,
        now_ms: i64,
        force: bool,
    ) -> Result<Option<CleanResult>, LogError> {
        self.ensure_not_deleted()?;
        if !self.config.cleanup_policy_compact {
            return Ok(None);
        }
        let bases = self.cleanable_bases(upper_bound, now_ms);
        let Some(end) = bases
            .last()
            .and_then(|b| self.inactive.get(b))
            .map(LogSegment::next_offset)
        else {
            return Ok(None);
        };
        let (mut clean_bytes, mut dirty_bytes) = (0u64, 0u64);
        for segment in bases.iter().filter_map(|b| self.inactive.get(b)) {
            if segment.next_offset() > first_dirty_offset {
                dirty_bytes += segment.size();
            } else {
                clean_bytes += segment.size();
            }
        }
        let total = clean_bytes + dirty_bytes;
        let ratio = if total == 0 {
            0.0
        } else {
            dirty_bytes as f64 / total as f64
        };
        let dirty_enough = dirty_bytes > 0 && ratio >= self.config.min_cleanable_dirty_ratio;
        if total == 0 || !(dirty_enough || force) {
            return Ok(None);
        }
        let offsets = self.build_offset_map(&bases, first_dirty_offset)?;
        let last_batches = self.last_batches_of_producers()?;
        let mut result = CleanResult {
            first_dirty_offset: end,
            bytes_before: total,
            bytes_after: 0,
            next_delete_horizon_ms: None,
        };
        for group in self.group_segments(&bases) {
            let (written, horizon) = self.clean_group(&group, &offsets, &last_batches, now_ms)?;
            result.bytes_after += written;
            result.next_delete_horizon_ms = match (result.next_delete_horizon_ms, horizon) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(Some(result))
    }

    /// Base offsets of the inactive segments the cleaner may rewrite, oldest first.
    pub(super) fn cleanable_bases(&self, upper_bound: i64, now_ms: i64) -> Vec<i64> {
        let mut limit = self.active.base_offset().min(upper_bound);
        if let Some(first_unstable) = self.producer_state.first_unstable_offset() {
            limit = limit.min(first_unstable);
        }
        let lag = self.config.min_compaction_lag_ms;
        self.inactive
            .values()
            .take_while(|s| s.next_offset() <= limit)
            .take_while(|s| lag <= 0 || s.largest_timestamp() <= now_ms.saturating_sub(lag))
            .map(LogSegment::base_offset)
            .collect()
    }

    /// Runs of consecutive segments that fit one segment once cleaned: at most
    /// `segment.bytes` before cleaning, offsets within the index's 32-bit range.
    pub(super) fn group_segments(&self, bases: &[i64]) -> Vec<Vec<i64>> {
        let max_bytes = u64::try_from(self.config.segment_bytes).unwrap_or(u64::MAX);
        let mut groups: Vec<Vec<i64>> = Vec::new();
        let mut size = 0u64;
        for segment in bases.iter().filter_map(|b| self.inactive.get(b)) {
            let fits = groups.last().and_then(|g| g.first()).is_some_and(|first| {
                size + segment.size() <= max_bytes
                    && segment.next_offset() - 1 - first <= i64::from(i32::MAX)
            });
            match groups.last_mut() {
                Some(group) if fits => {
                    group.push(segment.base_offset());
                    size += segment.size();
                }
                _ => {
                    groups.push(vec![segment.base_offset()]);
                    size = segment.size();
                }
            }
        }
        groups
    }

    /// Every batch header of `segment` with its position.
    fn batch_headers(segment: &LogSegment) -> Result<Vec<(u64, BatchHeader)>, LogError> {
        let mut headers = Vec::new();
        let mut position = 0u64;
        while let Some(header) = segment.header_at(position)? {
            headers.push((position, header));
            position += header.total_size() as u64;
        }
        Ok(headers)
    }

    fn is_aborted(&self, header: &BatchHeader) -> bool {
        header.is_transactional()
            && !header.is_control()
            && self
                .producer_state
                .aborted_transactions(header.base_offset, header.last_offset() + 1)
                .iter()
                .any(|t| t.producer_id == header.producer_id)
    }

    fn records_of(
        segment: &LogSegment,
        position: u64,
        header: &BatchHeader,
    ) -> Result<(Bytes, Vec<RecordEntry>), LogError> {
        let bytes = segment.read_range(position, position + header.total_size() as u64)?;
        let records = read_records(&bytes, header).map_err(|e| LogError::Decode {
            offset: header.base_offset,
            reason: e.to_string(),
        })?;
        Ok((bytes, records))
    }

    /// Key to the offset of its last record in the dirty part.
    pub(super) fn build_offset_map(
        &self,
        bases: &[i64],
        first_dirty_offset: i64,
    ) -> Result<HashMap<Bytes, i64>, LogError> {
        let mut offsets = HashMap::new();
        for segment in bases.iter().filter_map(|b| self.inactive.get(b)) {
            if segment.next_offset() <= first_dirty_offset {
                continue;
            }
            for (position, header) in Self::batch_headers(segment)? {
                if header.last_offset() < first_dirty_offset
                    || header.is_control()
                    || self.is_aborted(&header)
                {
                    continue;
                }
                let (_, records) = Self::records_of(segment, position, &header)?;
                for record in records {
                    let offset = header.base_offset + i64::from(record.offset_delta);
                    // A copy: the key's slice would keep its whole batch in memory.
                    if let (Some(key), true) = (record.key, offset >= first_dirty_offset) {
                        offsets.insert(Bytes::copy_from_slice(&key), offset);
                    }
                }
            }
        }
        Ok(offsets)
    }

    /// Producer id to the base offset of its last batch, over the whole log.
    pub(super) fn last_batches_of_producers(&self) -> Result<LastBatches, LogError> {
        let mut last = HashMap::new();
        for segment in self.segments() {
            for (_, header) in Self::batch_headers(segment)? {
                if header.has_producer_id() {
                    last.insert(header.producer_id, header.base_offset);
                }
            }
        }
        Ok(last)
    }

    /// Rewrites one group of segments into one and swaps it in. Returns the bytes written
    /// and the earliest delete horizon of the tombstones kept.
    fn clean_group(
        &mut self,
        bases: &[i64],
        offsets: &HashMap<Bytes, i64>,
        last_batches: &LastBatches,
        now_ms: i64,
    ) -> Result<(u64, Option<i64>), LogError> {
        let (swap, written, horizon) = self.write_swap(bases, offsets, last_batches, now_ms)?;
        self.install_swap(bases, &swap, written, now_ms)?;
        Ok((written, horizon))
    }

    /// Writes the cleaned group to `<base>.log.cleaned`, syncs it and renames it to
    /// `<base>.log.swap`: from here a crash completes the swap on open.
    pub(super) fn write_swap(
        &self,
        bases: &[i64],
        offsets: &HashMap<Bytes, i64>,
        last_batches: &LastBatches,
        now_ms: i64,
    ) -> Result<(PathBuf, u64, Option<i64>), LogError> {
        let base = bases.first().copied().unwrap_or(0);
        let cleaned = segment_path(&self.dir, base, CLEANED_SUFFIX);
        let file = File::create(&cleaned).at(&cleaned)?;
        let mut out = BufWriter::new(file);
        let mut written = 0u64;
        let mut horizon: Option<i64> = None;
        for segment in bases.iter().filter_map(|b| self.inactive.get(b)) {
            for (position, header) in Self::batch_headers(segment)? {
                let last_of_producer = header.has_producer_id()
                    && last_batches.get(&header.producer_id) == Some(&header.base_offset);
                let Some((bytes, kept_horizon)) = self.filter_batch(
                    segment,
                    position,
                    &header,
                    offsets,
                    last_of_producer,
                    now_ms,
                )?
                else {
                    continue;
                };
                out.write_all(&bytes).at(&cleaned)?;
                written += bytes.len() as u64;
                if let Some(h) = kept_horizon {
                    horizon = Some(horizon.map_or(h, |earliest| earliest.min(h)));
                }
            }
        }
        let file = out.into_inner().map_err(|e| e.into_error()).at(&cleaned)?;
        file.sync_all().at(&cleaned)?;
        let swap = segment_path(&self.dir, base, SWAP_SUFFIX);
        fs::rename(&cleaned, &swap).at(&swap)?;
        sync_dir(&self.dir)?;
        Ok((swap, written, horizon))
    }

    /// Replaces the group's segments with the swap file.
    fn install_swap(
        &mut self,
        bases: &[i64],
        swap: &Path,
        written: u64,
        now_ms: i64,
    ) -> Result<(), LogError> {
        let base = bases.first().copied().unwrap_or(0);
        // Kept appends of the group would no longer be what the log holds.
        self.recent.clear();
        // The group's aborted transaction entries move to the cleaned segment (its markers stay).
        let mut aborted = Vec::new();
        for b in bases {
            aborted.extend(read_txn_index(&txn_index_path(&self.dir, *b))?);
        }
        for b in bases {
            if let Some(segment) = self.inactive.remove(b) {
                segment.delete()?;
            }
        }
        let log_path = segment_path(&self.dir, base, LOG_SUFFIX);
        if written == 0 {
            fs::remove_file(swap).at(swap)?;
            return sync_dir(&self.dir);
        }
        fs::rename(swap, &log_path).at(&log_path)?;
        write_txn_index(&txn_index_path(&self.dir, base), &aborted)?;
        sync_dir(&self.dir)?;
        let mut segment = LogSegment::open(&self.dir, base, now_ms, false)?;
        segment.recover(&self.dir, self.config.index_interval_bytes)?;
        segment.on_become_inactive()?;
        segment.flush()?;
        self.inactive.insert(base, segment);
        Ok(())
    }

    /// The batch as the cleaned log keeps it (the stored bytes when nothing changes), with
    /// its delete horizon when it keeps tombstones; `None` when nothing of it stays.
    fn filter_batch(
        &self,
        segment: &LogSegment,
        position: u64,
        header: &BatchHeader,
        offsets: &HashMap<Bytes, i64>,
        last_of_producer: bool,
        now_ms: i64,
    ) -> Result<Option<(Bytes, Option<i64>)>, LogError> {
        let end = position + header.total_size() as u64;
        if header.is_control() {
            return Ok(Some((segment.read_range(position, end)?, None)));
        }
        let aborted = self.is_aborted(header);
        let (bytes, records) = Self::records_of(segment, position, header)?;
        let horizon = header.delete_horizon_ms();
        let keep_tombstones = horizon.is_none_or(|h| now_ms < h);
        let record_count = records.len();
        let kept: Vec<RecordEntry> = records
            .into_iter()
            .filter(|r| {
                let offset = header.base_offset + i64::from(r.offset_delta);
                let latest = r
                    .key
                    .as_ref()
                    .is_some_and(|k| offsets.get(k).is_none_or(|last| *last <= offset));
                !aborted && latest && (r.value.is_some() || keep_tombstones)
            })
            .collect();
        let has_tombstones = kept.iter().any(|r| r.value.is_none());
        let new_horizon = match horizon {
            None if has_tombstones => Some(now_ms.saturating_add(self.config.delete_retention_ms)),
            other => other,
        };
        let kept_horizon = new_horizon.filter(|_| has_tombstones);
        if kept.len() == record_count && new_horizon == horizon {
            return Ok(Some((bytes, kept_horizon)));
        }
        if kept.is_empty() && !last_of_producer {
            return Ok(None);
        }
        let rewritten =
            rewrite_batch(header, &kept, new_horizon).map_err(|reason| LogError::Decode {
                offset: header.base_offset,
                reason,
            })?;
        Ok(Some((rewritten, kept_horizon)))
    }
}

/// A batch holding `kept` of `header`'s records, same offsets and timestamps; the base
/// timestamp is the delete horizon when there is one. An idempotent producer's batch keeps its
/// last offset (and so its last sequence); an empty one is written uncompressed.
fn rewrite_batch(
    header: &BatchHeader,
    kept: &[RecordEntry],
    delete_horizon: Option<i64>,
) -> Result<Bytes, String> {
    let base = delete_horizon.unwrap_or_else(|| {
        kept.first().map_or(header.max_timestamp, |r| {
            header.base_timestamp.saturating_add(r.timestamp_delta)
        })
    });
    let mut builder =
        RecordBatchBuilder::with_capacity(header.total_size()).with_base_timestamp(base);
    let mut max_timestamp = -1i64;
    for record in kept {
        let timestamp = header.base_timestamp.saturating_add(record.timestamp_delta);
        max_timestamp = max_timestamp.max(timestamp);
        let headers: Vec<(&str, Option<&[u8]>)> = record
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_deref()))
            .collect();
        builder.append_at(
            &RecordParts {
                timestamp,
                key: record.key.as_deref(),
                value: record.value.as_deref(),
                headers: &headers,
            },
            record.offset_delta,
        );
    }
    let last_offset_delta = match kept.last() {
        Some(last) if !header.has_producer_id() => last.offset_delta,
        _ => header.last_offset_delta,
    };
    let compression = if kept.is_empty() {
        Compression::None
    } else {
        header.compression().unwrap_or(Compression::None)
    };
    let mut attributes = header.attributes;
    if kept.is_empty() {
        attributes &= !COMPRESSION_BITS;
    }
    if delete_horizon.is_some() {
        attributes |= DELETE_HORIZON_BIT;
    }
    let template = BatchHeader {
        attributes,
        last_offset_delta,
        max_timestamp: if header.timestamp_type() == TimestampType::LogAppend || kept.is_empty() {
            header.max_timestamp
        } else {
            max_timestamp
        },
        ..*header
    };
    builder
        .seal_as(&template, compression)
        .map_err(|e| e.to_string())
}

fn sync_dir(dir: &Path) -> Result<(), LogError> {
    File::open(dir).and_then(|d| d.sync_all()).at(dir)
}

/// The offset after the last whole batch of the file at `path`.
fn next_offset_of_file(path: &Path, base: i64) -> Result<i64, LogError> {
    let file = File::open(path).at(path)?;
    let size = file.metadata().at(path)?.len();
    let mut next = base;
    let mut position = 0u64;
    let mut buf = [0u8; BATCH_HEADER_SIZE];
    while position + BATCH_HEADER_SIZE as u64 <= size {
        file.read_exact_at(&mut buf, position).at(path)?;
        let Ok(header) = parse_batch_header(&buf) else {
            break;
        };
        if header.magic != MAGIC_V2
            || check_batch_length(&header).is_err()
            || position + header.total_size() as u64 > size
        {
            break;
        }
        next = header.last_offset() + 1;
        position += header.total_size() as u64;
    }
    Ok(next)
}

/// Finishes swaps a crash interrupted (see the module header); run before the segments of
/// `dir` are listed. `.cleaned` files are left for the stray-file sweep.
pub(super) fn complete_interrupted_swaps(dir: &Path) -> Result<(), LogError> {
    let mut swaps: Vec<(i64, PathBuf)> = Vec::new();
    let mut logs: Vec<i64> = Vec::new();
    for entry in fs::read_dir(dir).at(dir)? {
        let path = entry.at(dir)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some((stem, suffix)) = name.split_once('.') else {
            continue;
        };
        let Ok(base) = stem.parse::<i64>() else {
            continue;
        };
        if stem.len() != 20 {
            continue;
        }
        match suffix {
            SWAP_SUFFIX => swaps.push((base, path)),
            LOG_SUFFIX => logs.push(base),
            _ => {}
        }
    }
    if swaps.is_empty() {
        // Nothing was renamed or removed: nothing to make durable (an fsync per log opened).
        return Ok(());
    }
    for (base, swap) in swaps {
        let next = next_offset_of_file(&swap, base)?;
        for old in logs
            .iter()
            .filter(|b| **b >= base && **b < next.max(base + 1))
        {
            for suffix in [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX] {
                let path = segment_path(dir, *old, suffix);
                match fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e).at(&path),
                    _ => {}
                }
            }
        }
        tracing::info!(dir = %dir.display(), base, "completed an interrupted log cleaner swap");
        if next == base {
            // Nothing of the group was kept.
            fs::remove_file(&swap).at(&swap)?;
        } else {
            fs::rename(&swap, segment_path(dir, base, LOG_SUFFIX)).at(&swap)?;
        }
    }
    sync_dir(dir)
}
