//! Why a log operation failed, and the Kafka error each failure answers with.

use std::io;
use std::path::{Path, PathBuf};

use kafka_protocol::error::ResponseError;
use thiserror::Error;

use super::validator::{InvalidRecords, RecordError};
use crate::protocol::batch::BatchError;

#[derive(Debug, Error)]
pub enum LogError {
    #[error("I/O error on {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(transparent)]
    InvalidBatch(#[from] BatchError),
    #[error(transparent)]
    InvalidRecords(#[from] InvalidRecords),
    #[error("offset {offset} is out of range [{log_start_offset}, {log_end_offset}]")]
    OffsetOutOfRange {
        offset: i64,
        log_start_offset: i64,
        log_end_offset: i64,
    },
    #[error("the record batch size is {size} bytes which exceeds max.message.bytes {max}")]
    MessageTooLarge { size: usize, max: i32 },
    #[error("message batch size is {size} bytes which exceeds segment.bytes {segment_bytes}")]
    RecordListTooLarge { size: usize, segment_bytes: i32 },
    #[error("stored record batch at offset {offset} could not be decoded: {reason}")]
    Decode { offset: i64, reason: String },
    #[error("append at offset {base_offset} does not follow log end offset {log_end_offset}")]
    UnexpectedAppendOffset {
        base_offset: i64,
        log_end_offset: i64,
    },
    #[error(
        "producer {producer_id} used epoch {epoch}, older than its current epoch {current_epoch}"
    )]
    InvalidProducerEpoch {
        producer_id: i64,
        epoch: i16,
        current_epoch: i16,
    },
    #[error("out of order sequence {sequence} for producer {producer_id} (last sequence {last_sequence})")]
    OutOfOrderSequence {
        producer_id: i64,
        sequence: i32,
        last_sequence: i32,
    },
    #[error("producer {producer_id} has an open transaction but sent a non-transactional batch")]
    InvalidTxnState { producer_id: i64 },
    #[error("coordinator epoch {coordinator_epoch} for producer {producer_id} is stale")]
    TransactionCoordinatorFenced {
        producer_id: i64,
        coordinator_epoch: i32,
    },
    #[error("the log in {0} has been deleted")]
    Deleted(PathBuf),
    /// The partition's log could not be opened or created; the reason, until it is retried.
    #[error("{0}")]
    Offline(String),
    #[error("{0} is not a <topic>-<partition> directory name")]
    InvalidPartitionDir(String),
}

impl LogError {
    /// The Kafka error a broker answers with for this failure.
    pub fn error(&self) -> ResponseError {
        match self {
            Self::Io { .. } => ResponseError::KafkaStorageError,
            Self::InvalidBatch(e) => e.error(),
            Self::InvalidRecords(e) => e.error,
            Self::OffsetOutOfRange { .. } => ResponseError::OffsetOutOfRange,
            Self::MessageTooLarge { .. } => ResponseError::MessageTooLarge,
            Self::RecordListTooLarge { .. } => ResponseError::RecordListTooLarge,
            Self::Decode { .. } => ResponseError::CorruptMessage,
            Self::UnexpectedAppendOffset { .. } => ResponseError::UnknownServerError,
            Self::InvalidProducerEpoch { .. } => ResponseError::InvalidProducerEpoch,
            Self::OutOfOrderSequence { .. } => ResponseError::OutOfOrderSequenceNumber,
            Self::InvalidTxnState { .. } => ResponseError::InvalidTxnState,
            Self::TransactionCoordinatorFenced { .. } => {
                ResponseError::TransactionCoordinatorFenced
            }
            Self::Deleted(_) => ResponseError::UnknownTopicOrPartition,
            Self::InvalidPartitionDir(_) | Self::Offline(_) => ResponseError::KafkaStorageError,
        }
    }

    /// The Kafka error code for this failure.
    pub fn error_code(&self) -> i16 {
        self.error().code()
    }

    /// The records at fault, for ProduceResponse's `record_errors` (KIP-467).
    pub fn record_errors(&self) -> &[RecordError] {
        match self {
            Self::InvalidRecords(e) => &e.record_errors,
            _ => &[],
        }
    }
}

/// Attaches the path to an I/O error.
pub(crate) trait IoContext<T> {
    fn at(self, path: &Path) -> Result<T, LogError>;
}

impl<T> IoContext<T> for Result<T, io::Error> {
    fn at(self, path: &Path) -> Result<T, LogError> {
        self.map_err(|source| LogError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}
