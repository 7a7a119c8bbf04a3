//! The server-side assignors of consumer-protocol groups (`group.consumer.assignors`):
//! `uniform` spreads the subscribed partitions evenly and keeps each member's previous target
//! where it can (sticky), `range` gives each member a contiguous range of every topic it
//! subscribes to, members in member id order.
//!
//! Differs from Kafka: no rack awareness (the assignors ignore a member's `rack_id`); `uniform` with members subscribed
//! to different topics balances greedily rather than with Kafka's iterative rebalancing, and
//! `range` is not sticky across co-partitioned topics.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::Assignment;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignor {
    Uniform,
    Range,
}

impl Assignor {
    pub fn name(self) -> &'static str {
        match self {
            Assignor::Uniform => "uniform",
            Assignor::Range => "range",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "uniform" => Some(Assignor::Uniform),
            "range" => Some(Assignor::Range),
            _ => None,
        }
    }

    /// The target assignment of every member in `subscriptions` (member id → subscribed topic
    /// ids), over `topics` (topic id → partition count), starting from `previous`.
    pub fn assign(
        self,
        subscriptions: &BTreeMap<String, BTreeSet<Uuid>>,
        topics: &BTreeMap<Uuid, i32>,
        previous: &BTreeMap<String, Assignment>,
    ) -> BTreeMap<String, Assignment> {
        match self {
            Assignor::Uniform => uniform(subscriptions, topics, previous),
            Assignor::Range => range(subscriptions, topics),
        }
    }
}

fn range(
    subscriptions: &BTreeMap<String, BTreeSet<Uuid>>,
    topics: &BTreeMap<Uuid, i32>,
) -> BTreeMap<String, Assignment> {
    let mut result: BTreeMap<String, Assignment> = subscriptions
        .keys()
        .map(|m| (m.clone(), Assignment::new()))
        .collect();
    for (topic, count) in topics {
        let members: Vec<&String> = subscriptions
            .iter()
            .filter(|(_, s)| s.contains(topic))
            .map(|(m, _)| m)
            .collect();
        let (Ok(n), Ok(m)) = (usize::try_from(*count), i32::try_from(members.len())) else {
            continue;
        };
        if m == 0 {
            continue;
        }
        let (base, extra) = (n / members.len(), n % members.len());
        let mut next = 0usize;
        for (i, member) in members.into_iter().enumerate() {
            let take = base + usize::from(i < extra);
            let partitions: BTreeSet<i32> = (next..next + take)
                .filter_map(|p| i32::try_from(p).ok())
                .collect();
            next += take;
            if !partitions.is_empty() {
                if let Some(a) = result.get_mut(member) {
                    a.insert(*topic, partitions);
                }
            }
        }
    }
    result
}

fn uniform(
    subscriptions: &BTreeMap<String, BTreeSet<Uuid>>,
    topics: &BTreeMap<Uuid, i32>,
    previous: &BTreeMap<String, Assignment>,
) -> BTreeMap<String, Assignment> {
    let members: Vec<&String> = subscriptions.keys().collect();
    let mut result: BTreeMap<String, Assignment> = members
        .iter()
        .map(|m| ((*m).clone(), Assignment::new()))
        .collect();
    if members.is_empty() {
        return result;
    }
    // Every partition some member subscribes to, in (topic, partition) order.
    let partitions: Vec<(Uuid, i32)> = topics
        .iter()
        .filter(|(t, _)| subscriptions.values().any(|s| s.contains(t)))
        .flat_map(|(t, n)| (0..*n).map(move |p| (*t, p)))
        .collect();
    let quota_min = partitions.len() / members.len();
    let mut extra_slots = partitions.len() % members.len();
    let mut counts: BTreeMap<&String, usize> = members.iter().map(|m| (*m, 0)).collect();
    let mut taken: BTreeSet<(Uuid, i32)> = BTreeSet::new();
    // Keep what each member had, up to its quota (one more while extra slots remain).
    for member in &members {
        let subscribed = &subscriptions[*member];
        let kept: Vec<(Uuid, i32)> = previous
            .get(*member)
            .into_iter()
            .flat_map(|a| a.iter())
            .filter(|(t, _)| subscribed.contains(*t))
            .flat_map(|(t, ps)| ps.iter().map(move |p| (*t, *p)))
            .filter(|(t, p)| topics.get(t).is_some_and(|n| p < n))
            .collect();
        for tp in kept {
            let count = counts.get(member).copied().unwrap_or(0);
            let may_keep = count < quota_min || (count == quota_min && extra_slots > 0);
            if !may_keep || !taken.insert(tp) {
                continue;
            }
            if count == quota_min {
                extra_slots -= 1;
            }
            counts.insert(member, count + 1);
            if let Some(a) = result.get_mut(*member) {
                a.entry(tp.0).or_default().insert(tp.1);
            }
        }
    }
    // The rest go, one by one, to the subscribed member holding the fewest.
    for tp in partitions {
        if taken.contains(&tp) {
            continue;
        }
        let Some(member) = members
            .iter()
            .filter(|m| subscriptions[**m].contains(&tp.0))
            .min_by_key(|m| counts.get(**m).copied().unwrap_or(0))
        else {
            continue;
        };
        *counts.entry(member).or_default() += 1;
        if let Some(a) = result.get_mut(*member) {
            a.entry(tp.0).or_default().insert(tp.1);
        }
    }
    result
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn members(n: usize, topic: Uuid) -> BTreeMap<String, BTreeSet<Uuid>> {
        (0..n)
            .map(|i| (format!("m{i}"), BTreeSet::from([topic])))
            .collect()
    }

    fn sizes(result: &BTreeMap<String, Assignment>) -> Vec<usize> {
        let mut sizes: Vec<usize> = result
            .values()
            .map(|a| a.values().map(BTreeSet::len).sum())
            .collect();
        sizes.sort();
        sizes
    }

    #[test]
    fn both_assignors_share_six_partitions_among_three_and_leave_extras_idle() {
        let t = Uuid::from_u128(1);
        let topics = BTreeMap::from([(t, 6)]);
        for assignor in [Assignor::Uniform, Assignor::Range] {
            let three = assignor.assign(&members(3, t), &topics, &BTreeMap::new());
            assert_eq!(sizes(&three), [2, 2, 2], "{assignor:?}");
            let eight = assignor.assign(&members(8, t), &topics, &BTreeMap::new());
            assert_eq!(sizes(&eight), [0, 0, 1, 1, 1, 1, 1, 1], "{assignor:?}");
        }
        let range = Assignor::Range.assign(&members(4, t), &topics, &BTreeMap::new());
        assert_eq!(range["m0"][&t], BTreeSet::from([0, 1]));
        assert_eq!(range["m3"][&t], BTreeSet::from([5]));
    }

    #[test]
    fn uniform_keeps_what_members_had_when_one_joins() {
        let t = Uuid::from_u128(1);
        let topics = BTreeMap::from([(t, 6)]);
        let before = Assignor::Uniform.assign(&members(2, t), &topics, &BTreeMap::new());
        let after = Assignor::Uniform.assign(&members(3, t), &topics, &before);
        assert_eq!(sizes(&after), [2, 2, 2]);
        for m in ["m0", "m1"] {
            assert!(after[m][&t].is_subset(&before[m][&t]), "{m} moved");
        }
    }

    #[test]
    fn a_member_gets_only_topics_it_subscribes_to() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let topics = BTreeMap::from([(a, 2), (b, 2)]);
        let subs = BTreeMap::from([
            ("x".to_string(), BTreeSet::from([a])),
            ("y".to_string(), BTreeSet::from([a, b])),
        ]);
        for assignor in [Assignor::Uniform, Assignor::Range] {
            let result = assignor.assign(&subs, &topics, &BTreeMap::new());
            assert!(!result["x"].contains_key(&b));
            let total: usize = result
                .values()
                .flat_map(|a| a.values())
                .map(BTreeSet::len)
                .sum();
            assert_eq!(total, 4, "{assignor:?}");
        }
    }
}
