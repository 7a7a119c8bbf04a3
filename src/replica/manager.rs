//! `ReplicaManager`: the partitions this broker hosts, and keeping them (and their logs on disk)
//! in step with the metadata image: a partition is created when the image names this broker
//! among its replicas, becomes leader or follower as the image says, takes topic config changes,
//! and is deleted with its topic.

use indexmap::{Equivalent, IndexMap};
use std::sync::{Arc, PoisonError, RwLock, Weak};

use tokio::sync::watch;

use kafka_protocol::error::ResponseError;
use tracing::warn;
use uuid::Uuid;

use super::fetcher::Fetchers;
use super::hw_checkpoint::HighWatermarkCheckpoint;
use super::open::Replica;
use super::partition::{Partition, Transition};
use super::TopicPartition;
use crate::clock::now_ms;
use crate::config::BrokerConfig;
use crate::log::{LogConfig, LogManager};
use crate::metadata::{ConfigResource, MetadataImage, PartitionImage};

pub struct ReplicaManager {
    broker_id: i32,
    config: BrokerConfig,
    logs: Arc<LogManager>,
    /// By name; looked up by borrowed name ([`PartitionKey`]), so a lookup (several per
    /// request) allocates nothing.
    partitions: RwLock<IndexMap<TopicPartition, Arc<Partition>>>,
    /// Bumped after any hosted partition changed role, replicas or ISR, or was removed: the
    /// fetchers rebuild their list of followed partitions only then.
    generation: watch::Sender<u64>,
    fetchers: Fetchers,
    /// Where a partition's high watermark starts, and where it is written periodically.
    hw_checkpoint: HighWatermarkCheckpoint,
}

impl ReplicaManager {
    pub fn new(broker_id: i32, config: BrokerConfig, logs: Arc<LogManager>) -> Self {
        Self {
            broker_id,
            config,
            hw_checkpoint: HighWatermarkCheckpoint::load(logs.log_dir()),
            logs,
            partitions: RwLock::new(IndexMap::new()),
            generation: watch::Sender::new(0),
            fetchers: Fetchers::default(),
        }
    }

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

    /// The topic's `min.insync.replicas` (its override, else the broker's).
    fn min_insync_replicas(&self, image: &MetadataImage, topic: &str) -> i32 {
        // Looked up in place: this runs for every partition of every produce.
        image
            .configs
            .get(&ConfigResource::Topic(topic.to_string()))
            .and_then(|configs| configs.get("min.insync.replicas"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(self.config.min_insync_replicas)
    }

    pub(super) fn fetchers(&self) -> &Fetchers {
        &self.fetchers
    }

    /// Changes whenever a hosted partition's role, replicas or ISR changed or one was removed.
    pub(super) fn generation(&self) -> u64 {
        *self.generation.borrow()
    }

    /// Announces each change of [`Self::generation`].
    pub(super) fn subscribe_generation(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    fn bump_generation(&self) {
        self.generation.send_modify(|g| *g += 1);
    }

    /// A hosted partition, if any.
    pub fn get(&self, tp: &TopicPartition) -> Option<Arc<Partition>> {
        self.partitions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(tp)
            .cloned()
    }

    /// How many partitions this broker hosts.
    pub fn hosted_count(&self) -> usize {
        self.partitions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Every hosted partition.
    pub fn all(&self) -> Vec<Arc<Partition>> {
        self.partitions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    /// The hosted partition `tp`, created with the topic's `min.insync.replicas` if new (each
    /// image applied sets it again).
    fn get_or_insert(&self, image: &MetadataImage, topic: &str, partition: i32) -> Arc<Partition> {
        let key = PartitionKey { topic, partition };
        if let Some(partition) = self
            .partitions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return partition.clone();
        }
        let tp = &TopicPartition::new(topic, partition);
        self.partitions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(tp.clone())
            .or_insert_with(|| {
                let partition = match self.hw_checkpoint.get(tp) {
                    Some(hw) => Partition::with_high_watermark(tp.clone(), self.broker_id, hw),
                    None => Partition::new(tp.clone(), self.broker_id),
                };
                partition.set_min_insync_replicas(self.min_insync_replicas(image, &tp.topic));
                Arc::new(partition)
            })
            .clone()
    }

    /// The partition as `image` names it, brought up to that image: UNKNOWN_TOPIC_OR_PARTITION
    /// when the image does not know it, NOT_LEADER_OR_FOLLOWER when this broker hosts no
    /// replica of it.
    pub fn hosted(
        &self,
        image: &MetadataImage,
        topic: &str,
        partition: i32,
    ) -> Result<Arc<Partition>, ResponseError> {
        let state = image
            .partition(topic, partition)
            .ok_or(ResponseError::UnknownTopicOrPartition)?;
        if !state.replicas.contains(&self.broker_id) {
            return Err(ResponseError::NotLeaderOrFollower);
        }
        let hosted = self.get_or_insert(image, topic, partition);
        if hosted.apply_image(state, now_ms()) != Transition::Unchanged {
            self.bump_generation();
        }
        Ok(hosted)
    }

    /// A hosted partition with its log open (opened now if it was not).
    pub fn replica(
        &self,
        image: &MetadataImage,
        topic: &str,
        partition: i32,
    ) -> Result<Replica, ResponseError> {
        let hosted = self.hosted(image, topic, partition)?;
        let topic_id = image
            .topics
            .get(topic)
            .ok_or(ResponseError::UnknownTopicOrPartition)?
            .topic_id;
        let log = match hosted.open_log(topic_id) {
            Some(log) => log,
            None => {
                let log = self
                    .logs
                    .get_or_open(topic, partition, topic_id, || self.log_config(image, topic))
                    .map_err(|e| e.error())?;
                hosted.set_open_log(topic_id, &log);
                log
            }
        };
        let replica = Replica::new(hosted, log);
        if replica.partition.leader_epoch_unstarted() {
            replica.start_leader_epoch()?;
        }
        Ok(replica)
    }

    /// [`Self::replica`], kept with what it was looked up under, for a caller that looks the
    /// same partition up again and again (each partition of a fetch session, at every fetch).
    pub fn look_up_replica(
        &self,
        image: &Arc<MetadataImage>,
        topic: &str,
        partition: i32,
    ) -> Result<ReplicaLookup, ResponseError> {
        // Read first: a change made during the look-up leaves it stale at once.
        let generation = self.generation();
        let replica = self.replica(image, topic, partition)?;
        Ok(ReplicaLookup {
            image: Arc::downgrade(image),
            generation,
            replica,
        })
    }

    /// Writes every hosted partition's high watermark to the log directory's
    /// `replication-offset-checkpoint` if one moved since the last write, or always when
    /// `durable` (then synced).
    pub fn checkpoint_high_watermarks(&self, durable: bool) -> Result<(), crate::log::LogError> {
        {
            let partitions = self
                .partitions
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            self.hw_checkpoint
                .update(partitions.values().map(|p| (&p.tp, p.high_watermark())));
        }
        self.hw_checkpoint.write(durable).map(|_| ())
    }

    /// A partition this broker leads, with its log open, and the leader epoch it leads it in;
    /// `current_leader_epoch` is the epoch the request states (-1: none), checked as KIP-320.
    pub fn leader(
        &self,
        image: &MetadataImage,
        topic: &str,
        partition: i32,
        current_leader_epoch: i32,
    ) -> Result<(Replica, i32), ResponseError> {
        let replica = self.replica(image, topic, partition)?;
        let leader_epoch = replica.partition.check_leader(current_leader_epoch)?;
        Ok((replica, leader_epoch))
    }

    /// Brings the hosted partitions in line with a new image, given the one applied before it;
    /// answers the role changes.
    pub fn apply_image(
        &self,
        previous: Option<&MetadataImage>,
        image: &MetadataImage,
    ) -> Vec<(Arc<Partition>, Transition)> {
        if let Some(previous) = previous {
            self.delete_removed_partitions(previous, image);
        }
        let now = now_ms();
        let mut transitions = Vec::new();
        for topic in image.topics.values() {
            let resource = ConfigResource::Topic(topic.name.clone());
            let config_changed =
                previous.is_some_and(|p| p.configs.get(&resource) != image.configs.get(&resource));
            // A topic the new image shares with the previous one has nothing new to apply.
            let unchanged = previous
                .and_then(|p| p.topics.get(&topic.name))
                .is_some_and(|before| Arc::ptr_eq(before, topic));
            if unchanged && !config_changed {
                continue;
            }
            let min_insync_replicas = self.min_insync_replicas(image, &topic.name);
            let before = previous
                .and_then(|p| p.topics.get(&topic.name))
                .filter(|before| before.topic_id == topic.topic_id);
            // Only the partitions changed since the previous image have anything to apply: one
            // partition's change must not cost a walk of every partition of its topic.
            let partitions: Box<dyn Iterator<Item = &PartitionImage>> = match before {
                Some(before) if !config_changed => Box::new(
                    topic
                        .partitions
                        .changes_since(&before.partitions)
                        .filter_map(|(_, _, now)| now),
                ),
                _ => Box::new(topic.partitions.values()),
            };
            for state in partitions {
                if !state.replicas.contains(&self.broker_id) {
                    continue;
                }
                let tp = TopicPartition::new(&topic.name, state.partition);
                match self.logs.get(&topic.name, state.partition) {
                    Some(log) if config_changed => {
                        let config = self.log_config(image, &topic.name);
                        if let Ok(mut log) = log.lock() {
                            log.set_config(config);
                        }
                    }
                    Some(_) => {}
                    // The log itself is opened at its first use, which makes the new directory
                    // durable unless `LogManager::sync` did already; a failure is logged there.
                    None => {
                        let _ = self
                            .logs
                            .create(&topic.name, state.partition, topic.topic_id);
                    }
                }
                let partition = self.get_or_insert(image, &tp.topic, tp.partition);
                partition.set_min_insync_replicas(min_insync_replicas);
                let transition = partition.apply_image(state, now);
                if transition != Transition::Unchanged {
                    transitions.push((partition, transition));
                }
            }
        }
        if !transitions.is_empty() {
            self.bump_generation();
        }
        transitions
    }

    /// Deletes the partitions of topics deleted between two images, and those a reassignment
    /// moved off this broker (Kafka's StopReplica with deletion). Only a change seen happen is
    /// acted on: a topic merely absent from an image still catching up must never cost its data.
    fn delete_removed_partitions(&self, previous: &MetadataImage, image: &MetadataImage) {
        for (name, old) in &previous.topics {
            let now = image
                .topics
                .get(name)
                .filter(|now| now.topic_id == old.topic_id);
            let Some(now) = now else {
                for index in old.partitions.keys() {
                    self.delete_partition(name, *index, old.topic_id);
                }
                continue;
            };
            if Arc::ptr_eq(old, now) {
                continue;
            }
            let hosted_here = |p: &PartitionImage| p.replicas.contains(&self.broker_id);
            for (index, was, now) in now.partitions.changes_since(&old.partitions) {
                if was.is_some_and(hosted_here) && now.is_some_and(|p| !hosted_here(p)) {
                    self.delete_partition(name, index, old.topic_id);
                }
            }
        }
    }

    fn delete_partition(&self, topic: &str, partition: i32, topic_id: Uuid) {
        let tp = TopicPartition::new(topic, partition);
        let removed = self
            .partitions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .swap_remove(&tp);
        self.hw_checkpoint.remove(&tp);
        if let Err(e) = self.logs.remove(topic, partition, topic_id) {
            warn!(%tp, error = %e, "cannot delete partition log");
        }
        // Waiting fetches and produces wake and find the partition gone.
        if let Some(removed) = removed {
            self.bump_generation();
            removed.notify_moved();
        }
    }
}

/// A partition as [`ReplicaManager::look_up_replica`] found it. The look-up is a function of
/// the image and the hosted partitions: while the image is the same and no hosted partition
/// changed role, replicas or ISR or was removed (the manager's generation), looking it up again
/// would find the same partition, already brought up to that image, and the same open log (a
/// log leaves only with its partition's removal), with its leader epoch's start recorded. So
/// it answers for the look-up, without its map, image and log-lock touches, which were a
/// tenth of a broker's CPU in fetches over 10,000 partitions.
#[derive(Clone)]
pub struct ReplicaLookup {
    /// Weak, so that it keeps no image's contents alive, yet no later image can be allocated
    /// where this one was while it is held (its address is what is compared).
    image: Weak<MetadataImage>,
    generation: u64,
    replica: Replica,
}

impl std::fmt::Debug for ReplicaLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicaLookup")
            .field("partition", &self.replica.partition.tp)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl ReplicaLookup {
    /// The replica found, if looking it up again under `image` in `replicas` would find it.
    pub fn get(&self, replicas: &ReplicaManager, image: &Arc<MetadataImage>) -> Option<&Replica> {
        let same = std::ptr::eq(self.image.as_ptr(), Arc::as_ptr(image))
            && self.generation == replicas.generation();
        same.then_some(&self.replica)
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }
}

/// A [`TopicPartition`] borrowed, to look one up without making one.
#[derive(Hash)]
struct PartitionKey<'a> {
    topic: &'a str,
    partition: i32,
}

// Hashes as `TopicPartition` does (its derived `Hash`: the topic as a `str`, then the index).
impl Equivalent<TopicPartition> for PartitionKey<'_> {
    fn equivalent(&self, key: &TopicPartition) -> bool {
        self.partition == key.partition && self.topic == key.topic
    }
}
