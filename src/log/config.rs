//! The per-partition settings the log obeys (a subset of Kafka's topic configs); built from
//! topic configs by `crate::config`.

/// `message.timestamp.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageTimestampType {
    CreateTime,
    LogAppendTime,
}

impl MessageTimestampType {
    /// The name Kafka uses in configs.
    pub fn name(self) -> &'static str {
        match self {
            Self::CreateTime => "CreateTime",
            Self::LogAppendTime => "LogAppendTime",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogConfig {
    /// `segment.bytes`: roll a segment before it would grow past this.
    pub segment_bytes: i32,
    /// `segment.ms`: roll a segment this long after its first batch's timestamp.
    pub segment_ms: i64,
    /// `index.interval.bytes`: log bytes between two offset index entries.
    pub index_interval_bytes: i32,
    /// `retention.ms`: delete segments older than this; -1 keeps them forever.
    pub retention_ms: i64,
    /// `retention.bytes`: delete old segments while the log exceeds this; -1 is unlimited.
    pub retention_bytes: i64,
    /// `max.message.bytes`: the largest record batch accepted.
    pub max_message_bytes: i32,
    /// `message.timestamp.type`.
    pub message_timestamp_type: MessageTimestampType,
    /// `message.timestamp.before.max.ms`: how far in the past a CreateTime timestamp may be.
    pub message_timestamp_before_max_ms: i64,
    /// `message.timestamp.after.max.ms`: how far in the future a CreateTime timestamp may be.
    pub message_timestamp_after_max_ms: i64,
    /// `cleanup.policy` contains `delete`: retention applies.
    pub cleanup_policy_delete: bool,
    /// `cleanup.policy` contains `compact`: the log cleaner keeps the last record per key.
    pub cleanup_policy_compact: bool,
    /// `min.cleanable.dirty.ratio`: clean once dirty bytes are this share of the log.
    pub min_cleanable_dirty_ratio: f64,
    /// `min.compaction.lag.ms`: records younger than this are not compacted.
    pub min_compaction_lag_ms: i64,
    /// `delete.retention.ms`: how long the cleaner keeps tombstones once it has seen them.
    pub delete_retention_ms: i64,
}

impl Default for LogConfig {
    /// Kafka 4's defaults.
    fn default() -> Self {
        Self {
            segment_bytes: 1024 * 1024 * 1024,
            segment_ms: 7 * 24 * 60 * 60 * 1000,
            index_interval_bytes: 4096,
            retention_ms: 7 * 24 * 60 * 60 * 1000,
            retention_bytes: -1,
            max_message_bytes: 1024 * 1024 + 12,
            message_timestamp_type: MessageTimestampType::CreateTime,
            message_timestamp_before_max_ms: i64::MAX,
            message_timestamp_after_max_ms: 3_600_000,
            cleanup_policy_delete: true,
            cleanup_policy_compact: false,
            min_cleanable_dirty_ratio: 0.5,
            min_compaction_lag_ms: 0,
            delete_retention_ms: 24 * 60 * 60 * 1000,
        }
    }
}
