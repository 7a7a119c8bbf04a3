//! `kf group ...` against a kf cluster's group coordinator, with librdkafka consumers as the
//! group's members: describe and lag while they consume, refusals while they are active,
//! reset plans and `--execute` once they left (the next member starts where the reset put
//! it), offset and group deletion, unknown groups.

use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;
use serde_json::Value;

use super::topic::TestCluster;

const TIMEOUT: Duration = Duration::from_secs(60);

fn member(bootstrap: &str, group: &str) -> BaseConsumer {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("client.id", "lag-checker")
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("session.timeout.ms", "6000")
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    consumer.subscribe(&["orders"]).unwrap();
    consumer
}

/// Polls until `n` records arrived, then commits them.
fn consume(consumer: &BaseConsumer, n: usize) {
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = 0;
    while seen < n {
        assert!(Instant::now() < deadline, "only {seen} of {n} records");
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let m = message.unwrap();
            assert!(m.offset() >= 0);
            seen += 1;
        }
    }
    consumer.commit_consumer_state(CommitMode::Sync).unwrap();
}

fn json(cluster: &TestCluster, args: &[&str]) -> Value {
    let output = cluster
        .kf(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&output).unwrap()
}

fn describe(cluster: &TestCluster) -> Value {
    json(cluster, &["group", "describe", "audit", "-o", "json"])[0].clone()
}

#[test]
fn group_commands_against_librdkafka_members() {
    let cluster = TestCluster::start_with(1, &[("group.initial.rebalance.delay.ms", "0")]);
    let bootstrap = cluster.bootstrap();
    cluster
        .kf(&["topic", "create", "orders", "-p", "2"])
        .assert()
        .success();
    cluster
        .kf(&["produce", "orders", "-k", ":"])
        .write_stdin((0..10).map(|i| format!("k{i}:v{i}\n")).collect::<String>())
        .assert()
        .success();

    let consumer = member(&bootstrap, "audit");
    consume(&consumer, 10);
    let group = describe(&cluster);
    assert_eq!(group["state"], "Stable");
    assert_eq!(group["protocol_type"], "consumer");
    assert_eq!(group["total_lag"], 0);
    let members = group["members"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["client_id"], "lag-checker");
    assert_eq!(members[0]["assignment"].as_array().unwrap().len(), 2);
    let committed: i64 = group["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["current_offset"].as_i64().unwrap())
        .sum();
    assert_eq!(committed, 10);
    let text = cluster
        .kf(&["group", "describe", "audit"])
        .assert()
        .success();
    let text = String::from_utf8(text.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("CURRENT-OFFSET  LOG-END-OFFSET  LAG"),
        "{text}"
    );
    let listed = json(
        &cluster,
        &["group", "list", "--state", "stable", "-o", "json"],
    );
    assert_eq!(listed[0]["group_id"], "audit");

    // An active group refuses resets and deletion, each with one clear line.
    cluster
        .kf(&[
            "group",
            "reset-offsets",
            "audit",
            "--topic",
            "orders",
            "--to-earliest",
            "--execute",
        ])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("it has active members"));
    cluster
        .kf(&["group", "delete", "audit"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("NON_EMPTY_GROUP"));
    drop(consumer);
    let deadline = Instant::now() + TIMEOUT;
    while describe(&cluster)["state"] != "Empty" {
        assert!(Instant::now() < deadline, "the member never left");
        std::thread::sleep(Duration::from_millis(200));
    }

    // The plan changes nothing; --execute does.
    let plan = json(
        &cluster,
        &[
            "group",
            "reset-offsets",
            "audit",
            "--all-topics",
            "--to-earliest",
            "-o",
            "json",
        ],
    );
    assert_eq!(plan["executed"], false);
    assert_eq!(describe(&cluster)["total_lag"], 0);
    cluster
        .kf(&[
            "group",
            "reset-offsets",
            "audit",
            "--topic",
            "orders",
            "--to-earliest",
            "--execute",
        ])
        .assert()
        .success();
    let lag = json(&cluster, &["group", "lag", "audit", "-o", "json"]);
    assert_eq!(lag[0]["total_lag"], 10);
    // The next member starts where the reset put it.
    let consumer = member(&bootstrap, "audit");
    consume(&consumer, 10);
    drop(consumer);

    let deadline = Instant::now() + TIMEOUT;
    while describe(&cluster)["state"] != "Empty" {
        assert!(Instant::now() < deadline, "the member never left");
        std::thread::sleep(Duration::from_millis(200));
    }
    cluster
        .kf(&["group", "delete-offsets", "audit", "--topic", "orders:1"])
        .assert()
        .success();
    let partitions = describe(&cluster)["partitions"].clone();
    assert_eq!(partitions.as_array().unwrap().len(), 1, "{partitions}");
    cluster
        .kf(&["group", "delete", "audit"])
        .assert()
        .success()
        .stdout("Deleted group audit.\n");
    assert_eq!(
        json(&cluster, &["group", "list", "-o", "json"]),
        Value::Array(vec![])
    );

    for command in ["describe", "lag", "delete"] {
        cluster
            .kf(&["group", command, "audit"])
            .assert()
            .code(1)
            .stderr("kf: error: group 'audit' does not exist\n");
    }
}

/// The consumer protocol (KIP-848) end to end: `kf consume -G --group-protocol consumer` reads
/// and commits as a member the coordinator assigns; `kf group list --type` and `describe` show
/// the group's type and assignor, while a librdkafka member of the same protocol holds it.
#[test]
fn consumer_protocol_groups_through_kf_consume_and_kf_group() {
    let cluster = TestCluster::start_with(1, &[("group.consumer.heartbeat.interval.ms", "200")]);
    let bootstrap = cluster.bootstrap();
    cluster
        .kf(&["topic", "create", "orders", "-p", "2"])
        .assert()
        .success();
    cluster
        .kf(&["produce", "orders"])
        .write_stdin((0..10).map(|i| format!("v{i}\n")).collect::<String>())
        .assert()
        .success();
    let read = cluster
        .kf(&[
            "consume",
            "orders",
            "-G",
            "kip",
            "--group-protocol",
            "consumer",
            "-o",
            "beginning",
            "-c",
            "10",
        ])
        .assert()
        .success();
    let mut values: Vec<String> = String::from_utf8(read.get_output().stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    values.sort();
    assert_eq!(values.len(), 10, "{values:?}");

    let listed = json(
        &cluster,
        &["group", "list", "--type", "consumer", "-o", "json"],
    );
    let kip = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "kip" || g["group_id"] == "kip")
        .unwrap_or_else(|| panic!("kip not listed: {listed}"));
    assert_eq!(kip["state"], "Empty");
    let classic = json(
        &cluster,
        &["group", "list", "--type", "classic", "-o", "json"],
    );
    assert!(!classic.to_string().contains("\"kip\""), "{classic}");

    // A librdkafka member holds the group: describe shows the protocol, assignor and owner.
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("group.id", "kip")
        .set("group.protocol", "consumer")
        .set("client.id", "kip-member")
        .set("enable.auto.commit", "false")
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    consumer.subscribe(&["orders"]).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    while consumer.assignment().unwrap().count() < 2 {
        assert!(Instant::now() < deadline, "never assigned");
        consumer.poll(Duration::from_millis(100));
    }
    let group = json(&cluster, &["group", "describe", "kip", "-o", "json"])[0].clone();
    assert_eq!(group["group_type"], "consumer");
    assert_eq!(group["state"], "Stable");
    assert_eq!(group["assignor"], "uniform");
    assert_eq!(group["total_lag"], 0, "kf consume committed all ten");
    let members = group["members"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["client_id"], "kip-member");
    assert_eq!(members[0]["assignment"].as_array().unwrap().len(), 2);
    let text = cluster.kf(&["group", "describe", "kip"]).assert().success();
    let text = String::from_utf8(text.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("consumer") && text.contains("uniform"),
        "{text}"
    );
    // Active members: not deletable.
    cluster.kf(&["group", "delete", "kip"]).assert().failure();
    drop(consumer);
}
