//! `kf produce` against an in-process kf cluster; records are read back with kf's client.
//! Also home of [`TestCluster`], which `consume.rs` shares.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use bytes::Bytes;
use kf::client::admin::{Admin, NewTopic};
use kf::client::consumer::{Consumer, ConsumerRecord, StartOffset};
use kf::client::{Client, ClientConfig};
use kf::cluster::{Cluster, ClusterConfig};
use predicates::prelude::*;

use super::kf;

/// A one-broker kf cluster on a free port, with its own runtime and home directory.
pub struct TestCluster {
    pub runtime: tokio::runtime::Runtime,
    cluster: Option<Cluster>,
    pub home: tempfile::TempDir,
    pub bootstrap: String,
}

impl TestCluster {
    pub fn start() -> TestCluster {
        let home = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let cluster = runtime
            .block_on(Cluster::start(ClusterConfig {
                brokers: 1,
                base_port: 0,
                bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
                data_dir: home.path().join("cluster"),
                racks: Vec::new(),
                broker_properties: BTreeMap::new(),
            }))
            .unwrap();
        TestCluster {
            bootstrap: cluster.bootstrap_servers(),
            runtime,
            cluster: Some(cluster),
            home,
        }
    }

    fn client(&self) -> Client {
        let mut config = ClientConfig::new(&self.bootstrap);
        config.set("fetch.max.wait.ms", "50").unwrap();
        self.runtime.block_on(Client::connect(config)).unwrap()
    }

    pub fn create_topic(&self, name: &str, partitions: i32) {
        let admin = Admin::new(self.client());
        let results = self
            .runtime
            .block_on(admin.create_topics(&[NewTopic::new(name, partitions, 1)], false))
            .unwrap();
        for (_, result) in results {
            result.unwrap();
        }
    }

    /// `kf ARGS... -b <this cluster>`.
    pub fn kf(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = kf(self.home.path());
        cmd.args(args).args(["-b", &self.bootstrap]);
        cmd
    }

    /// Every record of `topic`, partition by partition.
    pub fn read_all(&self, topic: &str) -> Vec<ConsumerRecord> {
        let client = self.client();
        self.runtime.block_on(async {
            let mut consumer = Consumer::new(client);
            let partitions = consumer.partitions_of(topic).await.unwrap();
            let assignment: Vec<_> = partitions
                .into_iter()
                .map(|tp| (tp, StartOffset::Beginning))
                .collect();
            consumer.assign(&assignment).await.unwrap();
            let mut records = Vec::new();
            while !consumer.reached_end() {
                records.extend(consumer.poll().await.unwrap());
            }
            records.sort_by_key(|r| (r.partition, r.offset));
            records
        })
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if let Some(cluster) = self.cluster.take() {
            self.runtime.block_on(cluster.shutdown());
        }
    }
}

fn text(bytes: &Option<Bytes>) -> Option<&str> {
    bytes.as_deref().map(|b| std::str::from_utf8(b).unwrap())
}

#[test]
fn lines_become_records_with_keys_headers_and_tombstones() {
    let cluster = TestCluster::start();
    cluster.create_topic("lines", 1);
    cluster
        .kf(&[
            "produce",
            "lines",
            "-k",
            ":",
            "-Z",
            "-H",
            "source=cli",
            "-H",
            "flag",
        ])
        .write_stdin("user-1:hello\nuser-2:\njust a value\n")
        .assert()
        .success()
        .stdout("")
        .stderr("");
    let records = cluster.read_all("lines");
    let seen: Vec<_> = records
        .iter()
        .map(|r| (text(&r.key), text(&r.value)))
        .collect();
    assert_eq!(
        seen,
        vec![
            (Some("user-1"), Some("hello")),
            (Some("user-2"), None),
            (None, Some("just a value")),
        ]
    );
    assert_eq!(
        records[0].headers,
        vec![
            ("source".to_string(), Some(Bytes::from_static(b"cli"))),
            ("flag".to_string(), None),
        ]
    );
}

#[test]
fn a_file_with_a_custom_delimiter_goes_to_one_partition() {
    let cluster = TestCluster::start();
    cluster.create_topic("files", 3);
    let input = cluster.home.path().join("input.txt");
    std::fs::write(&input, "x;y;;z").unwrap();
    let input = input.to_str().unwrap();
    cluster
        .kf(&[
            "produce", "files", "-D", ";", "-p", "2", "-z", "zstd", "--acks", "1", "--file", input,
        ])
        .assert()
        .success();
    let records = cluster.read_all("files");
    assert!(records.iter().all(|r| r.partition == 2));
    let values: Vec<_> = records.iter().map(|r| text(&r.value).unwrap()).collect();
    assert_eq!(values, vec!["x", "y", "", "z"]);
}

#[test]
fn an_input_format_reads_keys_partitions_timestamps_and_hex_values() {
    let cluster = TestCluster::start();
    cluster.create_topic("formatted", 2);
    cluster
        .kf(&[
            "produce",
            "formatted",
            "-f",
            "%k|%p|%T|%h|%s",
            "--value-encoding",
            "hex",
        ])
        .write_stdin("k1|1|1000|a=1|00ff\nk2|0|2000||6b66\n")
        .assert()
        .success();
    let records = cluster.read_all("formatted");
    assert_eq!(records.len(), 2);
    assert_eq!((records[0].partition, records[0].timestamp), (0, 2000));
    assert_eq!(records[0].value.as_deref(), Some(&b"kf"[..]));
    assert!(records[0].headers.is_empty());
    assert_eq!((records[1].partition, records[1].timestamp), (1, 1000));
    assert_eq!(records[1].value.as_deref(), Some(&[0u8, 255][..]));
    assert_eq!(text(&records[1].key), Some("k1"));
    assert_eq!(
        records[1].headers,
        vec![("a".to_string(), Some(Bytes::from_static(b"1")))]
    );
}

#[test]
fn failed_records_are_named_and_the_rest_delivered() {
    let cluster = TestCluster::start();
    cluster.create_topic("partial", 2);
    cluster
        .kf(&["produce", "partial", "-f", "%p:%s"])
        .write_stdin("0:good\nno colon\n7:bad partition\n1:also good\n")
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains(
            "kf: record 2 failed: does not match the format",
        ))
        .stderr(predicate::str::contains(
            "kf: record 3 failed: topic 'partial' has no partition 7",
        ))
        .stderr(predicate::str::contains(
            "kf: error: 2 of 4 record(s) failed",
        ));
    let values: Vec<_> = cluster
        .read_all("partial")
        .iter()
        .map(|r| text(&r.value).unwrap().to_string())
        .collect();
    assert_eq!(values, vec!["good", "also good"]);
}

#[test]
fn a_missing_topic_fails_at_once() {
    let cluster = TestCluster::start();
    cluster
        .kf(&["produce", "nowhere", "-X", "allow.auto.create.topics=false"])
        .write_stdin("x\n")
        .timeout(Duration::from_secs(20))
        .assert()
        .failure()
        .code(1)
        .stderr("kf: error: topic 'nowhere' does not exist\n");
}

#[test]
fn a_missing_input_file_is_one_clear_line() {
    let cluster = TestCluster::start();
    cluster.create_topic("t", 1);
    let output = cluster
        .kf(&["produce", "t", "--file", "/nonexistent/input.txt"])
        .assert()
        .failure()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("kf: error: cannot open /nonexistent/input.txt"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn bad_flags_are_usage_errors() {
    let home = tempfile::tempdir().unwrap();
    let usage = |args: &[&str], says: &str| {
        kf(home.path())
            .args(args)
            .args(["-b", "127.0.0.1:1"])
            .write_stdin("")
            .assert()
            .failure()
            .code(2)
            .stderr(predicate::str::contains(says));
    };
    usage(
        &["produce", "t", "-f", "%o %s"],
        "%o cannot be read from input",
    );
    usage(
        &["produce", "t", "-f", "%k%s"],
        "need literal text between them",
    );
    usage(
        &["produce", "t", "-f", "%k:%s", "-k", ":"],
        "cannot be used with",
    );
    usage(&["produce", "t", "-H", "=x"], "the header name is empty");
    usage(&["produce", "t", "-D", ""], "the delimiter cannot be empty");
    usage(&["produce", "t", "--acks", "2"], "invalid value '2'");
    usage(&["produce", "t", "-z", "brotli"], "invalid value 'brotli'");
    usage(
        &["produce", "t", "-X", "linger.ms=soon"],
        "-X linger.ms=soon",
    );
}

#[test]
fn an_unreachable_cluster_fails_within_the_api_timeout() {
    let home = tempfile::tempdir().unwrap();
    kf(home.path())
        .args([
            "produce",
            "t",
            "-b",
            "127.0.0.1:1",
            "-X",
            "default.api.timeout.ms=1000",
        ])
        .write_stdin("x\n")
        .timeout(Duration::from_secs(30))
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::starts_with(
            "kf: error: cannot reach the Kafka cluster",
        ));
}
