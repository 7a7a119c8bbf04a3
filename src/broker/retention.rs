//! The retention check: every `log.retention.check.interval.ms`, each partition log deletes the
//! segments past its `retention.ms` / `retention.bytes`, as Kafka's log cleaner thread does for
//! `cleanup.policy=delete`.
//!
//! Logs open on first use (`log/open_files.rs`): a log not opened since the broker started is
//! judged from its segment files (`log/unopened.rs`) and opened only when retention may delete
//! some of it, so every partition's log on disk is covered without opening them all.

use std::sync::Arc;
use std::time::Duration;

use tracing::warn;

use super::Broker;
use crate::clock::now_ms;
use crate::log::{retention_may_delete, segment_files, LogConfig, SegmentFile};
use crate::replica::TopicPartition;

pub async fn run_retention(broker: Arc<Broker>) {
    let interval_ms = broker.config.log_retention_check_interval_ms.max(1) as u64;
    let mut ticks = tokio::time::interval(Duration::from_millis(interval_ms));
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let pass = broker.clone();
        // A pass reads directories and deletes files: off the async workers.
        if let Err(e) = tokio::task::spawn_blocking(move || apply_retention_once(&pass)).await {
            warn!(error = %e, "retention check failed");
        }
    }
}

/// Opens the logs hosted here that are on disk but not opened in this run and for which
/// `has_work` holds, given the log's segment files and config; returns how many it opened.
/// Only the directories of topics whose config `may_apply` to are listed: the cleaner's pass
/// every 15 s listed every unopened log's directory (100,000 at 100,000 partitions), though
/// only compacted topics have work for it.
pub(super) fn open_logs_with_work(
    broker: &Broker,
    may_apply: impl Fn(&LogConfig) -> bool,
    has_work: impl Fn(&str, i32, &[SegmentFile], &LogConfig) -> bool,
) -> usize {
    let image = broker.image();
    let mut config: Option<(String, LogConfig)> = None;
    let mut opened = 0;
    for (topic, partition) in broker.logs.closed_partitions() {
        let hosted = image
            .partition(&topic, partition)
            .is_some_and(|p| p.replicas.contains(&broker.broker_id));
        if !hosted {
            continue;
        }
        // The partitions come sorted by topic: one config per topic.
        if config.as_ref().is_none_or(|(name, _)| *name != topic) {
            config = Some((topic.clone(), broker.replicas.log_config(&image, &topic)));
        }
        let Some((_, log_config)) = &config else {
            continue;
        };
        if !may_apply(log_config) {
            continue;
        }
        let dir = broker.logs.partition_dir(&topic, partition);
        let Ok(segments) = segment_files(&dir) else {
            continue;
        };
        if !has_work(&topic, partition, &segments, log_config) {
            continue;
        }
        match broker.replicas.replica(&image, &topic, partition) {
            Ok(_) => opened += 1,
            Err(error) => warn!(%topic, partition, ?error, "cannot open a log to clean it up"),
        }
    }
    opened
}

/// One pass over every log of this broker: those open, and those on disk whose segment files
/// say retention may delete some of them (opened now).
pub fn apply_retention_once(broker: &Broker) {
    let now = now_ms();
    open_logs_with_work(
        broker,
        |_| true,
        |_, _, segments, config| retention_may_delete(segments, config, now),
    );
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
