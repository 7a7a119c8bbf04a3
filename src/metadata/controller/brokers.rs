//! Broker lifecycle and producer id blocks, as KRaft's `ClusterControlManager`,
//! `ReplicationControlManager` (fencing, unfencing, elections) and `ProducerIdControlManager`.
//! A fenced broker leaves the ISR of every partition (except as its last member) and gives up its
//! leaderships to the next in-sync replica; an unfenced or registered broker lets leaderless
//! partitions elect again. Leader changes follow [`PartitionChange`] (Kafka's
//! `PartitionChangeBuilder`). A registration of a broker the controller still thinks unfenced is a
//! new incarnation after a crash: the old one is fenced first, so its leaderships move.
//!
//! Differs from Kafka: a registration's records hold one Partition record per partition, its
//! last state, where Kafka writes the fence's change and the election's (the image after them
//! is the same; the leaderless state in between is not written).

use std::collections::{BTreeMap, BTreeSet};

use kafka_protocol::error::ResponseError;
use uuid::Uuid;

use super::partition_change::{online_election, partitions, Election, PartitionChange, NO_LEADER};
use super::request::{ApiError, ControllerResponse, ElectionResults, ProducerIdBlock};
use super::Decision;
use crate::metadata::image::{MetadataImage, PartitionImage, TopicImage};
use crate::metadata::records::MetadataRecord;

/// How many producer ids one AllocateProducerIds hands out, as Kafka's `PRODUCER_ID_BLOCK_SIZE`.
pub const PRODUCER_ID_BLOCK_SIZE: i32 = 1000;

/// Records written one after another, each applied to a working copy of the image so that the
/// next decision sees it.
struct Changes {
    image: MetadataImage,
    records: Vec<MetadataRecord>,
}

impl Changes {
    fn new(image: &MetadataImage) -> Self {
        Self {
            image: image.clone(),
            records: Vec::new(),
        }
    }

    fn push(&mut self, record: MetadataRecord) {
        self.image.apply(&record);
        self.records.push(record);
    }

    fn extend(&mut self, records: Vec<MetadataRecord>) {
        for record in records {
            self.push(record);
        }
    }
}

fn alive(image: &MetadataImage, id: i32) -> bool {
    image.brokers.get(&id).is_some_and(|b| b.alive)
}

/// The records of a registration; the response (the broker epoch) is known only once written.
/// `registration` is broker `broker_id`'s `MetadataRecord::RegisterBroker`.
pub fn register_broker(
    image: &MetadataImage,
    broker_id: i32,
    registration: MetadataRecord,
    unclean_default: bool,
) -> Result<Vec<MetadataRecord>, ApiError> {
    if broker_id < 0 {
        return Err(ApiError::new(
            ResponseError::InvalidRequest,
            format!("Invalid broker id {broker_id}."),
        ));
    }
    let mut changes = Changes::new(image);
    if alive(image, broker_id) {
        let fenced = fence_records(&changes.image, broker_id, unclean_default);
        changes.extend(fenced);
    }
    changes.push(registration);
    let elected = elect_leaderless(&changes.image, unclean_default);
    changes.extend(elected);
    Ok(last_state_of_each_partition(changes.records))
}

/// `records` with only the last Partition record of each partition: a Partition record is
/// the partition's whole state, so the image after them is the same. A restarted broker's
/// registration fences its old incarnation and elects its partitions again; each partition it
/// led alone is then one record (leader epoch + 2, as after Kafka's two), not two: 100,000
/// records fewer to write, replicate and apply at every restart of a 100,000-partition cluster.
fn last_state_of_each_partition(records: Vec<MetadataRecord>) -> Vec<MetadataRecord> {
    let mut later = std::collections::HashSet::new();
    let mut kept: Vec<MetadataRecord> = records
        .into_iter()
        .rev()
        .filter(|record| match record {
            MetadataRecord::Partition {
                topic_id,
                partition,
                ..
            } => later.insert((*topic_id, *partition)),
            _ => true,
        })
        .collect();
    kept.reverse();
    kept
}

/// A clean shutdown or an expired session.
pub fn fence_broker(image: &MetadataImage, broker_id: i32, unclean_default: bool) -> Decision {
    if !image.brokers.contains_key(&broker_id) {
        return Decision {
            response: ControllerResponse::FenceBroker(Err(not_registered(broker_id))),
            records: Vec::new(),
        };
    }
    Decision {
        response: ControllerResponse::FenceBroker(Ok(())),
        records: fence_records(image, broker_id, unclean_default),
    }
}

/// A heartbeat: an unknown broker must register (BROKER_ID_NOT_REGISTERED); a fenced one is
/// unfenced. `offline_replicas` are the broker's partitions whose logs are offline now (Kafka's
/// `offlineLogDirs`, per partition here): a newly offline replica leaves the ISR and its
/// leadership as in Kafka's `handleDirectoriesOffline`, one back online may lead again; then
/// leaderless partitions elect among the replicas that can serve.
pub fn heartbeat(
    image: &MetadataImage,
    broker_id: i32,
    offline_replicas: &[(Uuid, i32)],
    unclean_default: bool,
) -> Decision {
    let Some(registration) = image.brokers.get(&broker_id) else {
        return Decision {
            response: ControllerResponse::BrokerHeartbeat(Err(not_registered(broker_id))),
            records: Vec::new(),
        };
    };
    // Only partitions that exist with a replica here count: a deleted topic's log may linger.
    let reported: BTreeSet<(Uuid, i32)> = offline_replicas
        .iter()
        .filter(|(topic_id, partition)| {
            image
                .topic_by_id(topic_id)
                .and_then(|t| t.partitions.get(partition))
                .is_some_and(|p| p.replicas.contains(&broker_id))
        })
        .copied()
        .collect();
    let offline_changed = reported != registration.offline_replicas;
    if registration.alive && !offline_changed {
        return Decision {
            response: ControllerResponse::BrokerHeartbeat(Ok(())),
            records: Vec::new(),
        };
    }
    let mut changes = Changes::new(image);
    if !registration.alive {
        changes.push(MetadataRecord::UnfenceBroker { broker_id });
    }
    if offline_changed {
        let newly_offline: Vec<(Uuid, i32)> = reported
            .difference(&registration.offline_replicas)
            .copied()
            .collect();
        changes.push(MetadataRecord::OfflineReplicas {
            broker_id,
            partitions: reported.into_iter().collect(),
        });
        let moved =
            offline_replica_records(&changes.image, broker_id, &newly_offline, unclean_default);
        changes.extend(moved);
    }
    let elected = elect_leaderless(&changes.image, unclean_default);
    changes.extend(elected);
    Decision {
        response: ControllerResponse::BrokerHeartbeat(Ok(())),
        records: changes.records,
    }
}

/// The ISR shrinks and leader changes of replicas of `broker_id` gone offline: each leaves its
/// partition's ISR (except as its last member) and gives up its leadership, as fencing does
/// for all of a broker's partitions.
fn offline_replica_records(
    image: &MetadataImage,
    broker_id: i32,
    offline: &[(Uuid, i32)],
    unclean_default: bool,
) -> Vec<MetadataRecord> {
    offline
        .iter()
        .filter_map(|(topic_id, id)| {
            let topic = image.topic_by_id(topic_id)?;
            let partition = topic.partitions.get(id)?;
            without_broker(image, topic, partition, broker_id, unclean_default)
        })
        .collect()
}

/// FenceBroker, then the ISR shrinks and leader changes it causes (Kafka's `handleBrokerFenced`).
fn fence_records(
    image: &MetadataImage,
    broker_id: i32,
    unclean_default: bool,
) -> Vec<MetadataRecord> {
    let mut records = vec![MetadataRecord::FenceBroker { broker_id }];
    for (topic, partition) in partitions(image) {
        if partition.isr.contains(&broker_id) {
            records.extend(without_broker(
                image,
                topic,
                partition,
                broker_id,
                unclean_default,
            ));
        }
    }
    records
}

/// The change that takes `broker_id` out of a partition's ISR and leadership. Emptied, the ISR
/// keeps its last member so that it can lead again.
fn without_broker(
    image: &MetadataImage,
    topic: &TopicImage,
    partition: &PartitionImage,
    broker_id: i32,
    unclean_default: bool,
) -> Option<MetadataRecord> {
    PartitionChange {
        topic,
        partition,
        target_isr: partition
            .isr
            .iter()
            .copied()
            .filter(|id| *id != broker_id)
            .collect(),
        election: online_election(image, &topic.name, unclean_default),
        acceptable: |id| {
            id != broker_id && image.replica_online(id, &topic.topic_id, partition.partition)
        },
        target_assignment: None,
    }
    .build()
}

/// Elections for every partition without a leader, among the brokers `image` has unfenced.
pub fn elect_leaderless(image: &MetadataImage, unclean_default: bool) -> Vec<MetadataRecord> {
    partitions(image)
        .filter(|(_, p)| p.leader == NO_LEADER)
        .filter_map(|(topic, partition)| {
            PartitionChange {
                topic,
                partition,
                target_isr: Vec::new(),
                election: online_election(image, &topic.name, unclean_default),
                acceptable: |id| image.replica_online(id, &topic.topic_id, partition.partition),
                target_assignment: None,
            }
            .build()
        })
        .collect()
}

/// ElectLeaders (key 43), as Kafka's `ReplicationControlManager.electLeaders`: `None` asks for
/// every partition and leaves out those that need no election.
pub fn elect_leaders(
    image: &MetadataImage,
    election: Election,
    requested: Option<&[(String, Vec<i32>)]>,
) -> Decision {
    let mut changes = Changes::new(image);
    let mut results: ElectionResults = Vec::new();
    let everything: Vec<(String, Vec<i32>)>;
    let (wanted, report_all) = match requested {
        Some(wanted) => (wanted, true),
        None => {
            everything = image
                .topics
                .values()
                .map(|t| (t.name.clone(), t.partitions.keys().copied().collect()))
                .collect();
            (everything.as_slice(), false)
        }
    };
    for (topic, ids) in wanted {
        let mut outcomes = Vec::new();
        for id in ids {
            let outcome = elect_one(&changes.image, election, topic, *id);
            let outcome = match outcome {
                Ok(record) => {
                    changes.push(record);
                    Ok(())
                }
                Err(error) => Err(error),
            };
            let not_needed =
                matches!(&outcome, Err(e) if e.code == ResponseError::ElectionNotNeeded);
            if report_all || !not_needed {
                outcomes.push((*id, outcome));
            }
        }
        results.push((topic.clone(), outcomes));
    }
    Decision {
        response: ControllerResponse::ElectLeaders(results),
        records: changes.records,
    }
}

fn elect_one(
    image: &MetadataImage,
    election: Election,
    topic_name: &str,
    partition_id: i32,
) -> Result<MetadataRecord, ApiError> {
    let unknown = || {
        ApiError::new(
            ResponseError::UnknownTopicOrPartition,
            format!("No such partition as {topic_name}-{partition_id}"),
        )
    };
    let topic = image.topic(topic_name).ok_or_else(unknown)?;
    let partition = topic.partitions.get(&partition_id).ok_or_else(unknown)?;
    let not_needed = match election {
        Election::Preferred => partition.replicas.first() == Some(&partition.leader),
        _ => partition.leader != NO_LEADER,
    };
    if not_needed {
        return Err(ApiError::bare(ResponseError::ElectionNotNeeded));
    }
    PartitionChange {
        topic,
        partition,
        target_isr: Vec::new(),
        election,
        acceptable: |id| image.replica_online(id, &topic.topic_id, partition.partition),
        target_assignment: None,
    }
    .build()
    .ok_or_else(|| {
        ApiError::bare(match election {
            Election::Preferred => ResponseError::PreferredLeaderNotAvailable,
            _ => ResponseError::EligibleLeadersNotAvailable,
        })
    })
}

/// `auto.leader.rebalance.enable`: a preferred election for every partition whose preferred
/// replica is in sync and unfenced but does not lead (KRaft's `maybeBalancePartitionLeaders`).
pub fn balance_leaders(image: &MetadataImage) -> Vec<MetadataRecord> {
    partitions(image)
        .filter(|(_, p)| p.replicas.first().is_some_and(|first| *first != p.leader))
        .filter_map(|(topic, partition)| {
            PartitionChange {
                topic,
                partition,
                target_isr: Vec::new(),
                election: Election::Preferred,
                acceptable: |id| image.replica_online(id, &topic.topic_id, partition.partition),
                target_assignment: None,
            }
            .build()
        })
        .collect()
}

/// The brokers whose sessions expired: unfenced in `image` and silent for longer than
/// `timeout_ms` by `now_ms` (`last_heartbeat` in the same clock). A broker with no session yet
/// is not expired; the controller starts its session when it becomes active.
pub fn expired_sessions(
    image: &MetadataImage,
    last_heartbeat: &BTreeMap<i32, u64>,
    now_ms: u64,
    timeout_ms: u64,
) -> Vec<i32> {
    image
        .alive_brokers()
        .filter(|b| {
            last_heartbeat
                .get(&b.broker_id)
                .is_some_and(|last| now_ms.saturating_sub(*last) > timeout_ms)
        })
        .map(|b| b.broker_id)
        .collect()
}

/// Moves every session's last heartbeat forward by the time the controller itself did not run:
/// how much longer than `period_ms` passed between its last session check (`last_check_ms`)
/// and this one (`now_ms`). Every broker of a `kf cluster up` shares the controller's process,
/// so a stall of that process (a loaded laptop) silences all of them at once, and without this
/// the first check after it fences every broker; a broker's silence counts only while the
/// controller was there to hear it.
pub fn credit_controller_stall(
    last_heartbeat: &mut BTreeMap<i32, u64>,
    last_check_ms: u64,
    now_ms: u64,
    period_ms: u64,
) {
    let stalled = now_ms
        .saturating_sub(last_check_ms)
        .saturating_sub(period_ms);
    if stalled == 0 {
        return;
    }
    for last in last_heartbeat.values_mut() {
        *last = last.saturating_add(stalled).min(now_ms);
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
