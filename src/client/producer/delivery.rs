//! Acknowledgements shared per batch: the broker answers for a whole batch at once, so one
//! completion is settled per batch and every record's future reads its own slot from it, and
//! records sent with an opaque are told about in one [`DeliveryReport`] per batch (as
//! librdkafka's delivery report callback, without a future or an allocation per record).

use super::record::RecordMetadata;
use crate::client::error::{ClientError, ClientResult};
use futures::future::{FutureExt, Shared};
use kafka_protocol::error::ResponseError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::oneshot;

/// How the broker answered for one batch.
#[derive(Debug)]
pub enum BatchOutcome {
    /// Offsets count up from `base_offset` (-1 with `acks=0`); `log_append_time` is -1
    /// unless the topic stamps LogAppendTime.
    Delivered {
        topic: Arc<str>,
        partition: i32,
        base_offset: i64,
        log_append_time: i64,
    },
    /// Every record of the batch failed.
    Failed {
        topic_partition: String,
        kafka: Option<ResponseError>,
        reason: String,
    },
}

/// A batch that landed: its first record's offset (-1 with `acks=0`) and the broker's
/// LogAppendTime (-1 unless the topic stamps it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub base_offset: i64,
    pub log_append_time: i64,
}

/// One record of a report: the opaque its sender gave, and its place in the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportedRecord {
    pub opaque: u64,
    pub offset_delta: i32,
}

impl ReportedRecord {
    /// The record's offset when its batch landed at `delivered` (-1 with `acks=0`).
    pub fn offset(&self, delivered: Delivered) -> i64 {
        if delivered.base_offset < 0 {
            -1
        } else {
            delivered.base_offset + i64::from(self.offset_delta)
        }
    }
}

/// The broker's answer for the records of one batch that were sent with
/// [`Producer::send_reported`](super::Producer::send_reported).
#[derive(Debug)]
pub struct DeliveryReport<'a> {
    pub topic: &'a str,
    pub partition: i32,
    /// Every record of the batch landed, or every one failed with this error.
    pub result: Result<Delivered, &'a ClientError>,
    pub records: &'a [ReportedRecord],
}

/// Told once per settled batch about its reported records, on the producer's background task:
/// it should be quick and must not block.
pub trait DeliveryHandler: Send + Sync + 'static {
    fn on_delivery(&self, report: &DeliveryReport<'_>);
}

type Settled = Shared<oneshot::Receiver<Arc<BatchOutcome>>>;

/// The settling side of a batch's completion, kept by the batch.
#[derive(Debug)]
pub struct BatchCompletion {
    settle: oneshot::Sender<Arc<BatchOutcome>>,
}

impl BatchCompletion {
    /// A completion and the shared future its records' deliveries clone.
    pub fn new() -> (BatchCompletion, BatchSettled) {
        let (settle, settled) = oneshot::channel();
        (BatchCompletion { settle }, BatchSettled(settled.shared()))
    }

    /// Answers every record of the batch at once.
    pub fn settle(self, outcome: BatchOutcome) {
        // Nobody waiting (every future dropped) is fine.
        let _ = self.settle.send(Arc::new(outcome));
    }
}

/// The waiting side of a batch's completion, cloned into each record's [`DeliveryFuture`].
#[derive(Debug, Clone)]
pub struct BatchSettled(Settled);

/// Resolves once the broker has acknowledged (or rejected) one record.
#[derive(Debug)]
pub struct DeliveryFuture {
    settled: Settled,
    /// The record's place in its batch: its offset is the batch's base offset plus this.
    index: i64,
    timestamp: i64,
}

impl DeliveryFuture {
    /// The delivery of the record at `index` within the batch behind `settled`.
    pub fn new(settled: &BatchSettled, index: i32, timestamp: i64) -> DeliveryFuture {
        DeliveryFuture {
            settled: settled.0.clone(),
            index: i64::from(index),
            timestamp,
        }
    }

    fn resolve(&self, outcome: &BatchOutcome) -> ClientResult<RecordMetadata> {
        match outcome {
            BatchOutcome::Delivered {
                topic,
                partition,
                base_offset,
                log_append_time,
            } => Ok(RecordMetadata {
                topic: topic.to_string(),
                partition: *partition,
                offset: if *base_offset < 0 {
                    -1
                } else {
                    base_offset + self.index
                },
                timestamp: if *log_append_time >= 0 {
                    *log_append_time
                } else {
                    self.timestamp
                },
            }),
            BatchOutcome::Failed {
                topic_partition,
                kafka: Some(error),
                ..
            } => Err(ClientError::Kafka {
                error: *error,
                context: format!("producing to {topic_partition}"),
            }),
            BatchOutcome::Failed {
                topic_partition,
                kafka: None,
                reason,
            } => Err(ClientError::DeliveryFailed {
                topic_partition: topic_partition.clone(),
                reason: reason.clone(),
            }),
        }
    }
}

impl Future for DeliveryFuture {
    type Output = ClientResult<RecordMetadata>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let settled = Pin::new(&mut self.settled).poll(cx);
        settled.map(|outcome| match outcome {
            Ok(outcome) => self.resolve(&outcome),
            Err(_) => Err(ClientError::Closed("producer")),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_of_a_batch_get_consecutive_offsets() {
        let (completion, settled) = BatchCompletion::new();
        let first = DeliveryFuture::new(&settled, 0, 10);
        let second = DeliveryFuture::new(&settled, 1, 11);
        completion.settle(BatchOutcome::Delivered {
            topic: Arc::from("t"),
            partition: 2,
            base_offset: 40,
            log_append_time: -1,
        });
        let second = second.await.unwrap();
        assert_eq!(
            (second.partition, second.offset, second.timestamp),
            (2, 41, 11)
        );
        assert_eq!(first.await.unwrap().offset, 40);
    }

    #[tokio::test]
    async fn a_failed_batch_fails_each_record() {
        let (completion, settled) = BatchCompletion::new();
        let delivery = DeliveryFuture::new(&settled, 3, 0);
        completion.settle(BatchOutcome::Failed {
            topic_partition: "t-0".into(),
            kafka: Some(ResponseError::MessageTooLarge),
            reason: "too large".into(),
        });
        let error = delivery.await.unwrap_err();
        assert_eq!(error.kafka_error(), Some(ResponseError::MessageTooLarge));
    }

    #[tokio::test]
    async fn an_abandoned_batch_reports_the_producer_closed() {
        let (completion, settled) = BatchCompletion::new();
        let delivery = DeliveryFuture::new(&settled, 0, 0);
        drop(completion);
        assert!(matches!(delivery.await, Err(ClientError::Closed(_))));
    }
}
