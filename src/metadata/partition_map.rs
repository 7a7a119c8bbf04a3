//! [`PartitionMap`]: a topic's partitions by id in the metadata image, shared in chunks.
//!
//! Every applied batch publishes a new image that shares its topics with the previous one, and
//! a record then copies what it changes. With one `BTreeMap` per topic, a record changing one
//! partition of a 100,000-partition topic copied all 100,000 (and their vectors) once per
//! applied batch on every broker. Here the partitions sit in chunks of [`CHUNK`] behind `Arc`s:
//! a change copies the list of chunks and the one chunk it touches.
//!
//! Kafka's partition ids are dense (0 to the count minus one); a gap (never written by kf's
//! controller) is kept as an empty slot, so the map behaves as the `BTreeMap` it replaces for
//! any non-negative id. It serializes as that map did, so snapshots keep their format.

use std::sync::Arc;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::image::PartitionImage;

/// Partitions per shared chunk.
const CHUNK: usize = 512;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartitionMap {
    /// Slot `id` is `chunks[id / CHUNK][id % CHUNK]`; every chunk but the last is full.
    chunks: Vec<Arc<Vec<Option<PartitionImage>>>>,
    /// Occupied slots.
    len: usize,
}

impl PartitionMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn slot(id: i32) -> Option<(usize, usize)> {
        let id = usize::try_from(id).ok()?;
        Some((id / CHUNK, id % CHUNK))
    }

    pub fn get(&self, id: &i32) -> Option<&PartitionImage> {
        let (chunk, offset) = Self::slot(*id)?;
        self.chunks.get(chunk)?.get(offset)?.as_ref()
    }

    pub fn contains_key(&self, id: &i32) -> bool {
        self.get(id).is_some()
    }

    /// Sets partition `id`, copying only the chunk that holds it when that chunk is shared.
    /// A negative id is not a partition and is ignored.
    pub fn insert(&mut self, id: i32, partition: PartitionImage) {
        debug_assert_eq!(id, partition.partition);
        let Some((chunk, offset)) = Self::slot(id) else {
            return;
        };
        while self.chunks.len() <= chunk {
            if let Some(last) = self.chunks.last_mut() {
                Arc::make_mut(last).resize(CHUNK, None);
            }
            self.chunks.push(Arc::new(Vec::new()));
        }
        let slots = Arc::make_mut(&mut self.chunks[chunk]);
        if slots.len() <= offset {
            slots.resize(offset + 1, None);
        }
        if slots[offset].replace(partition).is_none() {
            self.len += 1;
        }
    }

    /// The partitions in id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &PartitionImage> + '_ {
        self.chunks.iter().flat_map(|c| c.iter().flatten())
    }

    /// The partition ids in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &i32> + '_ {
        self.values().map(|p| &p.partition)
    }

    /// The slots that differ between `before` and `self`, in id order, as (id, the partition
    /// before, the partition now): a chunk the two maps share is skipped whole, so a change of
    /// a few partitions of a large topic costs a walk of its chunks, not of its partitions.
    pub fn changes_since<'a>(
        &'a self,
        before: &'a PartitionMap,
    ) -> impl Iterator<Item = (i32, Option<&'a PartitionImage>, Option<&'a PartitionImage>)> + 'a
    {
        let chunks = self.chunks.len().max(before.chunks.len());
        (0..chunks)
            .filter(
                move |c| match (before.chunks.get(*c), self.chunks.get(*c)) {
                    (Some(a), Some(b)) => !Arc::ptr_eq(a, b),
                    _ => true,
                },
            )
            .flat_map(move |c| {
                let was = before
                    .chunks
                    .get(c)
                    .map_or(&[][..], |chunk| chunk.as_slice());
                let now = self.chunks.get(c).map_or(&[][..], |chunk| chunk.as_slice());
                (0..was.len().max(now.len())).filter_map(move |offset| {
                    let was = was.get(offset).and_then(Option::as_ref);
                    let now = now.get(offset).and_then(Option::as_ref);
                    let id = i32::try_from(c * CHUNK + offset).ok()?;
                    (was != now).then_some((id, was, now))
                })
            })
    }

    /// (id, partition) in id order, as a `BTreeMap`'s `iter`.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&i32, &PartitionImage)> + '_ {
        self.values().map(|p| (&p.partition, p))
    }
}

impl<'a> IntoIterator for &'a PartitionMap {
    type Item = (&'a i32, &'a PartitionImage);
    type IntoIter = Box<dyn DoubleEndedIterator<Item = Self::Item> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl FromIterator<(i32, PartitionImage)> for PartitionMap {
    fn from_iter<I: IntoIterator<Item = (i32, PartitionImage)>>(iter: I) -> Self {
        let mut map = Self::new();
        for (id, partition) in iter {
            map.insert(id, partition);
        }
        map
    }
}

impl Serialize for PartitionMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for PartitionMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PartitionMapVisitor)
    }
}

/// Reads the map's entries straight into chunks (a snapshot holds every partition: no
/// intermediate `BTreeMap` of them all).
struct PartitionMapVisitor;

impl<'de> Visitor<'de> for PartitionMapVisitor {
    type Value = PartitionMap;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a map of partition ids to partitions")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<PartitionMap, A::Error> {
        let mut map = PartitionMap::new();
        while let Some((id, partition)) = entries.next_entry::<i32, PartitionImage>()? {
            map.insert(id, partition);
        }
        Ok(map)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn partition(id: i32, leader: i32) -> PartitionImage {
        PartitionImage {
            partition: id,
            replicas: vec![leader],
            isr: vec![leader],
            leader,
            leader_epoch: 0,
            partition_epoch: 0,
            adding_replicas: Vec::new(),
            removing_replicas: Vec::new(),
        }
    }

    #[test]
    fn behaves_as_the_btree_map_it_replaces() {
        let ids = [0, 1, 2, 511, 512, 513, 2000, 1500, 7];
        let mut map = PartitionMap::new();
        let mut expected = BTreeMap::new();
        for (round, id) in ids.iter().chain(ids.iter()).enumerate() {
            let leader = i32::try_from(round).unwrap();
            map.insert(*id, partition(*id, leader));
            expected.insert(*id, partition(*id, leader));
        }
        map.insert(-1, partition(-1, 0));
        assert_eq!(map.len(), expected.len());
        assert!(map.iter().eq(expected.iter()));
        assert!(map.keys().rev().eq(expected.keys().rev()));
        for id in -2..2100 {
            assert_eq!(map.get(&id), expected.get(&id), "partition {id}");
        }
        let json = serde_json::to_string(&map).unwrap();
        assert_eq!(json, serde_json::to_string(&expected).unwrap());
        assert_eq!(serde_json::from_str::<PartitionMap>(&json).unwrap(), map);
    }

    #[test]
    fn changes_since_names_exactly_the_slots_that_differ() {
        let before: PartitionMap = (0..2000).map(|id| (id, partition(id, 1))).collect();
        let mut now = before.clone();
        now.insert(3, partition(3, 2));
        now.insert(1500, partition(1500, 2));
        now.insert(1501, partition(1501, 1));
        now.insert(2100, partition(2100, 1));
        let changes: Vec<(i32, Option<i32>, Option<i32>)> = now
            .changes_since(&before)
            .map(|(id, was, now)| (id, was.map(|p| p.leader), now.map(|p| p.leader)))
            .collect();
        assert_eq!(
            changes,
            vec![
                (3, Some(1), Some(2)),
                (1500, Some(1), Some(2)),
                (2100, None, Some(1))
            ]
        );
        let removed: Vec<i32> = before.changes_since(&now).map(|(id, ..)| id).collect();
        assert_eq!(removed, vec![3, 1500, 2100]);
        assert_eq!(now.changes_since(&now).count(), 0);
        assert_eq!(now.changes_since(&PartitionMap::new()).count(), now.len());
    }

    #[test]
    fn a_change_copies_only_its_chunk() {
        let map: PartitionMap = (0..2000).map(|id| (id, partition(id, 1))).collect();
        let mut changed = map.clone();
        changed.insert(700, partition(700, 2));
        let shared = map
            .chunks
            .iter()
            .zip(&changed.chunks)
            .filter(|(a, b)| Arc::ptr_eq(a, b))
            .count();
        assert_eq!(shared, map.chunks.len() - 1);
        assert_eq!(map.get(&700).unwrap().leader, 1);
        assert_eq!(changed.get(&700).unwrap().leader, 2);
    }
}
