//! `LogManager`: the partition logs of one broker log directory, `<log_dir>/<topic>-<partition>/`.
//!
//! Logs are opened when first used, not at start: starting lists the partition directories and
//! nothing more, so a broker with many partitions starts at once and never needs a descriptor
//! per partition. A log that cannot be opened or created (out of descriptors, a bad disk) makes
//! that partition offline, with the reason, and is retried later; the others carry on. As in
//! Kafka, a clean shutdown leaves `.kafka_cleanshutdown` in the directory, so logs opened after
//! it skip the recovery scan of their active segment; the marker is removed at start, so a crash
//! in this run makes the next start scan again.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::checkpoint::sync_filesystem;
use super::config::LogConfig;
use super::error::{IoContext, LogError};
use super::partition_log::PartitionLog;

type SharedLog = Arc<Mutex<PartitionLog>>;
type Slot = Arc<Mutex<LogState>>;

/// Kafka's clean-shutdown marker, written in the log directory once every log is flushed.
pub const CLEAN_SHUTDOWN_FILE: &str = ".kafka_cleanshutdown";
/// How long an offline partition waits before its log is tried again.
pub const OFFLINE_RETRY: Duration = Duration::from_secs(10);

enum LogState {
    /// On disk and not opened in this run.
    Closed,
    Open(SharedLog),
    /// Opening or creating failed; tried again from `retry_at`.
    Offline {
        reason: String,
        retry_at: Instant,
    },
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
    /// The map's lock is held only to look a slot up; a log is opened under its slot's lock.
    logs: Mutex<BTreeMap<(String, i32), Slot>>,
}

/// Splits Kafka's `<topic>-<partition>` directory name; `None` for anything else (such as the
/// `-delete` and `-future` directories Kafka leaves around, or checkpoint files).
pub fn parse_partition_dir_name(name: &str) -> Option<(String, i32)> {
    let (topic, partition) = name.rsplit_once('-')?;
    if topic.is_empty() || partition.is_empty() || !partition.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((topic.to_owned(), partition.parse().ok()?))
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
        let marker = log_dir.join(CLEAN_SHUTDOWN_FILE);
        let clean_shutdown = marker.exists();
        if clean_shutdown {
            fs::remove_file(&marker).at(&marker)?;
        }
        let mut logs = BTreeMap::new();
        for entry in fs::read_dir(log_dir).at(log_dir)? {
            let entry = entry.at(log_dir)?;
            let name = entry.file_name();
            let Some(key) = name.to_str().and_then(parse_partition_dir_name) else {
                continue;
            };
            if entry.file_type().at(&entry.path())?.is_dir() {
                logs.insert(key, Arc::new(Mutex::new(LogState::Closed)));
            }
        }
        Ok(Self {
            log_dir: log_dir.to_path_buf(),
            clean_shutdown,
            logs: Mutex::new(logs),
        })
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
        lock(&self.logs)
            .get(&(topic.to_owned(), partition))
            .cloned()
    }

    fn slot_or_insert(&self, topic: &str, partition: i32) -> Result<Slot, LogError> {
        let key = (topic.to_owned(), partition);
        let name = format!("{topic}-{partition}");
        if parse_partition_dir_name(&name).as_ref() != Some(&key) {
            return Err(LogError::InvalidPartitionDir(name));
        }
        let mut logs = lock(&self.logs);
        let slot = logs
            .entry(key)
            .or_insert_with(|| Arc::new(Mutex::new(LogState::Closed)));
        Ok(Arc::clone(slot))
    }

    /// The partition's log if it is open (no I/O).
    pub fn get(&self, topic: &str, partition: i32) -> Option<SharedLog> {
        let slot = self.slot(topic, partition)?;
        let state = lock(&slot);
        match &*state {
            LogState::Open(log) => Some(Arc::clone(log)),
            _ => None,
        }
    }

    /// The partition's log, opened now if it was not (with `config()`), created empty if it
    /// does not exist. An offline partition answers [`LogError::Offline`] until its retry time.
    pub fn get_or_open(
        &self,
        topic: &str,
        partition: i32,
        config: impl FnOnce() -> LogConfig,
    ) -> Result<SharedLog, LogError> {
        let slot = self.slot_or_insert(topic, partition)?;
        let mut state = lock(&slot);
        match &*state {
            LogState::Open(log) => return Ok(Arc::clone(log)),
            LogState::Offline { reason, retry_at } if Instant::now() < *retry_at => {
                return Err(LogError::Offline(reason.clone()));
            }
            _ => {}
        }
        let dir = self.partition_dir(topic, partition);
        match PartitionLog::open_after(&dir, config(), crate::clock::now_ms(), self.clean_shutdown)
        {
            Ok(log) => {
                let log = Arc::new(Mutex::new(log));
                if matches!(*state, LogState::Offline { .. }) {
                    tracing::info!(topic, partition, "partition log is back online");
                }
                *state = LogState::Open(Arc::clone(&log));
                Ok(log)
            }
            Err(e) => Err(self.take_offline(&mut state, topic, partition, e)),
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
             tries again every {}s",
            advice(&error),
            OFFLINE_RETRY.as_secs()
        );
        *state = LogState::Offline {
            reason: reason.clone(),
            retry_at: Instant::now() + OFFLINE_RETRY,
        };
        LogError::Offline(reason)
    }

    /// The partition's log, created empty if absent; an existing log takes `config`.
    pub fn get_or_create(
        &self,
        topic: &str,
        partition: i32,
        config: LogConfig,
    ) -> Result<SharedLog, LogError> {
        let mut given = Some(config.clone());
        let log = self.get_or_open(topic, partition, || given.take().unwrap_or_default())?;
        if given.is_some() {
            lock(&log).set_config(config);
        }
        Ok(log)
    }

    /// Makes sure the partition has its directory, without opening its log (that waits for its
    /// first use). A failure takes the partition offline. A partition already known is left as
    /// it is, so this is cheap to call for every partition of every image.
    pub fn create(&self, topic: &str, partition: i32) -> Result<(), LogError> {
        if self.slot(topic, partition).is_some() {
            return Ok(());
        }
        let slot = self.slot_or_insert(topic, partition)?;
        let mut state = lock(&slot);
        let dir = self.partition_dir(topic, partition);
        match fs::create_dir_all(&dir).at(&dir) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.take_offline(&mut state, topic, partition, e)),
        }
    }

    /// Tries the offline partitions whose retry time has come; returns those back online.
    pub fn retry_offline(&self, config: impl Fn(&str) -> LogConfig) -> Vec<(String, i32)> {
        let now = Instant::now();
        let due: Vec<(String, i32)> = lock(&self.logs)
            .iter()
            .filter(|(_, slot)| {
                matches!(&*lock(slot), LogState::Offline { retry_at, .. } if *retry_at <= now)
            })
            .map(|(key, _)| key.clone())
            .collect();
        due.into_iter()
            .filter(|(topic, partition)| {
                self.get_or_open(topic, *partition, || config(topic))
                    .is_ok()
            })
            .collect()
    }

    /// The partitions this broker cannot serve now, sorted.
    pub fn offline_partitions(&self) -> Vec<OfflinePartition> {
        lock(&self.logs)
            .iter()
            .filter_map(|((topic, partition), slot)| match &*lock(slot) {
                LogState::Offline { reason, .. } => Some(OfflinePartition {
                    topic: topic.clone(),
                    partition: *partition,
                    reason: reason.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Bytes of the partition's segment files; a closed log is measured on disk without
    /// being opened. `None` for a partition not here or offline.
    pub fn size_bytes(&self, topic: &str, partition: i32) -> Option<u64> {
        let slot = self.slot(topic, partition)?;
        let state = lock(&slot);
        match &*state {
            LogState::Open(log) => Some(lock(log).size_bytes()),
            LogState::Offline { .. } => None,
            LogState::Closed => {
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

    /// Forgets the partition and deletes its directory; holders of the log see
    /// `LogError::Deleted` from then on. Removing an unknown partition is not an error.
    pub fn remove(&self, topic: &str, partition: i32) -> Result<(), LogError> {
        let removed = lock(&self.logs).remove(&(topic.to_owned(), partition));
        let Some(slot) = removed else {
            return Ok(());
        };
        let state = lock(&slot);
        match &*state {
            LogState::Open(log) => lock(log).delete_files(),
            _ => {
                let dir = self.partition_dir(topic, partition);
                match fs::remove_dir_all(&dir) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).at(&dir),
                    _ => Ok(()),
                }
            }
        }
    }

    /// Every (topic, partition) with a log here (open, closed or offline), sorted.
    pub fn partitions(&self) -> Vec<(String, i32)> {
        lock(&self.logs).keys().cloned().collect()
    }

    /// The logs opened in this run, sorted by partition.
    pub fn open_logs(&self) -> Vec<((String, i32), SharedLog)> {
        lock(&self.logs)
            .iter()
            .filter_map(|(key, slot)| match &*lock(slot) {
                LogState::Open(log) => Some((key.clone(), Arc::clone(log))),
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
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn logs_can_be_shared_across_tasks() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<LogManager>();
        assert_send_sync::<SharedLog>();
    }

    #[test]
    fn parses_topic_partition_dir_names() {
        assert_eq!(
            parse_partition_dir_name("my-topic-3"),
            Some(("my-topic".to_owned(), 3))
        );
        assert_eq!(parse_partition_dir_name("topic-x"), None);
        assert_eq!(parse_partition_dir_name("-1"), None);
        assert_eq!(parse_partition_dir_name("t-+1"), None);
        assert_eq!(parse_partition_dir_name("t.abc-delete"), None);
    }

    #[test]
    fn reopen_finds_partitions_lazily_and_remove_deletes_them() {
        let dir = tempfile::tempdir().unwrap();
        let manager = LogManager::open(dir.path()).unwrap();
        manager
            .get_or_create("orders", 0, LogConfig::default())
            .unwrap();
        manager.create("orders", 1).unwrap();
        assert!(manager.get("orders", 1).is_none(), "created, not opened");
        assert!(manager.get("orders", 2).is_none());
        std::fs::write(dir.path().join("meta.properties"), "x").unwrap();
        manager.shutdown().unwrap();
        drop(manager);

        let manager = LogManager::open(dir.path()).unwrap();
        assert!(manager.clean_shutdown());
        assert!(!dir.path().join(CLEAN_SHUTDOWN_FILE).exists());
        assert_eq!(
            manager.partitions(),
            vec![("orders".to_owned(), 0), ("orders".to_owned(), 1)]
        );
        assert!(
            manager.get("orders", 1).is_none(),
            "nothing opened at start"
        );
        assert_eq!(manager.size_bytes("orders", 0), Some(0));
        let log = manager
            .get_or_open("orders", 1, LogConfig::default)
            .unwrap();
        manager.remove("orders", 1).unwrap();
        assert!(!dir.path().join("orders-1").exists());
        assert!(matches!(
            lock(&log).read(0, 100, 0),
            Err(LogError::Deleted(_))
        ));
        manager.remove("orders", 0).unwrap();
        assert!(!dir.path().join("orders-0").exists());
        assert!(manager.partitions().is_empty());
        drop(manager);
        assert!(!LogManager::open(dir.path()).unwrap().clean_shutdown());
    }

    #[test]
    fn a_log_that_cannot_be_opened_is_offline_and_the_others_serve() {
        let dir = tempfile::tempdir().unwrap();
        let manager = LogManager::open(dir.path()).unwrap();
        // A file where the partition directory should be: its log cannot be created.
        std::fs::write(dir.path().join("bad-0"), "x").unwrap();
        let error = manager
            .get_or_open("bad", 0, LogConfig::default)
            .err()
            .unwrap();
        assert_eq!(
            error.error(),
            kafka_protocol::error::ResponseError::KafkaStorageError
        );
        assert!(matches!(
            manager.get_or_open("bad", 0, LogConfig::default),
            Err(LogError::Offline(_))
        ));
        let offline = manager.offline_partitions();
        assert_eq!(offline.len(), 1);
        assert!(offline[0].reason.contains("bad-0"), "{}", offline[0].reason);
        manager.get_or_open("good", 0, LogConfig::default).unwrap();
        assert!(manager.retry_offline(|_| LogConfig::default()).is_empty());
    }
}
