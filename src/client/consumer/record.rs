//! A record as the consumer hands it out.

use bytes::Bytes;

/// What a record's timestamp means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampKind {
    /// Set by the producer.
    CreateTime,
    /// Set by the broker when it appended the batch.
    LogAppendTime,
}

/// One consumed record with its batch's properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: i64,
    pub timestamp_kind: TimestampKind,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<(String, Option<Bytes>)>,
    /// The partition leader epoch stamped on the batch (-1 when unknown).
    pub leader_epoch: i32,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub is_transactional: bool,
    /// A transaction marker (commit/abort) rather than user data.
    pub is_control: bool,
}
