//! `kf topic ...` against an in-process kf cluster, with every change cross-checked through
//! librdkafka (metadata and its admin API), so that kf's client and broker cannot share a
//! misunderstanding unnoticed.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use kf::cluster::{Cluster, ClusterConfig};
use predicates::prelude::*;
use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::metadata::Metadata;

use super::kf;

/// Bounds every wait on the cluster; generous for a loaded 2-core machine.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A kf cluster on free ports in a temporary directory, running on its own runtime while the
/// test drives the binary.
pub struct TestCluster {
    pub home: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    cluster: Option<Cluster>,
}

impl TestCluster {
    pub fn start(brokers: usize) -> TestCluster {
        TestCluster::start_with(brokers, &[])
    }

    /// A cluster with these broker properties (`-c key=value` of `kf cluster up`).
    pub fn start_with(brokers: usize, properties: &[(&str, &str)]) -> TestCluster {
        let home = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let config = ClusterConfig {
            brokers,
            base_port: 0,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            data_dir: home.path().join("cluster"),
            racks: Vec::new(),
            broker_properties: properties
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let cluster = runtime.block_on(Cluster::start(config)).unwrap();
        TestCluster {
            home,
            runtime,
            cluster: Some(cluster),
        }
    }

    pub fn bootstrap(&self) -> String {
        self.cluster.as_ref().unwrap().bootstrap_servers()
    }

    /// `kf` with `-b` pointing here appended after `args`.
    pub fn kf(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = kf(self.home.path());
        cmd.args(args).args(["-b", &self.bootstrap()]);
        cmd
    }

    /// librdkafka's metadata for `topic` (all topics when `None`).
    pub fn rdkafka_metadata(&self, topic: Option<&str>) -> Metadata {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.bootstrap())
            .set("broker.address.family", "v4")
            .create()
            .unwrap();
        consumer.fetch_metadata(topic, TIMEOUT).unwrap()
    }

    /// Waits until librdkafka's view of `topic` satisfies `check`, returning that view.
    pub fn rdkafka_metadata_until(
        &self,
        topic: &str,
        check: impl Fn(&Metadata) -> bool,
    ) -> Metadata {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let metadata = self.rdkafka_metadata(Some(topic));
            if check(&metadata) || Instant::now() > deadline {
                return metadata;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The topic's config entries as librdkafka's admin API describes them: name → (value, source).
    pub fn rdkafka_topic_configs(&self, topic: &str) -> BTreeMap<String, (Option<String>, String)> {
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", self.bootstrap())
            .set("broker.address.family", "v4")
            .create()
            .unwrap();
        let options = AdminOptions::new().request_timeout(Some(TIMEOUT));
        let results = self
            .runtime
            .block_on(admin.describe_configs(&[ResourceSpecifier::Topic(topic)], &options))
            .unwrap();
        let resource = results.into_iter().next().unwrap().unwrap();
        resource
            .entries
            .into_iter()
            .map(|e| (e.name, (e.value, format!("{:?}", e.source))))
            .collect()
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if let Some(cluster) = self.cluster.take() {
            self.runtime.block_on(cluster.shutdown());
        }
    }
}

fn partition_count(metadata: &Metadata) -> usize {
    metadata.topics()[0].partitions().len()
}

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn create_list_describe_delete_round_trip() {
    let cluster = TestCluster::start(3);
    cluster
        .kf(&[
            "topic",
            "create",
            "orders",
            "-p",
            "3",
            "-r",
            "1",
            "-c",
            "retention.ms=3600000",
        ])
        .assert()
        .success()
        .stdout("Created topic orders.\n");

    let metadata = cluster.rdkafka_metadata_until("orders", |m| partition_count(m) == 3);
    let partitions = metadata.topics()[0].partitions();
    assert_eq!(partitions.len(), 3);
    assert!(partitions.iter().all(|p| p.replicas().len() == 1));
    let configs = cluster.rdkafka_topic_configs("orders");
    assert_eq!(
        configs["retention.ms"],
        (Some("3600000".to_string()), "DynamicTopic".to_string())
    );

    cluster.kf(&["topic", "list"]).assert().success().stdout(
        predicate::str::is_match(r"(?m)^NAME +PARTITIONS +REPLICAS\norders +3 +1$").unwrap(),
    );
    let listed = json(
        &cluster
            .kf(&["topic", "list", "-o", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        listed,
        serde_json::json!([{"name": "orders", "partitions": 3, "replication_factor": 1, "internal": false}])
    );

    let described = json(
        &cluster
            .kf(&["topic", "describe", "orders", "-o", "json"])
            .output()
            .unwrap(),
    );
    let topic = &described[0];
    assert_eq!(topic["name"], "orders");
    assert_eq!(topic["partition_count"], 3);
    assert_eq!(topic["replication_factor"], 1);
    assert_eq!(topic["configs"][0]["name"], "retention.ms");
    assert_eq!(topic["configs"][0]["value"], "3600000");
    assert_eq!(topic["configs"][0]["source"], "DYNAMIC_TOPIC_CONFIG");
    // Leaders and replicas as kf reports them are what librdkafka sees.
    for p in partitions {
        let ours = &topic["partitions"][p.id() as usize];
        assert_eq!(ours["partition"], p.id());
        assert_eq!(ours["leader"], p.leader());
        assert_eq!(ours["replicas"], serde_json::json!(p.replicas()));
        assert_eq!(ours["isr"], serde_json::json!(p.isr()));
    }
    cluster
        .kf(&["topic", "describe", "orders"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "PartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=3600000",
        ))
        .stdout(predicate::str::contains(
            "PARTITION  LEADER  EPOCH  REPLICAS  ISR",
        ));
    cluster
        .kf(&["topic", "describe", "orders", "-o", "yaml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("partition_count: 3"));

    cluster
        .kf(&["topic", "delete", "orders"])
        .assert()
        .success()
        .stdout("Deleted topic orders.\n");
    let gone = cluster.rdkafka_metadata_until("orders", |m| m.topics()[0].error().is_some());
    assert!(gone.topics()[0].error().is_some(), "orders still exists");
    cluster
        .kf(&["topic", "list", "-o", "json"])
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn create_existing_topic_fails_unless_if_not_exists() {
    let cluster = TestCluster::start(1);
    cluster.kf(&["topic", "create", "t"]).assert().success();
    cluster
        .kf(&["topic", "create", "t"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::is_match(
                "^kf: error: cannot create topic 't': .*TOPIC_ALREADY_EXISTS.*\n$",
            )
            .unwrap(),
        );
    cluster
        .kf(&["topic", "create", "t", "--if-not-exists"])
        .assert()
        .success()
        .stdout("");
}

#[test]
fn create_with_invalid_config_fails_and_creates_nothing() {
    let cluster = TestCluster::start(1);
    for config in ["no.such.config=1", "retention.ms=soon"] {
        cluster
            .kf(&["topic", "create", "t", "-c", config])
            .assert()
            .code(1)
            .stderr(
                predicate::str::is_match(
                    "^kf: error: cannot create topic 't': .*INVALID_CONFIG.*\n$",
                )
                .unwrap(),
            );
    }
    cluster
        .kf(&["topic", "create", "t", "-c", "retention.ms"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expects KEY=VALUE"));
    let metadata = cluster.rdkafka_metadata(Some("t"));
    assert!(metadata.topics()[0].error().is_some(), "t was created");
}

#[test]
fn create_with_bad_counts_fails() {
    let cluster = TestCluster::start(1);
    for args in [["-p", "0"], ["-p", "-3"], ["-r", "0"]] {
        cluster
            .kf(&["topic", "create", "t", args[0], args[1]])
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("error:"));
    }
    // More replicas than brokers is the broker's to refuse.
    cluster
        .kf(&["topic", "create", "t", "-r", "3"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("INVALID_REPLICATION_FACTOR"));
    cluster
        .kf(&["topic", "create", "t", "-p", "2", "--validate-only"])
        .assert()
        .success()
        .stdout("Topic t can be created (validate only).\n");
    cluster
        .kf(&["topic", "list", "-o", "json"])
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn unknown_topics_are_errors() {
    let cluster = TestCluster::start(1);
    cluster.kf(&["topic", "create", "known"]).assert().success();
    cluster
        .kf(&["topic", "describe", "nope"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("kf: error: topic 'nope' does not exist\n");
    cluster
        .kf(&["topic", "describe", "known", "nope", "nada"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("kf: error: topics do not exist: nope, nada\n");
    cluster
        .kf(&["topic", "delete", "nope"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::is_match(
                "^kf: error: cannot delete topic 'nope': .*UNKNOWN_TOPIC_OR_PARTITION.*\n$",
            )
            .unwrap(),
        );
    cluster
        .kf(&["topic", "delete", "nope", "--if-exists"])
        .assert()
        .success();
    cluster
        .kf(&["topic", "alter-config", "nope", "-s", "retention.ms=1"])
        .assert()
        .code(1)
        .stderr("kf: error: topic 'nope' does not exist\n");
    cluster
        .kf(&["topic", "add-partitions", "nope", "-n", "1"])
        .assert()
        .code(1)
        .stderr("kf: error: topic 'nope' does not exist\n");
}

#[test]
fn alter_config_sets_and_deletes_overrides() {
    let cluster = TestCluster::start(1);
    cluster
        .kf(&["topic", "create", "t", "-c", "retention.ms=1000"])
        .assert()
        .success();
    cluster
        .kf(&[
            "topic",
            "alter-config",
            "t",
            "-s",
            "cleanup.policy=compact",
            "-d",
            "retention.ms",
        ])
        .assert()
        .success()
        .stdout("Altered configs of topic t.\n");
    let configs = cluster.rdkafka_topic_configs("t");
    assert_eq!(
        configs["cleanup.policy"],
        (Some("compact".to_string()), "DynamicTopic".to_string())
    );
    assert_ne!(
        configs["retention.ms"].1, "DynamicTopic",
        "retention.ms override remains"
    );

    cluster
        .kf(&[
            "topic",
            "alter-config",
            "t",
            "--append",
            "cleanup.policy=delete",
        ])
        .assert()
        .success();
    let policy = cluster.rdkafka_topic_configs("t")["cleanup.policy"]
        .0
        .clone()
        .unwrap();
    assert_eq!(policy, "compact,delete");

    cluster
        .kf(&["topic", "describe", "t", "--all-configs", "-o", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"DEFAULT_CONFIG\""));

    cluster
        .kf(&["topic", "alter-config", "t", "-s", "retention.ms=soon"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::is_match(
                "^kf: error: cannot alter configs of topic 't': .*INVALID_CONFIG.*\n$",
            )
            .unwrap(),
        );
    cluster
        .kf(&[
            "topic",
            "alter-config",
            "t",
            "-s",
            "retention.ms=5",
            "--validate-only",
        ])
        .assert()
        .success();
    assert_ne!(
        cluster.rdkafka_topic_configs("t")["retention.ms"]
            .0
            .as_deref(),
        Some("5")
    );
    cluster.kf(&["topic", "alter-config", "t"]).assert().code(2);
}

#[test]
fn add_partitions_grows_the_topic() {
    let cluster = TestCluster::start(2);
    cluster
        .kf(&["topic", "create", "t", "-p", "2"])
        .assert()
        .success();
    cluster
        .kf(&["topic", "add-partitions", "t", "-n", "3"])
        .assert()
        .success()
        .stdout("Topic t now has 5 partitions (was 2).\n");
    let metadata = cluster.rdkafka_metadata_until("t", |m| partition_count(m) == 5);
    assert_eq!(partition_count(&metadata), 5);
    assert!(metadata.topics()[0]
        .partitions()
        .iter()
        .all(|p| p.leader() >= 0));

    cluster
        .kf(&["topic", "add-partitions", "t", "--total", "7"])
        .assert()
        .success()
        .stdout("Topic t now has 7 partitions (was 5).\n");
    cluster
        .kf(&["topic", "add-partitions", "t", "--total", "4"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::is_match(
                "^kf: error: cannot add partitions to topic 't': .*INVALID_PARTITIONS.*\n$",
            )
            .unwrap(),
        );
    cluster
        .kf(&["topic", "add-partitions", "t", "-n", "0"])
        .assert()
        .code(2);
    cluster
        .kf(&["topic", "add-partitions", "t", "-n", "1", "--total", "9"])
        .assert()
        .code(2);
    let metadata = cluster.rdkafka_metadata_until("t", |m| partition_count(m) == 7);
    assert_eq!(partition_count(&metadata), 7);
}

#[test]
fn list_and_describe_against_librdkafkas_mock_cluster() {
    let mock = rdkafka::mocking::MockCluster::new(3).unwrap();
    mock.create_topic("orders", 4, 3).unwrap();
    let home = tempfile::tempdir().unwrap();
    let bootstrap = mock.bootstrap_servers();
    let run = |args: &[&str]| {
        let mut cmd = kf(home.path());
        cmd.args(args).args(["-b", &bootstrap]);
        cmd
    };
    run(&["topic", "list"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"(?m)^orders +4 +3$").unwrap());
    // The mock has no DescribeConfigs: partitions are still described, with a warning.
    let output = run(&["topic", "describe", "orders", "-o", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("DescribeConfigs"));
    let described = json(&output);
    let partitions = described[0]["partitions"].as_array().unwrap();
    assert_eq!(partitions.len(), 4);
    for p in partitions {
        assert_eq!(p["replicas"].as_array().unwrap().len(), 3);
        assert!(p["replicas"].as_array().unwrap().contains(&p["leader"]));
    }
    // Nor CreateTopics: one clear line.
    run(&["topic", "create", "more"]).assert().code(1).stderr(
        predicate::str::is_match("^kf: error: .*does not support CreateTopics\n$").unwrap(),
    );
}

#[test]
fn reassign_moves_a_partition_and_lists_and_cancels() {
    let cluster = TestCluster::start(2);
    cluster
        .kf(&["topic", "create", "t", "-p", "1", "-r", "1"])
        .assert()
        .success();
    let metadata = cluster.rdkafka_metadata(Some("t"));
    let from = metadata.topics()[0].partitions()[0].replicas()[0];
    let to = 1 - from;
    cluster
        .kf(&["topic", "reassign", "t:0", "--list"])
        .assert()
        .success()
        .stdout("No reassignment in progress.\n");
    cluster
        .kf(&[
            "topic",
            "reassign",
            "t:0",
            "--replicas",
            &to.to_string(),
            "-o",
            "json",
        ])
        .assert()
        .success();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let listed = json(
            &cluster
                .kf(&["topic", "reassign", "--list", "-o", "json"])
                .output()
                .unwrap(),
        );
        if listed.as_array().unwrap().is_empty() {
            break;
        }
        assert_eq!(listed[0]["topic"], "t");
        assert_eq!(listed[0]["adding_replicas"], serde_json::json!([to]));
        assert_eq!(listed[0]["removing_replicas"], serde_json::json!([from]));
        assert!(Instant::now() < deadline, "the move never completed");
        std::thread::sleep(Duration::from_millis(200));
    }
    let metadata =
        cluster.rdkafka_metadata_until("t", |m| m.topics()[0].partitions()[0].replicas() == [to]);
    assert_eq!(metadata.topics()[0].partitions()[0].replicas(), [to]);

    let fails_with = |args: &[&str], error: &str| {
        cluster
            .kf(args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(error));
    };
    fails_with(
        &["topic", "reassign", "t:0", "--cancel"],
        "NO_REASSIGNMENT_IN_PROGRESS",
    );
    fails_with(
        &["topic", "reassign", "t:4", "--replicas", "0"],
        "UNKNOWN_TOPIC_OR_PARTITION",
    );
    fails_with(
        &["topic", "reassign", "t:0", "--replicas", "0,0"],
        "INVALID_REPLICA_ASSIGNMENT",
    );
    for usage in [
        &["topic", "reassign", "t", "--replicas", "0"][..],
        &["topic", "reassign", "t:0"],
        &["topic", "reassign", "t:0", "--replicas", "0", "--cancel"],
    ] {
        cluster.kf(usage).assert().code(2);
    }
}
