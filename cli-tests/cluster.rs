//! `kf cluster up|status|down` as a user runs them.

use predicates::prelude::*;

use super::kf;

#[test]
fn up_detached_then_status_then_down() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("cluster");
    kf(home.path())
        .args([
            "cluster",
            "up",
            "-n",
            "2",
            "-p",
            "0",
            "--detach",
            "--data-dir",
        ])
        .arg(&data)
        .assert()
        .success()
        .stdout(predicate::str::contains("2 broker(s) ready"))
        .stdout(predicate::str::contains("bootstrap servers: 127.0.0.1:"));

    // No --data-dir: status finds the cluster through the user's state directory.
    kf(home.path())
        .args(["cluster", "status", "-o", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"running\": true"));
    kf(home.path())
        .args(["cluster", "status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("BROKER"))
        .stdout(predicate::str::contains("yes"));

    kf(home.path()).args(["cluster", "down"]).assert().success();
    kf(home.path())
        .args(["cluster", "status"])
        .assert()
        .failure()
        .code(1)
        .stderr(
            predicate::str::contains("no local cluster is running")
                .or(predicate::str::contains("does not answer")),
        );
}

#[test]
fn a_bad_broker_config_value_is_one_clear_line() {
    let home = tempfile::tempdir().unwrap();
    let output = kf(home.path())
        .args([
            "cluster",
            "up",
            "-p",
            "0",
            "-c",
            "num.partitions=lots",
            "--data-dir",
        ])
        .arg(home.path().join("d"))
        .assert()
        .failure()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("num.partitions"), "{stderr}");
}

#[test]
fn an_unknown_broker_config_key_is_refused() {
    let home = tempfile::tempdir().unwrap();
    kf(home.path())
        .args([
            "cluster",
            "up",
            "-p",
            "0",
            "-c",
            "no.such.setting=1",
            "--data-dir",
        ])
        .arg(home.path().join("d"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("no.such.setting"));
}

#[test]
fn a_port_in_use_is_named() {
    let home = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    kf(home.path())
        .args([
            "cluster",
            "up",
            "-n",
            "1",
            "-p",
            &port.to_string(),
            "--data-dir",
        ])
        .arg(home.path().join("d"))
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains(format!("127.0.0.1:{port}")));
}

#[test]
fn an_unusable_data_dir_is_named() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    kf(home.path())
        .args(["cluster", "up", "-p", "0", "--data-dir"])
        .arg(&file)
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains("not-a-dir"));
}

#[test]
fn yaml_config_file_sets_the_cluster() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("yaml-cluster");
    let config = home.path().join("cluster.yaml");
    std::fs::write(
        &config,
        format!(
            "brokers: 1\nport: 0\ndata-dir: {}\nbroker-config:\n  num.partitions: 4\n",
            data.display()
        ),
    )
    .unwrap();
    kf(home.path())
        .args(["cluster", "up", "--detach", "--config"])
        .arg(&config)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 broker(s) ready"));
    kf(home.path())
        .args(["cluster", "down", "--data-dir"])
        .arg(&data)
        .assert()
        .success();
}

#[test]
fn usage_errors_exit_with_2() {
    let home = tempfile::tempdir().unwrap();
    kf(home.path())
        .args(["cluster", "up", "--brokers", "many"])
        .assert()
        .failure()
        .code(2);
    kf(home.path())
        .args(["cluster", "up", "-p", "0", "-c", "novalue", "--data-dir"])
        .arg(home.path().join("d"))
        .assert()
        .failure()
        .code(2);
}

#[test]
fn ctrl_c_stops_a_foreground_cluster_cleanly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("fg");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("kf"))
        .args(["cluster", "up", "-n", "1", "-p", "0", "--data-dir"])
        .arg(&data)
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let banner = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    assert!(banner.contains("ready"), "{banner}");
    assert!(data.join("cluster.json").exists());
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "a clean stop exits 0, got {status}");
    assert!(
        !data.join("cluster.json").exists(),
        "the state file is removed"
    );
}

#[test]
fn listener_configs_are_validated_as_kafka_does() {
    let home = tempfile::tempdir().unwrap();
    let up = |args: &[&str]| {
        let mut cmd = kf(home.path());
        cmd.args(["cluster", "up", "-n", "1"])
            .args(args)
            .arg("--data-dir")
            .arg(home.path().join("d"));
        cmd
    };
    let refused = [
        (
            "listeners=PLAINTEXT://0.0.0.0:0",
            "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.",
        ),
        (
            "listeners=PLAINTEXT://:0,SSL://:0",
            "listener SSL uses security protocol SSL, which kf does not support yet",
        ),
        ("listeners=PLAINTEXT:9092", "Unable to parse PLAINTEXT:9092 to a broker endpoint"),
        ("listeners=EXTERNAL://:0", "No security protocol defined for listener EXTERNAL"),
    ];
    for (setting, message) in refused {
        let output = up(&["-c", setting])
            .assert()
            .failure()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(message), "{setting}: {stderr}");
    }
    up(&["-c", "listeners=PLAINTEXT://127.0.0.1:0", "-p", "0"])
        .assert()
        .failure()
        .code(2)
        .stderr(predicate::str::contains(
            "put the ports and addresses in listeners",
        ));
}

#[test]
fn advertise_binds_every_interface_and_tells_clients_the_host() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("advertised");
    for (args, message) in [
        (&["--advertise", "0.0.0.0"][..], "not one"),
        (
            &[
                "--advertise",
                "h",
                "-c",
                "advertised.listeners=PLAINTEXT://h:1",
            ][..],
            "cannot be combined",
        ),
    ] {
        kf(home.path())
            .args(["cluster", "up", "-p", "0"])
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .assert()
            .failure()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    kf(home.path())
        .args([
            "cluster",
            "up",
            "-n",
            "2",
            "-p",
            "0",
            "--advertise",
            "kf.example.test",
        ])
        .args(["--detach", "--data-dir"])
        .arg(&data)
        .assert()
        .success()
        .stdout(predicate::str::contains("PLAINTEXT://0.0.0.0:"))
        .stdout(predicate::str::contains("(advertised kf.example.test:"))
        .stdout(predicate::str::contains(
            "bootstrap servers: kf.example.test:",
        ));
    let status = kf(home.path())
        .args(["cluster", "status", "-o", "json", "--data-dir"])
        .arg(&data)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status: serde_json::Value = serde_json::from_slice(&status).unwrap();
    for broker in status["brokers"].as_array().unwrap() {
        let listener = &broker["listeners"][0];
        assert_eq!(listener["name"], "PLAINTEXT");
        assert!(listener["bound"].as_str().unwrap().starts_with("0.0.0.0:"));
        assert!(listener["advertised"]
            .as_str()
            .unwrap()
            .starts_with("kf.example.test:"));
    }
    kf(home.path())
        .args(["cluster", "down", "--data-dir"])
        .arg(&data)
        .assert()
        .success();
}

#[test]
fn a_cluster_whose_data_dir_is_removed_stops_and_says_why() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("doomed");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kf"))
        .args(["cluster", "up", "-n", "1", "-p", "0", "--data-dir"])
        .arg(&data)
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let banner = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    assert!(banner.contains("ready"), "{banner}");

    // Moved away in one step: removing it file by file races with the files the running
    // cluster still creates (ENOTEMPTY).
    std::fs::rename(&data, home.path().join("moved-away")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the cluster kept running without its data directory");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("data directory"), "{stderr}");
    assert!(stderr.contains("was removed"), "{stderr}");
}
