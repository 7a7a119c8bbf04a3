//! Shared by the integration tests: an in-process kf cluster on free ports in a temporary
//! directory, and librdkafka clients pointed at it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod raw;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use kf::cluster::{Cluster, ClusterConfig};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::BaseConsumer;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _};

/// Bounds every wait in the tests: generous, as the box may be a loaded 2-core machine.
pub const TIMEOUT: Duration = Duration::from_secs(60);

pub fn cluster_config(
    data_dir: &Path,
    brokers: usize,
    properties: &[(&str, &str)],
) -> ClusterConfig {
    ClusterConfig {
        brokers,
        base_port: 0,
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        data_dir: data_dir.to_path_buf(),
        racks: Vec::new(),
        broker_properties: properties
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

pub async fn start_cluster(
    data_dir: &Path,
    brokers: usize,
    properties: &[(&str, &str)],
) -> Cluster {
    Cluster::start(cluster_config(data_dir, brokers, properties))
        .await
        .expect("cluster starts")
}

fn client_config(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("socket.timeout.ms", "30000")
        .set("message.timeout.ms", "60000")
        .set("broker.address.family", "v4");
    config
}

pub fn producer(bootstrap: &str, extra: &[(&str, &str)]) -> BaseProducer {
    let mut config = client_config(bootstrap);
    config.set("linger.ms", "5").set("acks", "all");
    for (k, v) in extra {
        config.set(*k, *v);
    }
    config.create().expect("producer")
}

pub fn consumer(bootstrap: &str, extra: &[(&str, &str)]) -> BaseConsumer {
    let mut config = client_config(bootstrap);
    // librdkafka's assign() needs a group id even when the group is never joined.
    config
        .set("group.id", "kf-tests")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false");
    for (k, v) in extra {
        config.set(*k, *v);
    }
    config.create().expect("consumer")
}

pub fn admin(bootstrap: &str) -> AdminClient<DefaultClientContext> {
    client_config(bootstrap).create().expect("admin client")
}

pub fn admin_options() -> AdminOptions {
    AdminOptions::new().request_timeout(Some(TIMEOUT))
}

/// Creates a topic through librdkafka's admin API and checks it succeeded.
pub async fn create_topic(bootstrap: &str, name: &str, partitions: i32) {
    let admin = admin(bootstrap);
    let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
    let results = admin
        .create_topics([&topic], &admin_options())
        .await
        .expect("CreateTopics answered");
    for result in results {
        result.expect("topic created");
    }
}

/// Writes `count` records to one partition with an idempotent acks=all rdkafka producer, values
/// `{tag}-{i}`, and waits until every one is acknowledged.
pub fn produce_acks_all(bootstrap: &str, topic: &str, partition: i32, count: usize, tag: &str) {
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
