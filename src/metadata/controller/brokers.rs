//! Broker lifecycle and producer id blocks, as KRaft's `ClusterControlManager` and
//! `ProducerIdControlManager`. A fenced broker gives up the leadership of its partitions (another
//! alive ISR member takes over, or the partition is left without a leader); when it registers
//! again it takes back the leaderless partitions whose ISR it is in. Each leader change bumps the
//! leader and partition epochs.

use kafka_protocol::error::ResponseError;

use super::request::{ApiError, ControllerResponse, ProducerIdBlock};
use super::Decision;
use crate::metadata::image::{MetadataImage, PartitionImage, TopicImage};
use crate::metadata::records::MetadataRecord;

/// How many producer ids one AllocateProducerIds hands out, as Kafka's `PRODUCER_ID_BLOCK_SIZE`.
pub const PRODUCER_ID_BLOCK_SIZE: i32 = 1000;

const NO_LEADER: i32 = -1;

/// The records of a registration; the response (the broker epoch) is known only once written.
/// `registration` is broker `broker_id`'s `MetadataRecord::RegisterBroker`.
pub fn register_broker(
    image: &MetadataImage,
    broker_id: i32,
    registration: MetadataRecord,
) -> Result<Vec<MetadataRecord>, ApiError> {
    if broker_id < 0 {
        return Err(ApiError::new(
            ResponseError::InvalidRequest,
            format!("Invalid broker id {broker_id}."),
        ));
    }
    let mut records = vec![registration];
    for (topic, partition) in partitions(image) {
        if partition.leader == NO_LEADER && partition.isr.contains(&broker_id) {
            records.push(leader_change(
                topic,
                partition,
                partition.isr.clone(),
                broker_id,
            ));
        }
    }
    Ok(records)
}

pub fn fence_broker(image: &MetadataImage, broker_id: i32) -> Decision {
    if !image.brokers.contains_key(&broker_id) {
        return Decision {
            response: ControllerResponse::FenceBroker(Err(not_registered(broker_id))),
            records: Vec::new(),
        };
    }
    let mut records = vec![MetadataRecord::FenceBroker { broker_id }];
    for (topic, partition) in partitions(image) {
        if partition.leader != broker_id {
            continue;
        }
        // Kafka keeps the last ISR member in the ISR so that it can lead again.
        let others: Vec<i32> = partition
            .isr
            .iter()
            .copied()
            .filter(|id| *id != broker_id)
            .collect();
        let isr = if others.is_empty() {
            partition.isr.clone()
        } else {
            others
        };
        let leader = isr
            .iter()
            .copied()
            .find(|id| *id != broker_id && image.brokers.get(id).is_some_and(|b| b.alive))
            .unwrap_or(NO_LEADER);
        records.push(leader_change(topic, partition, isr, leader));
    }
    Decision {
        response: ControllerResponse::FenceBroker(Ok(())),
        records,
    }
}

pub fn allocate_producer_ids(image: &MetadataImage, broker_id: i32) -> Decision {
    let block = if !image.brokers.contains_key(&broker_id) {
        Err(not_registered(broker_id))
    } else {
        let first_producer_id = image.next_producer_id;
        first_producer_id
            .checked_add(i64::from(PRODUCER_ID_BLOCK_SIZE))
            .map(|next| (first_producer_id, next))
            .ok_or_else(|| {
                ApiError::new(
                    ResponseError::UnknownServerError,
                    "Exhausted all producerIds as the next block's end producerId has exceeded the int64 type limit",
                )
            })
    };
    match block {
        Ok((first_producer_id, next_producer_id)) => Decision {
            response: ControllerResponse::AllocateProducerIds(Ok(ProducerIdBlock {
                first_producer_id,
                producer_id_len: PRODUCER_ID_BLOCK_SIZE,
            })),
            records: vec![MetadataRecord::ProducerIds {
                broker_id,
                next_producer_id,
            }],
        },
        Err(error) => Decision {
            response: ControllerResponse::AllocateProducerIds(Err(error)),
            records: Vec::new(),
        },
    }
}

fn not_registered(broker_id: i32) -> ApiError {
    ApiError::new(
        ResponseError::BrokerIdNotRegistered,
        format!("Broker ID {broker_id} is not currently registered"),
    )
}

fn partitions(image: &MetadataImage) -> impl Iterator<Item = (&TopicImage, &PartitionImage)> {
    image
        .topics
        .values()
        .flat_map(|topic| topic.partitions.values().map(move |p| (topic, p)))
}

fn leader_change(
    topic: &TopicImage,
    partition: &PartitionImage,
    isr: Vec<i32>,
    leader: i32,
) -> MetadataRecord {
    MetadataRecord::Partition {
        topic_id: topic.topic_id,
        partition: partition.partition,
        replicas: partition.replicas.clone(),
        isr,
        leader,
        leader_epoch: partition.leader_epoch + 1,
        partition_epoch: partition.partition_epoch + 1,
    }
}
