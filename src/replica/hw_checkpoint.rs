//! The high watermarks of a broker's partitions in Kafka's `replication-offset-checkpoint` (one
//! per log directory: a version line `0`, a count line, then `topic partition offset` lines),
//! written every `replica.high.watermark.checkpoint.interval.ms` and at a clean shutdown, read
//! at start. A restarted replica's high watermark starts from it (bounded by its log) instead
//! of its log start, so that a restarted broker that comes to lead never answers a consumer
//! with a latest offset, or serves it a high watermark, far behind what the cluster exposed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use tracing::warn;

use super::TopicPartition;
use crate::log::{read_checkpoint, write_checkpoint, LogError};

pub const REPLICATION_OFFSET_CHECKPOINT: &str = "replication-offset-checkpoint";

/// The checkpoint of one log directory and the high watermarks last read from or written to it.
pub(super) struct HighWatermarkCheckpoint {
    path: PathBuf,
    known: Mutex<Known>,
    /// Held while the file is replaced, so two writes never share its temporary file.
    writing: Mutex<()>,
}

struct Known {
    /// Every partition's high watermark as last known: loaded at start, then updated from the
    /// hosted partitions (a partition not hosted yet keeps its loaded value).
    high_watermarks: HashMap<TopicPartition, i64>,
    /// Something moved or was removed since the file was last written: an idle broker's
    /// periodic checkpoint then writes nothing (at 100,000 partitions every write was a
    /// 3 MB file, every 5 s, for no change).
    dirty: bool,
}

fn parse_entry(line: &str) -> Option<(TopicPartition, i64)> {
    let mut parts = line.split_whitespace();
    let topic = parts.next()?;
    let partition = parts.next()?.parse().ok()?;
    let offset = parts.next()?.parse().ok()?;
    parts
        .next()
        .is_none()
        .then(|| (TopicPartition::new(topic, partition), offset))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl HighWatermarkCheckpoint {
    /// Reads the checkpoint in `log_dir`; a missing, unreadable or malformed one gives no high
    /// watermarks (each partition then starts at its log start, as before the first write).
    pub fn load(log_dir: &Path) -> Self {
        let path = log_dir.join(REPLICATION_OFFSET_CHECKPOINT);
        let high_watermarks = match read_checkpoint(&path) {
            Ok(lines) => lines
                .and_then(|lines| lines.iter().map(|l| parse_entry(l)).collect())
                .unwrap_or_default(),
            Err(e) => {
                warn!(path = %path.display(), error = %e, "cannot read the high watermark checkpoint");
                HashMap::new()
            }
        };
        Self {
            path,
            known: Mutex::new(Known {
                high_watermarks,
                dirty: false,
            }),
            writing: Mutex::new(()),
        }
    }

    /// The high watermark checkpointed for `tp`, if any.
    pub fn get(&self, tp: &TopicPartition) -> Option<i64> {
        lock(&self.known).high_watermarks.get(tp).copied()
    }

    /// Forgets a deleted partition (it leaves the file at the next write).
    pub fn remove(&self, tp: &TopicPartition) {
        let mut known = lock(&self.known);
        if known.high_watermarks.remove(tp).is_some() {
            known.dirty = true;
        }
    }

    /// Takes the hosted partitions' own high watermarks; only those that moved are copied.
    pub fn update<'a>(&self, high_watermarks: impl IntoIterator<Item = (&'a TopicPartition, i64)>) {
        let mut known = lock(&self.known);
        let mut moved = false;
        for (tp, hw) in high_watermarks {
            match known.high_watermarks.get_mut(tp) {
                Some(known_hw) if *known_hw == hw => {}
                Some(known_hw) => {
                    *known_hw = hw;
                    moved = true;
                }
                None => {
                    known.high_watermarks.insert(tp.clone(), hw);
                    moved = true;
                }
            }
        }
        known.dirty |= moved;
    }

    /// Replaces the file with what is known if anything changed since it was last written, or
    /// always when `durable` (then synced). Answers whether it wrote.
    pub fn write(&self, durable: bool) -> Result<bool, LogError> {
        let _writing = lock(&self.writing);
        let lines: Vec<String> = {
            let mut known = lock(&self.known);
            if !known.dirty && !durable {
                return Ok(false);
            }
            known.dirty = false;
            let mut entries: Vec<_> = known.high_watermarks.iter().collect();
            entries.sort();
            entries
                .into_iter()
                .map(|(tp, hw)| format!("{} {} {hw}", tp.topic, tp.partition))
                .collect()
        };
        let written = write_checkpoint(&self.path, &lines, durable);
        if written.is_err() {
            lock(&self.known).dirty = true;
        }
        written.map(|()| true)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn written_in_kafkas_format_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(REPLICATION_OFFSET_CHECKPOINT);
        let checkpoint = HighWatermarkCheckpoint::load(dir.path());
        let (a, b) = (TopicPartition::new("a", 0), TopicPartition::new("b", 1));
        assert_eq!(checkpoint.get(&a), None);
        checkpoint.update([(&b, 7), (&a, 42)]);
        assert!(checkpoint.write(false).unwrap());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "0\n2\na 0 42\nb 1 7\n"
        );
        let reloaded = HighWatermarkCheckpoint::load(dir.path());
        assert_eq!(reloaded.get(&a), Some(42));
        reloaded.remove(&a);
        reloaded.update([(&b, 9)]);
        assert!(reloaded.write(false).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "0\n1\nb 1 9\n");
    }

    #[test]
    fn only_a_moved_high_watermark_is_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(REPLICATION_OFFSET_CHECKPOINT);
        let checkpoint = HighWatermarkCheckpoint::load(dir.path());
        let a = TopicPartition::new("a", 0);
        checkpoint.update([(&a, 3)]);
        assert!(checkpoint.write(false).unwrap());
        std::fs::remove_file(&path).unwrap();
        checkpoint.update([(&a, 3)]);
        assert!(!checkpoint.write(false).unwrap(), "nothing moved");
        assert!(!path.exists());
        assert!(
            checkpoint.write(true).unwrap(),
            "a durable write always writes"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "0\n1\na 0 3\n");
        checkpoint.update([(&a, 4)]);
        assert!(checkpoint.write(false).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "0\n1\na 0 4\n");
        checkpoint.remove(&TopicPartition::new("gone", 0));
        assert!(
            !checkpoint.write(false).unwrap(),
            "nothing known was removed"
        );
        checkpoint.remove(&a);
        assert!(checkpoint.write(false).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "0\n0\n");
    }

    #[test]
    fn a_malformed_checkpoint_gives_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(REPLICATION_OFFSET_CHECKPOINT);
        std::fs::write(&path, "0\n2\na 0 42\n").unwrap();
        assert_eq!(
            HighWatermarkCheckpoint::load(dir.path()).get(&TopicPartition::new("a", 0)),
            None
        );
        std::fs::write(&path, "0\n1\na x 42\n").unwrap();
        assert_eq!(
            HighWatermarkCheckpoint::load(dir.path()).get(&TopicPartition::new("a", 0)),
            None
        );
    }
}
