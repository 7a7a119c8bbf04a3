//! `kf pipe` exactly once: killed with SIGKILL three times in the middle of its input and
//! started again, it leaves each input record's output exactly once for read_committed
//! readers (librdkafka's), the group's committed offset at the end of the input.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig as RdConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::topic::TestCluster;

const TIMEOUT: Duration = Duration::from_secs(90);
const RECORDS: usize = 200;

fn start_pipe(cluster: &TestCluster) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("kf"))
        .args([
            "pipe",
            "in",
            "out",
            "--group",
            "piper",
            "--transactional-id",
            "piper-1",
        ])
        // Slow enough to be killed mid-stream: about 20 ms a record.
        .args([
            "--exec",
            "while read -r line; do echo \"out-$line\"; sleep 0.02; done",
        ])
        // Small fetches: several transactions per run, so kills fall between commits too.
        .args([
            "-X",
            "max.partition.fetch.bytes=200",
            "-X",
            "fetch.max.bytes=200",
        ])
        // A killed member leaves the group soon, so the next one is assigned soon.
        .args([
            "-X",
            "session.timeout.ms=6000",
            "-X",
            "heartbeat.interval.ms=500",
        ])
        .args(["-b", &cluster.bootstrap()])
        .env("HOME", cluster.home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Every value in `topic` as `isolation` reads it: until `want` values (when given), else
/// until no record came for two seconds.
fn read_all(bootstrap: &str, topic: &str, isolation: &str, want: Option<usize>) -> Vec<String> {
    let consumer: BaseConsumer = RdConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "pipe-checker")
        .set("isolation.level", isolation)
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    for p in 0..3 {
        assignment
            .add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let mut last_seen = Instant::now();
    let mut seen = Vec::new();
    loop {
        let done = match want {
            Some(n) => seen.len() >= n,
            None => last_seen.elapsed() > Duration::from_secs(2),
        };
        if done || Instant::now() > deadline {
            return seen;
        }
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let message = message.unwrap();
            let value = message.payload().unwrap_or_default();
            seen.push(String::from_utf8_lossy(value).into_owned());
            last_seen = Instant::now();
        }
    }
}

#[test]
fn pipe_killed_three_times_writes_each_output_exactly_once() {
    let cluster = TestCluster::start_with(3, &[("group.initial.rebalance.delay.ms", "0")]);
    let bootstrap = cluster.bootstrap();
    for topic in ["in", "out"] {
        cluster
            .kf(&["topic", "create", topic, "-p", "3"])
            .assert()
            .success();
    }
    let input: String = (0..RECORDS).map(|i| format!("k{i}:r{i}\n")).collect();
    cluster
        .kf(&[
            "produce",
            "in",
            "-k",
            ":",
            "-X",
            "batch.size=64",
            "-X",
            "linger.ms=0",
        ])
        .write_stdin(input)
        .assert()
        .success();

    for kill in 1..=3 {
        // Killed once it has written more than before it started (committed or not).
        let before = read_all(&bootstrap, "out", "read_uncommitted", None).len();
        let wanted = before + 10 * kill;
        let mut pipe = start_pipe(&cluster);
        let written = read_all(&bootstrap, "out", "read_uncommitted", Some(wanted));
        assert!(
            written.len() >= wanted,
            "kill {kill}: only {} written",
            written.len()
        );
        pipe.kill().unwrap();
        pipe.wait().unwrap();
    }
    let mut pipe = start_pipe(&cluster);
    let committed = read_all(&bootstrap, "out", "read_committed", Some(RECORDS));
    pipe.kill().unwrap();
    pipe.wait().unwrap();

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for value in &committed {
        *counts.entry(value.clone()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> =
        (0..RECORDS).map(|i| (format!("out-r{i}"), 1)).collect();
    assert_eq!(counts, expected);
    // Nothing more arrives later: each output once, not just once so far.
    let again = read_all(&bootstrap, "out", "read_committed", None);
    assert_eq!(again.len(), RECORDS);
}

/// A missing output topic is created on use, as `kf produce` creates one; a client that asks
/// for no auto-creation gets one clear line instead.
#[test]
fn a_missing_output_topic_is_created_on_use_unless_the_client_forbids_it() {
    let cluster = TestCluster::start(1);
    cluster
        .kf(&["topic", "create", "source", "-p", "1"])
        .assert()
        .success();
    cluster
        .kf(&[
            "pipe",
            "source",
            "forbidden",
            "--group",
            "g",
            "--transactional-id",
            "t-forbidden",
            "-X",
            "allow.auto.create.topics=false",
        ])
        .assert()
        .failure()
        .code(1)
        .stderr(predicates::str::contains(
            "topic 'forbidden' does not exist",
        ));

    let mut pipe = Command::new(assert_cmd::cargo::cargo_bin("kf"))
        .args([
            "pipe",
            "source",
            "made",
            "--group",
            "g",
            "--transactional-id",
            "t-made",
        ])
        .args(["-b", &cluster.bootstrap()])
        .env("HOME", cluster.home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let created = loop {
        let listed = cluster.kf(&["topic", "list"]).output().unwrap();
        if String::from_utf8_lossy(&listed.stdout).contains("made") {
            break true;
        }
        if Instant::now() > deadline || pipe.try_wait().unwrap().is_some() {
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = pipe.kill();
    let _ = pipe.wait();
    assert!(created, "kf pipe did not create its output topic");
}
