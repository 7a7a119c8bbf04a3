//! `LogManager`: the partition logs of one broker log directory, `<log_dir>/<topic>-<partition>/`.
//!
//! Logs are opened when first used, not at start: starting lists the partition directories and
//! nothing more, so a broker with many partitions starts at once and never needs a descriptor
//! per partition. A log that cannot be opened or created (out of descriptors, a bad disk) makes
//! that partition offline, with the reason, and is retried later; the others carry on. As in
//! Kafka, a clean shutdown leaves `.kafka_cleanshutdown` in the directory, so logs opened after
//! it skip the recovery scan of their active segment; the marker is removed at start, so a crash
//! in this run makes the next start scan again.
//!
//! Each partition directory records the id of the topic it belongs to (`partition.metadata`,
//! as Kafka). A log is served only for the topic id the caller expects: a directory of another
//! topic id is what a deleted topic of the same name left behind, and is deleted before a new
//! log takes its place. A deleted log's directory is renamed `-delete` before it is removed, and
//! such leftovers are removed at start.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::checkpoint::sync_filesystem;
use super::config::LogConfig;
use super::error::{IoContext, LogError};
use super::partition_dir::{delete_partition_dir, parse_partition_dir_name, remove_deleted_dirs};
use super::partition_log::PartitionLog;
use super::partition_metadata::{read_topic_id, sync_topic_id, write_topic_id};
use table::LogTable;

mod table;

type SharedLog = Arc<Mutex<PartitionLog>>;
type Slot = Arc<Mutex<Entry>>;

/// Kafka's clean-shutdown marker, written in the log directory once every log is flushed.
pub const CLEAN_SHUTDOWN_FILE: &str = ".kafka_cleanshutdown";
/// The metadata log's directory, `__cluster_metadata-0`, sits among the partition logs (as in a
/// Kafka broker whose `metadata.log.dir` is its log directory) but is never a partition log here.
pub const METADATA_LOG_DIR: &str = "__cluster_metadata-0";
/// How long an offline partition waits before its log is tried again, unless
/// `log.offline.retry.ms` says otherwise.
pub const OFFLINE_RETRY: Duration = Duration::from_secs(10);

enum LogState {
    /// On disk and not opened in this run. Invariant: `created_empty` only while this run
    /// created the directory's files empty ([`LogManager::create`], which also set the entry's
    /// `topic_id`) and nothing has touched them since, so the log opens from what is known,
    /// without recovery or listing its directory. Nothing but an open log writes in a log's
    /// directory (retention and the cleaner open a log to work in it; truncation and the
    /// descriptor cache work on open logs), and every way out of this state clears it:
    /// opening, going offline, `bind` (the directory is deleted or re-bound) and
    /// `delete_entry` (deletion, the stray sweep).
    Closed {
        created_empty: bool,
    },
    Open(SharedLog),
    /// Opening or creating failed; tried again from `retry_at`.
    Offline {
        reason: String,
        retry_at: Instant,
    },
}

struct Entry {
    state: LogState,
    /// The topic id the directory holds, once this run has read or written its
    /// `partition.metadata`; the log is served for that topic id only.
    topic_id: Option<Uuid>,
    /// The directory was listed at start and its `partition.metadata` is not read yet: it is
    /// read when the log is first opened (`bind`) or by the stray sweep (`remove_strays`),
    /// never for every partition on the way to ready. Only while `topic_id` is `None`.
    listed: bool,
    /// The sequence number of this directory's `partition.metadata` when it was written without
    /// a sync ([`LogManager::create`]) and may not be durable yet: the log syncs it when it is
    /// opened, unless [`LogManager::sync`] got there first.
    unsynced: Option<u64>,
}

impl Entry {
    fn closed(listed: bool) -> Slot {
        Arc::new(Mutex::new(Entry {
            state: LogState::Closed {
                created_empty: false,
            },
            topic_id: None,
            listed,
            unsynced: None,
        }))
    }
}

/// A partition this broker cannot serve, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflinePartition {
    pub topic: String,
    pub partition: i32,
    pub reason: String,
}

pub struct LogManager {
    log_dir: PathBuf,
    /// The logs were flushed and closed by a clean shutdown before this start.
    clean_shutdown: bool,
    /// The table's lock is held only to look a slot up; a log is opened under its slot's lock.
    logs: Mutex<LogTable<Slot>>,
    /// The partitions whose state is `Offline`, with the reason; kept beside their slots
    /// (under each slot's lock) so that listing them waits for no log being opened.
    offline: Mutex<BTreeMap<(String, i32), String>>,
    /// How long a partition stays offline before its log is tried again.
    offline_retry: Duration,
    /// Woken when a partition goes offline or comes back, so that the broker reports it to the
    /// controller at once rather than at its next heartbeat.
    offline_changed: tokio::sync::Notify,
    /// Numbers the `partition.metadata` files written without a sync (`Entry::unsynced`).
    unsynced_written: AtomicU64,
    /// Every unsynced write numbered up to this one is durable (a `sync` completed after it).
    synced_through: AtomicU64,
    /// Held by the one `sync` running; `sync_wanted` asks it for another round.
    syncing: Mutex<()>,
    sync_wanted: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a log lock leaves files, not memory, to trust; recovery handles it.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What to do about a failure, for the ERROR line of an offline partition.
fn advice(error: &LogError) -> &'static str {
    let source = match error {
        LogError::Io { source, .. } => source,
        _ => return "check the log directory",
    };
    match source.raw_os_error() {
        Some(libc::EMFILE | libc::ENFILE) => {
            "the process is out of file descriptors: raise the open-file limit (ulimit -n) \
             or lower log.open.files.max"
        }
        Some(libc::ENOSPC | libc::EDQUOT) => "the disk is full: free space",
        Some(libc::EACCES | libc::EPERM | libc::EROFS) => {
            "kf may not write there: fix the directory's permissions"
        }
        _ => "check the disk and the log directory",
    }
}

impl LogManager {
    /// Lists the partition directories in `log_dir` (opening none of them) and consumes the
    /// clean-shutdown marker.
    pub fn open(log_dir: &Path) -> Result<Self, LogError> {
        fs::create_dir_all(log_dir).at(log_dir)?;
        let removed = remove_deleted_dirs(log_dir)?;
        if removed > 0 {
            tracing::info!(
                log_dir = %log_dir.display(),
                "removed {removed} partition directories a deletion left before a crash"
            );
        }
        let marker = log_dir.join(CLEAN_SHUTDOWN_FILE);
        let clean_shutdown = marker.exists();
        if clean_shutdown {
            fs::remove_file(&marker).at(&marker)?;
        }
        let mut logs = LogTable::default();
        for entry in fs::read_dir(log_dir).at(log_dir)? {
            let entry = entry.at(log_dir)?;
            let name = entry.file_name();
            let Some(key) = name
                .to_str()
                .filter(|name| *name != METADATA_LOG_DIR)
                .and_then(parse_partition_dir_name)
            else {
                continue;
            };
            if entry.file_type().at(&entry.path())?.is_dir() {
                logs.insert(&key.0, key.1, Entry::closed(true));
            }
        }
        Ok(Self {
            log_dir: log_dir.to_path_buf(),
            clean_shutdown,
            logs: Mutex::new(logs),
            offline: Mutex::new(BTreeMap::new()),
            unsynced_written: AtomicU64::new(0),
            synced_through: AtomicU64::new(0),
            syncing: Mutex::new(()),
            sync_wanted: AtomicBool::new(false),
            offline_retry: OFFLINE_RETRY,
            offline_changed: tokio::sync::Notify::new(),
        })
    }

    /// Sets how long a partition stays offline before its log is tried again.
    pub fn with_offline_retry(mut self, retry: Duration) -> Self {
        self.offline_retry = retry;
        self
    }

    pub fn offline_retry(&self) -> Duration {
        self.offline_retry
    }

    /// Completes once a partition went offline or came back since the last call.
    pub async fn offline_changed(&self) {
        self.offline_changed.notified().await
    }

    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// Whether this start followed a clean shutdown.
    pub fn clean_shutdown(&self) -> bool {
        self.clean_shutdown
    }

    pub fn partition_dir(&self, topic: &str, partition: i32) -> PathBuf {
        self.log_dir.join(format!("{topic}-{partition}"))
    }

    fn slot(&self, topic: &str, partition: i32) -> Option<Slot> {
        lock(&self.logs).get(topic, partition).cloned()
    }

    fn slot_or_insert(&self, topic: &str, partition: i32) -> Result<Slot, LogError> {
        let mut logs = lock(&self.logs);
        if let Some(slot) = logs.get(topic, partition) {
            // A slot's name was checked when it was made (here, or listed at start).
            return Ok(Arc::clone(slot));
        }
        let name = format!("{topic}-{partition}");
        let parsed = parse_partition_dir_name(&name);
        let valid = parsed.is_some_and(|(t, p)| t == topic && p == partition);
        if name == METADATA_LOG_DIR || !valid {
            return Err(LogError::InvalidPartitionDir(name));
        }
        Ok(Arc::clone(logs.get_or_insert_with(
            topic,
            partition,
            || Entry::closed(false),
        )))
    }

    /// The partition's log if it is open (no I/O).
    pub fn get(&self, topic: &str, partition: i32) -> Option<SharedLog> {
        let slot = self.slot(topic, partition)?;
        let entry = lock(&slot);
        match &entry.state {
            LogState::Open(log) => Some(Arc::clone(log)),
            _ => None,
        }
    }

    /// The log of partition `partition` of the topic whose id is `topic_id`, opened now if it
    /// was not (with `config()`), created empty if it does not exist. An offline partition
    /// answers [`LogError::Offline`] until its retry time.
    pub fn get_or_open(
        &self,
        topic: &str,
        partition: i32,
        topic_id: Uuid,
        config: impl FnOnce() -> LogConfig,
    ) -> Result<SharedLog, LogError> {
        let slot = self.slot_or_insert(topic, partition)?;
        let mut entry = lock(&slot);
        match &entry.state {
            LogState::Open(log) if entry.topic_id == Some(topic_id) => return Ok(Arc::clone(log)),
            LogState::Offline { reason, retry_at } if Instant::now() < *retry_at => {
                return Err(LogError::Offline(reason.clone()));
            }
            _ => {}
        }
        // Opening reads and writes files, and may sync them: off the runtime's workers.
        crate::blocking::off_runtime(|| {
            self.open_entry(&mut entry, topic, partition, topic_id, config)
        })
    }

    /// `get_or_open`'s slow path, on the locked entry of a log that is not open and usable.
    fn open_entry(
        &self,
        entry: &mut Entry,
        topic: &str,
        partition: i32,
        topic_id: Uuid,
        config: impl FnOnce() -> LogConfig,
    ) -> Result<SharedLog, LogError> {
        let dir = self.partition_dir(topic, partition);
        let bound = self
            .bind(entry, topic, partition, topic_id, true)
            .and_then(|_| self.make_topic_id_durable(entry, &dir));
        if let Err(e) = bound {
            return Err(self.take_offline(&mut entry.state, topic, partition, e));
        }
        let now_ms = crate::clock::now_ms();
        let opened = match &entry.state {
            LogState::Open(log) => return Ok(Arc::clone(log)),
            LogState::Closed {
                created_empty: true,
            } => PartitionLog::open_created(&dir, config(), now_ms),
            _ => PartitionLog::open_after(&dir, config(), now_ms, self.clean_shutdown),
        };
        match opened {
            Ok(log) => {
                let log = Arc::new(Mutex::new(log));
                if lock(&self.offline)
                    .remove(&(topic.to_owned(), partition))
                    .is_some()
                {
                    tracing::info!(topic, partition, "partition log is back online");
                    self.offline_changed.notify_one();
                }
                entry.state = LogState::Open(Arc::clone(&log));
                Ok(log)
            }
            Err(e) => Err(self.take_offline(&mut entry.state, topic, partition, e)),
        }
    }

    /// Makes the partition's directory that of topic id `topic_id`: creates it with its
    /// `partition.metadata` if absent, records the id in a directory written before kf recorded
    /// topic ids, and deletes a directory of another topic id first (a deleted topic of the same
    /// name left it: its records must never be served as the new topic's). Returns whether it
    /// wrote anything, to be made durable by the caller unless `durable`.
    fn bind(
        &self,
        entry: &mut Entry,
        topic: &str,
        partition: i32,
        topic_id: Uuid,
        durable: bool,
    ) -> Result<bool, LogError> {
        if entry.topic_id == Some(topic_id) {
            return Ok(false);
        }
        // Re-bound: what this run knew of the directory's files no longer holds.
        if let LogState::Closed { created_empty } = &mut entry.state {
            *created_empty = false;
        }
        let dir = self.partition_dir(topic, partition);
        let on_disk = match entry.topic_id {
            Some(known) => Some(known),
            None => read_topic_id(&dir)?,
        };
        entry.listed = false;
        if on_disk == Some(topic_id) {
            entry.topic_id = Some(topic_id);
            return Ok(false);
        }
        if let Some(stale) = on_disk {
            tracing::warn!(
                "deleting {}: it holds topic id {stale}, a deleted topic named {topic}, not the                  current one ({topic_id})",
                dir.display()
            );
            self.delete_entry(entry, &dir)?;
        }
        fs::create_dir_all(&dir).at(&dir)?;
        write_topic_id(&dir, &topic_id, durable)?;
        entry.topic_id = Some(topic_id);
        entry.unsynced =
            (!durable).then(|| self.unsynced_written.fetch_add(1, Ordering::AcqRel) + 1);
        Ok(true)
    }

    /// Syncs the directory's `partition.metadata` if it was written without a sync that no
    /// [`Self::sync`] has covered since, so that a log takes records only once its topic id is
    /// durable (as Kafka's `maybeFlushMetadataFile` before an append).
    fn make_topic_id_durable(&self, entry: &mut Entry, dir: &Path) -> Result<(), LogError> {
        if let Some(written) = entry.unsynced {
            if written > self.synced_through.load(Ordering::Acquire) {
                sync_topic_id(dir)?;
            }
            entry.unsynced = None;
        }
        Ok(())
    }

    /// Deletes the partition's directory; holders of its log see `LogError::Deleted`.
    fn delete_entry(&self, entry: &mut Entry, dir: &Path) -> Result<(), LogError> {
        let state = std::mem::replace(
            &mut entry.state,
            LogState::Closed {
                created_empty: false,
            },
        );
        entry.topic_id = None;
        entry.listed = false;
        match state {
            LogState::Open(log) => lock(&log).delete_files(),
            _ => delete_partition_dir(dir),
        }
    }

    fn take_offline(
        &self,
        state: &mut LogState,
        topic: &str,
        partition: i32,
        error: LogError,
    ) -> LogError {
        let reason = format!("cannot open the log of {topic}-{partition}: {error}");
        tracing::error!(
            "partition {topic}-{partition} is offline (KAFKA_STORAGE_ERROR): {error}; {}; kf \
             tries again every {} ms",
            advice(&error),
            self.offline_retry.as_millis()
        );
        lock(&self.offline).insert((topic.to_owned(), partition), reason.clone());
        if !matches!(state, LogState::Offline { .. }) {
            self.offline_changed.notify_one();
        }
        *state = LogState::Offline {
            reason: reason.clone(),
            retry_at: Instant::now() + self.offline_retry,
        };
        LogError::Offline(reason)
    }

    /// The partition's log, created empty if absent; an existing log takes `config`.
    pub fn get_or_create(
        &self,
        topic: &str,
        partition: i32,
        topic_id: Uuid,
        config: LogConfig,
    ) -> Result<SharedLog, LogError> {
        let mut given = Some(config.clone());
        let log = self.get_or_open(topic, partition, topic_id, || {
            given.take().unwrap_or_default()
        })?;
        if given.is_some() {
            lock(&log).set_config(config);
        }
        Ok(log)
    }

    /// Makes sure the partition has its directory for topic id `topic_id` (see `bind`), with
    /// the files of an empty log in a new one (created and closed: the log is opened at its
    /// first use). A failure takes the partition offline. A partition already bound to that
    /// id, or whose directory was on disk at start, is left as it is (the latter's topic id is
    /// checked when it is opened, or by the stray sweep), so this is cheap to call for every
    /// partition of every image. Returns whether anything was written: the caller makes it
    /// durable with [`Self::sync`], once for many partitions, without waiting (a log opened
    /// first syncs its own).
    pub fn create(&self, topic: &str, partition: i32, topic_id: Uuid) -> Result<bool, LogError> {
        let slot = self.slot_or_insert(topic, partition)?;
        let mut entry = lock(&slot);
        if entry.topic_id == Some(topic_id) || entry.listed {
            return Ok(false);
        }
        if matches!(&entry.state, LogState::Offline { retry_at, .. } if Instant::now() < *retry_at)
        {
            return Ok(false);
        }
        let dir = self.partition_dir(topic, partition);
        let created = self
            .bind(&mut entry, topic, partition, topic_id, false)
            .and_then(|wrote| {
                let empty = wrote && PartitionLog::create_files(&dir, crate::clock::now_ms())?;
                Ok((wrote, empty))
            });
        match created {
            Ok((wrote, empty)) => {
                debug_assert!(entry.topic_id == Some(topic_id));
                // An offline entry stays so: its retry opens the log the usual way.
                if let LogState::Closed { created_empty } = &mut entry.state {
                    debug_assert!(!*created_empty, "bind cleared it");
                    *created_empty = empty;
                }
                Ok(wrote)
            }
            Err(e) => Err(self.take_offline(&mut entry.state, topic, partition, e)),
        }
    }

    /// Whether [`Self::create`] wrote directories that no [`Self::sync`] has made durable yet.
    pub fn has_unsynced(&self) -> bool {
        self.unsynced_written.load(Ordering::Acquire) > self.synced_through.load(Ordering::Acquire)
    }

    /// Makes the directories [`Self::create`] wrote durable, with one `syncfs` for all of them
    /// (a log opened before that syncs its own). One runs at a time: a call that finds one
    /// running asks it for one more round and returns.
    pub fn sync(&self) -> Result<(), LogError> {
        self.sync_wanted.store(true, Ordering::Release);
        let _running = match self.syncing.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(()),
        };
        while self.sync_wanted.swap(false, Ordering::AcqRel) {
            let through = self.unsynced_written.load(Ordering::Acquire);
            sync_filesystem(&self.log_dir)?;
            self.synced_through.fetch_max(through, Ordering::AcqRel);
        }
        Ok(())
    }

    /// Tries the offline partitions whose retry time has come, with the topic id and config
    /// `current` gives (`None`: no longer this broker's to serve); returns those back online.
    pub fn retry_offline(
        &self,
        current: impl Fn(&str, i32) -> Option<(Uuid, LogConfig)>,
    ) -> Vec<(String, i32)> {
        let now = Instant::now();
        let due: Vec<(String, i32)> = lock(&self.logs)
            .iter()
            .filter(|(_, _, slot)| {
                matches!(&lock(slot).state, LogState::Offline { retry_at, .. } if *retry_at <= now)
            })
            .map(|(topic, partition, _)| (topic.to_owned(), partition))
            .collect();
        due.into_iter()
            .filter(|(topic, partition)| {
                current(topic, *partition).is_some_and(|(topic_id, config)| {
                    self.get_or_open(topic, *partition, topic_id, || config)
                        .is_ok()
                })
            })
            .collect()
    }

    /// The partitions this broker cannot serve now, sorted (asked on every heartbeat: it
    /// takes no log's lock).
    pub fn offline_partitions(&self) -> Vec<OfflinePartition> {
        lock(&self.offline)
            .iter()
            .map(|((topic, partition), reason)| OfflinePartition {
                topic: topic.clone(),
                partition: *partition,
                reason: reason.clone(),
            })
            .collect()
    }

    /// Bytes of the partition's segment files; a closed log is measured on disk without
    /// being opened. `None` for a partition not here or offline.
    pub fn size_bytes(&self, topic: &str, partition: i32) -> Option<u64> {
        let slot = self.slot(topic, partition)?;
        let entry = lock(&slot);
        match &entry.state {
            LogState::Open(log) => Some(lock(log).size_bytes()),
            LogState::Offline { .. } => None,
            LogState::Closed { .. } => {
                let dir = self.partition_dir(topic, partition);
                let entries = fs::read_dir(dir).ok()?;
                Some(
                    entries
                        .filter_map(Result::ok)
                        .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
                        .filter_map(|e| e.metadata().ok())
                        .map(|m| m.len())
                        .sum(),
                )
            }
        }
    }

    /// Deletes the partition's log if its directory belongs to topic id `topic_id` (or records
    /// no topic id): renamed `-delete`, then removed; holders of the log see
    /// `LogError::Deleted` from then on. A directory of another topic id (the topic was created
    /// again) and an unknown partition are left alone.
    pub fn remove(&self, topic: &str, partition: i32, topic_id: Uuid) -> Result<(), LogError> {
        self.remove_if(topic, partition, |on_disk| {
            on_disk.is_none_or(|id| id == topic_id)
        })
        .map(|_| ())
    }

    /// Deletes the partition's log when `doomed` says so of the topic id its directory holds;
    /// returns whether it did.
    fn remove_if(
        &self,
        topic: &str,
        partition: i32,
        doomed: impl FnOnce(Option<Uuid>) -> bool,
    ) -> Result<bool, LogError> {
        // The map, then the slot: the order every other path takes them in.
        let mut logs = lock(&self.logs);
        let Some(slot) = logs.get(topic, partition).cloned() else {
            return Ok(false);
        };
        let mut entry = lock(&slot);
        let dir = self.partition_dir(topic, partition);
        let on_disk = match entry.topic_id {
            Some(id) => Some(id),
            None => read_topic_id(&dir)?,
        };
        if !doomed(on_disk) {
            // Kept: what was read from disk is now known (a legacy directory stays unknown).
            if on_disk.is_some() {
                entry.topic_id = on_disk;
                entry.listed = false;
            }
            return Ok(false);
        }
        logs.remove(topic, partition);
        drop(logs);
        if lock(&self.offline)
            .remove(&(topic.to_owned(), partition))
            .is_some()
        {
            self.offline_changed.notify_one();
        }
        self.delete_entry(&mut entry, &dir)?;
        Ok(true)
    }

    /// Deletes every log `is_stray` says this broker must not hold, given the topic id its
    /// directory records (Kafka's stray replicas: a topic deleted while the broker was down or
    /// before a crash let it finish, a partition assigned elsewhere). Call it once the image has
    /// caught up with the metadata log. Returns the partitions deleted.
    pub fn remove_strays(
        &self,
        is_stray: impl Fn(&str, i32, Option<Uuid>) -> bool,
    ) -> Vec<(String, i32)> {
        let mut removed = Vec::new();
        for (topic, partition) in self.partitions() {
            match self.remove_if(&topic, partition, |id| is_stray(&topic, partition, id)) {
                Ok(true) => removed.push((topic, partition)),
                Ok(false) => {}
                Err(e) => tracing::warn!(topic, partition, error = %e, "cannot delete a stray log"),
            }
        }
        removed
    }

    /// Every (topic, partition) with a log here (open, closed or offline), sorted.
    pub fn partitions(&self) -> Vec<(String, i32)> {
        lock(&self.logs)
            .iter()
            .map(|(topic, partition, _)| (topic.to_owned(), partition))
            .collect()
    }

    /// The partitions whose logs are on disk and not opened in this run (nor offline), sorted.
    pub fn closed_partitions(&self) -> Vec<(String, i32)> {
        lock(&self.logs)
            .iter()
            .filter(|(_, _, slot)| matches!(lock(slot).state, LogState::Closed { .. }))
            .map(|(topic, partition, _)| (topic.to_owned(), partition))
            .collect()
    }

    /// The logs opened in this run, sorted by partition.
    pub fn open_logs(&self) -> Vec<((String, i32), SharedLog)> {
        lock(&self.logs)
            .iter()
            .filter_map(|(topic, partition, slot)| match &lock(slot).state {
                LogState::Open(log) => Some(((topic.to_owned(), partition), Arc::clone(log))),
                _ => None,
            })
            .collect()
    }

    /// Flushes every open log (closed ones have nothing unflushed).
    pub fn flush_all(&self) -> Result<(), LogError> {
        for (_, log) in self.open_logs() {
            lock(&log).flush()?;
        }
        Ok(())
    }

    /// A clean shutdown: makes every write durable, moves each open log's recovery point to its
    /// end, closes their descriptors and leaves the clean-shutdown marker, so the next start
    /// trusts what it finds. The filesystem is synced as a whole (twice), not file by file:
    /// thousands of fsyncs made a clean stop take longer than a crash recovery.
    pub fn shutdown(&self) -> Result<(), LogError> {
        sync_filesystem(&self.log_dir)?;
        let logs = self.open_logs();
        for (_, log) in &logs {
            let mut log = lock(log);
            log.mark_flushed()?;
            log.close_files();
        }
        let marker = self.log_dir.join(CLEAN_SHUTDOWN_FILE);
        fs::write(&marker, b"").at(&marker)?;
        sync_filesystem(&self.log_dir)
    }
}

#[cfg(test)]
mod tests;
