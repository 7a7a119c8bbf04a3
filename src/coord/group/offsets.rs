//! A group's committed offsets, as Kafka's `OffsetMetadataManager` keeps them per group: the
//! last commit per partition with the `__consumer_offsets` offset of its record (a
//! transaction's offsets replace a commit only when their record is the later one), and which
//! of them have expired.

use std::collections::BTreeMap;

use super::api::CommittedOffset;

/// (topic, partition) -> last committed offset, and the offset of its record.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Offsets {
    committed: BTreeMap<(String, i32), (CommittedOffset, i64)>,
}

impl Offsets {
    pub fn is_empty(&self) -> bool {
        self.committed.is_empty()
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
