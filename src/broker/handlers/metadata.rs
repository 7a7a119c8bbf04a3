//! ApiKey 3 · Metadata · v0-13
//!
//! Brokers, the controller, and topics with their partitions' leaders, replicas and ISR, from
//! this broker's metadata image. A missing topic is created when the request allows it (v4+,
//! always before) and `auto.create.topics.enable` is on, with `num.partitions` and
//! `default.replication.factor`.
//!
//! Differs from Kafka: an auto-created topic is answered with its partitions at once (Kafka says
//! LEADER_NOT_AVAILABLE first), since the controller call returns after this broker applied it.
//! The controller id is the active controller's broker (kf brokers are combined-mode nodes).
//! Brokers are answered with the address they advertise on the listener the request came
//! through; a broker without that listener is left out, as Kafka does.
//! A replica whose log is offline on its broker (a storage error the broker reported in its
//! heartbeat) is in `offline_replicas`, as Kafka's replica in an offline log dir; a partition
//! left without a leader because of such a replica answers KAFKA_STORAGE_ERROR where Kafka
//! says LEADER_NOT_AVAILABLE, so that clients and `kf topic describe` can tell a storage
//! failure from a leader election.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{
    BrokerId, MetadataRequest, MetadataResponse, RequestHeader, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::authorized_operations::{self, if_asked};
use crate::broker::listener::ListenerName;
use crate::broker::Broker;
use crate::metadata::{MetadataImage, PartitionImage, TopicImage};

pub async fn handle(
    broker: &Broker,
    listener: &ListenerName,
    header: &RequestHeader,
    request: MetadataRequest,
) -> MetadataResponse {
    let version = header.request_api_version;
    let image = broker.image();
    let requested: Option<Vec<Requested>> = match &request.topics {
        None => None,
        Some(topics) if topics.is_empty() && version == 0 => None,
        Some(topics) => Some(
            topics
                .iter()
                .map(|t| requested(&image, t.name.as_ref(), &t.topic_id))
                .collect(),
        ),
    };

    let allow_auto_create = version < 4 || request.allow_auto_topic_creation;
    let mut image = image;
    if let Some(requested) = &requested {
        let missing: Vec<String> = requested
            .iter()
            .filter_map(|r| match r {
                Requested::Missing(name) => Some(name.clone()),
                _ => None,
            })
            .collect();
        if allow_auto_create && broker.config.auto_create_topics_enable && !missing.is_empty() {
            broker.auto_create_topics(&missing).await;
            image = broker.image();
        }
    }

    let topics: Vec<MetadataResponseTopic> = match requested {
        None => image
            .topics
            .values()
            .map(|t| topic_response(&image, t))
            .collect(),
        Some(requested) => requested
            .into_iter()
            .map(|r| match r {
                // Looked up again: a missing topic may just have been auto-created.
                Requested::Found(name) | Requested::Missing(name) => match image.topic(&name) {
                    Some(t) => topic_response(&image, t),
                    None => missing_topic_response(&name),
                },
                Requested::UnknownId(id) => MetadataResponseTopic::default()
                    .with_error_code(ResponseError::UnknownTopicId.code())
                    .with_topic_id(id),
            })
            .collect(),
    };
    let topics = topics
        .into_iter()
        .map(|t| {
            t.with_topic_authorized_operations(if_asked(
                request.include_topic_authorized_operations,
                authorized_operations::TOPIC,
            ))
        })
        .collect();
    // Kafka answers the cluster's operations in v8-10 only (KIP-430, then DescribeCluster).
    let cluster_operations = if_asked(
        (8..=10).contains(&version) && request.include_cluster_authorized_operations,
        authorized_operations::CLUSTER,
    );

    let brokers = image
        .alive_brokers()
        .filter_map(|b| {
            let (host, port) = b.endpoint(listener.as_str())?;
            Some(
                MetadataResponseBroker::default()
                    .with_node_id(BrokerId(b.broker_id))
                    .with_host(StrBytes::from_string(host.to_string()))
                    .with_port(port)
                    .with_rack(b.rack.clone().map(StrBytes::from_string)),
            )
        })
        .collect();
    MetadataResponse::default()
        .with_brokers(brokers)
        .with_cluster_id(image.cluster_id.clone().map(StrBytes::from_string))
        .with_controller_id(BrokerId(broker.quorum.leader_id().unwrap_or(-1)))
        .with_topics(topics)
        .with_cluster_authorized_operations(cluster_operations)
}

enum Requested {
    Found(String),
    Missing(String),
    UnknownId(uuid::Uuid),
}

fn requested(image: &MetadataImage, name: Option<&TopicName>, topic_id: &uuid::Uuid) -> Requested {
    match name {
        Some(name) if image.topic(name.as_str()).is_some() => Requested::Found(name.to_string()),
        Some(name) => Requested::Missing(name.to_string()),
        None => match image.topic_by_id(topic_id) {
            Some(t) => Requested::Found(t.name.clone()),
            None => Requested::UnknownId(*topic_id),
        },
    }
}

fn missing_topic_response(name: &str) -> MetadataResponseTopic {
    let error = if crate::metadata::controller::topic_name::invalid_reason(name).is_some() {
        ResponseError::InvalidTopicException
    } else {
        ResponseError::UnknownTopicOrPartition
    };
    MetadataResponseTopic::default()
        .with_error_code(error.code())
        .with_name(Some(TopicName(StrBytes::from_string(name.to_string()))))
}

/// A partition as Metadata and DescribeTopicPartitions answer it: its leader only while that
/// broker is alive (-1 otherwise, with why: KAFKA_STORAGE_ERROR when a replica's log is
/// offline, else LEADER_NOT_AVAILABLE), and the replicas whose logs are offline.
pub struct PartitionStatus {
    pub error: i16,
    pub leader_id: BrokerId,
    pub offline_replicas: Vec<BrokerId>,
}

pub fn partition_status(
    image: &MetadataImage,
    topic: &TopicImage,
    p: &PartitionImage,
) -> PartitionStatus {
    let online = |id: &i32| image.replica_online(*id, &topic.topic_id, p.partition);
    let offline_replicas: Vec<BrokerId> = p
        .replicas
        .iter()
        .filter(|r| !online(r))
        .map(|r| BrokerId(*r))
        .collect();
    let leader_alive = image.brokers.get(&p.leader).is_some_and(|b| b.alive);
    let error = if leader_alive {
        0
    } else if p
        .replicas
        .iter()
        .any(|r| image.replica_offline(*r, &topic.topic_id, p.partition))
    {
        ResponseError::KafkaStorageError.code()
    } else {
        ResponseError::LeaderNotAvailable.code()
    };
    PartitionStatus {
        error,
        leader_id: BrokerId(if leader_alive { p.leader } else { -1 }),
        offline_replicas,
    }
}

fn topic_response(image: &MetadataImage, topic: &TopicImage) -> MetadataResponseTopic {
    let partitions = topic
        .partitions
        .values()
        .map(|p| {
            let status = partition_status(image, topic, p);
            MetadataResponsePartition::default()
                .with_error_code(status.error)
                .with_partition_index(p.partition)
                .with_leader_id(status.leader_id)
                .with_leader_epoch(p.leader_epoch)
                .with_replica_nodes(p.replicas.iter().map(|r| BrokerId(*r)).collect())
                .with_isr_nodes(p.isr.iter().map(|r| BrokerId(*r)).collect())
                .with_offline_replicas(status.offline_replicas)
        })
        .collect();
    MetadataResponseTopic::default()
        .with_name(Some(TopicName(StrBytes::from_string(topic.name.clone()))))
        .with_topic_id(topic.topic_id)
        .with_is_internal(is_internal_topic(&topic.name))
        .with_partitions(partitions)
}

/// Kafka's internal topics, hidden from nothing but flagged for clients (and closed to Produce).
pub fn is_internal_topic(name: &str) -> bool {
    matches!(name, "__consumer_offsets" | "__transaction_state")
}
