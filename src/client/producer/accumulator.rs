//! Per-partition queues of batches: records are appended to the newest batch until it reaches
//! `batch.size`; a batch becomes sendable when full, when `linger.ms` has passed, or on flush.
//!
//! Callers append straight into the accumulator under a short lock; the sender task is woken
//! only when a batch is opened or fills up, never per record.

use super::batch::ProducerBatch;
use super::delivery::DeliveryFuture;
use super::record::ProducerRecord;
use crate::client::wire::TopicPartition;
use indexmap::{Equivalent, IndexMap};
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::Semaphore;
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

/// Where one record went, and whether the sender task has something new to look at.
#[derive(Debug)]
pub struct Appended {
    pub delivery: DeliveryFuture,
    /// A batch was opened (it has a linger deadline now) or filled up.
    pub wake_sender: bool,
}

/// Batches waiting to be sent, per partition, oldest first.
#[derive(Debug)]
pub struct Accumulator {
    queues: IndexMap<TopicPartition, VecDeque<ProducerBatch>>,
    batch_size: usize,
    linger: Duration,
    memory: Arc<Semaphore>,
}

impl Accumulator {
    /// An empty accumulator whose batches hand their records' memory back to `memory`.
    pub fn new(batch_size: usize, linger: Duration, memory: Arc<Semaphore>) -> Self {
        Accumulator {
            queues: IndexMap::new(),
            batch_size,
            linger,
            memory,
        }
    }

    /// Whether no batch is waiting.
    pub fn is_empty(&self) -> bool {
        self.queues.values().all(VecDeque::is_empty)
    }

    /// Appends to the partition's open batch, opening a new one when it would overflow.
    /// `reserved` permits of `buffer.memory` travel with the record.
    pub fn append(
        &mut self,
        partition: i32,
        record: ProducerRecord,
        timestamp: i64,
        size: usize,
        reserved: u32,
        now: Instant,
    ) -> Appended {
        let key = PartitionRef {
            topic: &record.topic,
            partition,
        };
        let queue = match self.queues.get_mut(&key) {
            Some(queue) => queue,
            None => self
                .queues
                .entry(TopicPartition::new(record.topic.as_str(), partition))
                .or_default(),
        };
        let batch_size = self.batch_size;
        let open = queue.back_mut().filter(|open| {
            open.base_sequence.is_none()
                && open.retry_at.is_none()
                && open.size + size <= batch_size
        });
        match open {
            Some(open) => {
                let delivery = open.append(record, timestamp, size, reserved);
                Appended {
                    delivery,
                    wake_sender: open.size >= batch_size,
                }
            }
            None => {
                let topic_partition = TopicPartition::new(record.topic.as_str(), partition);
                let mut batch = ProducerBatch::new(topic_partition, Arc::clone(&self.memory), now);
                let delivery = batch.append(record, timestamp, size, reserved);
                queue.push_back(batch);
                Appended {
                    delivery,
                    wake_sender: true,
                }
            }
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
            || head.size >= self.batch_size
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

    fn accumulator(batch_size: usize, linger: Duration) -> Accumulator {
        Accumulator::new(batch_size, linger, Arc::new(Semaphore::new(0)))
    }

    fn append(acc: &mut Accumulator, size: usize, now: Instant) -> bool {
        acc.append(0, ProducerRecord::new("t", "v"), 0, size, 0, now)
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
        let mut acc = accumulator(100, Duration::from_millis(5));
        let now = Instant::now();
        assert!(
            append(&mut acc, 40, now),
            "a new batch has a linger deadline"
        );
        assert!(!append(&mut acc, 40, now));
        assert!(append(&mut acc, 20, now), "the batch is full");
        assert!(append(&mut acc, 40, now), "another batch opens");
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
