//! Per-partition numbers the dashboard derives from successive polls: offsets, sizes, produce
//! rates from two samples, a short history for sparklines, and when the ISR last changed.

use std::collections::{HashMap, VecDeque};

use super::feed::PollError;
use super::model::{OffsetKind, OffsetsPoll};
use crate::client::TopicPartition;

/// How many samples a sparkline keeps.
pub const HISTORY_LEN: usize = 60;

/// A rate history, newest last, at most `HISTORY_LEN` samples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History(VecDeque<f64>);

impl History {
    pub fn push(&mut self, value: f64) {
        if self.0.len() == HISTORY_LEN {
            self.0.pop_front();
        }
        self.0.push_back(value);
    }

    pub fn samples(&self) -> impl DoubleEndedIterator<Item = f64> + ExactSizeIterator + '_ {
        self.0.iter().copied()
    }

    pub fn last(&self) -> Option<f64> {
        self.0.back().copied()
    }
}

/// A counter read at a time (ms since the dashboard started).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub at_ms: u64,
    pub value: i64,
}

/// Per second between two samples; a counter that went down (records deleted, log truncated)
/// counts as no progress rather than a negative rate.
pub fn rate(previous: Sample, current: Sample) -> Option<f64> {
    let elapsed_ms = current.at_ms.checked_sub(previous.at_ms)?;
    if elapsed_ms == 0 {
        return None;
    }
    let delta = (current.value - previous.value).max(0);
    Some(delta as f64 * 1000.0 / elapsed_ms as f64)
}

/// What the dashboard knows about one partition beyond its metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartitionStats {
    pub log_start_offset: Option<i64>,
    pub high_watermark: Option<i64>,
    pub last_stable_offset: Option<i64>,
    /// The leader's log end offset, as of the latest high watermark round.
    pub log_end_offset: Option<i64>,
    pub size_bytes: Option<i64>,
    hwm_sample: Option<Sample>,
    size_sample: Option<Sample>,
    pub records_per_s: Option<f64>,
    pub bytes_per_s: Option<f64>,
    pub records_history: History,
    /// Why the latest offsets round could not read this partition (its leader failed).
    pub offsets_error: Option<String>,
    /// The ISR before its latest change, and when that change was seen.
    pub previous_isr: Option<Vec<i32>>,
    pub isr_changed_ms: Option<u64>,
}

impl PartitionStats {
    fn take_high_watermark(&mut self, value: i64, at_ms: u64) {
        let sample = Sample { at_ms, value };
        if let Some(previous) = self.hwm_sample {
            self.records_per_s = rate(previous, sample);
            self.records_history.push(self.records_per_s.unwrap_or(0.0));
        }
        self.hwm_sample = Some(sample);
        self.high_watermark = Some(value);
    }

    fn take_size(&mut self, value: i64, at_ms: u64) {
        let sample = Sample { at_ms, value };
        if let Some(previous) = self.size_sample {
            self.bytes_per_s = rate(previous, sample);
        }
        self.size_sample = Some(sample);
        self.size_bytes = Some(value);
    }

    /// Records a new ISR seen at `now_ms`; the first one seen is not a change.
    pub fn observe_isr(&mut self, old: Option<&[i32]>, new: &[i32], now_ms: u64) {
        if let Some(old) = old {
            if !same_members(old, new) {
                self.previous_isr = Some(old.to_vec());
                self.isr_changed_ms = Some(now_ms);
            }
        }
    }
}

fn same_members(a: &[i32], b: &[i32]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// Every partition's stats, plus per-topic produce rate histories.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartitionTable {
    pub partitions: HashMap<TopicPartition, PartitionStats>,
    pub topic_history: HashMap<String, History>,
    /// Brokers whose latest offsets round failed, with why.
    pub broker_errors: HashMap<i32, String>,
}

impl PartitionTable {
    /// Takes one offsets round answered at `at_ms`.
    pub fn apply(&mut self, poll: OffsetsPoll, at_ms: u64) {
        for broker in poll.brokers {
            match broker.offsets {
                Ok(offsets) => {
                    self.broker_errors.remove(&broker.broker_id);
                    for (tp, offset) in offsets {
                        let stats = self.partitions.entry(tp).or_default();
                        stats.offsets_error = None;
                        match poll.kind {
                            OffsetKind::HighWatermark => stats.take_high_watermark(offset, at_ms),
                            OffsetKind::LogStart => stats.log_start_offset = Some(offset),
                            OffsetKind::LastStable => stats.last_stable_offset = Some(offset),
                            OffsetKind::LogEnd => stats.log_end_offset = Some(offset),
                        }
                    }
                }
                Err(error) => {
                    let reason = match error {
                        PollError::Unsupported(reason) | PollError::Failed(reason) => reason,
                    };
                    self.broker_errors.insert(broker.broker_id, reason);
                }
            }
            if let Some(Ok(sizes)) = broker.sizes {
                for (tp, size) in sizes {
                    self.partitions
                        .entry(tp)
                        .or_default()
                        .take_size(size, at_ms);
                }
            }
        }
        if poll.kind == OffsetKind::HighWatermark {
            self.push_topic_history();
        }
    }

    /// Marks partitions led by a broker that failed the latest round.
    pub fn mark_failed_leaders(&mut self, leaders: &HashMap<TopicPartition, i32>) {
        for (tp, leader) in leaders {
            if let Some(error) = self.broker_errors.get(leader) {
                self.partitions.entry(tp.clone()).or_default().offsets_error = Some(error.clone());
            }
        }
    }

    fn push_topic_history(&mut self) {
        let mut totals: HashMap<&str, f64> = HashMap::new();
        for (tp, stats) in &self.partitions {
            *totals.entry(tp.topic.as_str()).or_default() += stats.records_per_s.unwrap_or(0.0);
        }
        for (topic, total) in totals {
            self.topic_history
                .entry(topic.to_string())
                .or_default()
                .push(total);
        }
    }

    /// Forgets partitions of topics no longer in the cluster.
    pub fn retain_topics(&mut self, exists: impl Fn(&str) -> bool) {
        self.partitions.retain(|tp, _| exists(&tp.topic));
        self.topic_history.retain(|topic, _| exists(topic));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::tui::model::BrokerOffsets;

    fn round(kind: OffsetKind, broker_id: i32, offsets: &[(&str, i32, i64)]) -> OffsetsPoll {
        let offsets: BTreeMap<TopicPartition, i64> = offsets
            .iter()
            .map(|(t, p, o)| (TopicPartition::new(*t, *p), *o))
            .collect();
        OffsetsPoll {
            kind,
            brokers: vec![BrokerOffsets {
                broker_id,
                offsets: Ok(offsets),
                sizes: None,
            }],
        }
    }

    #[test]
    fn rates_come_from_two_samples_and_never_go_negative() {
        let a = Sample {
            at_ms: 1_000,
            value: 100,
        };
        let b = Sample {
            at_ms: 3_000,
            value: 300,
        };
        assert_eq!(rate(a, b), Some(100.0));
        assert_eq!(rate(b, a), None);
        assert_eq!(rate(a, a), None);
        let shrunk = Sample {
            at_ms: 4_000,
            value: 50,
        };
        assert_eq!(rate(b, shrunk), Some(0.0));
    }

    #[test]
    fn two_high_watermark_rounds_give_a_rate_and_a_topic_history() {
        let mut table = PartitionTable::default();
        table.apply(
            round(OffsetKind::HighWatermark, 1, &[("t", 0, 10), ("t", 1, 0)]),
            0,
        );
        let tp0 = TopicPartition::new("t", 0);
        assert_eq!(table.partitions[&tp0].records_per_s, None);
        table.apply(
            round(OffsetKind::HighWatermark, 1, &[("t", 0, 30), ("t", 1, 5)]),
            500,
        );
        assert_eq!(table.partitions[&tp0].records_per_s, Some(40.0));
        assert_eq!(table.partitions[&tp0].high_watermark, Some(30));
        assert_eq!(table.topic_history["t"].last(), Some(50.0));
        table.apply(round(OffsetKind::LogStart, 1, &[("t", 0, 3)]), 600);
        assert_eq!(table.partitions[&tp0].log_start_offset, Some(3));
        table.apply(round(OffsetKind::LogEnd, 1, &[("t", 0, 32)]), 600);
        assert_eq!(table.partitions[&tp0].log_end_offset, Some(32));
        assert_eq!(table.partitions[&tp0].records_per_s, Some(40.0));
        assert_eq!(table.topic_history["t"].samples().len(), 2);
    }

    #[test]
    fn a_failed_broker_marks_its_partitions_and_keeps_their_offsets() {
        let mut table = PartitionTable::default();
        table.apply(round(OffsetKind::HighWatermark, 1, &[("t", 0, 10)]), 0);
        table.apply(
            OffsetsPoll {
                kind: OffsetKind::HighWatermark,
                brokers: vec![BrokerOffsets {
                    broker_id: 1,
                    offsets: Err(PollError::Failed("timed out".into())),
                    sizes: None,
                }],
            },
            1_000,
        );
        let tp = TopicPartition::new("t", 0);
        table.mark_failed_leaders(&HashMap::from([(tp.clone(), 1)]));
        assert_eq!(table.partitions[&tp].high_watermark, Some(10));
        assert_eq!(
            table.partitions[&tp].offsets_error.as_deref(),
            Some("timed out")
        );
        table.apply(round(OffsetKind::HighWatermark, 1, &[("t", 0, 12)]), 2_000);
        assert_eq!(table.partitions[&tp].offsets_error, None);
    }

    #[test]
    fn an_isr_change_is_remembered_but_the_first_isr_is_not_a_change() {
        let mut stats = PartitionStats::default();
        stats.observe_isr(None, &[1, 2, 3], 0);
        assert_eq!(stats.isr_changed_ms, None);
        stats.observe_isr(Some(&[1, 2, 3]), &[3, 2, 1], 10);
        assert_eq!(stats.isr_changed_ms, None);
        stats.observe_isr(Some(&[1, 2, 3]), &[1, 3], 20);
        assert_eq!(stats.isr_changed_ms, Some(20));
        assert_eq!(stats.previous_isr.as_deref(), Some(&[1, 2, 3][..]));
    }
}
