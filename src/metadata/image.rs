//! The `MetadataImage`: a broker's view of the cluster, built only by applying committed
//! [`MetadataRecord`]s in log order. Handlers read it; nothing else writes it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::partition_map::PartitionMap;
use super::records::{ConfigResource, ListenerEndpoint, MetadataRecord};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct BrokerRegistration {
    pub broker_id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
    /// Every advertised listener (empty in registrations written before kf had listeners).
    #[serde(default)]
    pub listeners: Vec<ListenerEndpoint>,
    /// False once the broker shut down (fenced) until it registers again.
    pub alive: bool,
    /// (topic id, partition) of this broker's replicas whose logs are offline (a storage
    /// error); a new registration starts with none. Such a replica may not lead.
    #[serde(default)]
    pub offline_replicas: BTreeSet<(Uuid, i32)>,
}

impl BrokerRegistration {
    /// The host and port this broker advertises on `listener`; `None` when it has no such
    /// listener. A registration without listeners has its one address on every listener.
    pub fn endpoint(&self, listener: &str) -> Option<(&str, i32)> {
        if self.listeners.is_empty() {
            return Some((&self.host, self.port));
        }
        self.listeners
            .iter()
            .find(|l| l.name == listener)
            .map(|l| (l.host.as_str(), l.port))
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PartitionImage {
    pub partition: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub leader: i32,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    /// KIP-455: the replicas an ongoing reassignment adds (also in `replicas`).
    #[serde(default)]
    pub adding_replicas: Vec<i32>,
    /// KIP-455: the replicas an ongoing reassignment removes (also in `replicas`).
    #[serde(default)]
    pub removing_replicas: Vec<i32>,
}

impl PartitionImage {
    /// Whether a reassignment is under way (Kafka's `isReassignmentInProgress`).
    pub fn is_reassigning(&self) -> bool {
        !self.adding_replicas.is_empty() || !self.removing_replicas.is_empty()
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TopicImage {
    pub name: String,
    pub topic_id: Uuid,
    /// By partition id; shared in chunks, so that changing one partition does not copy them all.
    pub partitions: PartitionMap,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct MetadataImage {
    pub cluster_id: Option<String>,
    pub brokers: BTreeMap<i32, BrokerRegistration>,
    /// Each topic behind an `Arc`: cloning the image (once per applied batch, to publish it)
    /// shares every topic, and applying a record copies only the topic it changes, so a change
    /// costs the size of one topic, not of the cluster; a topic unchanged between two images is
    /// the same `Arc` in both (`Arc::ptr_eq`), which is how followers of the image skip it.
    pub topics: BTreeMap<String, Arc<TopicImage>>,
    pub topic_names_by_id: BTreeMap<Uuid, String>,
    /// Config overrides set through the metadata log (dynamic configs), by resource.
    pub configs: BTreeMap<ConfigResource, BTreeMap<String, String>>,
    /// The next producer id the controller will hand out.
    pub next_producer_id: i64,
    /// Finalized feature levels by name (ApiVersions' `finalized_features`); a feature not
    /// here is at level 0.
    pub features: BTreeMap<String, i16>,
}

impl MetadataImage {
    /// The finalized `transaction.version` (0 for a cluster whose log predates the feature).
    pub fn transaction_version(&self) -> i16 {
        self.features
            .get(crate::metadata::TRANSACTION_VERSION_FEATURE)
            .copied()
            .unwrap_or(0)
    }

    /// Applies one committed record. Records are applied in log order on every broker, so this
    /// must be deterministic; a record naming something unknown is ignored, not an error.
    pub fn apply(&mut self, record: &MetadataRecord) {
        match record {
            MetadataRecord::ClusterId { cluster_id } => self.cluster_id = Some(cluster_id.clone()),
            MetadataRecord::RegisterBroker {
                broker_id,
                host,
                port,
                rack,
                listeners,
            } => {
                self.brokers.insert(
                    *broker_id,
                    BrokerRegistration {
                        broker_id: *broker_id,
                        host: host.clone(),
                        port: *port,
                        rack: rack.clone(),
                        listeners: listeners.clone(),
                        alive: true,
                        offline_replicas: BTreeSet::new(),
                    },
                );
            }
            MetadataRecord::FenceBroker { broker_id } => {
                if let Some(broker) = self.brokers.get_mut(broker_id) {
                    broker.alive = false;
                }
            }
            MetadataRecord::UnfenceBroker { broker_id } => {
                if let Some(broker) = self.brokers.get_mut(broker_id) {
                    broker.alive = true;
                }
            }
            MetadataRecord::Topic { name, topic_id } => {
                if !self.topics.contains_key(name) {
                    self.topic_names_by_id.insert(*topic_id, name.clone());
                    self.topics.insert(
                        name.clone(),
                        Arc::new(TopicImage {
                            name: name.clone(),
                            topic_id: *topic_id,
                            partitions: PartitionMap::new(),
                        }),
                    );
                }
            }
            MetadataRecord::Partition {
                topic_id,
                partition,
                replicas,
                isr,
                leader,
                leader_epoch,
                partition_epoch,
                adding_replicas,
                removing_replicas,
            } => {
                if let Some(topic) = self.topic_by_id_mut(topic_id) {
                    topic.partitions.insert(
                        *partition,
                        PartitionImage {
                            partition: *partition,
                            replicas: replicas.clone(),
                            isr: isr.clone(),
                            leader: *leader,
                            leader_epoch: *leader_epoch,
                            partition_epoch: *partition_epoch,
                            adding_replicas: adding_replicas.clone(),
                            removing_replicas: removing_replicas.clone(),
                        },
                    );
                }
            }
            MetadataRecord::RemoveTopic { topic_id } => {
                if let Some(name) = self.topic_names_by_id.remove(topic_id) {
                    for broker in self.brokers.values_mut() {
                        broker.offline_replicas.retain(|(id, _)| id != topic_id);
                    }
                    self.topics.remove(&name);
                    self.configs.remove(&ConfigResource::Topic(name));
                }
            }
            MetadataRecord::Config {
                resource,
                name,
                value,
            } => {
                let entries = self.configs.entry(resource.clone()).or_default();
                match value {
                    Some(value) => {
                        entries.insert(name.clone(), value.clone());
                    }
                    None => {
                        entries.remove(name);
                    }
                }
                if entries.is_empty() {
                    self.configs.remove(resource);
                }
            }
            MetadataRecord::OfflineReplicas {
                broker_id,
                partitions,
            } => {
                if let Some(broker) = self.brokers.get_mut(broker_id) {
                    broker.offline_replicas = partitions.iter().copied().collect();
                }
            }
            MetadataRecord::ProducerIds {
                next_producer_id, ..
            } => self.next_producer_id = self.next_producer_id.max(*next_producer_id),
            MetadataRecord::FeatureLevel { name, level } => {
                self.features.insert(name.clone(), *level);
            }
        }
    }

    pub fn topic(&self, name: &str) -> Option<&TopicImage> {
        self.topics.get(name).map(|t| &**t)
    }

    pub fn topic_by_id(&self, topic_id: &Uuid) -> Option<&TopicImage> {
        self.topic_names_by_id
            .get(topic_id)
            .and_then(|name| self.topics.get(name))
            .map(|t| &**t)
    }

    fn topic_by_id_mut(&mut self, topic_id: &Uuid) -> Option<&mut TopicImage> {
        let name = self.topic_names_by_id.get(topic_id)?;
        self.topics.get_mut(name).map(Arc::make_mut)
    }

    pub fn partition(&self, topic: &str, partition: i32) -> Option<&PartitionImage> {
        self.topics.get(topic)?.partitions.get(&partition)
    }

    /// Config overrides of one resource (empty when none are set).
    pub fn configs_of(&self, resource: &ConfigResource) -> BTreeMap<String, String> {
        self.configs.get(resource).cloned().unwrap_or_default()
    }

    /// Whether broker `broker_id`'s replica of the partition has its log offline.
    pub fn replica_offline(&self, broker_id: i32, topic_id: &Uuid, partition: i32) -> bool {
        self.brokers
            .get(&broker_id)
            .is_some_and(|b| b.offline_replicas.contains(&(*topic_id, partition)))
    }

    /// Whether broker `broker_id` can serve its replica of the partition: registered, unfenced
    /// and with the replica's log online.
    pub fn replica_online(&self, broker_id: i32, topic_id: &Uuid, partition: i32) -> bool {
        self.brokers
            .get(&broker_id)
            .is_some_and(|b| b.alive && !b.offline_replicas.contains(&(*topic_id, partition)))
    }

    pub fn alive_brokers(&self) -> impl Iterator<Item = &BrokerRegistration> {
        self.brokers.values().filter(|b| b.alive)
    }
}
