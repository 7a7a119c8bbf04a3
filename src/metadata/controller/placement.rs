//! Replica placement, as Kafka's `AdminUtils.assignReplicasToBrokers`: a random start among the
//! alive brokers, leaders round robin from there, followers shifted so replicas of consecutive
//! partitions spread. When brokers have racks (`broker.rack`), the brokers are first arranged
//! alternating by rack and each partition's replicas go to as many different racks as there are.
//!
//! Differences from Kafka: a broker without a rack beside brokers with racks counts as a rack of
//! its own (Kafka's rack-aware assignment refuses a mix); KRaft's controller uses a different
//! placer (`StripedReplicaPlacer`) whose choices differ in detail but not in kind.

use std::collections::{BTreeMap, BTreeSet};

use kafka_protocol::error::ResponseError;
use rand::Rng;

use super::request::ApiError;
use crate::metadata::image::MetadataImage;

/// An alive broker and its rack, as placement sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacementBroker {
    pub id: i32,
    pub rack: Option<String>,
}

/// The alive brokers of `image`, ascending by id.
pub fn alive_brokers(image: &MetadataImage) -> Vec<PlacementBroker> {
    image
        .alive_brokers()
        .map(|b| PlacementBroker {
            id: b.broker_id,
            rack: b.rack.clone(),
        })
        .collect()
}

/// Replicas for partitions `first_partition .. first_partition + partitions`, over `brokers`
/// (alive brokers, ascending by id).
pub fn assign_replicas(
    brokers: &[PlacementBroker],
    first_partition: i32,
    partitions: i32,
    replication_factor: i16,
    rng: &mut impl Rng,
) -> Result<Vec<Vec<i32>>, ApiError> {
    let replication_factor = usize::try_from(replication_factor).unwrap_or(0);
    if brokers.is_empty() {
        return Err(unable(
            replication_factor,
            "All brokers are currently fenced.",
        ));
    }
    if replication_factor > brokers.len() {
        return Err(unable(
            replication_factor,
            &format!(
                "The target replication factor of {replication_factor} cannot be reached because only {} broker(s) are registered.",
                brokers.len()
            ),
        ));
    }
    let racks: BTreeMap<i32, String> = brokers
        .iter()
        .map(|b| (b.id, b.rack.clone().unwrap_or_default()))
        .collect();
    let rack_aware = brokers.iter().any(|b| b.rack.is_some());
    let arranged: Vec<i32> = match rack_aware {
        true => rack_alternated(&racks),
        false => brokers.iter().map(|b| b.id).collect(),
    };
    let rack_count = match rack_aware {
        true => racks.values().collect::<BTreeSet<_>>().len(),
        false => 1,
    };
    let count = arranged.len();
    let start_index = rng.random_range(0..count);
    let mut replica_shift = rng.random_range(0..count);
    let mut assignments = Vec::new();
    for partition in first_partition..first_partition.saturating_add(partitions) {
        let partition = usize::try_from(partition).unwrap_or(0);
        if partition > 0 && partition % count == 0 {
            replica_shift += 1;
        }
        let first = (partition + start_index) % count;
        let replicas = match rack_aware {
            false => std::iter::once(arranged[first])
                .chain(
                    (0..replication_factor.saturating_sub(1))
                        .map(|j| arranged[follower_index(first, replica_shift, j, count)]),
                )
                .collect(),
            true => rack_aware_replicas(
                &arranged,
                &racks,
                rack_count,
                first,
                replica_shift * rack_count,
                replication_factor,
            ),
        };
        debug_assert_eq!(replicas.len(), replication_factor);
        assignments.push(replicas);
    }
    Ok(assignments)
}

/// One partition's replicas: after the leader, the next broker along the arranged list that adds
/// a rack without replicas yet (while one remains) and a broker without one (while one remains).
fn rack_aware_replicas(
    arranged: &[i32],
    racks: &BTreeMap<i32, String>,
    rack_count: usize,
    first: usize,
    shift: usize,
    replication_factor: usize,
) -> Vec<i32> {
    let count = arranged.len();
    let leader = arranged[first];
    let mut replicas = vec![leader];
    let mut racks_used: BTreeSet<&str> =
        racks.get(&leader).map(String::as_str).into_iter().collect();
    let mut k = 0;
    // Every broker passes the test once all brokers hold a replica, so 2 * count steps suffice.
    while replicas.len() < replication_factor && k < 2 * count * replication_factor {
        let broker = arranged[follower_index(first, shift, k, count)];
        let rack = racks.get(&broker).map_or("", String::as_str);
        let rack_ok = !racks_used.contains(rack) || racks_used.len() == rack_count;
        let broker_ok = !replicas.contains(&broker) || replicas.len() == count;
        if rack_ok && broker_ok {
            replicas.push(broker);
            racks_used.insert(rack);
        }
        k += 1;
    }
    replicas
}

/// Brokers alternating by rack (racks in name order, brokers by id within each): for racks
/// a: 0 1 2, b: 3 4 5 it is 0 3 1 4 2 5.
fn rack_alternated(racks: &BTreeMap<i32, String>) -> Vec<i32> {
    let mut by_rack: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for (id, rack) in racks {
        by_rack.entry(rack.as_str()).or_default().push(*id);
    }
    let longest = by_rack.values().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|i| by_rack.values().filter_map(move |ids| ids.get(i).copied()))
        .collect()
}

fn follower_index(first: usize, shift: usize, replica: usize, count: usize) -> usize {
    // With one broker there are no followers to place.
    let others = count.saturating_sub(1).max(1);
    let offset = 1 + (shift + replica) % others;
    (first + offset) % count
}

fn unable(replication_factor: usize, reason: &str) -> ApiError {
    ApiError::new(
        ResponseError::InvalidReplicationFactor,
        format!("Unable to replicate the partition {replication_factor} time(s): {reason}"),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn brokers(ids: &[i32]) -> Vec<PlacementBroker> {
        ids.iter()
            .map(|id| PlacementBroker {
                id: *id,
                rack: None,
            })
            .collect()
    }

    fn racked(racks: &[(i32, &str)]) -> Vec<PlacementBroker> {
        racks
            .iter()
            .map(|(id, rack)| PlacementBroker {
                id: *id,
                rack: Some(rack.to_string()),
            })
            .collect()
    }

    #[test]
    fn leaders_round_robin_over_alive_brokers() {
        let mut rng = StdRng::seed_from_u64(7);
        let assignments = assign_replicas(&brokers(&[0, 1, 2]), 0, 6, 1, &mut rng).unwrap();
        let leaders: Vec<i32> = assignments.iter().map(|r| r[0]).collect();
        for window in leaders.windows(2) {
            assert_eq!((window[0] + 1) % 3, window[1]);
        }
    }

    #[test]
    fn replicas_are_distinct_brokers() {
        let mut rng = StdRng::seed_from_u64(3);
        for replicas in assign_replicas(&brokers(&[0, 1, 2, 3]), 0, 8, 3, &mut rng).unwrap() {
            let mut sorted = replicas.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 3);
        }
    }

    #[test]
    fn too_few_brokers_is_invalid_replication_factor() {
        let mut rng = StdRng::seed_from_u64(1);
        let error = assign_replicas(&brokers(&[0]), 0, 1, 3, &mut rng).unwrap_err();
        assert_eq!(error.code, ResponseError::InvalidReplicationFactor);
        assert_eq!(
            error.message.as_deref(),
            Some("Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.")
        );
    }

    #[test]
    fn brokers_alternate_by_rack() {
        let racks: BTreeMap<i32, String> =
            [(0, "a"), (1, "a"), (2, "a"), (3, "b"), (4, "b"), (5, "c")]
                .into_iter()
                .map(|(id, r)| (id, r.to_string()))
                .collect();
        assert_eq!(rack_alternated(&racks), vec![0, 3, 5, 1, 4, 2]);
    }

    #[test]
    fn replicas_of_each_partition_span_every_rack_and_leaders_balance() {
        let cluster = racked(&[(0, "a"), (1, "a"), (2, "b"), (3, "b"), (4, "c"), (5, "c")]);
        let rack_of = |id: i32| cluster.iter().find(|b| b.id == id).unwrap().rack.clone();
        for seed in 0..20 {
            let mut rng = StdRng::seed_from_u64(seed);
            let assignments = assign_replicas(&cluster, 0, 12, 3, &mut rng).unwrap();
            let mut leaders = BTreeMap::new();
            for replicas in &assignments {
                let racks: BTreeSet<_> = replicas.iter().map(|id| rack_of(*id)).collect();
                assert_eq!(racks.len(), 3, "{replicas:?}");
                *leaders.entry(replicas[0]).or_insert(0) += 1;
            }
            assert!(leaders.values().all(|n| *n == 2), "{leaders:?}");
        }
    }

    #[test]
    fn more_replicas_than_racks_still_use_distinct_brokers() {
        let cluster = racked(&[(0, "a"), (1, "a"), (2, "b"), (3, "b")]);
        let mut rng = StdRng::seed_from_u64(9);
        for replicas in assign_replicas(&cluster, 0, 8, 3, &mut rng).unwrap() {
            let distinct: BTreeSet<_> = replicas.iter().collect();
            assert_eq!(distinct.len(), 3, "{replicas:?}");
        }
    }
}
