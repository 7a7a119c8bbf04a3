//! The records of a consumer-protocol (KIP-848) group in `__consumer_offsets`, in Kafka's own
//! schemas (group-coordinator's `ConsumerGroup*Key`/`Value`): a key is its version (3: group
//! epoch, 4: partition metadata, 5: member metadata, 6: target assignment epoch, 7: a member's
//! target assignment, 8: a member's current assignment) then classic strings; a value is version
//! 0, flexible (compact strings and arrays, tagged fields).

use bytes::{BufMut, Bytes};
use uuid::Uuid;

use super::super::records::RecordError;
use super::Assignment;
use crate::coord::record_fields::{
    put_array_len, put_classic_string, put_compact_string, put_unsigned_varint, skip_tagged_fields,
    take_array_len, take_bytes, take_classic_string, take_compact_len, take_compact_string,
    take_i16, take_i32, take_i8, take_unsigned_varint, take_uuid,
};

/// A consumer group record's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsumerRecordKey {
    GroupMetadata { group: String },
    PartitionMetadata { group: String },
    MemberMetadata { group: String, member: String },
    TargetAssignmentMetadata { group: String },
    TargetAssignmentMember { group: String, member: String },
    CurrentMemberAssignment { group: String, member: String },
}

/// Whether a `__consumer_offsets` key is one of a consumer group's (versions 3 to 8).
pub fn is_consumer_key(key: &[u8]) -> bool {
    key.len() >= 2 && (3..=8).contains(&i16::from_be_bytes([key[0], key[1]]))
}

impl ConsumerRecordKey {
    pub fn group(&self) -> &str {
        match self {
            ConsumerRecordKey::GroupMetadata { group }
            | ConsumerRecordKey::PartitionMetadata { group }
            | ConsumerRecordKey::MemberMetadata { group, .. }
            | ConsumerRecordKey::TargetAssignmentMetadata { group }
            | ConsumerRecordKey::TargetAssignmentMember { group, .. }
            | ConsumerRecordKey::CurrentMemberAssignment { group, .. } => group,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Vec::new();
        let (version, group, member) = match self {
            ConsumerRecordKey::GroupMetadata { group } => (3, group, None),
            ConsumerRecordKey::PartitionMetadata { group } => (4, group, None),
            ConsumerRecordKey::MemberMetadata { group, member } => (5, group, Some(member)),
            ConsumerRecordKey::TargetAssignmentMetadata { group } => (6, group, None),
            ConsumerRecordKey::TargetAssignmentMember { group, member } => (7, group, Some(member)),
            ConsumerRecordKey::CurrentMemberAssignment { group, member } => {
                (8, group, Some(member))
            }
        };
        w.put_i16(version);
        put_classic_string(&mut w, group);
        if let Some(member) = member {
            put_classic_string(&mut w, member);
        }
        w
    }

    pub fn decode(mut bytes: &[u8]) -> Result<Self, RecordError> {
        let version = take_i16(&mut bytes)?;
        let group = take_classic_string(&mut bytes)?;
        let mut member = || take_classic_string(&mut bytes);
        Ok(match version {
            3 => ConsumerRecordKey::GroupMetadata { group },
            4 => ConsumerRecordKey::PartitionMetadata { group },
            5 => ConsumerRecordKey::MemberMetadata {
                group,
                member: member()?,
            },
            6 => ConsumerRecordKey::TargetAssignmentMetadata { group },
            7 => ConsumerRecordKey::TargetAssignmentMember {
                group,
                member: member()?,
            },
            8 => ConsumerRecordKey::CurrentMemberAssignment {
                group,
                member: member()?,
            },
            v => return Err(RecordError::UnknownKeyVersion(v)),
        })
    }
}

/// ConsumerGroupMemberMetadataValue.ClassicMemberMetadata (tag 0): a member that speaks the
/// classic protocol inside a consumer group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicMemberMetadata {
    pub session_timeout_ms: i32,
    /// (name, metadata) in the member's order of preference, as its JoinGroup listed them.
    pub protocols: Vec<(String, Bytes)>,
}

/// ConsumerGroupMemberMetadataValue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberMetadataValue {
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub subscribed_topic_names: Vec<String>,
    pub subscribed_topic_regex: Option<String>,
    pub rebalance_timeout_ms: i32,
    pub server_assignor: Option<String>,
    /// Tagged field 0; `None` for a consumer-protocol member.
    pub classic: Option<ClassicMemberMetadata>,
}

/// One topic of ConsumerGroupPartitionMetadataValue (racks are not kept: kf has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMetadata {
    pub topic_id: Uuid,
    pub name: String,
    pub partitions: i32,
}

/// ConsumerGroupCurrentMemberAssignmentValue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentAssignmentValue {
    pub member_epoch: i32,
    pub previous_member_epoch: i32,
    pub state: i8,
    pub assigned: Assignment,
    pub pending_revocation: Assignment,
}

/// A value, by the key it goes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsumerRecordValue {
    /// ConsumerGroupMetadataValue.epoch, or ConsumerGroupTargetAssignmentMetadataValue's.
    Epoch(i32),
    PartitionMetadata(Vec<TopicMetadata>),
    MemberMetadata(MemberMetadataValue),
    TargetAssignment(Assignment),
    CurrentAssignment(CurrentAssignmentValue),
}

impl ConsumerRecordValue {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Vec::new();
        w.put_i16(0);
        match self {
            ConsumerRecordValue::Epoch(epoch) => w.put_i32(*epoch),
            ConsumerRecordValue::PartitionMetadata(topics) => {
                put_array_len(&mut w, topics.len());
                for t in topics {
                    w.put_slice(t.topic_id.as_bytes());
                    put_compact_string(&mut w, Some(&t.name));
                    w.put_i32(t.partitions);
                    put_array_len(&mut w, 0);
                    w.put_u8(0);
                }
            }
            ConsumerRecordValue::MemberMetadata(m) => {
                put_compact_string(&mut w, m.instance_id.as_deref());
                put_compact_string(&mut w, m.rack_id.as_deref());
                put_compact_string(&mut w, Some(&m.client_id));
                put_compact_string(&mut w, Some(&m.client_host));
                put_array_len(&mut w, m.subscribed_topic_names.len());
                for name in &m.subscribed_topic_names {
                    put_compact_string(&mut w, Some(name));
                }
                put_compact_string(&mut w, m.subscribed_topic_regex.as_deref());
                w.put_i32(m.rebalance_timeout_ms);
                put_compact_string(&mut w, m.server_assignor.as_deref());
                if let Some(classic) = &m.classic {
                    let mut tag = Vec::new();
                    tag.put_i32(classic.session_timeout_ms);
                    put_array_len(&mut tag, classic.protocols.len());
                    for (name, metadata) in &classic.protocols {
                        put_compact_string(&mut tag, Some(name));
                        put_unsigned_varint(&mut tag, metadata.len() as u64 + 1);
                        tag.put_slice(metadata);
                        tag.put_u8(0);
                    }
                    tag.put_u8(0);
                    // One tagged field: tag 0, its size, its bytes.
                    put_unsigned_varint(&mut w, 1);
                    put_unsigned_varint(&mut w, 0);
                    put_unsigned_varint(&mut w, tag.len() as u64);
                    w.put_slice(&tag);
                    return w;
                }
            }
            ConsumerRecordValue::TargetAssignment(assignment) => put_assignment(&mut w, assignment),
            ConsumerRecordValue::CurrentAssignment(c) => {
                w.put_i32(c.member_epoch);
                w.put_i32(c.previous_member_epoch);
                w.put_i8(c.state);
                put_assignment(&mut w, &c.assigned);
                put_assignment(&mut w, &c.pending_revocation);
            }
        }
        w.put_u8(0);
        w
    }

    /// Reads the value of a record whose key is `key`.
    pub fn decode(key: &ConsumerRecordKey, mut r: &[u8]) -> Result<Self, RecordError> {
        let version = take_i16(&mut r)?;
        if version != 0 {
            return Err(RecordError::UnknownValueVersion(version));
        }
        let r = &mut r;
        let value = match key {
            ConsumerRecordKey::GroupMetadata { .. }
            | ConsumerRecordKey::TargetAssignmentMetadata { .. } => {
                ConsumerRecordValue::Epoch(take_i32(r)?)
            }
            ConsumerRecordKey::PartitionMetadata { .. } => {
                let count = take_array_len(r)?;
                let mut topics = Vec::with_capacity(count.min(r.len() / 22));
                for _ in 0..count {
                    let topic_id = take_uuid(r)?;
                    let name = take_compact_string(r)?.ok_or(RecordError::Null)?;
                    let partitions = take_i32(r)?;
                    for _ in 0..take_array_len(r)? {
                        take_i32(r)?;
                        for _ in 0..take_array_len(r)? {
                            take_compact_string(r)?;
                        }
                        skip_tagged_fields(r)?;
                    }
                    skip_tagged_fields(r)?;
                    topics.push(TopicMetadata {
                        topic_id,
                        name,
                        partitions,
                    });
                }
                ConsumerRecordValue::PartitionMetadata(topics)
            }
            ConsumerRecordKey::MemberMetadata { .. } => {
                let instance_id = take_compact_string(r)?;
                let rack_id = take_compact_string(r)?;
                let client_id = take_compact_string(r)?.ok_or(RecordError::Null)?;
                let client_host = take_compact_string(r)?.ok_or(RecordError::Null)?;
                let count = take_array_len(r)?;
                let mut subscribed_topic_names = Vec::with_capacity(count.min(r.len()));
                for _ in 0..count {
                    subscribed_topic_names.push(take_compact_string(r)?.ok_or(RecordError::Null)?);
                }
                let subscribed_topic_regex = take_compact_string(r)?;
                let rebalance_timeout_ms = take_i32(r)?;
                let server_assignor = take_compact_string(r)?;
                let mut classic = None;
                for _ in 0..take_unsigned_varint(r)? {
                    let tag = take_unsigned_varint(r)?;
                    let len = usize::try_from(take_unsigned_varint(r)?)
                        .map_err(|_| RecordError::Truncated)?;
                    let mut field = take_bytes(r, len)?;
                    if tag == 0 {
                        classic = Some(take_classic_member(&mut field)?);
                    }
                }
                return Ok(ConsumerRecordValue::MemberMetadata(MemberMetadataValue {
                    instance_id,
                    rack_id,
                    client_id,
                    client_host,
                    subscribed_topic_names,
                    subscribed_topic_regex,
                    rebalance_timeout_ms,
                    server_assignor,
                    classic,
                }));
            }
            ConsumerRecordKey::TargetAssignmentMember { .. } => {
                ConsumerRecordValue::TargetAssignment(take_assignment(r)?)
            }
            ConsumerRecordKey::CurrentMemberAssignment { .. } => {
                ConsumerRecordValue::CurrentAssignment(CurrentAssignmentValue {
                    member_epoch: take_i32(r)?,
                    previous_member_epoch: take_i32(r)?,
                    state: take_i8(r)?,
                    assigned: take_assignment(r)?,
                    pending_revocation: take_assignment(r)?,
                })
            }
        };
        skip_tagged_fields(r)?;
        Ok(value)
    }
}

/// `[]TopicPartitions` of a value: topic id, partitions, tagged fields.
fn put_assignment(w: &mut Vec<u8>, assignment: &Assignment) {
    put_array_len(w, assignment.len());
    for (topic_id, partitions) in assignment {
        w.put_slice(topic_id.as_bytes());
        put_array_len(w, partitions.len());
        for p in partitions {
            w.put_i32(*p);
        }
        w.put_u8(0);
    }
}

fn take_assignment(r: &mut &[u8]) -> Result<Assignment, RecordError> {
    let mut assignment = Assignment::new();
    for _ in 0..take_array_len(r)? {
        let topic_id = take_uuid(r)?;
        let count = take_array_len(r)?;
        let partitions = assignment.entry(topic_id).or_default();
        for _ in 0..count {
            partitions.insert(take_i32(r)?);
        }
        skip_tagged_fields(r)?;
    }
    assignment.retain(|_, ps| !ps.is_empty());
    Ok(assignment)
}

fn take_classic_member(r: &mut &[u8]) -> Result<ClassicMemberMetadata, RecordError> {
    let session_timeout_ms = take_i32(r)?;
    let count = take_array_len(r)?;
    let mut protocols = Vec::with_capacity(count.min(r.len() / 3));
    for _ in 0..count {
        let name = take_compact_string(r)?.ok_or(RecordError::Null)?;
        let len = take_compact_len(r)?.ok_or(RecordError::Null)?;
        let metadata = Bytes::copy_from_slice(take_bytes(r, len)?);
        skip_tagged_fields(r)?;
        protocols.push((name, metadata));
    }
    skip_tagged_fields(r)?;
    Ok(ClassicMemberMetadata {
        session_timeout_ms,
        protocols,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_kafkas_versions_and_round_trip() {
        let key = ConsumerRecordKey::CurrentMemberAssignment {
            group: "g".into(),
            member: "m".into(),
        };
        assert_eq!(key.encode(), [0, 8, 0, 1, b'g', 0, 1, b'm']);
        assert!(is_consumer_key(&key.encode()));
        assert_eq!(ConsumerRecordKey::decode(&key.encode()).unwrap(), key);
        let epoch = ConsumerRecordKey::GroupMetadata { group: "g".into() };
        assert_eq!(epoch.encode(), [0, 3, 0, 1, b'g']);
        assert!(!is_consumer_key(&[0, 2, 0, 1, b'g']));
    }

    #[test]
    fn values_round_trip_and_refuse_short_input() {
        let topic = Uuid::from_u128(7);
        let assigned = Assignment::from([(topic, [0, 2].into())]);
        let values = [
            (
                ConsumerRecordKey::GroupMetadata { group: "g".into() },
                ConsumerRecordValue::Epoch(4),
            ),
            (
                ConsumerRecordKey::PartitionMetadata { group: "g".into() },
                ConsumerRecordValue::PartitionMetadata(vec![TopicMetadata {
                    topic_id: topic,
                    name: "t".into(),
                    partitions: 3,
                }]),
            ),
            (
                ConsumerRecordKey::MemberMetadata {
                    group: "g".into(),
                    member: "m".into(),
                },
                ConsumerRecordValue::MemberMetadata(MemberMetadataValue {
                    instance_id: Some("i".into()),
                    rack_id: None,
                    client_id: "c".into(),
                    client_host: "/127.0.0.1".into(),
                    subscribed_topic_names: vec!["t".into()],
                    subscribed_topic_regex: Some("t.*".into()),
                    rebalance_timeout_ms: 300_000,
                    server_assignor: Some("range".into()),
                    classic: None,
                }),
            ),
            (
                ConsumerRecordKey::MemberMetadata {
                    group: "g".into(),
                    member: "classic".into(),
                },
                ConsumerRecordValue::MemberMetadata(MemberMetadataValue {
                    instance_id: None,
                    rack_id: None,
                    client_id: "c".into(),
                    client_host: "/127.0.0.1".into(),
                    subscribed_topic_names: vec!["t".into()],
                    subscribed_topic_regex: None,
                    rebalance_timeout_ms: 300_000,
                    server_assignor: None,
                    classic: Some(ClassicMemberMetadata {
                        session_timeout_ms: 45_000,
                        protocols: vec![
                            ("range".into(), Bytes::from_static(&[0, 1, 0, 0])),
                            ("roundrobin".into(), Bytes::new()),
                        ],
                    }),
                }),
            ),
            (
                ConsumerRecordKey::CurrentMemberAssignment {
                    group: "g".into(),
                    member: "m".into(),
                },
                ConsumerRecordValue::CurrentAssignment(CurrentAssignmentValue {
                    member_epoch: 5,
                    previous_member_epoch: 4,
                    state: 1,
                    assigned: assigned.clone(),
                    pending_revocation: Assignment::from([(topic, [1].into())]),
                }),
            ),
        ];
        for (key, value) in values {
            let bytes = value.encode();
            assert_eq!(ConsumerRecordValue::decode(&key, &bytes).unwrap(), value);
            for cut in 0..bytes.len() {
                assert!(ConsumerRecordValue::decode(&key, &bytes[..cut]).is_err());
            }
        }
        // A TargetAssignmentMemberValue as Kafka writes it: one topic, partitions 0 and 2.
        let kafka = [
            &[0u8, 0, 2][..],
            topic.as_bytes(),
            &[3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0],
        ]
        .concat();
        let key = ConsumerRecordKey::TargetAssignmentMember {
            group: "g".into(),
            member: "m".into(),
        };
        assert_eq!(
            ConsumerRecordValue::decode(&key, &kafka).unwrap(),
            ConsumerRecordValue::TargetAssignment(assigned)
        );
    }
}
