//! `kf top`: `--once -o json|text` checked against the cluster as librdkafka sees it (a
//! librdkafka group member's assignment, committed offsets and lag included), a broker kf did
//! not write (librdkafka's mock, without DescribeQuorum), and the live dashboard run in tmux: a
//! topic and its partition rows appear after a produce, a group and its members on the Groups
//! view, a librdkafka transaction Ongoing then CompleteCommit on the Transactions view, the
//! fault keys kill, start, isolate and heal brokers of a local `kf cluster up`, and
//! `q` restores the terminal.

use std::process::Command as Process;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

use super::cluster_faults::Detached;
use super::kf;
use super::topic::TestCluster;

const TIMEOUT: Duration = Duration::from_secs(60);

fn json(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Produces `counts[p]` records to partition `p` of `topic` with librdkafka.
fn produce(cluster: &TestCluster, topic: &str, counts: &[usize]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap())
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    for (partition, count) in counts.iter().enumerate() {
        for i in 0..*count {
            let value = format!("record-{i}");
            producer
                .send(
                    BaseRecord::<(), str>::to(topic)
                        .partition(partition as i32)
                        .payload(&value),
                )
                .unwrap();
        }
    }
    producer.flush(TIMEOUT).unwrap();
}

/// A librdkafka consumer in `group` subscribed to `topic`.
fn group_member(cluster: &TestCluster, group: &str, topic: &str) -> BaseConsumer {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap())
        .set("group.id", group)
        .set("client.id", "top-test")
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    consumer
}

/// Polls until `n` records arrived, then commits them.
fn consume_and_commit(consumer: &BaseConsumer, n: usize) {
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = 0;
    while seen < n {
        assert!(Instant::now() < deadline, "only {seen} of {n} records");
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            message.unwrap();
            seen += 1;
        }
    }
    consumer.commit_consumer_state(CommitMode::Sync).unwrap();
}

/// A table row of the screen as its cells, the borders left out.
fn cells(line: &str) -> Vec<&str> {
    line.trim_matches(|c: char| c == '│' || c.is_whitespace())
        .split_whitespace()
        .collect()
}

fn ids(value: &serde_json::Value) -> Vec<i32> {
    let mut ids: Vec<i32> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap() as i32)
        .collect();
    ids.sort();
    ids
}

#[test]
fn once_json_matches_the_clusters_state() {
    let cluster = TestCluster::start(3);
    cluster
        .kf(&["topic", "create", "orders", "-p", "3"])
        .assert()
        .success();
    let counts = [5, 3, 0];
    produce(&cluster, "orders", &counts);

    let top = json(
        &cluster
            .kf(&["top", "--once", "-o", "json"])
            .output()
            .unwrap(),
    );
    let metadata = cluster.rdkafka_metadata(None);

    let mut expected: Vec<(i64, i64)> = metadata
        .brokers()
        .iter()
        .map(|b| (i64::from(b.id()), i64::from(b.port())))
        .collect();
    expected.sort();
    let brokers: Vec<(i64, i64)> = top["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["id"].as_i64().unwrap(), b["port"].as_i64().unwrap()))
        .collect();
    assert_eq!(brokers, expected);
    assert_eq!(top["metadata"]["status"], "fresh");
    assert_eq!(top["offsets"]["status"], "fresh");

    let orders = metadata
        .topics()
        .iter()
        .find(|t| t.name() == "orders")
        .unwrap();
    let topic = top["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "orders")
        .unwrap();
    assert_eq!(topic["partitions"], 3);
    assert_eq!(topic["records"], 8);
    assert_eq!(top["totals"]["partitions"].as_u64().unwrap() as usize, {
        metadata
            .topics()
            .iter()
            .map(|t| t.partitions().len())
            .sum::<usize>()
    });

    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap())
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    let mut leaders_per_broker = std::collections::BTreeMap::<i32, u64>::new();
    for p in orders.partitions() {
        *leaders_per_broker.entry(p.leader()).or_default() += 1;
        let row = topic["partition_list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["partition"] == p.id())
            .unwrap();
        assert_eq!(row["leader"], p.leader());
        assert_eq!(ids(&row["replicas"]), {
            let mut r = p.replicas().to_vec();
            r.sort();
            r
        });
        assert_eq!(ids(&row["isr"]), {
            let mut r = p.isr().to_vec();
            r.sort();
            r
        });
        let (low, high) = consumer
            .fetch_watermarks("orders", p.id(), TIMEOUT)
            .unwrap();
        assert_eq!(row["log_start_offset"], low);
        assert_eq!(row["high_watermark"], high);
        assert_eq!(high, counts[p.id() as usize] as i64);
        // No transactions: the last stable offset is the high watermark.
        assert_eq!(row["last_stable_offset"], high);
        // acks=all: every replica has the records, the log end is the high watermark.
        assert_eq!(row["log_end_offset"], high);
        let size = row["size_bytes"].as_i64().unwrap();
        assert_eq!(size > 0, high > 0, "{row}");
        // One poll: no rate yet.
        assert_eq!(row["records_per_s"], serde_json::Value::Null);
    }
    let controller = top["controller_id"].as_i64().unwrap();
    for b in top["brokers"].as_array().unwrap() {
        let id = b["id"].as_i64().unwrap() as i32;
        assert_eq!(b["controller"], id as i64 == controller);
        assert!(
            b["leaders"].as_u64().unwrap() >= leaders_per_broker.get(&id).copied().unwrap_or(0)
        );
    }

    let quorum = &top["quorum"];
    assert_eq!(quorum["status"], "fresh");
    assert_eq!(quorum["replicas"].as_array().unwrap().len(), 3);
    assert!(quorum["high_watermark"].as_i64().unwrap() > 0);
    // kf serves groups; none exist yet.
    assert_eq!(top["groups"]["status"], "fresh");
    assert_eq!(top["groups"]["groups"], serde_json::json!([]));
    // kf serves ListTransactions and DescribeTransactions; no transactional id exists yet.
    assert_eq!(top["transactions"]["status"], "fresh");
    assert_eq!(top["transactions"]["transactions"], serde_json::json!([]));

    let text = cluster.kf(&["top", "--once"]).output().unwrap();
    assert!(text.status.success(), "{text:?}");
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("topics 1  partitions 3"), "{text}");
    let orders_line = text
        .lines()
        .find(|l| l.starts_with("orders ") && l.split_whitespace().nth(1) == Some("0"))
        .unwrap();
    assert_eq!(orders_line.split_whitespace().nth(7), Some("5"), "{text}");

    // A librdkafka member in group `audit` read all 8 and committed; 2 more arrive at
    // partition 0, so its lag there is 2.
    let member = group_member(&cluster, "audit", "orders");
    consume_and_commit(&member, 8);
    produce(&cluster, "orders", &[2]);
    let top = json(
        &cluster
            .kf(&["top", "--once", "-o", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(top["groups"]["status"], "fresh");
    let groups = top["groups"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    let audit = &groups[0];
    assert_eq!(audit["group_id"], "audit");
    assert_eq!(audit["state"], "Stable");
    assert_eq!(audit["protocol_type"], "consumer");
    assert_eq!(audit["protocol"], "range");
    let members = audit["members"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["client_id"], "top-test");
    let assigned: Vec<i64> = members[0]["assignment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tp| {
            assert_eq!(tp["topic"], "orders");
            tp["partition"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(assigned, [0, 1, 2]);
    let offset = |partition: i64| {
        audit["offsets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["topic"] == "orders" && o["partition"] == partition)
            .unwrap_or_else(|| panic!("no committed offset of orders-{partition}: {audit}"))
            .clone()
    };
    assert_eq!(offset(0)["committed_offset"], 5);
    assert_eq!(offset(0)["lag"], 2);
    assert_eq!(offset(1)["committed_offset"], 3);
    assert_eq!(offset(1)["lag"], 0);
    let text = cluster.kf(&["top", "--once"]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    let orders_line = text
        .lines()
        .find(|l| l.starts_with("orders ") && l.split_whitespace().nth(1) == Some("0"))
        .unwrap();
    assert_eq!(orders_line.split_whitespace().nth(7), Some("7"), "{text}");
    // The group, its protocol, one member and its lag.
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["audit", "Stable", "range", "1", "2"]),
        "{text}"
    );
    drop(member);
}

#[test]
fn once_against_a_broker_without_describe_quorum_says_why() {
    let mock = MockCluster::new(2).unwrap();
    let home = tempfile::tempdir().unwrap();
    let top = json(
        &kf(home.path())
            .args([
                "top",
                "--once",
                "-o",
                "json",
                "-b",
                &mock.bootstrap_servers(),
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(
        ids(&serde_json::json!(top["brokers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].clone())
            .collect::<Vec<_>>())),
        [1, 2]
    );
    assert_eq!(top["quorum"]["status"], "unsupported");
    // Neither does the mock offer ListGroups nor ListTransactions.
    assert_eq!(top["groups"]["status"], "unsupported");
    assert_eq!(top["transactions"]["status"], "unsupported");
    assert!(top["quorum"]["reason"]
        .as_str()
        .unwrap()
        .contains("DescribeQuorum"));
}

#[test]
fn output_without_once_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    kf(home.path())
        .args(["top", "-o", "json", "-b", "127.0.0.1:1"])
        .assert()
        .code(2);
    kf(home.path())
        .args(["top", "--interval", "5ms", "-b", "127.0.0.1:1"])
        .assert()
        .code(2);
}

#[test]
fn the_dashboard_without_a_terminal_says_so() {
    let cluster = TestCluster::start(1);
    cluster
        .kf(&["top"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("needs a terminal; use --once"));
}

/// A tmux server of its own, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// A server named after the test, so tests running at once do not share it.
    fn new(test: &str) -> Tmux {
        let available = Process::new("tmux").arg("-V").output();
        assert!(
            available.is_ok_and(|o| o.status.success()),
            "this test needs tmux (apt-get install tmux)"
        );
        Tmux {
            socket: format!("kf-top-test-{}-{test}", std::process::id()),
        }
    }

    fn run(&self, args: &[&str]) -> String {
        let output = Process::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "tmux {args:?}: {output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "top"])
    }

    /// Waits until the screen satisfies `check`, returning it.
    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} on the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs `kf top --interval 300ms ARGS` in a 120x30 window with `home` as its home; when
    /// it exits the window shows its exit code, whether the terminal is canonical again, and
    /// KF-DONE.
    fn start_top(&self, home: &std::path::Path, args: &[&str]) {
        let kf_bin = assert_cmd::cargo::cargo_bin("kf");
        let command = format!(
            "env HOME={home} XDG_STATE_HOME={home}/state XDG_DATA_HOME={home}/data \
             XDG_CONFIG_HOME={home}/.config {kf} top --interval 300ms {args}; \
             echo KF-EXIT=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon'; echo KF-DONE; sleep 600",
            home = home.display(),
            kf = kf_bin.display(),
            args = args.join(" "),
        );
        self.run(&[
            "new-session",
            "-d",
            "-s",
            "top",
            "-x",
            "120",
            "-y",
            "30",
            &command,
        ]);
    }

    /// Quits with `q` and checks the terminal is restored.
    fn quit(&self) {
        self.keys(&["q"]);
        let screen = self.wait_for("kf's exit", |s| s.contains("KF-DONE"));
        assert!(screen.contains("KF-EXIT=0"), "{screen}");
        // Raw mode is off again (canonical input), and the dashboard left the alternate screen.
        assert!(screen.lines().any(|l| l.trim() == "icanon"), "{screen}");
        assert!(!screen.contains("kf top  1 Cluster"), "{screen}");
        let modes = self.run(&[
            "display",
            "-p",
            "-t",
            "top",
            "#{alternate_on} #{mouse_any_flag}",
        ]);
        assert_eq!(modes.trim(), "0 0");
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "top"];
        args.extend_from_slice(keys);
        self.run(&args);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Process::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

#[test]
fn dashboard_in_tmux_shows_a_new_topics_partitions_and_q_restores_the_terminal() {
    let cluster = TestCluster::start(3);
    let tmux = Tmux::new("dashboard");
    tmux.start_top(cluster.home.path(), &["-b", &cluster.bootstrap()]);
    tmux.wait_for("brokers", |s| s.contains("Brokers (3)"));
    tmux.keys(&["2"]);
    tmux.wait_for("the topic list", |s| s.contains("Topics ("));

    cluster
        .kf(&["topic", "create", "live", "-p", "2"])
        .assert()
        .success();
    produce(&cluster, "live", &[7, 0]);
    tmux.wait_for("the new topic", |s| {
        s.lines()
            .any(|l| l.starts_with("│live ") && l.contains(" 7 "))
    });

    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the topic's partitions with offsets", |s| {
        s.contains("Topic live · 2 partitions")
            && s.lines().any(|l| {
                let cells: Vec<&str> = l.trim_start_matches('│').split_whitespace().collect();
                cells.first() == Some(&"0") && cells.get(6) == Some(&"7")
            })
    });
    assert!(
        screen.lines().any(|l| {
            let cells: Vec<&str> = l.trim_start_matches('│').split_whitespace().collect();
            cells.first() == Some(&"1") && cells.get(6) == Some(&"0")
        }),
        "{screen}"
    );

    // A librdkafka member reads and commits the 7 records: the Groups view lists its group,
    // and Enter shows the member, its assignment and the committed offsets with their lag.
    let member = group_member(&cluster, "readers", "live");
    consume_and_commit(&member, 7);
    tmux.keys(&["3"]);
    tmux.wait_for("the group", |s| {
        s.lines().any(|l| {
            let cells: Vec<&str> = l.trim_start_matches('│').split_whitespace().collect();
            cells.starts_with(&["readers", "Stable", "consumer", "range", "1", "0"])
        })
    });
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the group's members and offsets", |s| {
        s.contains("Group readers · Stable · 1 members")
            && s.lines().any(|l| cells(l) == ["live", "0", "7", "0"])
    });
    assert!(
        screen
            .lines()
            .any(|l| l.contains("top-test") && l.contains("live-0,live-1")),
        "{screen}"
    );
    drop(member);

    // A librdkafka transaction left open shows as Ongoing with its partition, in --once and on
    // the Transactions view; after the commit it is CompleteCommit, and the change is listed.
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap())
        .set("broker.address.family", "v4")
        .set("transactional.id", "live-writer")
        .set("transaction.timeout.ms", "60000")
        .create()
        .unwrap();
    producer.init_transactions(TIMEOUT).unwrap();
    producer.begin_transaction().unwrap();
    producer
        .send(
            BaseRecord::<(), str>::to("live")
                .partition(1)
                .payload("in a transaction"),
        )
        .unwrap();
    producer.flush(TIMEOUT).unwrap();
    tmux.keys(&["4"]);
    let txn_row = |state: &'static str| {
        move |s: &str| {
            s.lines().any(|l| {
                let cells = cells(l);
                cells.len() >= 5 && cells[0] == "live-writer" && cells[1] == state
            })
        }
    };
    let screen = tmux.wait_for("the open transaction", txn_row("Ongoing"));
    assert!(screen.contains("live-1"), "{screen}");
    let once = json(
        &cluster
            .kf(&["top", "--once", "-o", "json"])
            .output()
            .unwrap(),
    );
    let listed = &once["transactions"]["transactions"][0];
    assert_eq!(listed["transactional_id"], "live-writer", "{once:#}");
    assert_eq!(listed["state"], "Ongoing");
    assert_eq!(listed["timeout_ms"], 60000);
    assert_eq!(
        listed["partitions"],
        serde_json::json!([{"topic": "live", "partition": 1}])
    );
    assert!(listed["start_timestamp_ms"].as_i64().unwrap() > 0);
    // The open transaction's record is below the log end and the high watermark, not the last
    // stable offset.
    let live_1 = once["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "live")
        .unwrap()["partition_list"][1]
        .clone();
    assert_eq!(
        (
            &live_1["last_stable_offset"],
            &live_1["high_watermark"],
            &live_1["log_end_offset"]
        ),
        (&0.into(), &1.into(), &1.into()),
        "{live_1}"
    );
    // The pane is kf txn trace's: the transitions as the coordinator wrote them, newest first.
    let trace_lines = |s: &str, changes: &[&str]| {
        let lines: Vec<&str> = s
            .lines()
            .filter(|l| l.contains("live-writer") && l.contains(" -> "))
            .collect();
        changes
            .iter()
            .rev()
            .enumerate()
            .all(|(i, change)| lines.get(i).is_some_and(|l| l.contains(change)))
    };
    let screen = tmux.wait_for("the trace's transitions of the open transaction", |s| {
        trace_lines(s, &["- -> Empty", "Empty -> Ongoing"])
    });
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Empty -> Ongoing") && l.contains("live-1")),
        "{screen}"
    );
    producer.commit_transaction(TIMEOUT).unwrap();
    let screen = tmux.wait_for("the committed transaction and its trace", |s| {
        txn_row("CompleteCommit")(s)
            && trace_lines(
                s,
                &[
                    "- -> Empty",
                    "Empty -> Ongoing",
                    "Ongoing -> PrepareCommit",
                    "PrepareCommit -> CompleteCommit",
                ],
            )
    });
    // The commit marker, between the prepare and the completion, as kf txn trace prints it.
    let marker = screen
        .lines()
        .position(|l| l.contains("live-writer") && l.contains("COMMIT marker at offset 1"))
        .unwrap_or_else(|| panic!("no commit marker in the pane:\n{screen}"));
    let position = |change: &str| screen.lines().position(|l| l.contains(change)).unwrap();
    assert!(
        position("PrepareCommit -> CompleteCommit") < marker,
        "{screen}"
    );
    assert!(marker < position("Ongoing -> PrepareCommit"), "{screen}");
    assert!(
        screen.lines().any(|l| l.contains("kf txn trace")),
        "{screen}"
    );

    tmux.quit();
}

/// Broker `id`'s state on the Cluster view (the STATE cell of its row).
fn broker_state(screen: &str, id: &str) -> Option<String> {
    screen.lines().find_map(|l| {
        let cells = cells(l);
        (cells.first() == Some(&id) && cells.len() >= 4).then(|| cells[3].to_string())
    })
}

#[test]
fn fault_keys_on_a_local_cluster_kill_start_isolate_and_heal_the_selected_broker() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("cluster");
    kf(home.path())
        .args(["cluster", "up", "-n", "3", "-p", "0", "--detach"])
        .args(["-c", "broker.session.timeout.ms=1500"])
        .args(["-c", "broker.heartbeat.interval.ms=250"])
        .arg("--data-dir")
        .arg(&data)
        .assert()
        .success();
    let cluster = Detached::new(home.path(), &data);
    kf(home.path())
        .args(["topic", "create", "spread", "-p", "3"])
        .assert()
        .success();
    // One partition on every broker: a killed broker leaves its ISR, a restarted one rejoins.
    kf(home.path())
        .args(["topic", "create", "mirrored", "-p", "1", "-r", "3"])
        .assert()
        .success();
    let tmux = Tmux::new("faults");
    // No -b: kf top watches the local cluster, as every client command does.
    tmux.start_top(home.path(), &[]);
    let state_is = |id: &'static str, state: &'static str| {
        move |s: &str| broker_state(s, id).as_deref() == Some(state)
    };
    tmux.wait_for("three brokers up", |s| {
        s.contains("k kill · s start") && ["0", "1", "2"].iter().all(|id| state_is(id, "up")(s))
    });
    tmux.keys(&["Down", "k"]);
    tmux.wait_for("broker 1 killed", |s| {
        s.contains("broker 1 killed") && state_is("1", "down")(s)
    });
    // Its partition has no leader now, and the replicated one's ISR shrinks without it.
    tmux.wait_for("an offline partition", |s| s.contains("offline 1"));
    tmux.wait_for("the ISR shrinking", |s| s.contains("under-replicated 1"));
    let described = json(
        &kf(home.path())
            .args(["topic", "describe", "mirrored", "-o", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(ids(&described[0]["partitions"][0]["isr"]), [0, 2]);
    let once = json(
        &kf(home.path())
            .args(["top", "--once", "-o", "json"])
            .output()
            .unwrap(),
    );
    let states: Vec<(i64, String)> = once["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_i64().unwrap(),
                b["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [(0, "up".into()), (1, "down".into()), (2, "up".into())]
    );
    // Seen as any cluster (not the local one of this home), the killed broker is fenced, as
    // DescribeCluster v2 lists it.
    let status: serde_json::Value = serde_json::from_slice(
        &kf(home.path())
            .args(["cluster", "status", "-o", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let bootstrap = status["bootstrap_servers"].as_str().unwrap().to_string();
    let elsewhere = tempfile::tempdir().unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let once = json(
            &kf(elsewhere.path())
                .args(["top", "--once", "-o", "json", "-b", &bootstrap])
                .output()
                .unwrap(),
        );
        let broker1 = once["brokers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == 1)
            .cloned();
        if broker1.as_ref().is_some_and(|b| b["state"] == "fenced") {
            assert_ne!(broker1.unwrap()["port"], -1);
            break;
        }
        assert!(Instant::now() < deadline, "broker 1 never fenced: {once:#}");
        std::thread::sleep(Duration::from_millis(300));
    }
    tmux.keys(&["s"]);
    tmux.wait_for("broker 1 started", |s| {
        s.contains("broker 1 started") && state_is("1", "up")(s)
    });
    tmux.wait_for("the ISR growing back", |s| {
        s.contains("under-replicated 0") && s.contains("offline 0")
    });
    tmux.keys(&["Down", "i"]);
    tmux.wait_for("broker 2 isolated", |s| {
        s.contains("broker 2 isolated") && state_is("2", "isolated")(s)
    });
    tmux.keys(&["h"]);
    tmux.wait_for("broker 2 healed", |s| {
        s.contains("broker 2's links restored") && state_is("2", "up")(s)
    });
    // A refusal is one red line, and the dashboard goes on.
    tmux.keys(&["s"]);
    tmux.wait_for("the refusal", |s| s.contains("broker 2 is already running"));
    tmux.quit();
    cluster.down();
}
