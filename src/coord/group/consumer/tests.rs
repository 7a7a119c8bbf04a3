//! A consumer-protocol group without a broker: heartbeats in, answers and records out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use kafka_protocol::error::ResponseError;
use uuid::Uuid;

use super::assignor::Assignor;
use super::heartbeat::{validate, ConsumerHeartbeat, HeartbeatAnswer};
use super::records::ConsumerRecordKey;
use super::route::{self, LoadedConsumerGroup};
use super::*;
use crate::coord::group::classic::ClassicGroup;
use crate::coord::group::store::MemoryGroupLog;
use crate::coord::group::GroupConfig;
use crate::metadata::image::{MetadataImage, PartitionImage, TopicImage};

const TOPIC: Uuid = Uuid::from_u128(42);

fn config() -> ConsumerConfig {
    ConsumerConfig {
        heartbeat_interval_ms: 500,
        session_timeout_ms: 10_000,
        max_size: 3,
        assignors: vec![Assignor::Uniform, Assignor::Range],
        migration: MigrationPolicy::from_name("bidirectional"),
        classic_max_size: 10,
    }
}

fn image(partitions: i32) -> Arc<MetadataImage> {
    let mut image = MetadataImage::default();
    let topic = TopicImage {
        name: "t".into(),
        topic_id: TOPIC,
        partitions: (0..partitions)
            .map(|p| {
                let partition = PartitionImage {
                    partition: p,
                    replicas: vec![0],
                    isr: vec![0],
                    leader: 0,
                    leader_epoch: 0,
                    partition_epoch: 0,
                    adding_replicas: Vec::new(),
                    removing_replicas: Vec::new(),
                };
                (p, partition)
            })
            .collect(),
    };
    image.topic_names_by_id.insert(TOPIC, "t".into());
    image.topics.insert("t".into(), std::sync::Arc::new(topic));
    Arc::new(image)
}

fn request(member: &str, epoch: i32, owned: &[i32]) -> ConsumerHeartbeat {
    ConsumerHeartbeat {
        version: 1,
        member_id: member.into(),
        member_epoch: epoch,
        instance_id: None,
        rack_id: None,
        rebalance_timeout_ms: if epoch == 0 { 30_000 } else { -1 },
        subscribed_topic_names: (epoch == 0).then(|| vec!["t".to_string()]),
        subscribed_topic_regex: None,
        server_assignor: None,
        owned: Some(if epoch == 0 {
            Vec::new()
        } else {
            vec![(TOPIC, owned.to_vec())]
        }),
        client_id: "c".into(),
        client_host: "/127.0.0.1".into(),
        image: image(4),
    }
}

struct Fixture {
    classic: ClassicGroup,
    group: Option<ConsumerGroup>,
    log: MemoryGroupLog,
}

impl Fixture {
    fn new() -> Self {
        let classic_config = GroupConfig {
            initial_rebalance_delay_ms: 0,
            min_session_timeout_ms: 6_000,
            max_session_timeout_ms: 1_800_000,
            max_size: 10,
            offsets_retention_ms: 60_000,
            offsets_retention_check_interval_ms: 1_000,
            offset_metadata_max_bytes: 10,
        };
        Fixture {
            classic: ClassicGroup::new("g".into(), classic_config, 0),
            group: None,
            log: MemoryGroupLog::default(),
        }
    }

    fn beat(&mut self, request: ConsumerHeartbeat, now: i64) -> HeartbeatAnswer {
        route::heartbeat(
            &mut self.classic,
            &mut self.group,
            &config(),
            request,
            now,
            &mut self.log,
        )
    }

    fn group(&self) -> &ConsumerGroup {
        self.group.as_ref().unwrap()
    }
}

fn partitions(answer: &HeartbeatAnswer) -> Vec<i32> {
    answer
        .assignment
        .as_ref()
        .expect("an assignment")
        .get(&TOPIC)
        .map(|ps| ps.iter().copied().collect())
        .unwrap_or_default()
}

#[test]
fn a_partition_moves_only_after_its_owner_revoked_it() {
    let mut f = Fixture::new();
    let a = f.beat(request("a", 0, &[]), 0);
    assert_eq!(a.error, None);
    assert_eq!((a.member_epoch, partitions(&a)), (1, vec![0, 1, 2, 3]));
    assert_eq!(f.group().state().name(), "Stable");

    // b joins: epoch 2, but its partitions still belong to a.
    let b = f.beat(request("b", 0, &[]), 10);
    assert_eq!((b.member_epoch, partitions(&b)), (2, vec![]));
    assert_eq!(f.group().state().name(), "Reconciling");

    // a is asked to revoke two, staying at epoch 1 until it has.
    let a = f.beat(request("a", 1, &[0, 1, 2, 3]), 20);
    assert_eq!(a.member_epoch, 1);
    let kept = partitions(&a);
    assert_eq!(kept.len(), 2);
    let a_again = f.beat(request("a", 1, &[0, 1, 2, 3]), 25);
    assert_eq!(a_again.member_epoch, 1, "still revoking");

    // b gets nothing while a owns them.
    let b = f.beat(request("b", 2, &[]), 30);
    assert!(b.assignment.is_none(), "nothing changed for b");

    // a acknowledges; then b gets the two.
    let a = f.beat(request("a", 1, &kept), 40);
    assert_eq!(a.member_epoch, 2);
    let b = f.beat(request("b", 2, &[]), 50);
    let moved = partitions(&b);
    assert_eq!(moved.len(), 2);
    assert!(moved.iter().all(|p| !kept.contains(p)));
    assert_eq!(f.group().state().name(), "Stable");
}

#[test]
fn epochs_are_fenced_and_requests_checked_as_kafka_does() {
    let mut f = Fixture::new();
    f.beat(request("a", 0, &[]), 0);
    let ahead = f.beat(request("a", 5, &[]), 1);
    assert_eq!(ahead.error, Some(ResponseError::FencedMemberEpoch));
    let unknown = f.beat(request("zz", 1, &[]), 1);
    assert_eq!(unknown.error, Some(ResponseError::UnknownMemberId));
    // The previous epoch with a subset of the assignment is a lost response, not a fencing.
    f.beat(request("b", 0, &[]), 2);
    let a = f.beat(request("a", 1, &[0, 1, 2, 3]), 3);
    let kept = partitions(&a);
    let a = f.beat(request("a", 1, &kept), 4);
    assert_eq!(a.member_epoch, 2);
    let lost = f.beat(request("a", 1, &kept), 5);
    assert_eq!(lost.error, None);

    let check = |r: &ConsumerHeartbeat| validate("g", r, &config()).map_err(|(e, _)| e);
    let mut no_id = request("", 0, &[]);
    assert_eq!(check(&no_id), Err(ResponseError::InvalidRequest));
    no_id.version = 0;
    assert_eq!(
        check(&no_id),
        Ok(()),
        "v0 lets the coordinator choose the id"
    );
    let mut bad = request("a", 0, &[]);
    bad.subscribed_topic_names = None;
    assert_eq!(check(&bad), Err(ResponseError::InvalidRequest));
    bad.subscribed_topic_regex = Some("t(".into());
    assert_eq!(check(&bad), Err(ResponseError::InvalidRegularExpression));
    let mut assignor = request("a", 0, &[]);
    assignor.server_assignor = Some("sticky".into());
    assert_eq!(check(&assignor), Err(ResponseError::UnsupportedAssignor));
    assert_eq!(
        check(&request("a", -3, &[])),
        Err(ResponseError::InvalidRequest)
    );

    // group.consumer.max.size
    f.beat(request("c", 0, &[]), 6);
    let full = f.beat(request("d", 0, &[]), 7);
    assert_eq!(full.error, Some(ResponseError::GroupMaxSizeReached));
}

#[test]
fn leaving_and_timeouts_hand_partitions_over() {
    let mut f = Fixture::new();
    f.beat(request("a", 0, &[]), 0);
    f.beat(request("b", 0, &[]), 0);
    let left = f.beat(request("b", -1, &[]), 1);
    assert_eq!((left.error, left.member_epoch), (None, -1));
    assert_eq!(f.group().members.len(), 1);
    let a = f.beat(request("a", 1, &[0, 1, 2, 3]), 2);
    assert_eq!(a.member_epoch, 3);
    // a's session ends: the group is empty and its offsets' retention starts.
    route::on_timers(&mut f.classic, &mut f.group, 20_000, &mut f.log);
    assert!(f.group().is_empty());
    assert_eq!(f.classic.state_timestamp_ms, 20_000);
}

#[test]
fn a_static_member_keeps_its_partitions_across_a_restart() {
    let mut f = Fixture::new();
    let statik = |member: &str, epoch: i32, owned: &[i32]| {
        let mut r = request(member, epoch, owned);
        r.instance_id = Some("i".into());
        r
    };
    f.beat(request("a", 0, &[]), 0);
    let s = f.beat(statik("s1", 0, &[]), 0);
    f.beat(request("a", 1, &[0, 1, 2, 3]), 1);
    f.beat(request("a", 1, &[0, 1]), 2);
    let s = f.beat(statik("s1", s.member_epoch, &[]), 3);
    let before = partitions(&s);
    assert_eq!(before.len(), 2);
    let epoch = f.group().group_epoch;
    // Another incarnation cannot take the instance id while s1 holds it.
    let taken = f.beat(statik("s2", 0, &[]), 4);
    assert_eq!(taken.error, Some(ResponseError::UnreleasedInstanceId));
    let left = f.beat(statik("s1", -2, &before), 5);
    assert_eq!(left.member_epoch, -2);
    let back = f.beat(statik("s2", 0, &[]), 6);
    assert_eq!(partitions(&back), before);
    assert_eq!(f.group().group_epoch, epoch, "no rebalance");
    let fenced = f.beat(statik("s1", 2, &before), 7);
    assert_eq!(fenced.error, Some(ResponseError::FencedInstanceId));
}

#[test]
fn the_records_rebuild_the_group_and_an_empty_group_changes_protocol() {
    let mut f = Fixture::new();
    f.beat(request("a", 0, &[]), 0);
    f.beat(request("b", 0, &[]), 0);
    f.beat(request("a", 1, &[0, 1, 2, 3]), 1);
    let mut loaded: BTreeMap<String, LoadedConsumerGroup> = BTreeMap::new();
    for record in &f.log.records {
        let key = ConsumerRecordKey::decode(&record.key).unwrap();
        loaded
            .entry(key.group().to_string())
            .or_default()
            .replay(&key, record.value.as_deref());
    }
    let rebuilt = loaded
        .remove("g")
        .unwrap()
        .build("g".into(), config(), 0)
        .unwrap();
    let live = f.group();
    assert_eq!(rebuilt.group_epoch, live.group_epoch);
    assert_eq!(rebuilt.assignment_epoch, live.assignment_epoch);
    assert_eq!(rebuilt.target, live.target);
    assert_eq!(rebuilt.subscription_metadata, live.subscription_metadata);
    for (id, m) in &live.members {
        let r = &rebuilt.members[id];
        assert_eq!(
            (r.member_epoch, r.state, &r.assigned, &r.pending_revocation),
            (m.member_epoch, m.state, &m.assigned, &m.pending_revocation)
        );
        assert_eq!(r.metadata_value(), m.metadata_value());
    }

    // Both leave: the empty consumer group becomes classic on a JoinGroup, its records
    // removed.
    f.beat(request("a", -1, &[]), 2);
    f.beat(request("b", -1, &[]), 2);
    let (tx, _rx) = tokio::sync::oneshot::channel();
    let join = crate::coord::group::api::JoinGroup {
        member_id: String::new(),
        group_instance_id: None,
        client_id: "c".into(),
        client_host: "h".into(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 10_000,
        protocol_type: "consumer".into(),
        protocols: vec![("range".into(), Default::default())],
        require_known_member_id: true,
    };
    let message = crate::coord::group::task::GroupMessage::Join(join, image(2), tx);
    let back = route::route(&mut f.classic, &mut f.group, message, 0, &mut f.log);
    assert!(back.is_some(), "handed to the classic side");
    assert!(f.group.is_none());
    let last = &f.log.records[f.log.records.len() - 3..];
    assert!(last.iter().all(|r| r.value.is_none()), "tombstones");
}

/// A classic group of one member `a` at generation 3, owning partitions 0-3 of `t`.
fn classic_group_of_one(f: &mut Fixture) {
    use crate::coord::group::records::{GroupMetadataValue, MemberMetadata};
    use bytes::BufMut;
    use kafka_protocol::protocol::Encodable;
    let mut subscription = bytes::BytesMut::new();
    subscription.put_i16(1);
    kafka_protocol::messages::ConsumerProtocolSubscription::default()
        .with_topics(vec![kafka_protocol::protocol::StrBytes::from_static_str(
            "t",
        )])
        .encode(&mut subscription, 1)
        .unwrap();
    let assignment =
        super::classic_members::encode_assignment(&[("t".into(), vec![0, 1, 2, 3])], 1);
    let value = GroupMetadataValue {
        protocol_type: "consumer".into(),
        generation: 3,
        protocol: Some("range".into()),
        leader: Some("a".into()),
        current_state_timestamp: 0,
        members: vec![MemberMetadata {
            member_id: "a".into(),
            group_instance_id: None,
            client_id: "c".into(),
            client_host: "/127.0.0.1".into(),
            rebalance_timeout_ms: 30_000,
            session_timeout_ms: 10_000,
            subscription: subscription.freeze(),
            assignment,
        }],
    };
    f.classic = ClassicGroup::from_record("g".into(), f.classic.config, value, 0);
}

#[test]
fn a_classic_group_with_members_upgrades_and_downgrades_as_the_policy_allows() {
    let mut f = Fixture::new();
    classic_group_of_one(&mut f);
    let mut disabled = config();
    disabled.migration = MigrationPolicy::from_name("downgrade");
    let refused = route::heartbeat(
        &mut f.classic,
        &mut f.group,
        &disabled,
        request("b", 0, &[]),
        1,
        &mut f.log,
    );
    assert_eq!(refused.error, Some(ResponseError::GroupIdNotFound));
    assert!(f.group.is_none() && f.log.records.is_empty());

    // Upgraded: `a` is a classic member at epoch 3 keeping its partitions until it rejoins.
    let answer = f.beat(request("b", 0, &[]), 1);
    assert_eq!(answer.error, None);
    assert!(
        f.classic.members.is_empty(),
        "the classic side handed its members over"
    );
    assert!(
        f.log.records[0].value.is_none(),
        "the classic group's tombstone first"
    );
    let a = &f.group().members["a"];
    assert!(a.classic.is_some());
    assert_eq!((a.member_epoch, a.assigned[&TOPIC].len()), (3, 4));
    assert_eq!(f.group().group_epoch, 4);
    assert!(
        partitions(&answer).is_empty(),
        "b waits for a to give up its share"
    );

    // `b`, the last consumer-protocol member, leaves: the group is classic again at the group
    // epoch, `a` assigned its target, and rebalances.
    f.beat(request("b", -1, &[]), 2);
    assert!(f.group.is_none());
    assert_eq!(f.classic.generation_id, 4);
    assert_eq!(
        f.classic.state,
        crate::coord::group::classic::GroupState::PreparingRebalance
    );
    assert!(f.classic.has_member("a"));
    let last = f.log.records.last().unwrap();
    assert!(last.value.is_some(), "the classic group's metadata last");
}

#[test]
fn a_classic_static_member_replacing_the_last_consumer_member_makes_the_group_classic() {
    use crate::coord::group::api::{JoinGroup, SyncGroup};
    use crate::coord::group::classic::GroupState;
    use bytes::BufMut;
    use kafka_protocol::protocol::Encodable;
    let mut f = Fixture::new();
    let mut statik = request("s1", 0, &[]);
    statik.instance_id = Some("i".into());
    let joined = f.beat(statik, 0);
    assert_eq!(partitions(&joined), vec![0, 1, 2, 3]);

    // The same instance restarts as a classic member (an older client).
    let mut subscription = bytes::BytesMut::new();
    subscription.put_i16(1);
    kafka_protocol::messages::ConsumerProtocolSubscription::default()
        .with_topics(vec![kafka_protocol::protocol::StrBytes::from_static_str(
            "t",
        )])
        .encode(&mut subscription, 1)
        .unwrap();
    let join = JoinGroup {
        member_id: String::new(),
        group_instance_id: Some("i".into()),
        client_id: "c".into(),
        client_host: "h".into(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 10_000,
        protocol_type: "consumer".into(),
        protocols: vec![("range".into(), subscription.freeze())],
        require_known_member_id: true,
    };
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    let message = crate::coord::group::task::GroupMessage::Join(join, image(4), tx);
    let back = route::route(&mut f.classic, &mut f.group, message, 1, &mut f.log);
    assert!(back.is_none());
    let result = rx.try_recv().unwrap();
    assert_eq!(result.error, None);
    assert!(f.group.is_none(), "the group is classic now");
    assert_eq!(f.classic.state, GroupState::Stable, "without a rebalance");
    assert!(f.classic.has_member(&result.member_id));
    let last = f.log.records.last().unwrap();
    assert!(last.value.is_some(), "the classic group's metadata last");
    // Every consumer-protocol record (of the replaced member and of the joining one) ends in
    // a tombstone.
    let mut consumer_records = 0;
    for record in &f.log.records {
        let Ok(key) = ConsumerRecordKey::decode(&record.key) else {
            continue;
        };
        consumer_records += 1;
        let latest = f.log.records.iter().rev().find(|r| r.key == record.key);
        assert!(latest.unwrap().value.is_none(), "{key:?} left behind");
    }
    assert!(consumer_records > 0);

    // Its sync gets the partitions the consumer-protocol member had.
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    let sync = SyncGroup {
        member_id: result.member_id.clone(),
        group_instance_id: Some("i".into()),
        generation_id: f.classic.generation_id,
        protocol_type: Some("consumer".into()),
        protocol_name: Some("range".into()),
        assignments: Vec::new(),
    };
    f.classic.sync(sync, tx, 2, &mut f.log);
    let synced = rx.try_recv().unwrap();
    assert_eq!(synced.error, None);
    assert_eq!(
        super::classic_members::decode_assignment(&synced.assignment),
        Some(vec![("t".to_string(), vec![0, 1, 2, 3])])
    );
}
