//! Transaction markers: the control batches (one EndTransactionMarker record) that commit or
//! abort a producer's transaction in a partition. Key: version i16 (0), type i16 (0 abort,
//! 1 commit); value: version i16 (0), coordinator epoch i32.

use bytes::{Bytes, BytesMut};
use kafka_protocol::records::{
    Compression, Record, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};

use super::error::LogError;

const ABORT: i16 = 0;
const COMMIT: i16 = 1;

/// A decoded EndTransactionMarker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnMarker {
    pub commit: bool,
    pub coordinator_epoch: i32,
}

/// A control batch holding `marker` for the producer, with offset 0 (patched on append).
pub(crate) fn encode_marker_batch(
    producer_id: i64,
    producer_epoch: i16,
    marker: TxnMarker,
    timestamp: i64,
) -> Result<Vec<u8>, LogError> {
    let kind = if marker.commit { COMMIT } else { ABORT };
    let mut key = Vec::with_capacity(4);
    key.extend_from_slice(&0i16.to_be_bytes());
    key.extend_from_slice(&kind.to_be_bytes());
    let mut value = Vec::with_capacity(6);
    value.extend_from_slice(&0i16.to_be_bytes());
    value.extend_from_slice(&marker.coordinator_epoch.to_be_bytes());
    let record = Record {
        transactional: true,
        control: true,
        partition_leader_epoch: -1,
        producer_id,
        producer_epoch,
        timestamp_type: TimestampType::Creation,
        offset: 0,
        sequence: -1,
        timestamp,
        key: Some(Bytes::from(key)),
        value: Some(Bytes::from(value)),
        headers: Default::default(),
        delete_horizon: false,
    };
    let mut buf = BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression: Compression::None,
    };
    RecordBatchEncoder::encode(&mut buf, [&record], &options).map_err(|e| LogError::Decode {
        offset: 0,
        reason: e.to_string(),
    })?;
    Ok(buf.to_vec())
}

/// The marker in a whole control batch; `None` for a control batch of another kind.
pub(crate) fn parse_marker(batch: &[u8], base_offset: i64) -> Result<Option<TxnMarker>, LogError> {
    let decode_error = |reason: String| LogError::Decode {
        offset: base_offset,
        reason,
    };
    let mut bytes = Bytes::copy_from_slice(batch);
    let set = RecordBatchDecoder::decode(&mut bytes).map_err(|e| decode_error(e.to_string()))?;
    let Some(record) = set.records.first() else {
        return Ok(None);
    };
    Ok(match (&record.key, &record.value) {
        (Some(key), Some(value)) => TxnMarker::from_record(key, value),
        _ => None,
    })
}

impl TxnMarker {
    /// The marker a control record's key and value hold; `None` for another kind of control
    /// record (or a truncated one).
    pub fn from_record(key: &[u8], value: &[u8]) -> Option<TxnMarker> {
        if key.len() < 4 || value.len() < 6 {
            return None;
        }
        let kind = i16::from_be_bytes([key[2], key[3]]);
        let coordinator_epoch = i32::from_be_bytes([value[2], value[3], value[4], value[5]]);
        match kind {
            ABORT | COMMIT => Some(TxnMarker {
                commit: kind == COMMIT,
                coordinator_epoch,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::protocol::batch::parse_batch_header;

    #[test]
    fn marker_round_trips_through_a_control_batch() {
        let marker = TxnMarker {
            commit: false,
            coordinator_epoch: 12,
        };
        let batch = encode_marker_batch(5, 3, marker, 1_000).unwrap();
        let header = parse_batch_header(&batch).unwrap();
        assert!(header.is_control() && header.is_transactional());
        assert_eq!((header.producer_id, header.producer_epoch), (5, 3));
        assert_eq!(parse_marker(&batch, 0).unwrap(), Some(marker));
    }
}
