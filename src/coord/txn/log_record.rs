//! The records of `__transaction_state`, in Kafka's schemas (TransactionLogKey v0 and
//! TransactionLogValue v0/v1, each prefixed by its i16 version): the key is the transactional id,
//! the value the transaction's metadata after a transition; a null value (tombstone) is an
//! expired transactional id. kf writes value v0 while the finalized `transaction.version` is 0
//! and v1 (flexible, with the tagged previous/next producer ids and client transaction version,
//! each written only when it differs from its default) from 1 on, as Kafka does; it reads both,
//! so it also reads a real Kafka cluster's log.

use bytes::BufMut;
use thiserror::Error;

use super::state::TxnState;
use crate::coord::record_fields::{
    put_classic_string, put_compact_string, put_unsigned_varint, skip_tagged_fields,
    take_classic_string, take_compact_string, take_i16, take_i32, take_i64, take_i8,
    take_tagged_fields, take_unsigned_varint, FieldError,
};

/// The only TransactionLogKey version.
const KEY_VERSION: i16 = 0;

/// The value version written under a finalized `transaction.version` (Kafka's
/// `TransactionVersion.transactionLogValueVersion`).
pub fn value_version(transaction_version: i16) -> i16 {
    if transaction_version >= 1 {
        1
    } else {
        0
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TxnRecordError {
    #[error("__transaction_state record is truncated")]
    Truncated,
    #[error("unknown __transaction_state {what} version {version}")]
    UnknownVersion { what: &'static str, version: i16 },
    #[error("unknown transaction state {0}")]
    UnknownState(i8),
    #[error("a string in a __transaction_state record is not UTF-8")]
    NotUtf8,
}

impl From<FieldError> for TxnRecordError {
    fn from(e: FieldError) -> Self {
        match e {
            FieldError::Truncated | FieldError::Null => TxnRecordError::Truncated,
            FieldError::NotUtf8 => TxnRecordError::NotUtf8,
        }
    }
}

/// TransactionLogValue: what the coordinator knows of a transactional id after a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnLogValue {
    pub producer_id: i64,
    /// Tagged in v1; -1 in v0.
    pub previous_producer_id: i64,
    /// Tagged in v1; -1 in v0.
    pub next_producer_id: i64,
    pub producer_epoch: i16,
    pub transaction_timeout_ms: i32,
    pub state: TxnState,
    /// (topic, partitions); empty (written as null) in state Empty.
    pub partitions: Vec<(String, Vec<i32>)>,
    pub last_update_timestamp_ms: i64,
    pub start_timestamp_ms: i64,
    /// Tagged in v1; 0 in v0.
    pub client_transaction_version: i16,
}

pub fn encode_key(transactional_id: &str) -> Vec<u8> {
    let mut buf = Vec::with_capacity(4 + transactional_id.len());
    buf.put_i16(KEY_VERSION);
    put_classic_string(&mut buf, transactional_id);
    buf
}

pub fn decode_key(mut buf: &[u8]) -> Result<String, TxnRecordError> {
    let version = take_i16(&mut buf)?;
    if version != KEY_VERSION {
        return Err(TxnRecordError::UnknownVersion {
            what: "key",
            version,
        });
    }
    Ok(take_classic_string(&mut buf)?)
}

/// `value` as TransactionLogValue `version` (0, or 1 for flexible; see [`value_version`]).
pub fn encode_value(value: &TxnLogValue, version: i16) -> Vec<u8> {
    debug_assert!(value.state != TxnState::Empty || value.partitions.is_empty());
    debug_assert!(version == 0 || version == 1);
    let flexible = version >= 1;
    let mut buf = Vec::with_capacity(64);
    buf.put_i16(version);
    buf.put_i64(value.producer_id);
    buf.put_i16(value.producer_epoch);
    buf.put_i32(value.transaction_timeout_ms);
    buf.put_i8(value.state.id());
    let put_len = |buf: &mut Vec<u8>, len: Option<usize>| match (flexible, len) {
        (true, None) => put_unsigned_varint(buf, 0),
        (true, Some(n)) => put_unsigned_varint(buf, n as u64 + 1),
        (false, None) => buf.put_i32(-1),
        (false, Some(n)) => buf.put_i32(n as i32),
    };
    if value.state == TxnState::Empty {
        put_len(&mut buf, None);
    } else {
        put_len(&mut buf, Some(value.partitions.len()));
        for (topic, partitions) in &value.partitions {
            if flexible {
                put_compact_string(&mut buf, Some(topic));
            } else {
                put_classic_string(&mut buf, topic);
            }
            put_len(&mut buf, Some(partitions.len()));
            for p in partitions {
                buf.put_i32(*p);
            }
            if flexible {
                put_unsigned_varint(&mut buf, 0);
            }
        }
    }
    buf.put_i64(value.last_update_timestamp_ms);
    buf.put_i64(value.start_timestamp_ms);
    if flexible {
        let mut tags: Vec<(u64, Vec<u8>)> = Vec::new();
        if value.previous_producer_id != -1 {
            tags.push((0, value.previous_producer_id.to_be_bytes().to_vec()));
        }
        if value.next_producer_id != -1 {
            tags.push((1, value.next_producer_id.to_be_bytes().to_vec()));
        }
        if value.client_transaction_version != 0 {
            tags.push((2, value.client_transaction_version.to_be_bytes().to_vec()));
        }
        put_unsigned_varint(&mut buf, tags.len() as u64);
        for (tag, field) in tags {
            put_unsigned_varint(&mut buf, tag);
            put_unsigned_varint(&mut buf, field.len() as u64);
            buf.put_slice(&field);
        }
    }
    buf
}

pub fn decode_value(mut buf: &[u8]) -> Result<TxnLogValue, TxnRecordError> {
    let version = take_i16(&mut buf)?;
    let flexible = match version {
        0 => false,
        1 => true,
        _ => {
            return Err(TxnRecordError::UnknownVersion {
                what: "value",
                version,
            })
        }
    };
    let producer_id = take_i64(&mut buf)?;
    let producer_epoch = take_i16(&mut buf)?;
    let transaction_timeout_ms = take_i32(&mut buf)?;
    let status = take_i8(&mut buf)?;
    let state = TxnState::from_id(status).ok_or(TxnRecordError::UnknownState(status))?;
    let count = if flexible {
        take_unsigned_varint(&mut buf)? as i64 - 1
    } else {
        i64::from(take_i32(&mut buf)?)
    };
    let mut partitions = Vec::new();
    for _ in 0..count.max(0) {
        let topic = if flexible {
            take_compact_string(&mut buf)?.ok_or(FieldError::Null)?
        } else {
            take_classic_string(&mut buf)?
        };
        let n = if flexible {
            take_unsigned_varint(&mut buf)? as i64 - 1
        } else {
            i64::from(take_i32(&mut buf)?)
        };
        let mut ids = Vec::new();
        for _ in 0..n.max(0) {
            ids.push(take_i32(&mut buf)?);
        }
        if flexible {
            skip_tagged_fields(&mut buf)?;
        }
        partitions.push((topic, ids));
    }
    let mut value = TxnLogValue {
        producer_id,
        previous_producer_id: -1,
        next_producer_id: -1,
        producer_epoch,
        transaction_timeout_ms,
        state,
        partitions,
        last_update_timestamp_ms: take_i64(&mut buf)?,
        start_timestamp_ms: take_i64(&mut buf)?,
        client_transaction_version: 0,
    };
    if flexible {
        read_value_tags(&mut buf, &mut value)?;
    }
    Ok(value)
}

/// The tagged fields of a v1 value: 0 previous producer id, 1 next producer id, 2 client
/// transaction version; unknown tags are skipped.
fn read_value_tags(buf: &mut &[u8], value: &mut TxnLogValue) -> Result<(), TxnRecordError> {
    for (tag, mut field) in take_tagged_fields(buf)? {
        match tag {
            0 => value.previous_producer_id = take_i64(&mut field)?,
            1 => value.next_producer_id = take_i64(&mut field)?,
            2 => value.client_transaction_version = take_i16(&mut field)?,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ongoing() -> TxnLogValue {
        TxnLogValue {
            producer_id: 4000,
            previous_producer_id: -1,
            next_producer_id: -1,
            producer_epoch: 3,
            transaction_timeout_ms: 60_000,
            state: TxnState::Ongoing,
            partitions: vec![
                ("orders".into(), vec![0, 2]),
                ("__consumer_offsets".into(), vec![7]),
            ],
            last_update_timestamp_ms: 1_700_000_000_500,
            start_timestamp_ms: 1_700_000_000_000,
            client_transaction_version: 0,
        }
    }

    #[test]
    fn key_and_value_round_trip() {
        assert_eq!(decode_key(&encode_key("tx-1")).unwrap(), "tx-1");
        let value = ongoing();
        assert_eq!(decode_value(&encode_value(&value, 0)).unwrap(), value);
        let tagged = TxnLogValue {
            previous_producer_id: 3999,
            client_transaction_version: 2,
            ..value
        };
        let v1 = encode_value(&tagged, 1);
        assert_eq!(&v1[..2], &[0, 1]);
        assert_eq!(decode_value(&v1).unwrap(), tagged);
        let empty = TxnLogValue {
            state: TxnState::Empty,
            partitions: vec![],
            ..tagged
        };
        assert_eq!(decode_value(&encode_value(&empty, 1)).unwrap(), empty);
    }

    #[test]
    fn key_bytes_are_kafkas() {
        // version 0, then a STRING: i16 length and the bytes.
        assert_eq!(encode_key("ab"), vec![0, 0, 0, 2, b'a', b'b']);
    }

    #[test]
    fn empty_state_writes_null_partitions() {
        let value = TxnLogValue {
            state: TxnState::Empty,
            partitions: vec![],
            start_timestamp_ms: -1,
            ..ongoing()
        };
        let bytes = encode_value(&value, 0);
        // version, producer id, epoch, timeout, status, then the null array (-1).
        assert_eq!(&bytes[17..21], &(-1i32).to_be_bytes());
        assert_eq!(decode_value(&bytes).unwrap(), value);
    }

    #[test]
    fn reads_a_flexible_v1_value_with_tags() {
        let mut buf = Vec::new();
        buf.put_i16(1);
        buf.put_i64(9);
        buf.put_i16(2);
        buf.put_i32(1000);
        buf.put_i8(TxnState::PrepareCommit.id());
        buf.put_u8(2); // one topic
        buf.put_u8(2); // "t"
        buf.put_slice(b"t");
        buf.put_u8(2); // one partition
        buf.put_i32(5);
        buf.put_u8(0); // topic's tagged fields
        buf.put_i64(10);
        buf.put_i64(11);
        buf.put_u8(2); // two tags
        buf.put_u8(0);
        buf.put_u8(8);
        buf.put_i64(8);
        buf.put_u8(2);
        buf.put_u8(2);
        buf.put_i16(2);
        let value = decode_value(&buf).unwrap();
        assert_eq!(value.state, TxnState::PrepareCommit);
        assert_eq!(value.partitions, vec![("t".to_string(), vec![5])]);
        assert_eq!(
            (value.previous_producer_id, value.client_transaction_version),
            (8, 2)
        );
    }

    #[test]
    fn truncated_and_unknown_records_are_errors() {
        let bytes = encode_value(&ongoing(), 0);
        assert_eq!(
            decode_value(&bytes[..20]).unwrap_err(),
            TxnRecordError::Truncated
        );
        assert!(matches!(
            decode_key(&[0, 5, 0, 0]).unwrap_err(),
            TxnRecordError::UnknownVersion { .. }
        ));
    }
}
