//! Metadata records: every change to cluster metadata is one of these, appended to the Raft
//! metadata log and applied by every broker to its own [`MetadataImage`](super::MetadataImage).
//! They follow KRaft's record types (TopicRecord, PartitionRecord, ...) in spirit; the encoding is
//! ours (serde), since the metadata log never leaves a kf cluster.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a config record applies to (Kafka's ConfigResource types).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConfigResource {
    Topic(String),
    Broker(i32),
}

/// One advertised listener of a broker, as KRaft's `BrokerEndpoint`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ListenerEndpoint {
    /// The listener's name, upper case (PLAINTEXT, INTERNAL, ...).
    pub name: String,
    pub host: String,
    pub port: i32,
    /// Kafka's `SecurityProtocol` id.
    pub security_protocol: i16,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum MetadataRecord {
    /// Sets the cluster id; written once, by the controller that first bootstraps the log.
    ClusterId { cluster_id: String },
    /// A broker joined (or rejoined) with this listener. KRaft: RegisterBrokerRecord.
    RegisterBroker {
        broker_id: i32,
        host: String,
        port: i32,
        rack: Option<String>,
        /// Every advertised listener; `host` and `port` are the inter-broker listener's.
        #[serde(default)]
        listeners: Vec<ListenerEndpoint>,
    },
    /// A broker shut down cleanly or missed its session; it stays known but is no longer alive.
    /// KRaft: BrokerRegistrationChangeRecord with fenced = true.
    FenceBroker { broker_id: i32 },
    /// A fenced broker that registered before is alive again (its heartbeats reach the
    /// controller). KRaft: BrokerRegistrationChangeRecord with fenced = false.
    UnfenceBroker { broker_id: i32 },
    /// A topic was created. KRaft: TopicRecord.
    Topic { name: String, topic_id: Uuid },
    /// A partition was created or changed. KRaft: PartitionRecord / PartitionChangeRecord.
    Partition {
        topic_id: Uuid,
        partition: i32,
        replicas: Vec<i32>,
        isr: Vec<i32>,
        leader: i32,
        leader_epoch: i32,
        partition_epoch: i32,
        /// A reassignment under way (KIP-455): the replicas it adds, which catch up first
        /// (they are already in `replicas`)...
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        adding_replicas: Vec<i32>,
        /// ... and the replicas it removes once every target replica is in sync (still in
        /// `replicas`, last). Both empty when no reassignment is under way.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        removing_replicas: Vec<i32>,
    },
    /// A topic and all its partitions were deleted. KRaft: RemoveTopicRecord.
    RemoveTopic { topic_id: Uuid },
    /// A config override was set (`Some`) or removed (`None`). KRaft: ConfigRecord.
    Config {
        resource: ConfigResource,
        name: String,
        value: Option<String>,
    },
    /// The replicas of broker `broker_id` whose logs are offline (a storage error on that
    /// broker), as the broker last reported them in its heartbeat; replaces the previous set.
    /// KRaft: BrokerRegistrationChangeRecord's online log dirs, here per partition, since a kf
    /// broker takes one partition offline rather than its whole log directory.
    OfflineReplicas {
        broker_id: i32,
        partitions: Vec<(Uuid, i32)>,
    },
    /// A block of producer ids was handed out up to (excluding) `next_producer_id`.
    /// KRaft: ProducerIdsRecord.
    ProducerIds {
        broker_id: i32,
        next_producer_id: i64,
    },
    /// A feature's finalized level (`transaction.version`), written when the cluster is first
    /// started. KRaft: FeatureLevelRecord.
    FeatureLevel { name: String, level: i16 },
}
