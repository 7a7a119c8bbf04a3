//! Keeping the partitions this broker hosts in step with its metadata image: each new image
//! goes to the `ReplicaManager` (create logs, become leader or follower, config changes,
//! deletions) and followers get a fetcher for their leader; between images, the logs of offline
//! partitions are tried again and leaders check their ISR for lagging followers. Once the image
//! has caught up at start, the stray logs a crash left are deleted
//! ([`Broker::remove_stray_partitions`]). Applying an image creates directories, syncing them
//! follows in the background, and a retry opens logs: all on blocking threads, never on the
//! runtime's workers, which every broker of the process shares (a large topic created must not
//! stall the cluster).

use std::sync::Arc;
use std::time::Duration;

use tracing::warn;

use super::Broker;
use crate::metadata::{MetadataImage, TopicImage};
use crate::replica::{fetcher, isr};

/// Follows this broker's metadata image and keeps its partitions in step, until the image
/// sender closes; between images, tries the logs of offline partitions again.
pub async fn run_partition_sync(broker: Arc<Broker>) {
    let mut images = broker.quorum.subscribe();
    let mut previous = images.borrow_and_update().clone();
    apply_image(&broker, None, previous.clone()).await;
    fetcher::ensure_fetchers(&broker);
    sync_new_directories(&broker);
    let mut retries = tokio::time::interval(broker.logs.offline_retry());
    // Kafka checks the ISR every half replica.lag.time.max.ms.
    let isr_check_ms = u64::try_from(broker.config.replica_lag_time_max_ms / 2).unwrap_or(0);
    let mut isr_checks = tokio::time::interval(Duration::from_millis(isr_check_ms.max(1)));
    loop {
        tokio::select! {
            changed = images.changed() => {
                if changed.is_err() {
                    return;
                }
                let image = images.borrow_and_update().clone();
                apply_image(&broker, Some(previous), image.clone()).await;
                fetcher::ensure_fetchers(&broker);
                sync_new_directories(&broker);
                previous = image;
            }
            _ = isr_checks.tick() => isr::shrink_lagging(&broker),
            _ = retries.tick() => {
                let retrying = broker.clone();
                let retried = tokio::task::spawn_blocking(move || {
                    let image = retrying.image();
                    retrying.logs.retry_offline(|topic, partition| {
                        let id = image.topics.get(topic)?.topic_id;
                        image
                            .partition(topic, partition)
                            .filter(|p| p.replicas.contains(&retrying.broker_id))?;
                        Some((id, retrying.replicas.log_config(&image, topic)))
                    });
                });
                if let Err(e) = retried.await {
                    warn!(broker = broker.broker_id, error = %e, "retrying offline logs failed");
                }
            }
        }
    }
}

/// Makes the partition directories the last image created durable in the background: the
/// followers fetch meanwhile (a log syncs its own directory when it is opened first, so no log
/// takes a record before its topic id is durable).
fn sync_new_directories(broker: &Arc<Broker>) {
    if !broker.logs.has_unsynced() {
        return;
    }
    let syncing = broker.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = syncing.logs.sync() {
            warn!(broker = syncing.broker_id, error = %e, "cannot sync the new partition directories");
        }
    });
}

/// Partitions one image adds to a broker from which the memory freed meanwhile is handed back.
const LARGE_GROWTH: usize = 1000;

/// `ReplicaManager::apply_image` on a blocking thread; waits for it, so images apply in order.
async fn apply_image(
    broker: &Arc<Broker>,
    previous: Option<Arc<MetadataImage>>,
    image: Arc<MetadataImage>,
) {
    let applying = broker.clone();
    let applied = tokio::task::spawn_blocking(move || {
        applying.peers.faults().wait_for_disk(applying.broker_id);
        let hosted = applying.replicas.hosted_count();
        applying.replicas.apply_image(previous.as_deref(), &image);
        // A topic of many partitions was created (or a broker started hosting its partitions):
        // what its records, images and replies needed on the way is free now, and would stay
        // resident. Only then: trimming after every large change (a restart's elections,
        // 2,000 records a batch) made the restart and the next large allocations slower.
        if applying.replicas.hosted_count() >= hosted + LARGE_GROWTH {
            crate::huge_alloc::release_free_memory();
        }
    });
    if let Err(e) = applied.await {
        warn!(broker = broker.broker_id, error = %e, "applying a metadata image failed");
    }
}

/// Writes the hosted partitions' high watermarks to `replication-offset-checkpoint` every
/// `replica.high.watermark.checkpoint.interval.ms`, as Kafka's ReplicaManager (a clean stop
/// writes it once more, see `cluster::stop_running`). Unlike Kafka the periodic write is not
/// synced (it is replaced whole by a rename): a lost or older one only starts a restarted
/// replica's high watermark lower, which is safe, and the fsyncs competed with the metadata
/// log's on a busy disk. Nor is it written when no high watermark moved since the last write
/// (Kafka writes it every interval).
pub async fn run_high_watermark_checkpoints(broker: Arc<Broker>) {
    let interval_ms = u64::try_from(broker.config.replica_high_watermark_checkpoint_interval_ms)
        .unwrap_or(1)
        .max(1);
    let mut ticks = tokio::time::interval(Duration::from_millis(interval_ms));
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let pass = broker.clone();
        let written =
            tokio::task::spawn_blocking(move || pass.replicas.checkpoint_high_watermarks(false))
                .await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot write the high watermark checkpoint"),
            Err(e) => tracing::warn!(error = %e, "high watermark checkpoint task failed"),
        }
    }
}

impl Broker {
    /// Deletes the logs this broker must not hold: those of topic ids the image does not have
    /// (deleted while a crash stopped the deletion) and of partitions not assigned here, as a
    /// Kafka broker does with its stray replicas. A directory written before kf recorded topic
    /// ids is kept when the image has its topic here. Call it once the image has caught up
    /// with the metadata log (after the broker's registration), never before: an image still
    /// catching up lacks topics that exist.
    pub fn remove_stray_partitions(&self) {
        let hosted_here = |topic: Option<&TopicImage>, partition: i32| {
            topic
                .and_then(|t| t.partitions.get(&partition))
                .is_some_and(|p| p.replicas.contains(&self.broker_id))
        };
        // The latest image for each directory, not one taken at the start of the sweep: the
        // sweep runs while the broker serves, and a log bound meanwhile to a topic created
        // since is in the image that bound it.
        let removed = self.logs.remove_strays(|name, partition, topic_id| {
            let image = self.image();
            match topic_id {
                Some(id) => !hosted_here(image.topic_by_id(&id), partition),
                None => !hosted_here(image.topic(name), partition),
            }
        });
        if let Some((topic, partition)) = removed.first() {
            tracing::info!(
                broker = self.broker_id,
                "deleted {} stray partition logs, of topics deleted before this start or not \
                 assigned here (first: {topic}-{partition})",
                removed.len(),
            );
        }
    }
}
