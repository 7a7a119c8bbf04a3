//! kf's group consumer: the classic protocol against librdkafka's mock group coordinator, the
//! consumer protocol (KIP-848) against a kf cluster.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use kf::client::consumer::group::GroupConsumer;
use kf::client::producer::{Producer, ProducerRecord};
use kf::client::{Client, ClientConfig, TopicPartition};
use rdkafka::mocking::MockCluster;
use std::collections::BTreeSet;

async fn client(bootstrap: &str, settings: &[(&str, &str)]) -> Client {
    let mut config = ClientConfig::new(bootstrap);
    config
        .set_all([
            ("default.api.timeout.ms", "20000"),
            ("fetch.max.wait.ms", "50"),
            ("heartbeat.interval.ms", "50"),
            ("session.timeout.ms", "6000"),
            ("max.poll.interval.ms", "10000"),
            ("auto.offset.reset", "earliest"),
        ])
        .unwrap();
    config.set_all(settings.iter().copied()).unwrap();
    Client::connect(config).await.unwrap()
}

async fn produce(bootstrap: &str, topic: &str, partitions: i32, per_partition: i64) {
    let producer = Producer::new(client(bootstrap, &[]).await).await.unwrap();
    for p in 0..partitions {
        for i in 0..per_partition {
            let record = ProducerRecord::new(topic, format!("{p}-{i}")).with_partition(p);
            producer.send(record).await.unwrap();
        }
    }
    producer.close().await.unwrap();
}

/// One member, then (after it left) another: each holds every partition, chosen by the
/// named assignor. Two live members at once are not tested here: librdkafka's mock completes
/// a sync as soon as the leader's assignments arrive and answers a follower that syncs a
/// moment later with INVALID_REQUEST, a race real brokers do not have. The assignors'
/// multi-member behaviour is covered by unit tests.
async fn members_take_over_after_leave(strategy: &str) {
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("shared", 4, 3).unwrap();
    let settings = [
        ("group.id", "g"),
        ("partition.assignment.strategy", strategy),
    ];
    let topics = vec!["shared".to_string()];
    let every: BTreeSet<TopicPartition> =
        (0..4).map(|p| TopicPartition::new("shared", p)).collect();

    let mut first = GroupConsumer::subscribe(client(&bootstrap, &settings).await, &topics)
        .await
        .unwrap();
    assert_eq!(first.assignor(), Some(strategy));
    assert_eq!(
        first.assignment().into_iter().collect::<BTreeSet<_>>(),
        every
    );
    for _ in 0..3 {
        first.poll().await.unwrap();
    }
    let first_generation = first.generation_id();
    first.close().await.unwrap();

    let second = GroupConsumer::subscribe(client(&bootstrap, &settings).await, &topics)
        .await
        .unwrap();
    assert_eq!(
        second.assignment().into_iter().collect::<BTreeSet<_>>(),
        every
    );
    assert!(second.generation_id() > first_generation);
    second.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_members_take_over_after_leave() {
    members_take_over_after_leave("range").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooperative_sticky_members_take_over_after_leave() {
    members_take_over_after_leave("cooperative-sticky").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_offsets_survive_a_restart() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("log", 2, 1).unwrap();
    produce(&bootstrap, "log", 2, 5).await;
    let settings = [("group.id", "resume"), ("enable.auto.commit", "false")];
    let topics = vec!["log".to_string()];

    let mut first = GroupConsumer::subscribe(client(&bootstrap, &settings).await, &topics)
        .await
        .unwrap();
    let mut seen = 0;
    for _ in 0..200 {
        seen += first.poll().await.unwrap().len();
        if seen >= 10 {
            break;
        }
    }
    assert_eq!(seen, 10);
    first.commit().await.unwrap();
    first.close().await.unwrap();

    produce(&bootstrap, "log", 2, 1).await;
    let mut second = GroupConsumer::subscribe(client(&bootstrap, &settings).await, &topics)
        .await
        .unwrap();
    let mut records = Vec::new();
    for _ in 0..200 {
        records.extend(second.poll().await.unwrap());
        if records.len() >= 2 {
            break;
        }
    }
    let mut offsets: Vec<(i32, i64)> = records.iter().map(|r| (r.partition, r.offset)).collect();
    offsets.sort();
    assert_eq!(offsets, vec![(0, 5), (1, 5)]);
    second.close().await.unwrap();
}

/// kf's consumer-protocol members (KIP-848) on a kf cluster, beside a librdkafka one: the
/// coordinator shares the partitions out, every record is read once, a member that leaves
/// hands its partitions over, and the commits are where a restarted member starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_protocol_members_share_hand_over_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = common::start_cluster(
        dir.path(),
        1,
        &[("group.consumer.heartbeat.interval.ms", "200")],
    )
    .await;
    let bootstrap = cluster.bootstrap_servers();
    common::create_topic(&bootstrap, "kip848", 4).await;
    let settings = [("group.id", "new"), ("group.protocol", "consumer")];
    let topics = vec!["kip848".to_string()];
    let mut a = GroupConsumer::subscribe(client(&bootstrap, &settings).await, &topics)
        .await
        .unwrap();
    let mut b = GroupConsumer::subscribe(client(&bootstrap, &settings).await, &topics)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + common::TIMEOUT;
    while a.assignment().len() + b.assignment().len() != 4 || a.assignment().len() != 2 {
        assert!(std::time::Instant::now() < deadline, "never two each");
        a.poll().await.unwrap();
        b.poll().await.unwrap();
    }
    let owned_by_a: BTreeSet<TopicPartition> = a.assignment().into_iter().collect();
    assert!(b.assignment().iter().all(|tp| !owned_by_a.contains(tp)));
    assert!(a.generation_id() > 0, "the member epoch");

    produce(&bootstrap, "kip848", 4, 10).await;
    let mut seen = BTreeSet::new();
    let mut total = 0;
    while seen.len() < 40 {
        assert!(
            std::time::Instant::now() < deadline,
            "read {} of 40",
            seen.len()
        );
        for records in [a.poll().await.unwrap(), b.poll().await.unwrap()] {
            total += records.len();
            seen.extend(records.into_iter().map(|r| (r.partition, r.offset)));
        }
    }
    assert_eq!(total, 40, "each record read once");

    // a leaves (committing what it read): b takes all four over.
    a.close().await.unwrap();
    while b.assignment().len() != 4 {
        assert!(std::time::Instant::now() < deadline, "b never took over");
        b.poll().await.unwrap();
    }
    b.commit().await.unwrap();
    b.close().await.unwrap();

    // A librdkafka member of the same group starts where the commits are.
    produce(&bootstrap, "kip848", 4, 1).await;
    let rdkafka = common::consumer(
        &bootstrap,
        &[
            ("group.id", "new"),
            ("group.protocol", "consumer"),
            ("auto.offset.reset", "earliest"),
        ],
    );
    tokio::task::spawn_blocking(move || {
        use rdkafka::consumer::Consumer;
        use rdkafka::message::Message;
        rdkafka.subscribe(&["kip848"]).unwrap();
        let mut offsets = Vec::new();
        while offsets.len() < 4 {
            assert!(std::time::Instant::now() < deadline, "got {offsets:?}");
            if let Some(message) = rdkafka.poll(std::time::Duration::from_millis(100)) {
                let message = message.unwrap();
                offsets.push((message.partition(), message.offset()));
            }
        }
        offsets.sort();
        assert_eq!(offsets, vec![(0, 10), (1, 10), (2, 10), (3, 10)]);
    })
    .await
    .unwrap();
    cluster.shutdown().await;
}

/// A member's requests to its coordinator go on a connection of their own, as Kafka's clients
/// send them: a broker answers a connection's requests in order, and a Fetch it holds (no new
/// records, `fetch.max.wait.ms` of ten minutes here) would hold a commit or a leave behind it.
async fn coordinator_requests_pass_a_held_fetch(protocol: &str) {
    let dir = tempfile::tempdir().unwrap();
    let cluster = common::start_cluster(dir.path(), 1, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    let topic = format!("held-{protocol}");
    common::create_topic(&bootstrap, &topic, 1).await;
    produce(&bootstrap, &topic, 1, 1).await;
    let settings = [
        ("group.id", "held"),
        ("group.protocol", protocol),
        ("fetch.max.wait.ms", "600000"),
        ("enable.auto.commit", "false"),
    ];
    let mut member = GroupConsumer::subscribe(client(&bootstrap, &settings).await, &[topic])
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + common::TIMEOUT;
    let mut read = 0;
    while read == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the record never came"
        );
        read = member.poll().await.unwrap().len();
    }
    // The next poll's Fetch finds nothing new: the broker holds it.
    let held = tokio::time::timeout(std::time::Duration::from_secs(1), member.poll()).await;
    assert!(held.is_err(), "a fetch with nothing to read was answered");

    tokio::time::timeout(common::TIMEOUT, member.commit())
        .await
        .expect("the commit waited behind the held fetch")
        .unwrap();
    tokio::time::timeout(common::TIMEOUT, member.close())
        .await
        .expect("the leave waited behind the held fetch")
        .unwrap();
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_coordinator_requests_pass_a_held_fetch() {
    coordinator_requests_pass_a_held_fetch("classic").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_protocol_coordinator_requests_pass_a_held_fetch() {
    coordinator_requests_pass_a_held_fetch("consumer").await;
}
