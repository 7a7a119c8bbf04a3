//! A kf cluster under a laptop's open-file limit (issue 13): the real binary started under
//! `ulimit -n`, driven by librdkafka, so descriptors are bounded by what is in use and not by
//! the number of partitions, and running out of them takes partitions offline instead of the
//! cluster.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::producer::{
    BaseRecord, DefaultProducerContext, FutureProducer, FutureRecord, Producer, ThreadedProducer,
};
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};
use rdkafka::{Message, Offset, TopicPartitionList};
use serde_json::Value;

use super::kf;

/// Starts `kf cluster up --detach` under `ulimit -n <limit>` (soft and hard, so kf cannot raise
/// it) and returns its bootstrap servers.
fn up_under_limit(home: &Path, data: &Path, brokers: usize, limit: u64, extra: &[&str]) -> String {
    let exe = assert_cmd::cargo::cargo_bin("kf");
    let mut command = format!(
        "ulimit -n {limit} && exec '{}' cluster up -n {brokers} -p 0 --detach --data-dir '{}'",
        exe.display(),
        data.display()
    );
    for arg in extra {
        command.push_str(&format!(" '{arg}'"));
    }
    let output = std::process::Command::new("sh")
        .args(["-c", &command])
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    status(home, data)["bootstrap_servers"]
        .as_str()
        .unwrap()
        .to_string()
}

fn status(home: &Path, data: &Path) -> Value {
    let output = kf(home)
        .args(["cluster", "status", "-o", "json", "--data-dir"])
        .arg(data)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn down(home: &Path, data: &Path) {
    kf(home)
        .args(["cluster", "down", "--data-dir"])
        .arg(data)
        .assert()
        .success();
}

fn producer(bootstrap: &str, extra: &[(&str, &str)]) -> ThreadedProducer<DefaultProducerContext> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "5");
    for (k, v) in extra {
        config.set(*k, *v);
    }
    config.create().unwrap()
}

/// Produces one record `<tag>-<p>` to every partition and waits until all are acknowledged.
/// Idempotent: on a loaded box a request can time out and be retried, and a plain producer's
/// retry may write the record twice, which the exact reads below would count as another's.
fn produce_to_every_partition(bootstrap: &str, topic: &str, partitions: i32, tag: &str) {
    let producer = producer(bootstrap, &[("enable.idempotence", "true")]);
    for p in 0..partitions {
        let value = format!("{tag}-{p}");
        producer
            .send(
                BaseRecord::<(), _>::to(topic)
                    .partition(p)
                    .payload(value.as_bytes()),
            )
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(Duration::from_secs(300)).unwrap();
    assert_eq!(producer.in_flight_count(), 0);
}

/// Reads every partition from the beginning: partition -> its values, in offset order.
fn consume_every_partition(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    expected: usize,
) -> BTreeMap<i32, Vec<String>> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "unused")
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
    let mut seen: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut count = 0;
    let deadline = Instant::now() + Duration::from_secs(300);
    while count < expected {
        assert!(
            Instant::now() < deadline,
            "only {count} of {expected} consumed"
        );
        let Some(message) = consumer.poll(Duration::from_millis(500)) else {
            continue;
        };
        let message = message.unwrap();
        let value = String::from_utf8(message.payload().unwrap().to_vec()).unwrap();
        seen.entry(message.partition()).or_default().push(value);
        count += 1;
    }
    seen
}

#[test]
fn two_thousand_partitions_under_ulimit_256_survive_produce_consume_and_a_restart() {
    const PARTITIONS: i32 = 2_000;
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("cluster");
    let bootstrap = up_under_limit(home.path(), &data, 3, 256, &[]);
    kf(home.path())
        .args(["topic", "create", "wide", "-p", "2000", "-b", &bootstrap])
        .assert()
        .success();
    produce_to_every_partition(&bootstrap, "wide", PARTITIONS, "first");
    let read = consume_every_partition(&bootstrap, "wide", PARTITIONS, PARTITIONS as usize);
    assert_eq!(read.len(), PARTITIONS as usize);
    let files = &status(home.path(), &data)["open_files"];
    assert_eq!(files["limit"], 256, "{files}");
    assert!(files["in_use"].as_u64().unwrap() < 256, "{files}");
    assert!(
        files["log_files_open"].as_u64().unwrap() <= files["log_files_max"].as_u64().unwrap(),
        "{files}"
    );
    down(home.path(), &data);
    assert!(data.join("broker-0").join(".kafka_cleanshutdown").exists());

    // The same data directory starts again under the same limit and serves every partition.
    let bootstrap = up_under_limit(home.path(), &data, 3, 256, &[]);
    produce_to_every_partition(&bootstrap, "wide", PARTITIONS, "second");
    let read = consume_every_partition(&bootstrap, "wide", PARTITIONS, 2 * PARTITIONS as usize);
    for p in 0..PARTITIONS {
        assert_eq!(
            read[&p],
            vec![format!("first-{p}"), format!("second-{p}")],
            "partition {p}"
        );
    }
    assert!(status(home.path(), &data)["offline_partitions"]
        .as_array()
        .unwrap()
        .is_empty());
    down(home.path(), &data);
}

/// The descriptors numbered below `limit` the process with `pid` has open (Linux): it can
/// open no more once it has `limit` of them. One it inherited above the limit (cargo's
/// jobserver pipe) does not count.
fn descriptors_below(pid: u64, limit: usize) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter(|entry| {
            let name = entry.as_ref().unwrap().file_name();
            name.to_str().unwrap().parse::<usize>().unwrap() < limit
        })
        .count()
}

#[cfg(target_os = "linux")]
#[test]
fn running_out_of_descriptors_takes_partitions_offline_not_the_cluster() {
    const LIMIT: usize = 64;
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("cluster");
    // Offline partitions stay offline for this test's looks (kf tries them again after this).
    let bootstrap = up_under_limit(
        home.path(),
        &data,
        1,
        LIMIT as u64,
        &["-c", "log.offline.retry.ms=600000"],
    );
    let pid = status(home.path(), &data)["pid"].as_u64().unwrap();
    kf(home.path())
        .args(["topic", "create", "t", "-p", "8", "-b", &bootstrap])
        .assert()
        .success();
    // Partitions 0-3 are written (their segments open); 4-7 are not opened yet.
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("retries", "0")
        .set("linger.ms", "0")
        .create()
        .unwrap();
    let deliver = |p: i32, value: &str| {
        let record = FutureRecord::<(), _>::to("t").partition(p).payload(value);
        futures::executor::block_on(producer.send(record, Duration::from_secs(30)))
            .map(|_| ())
            .map_err(|(e, _)| e)
    };
    for p in 0..4 {
        deliver(p, "before").unwrap();
    }

    // Take every descriptor the cluster has left with idle connections.
    let address = bootstrap.split(',').next().unwrap().to_string();
    let mut hogs = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while descriptors_below(pid, LIMIT) < LIMIT {
        assert!(Instant::now() < deadline, "the cluster never ran out");
        hogs.push(std::net::TcpStream::connect(&address).unwrap());
        std::thread::sleep(Duration::from_millis(5));
    }

    // Open partitions keep serving; the others answer KAFKA_STORAGE_ERROR.
    for p in 0..4 {
        deliver(p, "during").unwrap();
    }
    for p in 4..8 {
        match deliver(p, "during") {
            Err(KafkaError::MessageProduction(RDKafkaErrorCode::KafkaStorageError)) => {}
            other => panic!("partition {p}: {other:?}"),
        }
    }
    // The broker reports them to the controller, which moves their leadership away once the
    // metadata log can be written again: clients see them offline with the storage error in
    // Metadata, while the others serve.
    drop(hogs);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let metadata = producer
            .client()
            .fetch_metadata(Some("t"), Duration::from_secs(10))
            .unwrap();
        let partitions = metadata.topics()[0].partitions();
        let errors: Vec<_> = partitions
            .iter()
            .map(|p| (p.id(), p.error(), p.leader()))
            .collect();
        let storage_error = Some(RDKafkaRespErr::RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR);
        let offline = |p: &rdkafka::metadata::MetadataPartition| {
            p.error() == storage_error && p.leader() == -1
        };
        if partitions.iter().all(|p| (p.id() >= 4) == offline(p)) {
            assert!(partitions
                .iter()
                .all(|p| p.id() >= 4 || p.error().is_none()));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "metadata never showed them offline: {errors:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let offline = status(home.path(), &data)["offline_partitions"].clone();
    let offline = offline.as_array().unwrap();
    assert_eq!(offline.len(), 4, "{offline:?}");
    assert!(
        offline[0]["reason"]
            .as_str()
            .unwrap()
            .contains("Too many open files"),
        "{offline:?}"
    );
    assert_eq!(status(home.path(), &data)["offline_partitions_count"], 4);
    // `kf topic describe` names the reason; the others still serve.
    let described = kf(home.path())
        .args(["topic", "describe", "t", "-o", "json", "-b", &bootstrap])
        .output()
        .unwrap();
    assert!(described.status.success());
    let described: Value = serde_json::from_slice(&described.stdout).unwrap();
    for p in described[0]["partitions"].as_array().unwrap() {
        let id = p["partition"].as_i64().unwrap();
        if id >= 4 {
            assert_eq!(p["offline_replicas"], serde_json::json!([0]), "{p}");
            assert!(
                p["reason"]
                    .as_str()
                    .unwrap()
                    .starts_with("KAFKA_STORAGE_ERROR"),
                "{p}"
            );
        } else {
            assert!(p.get("reason").is_none(), "{p}");
        }
    }
    let text = kf(home.path())
        .args(["topic", "describe", "t", "-b", &bootstrap])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("REASON") && text.contains("KAFKA_STORAGE_ERROR"),
        "{text}"
    );
    for p in 0..4 {
        deliver(p, "offline elsewhere").unwrap();
    }
    drop(producer);
    down(home.path(), &data);

    // With the limit raised the same data directory starts cleanly and every partition serves.
    let bootstrap = up_under_limit(home.path(), &data, 1, 1024, &[]);
    produce_to_every_partition(&bootstrap, "t", 8, "after");
    let read = consume_every_partition(&bootstrap, "t", 8, 20);
    for p in 0..4 {
        assert_eq!(
            read[&p],
            [
                "before",
                "during",
                "offline elsewhere",
                &format!("after-{p}")
            ]
        );
    }
    for p in 4..8 {
        assert_eq!(read[&p], [format!("after-{p}")]);
    }
    assert!(status(home.path(), &data)["offline_partitions"]
        .as_array()
        .unwrap()
        .is_empty());
    down(home.path(), &data);
}
