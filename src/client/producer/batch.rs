//! A batch of records for one partition: records are written in their wire form as they are
//! appended (no per-record structures), sealed into the v2 record batch once when first sent,
//! and answered all at once: one shared completion for the records' futures and one report
//! for the records sent with an opaque.

use super::delivery::{
    BatchCompletion, BatchOutcome, BatchSettled, Delivered, DeliveryFuture, DeliveryHandler,
    DeliveryReport, ReportedRecord,
};
use crate::client::error::{ClientError, ClientResult};
use crate::client::wire::TopicPartition;
use crate::protocol::batch_builder::{BatchStamp, RecordBatchBuilder, RecordParts};
use bytes::Bytes;
use kafka_protocol::records::Compression;
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

/// The records of a batch: still open for appends, or sealed into the bytes every attempt
/// sends (so a retry carries the very same batch and sequence numbers).
#[derive(Debug)]
enum Contents {
    Open(RecordBatchBuilder),
    Sealed(Bytes),
    /// Only while the builder is being sealed (sealing consumes it).
    Sealing,
}

/// Records for one partition that travel in one record batch.
pub struct ProducerBatch {
    pub topic_partition: TopicPartition,
    topic: Arc<str>,
    contents: Contents,
    record_count: i32,
    /// Bytes of the records, uncompressed (what `batch.size` counts).
    pub size: usize,
    pub created: Instant,
    /// Set when the batch is first sent and kept across retries, so the broker dedups.
    pub base_sequence: Option<i32>,
    pub attempts: u32,
    /// Not before this instant (backoff after a retriable failure).
    pub retry_at: Option<Instant>,
    completion: BatchCompletion,
    settled: BatchSettled,
    /// Records whose caller asked for a report rather than a future.
    reported: Vec<ReportedRecord>,
    handler: Option<Arc<dyn DeliveryHandler>>,
    /// `buffer.memory` held by the records, handed back when the batch is settled.
    memory: Arc<Semaphore>,
    reserved: u32,
}

impl std::fmt::Debug for ProducerBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProducerBatch")
            .field("topic_partition", &self.topic_partition)
            .field("record_count", &self.record_count)
            .field("size", &self.size)
            .field("base_sequence", &self.base_sequence)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// What every new batch of a producer is made with.
#[derive(Clone)]
pub struct BatchSettings {
    /// `batch.size`: the bytes of records a batch takes before it is full.
    pub batch_size: usize,
    /// `buffer.memory`, handed back as batches settle.
    pub memory: Arc<Semaphore>,
    /// Where reports of records sent with an opaque go.
    pub handler: Option<Arc<dyn DeliveryHandler>>,
}

impl ProducerBatch {
    /// A batch for `topic_partition` opened at `now` with `record` (of at most `size` bytes,
    /// holding `reserved` permits of `buffer.memory`) as its first record.
    pub fn new(
        topic_partition: TopicPartition,
        settings: &BatchSettings,
        now: Instant,
        record: &RecordParts<'_>,
        size: usize,
        reserved: u32,
        ack: Ack,
    ) -> (Self, Acked) {
        let (completion, settled) = BatchCompletion::new();
        let mut builder = RecordBatchBuilder::with_capacity(settings.batch_size.max(size));
        let written = builder.append(record);
        let mut batch = ProducerBatch {
            topic: Arc::from(topic_partition.topic.as_str()),
            topic_partition,
            contents: Contents::Open(builder),
            record_count: 0,
            size: 0,
            created: now,
            base_sequence: None,
            attempts: 0,
            retry_at: None,
            completion,
            settled,
            reported: Vec::new(),
            handler: settings.handler.clone(),
            memory: Arc::clone(&settings.memory),
            reserved: 0,
        };
        let acked = batch.count(written, record.timestamp, reserved, ack);
        (batch, acked)
    }

    /// Whether more records may be appended (the batch has not been sent yet).
    pub fn is_open(&self) -> bool {
        matches!(self.contents, Contents::Open(_)) && self.retry_at.is_none()
    }

    /// Writes a record holding `reserved` permits of `buffer.memory`; `None` once sealed.
    pub fn append(&mut self, record: &RecordParts<'_>, reserved: u32, ack: Ack) -> Option<Acked> {
        let Contents::Open(builder) = &mut self.contents else {
            return None;
        };
        let written = builder.append(record);
        Some(self.count(written, record.timestamp, reserved, ack))
    }

    /// Books a record of `written` bytes just written into the builder.
    fn count(&mut self, written: usize, timestamp: i64, reserved: u32, ack: Ack) -> Acked {
        let index = self.record_count;
        self.size += written;
        self.record_count += 1;
        self.reserved = self.reserved.saturating_add(reserved);
        match ack {
            Ack::Future => Acked::Future(DeliveryFuture::new(&self.settled, index, timestamp)),
            Ack::Report(opaque) => {
                self.reported.push(ReportedRecord {
                    opaque,
                    offset_delta: index,
                });
                Acked::Reported
            }
        }
    }

    /// Number of records (the batch's sequence span).
    pub fn record_count(&self) -> i32 {
        self.record_count
    }

    /// The v2 record batch bytes: sealed on the first call with `identity` and the batch's
    /// base sequence (and the transactional attribute when `transactional`), the same bytes
    /// on every later call.
    pub fn seal(
        &mut self,
        identity: ProducerIdentity,
        transactional: bool,
        compression: Compression,
    ) -> ClientResult<Bytes> {
        if let Contents::Sealed(bytes) = &self.contents {
            return Ok(bytes.clone());
        }
        let Contents::Open(builder) = std::mem::replace(&mut self.contents, Contents::Sealing)
        else {
            return Err(ClientError::Protocol("record batch sealed twice".into()));
        };
        let stamp = BatchStamp {
            producer_id: identity.producer_id,
            producer_epoch: identity.producer_epoch,
            // Without idempotence the base sequence must be -1.
            base_sequence: self.base_sequence.unwrap_or(-1),
        };
        let builder = if transactional {
            builder.transactional()
        } else {
            builder
        };
        let bytes = builder
            .seal(stamp, compression)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.contents = Contents::Sealed(bytes.clone());
        Ok(bytes)
    }

    /// Completes every record: offsets count up from `base_offset` (-1 stays -1).
    pub fn succeed(self, base_offset: i64, log_append_time: i64) {
        let delivered = Delivered {
            base_offset,
            log_append_time,
        };
        self.report(Ok(delivered));
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
        self.report(Err(error));
        let outcome = BatchOutcome::Failed {
            topic_partition: self.topic_partition.to_string(),
            kafka: error.kafka_error(),
            reason: error.to_string(),
        };
        self.settle(outcome);
    }

    fn report(&self, result: Result<Delivered, &ClientError>) {
        let Some(handler) = &self.handler else {
            return;
        };
        if self.reported.is_empty() {
            return;
        }
        handler.on_delivery(&DeliveryReport {
            topic: &self.topic,
            partition: self.topic_partition.partition,
            result,
            records: &self.reported,
        });
    }

    fn settle(self, outcome: BatchOutcome) {
        self.memory.add_permits(self.reserved as usize);
        self.completion.settle(outcome);
    }
}

/// How the caller of an append wants to hear about its record.
#[derive(Debug, Clone, Copy)]
pub enum Ack {
    /// A future of its own.
    Future,
    /// A line in the batch's report to the producer's handler, carrying this opaque.
    Report(u64),
}

/// What an append gave back, per its [`Ack`].
#[derive(Debug)]
pub enum Acked {
    Future(DeliveryFuture),
    Reported,
}
