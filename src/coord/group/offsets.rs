//! A group's committed offsets, as Kafka's `OffsetMetadataManager` keeps them per group: the
//! last commit per partition with the `__consumer_offsets` offset of its record (a
//! transaction's offsets replace a commit only when their record is the later one), and which
//! of them have expired.
//!
//! A commit or deletion the group appends takes effect when its partition's high watermark
//! passes its records, not at the append (Kafka reads offsets at the high watermark): until
//! then it waits in `unreplicated`, so that OffsetFetch never shows a commit that failed to
//! replicate. The group's own writes (deletions, expiry) see the latest state, staged changes
//! included, as Kafka's writes do.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::api::CommittedOffset;

/// One partition's commit (`Some`) or tombstone (`None`), and the offset of its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetChange {
    pub topic: String,
    pub partition: i32,
    pub offset: Option<CommittedOffset>,
    pub record_offset: i64,
}

/// (topic, partition) -> last committed offset, and the offset of its record.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Offsets {
    committed: BTreeMap<(String, i32), (CommittedOffset, i64)>,
    /// Changes appended but not yet replicated, in log order, each batch with the offset after
    /// its last record (increasing).
    unreplicated: VecDeque<(i64, Vec<OffsetChange>)>,
}

impl Offsets {
    /// Whether no partition has an offset, counting the changes not yet replicated.
    pub fn is_empty(&self) -> bool {
        self.latest_partitions().is_empty()
    }

    /// A batch of changes appended with `next_offset` after its last record: they take effect
    /// at [`Self::apply_replicated`].
    pub fn stage(&mut self, next_offset: i64, changes: Vec<OffsetChange>) {
        debug_assert!(
            self.unreplicated
                .back()
                .is_none_or(|(n, _)| *n <= next_offset),
            "staged in log order"
        );
        self.unreplicated.push_back((next_offset, changes));
    }

    pub fn has_unreplicated(&self) -> bool {
        !self.unreplicated.is_empty()
    }

    /// The partition's high watermark is `high_watermark`: the changes below it take effect,
    /// each unless the partition's offset came from a later record (a transaction's commit
    /// materialized meanwhile).
    pub fn apply_replicated(&mut self, high_watermark: i64) {
        while let Some((next_offset, _)) = self.unreplicated.front() {
            if *next_offset > high_watermark {
                break;
            }
            let Some((_, changes)) = self.unreplicated.pop_front() else {
                break;
            };
            for change in changes {
                let key = (change.topic, change.partition);
                if self
                    .committed
                    .get(&key)
                    .is_some_and(|(_, existing)| *existing > change.record_offset)
                {
                    continue;
                }
                match change.offset {
                    Some(offset) => {
                        self.committed.insert(key, (offset, change.record_offset));
                    }
                    None => {
                        self.committed.remove(&key);
                    }
                }
            }
        }
    }

    /// Whether the partition has an offset, counting the changes not yet replicated.
    pub fn has_latest(&self, topic: &str, partition: i32) -> bool {
        let staged = self
            .unreplicated
            .iter()
            .rev()
            .flat_map(|(_, changes)| changes.iter().rev())
            .find(|c| c.topic == topic && c.partition == partition);
        match staged {
            Some(change) => change.offset.is_some(),
            None => self.get(topic, partition).is_some(),
        }
    }

    /// Every partition with an offset, counting the changes not yet replicated.
    pub fn latest_partitions(&self) -> BTreeSet<(&str, i32)> {
        let mut partitions: BTreeSet<(&str, i32)> = self.all().map(|(t, p, _)| (t, p)).collect();
        for change in self.unreplicated.iter().flat_map(|(_, changes)| changes) {
            let key = (change.topic.as_str(), change.partition);
            match change.offset {
                Some(_) => partitions.insert(key),
                None => partitions.remove(&key),
            };
        }
        partitions
    }

    /// Whether a change of the partition waits for replication.
    pub fn is_unreplicated(&self, topic: &str, partition: i32) -> bool {
        self.unreplicated
            .iter()
            .flat_map(|(_, changes)| changes)
            .any(|c| c.topic == topic && c.partition == partition)
    }

    pub fn get(&self, topic: &str, partition: i32) -> Option<&CommittedOffset> {
        self.committed
            .get(&(topic.to_string(), partition))
            .map(|(o, _)| o)
    }

    /// The `__consumer_offsets` offset of the record `partition`'s commit was written in.
    pub fn record_offset(&self, topic: &str, partition: i32) -> Option<i64> {
        self.committed
            .get(&(topic.to_string(), partition))
            .map(|(_, r)| *r)
    }

    pub fn put(
        &mut self,
        topic: String,
        partition: i32,
        offset: CommittedOffset,
        record_offset: i64,
    ) {
        self.committed
            .insert((topic, partition), (offset, record_offset));
    }

    pub fn remove(&mut self, topic: &str, partition: i32) -> bool {
        self.committed
            .remove(&(topic.to_string(), partition))
            .is_some()
    }

    pub fn all(&self) -> impl Iterator<Item = (&str, i32, &CommittedOffset)> {
        self.committed
            .iter()
            .map(|((t, p), (o, _))| (t.as_str(), *p, o))
    }

    /// Every partition's offset with the offset of its record.
    pub fn into_entries(self) -> impl Iterator<Item = (String, i32, CommittedOffset, i64)> {
        self.committed
            .into_iter()
            .map(|((t, p), (o, r))| (t, p, o, r))
    }

    /// The partitions whose offsets have expired at `now_ms`, as Kafka's `isOffsetExpired`:
    /// an explicit expire timestamp decides alone; otherwise the offset expires
    /// `retention_ms` after `base_ms` (when the group became empty) or, without one, after
    /// its commit.
    pub fn expired(
        &self,
        now_ms: i64,
        retention_ms: i64,
        base_ms: Option<i64>,
    ) -> Vec<(String, i32)> {
        self.committed
            .iter()
            .filter(|(_, (o, _))| {
                if o.expire_timestamp_ms >= 0 {
                    now_ms >= o.expire_timestamp_ms
                } else {
                    let base = base_ms.unwrap_or(o.commit_timestamp_ms);
                    now_ms.saturating_sub(base) >= retention_ms
                }
            })
            .map(|(k, _)| k.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(commit_timestamp_ms: i64, expire_timestamp_ms: i64) -> CommittedOffset {
        CommittedOffset {
            offset: 1,
            leader_epoch: -1,
            metadata: String::new(),
            commit_timestamp_ms,
            expire_timestamp_ms,
        }
    }

    #[test]
    fn offsets_expire_after_retention_from_emptiness_or_commit() {
        let mut offsets = Offsets::default();
        offsets.put("t".into(), 0, at(1_000, -1), 0);
        offsets.put("t".into(), 1, at(5_000, -1), 1);
        offsets.put("t".into(), 2, at(1_000, 3_000), 2);
        assert_eq!(offsets.expired(2_000, 10_000, None), vec![]);
        assert_eq!(offsets.expired(3_000, 10_000, None), vec![("t".into(), 2)]);
        assert_eq!(
            offsets.expired(11_000, 10_000, None),
            vec![("t".into(), 0), ("t".into(), 2)]
        );
        // The group became empty at 8_000: nothing expires before 18_000 but the explicit one.
        assert_eq!(
            offsets.expired(17_999, 10_000, Some(8_000)),
            vec![("t".into(), 2)]
        );
        assert_eq!(offsets.expired(18_000, 10_000, Some(8_000)).len(), 3);
    }
}
