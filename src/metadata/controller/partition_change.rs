//! One partition's change of leader, ISR and assignment, as Kafka's `PartitionChangeBuilder`
//! decides it: the record to write (none when nothing changes), with the leader epoch bumped when
//! the leader changes or a replica leaves the assignment, and the partition epoch bumped on every
//! change. A reassignment under way (KIP-455) completes in the change whose ISR holds every
//! target replica: the removed replicas leave the replicas and the ISR. Eligible leader replicas
//! (KIP-966) are not modelled: an ISR is never emptied, its last member stays in it while fenced.

use super::reassignment::Assignment;
use crate::metadata::image::{MetadataImage, PartitionImage, TopicImage};
use crate::metadata::records::{ConfigResource, MetadataRecord};

pub const NO_LEADER: i32 = -1;

/// Kafka's `PartitionChangeBuilder.Election`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Election {
    /// The first replica if it is in the ISR and acceptable, else as `Online`.
    Preferred,
    /// Keep the current leader if it is still valid, else the first replica in the ISR that is
    /// acceptable.
    Online,
    /// As `Online`, then any acceptable replica even outside the ISR (which becomes just it).
    Unclean,
}

/// What decides one partition's change: the ISR wanted and the election to run.
pub struct PartitionChange<'a, F: Fn(i32) -> bool> {
    pub topic: &'a TopicImage,
    pub partition: &'a PartitionImage,
    /// The ISR wanted; an empty one leaves the ISR as it is (no eligible leader replicas).
    pub target_isr: Vec<i32>,
    pub election: Election,
    /// Whether a broker may lead now: registered and not fenced.
    pub acceptable: F,
    /// The assignment wanted (a reassignment starts or is cancelled); `None` keeps the
    /// partition's.
    pub target_assignment: Option<Assignment>,
}

impl<F: Fn(i32) -> bool> PartitionChange<'_, F> {
    /// The PartitionChangeRecord, or `None` when the partition would not change.
    pub fn build(self) -> Option<MetadataRecord> {
        let partition = self.partition;
        let mut target_isr = if self.target_isr.is_empty() {
            partition.isr.clone()
        } else {
            self.target_isr
        };
        let current = Assignment::of(partition);
        let mut assignment = self.target_assignment.unwrap_or_else(|| current.clone());
        if let Some((completed, isr)) = assignment.complete(&target_isr) {
            assignment = completed;
            target_isr = isr;
        }
        let replicas = &assignment.replicas;
        let valid = |id: i32| id != NO_LEADER && target_isr.contains(&id) && (self.acceptable)(id);
        let preferred = replicas.first().copied().filter(|id| valid(*id));
        let current_leader = Some(partition.leader).filter(|id| valid(*id));
        let clean = match self.election {
            Election::Preferred => preferred.or(current_leader),
            Election::Online | Election::Unclean => current_leader,
        }
        .or_else(|| replicas.iter().copied().find(|id| valid(*id)));
        let (leader, isr) = match clean {
            Some(leader) => (leader, target_isr),
            None => {
                let unclean = match self.election {
                    Election::Unclean => replicas.iter().copied().find(|id| (self.acceptable)(*id)),
                    _ => None,
                };
                match unclean {
                    // Data not in the old ISR's replicas may be lost: the new leader's log wins.
                    Some(leader) => (leader, vec![leader]),
                    None => (NO_LEADER, target_isr),
                }
            }
        };
        if leader == partition.leader && isr == partition.isr && assignment == current {
            return None;
        }
        // A replica dropped from the assignment must stop following: a new leader epoch fences
        // it (Kafka's triggerLeaderEpochBumpForReplicaReassignmentIfNeeded).
        let dropped = partition.replicas.iter().any(|r| !replicas.contains(r));
        let leader_epoch = match leader == partition.leader && !dropped {
            true => partition.leader_epoch,
            false => partition.leader_epoch + 1,
        };
        debug_assert!(leader == NO_LEADER || isr.contains(&leader));
        debug_assert!(isr.iter().all(|r| replicas.contains(r)));
        Some(MetadataRecord::Partition {
            topic_id: self.topic.topic_id,
            partition: partition.partition,
            replicas: assignment.replicas,
            isr,
            leader,
            leader_epoch,
            partition_epoch: partition.partition_epoch + 1,
            adding_replicas: assignment.adding,
            removing_replicas: assignment.removing,
        })
    }
}

/// Whether `topic` may elect a leader outside its ISR: its `unclean.leader.election.enable`
/// override, else the broker default.
pub fn unclean_allowed(image: &MetadataImage, topic: &str, broker_default: bool) -> bool {
    image
        .configs
        .get(&ConfigResource::Topic(topic.to_string()))
        .and_then(|c| c.get("unclean.leader.election.enable"))
        .map_or(broker_default, |v| v.trim().eq_ignore_ascii_case("true"))
}

/// The election that keeps `topic` online: Unclean when allowed, else Online.
pub fn online_election(image: &MetadataImage, topic: &str, broker_default: bool) -> Election {
    match unclean_allowed(image, topic, broker_default) {
        true => Election::Unclean,
        false => Election::Online,
    }
}

/// Every partition of the image with its topic.
pub fn partitions(image: &MetadataImage) -> impl Iterator<Item = (&TopicImage, &PartitionImage)> {
    image
        .topics
        .values()
        .flat_map(|topic| topic.partitions.values().map(move |p| (&**topic, p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn topic() -> TopicImage {
        TopicImage {
            name: "t".into(),
            topic_id: Uuid::nil(),
            partitions: crate::metadata::PartitionMap::new(),
        }
    }

    fn part(replicas: &[i32], isr: &[i32], leader: i32) -> PartitionImage {
        PartitionImage {
            partition: 0,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            leader,
            leader_epoch: 5,
            partition_epoch: 9,
            adding_replicas: Vec::new(),
            removing_replicas: Vec::new(),
        }
    }

    fn change(
        p: &PartitionImage,
        target_isr: &[i32],
        election: Election,
        down: &[i32],
    ) -> Option<(i32, Vec<i32>, i32, i32)> {
        let t = topic();
        let record = PartitionChange {
            topic: &t,
            partition: p,
            target_isr: target_isr.to_vec(),
            election,
            acceptable: |id| !down.contains(&id),
            target_assignment: None,
        }
        .build()?;
        match record {
            MetadataRecord::Partition {
                isr,
                leader,
                leader_epoch,
                partition_epoch,
                ..
            } => Some((leader, isr, leader_epoch, partition_epoch)),
            _ => None,
        }
    }

    #[test]
    fn a_fenced_leader_is_replaced_by_the_next_replica_in_the_isr() {
        let p = part(&[1, 2, 3], &[1, 2, 3], 1);
        assert_eq!(
            change(&p, &[2, 3], Election::Online, &[1]),
            Some((2, vec![2, 3], 6, 10))
        );
    }

    #[test]
    fn an_isr_shrink_without_leader_change_keeps_the_leader_epoch() {
        let p = part(&[1, 2, 3], &[1, 2, 3], 1);
        assert_eq!(
            change(&p, &[1, 2], Election::Online, &[3]),
            Some((1, vec![1, 2], 5, 10))
        );
    }

    #[test]
    fn the_last_isr_member_stays_and_the_partition_goes_offline() {
        let p = part(&[1, 2], &[1], 1);
        assert_eq!(
            change(&p, &[], Election::Online, &[1]),
            Some((NO_LEADER, vec![1], 6, 10))
        );
        let offline = part(&[1, 2], &[1], NO_LEADER);
        assert_eq!(change(&offline, &[], Election::Online, &[1]), None);
    }

    #[test]
    fn unclean_election_takes_an_out_of_sync_replica_as_the_whole_isr() {
        let offline = part(&[1, 2], &[1], NO_LEADER);
        assert_eq!(
            change(&offline, &[], Election::Unclean, &[1]),
            Some((2, vec![2], 6, 10))
        );
    }

    #[test]
    fn preferred_election_moves_leadership_back_only_when_the_preferred_is_in_sync() {
        let p = part(&[1, 2, 3], &[1, 2, 3], 2);
        assert_eq!(
            change(&p, &[], Election::Preferred, &[]),
            Some((1, vec![1, 2, 3], 6, 10))
        );
        let behind = part(&[1, 2, 3], &[2, 3], 2);
        assert_eq!(change(&behind, &[], Election::Preferred, &[]), None);
        assert_eq!(change(&p, &[], Election::Preferred, &[1]), None);
    }

    #[test]
    fn a_returning_isr_member_leads_an_offline_partition() {
        let offline = part(&[1, 2], &[1], NO_LEADER);
        assert_eq!(
            change(&offline, &[], Election::Online, &[2]),
            Some((1, vec![1], 6, 10))
        );
    }
}
