//! Partition assignors run by the group leader: Kafka's `range` and `cooperative-sticky`.

use crate::client::wire::TopicPartition;
use std::collections::{BTreeMap, BTreeSet};

/// One member's subscription as the leader reads it from JoinGroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSubscription {
    pub member_id: String,
    pub topics: BTreeSet<String>,
    /// Partitions the member owns now (cooperative protocol, subscription v1+).
    pub owned: Vec<TopicPartition>,
}

/// Member id → assigned partitions; every member appears, possibly with none.
pub type Assignment = BTreeMap<String, Vec<TopicPartition>>;

fn empty_assignment(members: &[MemberSubscription]) -> Assignment {
    members
        .iter()
        .map(|m| (m.member_id.clone(), Vec::new()))
        .collect()
}

/// `range`: per topic, the subscribed members in member-id order each take a contiguous
/// run of partitions; the first `partitions % members` take one extra.
pub fn range(
    members: &[MemberSubscription],
    partition_counts: &BTreeMap<String, i32>,
) -> Assignment {
    let mut assignment = empty_assignment(members);
    for (topic, &count) in partition_counts {
        let mut subscribed: Vec<&str> = members
            .iter()
            .filter(|m| m.topics.contains(topic))
            .map(|m| m.member_id.as_str())
            .collect();
        subscribed.sort_unstable();
        let Ok(member_count) = i32::try_from(subscribed.len()) else {
            continue;
        };
        if member_count == 0 {
            continue;
        }
        let (per_member, extra) = (count / member_count, count % member_count);
        let mut next = 0;
        for (i, member) in (0..).zip(subscribed) {
            let take = per_member + i32::from(i < extra);
            let partitions = (next..next + take).map(|p| TopicPartition::new(topic.clone(), p));
            assignment
                .entry(member.to_string())
                .or_default()
                .extend(partitions);
            next += take;
        }
    }
    assignment
}

/// `cooperative-sticky`: a balanced assignment that keeps owned partitions where it can;
/// a partition moving between members is left out this round so its owner revokes it first
/// and a follow-up rebalance hands it over (KIP-429).
pub fn cooperative_sticky(
    members: &[MemberSubscription],
    partition_counts: &BTreeMap<String, i32>,
) -> Assignment {
    let mut sorted: Vec<&MemberSubscription> = members.iter().collect();
    sorted.sort_by(|a, b| a.member_id.cmp(&b.member_id));
    let all: BTreeSet<TopicPartition> = partition_counts
        .iter()
        .filter(|(topic, _)| sorted.iter().any(|m| m.topics.contains(*topic)))
        .flat_map(|(topic, &count)| (0..count).map(move |p| TopicPartition::new(topic.clone(), p)))
        .collect();
    let member_count = sorted.len().max(1);
    let floor = all.len() / member_count;
    let mut ceil_slots = all.len() % member_count;

    let mut target = empty_assignment(members);
    let mut owner: BTreeMap<TopicPartition, String> = BTreeMap::new();
    for member in &sorted {
        let mut keep: Vec<TopicPartition> = member
            .owned
            .iter()
            .filter(|tp| all.contains(*tp) && member.topics.contains(&tp.topic))
            .filter(|tp| !owner.contains_key(*tp))
            .cloned()
            .collect();
        keep.sort();
        keep.dedup();
        let mut quota = floor;
        if keep.len() > floor && ceil_slots > 0 {
            quota += 1;
            ceil_slots -= 1;
        }
        keep.truncate(quota);
        for tp in &keep {
            owner.insert(tp.clone(), member.member_id.clone());
        }
        target.insert(member.member_id.clone(), keep);
    }
    for tp in all.iter().filter(|tp| !owner.contains_key(*tp)) {
        let fewest = sorted
            .iter()
            .filter(|m| m.topics.contains(&tp.topic))
            .min_by_key(|m| {
                (
                    target.get(&m.member_id).map_or(0, Vec::len),
                    m.member_id.clone(),
                )
            });
        if let Some(member) = fewest {
            target
                .entry(member.member_id.clone())
                .or_default()
                .push(tp.clone());
        }
    }

    // Hold back partitions another live member still owns: it must revoke them first.
    let owned_by: BTreeMap<&TopicPartition, &str> = sorted
        .iter()
        .flat_map(|m| m.owned.iter().map(move |tp| (tp, m.member_id.as_str())))
        .collect();
    for (member_id, partitions) in target.iter_mut() {
        partitions.retain(|tp| owned_by.get(tp).is_none_or(|owner| owner == member_id));
        partitions.sort();
    }
    target
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn member(id: &str, topics: &[&str], owned: &[(&str, i32)]) -> MemberSubscription {
        MemberSubscription {
            member_id: id.to_string(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            owned: owned
                .iter()
                .map(|(t, p)| TopicPartition::new(*t, *p))
                .collect(),
        }
    }

    fn tps(list: &[(&str, i32)]) -> Vec<TopicPartition> {
        list.iter()
            .map(|(t, p)| TopicPartition::new(*t, *p))
            .collect()
    }

    #[test]
    fn range_gives_contiguous_runs_extra_to_first_members() {
        let members = [member("b", &["t"], &[]), member("a", &["t", "u"], &[])];
        let counts = BTreeMap::from([("t".to_string(), 5), ("u".to_string(), 2)]);
        let assignment = range(&members, &counts);
        assert_eq!(
            assignment["a"],
            tps(&[("t", 0), ("t", 1), ("t", 2), ("u", 0), ("u", 1)])
        );
        assert_eq!(assignment["b"], tps(&[("t", 3), ("t", 4)]));
    }

    #[test]
    fn cooperative_sticky_balances_a_fresh_group() {
        let members = [
            member("a", &["t"], &[]),
            member("b", &["t"], &[]),
            member("c", &["t"], &[]),
        ];
        let counts = BTreeMap::from([("t".to_string(), 7)]);
        let assignment = cooperative_sticky(&members, &counts);
        let sizes: Vec<usize> = assignment.values().map(Vec::len).collect();
        assert_eq!(sizes.iter().sum::<usize>(), 7);
        assert!(sizes.iter().all(|s| (2..=3).contains(s)), "{sizes:?}");
    }

    #[test]
    fn cooperative_sticky_keeps_owned_and_holds_back_moves() {
        // "a" owned everything; "b" joins. "a" keeps half, the rest is withheld this round.
        let owned = [("t", 0), ("t", 1), ("t", 2), ("t", 3)];
        let members = [member("a", &["t"], &owned), member("b", &["t"], &[])];
        let counts = BTreeMap::from([("t".to_string(), 4)]);
        let first = cooperative_sticky(&members, &counts);
        assert_eq!(first["a"], tps(&[("t", 0), ("t", 1)]));
        assert!(first["b"].is_empty());
        // After "a" revoked t-2 and t-3, the follow-up round gives them to "b".
        let members = [
            member("a", &["t"], &[("t", 0), ("t", 1)]),
            member("b", &["t"], &[]),
        ];
        let second = cooperative_sticky(&members, &counts);
        assert_eq!(second["a"], tps(&[("t", 0), ("t", 1)]));
        assert_eq!(second["b"], tps(&[("t", 2), ("t", 3)]));
    }
}
