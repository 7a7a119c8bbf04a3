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
    consume_group_as(bootstrap, "readers", extra)
}

fn consume_group_as(bootstrap: &str, group: &str, extra: &[&str]) -> Vec<String> {
    let home = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("kf")
        .unwrap()
        .env("HOME", home.path())
        .env_remove("KF_BOOTSTRAP")
        .args(["consume", "events", "-G", group, "-e", "-b", bootstrap])
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

fn kf_group(bootstrap: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    let home = tempfile::tempdir().unwrap();
    assert_cmd::Command::cargo_bin("kf")
        .unwrap()
        .env("HOME", home.path())
        .env_remove("KF_BOOTSTRAP")
        .arg("group")
        .args(args)
        .args(["-b", bootstrap])
        .timeout(TIMEOUT)
        .assert()
}

fn json(assert: assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_slice(&assert.success().get_output().stdout).unwrap()
}

/// The reset plan of `events` to the earliest offsets: each partition's committed offset.
fn committed(bootstrap: &str, group: &str) -> Vec<serde_json::Value> {
    let plan = json(kf_group(
        bootstrap,
        &[
            "reset-offsets",
            group,
            "--topic",
            "events",
            "--to-earliest",
            "-o",
            "json",
        ],
    ));
    assert_eq!(plan["executed"], false);
    plan["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["current_offset"].clone())
        .collect()
}

/// `kf group reset-offsets` against the mock, which serves FindCoordinator, OffsetFetch (of
/// named partitions) and OffsetCommit but not DescribeGroups; the rest of `kf group` is
/// checked against kf's own coordinator. The mock refuses admin commits (generation -1) to
/// any group that ever had members, where Kafka accepts them once the group is empty, so the
/// executed resets here go to groups no consumer has joined yet.
#[test]
fn reset_offsets_plans_and_executes() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("events", 2, 1).unwrap();
    let values: Vec<String> = (0..6).map(|i| format!("v{i}")).collect();
    produce(&bootstrap, "events", &values);
    assert_eq!(consume_group(&bootstrap, &["-o", "beginning"]).len(), 6);
    let ends = committed(&bootstrap, "readers");
    let total: i64 = ends.iter().map(|o| o.as_i64().unwrap()).sum();
    assert_eq!(total, 6, "{ends:?}");

    // The plan (text) changes nothing.
    let plan = kf_group(
        &bootstrap,
        &[
            "reset-offsets",
            "readers",
            "--topic",
            "events",
            "--to-earliest",
        ],
    )
    .success()
    .get_output()
    .stdout
    .clone();
    let plan = String::from_utf8(plan).unwrap();
    assert!(plan.contains("NEW-OFFSET"), "{plan}");
    assert!(plan.contains("Add --execute"), "{plan}");
    assert_eq!(committed(&bootstrap, "readers"), ends);
    assert!(consume_group(&bootstrap, &[]).is_empty());

    // One partition, then a shift where there is nothing to shift from.
    let plan = json(kf_group(
        &bootstrap,
        &[
            "reset-offsets",
            "fresh",
            "--topic",
            "events:1",
            "--to-latest",
            "--execute",
            "-o",
            "json",
        ],
    ));
    assert_eq!(plan["executed"], true);
    assert_eq!(plan["partitions"][0]["new_offset"], ends[1]);
    assert_eq!(
        committed(&bootstrap, "fresh"),
        vec![serde_json::Value::Null, ends[1].clone()]
    );
    kf_group(
        &bootstrap,
        &[
            "reset-offsets",
            "fresh",
            "--topic",
            "events",
            "--shift-by",
            "-1",
        ],
    )
    .code(1)
    .stderr(predicates::str::contains("has no committed offset"));

    // Targets beyond the log clamp to its end; a consumer of the group then reads nothing.
    kf_group(
        &bootstrap,
        &[
            "reset-offsets",
            "fresh",
            "--topic",
            "events",
            "--to-offset",
            "100",
            "--execute",
        ],
    )
    .success();
    assert_eq!(committed(&bootstrap, "fresh"), ends);
    assert!(consume_group_as(&bootstrap, "fresh", &["-o", "beginning"]).is_empty());

    // A consumer starts where the reset put it, whatever -o says.
    kf_group(
        &bootstrap,
        &[
            "reset-offsets",
            "again",
            "--topic",
            "events",
            "--to-earliest",
            "--execute",
        ],
    )
    .success();
    assert_eq!(
        consume_group_as(&bootstrap, "again", &["-o", "end"]).len(),
        6
    );

    // Usage errors exit 2; a missing topic or partition is a clear failure.
    kf_group(
        &bootstrap,
        &["reset-offsets", "readers", "--topic", "events"],
    )
    .code(2);
    kf_group(
        &bootstrap,
        &["reset-offsets", "readers", "--topic", "nope", "--to-latest"],
    )
    .code(1)
    .stderr(predicates::str::contains("topic 'nope' does not exist"));
    kf_group(
        &bootstrap,
        &[
            "reset-offsets",
            "readers",
            "--topic",
            "events:9",
            "--to-latest",
        ],
    )
    .code(1)
    .stderr(predicates::str::contains("has no partition 9"));
}
