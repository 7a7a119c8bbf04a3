//! The retention check: every `log.retention.check.interval.ms`, each partition log deletes the
//! segments past its `retention.ms` / `retention.bytes`, as Kafka's log cleaner thread does for
//! `cleanup.policy=delete`.
//!
//! Difference from Kafka: logs open on first use (`log/open_files.rs`), and only logs opened
//! since the broker started are checked, so a partition untouched since a restart keeps its
//! expired segments until something reads or writes it.

use std::sync::Arc;
use std::time::Duration;

use tracing::warn;

use super::Broker;
use crate::clock::now_ms;
use crate::replica::TopicPartition;

pub async fn run_retention(broker: Arc<Broker>) {
    let interval_ms = broker.config.log_retention_check_interval_ms.max(1) as u64;
    let mut ticks = tokio::time::interval(Duration::from_millis(interval_ms));
    ticks.tick().await;
    loop {
        ticks.tick().await;
        apply_retention_once(&broker);
    }
}

/// One pass over every log of this broker opened since it started: a log not opened yet has
/// not been written to in this run, and is checked once it is opened.
pub fn apply_retention_once(broker: &Broker) {
    let now = now_ms();
    for ((topic, partition), log) in broker.logs.open_logs() {
        let hosted = broker
            .replicas
            .get(&TopicPartition::new(topic.as_str(), partition));
        let Ok(mut log) = log.lock() else { continue };
        // Only what every in-sync replica holds may go, as Kafka's retention below the high
        // watermark.
        let high_watermark = hosted
            .as_ref()
            .map_or(log.log_end_offset(), |p| p.offsets(&log).high_watermark);
        let applied = log.apply_retention_up_to(now, high_watermark);
        if let Some(hosted) = hosted {
            hosted.update_offsets(&log);
        }
        if let Err(e) = applied {
            warn!(%topic, partition, error = %e, "retention check failed");
        }
    }
}
