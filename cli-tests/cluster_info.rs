//! `kf cluster info` against a kf cluster (cross-checked with librdkafka's metadata) and
//! against librdkafka's mock cluster, a broker kf did not write.

use predicates::prelude::*;
use rdkafka::mocking::MockCluster;

use super::kf;
use super::topic::TestCluster;

fn json(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn info_matches_librdkafkas_view_of_the_cluster() {
    let cluster = TestCluster::start(3);
    let info = json(
        &cluster
            .kf(&["cluster", "info", "-o", "json"])
            .output()
            .unwrap(),
    );

    let metadata = cluster.rdkafka_metadata(None);
    let mut expected: Vec<(i32, String, i32)> = metadata
        .brokers()
        .iter()
        .map(|b| (b.id(), b.host().to_string(), b.port()))
        .collect();
    expected.sort();
    let brokers: Vec<(i32, String, i32)> = info["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_i64().unwrap() as i32,
                b["host"].as_str().unwrap().to_string(),
                b["port"].as_i64().unwrap() as i32,
            )
        })
        .collect();
    assert_eq!(brokers, expected);

    let controller = info["controller_id"].as_i64().unwrap();
    let flagged: Vec<i64> = info["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["controller"] == true)
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(flagged, [controller]);
    assert!(!info["cluster_id"].as_str().unwrap().is_empty());

    let quorum = &info["quorum"];
    assert_eq!(quorum["voters"].as_array().unwrap().len(), 3);
    let leader = quorum["leader_id"].as_i64().unwrap();
    assert!(brokers.iter().any(|b| i64::from(b.0) == leader));
    assert!(quorum["high_watermark"].as_i64().unwrap() > 0);

    let apis = info["api_versions"]["apis"].as_array().unwrap();
    let metadata_api = apis.iter().find(|a| a["name"] == "Metadata").unwrap();
    assert_eq!(metadata_api["api_key"], 3);
    assert!(
        metadata_api["kf_version"].as_i64().unwrap()
            <= metadata_api["max_version"].as_i64().unwrap()
    );
    assert!(apis.iter().any(|a| a["name"] == "DescribeQuorum"));

    cluster
        .kf(&["cluster", "info"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Cluster ID: "))
        .stdout(predicate::str::is_match(r"(?m)^BROKER +HOST +PORT +RACK +CONTROLLER$").unwrap())
        .stdout(predicate::str::contains(format!(
            "Metadata quorum: leader {leader}, epoch "
        )))
        .stdout(predicate::str::is_match(r"(?m)^3 +Metadata +\d+ +\d+ +\d+$").unwrap());
    cluster
        .kf(&["cluster", "info", "-o", "yaml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("api_versions:"));
}

#[test]
fn info_against_librdkafkas_mock_cluster() {
    let mock = MockCluster::new(2).unwrap();
    let home = tempfile::tempdir().unwrap();
    let output = kf(home.path())
        .args([
            "cluster",
            "info",
            "-o",
            "json",
            "-b",
            &mock.bootstrap_servers(),
        ])
        .output()
        .unwrap();
    let info = json(&output);
    let mut ids: Vec<i64> = info["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, [1, 2]);
    // The mock has no DescribeQuorum: the quorum is simply absent.
    assert_eq!(info["quorum"], serde_json::Value::Null);
    assert!(info["api_versions"]["apis"].as_array().unwrap().len() > 10);
}

#[test]
fn unreachable_cluster_fails_within_the_default_bound() {
    let home = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    // The bound is kf's default.api.timeout.ms for admin commands (15 s); the command
    // timeout only turns a hang into a failure.
    kf(home.path())
        .args(["cluster", "info", "-b", &addr])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::is_match(format!(
                "^kf: error: cannot reach the Kafka cluster: .*{addr}.*\n$"
            ))
            .unwrap(),
        );
}
