//! What a newcomer meets in the first hour (issue #11): obvious failures are reported at once in
//! one clear line, producers create topics on first use, a clean start prints no errors, and
//! librdkafka's property names work. Timings are generous upper bounds only.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use predicates::prelude::*;

use super::kf;
use super::topic::TestCluster;

/// Far below the 15 s of retrying these failures once cost, far above a loaded machine's noise.
const AT_ONCE: Duration = Duration::from_secs(5);

/// A port nothing listens on, held (bound, never listening) while the socket lives: a port
/// merely freed again could be taken by a cluster another test starts meanwhile, and then
/// connecting to it would not be refused.
fn dead_address() -> (String, tokio::net::TcpSocket) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    (socket.local_addr().unwrap().to_string(), socket)
}

/// Runs `cmd`, asserts it exits with `code` within [`AT_ONCE`] and prints exactly one line on
/// stderr; returns that line.
fn fails_at_once(mut cmd: assert_cmd::Command, code: i32) -> String {
    let started = Instant::now();
    let output = cmd.output().unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert!(elapsed < AT_ONCE, "took {elapsed:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

#[test]
fn a_refused_connection_fails_at_once() {
    let home = tempfile::tempdir().unwrap();
    let (dead, _held) = dead_address();
    let (other, _also_held) = dead_address();
    let servers = format!("{dead},{other}");
    let commands: [&[&str]; 6] = [
        &["produce", "orders"],
        &["consume", "orders", "-e"],
        &["topic", "list"],
        &["bench", "produce", "perf", "-n", "10"],
        &["bench", "consume", "perf"],
        &["cluster", "info"],
    ];
    for args in commands {
        let mut cmd = kf(home.path());
        cmd.args(args).args(["-b", &servers]).write_stdin("x\n");
        let line = fails_at_once(cmd, 1);
        assert!(line.contains("connection refused"), "{args:?}: {line}");
        assert!(line.contains(&dead) && line.contains(&other), "{line}");
    }
}

#[test]
fn an_unresolvable_host_fails_at_once() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = kf(home.path());
    cmd.args(["topic", "list", "-b", "no-such-host.invalid:9092"]);
    let line = fails_at_once(cmd, 1);
    assert!(
        line.contains("cannot resolve no-such-host.invalid:9092"),
        "{line}"
    );
}

#[test]
fn an_invalid_topic_name_is_a_usage_error_at_once() {
    let cluster = TestCluster::start(1);
    let long = "a".repeat(250);
    for name in ["bad/name!", "..", ".", long.as_str()] {
        for args in [
            vec!["produce", name],
            vec!["bench", "produce", name, "-n", "10"],
            vec!["consume", name, "-e"],
            vec!["bench", "consume", name],
        ] {
            let mut cmd = cluster.kf(&args);
            cmd.write_stdin("x\n");
            let line = fails_at_once(cmd, 2);
            assert!(line.contains("Topic name is invalid"), "{args:?}: {line}");
        }
    }
}

#[test]
fn a_missing_topic_fails_at_once_when_the_cluster_does_not_create_topics() {
    let cluster = TestCluster::start_with(1, &[("auto.create.topics.enable", "false")]);
    for args in [
        vec!["produce", "perf"],
        vec!["bench", "produce", "perf", "-n", "10"],
        vec!["consume", "perf", "-e"],
        vec!["bench", "consume", "perf"],
    ] {
        let mut cmd = cluster.kf(&args);
        cmd.write_stdin("x\n");
        let line = fails_at_once(cmd, 1);
        assert!(
            line.contains("topic 'perf' does not exist"),
            "{args:?}: {line}"
        );
        assert!(!line.contains("-1"), "no partition -1 in {line}");
    }
}

#[test]
fn errors_name_the_partition_only_when_there_is_one() {
    let cluster = TestCluster::start(1);
    cluster
        .kf(&["topic", "create", "one", "-p", "1"])
        .assert()
        .success();
    let output = cluster
        .kf(&["produce", "one", "-p", "5"])
        .write_stdin("x\n")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("topic 'one' has no partition 5"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("one-5") && !stderr.contains("--1"),
        "{stderr}"
    );
}

#[test]
fn producers_create_topics_on_first_use_and_consumers_do_not() {
    let cluster = TestCluster::start(1);
    cluster
        .kf(&["produce", "fresh"])
        .write_stdin("hello\n")
        .assert()
        .success()
        .stderr("");
    cluster
        .kf(&["bench", "produce", "perf", "-n", "100"])
        .assert()
        .success()
        .stdout(predicate::str::contains("100 records sent"));
    cluster
        .kf(&["consume", "fresh", "-o", "beginning", "-e"])
        .assert()
        .success()
        .stdout("hello\n");
    cluster
        .kf(&["consume", "ghost", "-e"])
        .assert()
        .code(1)
        .stderr("kf: error: topic 'ghost' does not exist\n");
    cluster
        .kf(&["topic", "list", "-o", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"fresh\""))
        .stdout(predicate::str::contains("\"perf\""))
        .stdout(predicate::str::contains("ghost").not());
}

#[test]
fn a_port_in_use_is_named_once() {
    let home = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    for detach in [false, true] {
        let mut cmd = kf(home.path());
        cmd.args(["cluster", "up", "-n", "1", "-p", &port, "--data-dir"])
            .arg(home.path().join("d"));
        if detach {
            cmd.arg("--detach");
        }
        let line = fails_at_once(cmd, 1);
        assert_eq!(line.matches("in use").count(), 1, "{line}");
        assert_eq!(line.matches("kf: error").count(), 1, "{line}");
        assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
    }
}

#[test]
fn a_clean_start_and_stop_print_no_errors() {
    // The quorum's transient RPC failures depend on timing: try a few starts.
    for _ in 0..3 {
        let home = tempfile::tempdir().unwrap();
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("kf"))
            .args(["cluster", "up", "-n", "3", "-p", "0", "--data-dir"])
            .arg(home.path().join("d"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env_remove("KF_LOG")
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
        let interrupted = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(interrupted.success());
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", output.status);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            stderr, "kf: stopping the cluster (interrupted)\n",
            "nothing but the stop notice"
        );
    }
}

#[test]
fn librdkafka_property_names_are_accepted_and_typos_get_a_suggestion() {
    let cluster = TestCluster::start(1);
    cluster
        .kf(&[
            "produce",
            "aliased",
            "-X",
            "message.max.bytes=2000000",
            "-X",
            "queue.buffering.max.ms=1",
            "-X",
            "compression.codec=lz4",
        ])
        .write_stdin("x\n")
        .assert()
        .success();
    cluster
        .kf(&[
            "consume",
            "aliased",
            "-o",
            "beginning",
            "-e",
            "-X",
            "fetch.wait.max.ms=50",
        ])
        .assert()
        .success()
        .stdout("x\n");
    let mut cmd = cluster.kf(&["topic", "list", "-X", "linger.msx=5"]);
    cmd.write_stdin("");
    let line = fails_at_once(cmd, 2);
    assert!(line.contains("did you mean 'linger.ms'?"), "{line}");
    // --help names every librdkafka name with the Java name it stands for.
    let home = tempfile::tempdir().unwrap();
    let help = kf(home.path())
        .args(["produce", "--help"])
        .output()
        .unwrap()
        .stdout;
    let help = String::from_utf8(help).unwrap();
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for (alias, java) in kf::client::config::LIBRDKAFKA_ALIASES {
        assert!(
            help.contains(&format!("{alias} ({java})")),
            "{alias}: {help}"
        );
    }
}
