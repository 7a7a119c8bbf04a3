//! kf's producer against librdkafka's mock cluster; an rdkafka consumer reads what it wrote.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use kf::client::producer::partitioner::partition_for_key;
use kf::client::producer::{Producer, ProducerRecord};
use kf::client::{Client, ClientConfig};
use rdkafka::config::ClientConfig as RdConfig;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::message::{Headers, Message};
use rdkafka::mocking::MockCluster;
use rdkafka::{Offset, TopicPartitionList};
use std::time::{Duration, Instant};

/// (partition, offset, key, value, headers) as an rdkafka consumer sees them.
type Seen = (
    i32,
    i64,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Vec<(String, Option<Vec<u8>>)>,
);

fn read_with_rdkafka(bootstrap: &str, topic: &str, partitions: i32, expected: usize) -> Vec<Seen> {
    let consumer: BaseConsumer = RdConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "kf-test-reader")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    for p in 0..partitions {
        assignment
            .add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while seen.len() < expected && Instant::now() < deadline {
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let message = message.unwrap();
            let headers = message
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                        .collect()
                })
                .unwrap_or_default();
            seen.push((
                message.partition(),
                message.offset(),
                message.key().map(<[u8]>::to_vec),
                message.payload().map(<[u8]>::to_vec),
                headers,
            ));
        }
    }
    seen
}

async fn producer(bootstrap: &str, settings: &[(&str, &str)]) -> Producer {
    let mut config = ClientConfig::new(bootstrap);
    config.set("default.api.timeout.ms", "20000").unwrap();
    config.set_all(settings.iter().copied()).unwrap();
    Producer::new(Client::connect(config).await.unwrap())
        .await
        .unwrap()
}

/// Produces 40 keyed records with headers and checks an rdkafka consumer reads them back
/// byte for byte, on the partition Java's murmur2 partitioner picks.
async fn round_trip(settings: &[(&str, &str)], expect_idempotent: bool) {
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("t", 5, 3).unwrap();
    let producer = producer(&bootstrap, settings).await;
    assert_eq!(producer.identity().is_idempotent(), expect_idempotent);
    let mut deliveries = Vec::new();
    for i in 0..40 {
        let record = ProducerRecord::new("t", Bytes::from(vec![i as u8; 100 + i]))
            .with_key(format!("key-{i}"))
            .with_header("h1", Some(Bytes::from(format!("hv{i}"))))
            .with_header("empty", None);
        deliveries.push(producer.send(record).await.unwrap());
    }
    producer.flush().await.unwrap();
    for (i, delivery) in deliveries.into_iter().enumerate() {
        let metadata = delivery.await.unwrap();
        assert_eq!(
            metadata.partition,
            partition_for_key(format!("key-{i}").as_bytes(), 5)
        );
    }
    producer.close().await.unwrap();

    let seen = read_with_rdkafka(&bootstrap, "t", 5, 40);
    assert_eq!(seen.len(), 40);
    for (partition, _, key, value, headers) in &seen {
        let key = key.clone().unwrap();
        let i: usize = String::from_utf8(key.clone()).unwrap()["key-".len()..]
            .parse()
            .unwrap();
        assert_eq!(*partition, partition_for_key(&key, 5));
        assert_eq!(value.clone().unwrap(), vec![i as u8; 100 + i]);
        assert_eq!(
            headers,
            &vec![
                ("h1".to_string(), Some(format!("hv{i}").into_bytes())),
                ("empty".to_string(), None)
            ]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_uncompressed_round_trip() {
    round_trip(&[], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_round_trip() {
    round_trip(&[("compression.type", "gzip")], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snappy_round_trip() {
    round_trip(&[("compression.type", "snappy")], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lz4_round_trip() {
    round_trip(&[("compression.type", "lz4")], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zstd_round_trip() {
    round_trip(&[("compression.type", "zstd")], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_idempotent_acks_1_round_trip() {
    round_trip(&[("enable.idempotence", "false"), ("acks", "1")], false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_0_records_arrive_without_offsets() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("fire", 1, 1).unwrap();
    let producer = producer(&bootstrap, &[("acks", "0")]).await;
    assert!(!producer.identity().is_idempotent());
    let delivery = producer
        .send(ProducerRecord::new("fire", "and forget").with_key("k"))
        .await
        .unwrap();
    producer.flush().await.unwrap();
    assert_eq!(delivery.await.unwrap().offset, -1);
    let seen = read_with_rdkafka(&bootstrap, "fire", 1, 1);
    assert_eq!(seen[0].3.as_deref(), Some(&b"and forget"[..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_keep_their_order_within_a_partition() {
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("ordered", 3, 3).unwrap();
    let producer = producer(&bootstrap, &[("batch.size", "1000"), ("linger.ms", "1")]).await;
    let mut deliveries = Vec::new();
    for i in 0..2_000u32 {
        let record = ProducerRecord::new("ordered", i.to_be_bytes().to_vec()).with_partition(2);
        deliveries.push(producer.send(record).await.unwrap());
    }
    for (i, delivery) in deliveries.into_iter().enumerate() {
        let metadata = delivery.await.unwrap();
        assert_eq!((metadata.partition, metadata.offset), (2, i as i64));
    }
    let seen = read_with_rdkafka(&bootstrap, "ordered", 3, 2_000);
    let values: Vec<u32> = seen
        .iter()
        .map(|s| u32::from_be_bytes(s.3.clone().unwrap().try_into().unwrap()))
        .collect();
    assert_eq!(values, (0..2_000).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_keys_stick_to_one_partition_per_batch() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("sticky", 4, 1).unwrap();
    let producer = producer(&bootstrap, &[("batch.size", "100000")]).await;
    let mut partitions = Vec::new();
    for _ in 0..10 {
        let delivery = producer
            .send(ProducerRecord::new("sticky", "x"))
            .await
            .unwrap();
        partitions.push(delivery);
    }
    producer.flush().await.unwrap();
    let mut used = Vec::new();
    for delivery in partitions {
        used.push(delivery.await.unwrap().partition);
    }
    used.dedup();
    assert_eq!(used.len(), 1, "{used:?}");
}
