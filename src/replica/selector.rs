//! KIP-392: which replica a consumer should read a partition from, decided by its leader as
//! Kafka's `ReplicaManager.findPreferredReadReplica` with the `RackAwareReplicaSelector`. The
//! candidates are the leader and the in-sync followers whose logs hold the fetch offset; a
//! consumer with a `client.rack` goes to the leader when it is in that rack, else to the most
//! caught-up candidate there; without a rack, or with no candidate in it, it stays on the leader.

use std::cmp::Reverse;

use super::open::Replica;
use crate::metadata::MetadataImage;

/// What the selector knows of one candidate (Kafka's `ReplicaView`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaView {
    pub broker_id: i32,
    /// The broker's `broker.rack`; `None` when it has none or is not registered.
    pub rack: Option<String>,
    pub log_end_offset: i64,
    pub time_since_last_caught_up_ms: i64,
}

/// Kafka's `RackAwareReplicaSelector.select` over the leader and the candidate followers; the
/// broker chosen, or `None` for the leader.
pub fn select_rack_aware(
    client_rack: &str,
    leader: &ReplicaView,
    followers: &[ReplicaView],
) -> Option<i32> {
    if client_rack.is_empty() || leader.rack.as_deref() == Some(client_rack) {
        return None;
    }
    // The most caught-up: the longest log, then the most recently caught up, then the
    // highest id (Kafka's `ReplicaView.comparator`).
    followers
        .iter()
        .filter(|f| f.rack.as_deref() == Some(client_rack))
        .max_by_key(|f| {
            (
                f.log_end_offset,
                Reverse(f.time_since_last_caught_up_ms),
                f.broker_id,
            )
        })
        .map(|f| f.broker_id)
}

/// The preferred read replica of a partition this broker leads, for a consumer in
/// `client_rack` fetching from `fetch_offset`; `None` when it should read from the leader.
pub fn preferred_read_replica(
    replica: &Replica,
    image: &MetadataImage,
    client_rack: &str,
    fetch_offset: i64,
    now_ms: i64,
) -> Option<i32> {
    if client_rack.is_empty() {
        return None;
    }
    let rack = |id: i32| image.brokers.get(&id).and_then(|b| b.rack.clone());
    let log_end_offset = replica.log().ok()?.log_end_offset();
    let leader = ReplicaView {
        broker_id: replica.partition.broker_id(),
        rack: rack(replica.partition.broker_id()),
        log_end_offset,
        time_since_last_caught_up_ms: 0,
    };
    let followers: Vec<ReplicaView> = replica
        .partition
        .in_sync_followers_holding(fetch_offset)
        .into_iter()
        .map(|(broker_id, position)| ReplicaView {
            broker_id,
            rack: rack(broker_id),
            log_end_offset: position.log_end_offset,
            time_since_last_caught_up_ms: now_ms - position.last_caught_up_ms,
        })
        .collect();
    select_rack_aware(client_rack, &leader, &followers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(broker_id: i32, rack: &str, log_end_offset: i64, behind_ms: i64) -> ReplicaView {
        ReplicaView {
            broker_id,
            rack: (!rack.is_empty()).then(|| rack.to_string()),
            log_end_offset,
            time_since_last_caught_up_ms: behind_ms,
        }
    }

    #[test]
    fn the_leader_serves_its_own_rack_and_clients_without_one() {
        let leader = view(1, "a", 10, 0);
        let followers = [view(2, "b", 10, 0)];
        assert_eq!(select_rack_aware("a", &leader, &followers), None);
        assert_eq!(select_rack_aware("", &leader, &followers), None);
        assert_eq!(select_rack_aware("c", &leader, &followers), None);
    }

    #[test]
    fn a_follower_in_the_clients_rack_is_preferred_the_most_caught_up_first() {
        let leader = view(1, "a", 10, 0);
        let followers = [
            view(2, "b", 9, 0),
            view(3, "b", 10, 500),
            view(4, "b", 10, 100),
            view(5, "", 10, 0),
        ];
        assert_eq!(select_rack_aware("b", &leader, &followers), Some(4));
        let tied = [view(2, "b", 10, 0), view(3, "b", 10, 0)];
        assert_eq!(select_rack_aware("b", &leader, &tied), Some(3));
    }
}
