//! Per-partition queues of batches: records are appended to the newest batch until it reaches
//! `batch.size`; a batch becomes sendable when full, when `linger.ms` has passed, or on flush.
//!
//! Callers append straight into the accumulator under a short lock; the sender task is woken
//! only when a batch is opened or fills up, never per record.

use super::batch::{Ack, Acked, BatchSettings, ProducerBatch};
use super::partitioner::StickyPartitioner;
use crate::client::wire::TopicPartition;
use crate::protocol::batch_builder::RecordParts;
use indexmap::{Equivalent, IndexMap};
use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// A borrowed partition name that finds a [`TopicPartition`] key without building one. Its
/// fields hash exactly like `TopicPartition`'s (a `String` hashes as its `str`).
#[derive(Hash)]
struct PartitionRef<'a> {
    topic: &'a str,
    partition: i32,
}

impl Equivalent<TopicPartition> for PartitionRef<'_> {
    fn equivalent(&self, key: &TopicPartition) -> bool {
        self.partition == key.partition && self.topic == key.topic
    }
}

/// Locks the accumulator shared by the producer handle and its sender task; a panic while
/// holding it leaves no half-made change worth refusing.
pub fn lock(shared: &Mutex<Accumulator>) -> MutexGuard<'_, Accumulator> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where a record is going: a partition already chosen, or the topic's sticky partition
/// (picked under the same lock as the append, so one lock per record).
#[derive(Debug, Clone, Copy)]
pub enum Destination {
    Partition(i32),
    Sticky { partition_count: i32 },
}

/// What became of one appended record, and whether the sender task has something new.
#[derive(Debug)]
pub struct Appended {
    pub acked: Acked,
    /// A batch was opened (it has a linger deadline now) or filled up.
    pub wake_sender: bool,
}

/// Batches waiting to be sent, per partition, oldest first.
pub struct Accumulator {
    queues: IndexMap<TopicPartition, VecDeque<ProducerBatch>>,
    sticky: StickyPartitioner,
    settings: BatchSettings,
    linger: Duration,
}

impl std::fmt::Debug for Accumulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accumulator")
            .field("partitions", &self.queues.len())
            .field("batch_size", &self.settings.batch_size)
            .field("linger", &self.linger)
            .finish_non_exhaustive()
    }
}

impl Accumulator {
    /// An empty accumulator opening batches with `settings`, sendable after `linger`.
    pub fn new(settings: BatchSettings, linger: Duration) -> Self {
        Accumulator {
            queues: IndexMap::new(),
            sticky: StickyPartitioner::default(),
            settings,
            linger,
        }
    }

    /// Whether no batch is waiting.
    pub fn is_empty(&self) -> bool {
        self.queues.values().all(VecDeque::is_empty)
    }

    /// Appends to the partition's open batch, opening a new one when the record (at most
    /// `size` bytes) would overflow it. `reserved` permits of `buffer.memory` travel with the
    /// record; `now` is read only when a batch opens.
    #[allow(clippy::too_many_arguments)]
    pub fn append(
        &mut self,
        topic: &str,
        destination: Destination,
        record: &RecordParts<'_>,
        size: usize,
        reserved: u32,
        ack: Ack,
        now: impl FnOnce() -> Instant,
    ) -> Appended {
        let batch_size = self.settings.batch_size;
        let partition = match destination {
            Destination::Partition(partition) => partition,
            Destination::Sticky { partition_count } => {
                self.sticky
                    .partition(topic, partition_count, size, batch_size)
            }
        };
        let key = PartitionRef { topic, partition };
        let queue = match self.queues.get_mut(&key) {
            Some(queue) => queue,
            None => self
                .queues
                .entry(TopicPartition::new(topic, partition))
                .or_default(),
        };
        let open = queue
            .back_mut()
            .filter(|open| open.is_open() && open.size + size <= batch_size);
        if let Some(open) = open {
            if let Some(acked) = open.append(record, reserved, ack) {
                return Appended {
                    acked,
                    wake_sender: open.size >= batch_size,
                };
            }
        }
        let (batch, acked) = ProducerBatch::new(
            TopicPartition::new(topic, partition),
            &self.settings,
            now(),
            record,
            size,
            reserved,
            ack,
        );
        queue.push_back(batch);
        Appended {
            acked,
            wake_sender: true,
        }
    }

    /// Puts a batch that must be retried back ahead of newer ones: among other retried
    /// batches it goes by sequence number, so the partition is resent in order.
    pub fn requeue(&mut self, batch: ProducerBatch) {
        let queue = self
            .queues
            .entry(batch.topic_partition.clone())
            .or_default();
        let position = match batch.base_sequence {
            Some(sequence) => queue
                .iter()
                .position(|queued| queued.base_sequence.is_none_or(|q| q > sequence))
                .unwrap_or(queue.len()),
            None => 0,
        };
        queue.insert(position, batch);
    }

    fn is_sendable(&self, queue: &VecDeque<ProducerBatch>, now: Instant, flushing: bool) -> bool {
        let Some(head) = queue.front() else {
            return false;
        };
        if head.retry_at.is_some_and(|at| at > now) {
            return false;
        }
        flushing
            || head.retry_at.is_some()
            || queue.len() > 1
            || head.size >= self.settings.batch_size
            || head.created + self.linger <= now
    }

    /// Takes the head batch of every partition that is sendable and not `busy`.
    pub fn drain_ready(
        &mut self,
        busy: &HashSet<TopicPartition>,
        flushing: bool,
        now: Instant,
    ) -> Vec<ProducerBatch> {
        let ready: Vec<TopicPartition> = self
            .queues
            .iter()
            .filter(|(tp, queue)| !busy.contains(*tp) && self.is_sendable(queue, now, flushing))
            .map(|(tp, _)| tp.clone())
            .collect();
        let mut batches = Vec::with_capacity(ready.len());
        for tp in ready {
            if let Some(queue) = self.queues.get_mut(&tp) {
                batches.extend(queue.pop_front());
                if queue.is_empty() {
                    self.queues.swap_remove(&tp);
                }
            }
        }
        batches
    }

    /// When the next waiting batch becomes sendable through time alone.
    pub fn next_deadline(&self, busy: &HashSet<TopicPartition>) -> Option<Instant> {
        self.queues
            .iter()
            .filter(|(tp, _)| !busy.contains(*tp))
            .filter_map(|(_, queue)| queue.front())
            .map(|head| head.retry_at.unwrap_or(head.created + self.linger))
            .min()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tokio::sync::Semaphore;

    fn accumulator(batch_size: usize, linger: Duration) -> Accumulator {
        let settings = BatchSettings {
            batch_size,
            memory: Arc::new(Semaphore::new(0)),
            handler: None,
        };
        Accumulator::new(settings, linger)
    }

    /// Appends a record with a value of `value_len` bytes to partition 0 of "t".
    fn append(acc: &mut Accumulator, value_len: usize, now: Instant) -> bool {
        let value = vec![b'v'; value_len];
        let record = RecordParts {
            timestamp: 0,
            key: None,
            value: Some(&value),
            headers: &[],
        };
        let size = record.max_encoded_size();
        let destination = Destination::Partition(0);
        acc.append("t", destination, &record, size, 0, Ack::Future, || now)
            .wake_sender
    }

    #[test]
    fn batch_is_ready_when_full_or_after_linger() {
        let mut acc = accumulator(100, Duration::from_millis(5));
        let idle = HashSet::new();
        let start = Instant::now();
        let later = start + Duration::from_millis(5);
        append(&mut acc, 60, start);
        assert!(acc.drain_ready(&idle, false, start).is_empty());
        append(&mut acc, 60, start);
        let full = acc.drain_ready(&idle, false, start);
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].record_count(), 1);
        assert!(acc.drain_ready(&idle, false, start).is_empty());
        assert_eq!(acc.drain_ready(&idle, false, later).len(), 1);
        assert!(acc.is_empty());
    }

    #[test]
    fn sender_is_woken_per_batch_not_per_record() {
        let mut acc = accumulator(1000, Duration::from_millis(5));
        let now = Instant::now();
        assert!(
            append(&mut acc, 40, now),
            "a new batch has a linger deadline"
        );
        for _ in 0..9 {
            assert!(!append(&mut acc, 40, now));
        }
        assert!(
            append(&mut acc, 900, now),
            "the batch is full: another one opens"
        );
    }

    #[test]
    fn busy_partition_keeps_its_batches_in_order() {
        let mut acc = accumulator(10, Duration::ZERO);
        let now = Instant::now();
        let tp = TopicPartition::new("t", 0);
        append(&mut acc, 10, now);
        append(&mut acc, 10, now);
        let busy: HashSet<_> = [tp.clone()].into();
        assert!(acc.drain_ready(&busy, true, now).is_empty());
        let first = acc.drain_ready(&HashSet::new(), true, now).pop().unwrap();
        acc.requeue(first);
        assert_eq!(acc.drain_ready(&HashSet::new(), true, now).len(), 1);
        assert_eq!(acc.drain_ready(&HashSet::new(), true, now).len(), 1);
        assert!(acc.is_empty());
    }

    #[test]
    fn retried_batches_are_resent_in_sequence_order() {
        let mut acc = accumulator(10, Duration::ZERO);
        let now = Instant::now();
        for _ in 0..4 {
            append(&mut acc, 10, now);
        }
        let idle = HashSet::new();
        let mut sent: Vec<ProducerBatch> = (0..3)
            .map(|sequence| {
                let mut batch = acc.drain_ready(&idle, true, now).pop().unwrap();
                batch.base_sequence = Some(sequence);
                batch
            })
            .collect();
        // The answers for sequences 0 and 1 fail, in that order; 2 fails last.
        let third = sent.pop().unwrap();
        let second = sent.pop().unwrap();
        let first = sent.pop().unwrap();
        acc.requeue(first);
        acc.requeue(second);
        acc.requeue(third);
        let order: Vec<Option<i32>> = (0..4)
            .map(|_| {
                acc.drain_ready(&idle, true, now)
                    .pop()
                    .unwrap()
                    .base_sequence
            })
            .collect();
        assert_eq!(order, vec![Some(0), Some(1), Some(2), None]);
    }
}
