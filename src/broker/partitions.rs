//! Keeping the partitions this broker hosts in step with its metadata image: each new image
//! goes to the `ReplicaManager` (create logs, become leader or follower, config changes,
//! deletions) and followers get a fetcher for their leader; between images, the logs of offline
//! partitions are tried again and leaders check their ISR for lagging followers.

use std::sync::Arc;
use std::time::Duration;

use super::Broker;
use crate::replica::{fetcher, isr};

/// Follows this broker's metadata image and keeps its partitions in step, until the image
/// sender closes; between images, tries the logs of offline partitions again.
pub async fn run_partition_sync(broker: Arc<Broker>) {
    let mut images = broker.quorum.subscribe();
    let mut previous = images.borrow_and_update().clone();
    broker.replicas.apply_image(None, &previous);
    fetcher::ensure_fetchers(&broker);
    let mut retries = tokio::time::interval(crate::log::OFFLINE_RETRY);
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
                broker.logs.retry_offline(|topic| broker.replicas.log_config(&image, topic));
            }
        }
    }
}
