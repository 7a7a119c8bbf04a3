//! What the controller is asked and what it answers. Errors inside a response are Kafka errors
//! ([`ApiError`]) that the broker's handler copies into its response, per topic or per resource.

use std::collections::BTreeMap;

use kafka_protocol::error::ResponseError;
use uuid::Uuid;

use super::partition_change::Election;
use crate::metadata::records::{ConfigResource, ListenerEndpoint};

/// A Kafka error code with an optional message, as Kafka's `ApiError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub code: ResponseError,
    pub message: Option<String>,
}

impl ApiError {
    pub fn new(code: ResponseError, message: impl Into<String>) -> Self {
        Self {
            code,
            message: Some(message.into()),
        }
    }

    /// An error with no message beyond the code's own description.
    pub fn bare(code: ResponseError) -> Self {
        Self {
            code,
            message: None,
        }
    }
}

/// Validates one config of a resource: `Some(value)` to set, `None` to delete. Supplied by the
/// broker's config module; `Err` carries Kafka's message for INVALID_CONFIG.
pub type ConfigValidator = fn(&ConfigResource, &str, Option<&str>) -> Result<(), String>;

/// The broker settings the controller needs.
#[derive(Clone, Copy, Debug)]
pub struct ControllerSettings {
    /// `num.partitions`: used when a topic is created with `num_partitions = -1`.
    pub num_partitions: i32,
    /// `default.replication.factor`: used when a topic is created with `replication_factor = -1`.
    pub default_replication_factor: i16,
    pub validate_config: ConfigValidator,
    /// `broker.session.timeout.ms`: a broker silent this long is fenced.
    pub broker_session_timeout_ms: u64,
    /// `unclean.leader.election.enable`: the default of topics without an override.
    pub unclean_leader_election_enable: bool,
    /// `auto.leader.rebalance.enable`.
    pub auto_leader_rebalance_enable: bool,
    /// `leader.imbalance.check.interval.seconds`, in milliseconds.
    pub leader_imbalance_check_interval_ms: u64,
    /// The `transaction.version` level finalized with the cluster id (kf's
    /// `transaction.version` broker property).
    pub transaction_version: i16,
}

impl ControllerSettings {
    /// Kafka's defaults for everything but what the caller supplies.
    pub fn new(
        num_partitions: i32,
        default_replication_factor: i16,
        validate_config: ConfigValidator,
    ) -> Self {
        Self {
            num_partitions,
            default_replication_factor,
            validate_config,
            broker_session_timeout_ms: 9_000,
            unclean_leader_election_enable: false,
            auto_leader_rebalance_enable: true,
            leader_imbalance_check_interval_ms: 300_000,
            transaction_version: crate::metadata::TRANSACTION_VERSION_DEFAULT,
        }
    }
}

/// One topic of a CreateTopics request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTopic {
    pub name: String,
    /// -1 for the default (`num.partitions`); must be -1 with manual assignments.
    pub num_partitions: i32,
    /// -1 for the default (`default.replication.factor`); must be -1 with manual assignments.
    pub replication_factor: i16,
    /// Manual assignment: partition -> replicas (the first alive one leads).
    pub assignments: BTreeMap<i32, Vec<i32>>,
    pub configs: BTreeMap<String, String>,
}

/// A topic named by name or by id (DeleteTopics v6+ accepts either).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicRef {
    Name(String),
    Id(Uuid),
}

/// One IncrementalAlterConfigs operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlterConfigOpType {
    Set(String),
    Delete,
    /// Adds the comma-separated values not already present (list configs).
    Append(String),
    /// Removes the comma-separated values (list configs).
    Subtract(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterConfigOp {
    pub name: String,
    pub op: AlterConfigOpType,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ControllerRequest {
    /// A broker (re)joins with this listener; non-voters also become Raft learners.
    RegisterBroker {
        broker_id: i32,
        host: String,
        port: i32,
        rack: Option<String>,
        listeners: Vec<ListenerEndpoint>,
    },
    /// A broker shuts down cleanly.
    FenceBroker {
        broker_id: i32,
    },
    /// A broker is alive (Kafka's BrokerHeartbeat, key 63, sent in process).
    BrokerHeartbeat {
        broker_id: i32,
        /// (topic id, partition) of its replicas whose logs are offline now (Kafka's
        /// `offlineLogDirs`).
        offline_replicas: Vec<(Uuid, i32)>,
    },
    /// AlterPartition (key 56): a leader changes its partition's ISR.
    AlterPartition(super::alter_partition::AlterPartitionRequest),
    /// ElectLeaders (key 43); `None` for every partition.
    ElectLeaders {
        election: Election,
        partitions: Option<Vec<(String, Vec<i32>)>>,
    },
    CreateTopics {
        topics: Vec<NewTopic>,
        validate_only: bool,
    },
    DeleteTopics {
        topics: Vec<TopicRef>,
    },
    /// Grows `topic` to `count` partitions; `assignments` lists the replicas of each new one.
    CreatePartitions {
        topic: String,
        count: i32,
        assignments: Option<Vec<Vec<i32>>>,
        validate_only: bool,
    },
    /// IncrementalAlterConfigs of one resource.
    AlterConfigs {
        resource: ConfigResource,
        ops: Vec<AlterConfigOp>,
        validate_only: bool,
    },
    /// AlterConfigs (key 33) of one resource: its overrides become exactly `configs` (names
    /// unique), the others deleted.
    ReplaceConfigs {
        resource: ConfigResource,
        configs: Vec<(String, String)>,
        validate_only: bool,
    },
    AllocateProducerIds {
        broker_id: i32,
    },
    /// AlterPartitionReassignments (key 45): per topic, each partition's target replicas
    /// (`None` cancels its reassignment).
    AlterPartitionReassignments {
        topics: Vec<TargetReplicas>,
    },
    /// ListPartitionReassignments (key 46): the partitions asked, `None` for every topic.
    ListPartitionReassignments {
        topics: Option<Vec<(String, Vec<i32>)>>,
    },
}

/// A topic the controller created (or would create, when validating only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedTopic {
    pub topic_id: Uuid,
    pub num_partitions: i32,
    pub replication_factor: i16,
    /// The config overrides the topic was created with.
    pub configs: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateTopicResult {
    pub name: String,
    pub result: Result<CreatedTopic, ApiError>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteTopicResult {
    /// The topic's name when known.
    pub name: Option<String>,
    /// The topic's id when known.
    pub topic_id: Option<Uuid>,
    pub result: Result<(), ApiError>,
}

/// Per topic, each partition's election outcome.
pub type ElectionResults = Vec<(String, Vec<(i32, Result<(), ApiError>)>)>;

/// A topic's partitions with the replicas each should move to (`None`: cancel its move).
pub type TargetReplicas = (String, Vec<(i32, Option<Vec<i32>>)>);

/// Per topic, each partition's reassignment outcome.
pub type ReassignmentResults = Vec<(String, Vec<(i32, Result<(), ApiError>)>)>;

/// A partition whose reassignment is under way (Kafka's `OngoingPartitionReassignment`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OngoingReassignment {
    pub topic: String,
    pub partition: i32,
    pub replicas: Vec<i32>,
    pub adding_replicas: Vec<i32>,
    pub removing_replicas: Vec<i32>,
}

/// A block of producer ids `[first_producer_id, first_producer_id + producer_id_len)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProducerIdBlock {
    pub first_producer_id: i64,
    pub producer_id_len: i32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ControllerResponse {
    /// `broker_epoch` is the log index of the registration, as in KRaft.
    RegisterBroker(Result<i64, ApiError>),
    FenceBroker(Result<(), ApiError>),
    BrokerHeartbeat(Result<(), ApiError>),
    ElectLeaders(ElectionResults),
    CreateTopics(Vec<CreateTopicResult>),
    DeleteTopics(Vec<DeleteTopicResult>),
    CreatePartitions(Result<(), ApiError>),
    AlterConfigs(Result<(), ApiError>),
    AllocateProducerIds(Result<ProducerIdBlock, ApiError>),
    AlterPartition(Result<AlteredPartition, ApiError>),
    AlterPartitionReassignments(ReassignmentResults),
    ListPartitionReassignments(Vec<OngoingReassignment>),
}

/// A partition as an AlterPartition left it (Kafka's AlterPartitionResponse partition data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlteredPartition {
    pub leader: i32,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    pub isr: Vec<i32>,
}
