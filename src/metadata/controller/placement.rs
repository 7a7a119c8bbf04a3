//! Replica placement, as Kafka's rack-unaware assignment: a random start among the alive brokers,
//! leaders round robin from there, followers shifted so replicas of consecutive partitions spread.

use kafka_protocol::error::ResponseError;
use rand::Rng;

use super::request::ApiError;

/// Replicas for partitions `first_partition .. first_partition + partitions`, over `brokers`
/// (alive broker ids, ascending).
pub fn assign_replicas(
    brokers: &[i32],
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
    let count = brokers.len();
    let start_index = rng.random_range(0..count);
    let mut replica_shift = rng.random_range(0..count);
    let mut assignments = Vec::new();
    for partition in first_partition..first_partition.saturating_add(partitions) {
        let partition = usize::try_from(partition).unwrap_or(0);
        if partition > 0 && partition % count == 0 {
            replica_shift += 1;
        }
        let first = (partition + start_index) % count;
        let mut replicas = vec![brokers[first]];
        for j in 0..replication_factor.saturating_sub(1) {
            replicas.push(brokers[follower_index(first, replica_shift, j, count)]);
        }
        assignments.push(replicas);
    }
    Ok(assignments)
}

fn follower_index(first: usize, shift: usize, replica: usize, count: usize) -> usize {
    let offset = 1 + (shift + replica) % (count - 1);
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

    #[test]
    fn leaders_round_robin_over_alive_brokers() {
        let mut rng = StdRng::seed_from_u64(7);
        let assignments = assign_replicas(&[0, 1, 2], 0, 6, 1, &mut rng).unwrap();
        let leaders: Vec<i32> = assignments.iter().map(|r| r[0]).collect();
        for window in leaders.windows(2) {
            assert_eq!((window[0] + 1) % 3, window[1]);
        }
    }

    #[test]
    fn replicas_are_distinct_brokers() {
        let mut rng = StdRng::seed_from_u64(3);
        for replicas in assign_replicas(&[0, 1, 2, 3], 0, 8, 3, &mut rng).unwrap() {
            let mut sorted = replicas.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 3);
        }
    }

    #[test]
    fn too_few_brokers_is_invalid_replication_factor() {
        let mut rng = StdRng::seed_from_u64(1);
        let error = assign_replicas(&[0], 0, 1, 3, &mut rng).unwrap_err();
        assert_eq!(error.code, ResponseError::InvalidReplicationFactor);
        assert_eq!(
            error.message.as_deref(),
            Some("Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.")
        );
    }
}
