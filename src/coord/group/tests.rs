//! The classic group's state machine without a broker: requests in, answers and records out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use kafka_protocol::error::ResponseError;
use tokio::sync::oneshot;

use super::api::*;
use super::classic::{ClassicGroup, GroupState};
use super::records::{GroupMetadataValue, GroupRecordKey};
use super::store::{GroupLog, MemoryGroupLog};
use super::{replay_group_records, GroupConfig};
use crate::coord::partition_loader::StoredRecord;

fn config() -> GroupConfig {
    GroupConfig {
        initial_rebalance_delay_ms: 0,
        min_session_timeout_ms: 6_000,
        max_session_timeout_ms: 1_800_000,
        max_size: 10,
        offsets_retention_ms: 60_000,
        offsets_retention_check_interval_ms: 1_000,
        offset_metadata_max_bytes: 10,
    }
}

fn join_request(member_id: &str, instance: Option<&str>) -> JoinGroup {
    JoinGroup {
        member_id: member_id.into(),
        group_instance_id: instance.map(Into::into),
        client_id: "client".into(),
        client_host: "/127.0.0.1".into(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 20_000,
        protocol_type: "consumer".into(),
        protocols: vec![("range".into(), Bytes::from_static(b"meta"))],
        require_known_member_id: true,
    }
}

fn join(
    group: &mut ClassicGroup,
    log: &mut MemoryGroupLog,
    request: JoinGroup,
    now: i64,
) -> oneshot::Receiver<JoinResult> {
    let (tx, rx) = oneshot::channel();
    group.join(request, tx, now, log);
    rx
}

fn sync(
    group: &mut ClassicGroup,
    log: &mut MemoryGroupLog,
    member: &str,
    generation: i32,
    assignments: Vec<(String, Bytes)>,
) -> oneshot::Receiver<SyncResult> {
    let (tx, rx) = oneshot::channel();
    let request = SyncGroup {
        member_id: member.into(),
        group_instance_id: None,
        generation_id: generation,
        protocol_type: Some("consumer".into()),
        protocol_name: Some("range".into()),
        assignments,
    };
    group.sync(request, tx, 0, log);
    rx
}

/// One dynamic member through MEMBER_ID_REQUIRED, the join phase and the leader's sync.
fn stable_group_of_one(log: &mut MemoryGroupLog) -> (ClassicGroup, String) {
    let mut group = ClassicGroup::new("g".into(), config(), 0);
    let first = join(&mut group, log, join_request(UNKNOWN_MEMBER_ID, None), 0)
        .try_recv()
        .unwrap();
    assert_eq!(first.error, Some(ResponseError::MemberIdRequired));
    assert!(first.member_id.starts_with("client-"));
    let mut rx = join(&mut group, log, join_request(&first.member_id, None), 0);
    // The initial delay (0 here) still runs as a timer.
    assert!(rx.try_recv().is_err());
    group.on_timers(0);
    let joined = rx.try_recv().unwrap();
    assert_eq!(joined.error, None);
    assert_eq!(joined.generation_id, 1);
    assert_eq!(joined.leader, first.member_id);
    assert_eq!(joined.members.len(), 1);
    let assignment = vec![(first.member_id.clone(), Bytes::from_static(b"p0"))];
    let synced = sync(&mut group, log, &first.member_id, 1, assignment)
        .try_recv()
        .unwrap();
    assert_eq!(synced.assignment, Bytes::from_static(b"p0"));
    assert_eq!(group.state, GroupState::Stable);
    (group, first.member_id)
}

#[test]
fn a_new_member_needs_an_id_then_joins_and_syncs() {
    let mut log = MemoryGroupLog::default();
    let (group, member) = stable_group_of_one(&mut log);
    // The sync wrote the group with its assignment, in Kafka's schema.
    let record = log.records.last().unwrap();
    assert_eq!(
        GroupRecordKey::decode(&record.key).unwrap(),
        GroupRecordKey::GroupMetadata { group: "g".into() }
    );
    let value = GroupMetadataValue::decode(record.value.as_ref().unwrap()).unwrap();
    assert_eq!(value.generation, 1);
    assert_eq!(value.members[0].member_id, member);
    assert_eq!(value.members[0].assignment, Bytes::from_static(b"p0"));
    assert_eq!(group.describe().state, "Stable");
}

#[test]
fn heartbeats_are_fenced_by_generation_and_member() {
    let mut log = MemoryGroupLog::default();
    let (mut group, member) = stable_group_of_one(&mut log);
    let beat = |member: &str, generation| Heartbeat {
        member_id: member.into(),
        group_instance_id: None,
        generation_id: generation,
    };
    assert_eq!(group.heartbeat(beat(&member, 1), 1), None);
    assert_eq!(
        group.heartbeat(beat(&member, 0), 1),
        Some(ResponseError::IllegalGeneration)
    );
    assert_eq!(
        group.heartbeat(beat("nobody", 1), 1),
        Some(ResponseError::UnknownMemberId)
    );
    // A second member joining starts a rebalance the first hears about on its next heartbeat.
    let mut second = join_request(UNKNOWN_MEMBER_ID, None);
    second.require_known_member_id = false;
    let _pending = join(&mut group, &mut log, second, 2);
    assert_eq!(group.state, GroupState::PreparingRebalance);
    assert_eq!(
        group.heartbeat(beat(&member, 1), 3),
        Some(ResponseError::RebalanceInProgress)
    );
}

#[test]
fn a_session_that_expires_removes_the_member() {
    let mut log = MemoryGroupLog::default();
    let (mut group, _member) = stable_group_of_one(&mut log);
    group.on_timers(9_999);
    assert_eq!(group.members.len(), 1);
    group.on_timers(10_000);
    assert!(group.members.is_empty());
    // Its join phase completes at once with nobody: the group is Empty in generation 2.
    assert_eq!(group.state, GroupState::Empty);
    assert_eq!(group.generation_id, 2);
    assert!(group.needs_store);
    // It keeps its protocol type, as Kafka's Empty groups do.
    assert_eq!(group.protocol_type.as_deref(), Some("consumer"));
    assert_eq!(group.to_record().protocol_type, "consumer");
}

#[test]
fn a_static_member_rejoining_fences_its_old_id_without_a_rebalance() {
    let mut log = MemoryGroupLog::default();
    let mut group = ClassicGroup::new("g".into(), config(), 0);
    let mut rx = join(
        &mut group,
        &mut log,
        join_request(UNKNOWN_MEMBER_ID, Some("i1")),
        0,
    );
    group.on_timers(0);
    let joined = rx.try_recv().unwrap();
    let old = joined.member_id.clone();
    let assignment = vec![(old.clone(), Bytes::from_static(b"p0"))];
    sync(&mut group, &mut log, &old, 1, assignment)
        .try_recv()
        .unwrap();
    let rejoined = join(
        &mut group,
        &mut log,
        join_request(UNKNOWN_MEMBER_ID, Some("i1")),
        5,
    )
    .try_recv()
    .unwrap();
    assert_eq!(rejoined.error, None);
    assert_ne!(rejoined.member_id, old);
    assert_eq!(rejoined.generation_id, 1, "no new generation");
    assert!(
        rejoined.skip_assignment,
        "the leader keeps the assignment it made"
    );
    assert_eq!(group.state, GroupState::Stable);
    let beat = Heartbeat {
        member_id: old,
        group_instance_id: Some("i1".into()),
        generation_id: 1,
    };
    assert_eq!(
        group.heartbeat(beat, 6),
        Some(ResponseError::FencedInstanceId)
    );
    let synced = sync(&mut group, &mut log, &rejoined.member_id, 1, vec![])
        .try_recv()
        .unwrap();
    assert_eq!(synced.assignment, Bytes::from_static(b"p0"));
}

#[test]
fn group_max_size_refuses_one_member_too_many() {
    let mut log = MemoryGroupLog::default();
    let (mut group, _) = stable_group_of_one(&mut log);
    group.config.max_size = 1;
    let refused = join(
        &mut group,
        &mut log,
        join_request(UNKNOWN_MEMBER_ID, None),
        1,
    )
    .try_recv()
    .unwrap();
    assert_eq!(refused.error, Some(ResponseError::GroupMaxSizeReached));
}

fn commit(generation: i32, member: &str, metadata: &str) -> CommitOffsets {
    CommitOffsets {
        generation_id: generation,
        member_id: member.into(),
        group_instance_id: None,
        retention_time_ms: -1,
        unknown_group_error: ResponseError::IllegalGeneration,
        offsets: vec![(
            "t".into(),
            0,
            CommittedOffset {
                offset: 7,
                leader_epoch: -1,
                metadata: metadata.into(),
                commit_timestamp_ms: -1,
                expire_timestamp_ms: -1,
            },
        )],
    }
}

#[test]
fn offset_commits_are_checked_like_kafkas_classic_group() {
    let mut log = MemoryGroupLog::default();
    let (mut group, member) = stable_group_of_one(&mut log);
    assert_eq!(
        group.commit_offsets(commit(-1, "", ""), 1, &mut log),
        Err(ResponseError::UnknownMemberId)
    );
    assert_eq!(
        group.commit_offsets(commit(0, &member, ""), 1, &mut log),
        Err(ResponseError::IllegalGeneration)
    );
    assert_eq!(
        group.commit_offsets(commit(1, &member, "far too long"), 1, &mut log),
        Ok(vec![Some(ResponseError::OffsetMetadataTooLarge)])
    );
    // Written, but visible only once the partition's high watermark passes its record.
    log.high_watermark = Some(i64::try_from(log.records.len()).unwrap());
    assert_eq!(
        group.commit_offsets(commit(1, &member, "m"), 1, &mut log),
        Ok(vec![None])
    );
    group.offsets.apply_replicated(log.high_watermark());
    let fetched = group.fetch_offsets(Some(vec![("t".into(), vec![0])]), true);
    assert_eq!(fetched[0].2, Ok(None));
    log.high_watermark = None;
    group.offsets.apply_replicated(log.high_watermark());
    let fetched = group.fetch_offsets(Some(vec![("t".into(), vec![0, 1])]), true);
    assert_eq!(fetched[0].2.clone().unwrap().unwrap().offset, 7);
    assert_eq!(fetched[1].2, Ok(None));
    // A failed write leaves nothing committed.
    log.fail_with = Some(ResponseError::NotCoordinator);
    let mut other = commit(1, &member, "");
    other.offsets[0].1 = 1;
    assert_eq!(
        group.commit_offsets(other, 2, &mut log),
        Ok(vec![Some(ResponseError::NotCoordinator)])
    );
    assert!(group.offsets.get("t", 1).is_none());
}

#[test]
fn a_partition_replay_rebuilds_groups_and_honours_tombstones() {
    let mut log = MemoryGroupLog::default();
    let (mut group, member) = stable_group_of_one(&mut log);
    group
        .commit_offsets(commit(1, &member, ""), 1, &mut log)
        .unwrap();
    let mut gone = ClassicGroup::new("gone".into(), config(), 0);
    gone.commit_offsets(commit(-1, "", ""), 1, &mut log)
        .unwrap();
    gone.delete(2, &mut log);
    let records = log
        .records
        .iter()
        .enumerate()
        .map(|(i, r)| StoredRecord {
            offset: i as i64,
            timestamp: 0,
            key: Some(Bytes::from(r.key.clone())),
            value: r.value.clone().map(Bytes::from),
            producer_id: -1,
            producer_epoch: -1,
            is_transactional: false,
            is_control: false,
        })
        .collect();
    let loaded = replay_group_records(records);
    let g = &loaded["g"];
    assert_eq!(g.metadata.as_ref().unwrap().members[0].member_id, member);
    assert_eq!(g.offsets.get("t", 0).unwrap().offset, 7);
    let gone = &loaded["gone"];
    assert!(gone.metadata.is_none() && gone.offsets.is_empty());
    let rebuilt = ClassicGroup::from_record("g".into(), config(), g.metadata.clone().unwrap(), 100);
    assert_eq!(rebuilt.state, GroupState::Stable);
    assert_eq!(rebuilt.generation_id, 1);
    assert_eq!(
        rebuilt.member(&member).unwrap().assignment,
        Bytes::from_static(b"p0")
    );
}

fn txn_commit(producer_id: i64, generation: i32, member: &str, offset: i64) -> TxnCommitOffsets {
    let mut plain = commit(generation, member, "");
    plain.offsets[0].2.offset = offset;
    TxnCommitOffsets {
        producer_id,
        producer_epoch: 0,
        generation_id: generation,
        member_id: member.into(),
        group_instance_id: None,
        offsets: plain.offsets,
    }
}

fn committed(group: &ClassicGroup, require_stable: bool) -> Result<Option<i64>, ResponseError> {
    let fetched = group.fetch_offsets(Some(vec![("t".into(), vec![0])]), require_stable);
    fetched[0].2.clone().map(|o| o.map(|o| o.offset))
}

#[test]
fn transactional_offsets_wait_for_their_marker() {
    let mut log = MemoryGroupLog::default();
    let (mut group, member) = stable_group_of_one(&mut log);
    assert_eq!(
        group.commit_transactional_offsets(txn_commit(9, 0, &member, 5), 1, &mut log),
        Err(ResponseError::IllegalGeneration)
    );
    assert_eq!(
        group.commit_transactional_offsets(txn_commit(9, 1, "stranger", 5), 1, &mut log),
        Err(ResponseError::UnknownMemberId)
    );
    // Old clients send neither generation nor member: accepted whatever the group's state.
    assert_eq!(
        group.commit_transactional_offsets(txn_commit(9, -1, "", 5), 1, &mut log),
        Ok(vec![None])
    );
    assert_eq!(
        log.producers.last(),
        Some(&Some(crate::coord::partition_loader::TxnProducer {
            producer_id: 9,
            producer_epoch: 0
        }))
    );
    assert_eq!(committed(&group, false), Ok(None));
    assert_eq!(
        committed(&group, true),
        Err(ResponseError::UnstableOffsetCommit)
    );
    group.complete_transaction(9, true);
    assert_eq!(committed(&group, true), Ok(Some(5)));

    // An aborted transaction leaves the committed offset as it was.
    group
        .commit_transactional_offsets(txn_commit(9, 1, &member, 8), 2, &mut log)
        .unwrap();
    group.complete_transaction(9, false);
    assert_eq!(committed(&group, true), Ok(Some(5)));

    // A plain commit written after the transaction's record wins over it, as in Kafka.
    group
        .commit_transactional_offsets(txn_commit(9, 1, &member, 11), 3, &mut log)
        .unwrap();
    group
        .commit_offsets(commit(1, &member, ""), 3, &mut log)
        .unwrap();
    group.complete_transaction(9, true);
    assert_eq!(committed(&group, true), Ok(Some(11)));
    group.offsets.apply_replicated(log.high_watermark());
    assert_eq!(committed(&group, true), Ok(Some(7)));
    // A marker of a producer without pending offsets changes nothing.
    group.complete_transaction(10, true);
    assert_eq!(committed(&group, true), Ok(Some(7)));
}

#[test]
fn unreplicated_commits_and_tombstones_take_effect_in_log_order() {
    let mut log = MemoryGroupLog::default();
    let mut group = ClassicGroup::new("g".into(), config(), 0);
    log.high_watermark = Some(0);
    group
        .commit_offsets(commit(-1, "", ""), 1, &mut log)
        .unwrap();
    // The deletion sees the commit that is not replicated yet, and writes its tombstone.
    assert_eq!(
        group.delete_offsets(vec![("t".into(), 0)], &mut log),
        Ok(vec![None])
    );
    assert_eq!(log.records.len(), 2);
    assert!(log.records[1].value.is_none());
    assert!(group.offsets.get("t", 0).is_none());
    // The commit replicated, the tombstone not yet.
    log.high_watermark = Some(1);
    group.offsets.apply_replicated(log.high_watermark());
    assert_eq!(group.offsets.get("t", 0).map(|o| o.offset), Some(7));
    // The group's writes count the tombstone already.
    assert!(group.offsets.is_empty());
    log.high_watermark = Some(2);
    group.offsets.apply_replicated(log.high_watermark());
    assert!(group.offsets.get("t", 0).is_none());
    assert!(group.offsets.is_empty());
}

fn control_record(offset: i64, producer_id: i64, commit: bool) -> StoredRecord {
    StoredRecord {
        offset,
        timestamp: 0,
        key: Some(Bytes::from(vec![0, 0, 0, u8::from(commit)])),
        value: Some(Bytes::from(vec![0, 0, 0, 0, 0, 0])),
        producer_id,
        producer_epoch: 0,
        is_transactional: true,
        is_control: true,
    }
}

#[test]
fn a_replay_keeps_pending_transactional_offsets_until_their_marker() {
    let mut log = MemoryGroupLog::default();
    let mut group = ClassicGroup::new("g".into(), config(), 0);
    group
        .commit_transactional_offsets(txn_commit(1, -1, "", 3), 1, &mut log)
        .unwrap();
    group
        .commit_transactional_offsets(txn_commit(2, -1, "", 4), 1, &mut log)
        .unwrap();
    group
        .commit_transactional_offsets(txn_commit(3, -1, "", 6), 1, &mut log)
        .unwrap();
    let mut records: Vec<StoredRecord> = log
        .records
        .iter()
        .zip(&log.producers)
        .enumerate()
        .map(|(i, (r, producer))| StoredRecord {
            offset: i as i64,
            timestamp: 0,
            key: Some(Bytes::from(r.key.clone())),
            value: r.value.clone().map(Bytes::from),
            producer_id: producer.map_or(-1, |p| p.producer_id),
            producer_epoch: producer.map_or(-1, |p| p.producer_epoch),
            is_transactional: producer.is_some(),
            is_control: false,
        })
        .collect();
    // Producer 1 commits, producer 2 aborts, producer 3's transaction is still open.
    records.push(control_record(3, 1, true));
    records.push(control_record(4, 2, false));
    let loaded = replay_group_records(records);
    let g = &loaded["g"];
    assert_eq!(g.offsets.get("t", 0).unwrap().offset, 3);
    assert_eq!(g.offsets.record_offset("t", 0), Some(0));
    assert_eq!(g.pending_transactional.len(), 1);
    assert_eq!(g.pending_transactional[&3].get("t", 0).unwrap().offset, 6);
}
