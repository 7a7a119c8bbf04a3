//! Keeping the partitions this broker hosts in step with its metadata image: each new image
//! goes to the `ReplicaManager` (create logs, become leader or follower, config changes,
//! deletions); between images, the logs of offline partitions are tried again.

use std::sync::Arc;

use super::Broker;

/// Follows this broker's metadata image and keeps its partitions in step, until the image
/// sender closes; between images, tries the logs of offline partitions again.
pub async fn run_partition_sync(broker: Arc<Broker>) {
    let mut images = broker.quorum.subscribe();
    let mut previous = images.borrow_and_update().clone();
    broker.replicas.apply_image(None, &previous);
    let mut retries = tokio::time::interval(crate::log::OFFLINE_RETRY);
    loop {
        tokio::select! {
            changed = images.changed() => {
                if changed.is_err() {
                    return;
                }
                let image = images.borrow_and_update().clone();
                broker.replicas.apply_image(Some(&previous), &image);
                previous = image;
            }
            _ = retries.tick() => {
                let image = broker.image();
                broker.logs.retry_offline(|topic| broker.replicas.log_config(&image, topic));
            }
        }
    }
}
