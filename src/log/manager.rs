//! `LogManager`: the partition logs of one broker log directory, `<log_dir>/<topic>-<partition>/`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::config::LogConfig;
use super::error::{IoContext, LogError};
use super::partition_log::PartitionLog;

type SharedLog = Arc<Mutex<PartitionLog>>;

pub struct LogManager {
    log_dir: PathBuf,
    logs: Mutex<BTreeMap<(String, i32), SharedLog>>,
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

impl LogManager {
    /// Opens every partition directory in `log_dir` with Kafka's default log config; the
    /// broker applies topic configs with [`Self::get_or_create`] or `set_config`.
    pub fn open(log_dir: &Path) -> Result<Self, LogError> {
        Self::open_with(log_dir, &LogConfig::default())
    }

    /// [`Self::open`] with the config existing logs are opened with.
    pub fn open_with(log_dir: &Path, config: &LogConfig) -> Result<Self, LogError> {
        fs::create_dir_all(log_dir).at(log_dir)?;
        let mut logs = BTreeMap::new();
        for entry in fs::read_dir(log_dir).at(log_dir)? {
            let entry = entry.at(log_dir)?;
            if !entry.file_type().at(&entry.path())?.is_dir() {
                continue;
            }
            let name = entry.file_name();
            let Some(key) = name.to_str().and_then(parse_partition_dir_name) else {
                continue;
            };
            let log = PartitionLog::open(&entry.path(), config.clone())?;
            logs.insert(key, Arc::new(Mutex::new(log)));
        }
        Ok(Self {
            log_dir: log_dir.to_path_buf(),
            logs: Mutex::new(logs),
        })
    }

    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    pub fn partition_dir(&self, topic: &str, partition: i32) -> PathBuf {
        self.log_dir.join(format!("{topic}-{partition}"))
    }

    pub fn get(&self, topic: &str, partition: i32) -> Option<SharedLog> {
        lock(&self.logs)
            .get(&(topic.to_owned(), partition))
            .cloned()
    }

    /// The partition's log, created empty if absent; an existing log takes `config`.
    pub fn get_or_create(
        &self,
        topic: &str,
        partition: i32,
        config: LogConfig,
    ) -> Result<SharedLog, LogError> {
        let mut logs = lock(&self.logs);
        let key = (topic.to_owned(), partition);
        if let Some(log) = logs.get(&key) {
            lock(log).set_config(config);
            return Ok(Arc::clone(log));
        }
        let name = format!("{topic}-{partition}");
        if parse_partition_dir_name(&name).as_ref() != Some(&key) {
            return Err(LogError::InvalidPartitionDir(name));
        }
        let log = Arc::new(Mutex::new(PartitionLog::open(
            &self.partition_dir(topic, partition),
            config,
        )?));
        logs.insert(key, Arc::clone(&log));
        Ok(log)
    }

    /// Forgets the partition and deletes its directory; holders of the log see
    /// `LogError::Deleted` from then on. Removing an unknown partition is not an error.
    pub fn remove(&self, topic: &str, partition: i32) -> Result<(), LogError> {
        let removed = lock(&self.logs).remove(&(topic.to_owned(), partition));
        match removed {
            Some(log) => lock(&log).delete_files(),
            None => Ok(()),
        }
    }

    /// Every (topic, partition) with a log here, sorted.
    pub fn partitions(&self) -> Vec<(String, i32)> {
        lock(&self.logs).keys().cloned().collect()
    }

    /// Flushes every log (for a clean shutdown).
    pub fn flush_all(&self) -> Result<(), LogError> {
        let logs: Vec<SharedLog> = lock(&self.logs).values().cloned().collect();
        for log in logs {
            lock(&log).flush()?;
        }
        Ok(())
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
    fn reopen_finds_partitions_and_remove_deletes_them() {
        let dir = tempfile::tempdir().unwrap();
        let manager = LogManager::open(dir.path()).unwrap();
        manager
            .get_or_create("orders", 0, LogConfig::default())
            .unwrap();
        manager
            .get_or_create("orders", 1, LogConfig::default())
            .unwrap();
        assert!(manager.get("orders", 2).is_none());
        std::fs::write(dir.path().join("meta.properties"), "x").unwrap();
        drop(manager);

        let manager = LogManager::open(dir.path()).unwrap();
        assert_eq!(
            manager.partitions(),
            vec![("orders".to_owned(), 0), ("orders".to_owned(), 1)]
        );
        let log = manager.get("orders", 1).unwrap();
        manager.remove("orders", 1).unwrap();
        assert!(!dir.path().join("orders-1").exists());
        assert!(matches!(
            lock(&log).read(0, 100, 0),
            Err(LogError::Deleted(_))
        ));
        assert_eq!(manager.partitions(), vec![("orders".to_owned(), 0)]);
    }
}
