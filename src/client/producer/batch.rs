//! A batch of records for one partition: encoding to a v2 record batch and completing the
//! callers' futures once the broker has answered.

use super::record::{ProducerRecord, RecordMetadata};
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::{str_bytes, TopicPartition};
use bytes::{Bytes, BytesMut};
use indexmap::IndexMap;
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use tokio::sync::oneshot;
use tokio::time::Instant;

/// The producer identity stamped on batches; `producer_id` -1 when not idempotent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerIdentity {
    pub producer_id: i64,
    pub producer_epoch: i16,
}

impl ProducerIdentity {
    /// No idempotence.
    pub const NONE: ProducerIdentity = ProducerIdentity {
        producer_id: -1,
        producer_epoch: -1,
    };

    /// Whether batches carry sequence numbers.
    pub fn is_idempotent(self) -> bool {
        self.producer_id >= 0
    }
}

/// A record waiting in a batch together with its caller's reply channel.
#[derive(Debug)]
pub struct PendingRecord {
    pub record: ProducerRecord,
    pub timestamp: i64,
    pub reply: oneshot::Sender<ClientResult<RecordMetadata>>,
}

/// Records for one partition that travel in one record batch.
#[derive(Debug)]
pub struct ProducerBatch {
    pub topic_partition: TopicPartition,
    pub records: Vec<PendingRecord>,
    pub size: usize,
    pub created: Instant,
    /// Set when the batch is first sent and kept across retries, so the broker dedups.
    pub base_sequence: Option<i32>,
    pub attempts: u32,
    /// Not before this instant (backoff after a retriable failure).
    pub retry_at: Option<Instant>,
}

impl ProducerBatch {
    /// An empty batch for `topic_partition`.
    pub fn new(topic_partition: TopicPartition, now: Instant) -> Self {
        ProducerBatch {
            topic_partition,
            records: Vec::new(),
            size: 0,
            created: now,
            base_sequence: None,
            attempts: 0,
            retry_at: None,
        }
    }

    /// Number of records (the batch's sequence span).
    pub fn record_count(&self) -> i32 {
        i32::try_from(self.records.len()).unwrap_or(i32::MAX)
    }

    /// The v2 record batch bytes.
    pub fn encode(
        &self,
        identity: ProducerIdentity,
        compression: Compression,
    ) -> ClientResult<Bytes> {
        // Without idempotence the base sequence must be -1; offset - sequence stays constant
        // so the encoder keeps every record in one batch.
        let base_sequence = self.base_sequence.unwrap_or(-1);
        let records: Vec<Record> = self
            .records
            .iter()
            .enumerate()
            .map(|(i, pending)| {
                let delta = i32::try_from(i).unwrap_or(i32::MAX);
                Record {
                    transactional: false,
                    control: false,
                    delete_horizon: false,
                    partition_leader_epoch: -1,
                    producer_id: identity.producer_id,
                    producer_epoch: identity.producer_epoch,
                    timestamp_type: TimestampType::Creation,
                    offset: i64::from(delta),
                    sequence: base_sequence.wrapping_add(delta),
                    timestamp: pending.timestamp,
                    key: pending.record.key.clone(),
                    value: pending.record.value.clone(),
                    headers: pending
                        .record
                        .headers
                        .iter()
                        .map(|(k, v)| (str_bytes(k), v.clone()))
                        .collect::<IndexMap<_, _>>(),
                }
            })
            .collect();
        let mut buf = BytesMut::new();
        RecordBatchEncoder::encode(
            &mut buf,
            &records,
            &RecordEncodeOptions {
                version: 2,
                compression,
            },
        )
        .map_err(|e| ClientError::Protocol(format!("encoding record batch: {e}")))?;
        Ok(buf.freeze())
    }

    /// Completes every record: offsets count up from `base_offset` (-1 stays -1).
    pub fn succeed(self, base_offset: i64, log_append_time: i64) {
        for (i, pending) in self.records.into_iter().enumerate() {
            let offset = if base_offset < 0 {
                -1
            } else {
                base_offset + i as i64
            };
            let timestamp = if log_append_time >= 0 {
                log_append_time
            } else {
                pending.timestamp
            };
            // A caller that dropped its future no longer wants the answer.
            let _ = pending.reply.send(Ok(RecordMetadata {
                topic: self.topic_partition.topic.clone(),
                partition: self.topic_partition.partition,
                offset,
                timestamp,
            }));
        }
    }

    /// Fails every record with `error` (rendered once per record).
    pub fn fail(self, error: &ClientError) {
        let message = error.to_string();
        for pending in self.records {
            let failure = match error.kafka_error() {
                Some(kafka) => ClientError::Kafka {
                    error: kafka,
                    context: format!("producing to {}", self.topic_partition),
                },
                None => ClientError::DeliveryFailed {
                    topic_partition: self.topic_partition.to_string(),
                    reason: message.clone(),
                },
            };
            let _ = pending.reply.send(Err(failure));
        }
    }
}
