//! Per-partition queues of batches: records are appended to the newest batch until it reaches
//! `batch.size`; a batch becomes sendable when full, when `linger.ms` has passed, or on flush.

use super::batch::{PendingRecord, ProducerBatch};
use crate::client::wire::TopicPartition;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// Batches waiting to be sent, per partition, oldest first.
#[derive(Debug)]
pub struct Accumulator {
    queues: HashMap<TopicPartition, VecDeque<ProducerBatch>>,
    batch_size: usize,
    linger: Duration,
}

impl Accumulator {
    /// An empty accumulator.
    pub fn new(batch_size: usize, linger: Duration) -> Self {
        Accumulator {
            queues: HashMap::new(),
            batch_size,
            linger,
        }
    }

    /// Whether no batch is waiting.
    pub fn is_empty(&self) -> bool {
        self.queues.values().all(VecDeque::is_empty)
    }

    /// Appends to the partition's open batch, opening a new one when it would overflow.
    pub fn append(
        &mut self,
        topic_partition: TopicPartition,
        size: usize,
        record: PendingRecord,
        now: Instant,
    ) {
        let queue = self.queues.entry(topic_partition.clone()).or_default();
        let fits = queue.back().is_some_and(|open| {
            open.base_sequence.is_none()
                && open.retry_at.is_none()
                && open.size + size <= self.batch_size
        });
        if !fits {
            queue.push_back(ProducerBatch::new(topic_partition, now));
        }
        if let Some(open) = queue.back_mut() {
            open.size += size;
            open.records.push(record);
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
                    self.queues.remove(&tp);
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
    use crate::client::producer::record::ProducerRecord;
    use tokio::sync::oneshot;

    fn pending() -> PendingRecord {
        let (reply, _) = oneshot::channel();
        PendingRecord {
            record: ProducerRecord::new("t", "v"),
            timestamp: 0,
            reply,
        }
    }

    #[test]
    fn batch_is_ready_when_full_or_after_linger() {
        let mut acc = Accumulator::new(100, Duration::from_millis(5));
        let tp = TopicPartition::new("t", 0);
        let idle = HashSet::new();
        let start = Instant::now();
        let later = start + Duration::from_millis(5);
        acc.append(tp.clone(), 60, pending(), start);
        assert!(acc.drain_ready(&idle, false, start).is_empty());
        acc.append(tp.clone(), 60, pending(), start);
        let full = acc.drain_ready(&idle, false, start);
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].records.len(), 1);
        assert!(acc.drain_ready(&idle, false, start).is_empty());
        assert_eq!(acc.drain_ready(&idle, false, later).len(), 1);
        assert!(acc.is_empty());
    }

    #[test]
    fn busy_partition_keeps_its_batches_in_order() {
        let mut acc = Accumulator::new(10, Duration::ZERO);
        let now = Instant::now();
        let tp = TopicPartition::new("t", 0);
        acc.append(tp.clone(), 10, pending(), now);
        acc.append(tp.clone(), 10, pending(), now);
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
        let mut acc = Accumulator::new(10, Duration::ZERO);
        let now = Instant::now();
        let tp = TopicPartition::new("t", 0);
        for _ in 0..4 {
            acc.append(tp.clone(), 10, pending(), now);
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
