//! Topic administration through librdkafka's admin API: create with configs, describe configs,
//! grow partitions, delete records, delete topics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use rdkafka::admin::{ConfigSource, NewPartitions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::consumer::Consumer;
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_configs_are_described_with_their_sources() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[("log.retention.hours", "24")]).await;
    let bootstrap = cluster.bootstrap_servers();
    let admin = admin(&bootstrap);
    let topic = NewTopic::new("configured", 2, TopicReplication::Fixed(1))
        .set("cleanup.policy", "delete")
        .set("segment.bytes", "2097152");
    for result in admin
        .create_topics([&topic], &admin_options())
        .await
        .unwrap()
    {
        result.unwrap();
    }
    let described = admin
        .describe_configs([&ResourceSpecifier::Topic("configured")], &admin_options())
        .await
        .unwrap();
    let resource = described.into_iter().next().unwrap().unwrap();
    let entries = resource.entry_map();
    let segment = entries["segment.bytes"];
    assert_eq!(segment.value.as_deref(), Some("2097152"));
    assert_eq!(segment.source, ConfigSource::DynamicTopic);
    let retention = entries["retention.ms"];
    assert_eq!(retention.value.as_deref(), Some("86400000"));
    assert_eq!(retention.source, ConfigSource::StaticBroker);
    let compression = entries["compression.type"];
    assert_eq!(compression.value.as_deref(), Some("producer"));
    assert_eq!(compression.source, ConfigSource::Default);

    let bad =
        NewTopic::new("bad-config", 1, TopicReplication::Fixed(1)).set("retention.ms", "soon");
    let result = admin.create_topics([&bad], &admin_options()).await.unwrap();
    let (name, code) = result.into_iter().next().unwrap().unwrap_err();
    assert_eq!(
        (name.as_str(), code),
        ("bad-config", RDKafkaErrorCode::InvalidConfig)
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_grow_records_are_deleted_and_topics_go() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "shrinking", 2).await;
    let admin = admin(&bootstrap);

    let grow = NewPartitions::new("shrinking", 5);
    for result in admin
        .create_partitions([&grow], &admin_options())
        .await
        .unwrap()
    {
        result.unwrap();
    }
    let shrink = NewPartitions::new("shrinking", 3);
    let refused = admin
        .create_partitions([&shrink], &admin_options())
        .await
        .unwrap();
    assert_eq!(
        refused.into_iter().next().unwrap().unwrap_err().1,
        RDKafkaErrorCode::InvalidPartitions
    );

    let producer_bootstrap = bootstrap.clone();
    tokio::task::spawn_blocking(move || {
        let producer = producer(&producer_bootstrap, &[]);
        for i in 0..100 {
            let value = format!("r{i}");
            producer
                .send(
                    BaseRecord::<(), _>::to("shrinking")
                        .partition(4)
                        .payload(&value),
                )
                .map_err(|(e, _)| e)
                .unwrap();
        }
        producer.flush(TIMEOUT).unwrap();
    })
    .await
    .unwrap();

    let mut before = TopicPartitionList::new();
    before
        .add_partition_offset("shrinking", 4, Offset::Offset(60))
        .unwrap();
    let deleted = admin
        .delete_records(&before, &admin_options())
        .await
        .unwrap();
    let partition = deleted.find_partition("shrinking", 4).unwrap();
    assert_eq!(partition.offset(), Offset::Offset(60));
    let watermarks_bootstrap = bootstrap.clone();
    let (low, high) = tokio::task::spawn_blocking(move || {
        consumer(&watermarks_bootstrap, &[])
            .fetch_watermarks("shrinking", 4, TIMEOUT)
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!((low, high), (60, 100));

    for result in admin
        .delete_topics(&["shrinking"], &admin_options())
        .await
        .unwrap()
    {
        result.unwrap();
    }
    let gone = admin
        .delete_topics(&["shrinking"], &admin_options())
        .await
        .unwrap();
    assert_eq!(
        gone.into_iter().next().unwrap().unwrap_err().1,
        RDKafkaErrorCode::UnknownTopicOrPartition
    );
    // The deleted topic's logs leave every broker's disk.
    let deadline = std::time::Instant::now() + TIMEOUT;
    while std::fs::read_dir(dir.path().join("broker-1"))
        .unwrap()
        .any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("shrinking-")
        })
    {
        assert!(
            std::time::Instant::now() < deadline,
            "logs of a deleted topic remain"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cluster.shutdown().await;
}
