//! `kf produce` and `kf consume` with librdkafka on the other side: what kf writes,
//! librdkafka reads byte for byte (keys, values, headers, and the partition librdkafka's
//! `murmur2_random` picks for the same key); what librdkafka writes, kf prints correctly in
//! every output format.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::*;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

/// One record as librdkafka saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    partition: i32,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Every record of `topic` (all `partitions`), read from the beginning by librdkafka.
fn librdkafka_reads(bootstrap: &str, topic: &str, partitions: i32, count: usize) -> Vec<Seen> {
    let consumer: BaseConsumer = consumer(bootstrap, &[]);
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = Vec::new();
    while seen.len() < count {
        assert!(
            Instant::now() < deadline,
            "only {} of {count} read",
            seen.len()
        );
        let Some(message) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        let message = message.unwrap();
        let headers = message
            .headers()
            .map(|hs| {
                hs.iter()
                    .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                    .collect()
            })
            .unwrap_or_default();
        seen.push(Seen {
            partition: message.partition(),
            key: message.key().map(<[u8]>::to_vec),
            value: message.payload().map(<[u8]>::to_vec),
            headers,
        });
    }
    seen
}

fn kf_binary(args: &[&str], stdin: Vec<u8>) -> Vec<u8> {
    let home = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("kf")
        .unwrap()
        .env("HOME", home.path())
        .env_remove("KF_BOOTSTRAP")
        .args(args)
        .write_stdin(stdin)
        .timeout(TIMEOUT)
        .assert()
        .success()
        .get_output()
        .clone();
    output.stdout
}

/// Runs `kf` off the runtime's worker threads, which the in-process cluster needs.
async fn kf(args: Vec<String>, stdin: Vec<u8>) -> Vec<u8> {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        kf_binary(&args, stdin)
    })
    .await
    .unwrap()
}

fn binary_value(i: usize) -> Vec<u8> {
    // Newlines, NULs and bytes that are not UTF-8: only base64 input carries them.
    (0..(i % 7 + 1) * 3)
        .map(|j| ((i * 31 + j * 17) % 256) as u8)
        .chain([b'\n', 0, 0xff])
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_kf_produces_librdkafka_reads_byte_identically() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "from-kf", 6).await;
    create_topic(&bootstrap, "from-librdkafka", 6).await;

    let count = 60;
    let mut input = Vec::new();
    let mut expected = Vec::new();
    for i in 0..count {
        let key = format!("key-{}", i % 20).into_bytes();
        let value = binary_value(i);
        input.extend_from_slice(
            format!(
                "{}|n={i},empty|{}\n",
                STANDARD.encode(&key),
                STANDARD.encode(&value)
            )
            .as_bytes(),
        );
        expected.push((key, value));
    }
    let args = [
        "produce",
        "from-kf",
        "-b",
        &bootstrap,
        "-f",
        "%k|%h|%s",
        "--key-encoding",
        "base64",
        "--value-encoding",
        "base64",
        "-H",
        "via=kf",
    ];
    kf(args.iter().map(|s| s.to_string()).collect(), input).await;

    // The same keys through librdkafka with the Java client's partitioner.
    let producer = producer(&bootstrap, &[("partitioner", "murmur2_random")]);
    for (key, value) in &expected {
        producer
            .send(BaseRecord::to("from-librdkafka").key(key).payload(value))
            .unwrap();
    }
    producer.flush(TIMEOUT).unwrap();

    let bootstrap_for_read = bootstrap.clone();
    let (from_kf, reference) = tokio::task::spawn_blocking(move || {
        (
            librdkafka_reads(&bootstrap_for_read, "from-kf", 6, count),
            librdkafka_reads(&bootstrap_for_read, "from-librdkafka", 6, count),
        )
    })
    .await
    .unwrap();

    let partition_by_key: BTreeMap<Vec<u8>, i32> = reference
        .iter()
        .map(|s| (s.key.clone().unwrap(), s.partition))
        .collect();
    let mut by_value: BTreeMap<Vec<u8>, Seen> = BTreeMap::new();
    for seen in from_kf {
        by_value.insert(seen.value.clone().unwrap(), seen);
    }
    assert_eq!(by_value.len(), count);
    for (i, (key, value)) in expected.iter().enumerate() {
        let seen = &by_value[value];
        assert_eq!(seen.key.as_ref(), Some(key));
        assert_eq!(seen.partition, partition_by_key[key], "key {key:?}");
        assert_eq!(
            seen.headers,
            vec![
                ("via".to_string(), Some(b"kf".to_vec())),
                ("n".to_string(), Some(i.to_string().into_bytes())),
                ("empty".to_string(), None),
            ]
        );
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_librdkafka_produces_kf_prints_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "to-kf", 1).await;

    let producer = producer(&bootstrap, &[]);
    let binary: &[u8] = &[0, 1, 0xff, b'\n'];
    producer
        .send(
            BaseRecord::to("to-kf")
                .key("k1")
                .payload("hello")
                .timestamp(1_714_564_800_000)
                .headers(
                    OwnedHeaders::new()
                        .insert(Header {
                            key: "h",
                            value: Some("v"),
                        })
                        .insert(Header {
                            key: "none",
                            value: None::<&str>,
                        }),
                ),
        )
        .unwrap();
    producer
        .send(
            BaseRecord::<(), [u8]>::to("to-kf")
                .payload(binary)
                .timestamp(1_714_564_800_001),
        )
        .unwrap();
    producer
        .send(
            BaseRecord::<str, ()>::to("to-kf")
                .key("k3")
                .timestamp(1_714_564_800_002),
        )
        .unwrap();
    producer.flush(TIMEOUT).unwrap();

    let consume = |extra: &[&str]| {
        let mut args: Vec<String> = ["consume", "to-kf", "-o", "beginning", "-e", "-b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(bootstrap.clone());
        args.extend(extra.iter().map(|s| s.to_string()));
        kf(args, Vec::new())
    };

    let mut expected_default = b"hello\n".to_vec();
    expected_default.extend_from_slice(binary);
    expected_default.extend_from_slice(b"\n\n");
    assert_eq!(consume(&[]).await, expected_default);

    assert_eq!(
        String::from_utf8(consume(&["--value-encoding", "hex"]).await).unwrap(),
        "68656c6c6f\n0001ff0a\n\n"
    );
    assert_eq!(
        String::from_utf8(consume(&["--value-encoding", "base64"]).await).unwrap(),
        "aGVsbG8=\nAAH/Cg==\n\n"
    );
    assert_eq!(
        String::from_utf8(
            consume(&[
                "-f",
                "%o %k(%K) %S [%h] %T %d\\n",
                "--value-encoding",
                "hex"
            ])
            .await
        )
        .unwrap(),
        "0 k1(2) 5 [h=v,none] 1714564800000 2024-05-01T12:00:00.000Z\n\
         1 (-1) 4 [] 1714564800001 2024-05-01T12:00:00.001Z\n\
         2 k3(2) -1 [] 1714564800002 2024-05-01T12:00:00.002Z\n"
    );

    let json = String::from_utf8(consume(&["-J", "--value-encoding", "base64"]).await).unwrap();
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines[0],
        serde_json::json!({
            "topic": "to-kf", "partition": 0, "offset": 0, "tstype": "create",
            "ts": 1_714_564_800_000_i64, "headers": ["h", "v", "none", null],
            "key": "k1", "payload": "aGVsbG8="
        })
    );
    assert_eq!(lines[1]["key"], serde_json::Value::Null);
    assert_eq!(lines[1]["payload"], "AAH/Cg==");
    assert_eq!(lines[2]["key"], "k3");
    assert_eq!(lines[2]["payload"], serde_json::Value::Null);
    cluster.shutdown().await;
}
