//! Broker sessions and leader elections at the controller, decided against hand-built images of
//! three brokers and a topic with three replicas per partition (no Raft needed): what fencing,
//! unfencing, a crashed broker's new registration, ElectLeaders and leader balancing write.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use kafka_protocol::error::ResponseError;
use uuid::Uuid;

use crate::metadata::controller::{brokers, Decision, Election};
use crate::metadata::{
    ConfigResource, ControllerResponse, MetadataImage, MetadataRecord, PartitionImage,
};

const TOPIC: &str = "replicated";

fn registration(id: i32) -> MetadataRecord {
    MetadataRecord::RegisterBroker {
        broker_id: id,
        host: "localhost".into(),
        port: 9092 + id,
        rack: None,
        listeners: Vec::new(),
    }
}

/// Brokers 0, 1, 2; partition p has replicas rotated by p (preferred leader p), all in sync.
fn image() -> MetadataImage {
    let mut image = MetadataImage::default();
    for id in 0..3 {
        image.apply(&registration(id));
    }
    let topic_id = Uuid::from_u128(7);
    image.apply(&MetadataRecord::Topic {
        name: TOPIC.into(),
        topic_id,
    });
    for p in 0..3 {
        let replicas: Vec<i32> = (0..3).map(|i| (p + i) % 3).collect();
        image.apply(&MetadataRecord::Partition {
            topic_id,
            partition: p,
            isr: replicas.clone(),
            leader: replicas[0],
            replicas,
            leader_epoch: 0,
            partition_epoch: 0,
            adding_replicas: Vec::new(),
            removing_replicas: Vec::new(),
        });
    }
    image
}

fn apply(image: &mut MetadataImage, records: &[MetadataRecord]) {
    for record in records {
        image.apply(record);
    }
}

fn partition(image: &MetadataImage, p: i32) -> PartitionImage {
    image.partition(TOPIC, p).unwrap().clone()
}

fn fence(image: &mut MetadataImage, id: i32) {
    let decision = brokers::fence_broker(image, id, false);
    apply(image, &decision.records);
}

#[test]
fn a_fenced_broker_leaves_every_isr_and_its_leaderships_move() {
    let mut image = image();
    fence(&mut image, 0);
    assert!(!image.brokers[&0].alive);
    // Partition 0 was led by 0: the next replica in sync leads, with a new leader epoch.
    let p0 = partition(&image, 0);
    assert_eq!((p0.leader, p0.isr.clone()), (1, vec![1, 2]));
    assert_eq!((p0.leader_epoch, p0.partition_epoch), (1, 1));
    // Partition 1 keeps its leader; only the ISR shrinks (no leader epoch bump, as Kafka 3.6+).
    let p1 = partition(&image, 1);
    assert_eq!((p1.leader, p1.isr.clone()), (1, vec![1, 2]));
    assert_eq!((p1.leader_epoch, p1.partition_epoch), (0, 1));
}

#[test]
fn with_every_replica_fenced_the_last_stays_in_the_isr_and_the_partition_is_offline() {
    let mut image = image();
    for id in [0, 1, 2] {
        fence(&mut image, id);
    }
    let p0 = partition(&image, 0);
    assert_eq!((p0.leader, p0.isr.clone()), (-1, vec![2]));
    // Broker 1 coming back is not in the ISR: no clean leader.
    let back = brokers::heartbeat(&image, 1, &[], false);
    assert_eq!(back.response, ControllerResponse::BrokerHeartbeat(Ok(())));
    apply(&mut image, &back.records);
    assert!(image.brokers[&1].alive);
    assert_eq!(partition(&image, 0).leader, -1);
    // The last ISR member's heartbeat unfences it and it leads again.
    let back = brokers::heartbeat(&image, 2, &[], false);
    apply(&mut image, &back.records);
    let p0 = partition(&image, 0);
    assert_eq!((p0.leader, p0.isr.clone()), (2, vec![2]));
}

#[test]
fn unclean_election_follows_the_topic_override() {
    let mut image = image();
    for id in [0, 1, 2] {
        fence(&mut image, id);
    }
    image.apply(&MetadataRecord::Config {
        resource: ConfigResource::Topic(TOPIC.into()),
        name: "unclean.leader.election.enable".into(),
        value: Some("true".into()),
    });
    let back = brokers::heartbeat(&image, 0, &[], false);
    apply(&mut image, &back.records);
    // Partition 0's ISR was [2]; 0 is out of sync but may lead, alone in the ISR.
    let p0 = partition(&image, 0);
    assert_eq!((p0.leader, p0.isr.clone()), (0, vec![0]));
}

#[test]
fn heartbeats_of_live_and_unknown_brokers() {
    let image = image();
    let live = brokers::heartbeat(&image, 1, &[], false);
    assert_eq!(live.response, ControllerResponse::BrokerHeartbeat(Ok(())));
    assert!(live.records.is_empty());
    let unknown = brokers::heartbeat(&image, 9, &[], false);
    match unknown.response {
        ControllerResponse::BrokerHeartbeat(Err(e)) => {
            assert_eq!(e.code, ResponseError::BrokerIdNotRegistered)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_stall_of_the_controller_does_not_count_against_the_brokers() {
    let image = image();
    // Checked every 500 ms; the last check at 10,000, this one 9,500 ms late.
    let mut sessions = BTreeMap::from([(0, 9_900), (1, 2_000), (2, 10_000)]);
    brokers::credit_controller_stall(&mut sessions, 10_000, 20_000, 500);
    assert_eq!(
        sessions,
        BTreeMap::from([(0, 19_400), (1, 11_500), (2, 19_500)])
    );
    // Broker 1 was already silent for 8 s before the stall: it still expires.
    assert_eq!(
        brokers::expired_sessions(&image, &sessions, 20_000, 8_000),
        vec![1]
    );
    // A check on time credits nothing.
    brokers::credit_controller_stall(&mut sessions, 19_600, 20_000, 500);
    assert_eq!(
        sessions,
        BTreeMap::from([(0, 19_400), (1, 11_500), (2, 19_500)])
    );
    // A heartbeat is never moved past the check.
    let mut late = BTreeMap::from([(0, 19_990)]);
    brokers::credit_controller_stall(&mut late, 10_000, 20_000, 500);
    assert_eq!(late, BTreeMap::from([(0, 20_000)]));
}

#[test]
fn sessions_expire_after_the_timeout_only_for_unfenced_brokers() {
    let mut image = image();
    let sessions = BTreeMap::from([(0, 1_000), (1, 9_000), (2, 500)]);
    assert_eq!(
        brokers::expired_sessions(&image, &sessions, 10_000, 8_000),
        vec![0, 2]
    );
    fence(&mut image, 2);
    assert_eq!(
        brokers::expired_sessions(&image, &sessions, 10_000, 8_000),
        vec![0]
    );
    let without_session = BTreeMap::from([(1, 9_000)]);
    assert!(brokers::expired_sessions(&image, &without_session, 10_000, 8_000).is_empty());
}

#[test]
fn a_new_registration_of_an_unfenced_broker_moves_its_leaderships_first() {
    let mut image = image();
    let records = brokers::register_broker(&image, 0, registration(0), false).unwrap();
    apply(&mut image, &records);
    assert!(image.brokers[&0].alive);
    // The crashed incarnation led partition 0: leadership moved to 1, and 0 left the ISR until
    // it catches up again.
    let p0 = partition(&image, 0);
    assert_eq!(
        (p0.leader, p0.isr.clone(), p0.leader_epoch),
        (1, vec![1, 2], 1)
    );
}

#[test]
fn preferred_elections_and_leader_balancing_bring_leadership_back() {
    let mut image = image();
    fence(&mut image, 0);
    let back = brokers::heartbeat(&image, 0, &[], false);
    apply(&mut image, &back.records);
    // Unfenced but not in sync: no preferred election yet.
    let early = brokers::elect_leaders(
        &image,
        Election::Preferred,
        Some(&[(TOPIC.into(), vec![0])]),
    );
    assert_eq!(
        election_codes(&early),
        vec![(0, Some(ResponseError::PreferredLeaderNotAvailable))]
    );
    assert!(brokers::balance_leaders(&image).is_empty());
    // Back in the ISR (AlterPartition from the leader), the preferred replica may lead.
    let p0 = partition(&image, 0);
    image.apply(&MetadataRecord::Partition {
        topic_id: image.topic(TOPIC).unwrap().topic_id,
        partition: 0,
        replicas: p0.replicas.clone(),
        isr: vec![1, 2, 0],
        leader: p0.leader,
        leader_epoch: p0.leader_epoch,
        partition_epoch: p0.partition_epoch + 1,
        adding_replicas: Vec::new(),
        removing_replicas: Vec::new(),
    });
    let balanced = brokers::balance_leaders(&image);
    assert_eq!(balanced.len(), 1);
    let elected = brokers::elect_leaders(
        &image,
        Election::Preferred,
        Some(&[(TOPIC.into(), vec![0, 1, 5])]),
    );
    assert_eq!(
        election_codes(&elected),
        vec![
            (0, None),
            (1, Some(ResponseError::ElectionNotNeeded)),
            (5, Some(ResponseError::UnknownTopicOrPartition)),
        ]
    );
    apply(&mut image, &elected.records);
    assert_eq!(partition(&image, 0).leader, 0);
    assert_eq!(partition(&image, 0).leader_epoch, 2);
    // Every partition asked for: those needing no election are left out.
    let all = brokers::elect_leaders(&image, Election::Preferred, None);
    assert_eq!(election_codes(&all), Vec::new());
    assert!(all.records.is_empty());
}

#[test]
fn unclean_election_needs_a_leaderless_partition() {
    let mut image = image();
    let led = brokers::elect_leaders(&image, Election::Unclean, Some(&[(TOPIC.into(), vec![1])]));
    assert_eq!(
        election_codes(&led),
        vec![(1, Some(ResponseError::ElectionNotNeeded))]
    );
    for id in [0, 1, 2] {
        fence(&mut image, id);
    }
    let none = brokers::elect_leaders(&image, Election::Unclean, Some(&[(TOPIC.into(), vec![1])]));
    assert_eq!(
        election_codes(&none),
        vec![(1, Some(ResponseError::EligibleLeadersNotAvailable))]
    );
    image.apply(&MetadataRecord::UnfenceBroker { broker_id: 1 });
    // Broker 1 is unfenced but out of sync (partition 1's ISR is [2]): only unclean may pick it.
    let p1 = partition(&image, 1);
    assert_eq!((p1.leader, p1.isr), (-1, vec![2]));
    let unclean =
        brokers::elect_leaders(&image, Election::Unclean, Some(&[(TOPIC.into(), vec![1])]));
    apply(&mut image, &unclean.records);
    let p1 = partition(&image, 1);
    assert_eq!((p1.leader, p1.isr), (1, vec![1]));
}

fn election_codes(decision: &Decision) -> Vec<(i32, Option<ResponseError>)> {
    match &decision.response {
        ControllerResponse::ElectLeaders(results) => results
            .iter()
            .flat_map(|(_, partitions)| {
                partitions
                    .iter()
                    .map(|(p, r)| (*p, r.as_ref().err().map(|e| e.code)))
            })
            .collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn turning_unclean_election_on_makes_an_offline_partition_electable() {
    let mut image = image();
    for id in [0, 1, 2] {
        fence(&mut image, id);
    }
    image.apply(&MetadataRecord::UnfenceBroker { broker_id: 0 });
    // Partition 1's ISR is [2], fenced: broker 0 is alive but out of sync.
    assert!(brokers::elect_leaderless(&image, false)
        .iter()
        .all(|r| !matches!(r, MetadataRecord::Partition { partition: 1, .. })));
    image.apply(&MetadataRecord::Config {
        resource: ConfigResource::Topic(TOPIC.into()),
        name: "unclean.leader.election.enable".into(),
        value: Some("true".into()),
    });
    let elected = brokers::elect_leaderless(&image, false);
    apply(&mut image, &elected);
    let p1 = partition(&image, 1);
    assert_eq!((p1.leader, p1.isr), (0, vec![0]));
}

#[test]
fn an_offline_replica_leaves_its_partition_and_leads_again_once_back_online() {
    let mut image = image();
    let topic_id = Uuid::from_u128(7);
    // Broker 0 reports partition 0's log offline: it leaves the ISR and its leadership moves.
    let offline = brokers::heartbeat(&image, 0, &[(topic_id, 0)], false);
    apply(&mut image, &offline.records);
    assert!(image.replica_offline(0, &topic_id, 0));
    assert!(image.brokers[&0].alive);
    let p0 = partition(&image, 0);
    assert_eq!((p0.leader, p0.isr.clone()), (1, vec![1, 2]));
    // Its other partitions are untouched.
    assert_eq!(partition(&image, 1).isr, vec![1, 2, 0]);
    // The same report again writes nothing.
    assert!(brokers::heartbeat(&image, 0, &[(topic_id, 0)], false)
        .records
        .is_empty());
    // A preferred election cannot choose it while it is offline.
    let balanced = brokers::balance_leaders(&image);
    assert!(balanced.is_empty(), "{balanced:?}");
    // Back online, it is in no ISR yet (a follower catches up first), but may lead once it is.
    let online = brokers::heartbeat(&image, 0, &[], false);
    apply(&mut image, &online.records);
    assert!(!image.replica_offline(0, &topic_id, 0));
}

#[test]
fn a_single_replica_gone_offline_leaves_its_partition_leaderless_until_it_is_back() {
    let mut image = MetadataImage::default();
    image.apply(&registration(0));
    let topic_id = Uuid::from_u128(8);
    image.apply(&MetadataRecord::Topic {
        name: "single".into(),
        topic_id,
    });
    for p in 0..2 {
        image.apply(&MetadataRecord::Partition {
            topic_id,
            partition: p,
            replicas: vec![0],
            isr: vec![0],
            leader: 0,
            leader_epoch: 0,
            partition_epoch: 0,
            adding_replicas: Vec::new(),
            removing_replicas: Vec::new(),
        });
    }
    // Unknown partitions in the report are ignored (a deleted topic's log may linger).
    let report = [(topic_id, 1), (Uuid::from_u128(99), 0)];
    let offline = brokers::heartbeat(&image, 0, &report, false);
    apply(&mut image, &offline.records);
    let p1 = image.partition("single", 1).unwrap();
    assert_eq!(
        (p1.leader, p1.isr.clone(), p1.leader_epoch),
        (-1, vec![0], 1)
    );
    assert_eq!(image.partition("single", 0).unwrap().leader, 0);
    assert_eq!(
        image.brokers[&0]
            .offline_replicas
            .iter()
            .collect::<Vec<_>>(),
        [&(topic_id, 1)]
    );
    let online = brokers::heartbeat(&image, 0, &[], false);
    apply(&mut image, &online.records);
    let p1 = image.partition("single", 1).unwrap();
    assert_eq!((p1.leader, p1.leader_epoch), (0, 2));
    // Deleting the topic forgets its offline replicas.
    let offline = brokers::heartbeat(&image, 0, &[(topic_id, 1)], false);
    apply(&mut image, &offline.records);
    image.apply(&MetadataRecord::RemoveTopic { topic_id });
    assert!(image.brokers[&0].offline_replicas.is_empty());
}

#[test]
fn a_restarted_sole_replica_s_partition_is_one_record_of_its_last_state() {
    let mut image = image();
    let topic_id = image.topic(TOPIC).unwrap().topic_id;
    image.apply(&MetadataRecord::Partition {
        topic_id,
        partition: 9,
        replicas: vec![0],
        isr: vec![0],
        leader: 0,
        leader_epoch: 4,
        partition_epoch: 6,
        adding_replicas: Vec::new(),
        removing_replicas: Vec::new(),
    });
    let records = brokers::register_broker(&image, 0, registration(0), false).unwrap();
    let of_partition_9: Vec<_> = records
        .iter()
        .filter(|r| matches!(r, MetadataRecord::Partition { partition: 9, .. }))
        .collect();
    assert_eq!(of_partition_9.len(), 1, "{records:?}");
    // Fenced (leader none) then elected again, as Kafka's two changes leave it.
    let MetadataRecord::Partition {
        leader,
        leader_epoch,
        partition_epoch,
        ..
    } = of_partition_9[0]
    else {
        unreachable!()
    };
    assert_eq!((*leader, *leader_epoch, *partition_epoch), (0, 6, 8));
    apply(&mut image, &records);
    assert!(image.brokers[&0].alive);
    assert_eq!(
        partition(&image, 1).leader,
        1,
        "others unchanged by the filter"
    );
}
