//! Replication (issue #7) through librdkafka: RF=3 topics, acks=all, identical replicas, the
//! high watermark and the ISR seen through Metadata and ListOffsets, a follower leaving the ISR
//! when stopped and rejoining after it catches up; the coordinators' writes wait for the ISR.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use rdkafka::admin::{NewTopic, TopicReplication};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::Consumer;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseRecord, FutureProducer, FutureRecord, Producer};
use rdkafka::{Message, TopicPartitionList};

use common::raw::{find_coordinator, RawConnection};
use common::{admin, admin_options, consumer, produce_acks_all, producer, start_cluster, TIMEOUT};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::{
    ApiKey, BrokerId, GroupId, InitProducerIdRequest, InitProducerIdResponse, ListOffsetsRequest,
    ListOffsetsResponse, OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest,
    OffsetFetchResponse, ProducerId, TopicName, TransactionalId,
};
use kafka_protocol::protocol::StrBytes;

async fn create_replicated_topic(
    bootstrap: &str,
    name: &str,
    partitions: i32,
    configs: &[(&str, &str)],
) {
    let admin = admin(bootstrap);
    let mut topic = NewTopic::new(name, partitions, TopicReplication::Fixed(3));
    for (k, v) in configs {
        topic = topic.set(k, v);
    }
    let results = admin
        .create_topics([&topic], &admin_options())
        .await
        .expect("CreateTopics answered");
    for result in results {
        result.expect("topic created");
    }
}

/// (leader, replicas, isr) of a partition, as librdkafka's Metadata shows it.
fn partition_metadata(bootstrap: &str, topic: &str, partition: i32) -> (i32, Vec<i32>, Vec<i32>) {
    let probe = producer(bootstrap, &[]);
    let metadata = probe
        .client()
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .expect("metadata");
    let p = metadata.topics()[0]
        .partitions()
        .iter()
        .find(|p| p.id() == partition)
        .expect("partition listed");
    (p.leader(), p.replicas().to_vec(), p.isr().to_vec())
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The bytes of a partition's first segment on broker `broker`.
fn segment(data_dir: &Path, broker: i32, topic: &str, partition: i32) -> Vec<u8> {
    let path = data_dir
        .join(format!("broker-{broker}"))
        .join(format!("{topic}-{partition}"))
        .join("00000000000000000000.log");
    std::fs::read(path).unwrap_or_default()
}

fn high_watermark(bootstrap: &str, topic: &str, partition: i32) -> i64 {
    let c = consumer(bootstrap, &[]);
    c.fetch_watermarks(topic, partition, Duration::from_secs(10))
        .expect("ListOffsets")
        .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rf3_topic_holds_identical_replicas_up_to_the_high_watermark() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_replicated_topic(&bootstrap, "replicated", 2, &[]).await;
    let data_dir = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        for partition in 0..2 {
            let (leader, replicas, isr) = partition_metadata(&bootstrap, "replicated", partition);
            let mut sorted = replicas.clone();
            sorted.sort();
            assert_eq!(sorted, vec![0, 1, 2], "three replicas, one per broker");
            assert_eq!(leader, replicas[0], "the first replica leads");
            assert_eq!(isr.len(), 3);
            produce_acks_all(&bootstrap, "replicated", partition, 50, "r");
            // acks=all answered: the high watermark passed every record.
            assert_eq!(high_watermark(&bootstrap, "replicated", partition), 50);
            wait_until("every replica holds the same bytes", || {
                let copies: Vec<Vec<u8>> = (0..3)
                    .map(|b| segment(&data_dir, b, "replicated", partition))
                    .collect();
                !copies[0].is_empty() && copies.iter().all(|c| c == &copies[0])
            });
        }
        // Consumers read every record once, from whichever replica leads.
        let c = consumer(&bootstrap, &[("auto.offset.reset", "earliest")]);
        let mut assignment = TopicPartitionList::new();
        for partition in 0..2 {
            assignment
                .add_partition_offset("replicated", partition, rdkafka::Offset::Beginning)
                .unwrap();
        }
        c.assign(&assignment).unwrap();
        let mut seen = 0;
        wait_until("all 100 records are consumed", || {
            while let Some(m) = c.poll(Duration::from_millis(100)) {
                m.expect("consume").payload().expect("a value");
                seen += 1;
            }
            seen >= 100
        });
        assert_eq!(seen, 100);
    })
    .await
    .unwrap();
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_follower_leaves_the_isr_and_rejoins_once_caught_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = start_cluster(dir.path(), 3, &[("replica.lag.time.max.ms", "3000")]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_replicated_topic(&bootstrap, "strict", 1, &[("min.insync.replicas", "3")]).await;
    let b = bootstrap.clone();
    let follower = tokio::task::spawn_blocking(move || {
        produce_acks_all(&b, "strict", 0, 10, "before");
        let (leader, replicas, _) = partition_metadata(&b, "strict", 0);
        *replicas.iter().find(|&&r| r != leader).unwrap()
    })
    .await
    .unwrap();
    cluster.stop_broker(follower).await.unwrap();
    // Without retries, so each failure is seen as the leader answered it.
    let strict: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("broker.address.family", "v4")
        .set("acks", "all")
        .set("retries", "0")
        .set("request.timeout.ms", "2000")
        .set("message.timeout.ms", "10000")
        .create()
        .unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let record = FutureRecord::<(), _>::to("strict")
            .partition(0)
            .payload("while-down");
        match strict.send(record, Duration::from_secs(15)).await {
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::NotEnoughReplicas), _)) => break,
            other => {
                assert!(
                    Instant::now() < deadline,
                    "no NOT_ENOUGH_REPLICAS; last: {other:?}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    let b = bootstrap.clone();
    let isr = tokio::task::spawn_blocking(move || partition_metadata(&b, "strict", 0).2)
        .await
        .unwrap();
    assert_eq!(isr.len(), 2, "the stopped follower left the ISR: {isr:?}");
    assert!(!isr.contains(&follower));
    cluster.start_broker(follower).await.unwrap();
    let bootstrap = cluster.bootstrap_servers();
    let data_dir = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        wait_until("the restarted follower rejoins the ISR", || {
            partition_metadata(&bootstrap, "strict", 0)
                .2
                .contains(&follower)
        });
        produce_acks_all(&bootstrap, "strict", 0, 5, "after");
        wait_until("the follower holds the leader's bytes", || {
            let copies: Vec<Vec<u8>> = (0..3).map(|b| segment(&data_dir, b, "strict", 0)).collect();
            copies.iter().all(|c| c == &copies[0])
        });
    })
    .await
    .unwrap();
    cluster.shutdown().await;
}

/// The latest librdkafka statistics of a client: which broker it fetches each partition from.
#[derive(Clone, Default)]
struct StatsContext {
    latest: std::sync::Arc<std::sync::Mutex<Option<rdkafka::Statistics>>>,
}

impl rdkafka::ClientContext for StatsContext {
    fn stats(&self, statistics: rdkafka::Statistics) {
        *self.latest.lock().unwrap() = Some(statistics);
    }
}

impl rdkafka::consumer::ConsumerContext for StatsContext {}

/// Reads `count` records of partition 0 from offset 0 with a consumer in `client_rack` (none:
/// empty) and answers their values and the broker librdkafka was fetching them from.
fn consume_from_rack(
    bootstrap: &str,
    topic: &str,
    client_rack: &str,
    count: usize,
) -> (Vec<String>, i32) {
    let context = StatsContext::default();
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("broker.address.family", "v4")
        .set("group.id", "rack-readers")
        .set("enable.auto.commit", "false")
        .set("statistics.interval.ms", "100");
    if !client_rack.is_empty() {
        config.set("client.rack", client_rack);
    }
    let consumer: rdkafka::consumer::BaseConsumer<StatsContext> =
        config.create_with_context(context.clone()).unwrap();
    let mut assignment = TopicPartitionList::new();
    assignment
        .add_partition_offset(topic, 0, rdkafka::Offset::Beginning)
        .unwrap();
    consumer.assign(&assignment).unwrap();
    let mut values = Vec::new();
    let deadline = Instant::now() + TIMEOUT;
    while values.len() < count {
        assert!(
            Instant::now() < deadline,
            "read only {} records",
            values.len()
        );
        if let Some(message) = consumer.poll(Duration::from_millis(100)) {
            let message = message.expect("fetched");
            values.push(String::from_utf8(message.payload().unwrap().to_vec()).unwrap());
        }
    }
    // The statistics after the last record: where the fetches of the partition went.
    let fetched_from = || {
        let stats = context.latest.lock().unwrap().clone()?;
        let partition = stats.topics.get(topic)?.partitions.get(&0)?;
        (partition.fetch_state == "active").then_some(partition.broker)
    };
    let mut broker = None;
    while broker.is_none() {
        assert!(Instant::now() < deadline, "no statistics of the partition");
        consumer.poll(Duration::from_millis(100));
        broker = fetched_from();
    }
    (values, broker.unwrap())
}

/// KIP-392: with the rack-aware selector, a consumer whose client.rack holds a follower (and not
/// the leader) is sent to that follower and reads the same records there; a consumer without a
/// rack keeps reading the leader.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_with_client_rack_reads_the_follower_in_its_rack() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::cluster_config(
        dir.path(),
        3,
        &[(
            "replica.selector.class",
            "org.apache.kafka.common.replica.RackAwareReplicaSelector",
        )],
    );
    config.racks = vec!["a".into(), "b".into(), "c".into()];
    let cluster = kf::cluster::Cluster::start(config).await.unwrap();
    let bootstrap = cluster.bootstrap_servers();
    create_replicated_topic(&bootstrap, "racked", 1, &[]).await;
    tokio::task::spawn_blocking(move || {
        produce_acks_all(&bootstrap, "racked", 0, 200, "v");
        let (leader, replicas, isr) = partition_metadata(&bootstrap, "racked", 0);
        assert_eq!(isr.len(), 3);
        let follower = *replicas.iter().find(|&&r| r != leader).unwrap();
        // Racks go a, b, c to brokers 0, 1, 2.
        let rack_of = |broker: i32| ["a", "b", "c"][broker as usize];

        let (from_leader, served_by) = consume_from_rack(&bootstrap, "racked", "", 200);
        assert_eq!(
            served_by, leader,
            "a consumer without a rack reads the leader"
        );
        let expected: Vec<String> = (0..200).map(|i| format!("v-{i}")).collect();
        assert_eq!(from_leader, expected);

        let (in_rack, served_by) = consume_from_rack(&bootstrap, "racked", rack_of(follower), 200);
        assert_eq!(
            served_by, follower,
            "the follower in the consumer's rack serves it"
        );
        assert_eq!(in_rack, expected, "the follower serves the same records");

        let (leader_rack, served_by) =
            consume_from_rack(&bootstrap, "racked", rack_of(leader), 200);
        assert_eq!(served_by, leader, "the leader serves its own rack");
        assert_eq!(leader_rack, expected);
    })
    .await
    .unwrap();
    cluster.shutdown().await;
}

/// kf's own consumer with `client.rack` (KIP-392), as librdkafka above: it sends its rack in
/// Fetch, follows the preferred read replica the leader names, and gets the same records; the
/// broker that served every fetch that returned records is the one expected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kf_s_consumer_with_client_rack_reads_the_follower_in_its_rack() {
    use kf::client::consumer::{Consumer, StartOffset};
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::cluster_config(
        dir.path(),
        3,
        &[(
            "replica.selector.class",
            "org.apache.kafka.common.replica.RackAwareReplicaSelector",
        )],
    );
    config.racks = vec!["a".into(), "b".into(), "c".into()];
    let cluster = kf::cluster::Cluster::start(config).await.unwrap();
    let bootstrap = cluster.bootstrap_servers();
    create_replicated_topic(&bootstrap, "racked", 1, &[]).await;
    let b = bootstrap.clone();
    let (leader, follower) = tokio::task::spawn_blocking(move || {
        produce_acks_all(&b, "racked", 0, 200, "v");
        let (leader, replicas, isr) = partition_metadata(&b, "racked", 0);
        assert_eq!(isr.len(), 3);
        (leader, *replicas.iter().find(|&&r| r != leader).unwrap())
    })
    .await
    .unwrap();
    // Racks go a, b, c to brokers 0, 1, 2.
    let rack_of = |broker: i32| ["a", "b", "c"][broker as usize];
    let expected: Vec<String> = (0..200).map(|i| format!("v-{i}")).collect();
    for (rack, server) in [
        ("", leader),
        (rack_of(follower), follower),
        (rack_of(leader), leader),
    ] {
        let mut config = kf::client::ClientConfig::new(&bootstrap);
        config
            .set_all([("client.rack", rack), ("fetch.max.wait.ms", "100")])
            .unwrap();
        let client = kf::client::Client::connect(config).await.unwrap();
        let mut consumer = Consumer::new(client);
        let tp = kf::client::TopicPartition::new("racked", 0);
        consumer
            .assign(&[(tp.clone(), StartOffset::Beginning)])
            .await
            .unwrap();
        let mut values = Vec::new();
        let mut served_by = std::collections::BTreeSet::new();
        let deadline = Instant::now() + TIMEOUT;
        while values.len() < expected.len() {
            assert!(Instant::now() < deadline, "read {} records", values.len());
            let records = consumer.poll().await.unwrap();
            if !records.is_empty() {
                served_by.insert(consumer.partitions()[&tp].fetched_from);
            }
            values.extend(
                records
                    .iter()
                    .map(|r| String::from_utf8(r.value.clone().unwrap().to_vec()).unwrap()),
            );
        }
        assert_eq!(values, expected, "rack {rack:?}");
        assert_eq!(
            served_by,
            [server].into(),
            "rack {rack:?}: records came from broker {server} (leader {leader})"
        );
    }
    cluster.shutdown().await;
}

async fn alter_reassignment(
    conn: &mut common::raw::RawConnection,
    topic: &str,
    partition: i32,
    replicas: Option<Vec<i32>>,
) -> (i16, Option<String>) {
    use kafka_protocol::messages::alter_partition_reassignments_request::{
        ReassignablePartition, ReassignableTopic,
    };
    use kafka_protocol::messages::{
        AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, ApiKey, BrokerId,
        TopicName,
    };
    use kafka_protocol::protocol::StrBytes;
    let request = AlterPartitionReassignmentsRequest::default().with_topics(vec![
        ReassignableTopic::default()
            .with_name(TopicName(StrBytes::from_string(topic.to_string())))
            .with_partitions(vec![ReassignablePartition::default()
                .with_partition_index(partition)
                .with_replicas(replicas.map(|r| r.into_iter().map(BrokerId).collect()))]),
    ]);
    let response: AlterPartitionReassignmentsResponse = conn
        .call(ApiKey::AlterPartitionReassignments, 0, &request)
        .await;
    assert_eq!(response.error_code, 0);
    let p = &response.responses[0].partitions[0];
    assert_eq!(p.partition_index, partition);
    (
        p.error_code,
        p.error_message.as_ref().map(|m| m.to_string()),
    )
}

/// (topic, partition, replicas, adding, removing) of every ongoing reassignment listed.
async fn list_reassignments(
    conn: &mut common::raw::RawConnection,
    topics: Option<Vec<(&str, Vec<i32>)>>,
) -> Vec<(String, i32, Vec<i32>, Vec<i32>, Vec<i32>)> {
    use kafka_protocol::messages::list_partition_reassignments_request::ListPartitionReassignmentsTopics;
    use kafka_protocol::messages::{
        ApiKey, ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse, TopicName,
    };
    use kafka_protocol::protocol::StrBytes;
    let request = ListPartitionReassignmentsRequest::default().with_topics(topics.map(|topics| {
        topics
            .into_iter()
            .map(|(name, partitions)| {
                ListPartitionReassignmentsTopics::default()
                    .with_name(TopicName(StrBytes::from_string(name.to_string())))
                    .with_partition_indexes(partitions)
            })
            .collect()
    }));
    let response: ListPartitionReassignmentsResponse = conn
        .call(ApiKey::ListPartitionReassignments, 0, &request)
        .await;
    assert_eq!(response.error_code, 0);
    let ids = |v: &[kafka_protocol::messages::BrokerId]| v.iter().map(|b| b.0).collect::<Vec<_>>();
    response
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().map(move |p| {
                (
                    t.name.to_string(),
                    p.partition_index,
                    ids(&p.replicas),
                    ids(&p.adding_replicas),
                    ids(&p.removing_replicas),
                )
            })
        })
        .collect()
}

async fn wait_for_no_reassignment(conn: &mut common::raw::RawConnection) {
    let deadline = Instant::now() + TIMEOUT;
    while !list_reassignments(conn, None).await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "the reassignment never completed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// KIP-455: an RF=2 partition moves from brokers {a, b} to {b, c} while a producer writes with
/// acks=all. The added replica catches up first (held back here by cutting its link to the
/// leader, so the reassignment is seen in progress), then the leader a leaves: every record is
/// read back from the new replicas, which hold identical bytes, and a's log is deleted. Then the
/// errors Kafka gives, and a cancelled reassignment going back to the replicas it started from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reassignment_moves_a_partition_while_producing() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    // The leader is not the controller, so cutting c's link to it leaves c its metadata.
    let controller = cluster.controller_id().unwrap();
    let a = (0..3).find(|&b| b != controller).unwrap();
    let others: Vec<i32> = (0..3).filter(|&x| x != a).collect();
    let (b, c) = (others[0], others[1]);
    let admin = admin(&bootstrap);
    let assignment: &[&[i32]] = &[&[a, b]];
    let topic = NewTopic::new("moving", 1, TopicReplication::Variable(assignment));
    for result in admin
        .create_topics([&topic], &admin_options())
        .await
        .unwrap()
    {
        result.expect("topic created");
    }
    cluster.cut_link(c, a);

    let b2 = bootstrap.clone();
    let producing = tokio::task::spawn_blocking(move || {
        for round in 0..20 {
            produce_acks_all(&b2, "moving", 0, 10, &format!("m{round}"));
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let addr = bootstrap.split(',').next().unwrap().to_string();
    let mut conn = common::raw::RawConnection::connect(&addr).await;
    assert_eq!(
        alter_reassignment(&mut conn, "moving", 0, Some(vec![b, c]))
            .await
            .0,
        0
    );
    let ongoing = vec![("moving".to_string(), 0, vec![b, c, a], vec![c], vec![a])];
    assert_eq!(list_reassignments(&mut conn, None).await, ongoing);
    assert_eq!(
        list_reassignments(
            &mut conn,
            Some(vec![("moving", vec![0, 1]), ("absent", vec![0])])
        )
        .await,
        ongoing
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        list_reassignments(&mut conn, None).await,
        ongoing,
        "still in progress while the added replica cannot catch up"
    );
    cluster.heal_link(c, a);
    wait_for_no_reassignment(&mut conn).await;
    producing.await.unwrap();

    let data_dir = dir.path().to_path_buf();
    let b2 = bootstrap.clone();
    tokio::task::spawn_blocking(move || {
        let (leader, mut replicas, mut isr) = partition_metadata(&b2, "moving", 0);
        replicas.sort();
        isr.sort();
        let mut expected = vec![b, c];
        expected.sort();
        assert_eq!(replicas, expected);
        assert_eq!(isr, expected);
        assert_ne!(leader, a);
        wait_until("the removed broker deletes its log", || {
            !data_dir
                .join(format!("broker-{a}"))
                .join("moving-0")
                .exists()
        });
        wait_until("the new replicas hold the same bytes", || {
            let (x, y) = (
                segment(&data_dir, b, "moving", 0),
                segment(&data_dir, c, "moving", 0),
            );
            !x.is_empty() && x == y
        });
        let reader = consumer(&b2, &[]);
        let mut assignment = TopicPartitionList::new();
        assignment
            .add_partition_offset("moving", 0, rdkafka::Offset::Beginning)
            .unwrap();
        reader.assign(&assignment).unwrap();
        let mut values = Vec::new();
        let deadline = Instant::now() + TIMEOUT;
        while values.len() < 200 {
            assert!(Instant::now() < deadline, "read {} of 200", values.len());
            if let Some(message) = reader.poll(Duration::from_millis(100)) {
                let message = message.unwrap();
                values.push(String::from_utf8(message.payload().unwrap().to_vec()).unwrap());
            }
        }
        let expected: Vec<String> = (0..20)
            .flat_map(|r| (0..10).map(move |i| format!("m{r}-{i}")))
            .collect();
        assert_eq!(
            values, expected,
            "every acknowledged record, once, in order"
        );
    })
    .await
    .unwrap();

    // Errors as Kafka: unknown topic or partition, bad replica lists, nothing to cancel.
    use RDKafkaErrorCode as E;
    let code = |e: E| e as i16;
    let cases: Vec<(&str, i32, Option<Vec<i32>>, RDKafkaErrorCode)> = vec![
        ("absent", 0, Some(vec![b]), E::UnknownTopicOrPartition),
        ("moving", 7, Some(vec![b]), E::UnknownTopicOrPartition),
        ("moving", 0, Some(vec![]), E::InvalidReplicaAssignment),
        ("moving", 0, Some(vec![b, b]), E::InvalidReplicaAssignment),
        ("moving", 0, Some(vec![b, 42]), E::InvalidReplicaAssignment),
        ("moving", 0, None, E::NoReassignmentInProgress),
    ];
    for (topic, partition, replicas, expected) in cases {
        let (error, message) = alter_reassignment(&mut conn, topic, partition, replicas).await;
        assert_eq!(error, code(expected), "{topic}-{partition}: {message:?}");
        assert!(message.is_some());
    }

    // A cancelled reassignment drops the replica it was adding and keeps the old ones.
    let leader = tokio::task::spawn_blocking({
        let b2 = bootstrap.clone();
        move || partition_metadata(&b2, "moving", 0).0
    })
    .await
    .unwrap();
    cluster.cut_link(a, leader);
    // Asked of the leader: broker a (maybe the first bootstrap broker) may have just lost its
    // link to the controller, if the leader is the controller, and could not forward the call.
    let leader_addr = bootstrap
        .split(',')
        .nth(leader as usize)
        .unwrap()
        .to_string();
    let mut conn = common::raw::RawConnection::connect(&leader_addr).await;
    assert_eq!(
        alter_reassignment(&mut conn, "moving", 0, Some(vec![b, a]))
            .await
            .0,
        0
    );
    assert_eq!(list_reassignments(&mut conn, None).await.len(), 1);
    assert_eq!(alter_reassignment(&mut conn, "moving", 0, None).await.0, 0);
    assert!(list_reassignments(&mut conn, None).await.is_empty());
    cluster.heal_link(a, leader);
    let b2 = bootstrap.clone();
    let replicas = tokio::task::spawn_blocking(move || {
        let mut r = partition_metadata(&b2, "moving", 0).1;
        r.sort();
        r
    })
    .await
    .unwrap();
    let mut expected = vec![b, c];
    expected.sort();
    assert_eq!(replicas, expected);
    cluster.shutdown().await;
}

/// OffsetCommit v8 of `data-0` at `offset` for `group`, outside group management: the
/// partition's error code.
async fn commit_offset(addr: &str, group: &str, offset: i64) -> i16 {
    let request = OffsetCommitRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.to_string())))
        .with_generation_id_or_member_epoch(-1)
        .with_topics(vec![OffsetCommitRequestTopic::default()
            .with_name(TopicName(StrBytes::from_static_str("data")))
            .with_partitions(vec![OffsetCommitRequestPartition::default()
                .with_partition_index(0)
                .with_committed_offset(offset)])]);
    let mut conn = RawConnection::connect(addr).await;
    let response: OffsetCommitResponse = conn.call(ApiKey::OffsetCommit, 8, &request).await;
    response.topics[0].partitions[0].error_code
}

/// OffsetFetch v7 of `data-0` for `group`: the committed offset (-1: none).
async fn fetch_offset(addr: &str, group: &str) -> i64 {
    let request = OffsetFetchRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.to_string())))
        .with_topics(Some(vec![OffsetFetchRequestTopic::default()
            .with_name(TopicName(StrBytes::from_static_str("data")))
            .with_partition_indexes(vec![0])]));
    let mut conn = RawConnection::connect(addr).await;
    let response: OffsetFetchResponse = conn.call(ApiKey::OffsetFetch, 7, &request).await;
    assert_eq!(response.error_code, 0, "{response:?}");
    let partition = &response.topics[0].partitions[0];
    assert_eq!(partition.error_code, 0, "{partition:?}");
    partition.committed_offset
}

/// InitProducerId v4 for `transactional_id`: its error code.
async fn init_producer_id(addr: &str, transactional_id: &str) -> i16 {
    let request = InitProducerIdRequest::default()
        .with_transactional_id(Some(TransactionalId(StrBytes::from_string(
            transactional_id.to_string(),
        ))))
        .with_transaction_timeout_ms(60_000)
        .with_producer_id(ProducerId(-1))
        .with_producer_epoch(-1);
    let mut conn = RawConnection::connect(addr).await;
    let response: InitProducerIdResponse = conn.call(ApiKey::InitProducerId, 4, &request).await;
    response.error_code
}

async fn wait_for_isr(cluster: &kf::cluster::Cluster, topic: &str, size: usize) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let isr = cluster
            .image()
            .and_then(|image| image.partition(topic, 0).map(|p| p.isr.clone()))
            .unwrap_or_default();
        if isr.len() == size {
            return;
        }
        assert!(Instant::now() < deadline, "{topic}-0's ISR stays {isr:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The coordinators write as acks=all, as Kafka's: with `__consumer_offsets` and
/// `__transaction_state` at RF=2 and min.insync.replicas=2, a coordinator whose follower died
/// (fenced, so out of the ISR) refuses an offset commit (its record never reaches the high
/// watermark, which does not move below min.insync.replicas: COORDINATOR_NOT_AVAILABLE after
/// offsets.commit.timeout.ms) and a transactional producer's InitProducerId
/// (NOT_ENOUGH_REPLICAS, answered COORDINATOR_NOT_AVAILABLE); once the follower is back in the
/// ISR both succeed. The refused commit is not visible to OffsetFetch while its record is not
/// replicated (Kafka reads offsets at the high watermark), and is once it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_writes_below_min_insync_replicas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = start_cluster(
        dir.path(),
        3,
        &[
            ("min.insync.replicas", "2"),
            ("broker.session.timeout.ms", "1500"),
            ("broker.heartbeat.interval.ms", "250"),
            ("auto.leader.rebalance.enable", "false"),
            ("offsets.topic.num.partitions", "1"),
            ("offsets.topic.replication.factor", "2"),
            ("offsets.commit.timeout.ms", "1500"),
            ("transaction.state.log.num.partitions", "1"),
            ("transaction.state.log.replication.factor", "2"),
        ],
    )
    .await;
    let bootstrap = cluster.bootstrap_servers();
    let addrs: Vec<String> = bootstrap.split(',').map(str::to_string).collect();
    create_replicated_topic(&bootstrap, "data", 1, &[]).await;
    let not_available = ResponseError::CoordinatorNotAvailable.code();
    // One internal topic after the other: its partition's follower dies, then comes back.
    for (topic, key_type) in [("__consumer_offsets", 0), ("__transaction_state", 1)] {
        let coordinator = find_coordinator(&bootstrap, "k", key_type).await;
        let addr = addrs[coordinator as usize].clone();
        let write = |addr: String| async move {
            match key_type {
                0 => commit_offset(&addr, "k", 1).await,
                _ => init_producer_id(&addr, "k").await,
            }
        };
        // Retried as clients do while the coordinator loads or a previous write settles.
        let written = |addr: String| async move {
            let deadline = Instant::now() + TIMEOUT;
            loop {
                let error = write(addr.clone()).await;
                if error == 0 {
                    return;
                }
                assert!(Instant::now() < deadline, "{topic}: still error {error}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        };
        written(addr.clone()).await;
        let image = cluster.image().unwrap();
        let state = image.partition(topic, 0).unwrap();
        assert_eq!(state.leader, coordinator);
        let follower = *state.replicas.iter().find(|&&r| r != coordinator).unwrap();
        cluster.kill_broker(follower).await.unwrap();
        wait_for_isr(&cluster, topic, 1).await;
        let refused = match key_type {
            0 => commit_offset(&addr, "k", 2).await,
            _ => init_producer_id(&addr, "k").await,
        };
        assert_eq!(refused, not_available, "{topic}");
        if key_type == 0 {
            assert_eq!(fetch_offset(&addr, "k").await, 1, "an unreplicated commit");
        }
        cluster.start_broker(follower).await.unwrap();
        wait_for_isr(&cluster, topic, 2).await;
        if key_type == 0 {
            // The follower caught up: the refused commit's record is replicated after all.
            let deadline = Instant::now() + TIMEOUT;
            while fetch_offset(&addr, "k").await != 2 {
                assert!(
                    Instant::now() < deadline,
                    "the replicated commit stays invisible"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        written(addr).await;
    }
    cluster.shutdown().await;
}

/// The high watermark of partition 0 of `topic` as the broker at `addr` answers ListOffsets v7
/// (latest, read_uncommitted), whatever other brokers think.
async fn raw_high_watermark(addr: &str, topic: &str) -> i64 {
    let request = ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_topics(vec![ListOffsetsTopic::default()
            .with_name(TopicName(StrBytes::from_string(topic.to_string())))
            .with_partitions(vec![ListOffsetsPartition::default()
                .with_partition_index(0)
                .with_current_leader_epoch(-1)
                .with_timestamp(-1)])]);
    let mut conn = RawConnection::connect(addr).await;
    let response: ListOffsetsResponse = conn.call(ApiKey::ListOffsets, 7, &request).await;
    let partition = &response.topics[0].partitions[0];
    assert_eq!(partition.error_code, 0, "{partition:?}");
    partition.offset
}

/// Every value of partition 0 of `topic`, read from the beginning through `bootstrap` until
/// `count` are read.
fn read_values(bootstrap: &str, topic: &str, count: usize) -> Vec<String> {
    let c = consumer(bootstrap, &[]);
    let mut assignment = TopicPartitionList::new();
    assignment
        .add_partition_offset(topic, 0, rdkafka::Offset::Beginning)
        .unwrap();
    c.assign(&assignment).unwrap();
    let mut values = Vec::new();
    wait_until(&format!("{count} records are read"), || {
        while let Some(m) = c.poll(Duration::from_millis(100)) {
            let m = m.expect("consume");
            values.push(String::from_utf8(m.payload().unwrap().to_vec()).unwrap());
        }
        values.len() >= count
    });
    values
}

/// The truncation proof (KIP-320): a leader cut off from the other brokers and the quorum still
/// answers clients, and takes acks=1 writes that never replicate (its high watermark stays);
/// the others elect a new leader that takes acks=all writes. Healed, the old leader learns the
/// new leader epoch, truncates its unreplicated tail and fetches the new leader's records: every
/// acks=all record survives, none of the stale tail does, and the replicas are identical.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_isolated_leader_s_unreplicated_tail_is_truncated_when_it_rejoins() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(
        dir.path(),
        3,
        &[
            ("broker.session.timeout.ms", "1500"),
            ("broker.heartbeat.interval.ms", "250"),
            ("replica.lag.time.max.ms", "2000"),
            ("auto.leader.rebalance.enable", "false"),
        ],
    )
    .await;
    let bootstrap = cluster.bootstrap_servers();
    let addrs: Vec<String> = bootstrap.split(',').map(str::to_string).collect();
    create_replicated_topic(&bootstrap, "diverge", 1, &[("min.insync.replicas", "2")]).await;
    let b = bootstrap.clone();
    let old_leader = tokio::task::spawn_blocking(move || {
        produce_acks_all(&b, "diverge", 0, 20, "committed");
        partition_metadata(&b, "diverge", 0).0
    })
    .await
    .unwrap();
    cluster.isolate(old_leader).unwrap();
    let stale_addr = addrs[old_leader as usize].clone();
    let survivors: String = addrs
        .iter()
        .enumerate()
        .filter(|(i, _)| *i as i32 != old_leader)
        .map(|(_, a)| a.clone())
        .collect::<Vec<_>>()
        .join(",");
    let stale = stale_addr.clone();
    tokio::task::spawn_blocking(move || {
        // Clients still reach the isolated leader, which still believes it leads.
        let stale = producer(&stale, &[("acks", "1"), ("enable.idempotence", "false")]);
        for i in 0..10 {
            let value = format!("stale-{i}");
            stale
                .send(
                    BaseRecord::<(), _>::to("diverge")
                        .partition(0)
                        .payload(&value),
                )
                .expect("queued");
        }
        stale
            .flush(TIMEOUT)
            .expect("the isolated leader acknowledges acks=1");
    })
    .await
    .unwrap();
    assert_eq!(
        raw_high_watermark(&stale_addr, "diverge").await,
        20,
        "nothing of the stale tail is committed"
    );
    let s = survivors.clone();
    tokio::task::spawn_blocking(move || {
        wait_until("the others elect a new leader", || {
            let (leader, _, isr) = partition_metadata(&s, "diverge", 0);
            leader >= 0 && leader != old_leader && !isr.contains(&old_leader)
        });
        produce_acks_all(&s, "diverge", 0, 20, "after");
    })
    .await
    .unwrap();
    cluster.heal(Some(old_leader)).unwrap();
    let data_dir = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        wait_until("the old leader rejoins the ISR", || {
            partition_metadata(&survivors, "diverge", 0)
                .2
                .contains(&old_leader)
        });
        wait_until("the old leader holds the new leader's bytes", || {
            let copies: Vec<Vec<u8>> = (0..3)
                .map(|b| segment(&data_dir, b, "diverge", 0))
                .collect();
            copies.iter().all(|c| c == &copies[0])
        });
        let expected: Vec<String> = (0..20)
            .map(|i| format!("committed-{i}"))
            .chain((0..20).map(|i| format!("after-{i}")))
            .collect();
        assert_eq!(read_values(&bootstrap, "diverge", 40), expected);
        assert_eq!(high_watermark(&bootstrap, "diverge", 0), 40);
    })
    .await
    .unwrap();
    cluster.shutdown().await;
}

/// A topic created while the followers' fetches are held by their leaders (nothing new on the
/// partitions they follow) replicates at once: its first acks=all produce does not wait out the
/// held fetches. Here the leaders may hold a fetch for 10 minutes, so a follower that only
/// took up the new partitions at its next fetch would fail the produce's 20 s timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_topic_replicates_without_waiting_out_the_followers_held_fetches() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(
        dir.path(),
        3,
        &[
            ("replica.fetch.wait.max.ms", "600000"),
            ("replica.lag.time.max.ms", "600000"),
        ],
    )
    .await;
    let bootstrap = cluster.bootstrap_servers();
    create_replicated_topic(&bootstrap, "held", 3, &[]).await;
    for partition in 0..3 {
        produce_acks_all(&bootstrap, "held", partition, 1, "held");
    }
    create_replicated_topic(&bootstrap, "fresh", 3, &[]).await;
    let producer = producer(&bootstrap, &[("message.timeout.ms", "20000")]);
    for partition in 0..3 {
        producer
            .send(
                BaseRecord::<(), _>::to("fresh")
                    .partition(partition)
                    .payload("first"),
            )
            .expect("queued");
    }
    producer
        .flush(TIMEOUT)
        .expect("the new topic's records acknowledged with acks=all");
    for partition in 0..3 {
        assert_eq!(high_watermark(&bootstrap, "fresh", partition), 1);
    }
    cluster.shutdown().await;
}
