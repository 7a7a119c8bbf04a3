//! AlterPartition (key 56) at the controller, as Kafka's
//! `ReplicationControlManager.alterPartition`: a partition leader asks to change its ISR
//! (shrink a lagging follower out, take a caught-up one back in). The request must come from the
//! current leader in the current leader epoch and partition epoch; the new ISR must hold the
//! leader, only replicas, and only registered unfenced brokers. The change is written as a
//! Partition record with the partition epoch bumped (the leader epoch stays), through
//! `PartitionChange`: an ISR that takes in the last replica a reassignment adds completes it
//! there, and when that removes the leader, the new leader is elected in the same record and the
//! answer is NEW_LEADER_ELECTED, as Kafka (from AlterPartition v2).
//!
//! Differs from Kafka: broker epochs are not checked (kf's brokers are in process, so a stale
//! incarnation cannot send one); leader recovery states are not modelled (always RECOVERED).

use kafka_protocol::error::ResponseError;
use uuid::Uuid;

use super::partition_change::{Election, PartitionChange};
use super::request::{AlteredPartition, ApiError, ControllerResponse};
use super::Decision;
use crate::metadata::image::{MetadataImage, PartitionImage, TopicImage};
use crate::metadata::records::MetadataRecord;

/// What the leader asks: its view of the partition (epochs) and the ISR it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlterPartitionRequest {
    pub broker_id: i32,
    pub topic_id: Uuid,
    pub partition: i32,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    pub new_isr: Vec<i32>,
}

pub fn alter_partition(image: &MetadataImage, request: &AlterPartitionRequest) -> Decision {
    let (records, response) = match validate(image, request) {
        Ok((topic, partition)) => change(image, request, topic, partition),
        Err(e) => (Vec::new(), Err(e)),
    };
    Decision {
        response: ControllerResponse::AlterPartition(response),
        records,
    }
}

fn reject(code: ResponseError, message: String) -> ApiError {
    ApiError::new(code, message)
}

fn validate<'a>(
    image: &'a MetadataImage,
    request: &AlterPartitionRequest,
) -> Result<(&'a TopicImage, &'a PartitionImage), ApiError> {
    let topic = image
        .topic_by_id(&request.topic_id)
        .ok_or_else(|| reject(ResponseError::UnknownTopicId, "unknown topic id".into()))?;
    let name = &topic.name;
    let id = request.partition;
    let partition = topic.partitions.get(&id).ok_or_else(|| {
        reject(
            ResponseError::UnknownTopicOrPartition,
            format!("unknown partition {name}-{id}"),
        )
    })?;
    // A leader ahead of this image probably talks to a controller that lost its place.
    if request.leader_epoch > partition.leader_epoch
        || request.partition_epoch > partition.partition_epoch
    {
        return Err(reject(
            ResponseError::NotController,
            format!("{name}-{id} is at a newer epoch than this controller knows"),
        ));
    }
    if request.leader_epoch < partition.leader_epoch {
        return Err(reject(
            ResponseError::FencedLeaderEpoch,
            format!(
                "the leader epoch of {name}-{id} is {}, not {}",
                partition.leader_epoch, request.leader_epoch
            ),
        ));
    }
    if request.broker_id != partition.leader {
        return Err(reject(
            ResponseError::InvalidRequest,
            format!(
                "broker {} does not lead {name}-{id} (broker {} does)",
                request.broker_id, partition.leader
            ),
        ));
    }
    if request.partition_epoch < partition.partition_epoch {
        return Err(reject(
            ResponseError::InvalidUpdateVersion,
            format!(
                "the partition epoch of {name}-{id} is {}, not {}",
                partition.partition_epoch, request.partition_epoch
            ),
        ));
    }
    let mut seen = Vec::with_capacity(request.new_isr.len());
    for &replica in &request.new_isr {
        if !partition.replicas.contains(&replica) || seen.contains(&replica) {
            return Err(reject(
                ResponseError::InvalidRequest,
                format!("invalid ISR {:?} for {name}-{id}", request.new_isr),
            ));
        }
        seen.push(replica);
    }
    if !request.new_isr.contains(&partition.leader) {
        return Err(reject(
            ResponseError::InvalidRequest,
            format!(
                "the ISR {:?} of {name}-{id} leaves out its leader",
                request.new_isr
            ),
        ));
    }
    let ineligible: Vec<i32> = request
        .new_isr
        .iter()
        .copied()
        .filter(|b| !image.brokers.get(b).is_some_and(|r| r.alive))
        .collect();
    if !ineligible.is_empty() {
        return Err(reject(
            ResponseError::IneligibleReplica,
            format!("brokers {ineligible:?} are fenced or unknown: they cannot join the ISR of {name}-{id}"),
        ));
    }
    Ok((topic, partition))
}

/// The record of the ISR change (none when the ISR is already the one asked) and the answer.
fn change(
    image: &MetadataImage,
    request: &AlterPartitionRequest,
    topic: &TopicImage,
    partition: &PartitionImage,
) -> (Vec<MetadataRecord>, Result<AlteredPartition, ApiError>) {
    let altered = AlteredPartition {
        leader: partition.leader,
        leader_epoch: partition.leader_epoch,
        partition_epoch: partition.partition_epoch,
        isr: partition.isr.clone(),
    };
    let change = PartitionChange {
        topic,
        partition,
        target_isr: request.new_isr.clone(),
        election: Election::Online,
        acceptable: |id| image.replica_online(id, &topic.topic_id, partition.partition),
        target_assignment: None,
    };
    let Some(record) = change.build() else {
        return (Vec::new(), Ok(altered));
    };
    let MetadataRecord::Partition {
        leader,
        leader_epoch,
        partition_epoch,
        ref isr,
        ..
    } = record
    else {
        return (Vec::new(), Ok(altered));
    };
    if leader != request.broker_id {
        // The change completed a reassignment that removed this leader.
        let error = ApiError::new(
            ResponseError::NewLeaderElected,
            format!(
                "the reassignment of {}-{} completed and moved its leadership",
                topic.name, partition.partition
            ),
        );
        return (vec![record], Err(error));
    }
    let altered = AlteredPartition {
        leader,
        leader_epoch,
        partition_epoch,
        isr: isr.clone(),
    };
    (vec![record], Ok(altered))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const TOPIC: Uuid = Uuid::from_u128(9);

    fn image() -> MetadataImage {
        let mut image = MetadataImage::default();
        for broker_id in 1..=3 {
            image.apply(&MetadataRecord::RegisterBroker {
                broker_id,
                host: "localhost".into(),
                port: 9092,
                rack: None,
                listeners: Vec::new(),
            });
        }
        image.apply(&MetadataRecord::FenceBroker { broker_id: 3 });
        image.apply(&MetadataRecord::Topic {
            name: "t".into(),
            topic_id: TOPIC,
        });
        image.apply(&MetadataRecord::Partition {
            topic_id: TOPIC,
            partition: 0,
            replicas: vec![1, 2, 3],
            isr: vec![1, 2, 3],
            leader: 1,
            leader_epoch: 4,
            partition_epoch: 7,
            adding_replicas: Vec::new(),
            removing_replicas: Vec::new(),
        });
        image
    }

    fn ask(new_isr: &[i32], broker_id: i32, leader_epoch: i32, partition_epoch: i32) -> Decision {
        alter_partition(
            &image(),
            &AlterPartitionRequest {
                broker_id,
                topic_id: TOPIC,
                partition: 0,
                leader_epoch,
                partition_epoch,
                new_isr: new_isr.to_vec(),
            },
        )
    }

    fn code(decision: &Decision) -> Option<ResponseError> {
        match &decision.response {
            ControllerResponse::AlterPartition(Err(e)) => Some(e.code),
            _ => None,
        }
    }

    #[test]
    fn a_shrink_bumps_the_partition_epoch_only() {
        let decision = ask(&[1, 2], 1, 4, 7);
        let ControllerResponse::AlterPartition(Ok(altered)) = &decision.response else {
            panic!("refused: {:?}", decision.response);
        };
        assert_eq!(altered.isr, vec![1, 2]);
        assert_eq!((altered.leader_epoch, altered.partition_epoch), (4, 8));
        assert!(matches!(
            &decision.records[..],
            [MetadataRecord::Partition { isr, partition_epoch: 8, leader_epoch: 4, .. }] if isr == &vec![1, 2]
        ));
    }

    #[test]
    fn stale_or_foreign_requests_are_refused_as_kafka() {
        use ResponseError::*;
        assert_eq!(code(&ask(&[1, 2], 1, 3, 7)), Some(FencedLeaderEpoch));
        assert_eq!(code(&ask(&[1, 2], 1, 5, 7)), Some(NotController));
        assert_eq!(code(&ask(&[1, 2], 1, 4, 6)), Some(InvalidUpdateVersion));
        assert_eq!(code(&ask(&[1, 2], 2, 4, 7)), Some(InvalidRequest));
        assert_eq!(code(&ask(&[2], 1, 4, 7)), Some(InvalidRequest));
        assert_eq!(code(&ask(&[1, 4], 1, 4, 7)), Some(InvalidRequest));
        assert_eq!(code(&ask(&[1, 1], 1, 4, 7)), Some(InvalidRequest));
        // Broker 3 is fenced: it may not come back into the ISR.
        let decision = alter_partition(
            &{
                let mut i = image();
                i.apply(&MetadataRecord::Partition {
                    topic_id: TOPIC,
                    partition: 0,
                    replicas: vec![1, 2, 3],
                    isr: vec![1, 2],
                    leader: 1,
                    leader_epoch: 4,
                    partition_epoch: 8,
                    adding_replicas: Vec::new(),
                    removing_replicas: Vec::new(),
                });
                i
            },
            &AlterPartitionRequest {
                broker_id: 1,
                topic_id: TOPIC,
                partition: 0,
                leader_epoch: 4,
                partition_epoch: 8,
                new_isr: vec![1, 2, 3],
            },
        );
        assert_eq!(code(&decision), Some(IneligibleReplica));
    }
}
