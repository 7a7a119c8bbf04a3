//! kf's client admin operations against librdkafka's mock cluster, a broker kf did not write.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kf::client::admin::{Admin, NewTopic, OffsetSpec};
use kf::client::producer::{Producer, ProducerRecord};
use kf::client::{Client, ClientConfig, ClientError, IsolationLevel, TopicPartition};
use rdkafka::mocking::MockCluster;
use std::time::{Duration, Instant};

async fn client_for(
    cluster: &MockCluster<'static, rdkafka::producer::DefaultProducerContext>,
) -> Client {
    let mut config = ClientConfig::new(&cluster.bootstrap_servers());
    config.set("default.api.timeout.ms", "20000").unwrap();
    Client::connect(config).await.unwrap()
}

#[tokio::test]
async fn bootstrap_fails_clearly_when_no_server_answers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut config = ClientConfig::new(&addr.to_string());
    config.set("default.api.timeout.ms", "30000").unwrap();
    let started = Instant::now();
    let error = Client::connect(config).await.unwrap_err();
    // Nothing listens: waiting cannot help, so the answer comes before any retry.
    assert!(
        matches!(error, ClientError::ConnectionRefused { .. }),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(error.to_string().contains(&addr.to_string()));
}

#[tokio::test]
async fn list_and_describe_topics() {
    let cluster = MockCluster::new(3).unwrap();
    cluster.create_topic("orders", 4, 3).unwrap();
    cluster.create_topic("audit", 1, 1).unwrap();
    let admin = Admin::new(client_for(&cluster).await);

    let names = admin.list_topics(false).await.unwrap();
    assert!(names.contains(&"orders".to_string()), "{names:?}");
    assert!(names.contains(&"audit".to_string()), "{names:?}");

    let described = admin
        .describe_topics(&["orders".to_string()])
        .await
        .unwrap();
    assert_eq!(described.len(), 1);
    let orders = &described[0];
    assert_eq!(orders.partitions.len(), 4);
    for (index, partition) in orders.partitions.iter().enumerate() {
        assert_eq!(partition.partition, index as i32);
        assert_eq!(partition.replicas.len(), 3);
        assert!(partition.replicas.contains(&partition.leader_id));
        assert!(!partition.isr.is_empty());
    }
}

#[tokio::test]
async fn describe_cluster_falls_back_to_metadata() {
    let cluster = MockCluster::new(3).unwrap();
    let admin = Admin::new(client_for(&cluster).await);
    let description = admin.describe_cluster().await.unwrap();
    let mut ids: Vec<i32> = description.brokers.iter().map(|b| b.node_id).collect();
    ids.sort();
    assert_eq!(ids, vec![1, 2, 3]);
    // The mock reports controller id 0, which is none of its brokers; nothing to check there.
    assert!(description.cluster_id.is_some());
}

/// The mock broker implements neither CreateTopics nor DescribeQuorum: kf must say so
/// plainly instead of hanging or sending a request the broker cannot parse.
#[tokio::test]
async fn apis_the_mock_lacks_are_reported_as_unsupported() {
    let cluster = MockCluster::new(1).unwrap();
    let admin = Admin::new(client_for(&cluster).await);
    let create = admin
        .create_topics(&[NewTopic::new("fresh", 3, 1)], false)
        .await
        .unwrap_err();
    assert!(
        matches!(create, ClientError::UnsupportedApi { .. }),
        "{create}"
    );
    let quorum = admin.describe_quorum().await.unwrap_err();
    assert!(
        matches!(quorum, ClientError::UnsupportedApi { .. }),
        "{quorum}"
    );
}

#[tokio::test]
/// The mock answers only earliest/latest; lookups by timestamp are not implemented there.
async fn list_offsets_earliest_and_latest() {
    let cluster = MockCluster::new(3).unwrap();
    cluster.create_topic("events", 2, 3).unwrap();
    let client = client_for(&cluster).await;
    let producer = Producer::new(client.clone()).await.unwrap();
    let mut deliveries = Vec::new();
    for i in 0..10i64 {
        let record = ProducerRecord::new("events", format!("v{i}"))
            .with_partition(1)
            .with_timestamp(1_000 + i * 10);
        deliveries.push(producer.send(record).await.unwrap());
    }
    for delivery in deliveries {
        delivery.await.unwrap();
    }
    let admin = Admin::new(client);
    let tp = TopicPartition::new("events", 1);
    let empty = TopicPartition::new("events", 0);
    let offsets = admin
        .list_offsets(
            &[
                (tp.clone(), OffsetSpec::Earliest),
                (empty.clone(), OffsetSpec::Latest),
            ],
            IsolationLevel::ReadUncommitted,
        )
        .await
        .unwrap();
    assert_eq!(offsets[&tp].offset, 0);
    assert_eq!(offsets[&empty].offset, 0);
    let latest = admin
        .list_offsets(
            &[(tp.clone(), OffsetSpec::Latest)],
            IsolationLevel::ReadUncommitted,
        )
        .await
        .unwrap();
    assert_eq!(latest[&tp].offset, 10);
}
