//! `kf cluster kill|start|isolate|heal`, the broker states of `kf cluster status` and
//! `kf topic describe --unavailable|--under-replicated`, against a detached three-broker cluster
//! with short sessions, as a user runs them.

use std::path::Path;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use serde_json::Value;

use super::kf;

/// Generous: a loaded two-core machine may take a while to fence and elect.
const DEADLINE: Duration = Duration::from_secs(60);

/// A detached `kf cluster up` of `data`, stopped when dropped, so a failing test does not
/// leave its brokers running.
pub struct Detached<'a> {
    pub home: &'a Path,
    pub data: &'a Path,
    stopped: bool,
}

impl<'a> Detached<'a> {
    /// Takes charge of the cluster `kf cluster up --detach --data-dir data` started.
    pub fn new(home: &'a Path, data: &'a Path) -> Self {
        Detached {
            home,
            data,
            stopped: false,
        }
    }

    /// Stops the cluster, which must succeed.
    pub fn down(mut self) {
        self.stopped = true;
        kf(self.home)
            .args(["cluster", "down", "--data-dir"])
            .arg(self.data)
            .assert()
            .success();
    }
}

impl Drop for Detached<'_> {
    fn drop(&mut self) {
        if !self.stopped {
            // Best effort while a test unwinds: the panic is the failure to report.
            let _ = kf(self.home)
                .args(["cluster", "down", "--data-dir"])
                .arg(self.data)
                .output();
        }
    }
}

fn status(home: &Path, data: &Path) -> Value {
    let output = kf(home)
        .args(["cluster", "status", "-o", "json", "--data-dir"])
        .arg(data)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn broker(status: &Value, id: i64) -> &Value {
    status["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap()
}

/// Polls `kf cluster status` until `check` holds.
fn wait_for(home: &Path, data: &Path, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let now = status(home, data);
        if check(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "never {what}: {now:#}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `kf topic describe ARGS -o json` against the local cluster.
fn describe(home: &Path, args: &[&str]) -> Value {
    let output = kf(home)
        .args(["topic", "describe", "-o", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn run_ok(home: &Path, data: &Path, args: &[&str], says: &str) {
    kf(home)
        .args(["cluster"])
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .assert()
        .success()
        .stdout(predicate::str::contains(says));
}

#[test]
fn kill_start_isolate_heal_and_the_states_status_shows() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("cluster");
    kf(home.path())
        .args([
            "cluster", "up", "-n", "3", "-p", "0", "--detach", "--racks", "x,y",
        ])
        .args(["-c", "broker.session.timeout.ms=1500"])
        .args(["-c", "broker.heartbeat.interval.ms=250"])
        .arg("--data-dir")
        .arg(&data)
        .assert()
        .success();
    let cluster = Detached::new(home.path(), &data);
    // One partition on each broker (replication factor 1 spreads them).
    kf(home.path())
        .args(["topic", "create", "spread", "-p", "3"])
        .assert()
        .success();
    let all_up = |s: &Value| {
        (0..3).all(|id| broker(s, id)["state"] == "up") && s["offline_partitions_count"] == 0
    };
    let first = wait_for(home.path(), &data, "all up", all_up);
    let racks: Vec<&Value> = (0..3).map(|id| &broker(&first, id)["rack"]).collect();
    assert_eq!(
        racks,
        ["x", "y", "x"],
        "--racks assigns broker.rack in turn"
    );

    run_ok(home.path(), &data, &["kill", "1"], "broker 1 killed");
    let killed = wait_for(home.path(), &data, "broker 1 fenced", |s| {
        broker(s, 1)["fenced"] == true
    });
    assert_eq!(broker(&killed, 1)["state"], "down");
    assert_eq!(killed["offline_partitions_count"], 1, "{killed:#}");
    let text = kf(home.path())
        .args(["cluster", "status", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("down"), "{text}");
    assert!(text.contains("0 under-replicated, 1 offline"), "{text}");
    let unavailable = describe(home.path(), &["--unavailable"]);
    let partitions = unavailable[0]["partitions"].as_array().unwrap();
    assert_eq!(partitions.len(), 1, "{unavailable:#}");
    assert_eq!(partitions[0]["leader"], -1);
    assert_eq!(partitions[0]["offline_replicas"][0], 1);
    // Replication factor 1: never under-replicated.
    assert_eq!(
        describe(home.path(), &["--under-replicated"]),
        Value::Array(vec![])
    );
    kf(home.path())
        .args(["topic", "describe", "spread", "--unavailable"])
        .assert()
        .success()
        .stdout(predicate::str::contains("none"));

    run_ok(home.path(), &data, &["start", "1"], "broker 1 started");
    wait_for(home.path(), &data, "all up after start", all_up);
    assert_eq!(
        describe(home.path(), &["--unavailable"]),
        Value::Array(vec![])
    );

    run_ok(home.path(), &data, &["isolate", "2"], "broker 2 isolated");
    let isolated = wait_for(home.path(), &data, "broker 2 fenced", |s| {
        broker(s, 2)["fenced"] == true
    });
    assert_eq!(broker(&isolated, 2)["state"], "isolated");
    assert_eq!(broker(&isolated, 2)["running"], true);

    run_ok(
        home.path(),
        &data,
        &["heal", "2"],
        "broker 2's links restored",
    );
    wait_for(home.path(), &data, "all up after heal", all_up);
    run_ok(home.path(), &data, &["isolate", "0"], "isolated");
    run_ok(home.path(), &data, &["heal"], "every link restored");
    wait_for(home.path(), &data, "all up after healing all", all_up);

    let text = kf(home.path())
        .args(["cluster", "status", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(String::from_utf8(text.stdout).unwrap().contains("RACK"));

    // Refusals: one clear line, exit 1.
    for (args, says) in [
        (vec!["kill", "7"], "broker 7 is not part of this cluster"),
        (vec!["start", "0"], "broker 0 is already running"),
        (vec!["isolate", "9"], "broker 9 is not part of this cluster"),
        (vec!["heal", "9"], "broker 9 is not part of this cluster"),
    ] {
        let output = kf(home.path())
            .arg("cluster")
            .args(&args)
            .arg("--data-dir")
            .arg(&data)
            .assert()
            .failure()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    run_ok(home.path(), &data, &["kill", "2"], "killed");
    kf(home.path())
        .args(["cluster", "kill", "2", "--data-dir"])
        .arg(&data)
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains("broker 2 is not running"));

    cluster.down();
}

#[test]
fn fault_commands_without_a_running_cluster_fail_clearly() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["kill", "1"],
        vec!["start", "1"],
        vec!["isolate", "1"],
        vec!["heal"],
    ] {
        let output = kf(home.path())
            .arg("cluster")
            .args(&args)
            .assert()
            .failure()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains("no local cluster is running"),
            "{args:?}: {stderr}"
        );
    }
    kf(home.path())
        .args(["cluster", "kill", "one"])
        .assert()
        .failure()
        .code(2);
    kf(home.path())
        .args(["cluster", "up", "--racks", "a,,b", "-p", "0", "--data-dir"])
        .arg(home.path().join("d"))
        .assert()
        .failure()
        .code(2)
        .stderr(predicate::str::contains("--racks expects rack names"));
}
