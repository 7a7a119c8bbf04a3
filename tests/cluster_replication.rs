//! Replication (issue #7) through librdkafka: RF=3 topics, acks=all, identical replicas, the
//! high watermark and the ISR seen through Metadata and ListOffsets, a follower leaving the ISR
//! when stopped and rejoining after it catches up.

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

use common::{admin, admin_options, consumer, producer, start_cluster, TIMEOUT};

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

fn produce_acks_all(bootstrap: &str, topic: &str, partition: i32, count: usize, tag: &str) {
    let producer = producer(bootstrap, &[("enable.idempotence", "true")]);
    for i in 0..count {
        let value = format!("{tag}-{i}");
        producer
            .send(
                BaseRecord::<(), _>::to(topic)
                    .partition(partition)
                    .payload(&value),
            )
            .expect("queued");
    }
    producer
        .flush(TIMEOUT)
        .expect("every record acknowledged with acks=all");
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
