//! `kf consume -G` against librdkafka's mock cluster (which has a group coordinator): with
//! `-e` kf exits once its assigned partitions are read (kcat's long-standing bug is to hang),
//! and what it printed is committed, so the next run of the group prints only what is new.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

const TIMEOUT: Duration = Duration::from_secs(60);

fn produce(bootstrap: &str, topic: &str, values: &[String]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .unwrap();
    for (i, value) in values.iter().enumerate() {
        let key = format!("k{i}");
        producer
            .send(BaseRecord::to(topic).key(&key).payload(value))
            .unwrap();
    }
    producer.flush(TIMEOUT).unwrap();
}

fn consume_group(bootstrap: &str, extra: &[&str]) -> Vec<String> {
    let home = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("kf")
        .unwrap()
        .env("HOME", home.path())
        .env_remove("KF_BOOTSTRAP")
        .args(["consume", "events", "-G", "readers", "-e", "-b", bootstrap])
        .args([
            "-X",
            "heartbeat.interval.ms=100",
            "-X",
            "fetch.max.wait.ms=100",
        ])
        // The mock coordinator waits out the session of a member that left before it
        // completes the next join; keep that wait short.
        .args(["-X", "session.timeout.ms=6000"])
        .args(extra)
        .timeout(TIMEOUT)
        .assert()
        .success()
        .get_output()
        .clone();
    let mut lines: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[test]
fn group_mode_with_exit_at_end_exits_and_commits_what_it_printed() {
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("events", 3, 1).unwrap();
    let first: Vec<String> = (0..9).map(|i| format!("first-{i}")).collect();
    produce(&bootstrap, "events", &first);

    let mut expected = first.clone();
    expected.sort();
    assert_eq!(consume_group(&bootstrap, &["-o", "beginning"]), expected);

    // Committed: the group starts where it stopped, even though -o says beginning.
    assert!(consume_group(&bootstrap, &["-o", "beginning"]).is_empty());
    let second: Vec<String> = (0..3).map(|i| format!("second-{i}")).collect();
    produce(&bootstrap, "events", &second);
    assert_eq!(consume_group(&bootstrap, &["-o", "beginning"]), second);
}

#[test]
fn group_mode_with_a_count_commits_only_the_printed_records() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("events", 1, 1).unwrap();
    let values: Vec<String> = (0..6).map(|i| format!("v{i}")).collect();
    produce(&bootstrap, "events", &values);

    assert_eq!(
        consume_group(&bootstrap, &["-o", "beginning", "-c", "2"]),
        vec!["v0", "v1"]
    );
    assert_eq!(
        consume_group(&bootstrap, &["-o", "beginning"]),
        vec!["v2", "v3", "v4", "v5"]
    );
}

#[test]
fn group_mode_on_an_empty_topic_exits_at_once() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("events", 2, 1).unwrap();
    assert!(consume_group(&bootstrap, &[]).is_empty());
}
