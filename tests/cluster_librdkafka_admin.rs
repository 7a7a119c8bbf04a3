//! Topic administration through librdkafka's admin API: create with configs, describe configs,
//! replace them (AlterConfigs), grow partitions, delete records, delete topics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use rdkafka::admin::{
    AlterConfig, ConfigSource, NewPartitions, NewTopic, ResourceSpecifier, TopicReplication,
};
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseRecord, FutureProducer, FutureRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Message, Offset, TopicPartitionList};

/// Creates `topic` through librdkafka's admin API and checks it succeeded.
async fn create_topics(
    admin: &rdkafka::admin::AdminClient<rdkafka::client::DefaultClientContext>,
    topic: &NewTopic<'_>,
) {
    for result in admin
        .create_topics([topic], &admin_options())
        .await
        .unwrap()
    {
        result.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_configs_are_described_with_their_sources() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[("log.retention.hours", "24")]).await;
    let bootstrap = cluster.bootstrap_servers();
    let admin = admin(&bootstrap);
    let topic = NewTopic::new("configured", 2, TopicReplication::Fixed(1))
        .set("cleanup.policy", "delete")
        .set("segment.bytes", "2097152");
    create_topics(&admin, &topic).await;
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

/// librdkafka's `AlterConfigs` is Kafka's legacy, non-incremental one (key 33): the overrides
/// given replace all of the topic's overrides, those left out go back to their defaults;
/// validate-only changes nothing, nor does a bad value. (The rdkafka crate reports every
/// resource of an AlterConfigs as done, whatever its error code: the refusals themselves are
/// checked on the wire, in `wire_protocol.rs`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alter_configs_replaces_a_topics_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    let admin = admin(&bootstrap);
    let topic = NewTopic::new("replaced", 1, TopicReplication::Fixed(1))
        .set("cleanup.policy", "compact")
        .set("segment.bytes", "2097152");
    create_topics(&admin, &topic).await;
    let overrides = || async {
        let described = admin
            .describe_configs([&ResourceSpecifier::Topic("replaced")], &admin_options())
            .await
            .unwrap();
        let resource = described.into_iter().next().unwrap().unwrap();
        let mut dynamic: Vec<(String, String)> = resource
            .entries
            .iter()
            .filter(|e| e.source == ConfigSource::DynamicTopic)
            .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
            .collect();
        dynamic.sort();
        let policy = resource.get("cleanup.policy").unwrap().value.clone();
        (dynamic, policy)
    };
    let alter = |options: rdkafka::admin::AdminOptions, retention: &'static str| {
        let admin = &admin;
        async move {
            let change = AlterConfig::new(ResourceSpecifier::Topic("replaced"))
                .set("retention.ms", retention)
                .set("segment.bytes", "2097152");
            admin.alter_configs([&change], &options).await.unwrap()
        }
    };

    let checked = alter(admin_options().validate_only(true), "3600000").await;
    assert!(checked[0].is_ok(), "{checked:?}");
    assert_eq!(
        overrides().await.0,
        [
            ("cleanup.policy".to_string(), "compact".to_string()),
            ("segment.bytes".to_string(), "2097152".to_string())
        ]
    );

    let replaced = alter(admin_options(), "3600000").await;
    assert!(replaced[0].is_ok(), "{replaced:?}");
    let (dynamic, policy) = overrides().await;
    assert_eq!(
        dynamic,
        [
            ("retention.ms".to_string(), "3600000".to_string()),
            ("segment.bytes".to_string(), "2097152".to_string())
        ]
    );
    assert_eq!(policy.as_deref(), Some("delete"));

    alter(admin_options(), "an hour").await;
    assert_eq!(overrides().await, (dynamic, policy));
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
    assert_eq!(partition.error(), Ok(()), "DeleteRecords of shrinking-4");
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

/// Copies every `<topic>-<partition>` directory of every broker aside.
fn copy_partition_dirs(data_dir: &std::path::Path, topic: &str, to: &std::path::Path) -> usize {
    let mut copied = 0;
    for broker in std::fs::read_dir(data_dir).unwrap() {
        let broker = broker.unwrap().path();
        if !broker.is_dir() {
            continue;
        }
        let broker_name = broker.file_name().unwrap().to_owned();
        for partition in std::fs::read_dir(&broker).unwrap() {
            let partition = partition.unwrap().path();
            let name = partition.file_name().unwrap().to_string_lossy().to_string();
            if !name.starts_with(&format!("{topic}-")) {
                continue;
            }
            let target = to.join(&broker_name).join(&name);
            std::fs::create_dir_all(&target).unwrap();
            for file in std::fs::read_dir(&partition).unwrap() {
                let file = file.unwrap().path();
                std::fs::copy(&file, target.join(file.file_name().unwrap())).unwrap();
            }
            copied += 1;
        }
    }
    copied
}

fn partition_dirs_of(data_dir: &std::path::Path, topic: &str) -> Vec<String> {
    let mut found = Vec::new();
    for broker in std::fs::read_dir(data_dir).unwrap() {
        let broker = broker.unwrap().path();
        if !broker.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&broker).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            if name.starts_with(&format!("{topic}-")) {
                found.push(name);
            }
        }
    }
    found
}

/// Issue #14: a topic deleted just before a crash (the deletion committed, no broker had yet
/// removed its logs) must not come back. Its logs are put back on disk as the crash left them;
/// the next start deletes them, and the topic created again under the same name serves nothing
/// of the old one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_topic_never_comes_back_after_a_crash() {
    const PARTITIONS: i32 = 300;
    const RECORDS: usize = 30_000;
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "reborn", PARTITIONS).await;
    let producer_bootstrap = bootstrap.clone();
    tokio::task::spawn_blocking(move || {
        let producer = producer(&producer_bootstrap, &[("linger.ms", "5")]);
        for i in 0..RECORDS {
            let value = format!("old-{i}");
            let partition = (i % PARTITIONS as usize) as i32;
            let record = BaseRecord::<(), _>::to("reborn")
                .partition(partition)
                .payload(&value);
            producer.send(record).map_err(|(e, _)| e).unwrap();
            producer.poll(Duration::ZERO);
        }
        producer.flush(TIMEOUT).unwrap();
    })
    .await
    .unwrap();
    // What the disk holds when the crash comes.
    let crash_image = tempfile::tempdir().unwrap();
    let copied = copy_partition_dirs(dir.path(), "reborn", crash_image.path());
    assert_eq!(copied, PARTITIONS as usize);

    let admin = admin(&bootstrap);
    for result in admin
        .delete_topics(&["reborn"], &admin_options())
        .await
        .unwrap()
    {
        result.unwrap();
    }
    // The brokers finish the deletion; the crash then puts the old logs back.
    let deadline = std::time::Instant::now() + TIMEOUT;
    while !partition_dirs_of(dir.path(), "reborn").is_empty() {
        assert!(std::time::Instant::now() < deadline, "logs not deleted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cluster.shutdown().await;
    for broker in std::fs::read_dir(crash_image.path()).unwrap() {
        let broker = broker.unwrap().path();
        let target = dir.path().join(broker.file_name().unwrap());
        for partition in std::fs::read_dir(&broker).unwrap() {
            let partition = partition.unwrap().path();
            let restored = target.join(partition.file_name().unwrap());
            std::fs::create_dir_all(&restored).unwrap();
            for file in std::fs::read_dir(&partition).unwrap() {
                let file = file.unwrap().path();
                std::fs::copy(&file, restored.join(file.file_name().unwrap())).unwrap();
            }
        }
    }

    let cluster = start_cluster(dir.path(), 3, &[]).await;
    // The stray sweep runs after ready (it reads every partition directory's topic id).
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let left = partition_dirs_of(dir.path(), "reborn");
        if left.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the deleted topic's logs are still there after the start: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "reborn", PARTITIONS).await;
    let consumer_bootstrap = bootstrap.clone();
    tokio::task::spawn_blocking(move || {
        let consumer = consumer(&consumer_bootstrap, &[]);
        for partition in 0..PARTITIONS {
            let watermarks = consumer
                .fetch_watermarks("reborn", partition, TIMEOUT)
                .unwrap();
            assert_eq!(
                watermarks,
                (0, 0),
                "partition {partition} holds old records"
            );
        }
        let producer = producer(&consumer_bootstrap, &[]);
        producer
            .send(
                BaseRecord::<(), _>::to("reborn")
                    .partition(7)
                    .payload("new"),
            )
            .map_err(|(e, _)| e)
            .unwrap();
        producer.flush(TIMEOUT).unwrap();
        let mut assignment = TopicPartitionList::new();
        assignment
            .add_partition_offset("reborn", 7, Offset::Beginning)
            .unwrap();
        consumer.assign(&assignment).unwrap();
        let deadline = std::time::Instant::now() + TIMEOUT;
        loop {
            assert!(std::time::Instant::now() < deadline, "no record consumed");
            let Some(message) = consumer.poll(Duration::from_millis(200)) else {
                continue;
            };
            let message = message.unwrap();
            assert_eq!(
                (message.offset(), message.payload()),
                (0, Some(&b"new"[..]))
            );
            break;
        }
    })
    .await
    .unwrap();
    assert_eq!(
        partition_dirs_of(dir.path(), "reborn").len(),
        PARTITIONS as usize
    );
    cluster.shutdown().await;
}

/// A small tmpfs the test mounts (as root), unmounted on drop.
struct SmallFilesystem(tempfile::TempDir);

impl SmallFilesystem {
    fn mount(bytes: usize) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Self(dir))
    }
}

impl Drop for SmallFilesystem {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

/// Issue #14: on a full disk a produce is refused with KAFKA_STORAGE_ERROR and metadata changes
/// stall (they fail with a timeout) without stopping the quorum for good: once space is freed,
/// topics are created, the partition whose write failed takes writes again (holding nothing of
/// the refused one), all with no restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_and_all_recovers_without_a_restart() {
    let Some(fs) = SmallFilesystem::mount(32 * 1024 * 1024) else {
        eprintln!("skipped: mounting a tmpfs is not permitted here (the test needs root)");
        return;
    };
    let data_dir = fs.0.path().join("data");
    let cluster = start_cluster(&data_dir, 1, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "before", 1).await;
    let filler = fs.0.path().join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let chunk = vec![7u8; 64 * 1024];
    while std::io::Write::write_all(&mut file, &chunk).is_ok() {}
    drop(file);

    // A data write that cannot be stored is refused with KAFKA_STORAGE_ERROR, never
    // acknowledged; one record acknowledged before the disk filled stays readable after.
    let full_producer: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("broker.address.family", "v4")
        .set("acks", "all")
        .set("enable.idempotence", "false")
        .set("retries", "0")
        .set("message.timeout.ms", "20000")
        .create()
        .unwrap();
    let big = vec![b'x'; 512 * 1024];
    let refused = full_producer
        .send(
            FutureRecord::<(), _>::to("before")
                .partition(0)
                .payload(&big),
            Duration::from_secs(20),
        )
        .await;
    match refused {
        Err((KafkaError::MessageProduction(RDKafkaErrorCode::KafkaStorageError), _)) => {}
        other => panic!("a write to a full disk answered {other:?}"),
    }

    let admin = admin(&bootstrap);
    let short = rdkafka::admin::AdminOptions::new()
        .request_timeout(Some(Duration::from_secs(3)))
        .operation_timeout(Some(Duration::from_secs(2)));
    let topic = NewTopic::new("while-full", 1, TopicReplication::Fixed(1));
    let refused = admin.create_topics([&topic], &short).await;
    let created = refused.is_ok_and(|results| results.iter().all(Result::is_ok));
    assert!(!created, "a topic created on a full disk");

    std::fs::remove_file(&filler).unwrap();
    let deadline = std::time::Instant::now() + TIMEOUT;
    let topic = NewTopic::new("after", 2, TopicReplication::Fixed(1));
    loop {
        let results = admin.create_topics([&topic], &short).await;
        if results.is_ok_and(|r| r.iter().all(Result::is_ok)) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the quorum never came back after space was freed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let producer_bootstrap = bootstrap.clone();
    tokio::task::spawn_blocking(move || {
        let producer = producer(&producer_bootstrap, &[]);
        producer
            .send(
                BaseRecord::<(), _>::to("after")
                    .partition(1)
                    .payload("back"),
            )
            .map_err(|(e, _)| e)
            .unwrap();
        producer.flush(TIMEOUT).unwrap();
        let (low, high) = consumer(&producer_bootstrap, &[])
            .fetch_watermarks("after", 1, TIMEOUT)
            .unwrap();
        assert_eq!((low, high), (0, 1));
    })
    .await
    .unwrap();
    // The partition whose write failed takes writes again, and holds nothing of the refused one.
    let deadline = std::time::Instant::now() + TIMEOUT;
    while full_producer
        .send(
            FutureRecord::<(), _>::to("before")
                .partition(0)
                .payload("again"),
            Duration::from_secs(20),
        )
        .await
        .is_err()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the partition never took writes again after space was freed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let watermarks_bootstrap = bootstrap.clone();
    let watermarks = tokio::task::spawn_blocking(move || {
        consumer(&watermarks_bootstrap, &[])
            .fetch_watermarks("before", 0, TIMEOUT)
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(watermarks, (0, 1));
    cluster.shutdown().await;
}
