//! AlterPartitionReassignments (key 45) and ListPartitionReassignments (key 46) at the
//! controller, as Kafka's `ReplicationControlManager` (KIP-455). A reassignment writes the target
//! replicas first followed by those it removes, with `adding_replicas` and `removing_replicas`
//! set: the added replicas start fetching from the leader, and the leader takes each into the ISR
//! once caught up (AlterPartition). The change whose ISR holds every target replica completes it
//! (`PartitionChange`): the removed replicas leave, a new leader is elected if the old one was
//! removed, and the leader epoch moves so the removed brokers stop and delete their logs.
//! Cancelling (null replicas) goes back to the original replicas, dropping the added ones.

use std::collections::BTreeSet;

use kafka_protocol::error::ResponseError;

use super::manual_assignment::{self, invalid_assignment};
use super::partition_change::{unclean_allowed, Election, PartitionChange};
use super::request::{
    ApiError, ControllerResponse, OngoingReassignment, ReassignmentResults, TargetReplicas,
};
use super::Decision;
use crate::metadata::image::{MetadataImage, PartitionImage, TopicImage};
use crate::metadata::records::MetadataRecord;

/// A partition's replica assignment: `adding` and `removing` are in `replicas` and are both
/// empty unless a reassignment is under way (Kafka's `PartitionReassignmentReplicas`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignment {
    pub replicas: Vec<i32>,
    pub adding: Vec<i32>,
    pub removing: Vec<i32>,
}

impl Assignment {
    pub fn of(partition: &PartitionImage) -> Self {
        Self {
            replicas: partition.replicas.clone(),
            adding: partition.adding_replicas.clone(),
            removing: partition.removing_replicas.clone(),
        }
    }

    /// The assignment moving `current` to `target`: the target replicas, then those removed;
    /// added and removed sorted by id, as Kafka.
    pub fn reassign(current: &[i32], target: &[i32]) -> Self {
        let removing: Vec<i32> = difference(current, target);
        let adding: Vec<i32> = difference(target, current);
        let mut replicas = target.to_vec();
        replicas.extend(&removing);
        Self {
            replicas,
            adding,
            removing,
        }
    }

    /// The assignment and ISR a cancelled reassignment goes back to (Kafka's
    /// `PartitionReassignmentRevert`), and whether that takes an unclean election: every ISR
    /// member was being added.
    pub fn revert(partition: &PartitionImage) -> (Self, Vec<i32>, bool) {
        let keep = |r: &i32| !partition.adding_replicas.contains(r);
        let replicas: Vec<i32> = partition.replicas.iter().copied().filter(keep).collect();
        let mut isr: Vec<i32> = partition.isr.iter().copied().filter(keep).collect();
        let unclean = isr.is_empty();
        if unclean {
            isr.extend(replicas.first());
        }
        let assignment = Self {
            replicas,
            adding: Vec::new(),
            removing: Vec::new(),
        };
        (assignment, isr, unclean)
    }

    /// The completed assignment and ISR when `isr` holds every replica left once the removed
    /// ones go (Kafka's `maybeCompleteReassignment`); `None` while catching up, or when no
    /// reassignment is under way.
    pub fn complete(&self, isr: &[i32]) -> Option<(Self, Vec<i32>)> {
        if self.adding.is_empty() && self.removing.is_empty() {
            return None;
        }
        let stays = |r: &i32| !self.removing.contains(r);
        let isr: Vec<i32> = isr.iter().copied().filter(stays).collect();
        let replicas: Vec<i32> = self.replicas.iter().copied().filter(stays).collect();
        if isr.is_empty() || replicas.is_empty() || !replicas.iter().all(|r| isr.contains(r)) {
            return None;
        }
        let completed = Self {
            replicas,
            adding: Vec::new(),
            removing: Vec::new(),
        };
        Some((completed, isr))
    }
}

/// The ids of `a` not in `b`, sorted.
fn difference(a: &[i32], b: &[i32]) -> Vec<i32> {
    let set: BTreeSet<i32> = a.iter().copied().filter(|r| !b.contains(r)).collect();
    set.into_iter().collect()
}

/// AlterPartitionReassignments: per topic, each partition's target replicas (`None` cancels).
/// Every accepted partition's record goes in one batch.
pub fn alter_partition_reassignments(
    image: &MetadataImage,
    unclean_default: bool,
    topics: &[TargetReplicas],
) -> Decision {
    let mut records = Vec::new();
    let mut results: ReassignmentResults = Vec::new();
    for (name, partitions) in topics {
        let outcomes = partitions
            .iter()
            .map(|(index, target)| {
                let outcome = alter_one(image, unclean_default, name, *index, target.as_deref())
                    .map(|record| records.extend(record));
                (*index, outcome)
            })
            .collect();
        results.push((name.clone(), outcomes));
    }
    Decision {
        response: ControllerResponse::AlterPartitionReassignments(results),
        records,
    }
}

fn alter_one(
    image: &MetadataImage,
    unclean_default: bool,
    name: &str,
    index: i32,
    target: Option<&[i32]>,
) -> Result<Option<MetadataRecord>, ApiError> {
    let topic = image.topic(name).ok_or_else(|| {
        ApiError::new(
            ResponseError::UnknownTopicOrPartition,
            format!("Unable to find a topic named {name}."),
        )
    })?;
    let partition = topic.partitions.get(&index).ok_or_else(|| {
        ApiError::new(
            ResponseError::UnknownTopicOrPartition,
            format!("Unable to find partition {name}:{index}."),
        )
    })?;
    match target {
        None => cancel(image, unclean_default, topic, partition),
        Some(target) => {
            manual_assignment::validate(image, target, None)?;
            let assignment = Assignment::reassign(&partition.replicas, target);
            Ok(change(
                image,
                topic,
                partition,
                Election::Online,
                assignment,
                Vec::new(),
            ))
        }
    }
}

fn cancel(
    image: &MetadataImage,
    unclean_default: bool,
    topic: &TopicImage,
    partition: &PartitionImage,
) -> Result<Option<MetadataRecord>, ApiError> {
    if !partition.is_reassigning() {
        return Err(ApiError::new(
            ResponseError::NoReassignmentInProgress,
            "No partition reassignment is in progress for this topic-partition.",
        ));
    }
    let unclean = unclean_allowed(image, &topic.name, unclean_default);
    let (assignment, isr, needs_unclean) = Assignment::revert(partition);
    if needs_unclean && !unclean {
        return Err(invalid_assignment(format!(
            "Unable to revert partition assignment for {}:{} because it would require an \
             unclean leader election.",
            topic.name, partition.partition
        )));
    }
    let election = match unclean {
        true => Election::Unclean,
        false => Election::Online,
    };
    Ok(change(image, topic, partition, election, assignment, isr))
}

fn change(
    image: &MetadataImage,
    topic: &TopicImage,
    partition: &PartitionImage,
    election: Election,
    assignment: Assignment,
    target_isr: Vec<i32>,
) -> Option<MetadataRecord> {
    PartitionChange {
        topic,
        partition,
        target_isr,
        election,
        acceptable: |id| image.replica_online(id, &topic.topic_id, partition.partition),
        target_assignment: Some(assignment),
    }
    .build()
}

/// ListPartitionReassignments: the reassigning partitions of the topics asked (`None`: of
/// every topic); unknown topics and partitions not reassigning are left out, as Kafka.
pub fn list_partition_reassignments(
    image: &MetadataImage,
    topics: Option<&[(String, Vec<i32>)]>,
) -> Decision {
    let ongoing = |topic: &TopicImage, partition: &PartitionImage| OngoingReassignment {
        topic: topic.name.clone(),
        partition: partition.partition,
        replicas: partition.replicas.clone(),
        adding_replicas: partition.adding_replicas.clone(),
        removing_replicas: partition.removing_replicas.clone(),
    };
    let listed: Vec<OngoingReassignment> = match topics {
        None => image
            .topics
            .values()
            .flat_map(|t| t.partitions.values().map(move |p| (t, p)))
            .filter(|(_, p)| p.is_reassigning())
            .map(|(t, p)| ongoing(t, p))
            .collect(),
        Some(wanted) => wanted
            .iter()
            .filter_map(|(name, indexes)| Some((image.topic(name)?, indexes)))
            .flat_map(|(t, indexes)| {
                indexes
                    .iter()
                    .filter_map(move |i| t.partitions.get(i))
                    .filter(|p| p.is_reassigning())
                    .map(move |p| ongoing(t, p))
            })
            .collect(),
    };
    Decision {
        response: ControllerResponse::ListPartitionReassignments(listed),
        records: Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn partition(
        replicas: &[i32],
        isr: &[i32],
        adding: &[i32],
        removing: &[i32],
    ) -> PartitionImage {
        PartitionImage {
            partition: 0,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            leader: isr[0],
            leader_epoch: 3,
            partition_epoch: 7,
            adding_replicas: adding.to_vec(),
            removing_replicas: removing.to_vec(),
        }
    }

    #[test]
    fn a_move_lists_the_targets_then_the_removed_replicas() {
        let moved = Assignment::reassign(&[1, 2], &[2, 3]);
        assert_eq!(moved.replicas, vec![2, 3, 1]);
        assert_eq!((moved.adding, moved.removing), (vec![3], vec![1]));
        let reordered = Assignment::reassign(&[1, 2], &[2, 1]);
        assert_eq!(reordered.replicas, vec![2, 1]);
        assert!(reordered.adding.is_empty() && reordered.removing.is_empty());
    }

    #[test]
    fn a_reassignment_completes_only_once_every_target_is_in_sync() {
        let moving = Assignment::reassign(&[1, 2], &[2, 3]);
        assert_eq!(moving.complete(&[1, 2]), None);
        let (done, isr) = moving.complete(&[1, 2, 3]).unwrap();
        assert_eq!((done.replicas, isr), (vec![2, 3], vec![2, 3]));
        assert!(done.adding.is_empty() && done.removing.is_empty());
        assert_eq!(
            Assignment::of(&partition(&[1], &[1], &[], &[])).complete(&[1]),
            None
        );
    }

    #[test]
    fn a_cancel_drops_the_added_replicas_and_is_unclean_when_only_they_are_in_sync() {
        let (back, isr, unclean) = Assignment::revert(&partition(&[2, 3, 1], &[1, 2], &[3], &[1]));
        assert_eq!(
            (back.replicas, isr, unclean),
            (vec![2, 1], vec![1, 2], false)
        );
        let (back, isr, unclean) = Assignment::revert(&partition(&[3, 1], &[3], &[3], &[1]));
        assert_eq!((back.replicas, isr, unclean), (vec![1], vec![1], true));
    }
}
