//! kf's consumer (assign mode) against librdkafka's mock cluster, reading what an rdkafka
//! producer wrote; and against kf's cluster where the test needs a broker that answers a held
//! Fetch as soon as records arrive (the mock answers it only after `fetch.max.wait.ms`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use kafka_protocol::error::ResponseError;
use kf::client::consumer::{Consumer, ConsumerRecord, StartOffset};
use kf::client::producer::partitioner::partition_for_key;
use kf::client::{Client, ClientConfig, TopicPartition};
use rdkafka::config::ClientConfig as RdConfig;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _};
use std::time::Duration;

/// Long enough that a poll waiting for a broker's held Fetch cannot finish within the test's
/// bound: such a broker holds it this long when it has nothing to send.
const HELD_FETCH_MS: &str = "600000";

/// Writes `count` keyed records with rdkafka (murmur2 partitioner, given codec); record `i`
/// has key `key-i`, value `value-i` (none for every tenth: a tombstone) and one header.
fn write_with_rdkafka(bootstrap: &str, topic: &str, count: usize, codec: &str) {
    let producer: BaseProducer = RdConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("partitioner", "murmur2_random")
        .set("compression.codec", codec)
        .set("linger.ms", "5")
        .create()
        .unwrap();
    for i in 0..count {
        let key = format!("key-{i}");
        let value = format!("value-{i}");
        let headers = OwnedHeaders::new().insert(Header {
            key: "index",
            value: Some(&i.to_string()),
        });
        let mut record = BaseRecord::to(topic).key(&key).headers(headers);
        if i % 10 != 0 {
            record = record.payload(&value);
        }
        producer.send(record).map_err(|(e, _)| e).unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

async fn consumer(bootstrap: &str, settings: &[(&str, &str)]) -> Consumer {
    let mut config = ClientConfig::new(bootstrap);
    config.set("default.api.timeout.ms", "20000").unwrap();
    config.set("fetch.max.wait.ms", "100").unwrap();
    config.set_all(settings.iter().copied()).unwrap();
    Consumer::new(Client::connect(config).await.unwrap())
}

/// Polls until `done` holds (at most 200 polls); the records read meanwhile.
async fn poll_until(
    consumer: &mut Consumer,
    done: impl Fn(&Consumer, &[ConsumerRecord]) -> bool,
) -> Vec<ConsumerRecord> {
    let mut records = Vec::new();
    for _ in 0..200 {
        if done(consumer, &records) {
            return records;
        }
        records.extend(consumer.poll().await.unwrap());
    }
    panic!("not done after 200 polls; got {} records", records.len());
}

/// Polls until every partition reached its end offset at assignment ("exit at end").
async fn read_to_end(consumer: &mut Consumer) -> Vec<ConsumerRecord> {
    poll_until(consumer, |consumer, _| consumer.reached_end()).await
}

async fn assign_all(consumer: &mut Consumer, topic: &str, start: StartOffset) {
    let partitions = consumer.partitions_of(topic).await.unwrap();
    let assignment: Vec<_> = partitions.into_iter().map(|tp| (tp, start)).collect();
    consumer.assign(&assignment).await.unwrap();
}

async fn reads_what_rdkafka_wrote(codec: &str) {
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("in", 3, 3).unwrap();
    write_with_rdkafka(&bootstrap, "in", 60, codec);

    let mut consumer = consumer(&bootstrap, &[]).await;
    assign_all(&mut consumer, "in", StartOffset::Beginning).await;
    let records = read_to_end(&mut consumer).await;
    assert_eq!(records.len(), 60);
    for record in &records {
        let key = record.key.clone().unwrap();
        let i: usize = std::str::from_utf8(&key).unwrap()["key-".len()..]
            .parse()
            .unwrap();
        assert_eq!(
            record.partition,
            partition_for_key(&key, 3),
            "murmur2 disagrees"
        );
        let expected_value = (i % 10 != 0).then(|| format!("value-{i}").into_bytes());
        assert_eq!(record.value.as_deref(), expected_value.as_deref());
        assert_eq!(
            record.headers,
            vec![("index".to_string(), Some(i.to_string().into()))]
        );
        assert!(!record.is_control);
    }
    for partition in 0..3 {
        let offsets: Vec<i64> = records
            .iter()
            .filter(|r| r.partition == partition)
            .map(|r| r.offset)
            .collect();
        assert_eq!(offsets, (0..offsets.len() as i64).collect::<Vec<_>>());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_uncompressed_records_rdkafka_wrote() {
    reads_what_rdkafka_wrote("none").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_gzip_records_rdkafka_wrote() {
    reads_what_rdkafka_wrote("gzip").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_snappy_records_rdkafka_wrote() {
    reads_what_rdkafka_wrote("snappy").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_lz4_records_rdkafka_wrote() {
    reads_what_rdkafka_wrote("lz4").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_zstd_records_rdkafka_wrote() {
    reads_what_rdkafka_wrote("zstd").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_positions_offset_relative_and_end() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("one", 1, 1).unwrap();
    write_with_rdkafka(&bootstrap, "one", 10, "none");
    let tp = TopicPartition::new("one", 0);
    let cases = [
        (StartOffset::Offset(4), 4..10),
        (StartOffset::Relative(-3), 7..10),
        (StartOffset::Relative(8), 8..10),
        (StartOffset::Relative(-50), 0..10),
        (StartOffset::End, 10..10),
    ];
    for (start, expected) in cases {
        let mut consumer = consumer(&bootstrap, &[]).await;
        consumer.assign(&[(tp.clone(), start)]).await.unwrap();
        let offsets: Vec<i64> = read_to_end(&mut consumer)
            .await
            .iter()
            .map(|r| r.offset)
            .collect();
        assert_eq!(offsets, expected.collect::<Vec<_>>(), "{start:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offset_out_of_range_resets_to_earliest() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("reset", 1, 1).unwrap();
    write_with_rdkafka(&bootstrap, "reset", 5, "none");
    let mut consumer = consumer(&bootstrap, &[("auto.offset.reset", "earliest")]).await;
    let tp = TopicPartition::new("reset", 0);
    consumer
        .assign(&[(tp.clone(), StartOffset::Offset(1_000))])
        .await
        .unwrap();
    let mut records = Vec::new();
    for _ in 0..50 {
        records.extend(consumer.poll().await.unwrap());
        if records.len() >= 5 {
            break;
        }
    }
    let offsets: Vec<i64> = records.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, vec![0, 1, 2, 3, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offset_out_of_range_is_an_error_without_reset() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("strict", 1, 1).unwrap();
    write_with_rdkafka(&bootstrap, "strict", 2, "none");
    let mut consumer = consumer(&bootstrap, &[("auto.offset.reset", "none")]).await;
    consumer
        .assign(&[(TopicPartition::new("strict", 0), StartOffset::Offset(99))])
        .await
        .unwrap();
    let error = consumer.poll().await.unwrap_err();
    assert_eq!(
        error.kafka_error(),
        Some(ResponseError::OffsetOutOfRange),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_fetch_sizes_still_make_progress() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("small", 1, 1).unwrap();
    write_with_rdkafka(&bootstrap, "small", 30, "none");
    let mut consumer = consumer(
        &bootstrap,
        &[
            ("max.partition.fetch.bytes", "64"),
            ("fetch.max.bytes", "64"),
        ],
    )
    .await;
    assign_all(&mut consumer, "small", StartOffset::Beginning).await;
    let records = read_to_end(&mut consumer).await;
    assert_eq!(records.len(), 30);
}

/// librdkafka's mock cluster keeps no fetch sessions (it answers a full fetch with session id
/// 0): kf's consumer keeps fetching from it in full, and reads every record, those written
/// after it caught up and a seeked partition's again included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_that_keeps_no_fetch_session_gets_full_fetches() {
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("sessionless", 3, 1).unwrap();
    write_with_rdkafka(&bootstrap, "sessionless", 30, "none");
    // Small fetches: many rounds, each moving some positions.
    let mut consumer = consumer(&bootstrap, &[("max.partition.fetch.bytes", "200")]).await;
    assign_all(&mut consumer, "sessionless", StartOffset::Beginning).await;
    let first = read_to_end(&mut consumer).await;
    assert_eq!(first.len(), 30);

    write_with_rdkafka(&bootstrap, "sessionless", 30, "none");
    let second = poll_until(&mut consumer, |_, records| records.len() >= 30).await;
    assert_eq!(second.len(), 30, "the records written after catching up");

    let tp = TopicPartition::new("sessionless", 0);
    let end = consumer.partitions()[&tp].position;
    consumer.seek(&tp, 0).unwrap();
    let again = poll_until(&mut consumer, |consumer, _| {
        consumer.partitions()[&tp].position >= end
    })
    .await;
    let offsets: Vec<i64> = again.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, (0..end).collect::<Vec<_>>(), "partition 0 again");

    let sessions = consumer.fetch_sessions();
    assert!(!sessions.is_empty());
    for (broker, id, epoch) in sessions {
        assert_eq!(
            (id, epoch),
            (0, 0),
            "broker {broker}: no session, full fetches"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_from_one_broker_do_not_wait_for_the_idle_brokers() {
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("skewed", 3, 1).unwrap();
    for (partition, broker) in [(0, 1), (1, 2), (2, 3)] {
        cluster
            .partition_leader("skewed", partition, Some(broker))
            .unwrap();
    }
    common::produce_acks_all(&bootstrap, "skewed", 0, 20, "only");
    // Brokers 2 and 3 have nothing: the mock holds their Fetch for fetch.max.wait.ms.
    let mut consumer = consumer(&bootstrap, &[("fetch.max.wait.ms", HELD_FETCH_MS)]).await;
    assign_all(&mut consumer, "skewed", StartOffset::Beginning).await;
    let records = tokio::time::timeout(common::TIMEOUT, read_to_end(&mut consumer))
        .await
        .expect("a poll waited for the idle brokers' held fetches");
    let offsets: Vec<i64> = records.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, (0..20).collect::<Vec<_>>());
    assert!(records.iter().all(|r| r.partition == 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_to_a_position_moved_while_in_flight_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = common::start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    common::create_topic(&bootstrap, "moved", 3).await;
    let mut consumer = consumer(&bootstrap, &[("fetch.max.wait.ms", HELD_FETCH_MS)]).await;
    let partitions = consumer.partitions_of("moved").await.unwrap();
    // Two partitions with different leaders: one with records, one whose leader holds its Fetch.
    let client = Client::connect(ClientConfig::new(&bootstrap))
        .await
        .unwrap();
    let mut leaders = Vec::new();
    for tp in &partitions {
        leaders.push(client.leader_id(&tp.topic, tp.partition).await.unwrap());
    }
    let busy = partitions[0].clone();
    let idle = partitions
        .iter()
        .zip(&leaders)
        .find(|(_, leader)| **leader != leaders[0])
        .map(|(tp, _)| tp.clone())
        .expect("partitions on two brokers");
    common::produce_acks_all(&bootstrap, "moved", busy.partition, 10, "busy");
    consumer
        .assign(&[
            (busy.clone(), StartOffset::Beginning),
            (idle.clone(), StartOffset::Beginning),
        ])
        .await
        .unwrap();
    let first = tokio::time::timeout(common::TIMEOUT, consumer.poll())
        .await
        .expect("the busy partition's records waited for the idle one's held fetch")
        .unwrap();
    assert_eq!(first.len(), 10);

    // The idle partition's Fetch (offset 0) is held at its leader. Move the position, then
    // write: the leader answers the held Fetch with offsets 0..5, which the consumer must drop.
    consumer.seek(&idle, 3).unwrap();
    common::produce_acks_all(&bootstrap, "moved", idle.partition, 5, "idle");
    let read = async {
        let mut got = Vec::new();
        while got.len() < 2 {
            got.extend(consumer.poll().await.unwrap());
        }
        got
    };
    let records = tokio::time::timeout(common::TIMEOUT, read)
        .await
        .expect("the idle partition's records arrive");
    let offsets: Vec<(i32, i64)> = records.iter().map(|r| (r.partition, r.offset)).collect();
    assert_eq!(offsets, vec![(idle.partition, 3), (idle.partition, 4)]);
}
