//! Keeping the partitions this broker hosts in step with its metadata image: each new image
//! goes to the `ReplicaManager` (create logs, become leader or follower, config changes,
//! deletions) and followers get a fetcher for their leader; between images, the logs of offline
//! partitions are tried again and leaders check their ISR for lagging followers. Once the image
//! has caught up at start, the stray logs a crash left are deleted
//! ([`Broker::remove_stray_partitions`]).

use std::sync::Arc;
use std::time::Duration;

use super::Broker;
use crate::metadata::TopicImage;
use crate::replica::{fetcher, isr};

/// Follows this broker's metadata image and keeps its partitions in step, until the image
/// sender closes; between images, tries the logs of offline partitions again.
pub async fn run_partition_sync(broker: Arc<Broker>) {
    let mut images = broker.quorum.subscribe();
    let mut previous = images.borrow_and_update().clone();
    broker.replicas.apply_image(None, &previous);
    fetcher::ensure_fetchers(&broker);
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
                broker.replicas.apply_image(Some(&previous), &image);
                fetcher::ensure_fetchers(&broker);
                previous = image;
            }
            _ = isr_checks.tick() => isr::shrink_lagging(&broker),
            _ = retries.tick() => {
                let image = broker.image();
                broker.logs.retry_offline(|topic, partition| {
                    let id = image.topics.get(topic)?.topic_id;
                    image
                        .partition(topic, partition)
                        .filter(|p| p.replicas.contains(&broker.broker_id))?;
                    Some((id, broker.replicas.log_config(&image, topic)))
                });
            }
        }
    }
}

/// Writes the hosted partitions' high watermarks to `replication-offset-checkpoint` every
/// `replica.high.watermark.checkpoint.interval.ms`, as Kafka's ReplicaManager (a clean stop
/// writes it once more, see `cluster::stop_running`). Unlike Kafka the periodic write is not
/// synced (it is replaced whole by a rename): a lost or older one only starts a restarted
/// replica's high watermark lower, which is safe, and the fsyncs competed with the metadata
/// log's on a busy disk.
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
        let image = self.image();
        let hosted_here = |topic: Option<&TopicImage>, partition: i32| {
            topic
                .and_then(|t| t.partitions.get(&partition))
                .is_some_and(|p| p.replicas.contains(&self.broker_id))
        };
        let removed = self
            .logs
            .remove_strays(|name, partition, topic_id| match topic_id {
                Some(id) => !hosted_here(image.topic_by_id(&id), partition),
                None => !hosted_here(image.topic(name), partition),
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
