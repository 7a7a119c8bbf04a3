//! `kf consume` against an in-process kf cluster (records written with `kf produce`).

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::time::Duration;

use predicates::prelude::*;

use super::kf;
use super::produce::TestCluster;

/// A cluster with `topic` (one partition) holding `input` produced per `produce_args`.
fn cluster_with(topic: &str, partitions: i32, produce_args: &[&str], input: &str) -> TestCluster {
    let cluster = TestCluster::start();
    cluster.create_topic(topic, partitions);
    let mut args = vec!["produce", topic];
    args.extend_from_slice(produce_args);
    cluster
        .kf(&args)
        .write_stdin(input.to_string())
        .assert()
        .success();
    cluster
}

fn stdout_of(cluster: &TestCluster, args: &[&str]) -> String {
    let output = cluster.kf(args).assert().success().get_output().clone();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn default_output_is_each_value_and_a_newline() {
    let cluster = cluster_with("t", 1, &["-k", ":"], "a:one\nb:two\nthree\n");
    cluster
        .kf(&["consume", "t", "-o", "beginning", "-e"])
        .assert()
        .success()
        .stdout("one\ntwo\nthree\n")
        .stderr("");
}

#[test]
fn every_format_escape_prints() {
    let cluster = cluster_with(
        "t",
        1,
        &["-f", "%k|%T|%h|%s"],
        "key|1714564800000|h1=v1,h2|value\n",
    );
    let out = stdout_of(
        &cluster,
        &[
            "consume",
            "t",
            "-o",
            "beginning",
            "-e",
            "-f",
            "%t %p %o %k %K %s %S [%h] %T %y %d %d{%Y/%m/%d} %E %P %Q 100%%\\n",
        ],
    );
    assert_eq!(
        out,
        "t 0 0 key 3 value 5 [h1=v1,h2] 1714564800000 CreateTime 2024-05-01T12:00:00.000Z \
         2024/05/01 0 0 0 100%\n"
    );
}

#[test]
fn json_has_kcat_field_names_and_encodings_apply() {
    let cluster = cluster_with("t", 1, &["-f", "%k|%h|%s", "-Z"], "k|a=1|v\n|| \n");
    let out = stdout_of(
        &cluster,
        &[
            "consume",
            "t",
            "-o",
            "beginning",
            "-e",
            "-J",
            "--key-encoding",
            "hex",
        ],
    );
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["topic"], "t");
    assert_eq!(lines[0]["partition"], 0);
    assert_eq!(lines[0]["offset"], 0);
    assert_eq!(lines[0]["tstype"], "create");
    assert!(lines[0]["ts"].as_i64().unwrap() > 0);
    assert_eq!(lines[0]["headers"], serde_json::json!(["a", "1"]));
    assert_eq!(lines[0]["key"], "6b");
    assert_eq!(lines[0]["payload"], "v");
    assert_eq!(lines[1]["key"], "");
    assert_eq!(lines[1]["payload"], " ");
    assert!(lines[1].get("headers").is_none());

    let out = stdout_of(
        &cluster,
        &[
            "consume",
            "t",
            "-o",
            "beginning",
            "-e",
            "--value-encoding",
            "base64",
        ],
    );
    assert_eq!(out, "dg==\nIA==\n");
}

/// Kafka allows a header name more than once: `-H` twice plus one from the input all arrive
/// and print in order, as kcat prints them.
#[test]
fn repeated_header_names_survive_the_round_trip() {
    let cluster = cluster_with(
        "dup",
        1,
        &["-H", "h=1", "-H", "h=2", "-f", "%h|%s"],
        "h=3|v\n",
    );
    let out = stdout_of(&cluster, &["consume", "dup", "-o", "beginning", "-e", "-J"]);
    let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        line["headers"],
        serde_json::json!(["h", "1", "h", "2", "h", "3"])
    );
}

#[test]
fn offsets_counts_and_partitions_select_records() {
    let cluster = cluster_with("t", 2, &["-f", "%p:%s"], "0:a\n0:b\n0:c\n0:d\n1:x\n1:y\n");
    let consume = |args: &[&str]| {
        let mut all = vec!["consume", "t", "-e", "-f", "%p%s "];
        all.extend_from_slice(args);
        stdout_of(&cluster, &all)
    };
    assert_eq!(consume(&["-o", "beginning"]), "0a 0b 0c 0d 1x 1y ");
    assert_eq!(consume(&["-p", "0", "-o", "2"]), "0c 0d ");
    assert_eq!(consume(&["-p", "0", "-o", "+1"]), "0b 0c 0d ");
    assert_eq!(consume(&["-o", "-1"]), "0d 1y ");
    assert_eq!(
        consume(&["-p", "0", "-o", "beginning", "-c", "2"]),
        "0a 0b "
    );
    assert_eq!(consume(&["-o", "end"]), "");
    // -c alone ends without -e.
    let out = stdout_of(
        &cluster,
        &["consume", "t", "-p", "1", "-o", "beginning", "-c", "1"],
    );
    assert_eq!(out, "x\n");
}

#[test]
fn time_offsets_start_at_a_timestamp_and_ranges_end_by_themselves() {
    let cluster = cluster_with("t", 1, &["-f", "%T|%s"], "1000|a\n2000|b\n3000|c\n4000|d\n");
    assert_eq!(
        stdout_of(&cluster, &["consume", "t", "-o", "@2500", "-e"]),
        "c\nd\n"
    );
    // No -e: the range's end stops kf.
    assert_eq!(
        stdout_of(&cluster, &["consume", "t", "-o", "@1500:3500"]),
        "b\nc\n"
    );
    assert_eq!(
        stdout_of(
            &cluster,
            &[
                "consume",
                "t",
                "-o",
                "@1970-01-01T00:00:01Z:1970-01-01T00:00:02Z"
            ]
        ),
        "a\n"
    );
    assert_eq!(
        stdout_of(&cluster, &["consume", "t", "-o", "@-1h", "-e"]),
        ""
    );
}

#[test]
fn several_topics_are_read_together() {
    let cluster = cluster_with("t1", 1, &[], "one\n");
    cluster.create_topic("t2", 1);
    cluster
        .kf(&["produce", "t2"])
        .write_stdin("two\n")
        .assert()
        .success();
    let out = stdout_of(
        &cluster,
        &[
            "consume",
            "t1",
            "t2",
            "-o",
            "beginning",
            "-e",
            "-f",
            "%t=%s\\n",
        ],
    );
    let mut lines: Vec<_> = out.lines().collect();
    lines.sort();
    assert_eq!(lines, vec!["t1=one", "t2=two"]);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let input: String = (0..20_000).map(|i| format!("{i:0>100}\n")).collect();
    let cluster = cluster_with("big", 1, &[], &input);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kf"))
        .args([
            "consume",
            "big",
            "-o",
            "beginning",
            "-e",
            "-b",
            &cluster.bootstrap,
        ])
        .env("HOME", cluster.home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first.len(), 101);
    // The reader is gone (as `| head` would be): kf must not complain.
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{status:?} {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn ctrl_c_exits_with_130() {
    let cluster = cluster_with("t", 1, &[], "first\n");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kf"))
        .args(["consume", "t", "-o", "beginning", "-b", &cluster.bootstrap])
        .env("HOME", cluster.home.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "first\n");
    // Printing came after installing the handler, so SIGINT is now handled.
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(child.wait().unwrap().code(), Some(130));
}

#[test]
fn missing_topics_and_partitions_fail_with_exit_1() {
    let cluster = TestCluster::start();
    cluster.create_topic("t", 2);
    cluster
        .kf(&["consume", "nowhere", "-e"])
        .timeout(Duration::from_secs(20))
        .assert()
        .failure()
        .code(1)
        .stderr("kf: error: topic 'nowhere' does not exist\n");
    cluster
        .kf(&["consume", "t", "-p", "5", "-e"])
        .assert()
        .failure()
        .code(1)
        .stderr("kf: error: topic 't' has no partition 5 (it has 2)\n");
}

#[test]
fn bad_flags_are_usage_errors() {
    let home = tempfile::tempdir().unwrap();
    let usage = |args: &[&str], says: &str| {
        kf(home.path())
            .args(args)
            .args(["-b", "127.0.0.1:1"])
            .assert()
            .failure()
            .code(2)
            .stderr(predicate::str::contains(says));
    };
    usage(&["consume", "t", "-o", "soon"], "'soon' is not an offset");
    usage(&["consume", "t", "-o", "@yesterday"], "is not a time");
    usage(
        &["consume", "t", "-o", "@2000:1000"],
        "the range ends before it starts",
    );
    usage(&["consume", "t", "-f", "%z"], "unknown escape %z");
    usage(&["consume", "t", "-f", "%d{%Q}"], "bad strftime pattern");
    usage(
        &["consume", "t", "-G", "g", "-o", "5"],
        "with -G, -o is beginning or end",
    );
    usage(
        &["consume", "t", "-G", "g", "-p", "0"],
        "cannot be used with",
    );
    usage(&["consume", "t", "-J", "-f", "%s"], "cannot be used with");
    usage(
        &["consume", "t", "--isolation", "dirty"],
        "invalid value 'dirty'",
    );
    usage(
        &["consume", "t", "--group-protocol", "consumer"],
        "--group <GROUP>",
    );
    usage(
        &["consume", "t", "-G", "g", "--group-protocol", "eager"],
        "invalid value 'eager'",
    );
    usage(&["consume"], "required");
}

#[test]
fn an_unreachable_cluster_fails_within_the_api_timeout() {
    let home = tempfile::tempdir().unwrap();
    kf(home.path())
        .args([
            "consume",
            "t",
            "-e",
            "-b",
            "127.0.0.1:1",
            "-X",
            "default.api.timeout.ms=1000",
        ])
        .timeout(Duration::from_secs(30))
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::starts_with(
            "kf: error: cannot reach the Kafka cluster",
        ));
}
