//! The partitions this broker hosts: finding the log of a partition it leads, and keeping the
//! logs on disk in step with the metadata image (create the logs of new partitions, delete the
//! logs of deleted topics, apply topic config changes), and, once the image has caught up at
//! start, deleting the stray logs a crash left (see [`Broker::remove_stray_partitions`]).
//!
//! Until replication arrives every partition has one replica, its leader, so the high watermark
//! and the last stable offset are the log end offset.

use std::sync::{Arc, Mutex};

use kafka_protocol::error::ResponseError;
use tracing::warn;

use super::Broker;
use crate::log::LogConfig;
use crate::log::PartitionLog;
use crate::metadata::{ConfigResource, MetadataImage};

/// A partition this broker leads, with the leader epoch it leads it in.
pub struct LeaderPartition {
    pub log: Arc<Mutex<PartitionLog>>,
    pub leader_epoch: i32,
}

impl Broker {
    /// The effective log config of `topic`: the broker's defaults overlaid with the topic's overrides.
    pub fn log_config(&self, image: &MetadataImage, topic: &str) -> LogConfig {
        let overrides = image.configs_of(&ConfigResource::Topic(topic.to_string()));
        // The controller validated every override before writing it, so this fails only for a
        // metadata log written by another kf version; the broker defaults are then the answer.
        LogConfig::from_topic_configs(&self.config, &overrides).unwrap_or_else(|e| {
            warn!(topic, error = %e, "ignoring invalid topic configs");
            LogConfig::from_topic_configs(&self.config, &Default::default()).unwrap_or_default()
        })
    }

    /// The log of a partition this broker leads, or the Kafka error a client must see.
    pub fn leader_partition(
        &self,
        image: &MetadataImage,
        topic: &str,
        partition: i32,
    ) -> Result<LeaderPartition, ResponseError> {
        let Some(topic_image) = image.topics.get(topic) else {
            return Err(ResponseError::UnknownTopicOrPartition);
        };
        let Some(state) = topic_image.partitions.get(&partition) else {
            return Err(ResponseError::UnknownTopicOrPartition);
        };
        if state.leader != self.broker_id {
            return Err(ResponseError::NotLeaderOrFollower);
        }
        let log = self
            .logs
            .get_or_open(topic, partition, topic_image.topic_id, || {
                self.log_config(image, topic)
            })
            .map_err(|e| e.error())?;
        Ok(LeaderPartition {
            log,
            leader_epoch: state.leader_epoch,
        })
    }

    /// Brings the logs on disk in line with a new image, given the one applied before it.
    pub fn sync_partitions(&self, previous: Option<&MetadataImage>, image: &MetadataImage) {
        if let Some(previous) = previous {
            self.delete_removed_partitions(previous, image);
        }
        let mut created = false;
        for topic in image.topics.values() {
            let config = self.log_config(image, &topic.name);
            let config_changed = previous.is_some_and(|p| {
                p.configs_of(&ConfigResource::Topic(topic.name.clone()))
                    != image.configs_of(&ConfigResource::Topic(topic.name.clone()))
            });
            for state in topic.partitions.values() {
                if !state.replicas.contains(&self.broker_id) {
                    continue;
                }
                match self.logs.get(&topic.name, state.partition) {
                    Some(log) if config_changed => {
                        if let Ok(mut log) = log.lock() {
                            log.set_config(config.clone());
                        }
                    }
                    Some(_) => {}
                    // The log itself is opened at its first use; a failure is logged there.
                    None => {
                        created |= self
                            .logs
                            .create(&topic.name, state.partition, topic.topic_id)
                            .unwrap_or(false);
                    }
                }
            }
        }
        // Each new directory's topic id is durable before the partition takes a record.
        if created {
            if let Err(e) = self.logs.sync() {
                warn!(error = %e, "cannot sync the new partition directories");
            }
        }
    }

    /// Deletes the logs this broker must not hold: those of topic ids the image does not have
    /// (deleted while a crash stopped the deletion) and of partitions not assigned here, as a
    /// Kafka broker does with its stray replicas. A directory written before kf recorded topic
    /// ids is kept when the image has its topic here. Call it once the image has caught up
    /// with the metadata log (after the broker's registration), never before: an image still
    /// catching up lacks topics that exist.
    pub fn remove_stray_partitions(&self) {
        let image = self.image();
        let hosted_here = |topic: Option<&crate::metadata::TopicImage>, partition: i32| {
            topic
                .and_then(|t| t.partitions.get(&partition))
                .is_some_and(|p| p.replicas.contains(&self.broker_id))
        };
        let removed = self
            .logs
            .remove_strays(|name, partition, topic_id| match topic_id {
                Some(id) => !hosted_here(image.topic_by_id(&id), partition),
                None => !hosted_here(image.topics.get(name), partition),
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

    /// Deletes the logs of topics deleted between two images. Only a deletion seen happen is
    /// acted on: a topic merely absent from an image still catching up must never cost its data.
    fn delete_removed_partitions(&self, previous: &MetadataImage, image: &MetadataImage) {
        for (name, old) in &previous.topics {
            let deleted = image
                .topics
                .get(name)
                .is_none_or(|now| now.topic_id != old.topic_id);
            if !deleted {
                continue;
            }
            for partition in old.partitions.keys() {
                if let Err(e) = self.logs.remove(name, *partition, old.topic_id) {
                    warn!(topic = %name, partition, error = %e, "cannot delete partition log");
                }
            }
        }
    }
}

/// Follows this broker's metadata image and keeps its logs in step, until the image sender
/// closes; between images, tries the logs of offline partitions again.
pub async fn run_partition_sync(broker: Arc<Broker>) {
    let mut images = broker.quorum.subscribe();
    let mut previous = images.borrow_and_update().clone();
    broker.sync_partitions(None, &previous);
    let mut retries = tokio::time::interval(crate::log::OFFLINE_RETRY);
    loop {
        tokio::select! {
            changed = images.changed() => {
                if changed.is_err() {
                    return;
                }
                let image = images.borrow_and_update().clone();
                broker.sync_partitions(Some(&previous), &image);
                previous = image;
            }
            _ = retries.tick() => {
                let image = broker.image();
                broker.logs.retry_offline(|topic, partition| {
                    let id = image.topics.get(topic)?.topic_id;
                    image
                        .partition(topic, partition)
                        .filter(|p| p.replicas.contains(&broker.broker_id))?;
                    Some((id, broker.log_config(&image, topic)))
                });
            }
        }
    }
}
