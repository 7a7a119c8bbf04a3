//! Metadata snapshots: on request ([`snapshot_and_compact`]) and by size, as KRaft's
//! `metadata.log.max.record.bytes.between.snapshots`: once the metadata log holds more than
//! that many bytes past the node's last snapshot, the node snapshots its image and drops the
//! entries the snapshot covers. A large topic creation (100,000 partitions is one entry of
//! about 20 MB) is then neither kept in memory nor replayed at every start: a start reads the
//! snapshot and the short log after it.
//!
//! Differs from Kafka: the threshold is 8 MiB where Kafka's default is 20 MiB, since kf keeps
//! the entries after the snapshot in memory (Kafka reads them from its segments).

use std::time::Duration;

use tokio::sync::watch;

use super::log_store::LogStore;
use super::MetadataRaft;
use crate::metadata::QuorumError;

/// The metadata log bytes past the last snapshot that make a node take a new one.
pub const MAX_BYTES_BETWEEN_SNAPSHOTS: u64 = 8 * 1024 * 1024;
/// How long the log must stay without a new applied entry before a snapshot by size is taken...
const QUIET: Duration = Duration::from_millis(300);
/// ... waiting at most this long under a steady stream of writes.
const MAX_BURST_WAIT: Duration = Duration::from_secs(5);
/// How long a snapshot taken by size may take to build (the image of 100,000 partitions is
/// written as one file) before this round is given up.
const BUILD_TIMEOUT: Duration = Duration::from_secs(120);

/// Snapshots `raft`'s image up to its last applied entry and purges the log up to it once
/// every follower has it. Purging is asynchronous in openraft; the log shrinks shortly after.
pub async fn snapshot_and_compact(
    raft: &MetadataRaft,
    timeout: Duration,
) -> Result<(), QuorumError> {
    let Some(target) = raft.metrics().borrow().last_applied else {
        return Ok(());
    };
    raft.trigger().snapshot().await.map_err(raft_error)?;
    let mut metrics = raft.metrics();
    let built = async {
        let result = metrics
            .wait_for(|m| m.snapshot.is_some_and(|s| s.index >= target.index))
            .await;
        result.map(|m| m.snapshot.map_or(target.index, |s| s.index))
    };
    // The snapshot may cover more than `target` (the metrics' applied index lags the state
    // machine's): everything it covers is purged, or an entry it took in stays in the log.
    let covered = match tokio::time::timeout(timeout, built).await {
        Ok(Ok(index)) => index,
        Ok(Err(_)) => return Err(QuorumError::Raft("raft stopped".into())),
        Err(_) => return Err(QuorumError::Timeout(timeout)),
    };
    raft.trigger().purge_log(covered).await.map_err(raft_error)
}

/// After each applied entry, snapshots when the log holds more than `max_bytes` past the last
/// snapshot; runs until the node's state machine stops.
pub async fn snapshot_by_size(
    raft: MetadataRaft,
    log_store: LogStore,
    mut applied: watch::Receiver<Option<u64>>,
    max_bytes: u64,
) {
    while applied.changed().await.is_ok() {
        let snapshot = raft.metrics().borrow().snapshot.map(|s| s.index);
        if log_store.bytes_after(snapshot) <= max_bytes {
            continue;
        }
        // A burst of writes (a restart's fencing and elections, tens of MB at 100,000
        // partitions) is let finish first: one snapshot after it, not one per threshold of it,
        // each serializing the whole image while the burst is being applied.
        let burst_end = tokio::time::Instant::now() + MAX_BURST_WAIT;
        loop {
            match tokio::time::timeout_at(
                burst_end.min(tokio::time::Instant::now() + QUIET),
                applied.changed(),
            )
            .await
            {
                Ok(Ok(())) if tokio::time::Instant::now() < burst_end => continue,
                Ok(Err(_)) => return,
                _ => break,
            }
        }
        if let Err(error) = snapshot_and_compact(&raft, BUILD_TIMEOUT).await {
            tracing::warn!(%error, "cannot snapshot the metadata image");
        }
    }
}

fn raft_error(error: impl std::fmt::Display) -> QuorumError {
    QuorumError::Raft(error.to_string())
}
