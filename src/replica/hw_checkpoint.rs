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
    /// Every partition's high watermark as last known: loaded at start, then updated from the
    /// hosted partitions at each write (a partition not hosted yet keeps its loaded value).
    known: Mutex<HashMap<TopicPartition, i64>>,
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

impl HighWatermarkCheckpoint {
    /// Reads the checkpoint in `log_dir`; a missing, unreadable or malformed one gives no high
    /// watermarks (each partition then starts at its log start, as before the first write).
    pub fn load(log_dir: &Path) -> Self {
        let path = log_dir.join(REPLICATION_OFFSET_CHECKPOINT);
        let known = match read_checkpoint(&path) {
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
            known: Mutex::new(known),
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<TopicPartition, i64>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The high watermark checkpointed for `tp`, if any.
    pub fn get(&self, tp: &TopicPartition) -> Option<i64> {
        self.known().get(tp).copied()
    }

    /// Forgets a deleted partition (it leaves the file at the next write).
    pub fn remove(&self, tp: &TopicPartition) {
        self.known().remove(tp);
    }

    /// Writes `high_watermarks` (the hosted partitions' own) over what is known and replaces
    /// the file; synced when `durable`.
    pub fn write(
        &self,
        high_watermarks: impl IntoIterator<Item = (TopicPartition, i64)>,
        durable: bool,
    ) -> Result<(), LogError> {
        let mut known = self.known();
        known.extend(high_watermarks);
        let mut entries: Vec<_> = known.iter().collect();
        entries.sort();
        let lines: Vec<String> = entries
            .into_iter()
            .map(|(tp, hw)| format!("{} {} {hw}", tp.topic, tp.partition))
            .collect();
        write_checkpoint(&self.path, &lines, durable)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn written_in_kafkas_format_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let checkpoint = HighWatermarkCheckpoint::load(dir.path());
        assert_eq!(checkpoint.get(&TopicPartition::new("a", 0)), None);
        checkpoint
            .write(
                [
                    (TopicPartition::new("b", 1), 7),
                    (TopicPartition::new("a", 0), 42),
                ],
                true,
            )
            .unwrap();
        let text = std::fs::read_to_string(dir.path().join(REPLICATION_OFFSET_CHECKPOINT)).unwrap();
        assert_eq!(text, "0\n2\na 0 42\nb 1 7\n");
        let reloaded = HighWatermarkCheckpoint::load(dir.path());
        assert_eq!(reloaded.get(&TopicPartition::new("a", 0)), Some(42));
        reloaded.remove(&TopicPartition::new("a", 0));
        reloaded
            .write([(TopicPartition::new("b", 1), 9)], false)
            .unwrap();
        let text = std::fs::read_to_string(dir.path().join(REPLICATION_OFFSET_CHECKPOINT)).unwrap();
        assert_eq!(text, "0\n1\nb 1 9\n");
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
