//! The records of `__consumer_offsets` in Kafka's own schemas (group-coordinator's
//! `OffsetCommitKey`/`Value` and `GroupMetadataKey`/`Value`): a key starts with its version
//! (0 and 1: an offset commit, 2: group metadata), a value with its own version. kf writes what
//! Kafka 4 writes (key v1, OffsetCommitValue v3 or v1 with an expire timestamp, GroupMetadataValue
//! v3) and reads every version, the flexible v4 values included.

use bytes::{BufMut, Bytes};
use thiserror::Error;

use crate::coord::record_fields::{
    skip_tagged_fields, take_bytes, take_compact_len, take_i16, take_i32, take_i64, FieldError,
};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RecordError {
    #[error("record is cut short")]
    Truncated,
    #[error("unknown key version {0}")]
    UnknownKeyVersion(i16),
    #[error("unknown value version {0}")]
    UnknownValueVersion(i16),
    #[error("a string is not UTF-8")]
    NotUtf8,
    #[error("a required field is null")]
    Null,
}

impl From<FieldError> for RecordError {
    fn from(e: FieldError) -> Self {
        match e {
            FieldError::Truncated => RecordError::Truncated,
            FieldError::NotUtf8 => RecordError::NotUtf8,
            FieldError::Null => RecordError::Null,
        }
    }
}

/// A `__consumer_offsets` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRecordKey {
    OffsetCommit {
        group: String,
        topic: String,
        partition: i32,
    },
    GroupMetadata {
        group: String,
    },
}

/// OffsetCommitValue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetCommitValue {
    pub offset: i64,
    /// -1 when unknown.
    pub leader_epoch: i32,
    pub metadata: String,
    pub commit_timestamp: i64,
    /// Only in v1 (an OffsetCommit v2-v4 with a retention time); -1 when none.
    pub expire_timestamp: i64,
}

/// GroupMetadataValue.MemberMetadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberMetadata {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub rebalance_timeout_ms: i32,
    pub session_timeout_ms: i32,
    pub subscription: Bytes,
    pub assignment: Bytes,
}

/// GroupMetadataValue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMetadataValue {
    pub protocol_type: String,
    pub generation: i32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub current_state_timestamp: i64,
    pub members: Vec<MemberMetadata>,
}

impl GroupRecordKey {
    pub fn group(&self) -> &str {
        match self {
            GroupRecordKey::OffsetCommit { group, .. }
            | GroupRecordKey::GroupMetadata { group } => group,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            GroupRecordKey::OffsetCommit {
                group,
                topic,
                partition,
            } => {
                w.i16(1);
                w.string(group);
                w.string(topic);
                w.i32(*partition);
            }
            GroupRecordKey::GroupMetadata { group } => {
                w.i16(2);
                w.string(group);
            }
        }
        w.0
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        let mut r = Reader::new(bytes, false);
        match r.i16()? {
            0 | 1 => Ok(GroupRecordKey::OffsetCommit {
                group: r.string()?,
                topic: r.string()?,
                partition: r.i32()?,
            }),
            2 => Ok(GroupRecordKey::GroupMetadata { group: r.string()? }),
            v => Err(RecordError::UnknownKeyVersion(v)),
        }
    }
}

impl OffsetCommitValue {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        if self.expire_timestamp >= 0 {
            w.i16(1);
            w.i64(self.offset);
            w.string(&self.metadata);
            w.i64(self.commit_timestamp);
            w.i64(self.expire_timestamp);
        } else {
            w.i16(3);
            w.i64(self.offset);
            w.i32(self.leader_epoch);
            w.string(&self.metadata);
            w.i64(self.commit_timestamp);
        }
        w.0
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        let mut r = Reader::new(bytes, false);
        let version = r.i16()?;
        if !(0..=4).contains(&version) {
            return Err(RecordError::UnknownValueVersion(version));
        }
        r.flexible = version >= 4;
        let offset = r.i64()?;
        let leader_epoch = if version >= 3 { r.i32()? } else { -1 };
        let metadata = r.string()?;
        let commit_timestamp = r.i64()?;
        let expire_timestamp = if version == 1 { r.i64()? } else { -1 };
        Ok(OffsetCommitValue {
            offset,
            leader_epoch,
            metadata,
            commit_timestamp,
            expire_timestamp,
        })
    }
}

impl GroupMetadataValue {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.i16(3);
        w.string(&self.protocol_type);
        w.i32(self.generation);
        w.nullable_string(self.protocol.as_deref());
        w.nullable_string(self.leader.as_deref());
        w.i64(self.current_state_timestamp);
        w.i32(i32::try_from(self.members.len()).unwrap_or(i32::MAX));
        for m in &self.members {
            w.string(&m.member_id);
            w.nullable_string(m.group_instance_id.as_deref());
            w.string(&m.client_id);
            w.string(&m.client_host);
            w.i32(m.rebalance_timeout_ms);
            w.i32(m.session_timeout_ms);
            w.bytes(&m.subscription);
            w.bytes(&m.assignment);
        }
        w.0
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        let mut r = Reader::new(bytes, false);
        let version = r.i16()?;
        if !(0..=4).contains(&version) {
            return Err(RecordError::UnknownValueVersion(version));
        }
        r.flexible = version >= 4;
        let protocol_type = r.string()?;
        let generation = r.i32()?;
        let protocol = r.nullable_string()?;
        let leader = r.nullable_string()?;
        let current_state_timestamp = if version >= 2 { r.i64()? } else { -1 };
        let count = r.array_len()?;
        // Each member takes at least 20 bytes: never reserve more than the record could hold.
        let mut members = Vec::with_capacity(count.min(r.remaining() / 20));
        for _ in 0..count {
            let member_id = r.string()?;
            let group_instance_id = if version >= 3 {
                r.nullable_string()?
            } else {
                None
            };
            let client_id = r.string()?;
            let client_host = r.string()?;
            let rebalance_timeout_ms = if version >= 1 { r.i32()? } else { -1 };
            let session_timeout_ms = r.i32()?;
            let subscription = r.bytes()?;
            let assignment = r.bytes()?;
            r.tagged_fields()?;
            members.push(MemberMetadata {
                member_id,
                group_instance_id,
                client_id,
                client_host,
                rebalance_timeout_ms,
                session_timeout_ms,
                subscription,
                assignment,
            });
        }
        Ok(GroupMetadataValue {
            protocol_type,
            generation,
            protocol,
            leader,
            current_state_timestamp,
            members,
        })
    }
}

/// The topics a consumer-protocol subscription (ConsumerProtocolSubscription, any version)
/// names; `None` when the bytes are not one.
pub fn subscribed_topics(subscription: &[u8]) -> Option<Vec<String>> {
    let mut r = Reader::new(subscription, false);
    let version = r.i16().ok()?;
    if version < 0 {
        return None;
    }
    let count = r.array_len().ok()?;
    let mut topics = Vec::with_capacity(count.min(r.remaining() / 2));
    for _ in 0..count {
        topics.push(r.string().ok()?);
    }
    Some(topics)
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn i16(&mut self, v: i16) {
        self.0.put_i16(v);
    }
    fn i32(&mut self, v: i32) {
        self.0.put_i32(v);
    }
    fn i64(&mut self, v: i64) {
        self.0.put_i64(v);
    }
    fn string(&mut self, s: &str) {
        self.i16(i16::try_from(s.len()).unwrap_or(i16::MAX));
        self.0
            .put_slice(&s.as_bytes()[..s.len().min(i16::MAX as usize)]);
    }
    fn nullable_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.string(s),
            None => self.i16(-1),
        }
    }
    fn bytes(&mut self, b: &[u8]) {
        self.i32(i32::try_from(b.len()).unwrap_or(i32::MAX));
        self.0.put_slice(b);
    }
}

/// Reads Kafka's classic (and, when `flexible`, compact) field encodings.
struct Reader<'a> {
    buf: &'a [u8],
    flexible: bool,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], flexible: bool) -> Self {
        Reader { buf, flexible }
    }

    fn remaining(&self) -> usize {
        self.buf.len()
    }

    fn i16(&mut self) -> Result<i16, RecordError> {
        Ok(take_i16(&mut self.buf)?)
    }

    fn i32(&mut self) -> Result<i32, RecordError> {
        Ok(take_i32(&mut self.buf)?)
    }

    fn i64(&mut self) -> Result<i64, RecordError> {
        Ok(take_i64(&mut self.buf)?)
    }

    /// The length of a string, bytes or array field; `None` for null.
    fn length(&mut self, wide: bool) -> Result<Option<usize>, RecordError> {
        if self.flexible {
            return Ok(take_compact_len(&mut self.buf)?);
        }
        let n = if wide {
            i64::from(self.i32()?)
        } else {
            i64::from(self.i16()?)
        };
        Ok(usize::try_from(n).ok())
    }

    fn raw(&mut self, len: usize) -> Result<&'a [u8], RecordError> {
        Ok(take_bytes(&mut self.buf, len)?)
    }

    fn nullable_string(&mut self) -> Result<Option<String>, RecordError> {
        let Some(len) = self.length(false)? else {
            return Ok(None);
        };
        let raw = self.raw(len)?;
        std::str::from_utf8(raw)
            .map(|s| Some(s.to_string()))
            .map_err(|_| RecordError::NotUtf8)
    }

    fn string(&mut self) -> Result<String, RecordError> {
        self.nullable_string()?.ok_or(RecordError::Null)
    }

    fn bytes(&mut self) -> Result<Bytes, RecordError> {
        let len = self.length(true)?.ok_or(RecordError::Null)?;
        Ok(Bytes::copy_from_slice(self.raw(len)?))
    }

    fn array_len(&mut self) -> Result<usize, RecordError> {
        self.length(true)?.ok_or(RecordError::Null)
    }

    /// Skips a flexible struct's tagged fields.
    fn tagged_fields(&mut self) -> Result<(), RecordError> {
        if !self.flexible {
            return Ok(());
        }
        Ok(skip_tagged_fields(&mut self.buf)?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_with_kafkas_versions() {
        let offset = GroupRecordKey::OffsetCommit {
            group: "g".into(),
            topic: "t".into(),
            partition: 3,
        };
        let bytes = offset.encode();
        assert_eq!(bytes, [0, 1, 0, 1, b'g', 0, 1, b't', 0, 0, 0, 3]);
        assert_eq!(GroupRecordKey::decode(&bytes).unwrap(), offset);
        let group = GroupRecordKey::GroupMetadata { group: "g".into() };
        assert_eq!(group.encode(), [0, 2, 0, 1, b'g']);
        assert_eq!(
            GroupRecordKey::decode(&[0, 9]),
            Err(RecordError::UnknownKeyVersion(9))
        );
    }

    #[test]
    fn offset_values_round_trip() {
        let v3 = OffsetCommitValue {
            offset: 42,
            leader_epoch: 7,
            metadata: "m".into(),
            commit_timestamp: 1000,
            expire_timestamp: -1,
        };
        assert_eq!(&v3.encode()[..2], [0, 3]);
        assert_eq!(OffsetCommitValue::decode(&v3.encode()).unwrap(), v3);
        let v1 = OffsetCommitValue {
            leader_epoch: -1,
            expire_timestamp: 5000,
            ..v3.clone()
        };
        assert_eq!(&v1.encode()[..2], [0, 1]);
        assert_eq!(OffsetCommitValue::decode(&v1.encode()).unwrap(), v1);
        // A flexible v4 value: compact string, then an empty tagged-field section.
        let v4 = [
            &[0u8, 4][..],
            &42i64.to_be_bytes(),
            &7i32.to_be_bytes(),
            &[2, b'm'],
            &1000i64.to_be_bytes(),
            &[0],
        ]
        .concat();
        assert_eq!(OffsetCommitValue::decode(&v4).unwrap(), v3);
    }

    #[test]
    fn group_metadata_round_trips_and_refuses_short_input() {
        let value = GroupMetadataValue {
            protocol_type: "consumer".into(),
            generation: 3,
            protocol: Some("range".into()),
            leader: Some("m1".into()),
            current_state_timestamp: 99,
            members: vec![MemberMetadata {
                member_id: "m1".into(),
                group_instance_id: Some("i1".into()),
                client_id: "c".into(),
                client_host: "/127.0.0.1".into(),
                rebalance_timeout_ms: 300_000,
                session_timeout_ms: 45_000,
                subscription: Bytes::from_static(b"sub"),
                assignment: Bytes::from_static(b"asg"),
            }],
        };
        let bytes = value.encode();
        assert_eq!(GroupMetadataValue::decode(&bytes).unwrap(), value);
        for cut in 0..bytes.len() {
            assert!(GroupMetadataValue::decode(&bytes[..cut]).is_err());
        }
        // A member count far beyond the bytes is refused without reserving for it.
        let huge = [
            &[0u8, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff][..],
            &[0x7f, 0xff, 0xff, 0xff],
        ]
        .concat();
        assert!(GroupMetadataValue::decode(&huge).is_err());
    }

    #[test]
    fn subscription_topics_are_read_from_any_version() {
        let mut sub = vec![0u8, 1, 0, 0, 0, 2, 0, 1, b'a', 0, 2, b'b', b'c'];
        sub.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(
            subscribed_topics(&sub),
            Some(vec!["a".to_string(), "bc".to_string()])
        );
        assert_eq!(subscribed_topics(&[0]), None);
    }
}
