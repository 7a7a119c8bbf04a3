//! `kf bench produce|consume` against an in-process cluster.

use std::net::{IpAddr, Ipv4Addr};

use kf::client::admin::{Admin, NewTopic};
use kf::client::{Client, ClientConfig};
use kf::cluster::{Cluster, ClusterConfig};
use predicates::prelude::*;
use tokio::runtime::Runtime;

use super::kf;

/// A one-broker cluster with `topic` (`partitions` partitions), served by its own runtime
/// while the binary runs.
struct TestCluster {
    runtime: Runtime,
    cluster: Option<Cluster>,
    bootstrap: String,
}

impl TestCluster {
    fn start(dir: &std::path::Path, topic: &str, partitions: i32) -> TestCluster {
        let runtime = Runtime::new().unwrap();
        let cluster = runtime
            .block_on(Cluster::start(ClusterConfig {
                brokers: 1,
                base_port: 0,
                bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
                data_dir: dir.join("cluster"),
                racks: Vec::new(),
                broker_properties: Default::default(),
            }))
            .unwrap();
        let bootstrap = cluster.bootstrap_servers();
        runtime.block_on(async {
            let client = Client::connect(ClientConfig::new(&bootstrap))
                .await
                .unwrap();
            let results = Admin::new(client)
                .create_topics(&[NewTopic::new(topic, partitions, 1)], false)
                .await
                .unwrap();
            for (_, result) in results {
                result.unwrap();
            }
        });
        TestCluster {
            runtime,
            cluster: Some(cluster),
            bootstrap,
        }
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if let Some(cluster) = self.cluster.take() {
            self.runtime.block_on(cluster.shutdown());
        }
    }
}

fn stdout_lines(output: &std::process::Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Checks a total line word by word: "N records VERB, X records/sec (Y MB/sec), A ms avg
/// latency, M ms max latency, P ms 50th, P ms 95th, P ms 99th, P ms 99.9th."
fn assert_total_line(line: &str, records: u64, verb: &str) {
    let words: Vec<&str> = line.split(' ').collect();
    assert_eq!(words.len(), 27, "{line}");
    assert_eq!(words[0], records.to_string(), "{line}");
    assert_eq!(words[1..3], ["records", &format!("{verb},")], "{line}");
    let number = |i: usize| {
        words[i]
            .trim_start_matches('(')
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("word {i} of {line}"))
    };
    assert!(number(3) > 0.0, "{line}");
    assert_eq!(words[4], "records/sec", "{line}");
    assert!(number(5) >= 0.0, "{line}");
    assert_eq!(words[6], "MB/sec),", "{line}");
    let average = number(7);
    let max = number(11);
    assert!(average <= max, "{line}");
    let percentiles: Vec<f64> = [15, 18, 21, 24].iter().map(|i| number(*i)).collect();
    assert!(percentiles.windows(2).all(|w| w[0] <= w[1]), "{line}");
    assert!(percentiles[3] <= max.ceil(), "{line}");
    assert_eq!(
        [words[17], words[20], words[23], words[26]],
        ["50th,", "95th,", "99th,", "99.9th."],
        "{line}"
    );
}

#[test]
fn produce_then_consume_reports_every_record() {
    let home = tempfile::tempdir().unwrap();
    let cluster = TestCluster::start(home.path(), "perf", 3);
    let produced = kf(home.path())
        .args(["bench", "produce", "perf", "-n", "3000", "-s", "64"])
        .args(["-b", &cluster.bootstrap])
        .assert()
        .success()
        .get_output()
        .clone();
    let lines = stdout_lines(&produced);
    assert_total_line(lines.last().unwrap(), 3000, "sent");

    let consumed = kf(home.path())
        .args(["bench", "consume", "perf", "-b", &cluster.bootstrap])
        .assert()
        .success()
        .get_output()
        .clone();
    let lines = stdout_lines(&consumed);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_total_line(&lines[0], 3000, "received");

    // As a group member, with either protocol: the one member gets every partition.
    for protocol in ["classic", "consumer"] {
        let consumed = kf(home.path())
            .args(["bench", "consume", "perf", "-G", protocol])
            .args(["--group-protocol", protocol, "-b", &cluster.bootstrap])
            .assert()
            .success()
            .get_output()
            .clone();
        let lines = stdout_lines(&consumed);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with(&format!(
                "joined group {protocol}: 3 partitions assigned in "
            )),
            "{lines:?}"
        );
        assert_total_line(&lines[1], 3000, "received");
    }
}

#[test]
fn a_zero_reporting_interval_prints_a_window_line_per_record() {
    let home = tempfile::tempdir().unwrap();
    let cluster = TestCluster::start(home.path(), "windows", 1);
    let output = kf(home.path())
        .args(["bench", "produce", "windows", "-n", "20", "-s", "10"])
        .args(["--reporting-interval", "0", "--acks", "1", "-z", "lz4"])
        .args(["-b", &cluster.bootstrap])
        .assert()
        .success()
        .get_output()
        .clone();
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 21, "{lines:?}");
    for window in &lines[..20] {
        assert!(window.starts_with("1 records sent, "), "{window}");
        assert!(window.ends_with(" ms max latency."), "{window}");
        assert!(window.contains(" ms avg latency, "), "{window}");
    }
    assert_total_line(&lines[20], 20, "sent");
}

#[test]
fn consume_stops_at_the_asked_count_on_the_asked_partition() {
    let home = tempfile::tempdir().unwrap();
    let cluster = TestCluster::start(home.path(), "parts", 2);
    kf(home.path())
        .args([
            "bench", "produce", "parts", "-n", "500", "-p", "1", "-t", "100000",
        ])
        .args(["-b", &cluster.bootstrap])
        .assert()
        .success();
    let output = kf(home.path())
        .args(["bench", "consume", "parts", "-p", "1", "-n", "120"])
        .args(["-b", &cluster.bootstrap])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_total_line(stdout_lines(&output).last().unwrap(), 120, "received");
    // Partition 0 got nothing: reading it to its end finds no record.
    let output = kf(home.path())
        .args(["bench", "consume", "parts", "-p", "0"])
        .args(["-b", &cluster.bootstrap])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(stdout_lines(&output)[0].starts_with("0 records received, "));
}

#[test]
fn consuming_more_than_there_is_fails_after_the_timeout() {
    let home = tempfile::tempdir().unwrap();
    let cluster = TestCluster::start(home.path(), "short", 1);
    kf(home.path())
        .args([
            "bench",
            "produce",
            "short",
            "-n",
            "10",
            "-b",
            &cluster.bootstrap,
        ])
        .assert()
        .success();
    let output = kf(home.path())
        .args(["bench", "consume", "short", "-n", "11", "--timeout", "300"])
        .args(["-b", &cluster.bootstrap, "-X", "fetch.max.wait.ms=50"])
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains("consumed 10 of 11 records"))
        .get_output()
        .clone();
    assert_total_line(stdout_lines(&output).last().unwrap(), 10, "received");
}

#[test]
fn bad_flags_are_usage_errors() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["bench", "produce", "t", "-t", "0", "-b", "127.0.0.1:1"][..],
        &["bench", "produce", "t", "--acks", "2"],
        &["bench", "produce", "t", "-z", "brotli"],
        &["bench", "produce", "t", "-n", "0"],
        &["bench", "consume", "t", "-n", "0"],
        &["bench", "consume", "t", "-G", "g", "-p", "1"],
        &["bench", "consume", "t", "--group-protocol", "consumer"],
        &[
            "bench",
            "consume",
            "t",
            "-G",
            "g",
            "--group-protocol",
            "eager",
        ],
    ] {
        kf(home.path()).args(args).assert().failure().code(2);
    }
}
