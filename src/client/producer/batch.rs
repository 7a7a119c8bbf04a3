//! A batch of records for one partition: records are kept ready to encode as a v2 record
//! batch, and one shared completion answers all of their futures once the broker has spoken.

use super::delivery::{BatchCompletion, BatchOutcome, BatchSettled, DeliveryFuture};
use super::record::ProducerRecord;
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::TopicPartition;
use bytes::{Bytes, BytesMut};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use std::sync::Arc;
use tokio::sync::Semaphore;
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

/// Records for one partition that travel in one record batch.
#[derive(Debug)]
pub struct ProducerBatch {
    pub topic_partition: TopicPartition,
    topic: Arc<str>,
    records: Vec<Record>,
    pub size: usize,
    pub created: Instant,
    /// Set when the batch is first sent and kept across retries, so the broker dedups.
    pub base_sequence: Option<i32>,
    pub attempts: u32,
    /// Not before this instant (backoff after a retriable failure).
    pub retry_at: Option<Instant>,
    completion: BatchCompletion,
    settled: BatchSettled,
    /// `buffer.memory` held by the records, handed back when the batch is settled.
    memory: Arc<Semaphore>,
    reserved: u32,
}

impl ProducerBatch {
    /// An empty batch for `topic_partition` whose records' memory comes from `memory`.
    pub fn new(topic_partition: TopicPartition, memory: Arc<Semaphore>, now: Instant) -> Self {
        let (completion, settled) = BatchCompletion::new();
        ProducerBatch {
            topic: Arc::from(topic_partition.topic.as_str()),
            topic_partition,
            records: Vec::new(),
            size: 0,
            created: now,
            base_sequence: None,
            attempts: 0,
            retry_at: None,
            completion,
            settled,
            memory,
            reserved: 0,
        }
    }

    /// Adds a record of about `size` bytes holding `reserved` permits of `buffer.memory`.
    pub fn append(
        &mut self,
        record: ProducerRecord,
        timestamp: i64,
        size: usize,
        reserved: u32,
    ) -> DeliveryFuture {
        let index = self.records.len();
        let offset = i64::try_from(index).unwrap_or(i64::MAX);
        self.records.push(Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset,
            sequence: -1,
            timestamp,
            key: record.key,
            value: record.value,
            headers: record
                .headers
                .into_iter()
                .map(|(k, v)| (StrBytes::from_string(k), v))
                .collect(),
        });
        self.size += size;
        self.reserved = self.reserved.saturating_add(reserved);
        DeliveryFuture::new(&self.settled, index, timestamp)
    }

    /// Number of records (the batch's sequence span).
    pub fn record_count(&self) -> i32 {
        i32::try_from(self.records.len()).unwrap_or(i32::MAX)
    }

    /// The v2 record batch bytes, stamped with `identity` and the batch's base sequence.
    pub fn encode(
        &mut self,
        identity: ProducerIdentity,
        compression: Compression,
    ) -> ClientResult<Bytes> {
        // Without idempotence the base sequence must be -1; offset - sequence stays constant
        // so the encoder keeps every record in one batch.
        let base_sequence = self.base_sequence.unwrap_or(-1);
        for (delta, record) in (0i32..).zip(self.records.iter_mut()) {
            record.producer_id = identity.producer_id;
            record.producer_epoch = identity.producer_epoch;
            record.sequence = base_sequence.wrapping_add(delta);
        }
        let mut buf = BytesMut::with_capacity(self.size + 128);
        RecordBatchEncoder::encode(
            &mut buf,
            &self.records,
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
        let outcome = BatchOutcome::Delivered {
            topic: Arc::clone(&self.topic),
            partition: self.topic_partition.partition,
            base_offset,
            log_append_time,
        };
        self.settle(outcome);
    }

    /// Fails every record with `error`.
    pub fn fail(self, error: &ClientError) {
        let outcome = BatchOutcome::Failed {
            topic_partition: self.topic_partition.to_string(),
            kafka: error.kafka_error(),
            reason: error.to_string(),
        };
        self.settle(outcome);
    }

    fn settle(self, outcome: BatchOutcome) {
        self.memory.add_permits(self.reserved as usize);
        self.completion.settle(outcome);
    }
}
