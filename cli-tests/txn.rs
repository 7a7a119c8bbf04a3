//! `kf txn ...` against a kf cluster's transaction coordinators, with librdkafka transactional
//! producers making the state (one committed, one left open), and hanging transactions made
//! the way they happen in the wild: transactional data written with no coordinator knowing of
//! it (a raw Produce), which `find-hanging` must find and `abort` must clear.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{ProduceRequest, TopicName};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use kf::client::{Client, ClientConfig};
use rdkafka::config::ClientConfig as RdConfig;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use serde_json::Value;

use super::topic::TestCluster;

const TIMEOUT: Duration = Duration::from_secs(60);

/// A librdkafka transactional producer that wrote one record to each of `partitions` of
/// `topic` in a transaction, committed when `commit`, else left open (the producer is
/// returned so that it stays alive).
pub fn rdkafka_transaction(
    bootstrap: &str,
    transactional_id: &str,
    topic: &str,
    partitions: &[i32],
    commit: bool,
) -> ThreadedProducer<DefaultProducerContext> {
    let producer: ThreadedProducer<DefaultProducerContext> = RdConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("transactional.id", transactional_id)
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    producer.init_transactions(TIMEOUT).unwrap();
    producer.begin_transaction().unwrap();
    for p in partitions {
        let value = format!("{transactional_id}-{p}");
        producer
            .send(BaseRecord::<(), _>::to(topic).payload(&value).partition(*p))
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(TIMEOUT).unwrap();
    if commit {
        producer.commit_transaction(TIMEOUT).unwrap();
    }
    producer
}

/// Writes one transactional record to `topic`-0 as producer `producer_id` (epoch 0) with no
/// coordinator involved, timestamped 20 minutes ago: a transaction only an admin can end.
pub fn hanging_transaction(bootstrap: &str, topic: &str, producer_id: i64) {
    let now = kf::clock::now_ms();
    let record = Record {
        transactional: true,
        control: false,
        partition_leader_epoch: -1,
        producer_id,
        producer_epoch: 0,
        timestamp_type: TimestampType::Creation,
        offset: 0,
        sequence: 0,
        timestamp: now - 20 * 60_000,
        key: None,
        value: Some(Bytes::from_static(b"hanging")),
        headers: Default::default(),
        delete_horizon: false,
    };
    let mut batch = BytesMut::new();
    RecordBatchEncoder::encode(
        &mut batch,
        [&record],
        &RecordEncodeOptions {
            version: 2,
            compression: Compression::None,
        },
    )
    .unwrap();
    let request = ProduceRequest::default()
        .with_acks(-1)
        .with_timeout_ms(30_000)
        .with_topic_data(vec![TopicProduceData::default()
            .with_name(TopicName(StrBytes::from_string(topic.to_string())))
            .with_partition_data(vec![PartitionProduceData::default()
                .with_index(0)
                .with_records(Some(batch.freeze()))])]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = Client::connect(ClientConfig::new(bootstrap)).await.unwrap();
        let leader = client.leader_id(topic, 0).await.unwrap();
        let response = client
            .broker(leader)
            .await
            .unwrap()
            .send(&request)
            .await
            .unwrap();
        assert_eq!(response.responses[0].partition_responses[0].error_code, 0);
    });
}

fn json(cluster: &TestCluster, args: &[&str]) -> Value {
    let output = cluster.kf(args).assert().success().get_output().clone();
    serde_json::from_slice(&output.stdout).unwrap()
}

/// [`json`] of a `kf txn` listing once none of its transactions is in PrepareCommit: a
/// committed transaction's Complete record may wait (`transaction.complete.linger.ms`) for its
/// producer's next transaction.
fn json_once_complete(cluster: &TestCluster, args: &[&str]) -> Value {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let listed = json(cluster, args);
        let completing = listed
            .as_array()
            .is_some_and(|l| l.iter().any(|t| t["state"] == "PrepareCommit"));
        if !completing || std::time::Instant::now() > deadline {
            return listed;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn ids(listed: &Value) -> Vec<&str> {
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["transactional_id"].as_str().unwrap())
        .collect()
}

#[test]
fn list_describe_and_producers_show_librdkafka_transactions() {
    let cluster = TestCluster::start(3);
    let bootstrap = cluster.bootstrap();
    cluster
        .kf(&["topic", "create", "orders", "-p", "3"])
        .assert()
        .success();
    let committed = rdkafka_transaction(&bootstrap, "tx-done", "orders", &[0], true);
    let open = rdkafka_transaction(&bootstrap, "tx-open", "orders", &[1, 2], false);

    let listed = json_once_complete(&cluster, &["txn", "list", "-o", "json"]);
    assert_eq!(ids(&listed), ["tx-done", "tx-open"], "{listed}");
    assert_eq!(listed[0]["state"], "CompleteCommit");
    assert_eq!(listed[1]["state"], "Ongoing");
    let ongoing = json(
        &cluster,
        &["txn", "list", "--state", "ongoing", "-o", "json"],
    );
    assert_eq!(ids(&ongoing), ["tx-open"]);
    let by_producer = listed[0]["producer_id"].to_string();
    let by_id = json(
        &cluster,
        &["txn", "list", "--producer-id", &by_producer, "-o", "json"],
    );
    assert_eq!(ids(&by_id), ["tx-done"]);
    // Kafka's duration filter also matches a completed transaction (its start time stays);
    // --min-duration lists only transactions still open.
    let running = json(
        &cluster,
        &["txn", "list", "--min-duration", "0s", "-o", "json"],
    );
    assert_eq!(ids(&running), ["tx-open"], "{running}");
    let long_running = json(
        &cluster,
        &["txn", "list", "--min-duration", "1h", "-o", "json"],
    );
    assert_eq!(long_running, serde_json::json!([]));

    // -e ends at the last stable offset for read_committed: the open transaction's records
    // (partitions 1 and 2 from offset 0) are not waited for, with or without a group.
    for group in [&[][..], &["-G", "reader"][..]] {
        let mut args = vec![
            "consume",
            "orders",
            "-o",
            "beginning",
            "-e",
            "--isolation",
            "read_committed",
        ];
        args.extend_from_slice(group);
        cluster
            .kf(&args)
            .timeout(TIMEOUT)
            .assert()
            .success()
            .stdout("tx-done-0\n");
    }
    let uncommitted = cluster
        .kf(&["consume", "orders", "-o", "beginning", "-e", "-f", "%s,"])
        .timeout(TIMEOUT)
        .assert()
        .success();
    let mut values: Vec<String> = String::from_utf8_lossy(&uncommitted.get_output().stdout)
        .split_terminator(',')
        .map(str::to_string)
        .collect();
    values.sort();
    assert_eq!(values, ["tx-done-0", "tx-open-1", "tx-open-2"]);

    let described = json(
        &cluster,
        &["txn", "describe", "tx-open", "tx-done", "-o", "json"],
    );
    let open_txn = &described[0];
    assert_eq!(open_txn["state"], "Ongoing");
    assert_eq!(open_txn["producer_id"], listed[1]["producer_id"]);
    assert_eq!(open_txn["producer_epoch"], 0);
    assert_eq!(
        open_txn["partitions"],
        serde_json::json!([
            {"topic": "orders", "partition": 1},
            {"topic": "orders", "partition": 2}
        ])
    );
    assert!(open_txn["transaction_duration_ms"].as_i64().unwrap() >= 0);
    assert_eq!(open_txn["coordinator"]["node_id"], listed[1]["coordinator"]);
    assert_eq!(described[1]["state"], "CompleteCommit");
    assert_eq!(described[1]["partitions"], serde_json::json!([]));
    let text = cluster
        .kf(&["txn", "describe", "tx-open"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&text.get_output().stdout).into_owned();
    assert!(
        text.contains("Ongoing") && text.contains("orders-1,orders-2"),
        "{text}"
    );

    // The open transaction's producer holds partitions 1 and 2 from their first offset.
    let producers = json(&cluster, &["txn", "producers", "orders", "-o", "json"]);
    let open_pid = &listed[1]["producer_id"];
    let open_in: Vec<(i64, i64)> = producers
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| &p["producer_id"] == open_pid)
        .map(|p| {
            (
                p["partition"].as_i64().unwrap(),
                p["current_transaction_start_offset"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(open_in, [(1, 0), (2, 0)], "{producers}");
    let only_0 = json(
        &cluster,
        &[
            "txn",
            "producers",
            "orders",
            "--partition",
            "0",
            "-o",
            "json",
        ],
    );
    assert_eq!(only_0.as_array().unwrap().len(), 1, "{only_0}");
    assert_eq!(only_0[0]["producer_id"], listed[0]["producer_id"]);
    assert!(only_0[0]["current_transaction_start_offset"].is_null());

    // The coordinator knows the open transaction: it is not hanging, even past any timeout.
    let hanging = json(
        &cluster,
        &[
            "txn",
            "find-hanging",
            "--max-transaction-timeout",
            "0",
            "-o",
            "json",
        ],
    );
    assert_eq!(hanging, serde_json::json!([]));

    // Mistakes: one line on stderr, exit 1 for what the cluster says, 2 for usage.
    cluster
        .kf(&["txn", "describe", "nobody"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "transactional id 'nobody' does not exist",
        ));
    cluster
        .kf(&["txn", "list", "--state", "Sleeping"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "unknown transaction state 'Sleeping'",
        ));
    cluster
        .kf(&["txn", "producers", "orders", "--partition", "9"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("no partition 9"));
    cluster
        .kf(&["txn", "abort", "--topic", "orders", "--partition", "0"])
        .assert()
        .code(2);
    drop((committed, open));
}

#[test]
fn find_hanging_and_abort_clear_transactions_no_coordinator_knows() {
    let cluster = TestCluster::start(1);
    let bootstrap = cluster.bootstrap();
    for topic in ["hang", "quiet"] {
        cluster
            .kf(&["topic", "create", topic, "-p", "1"])
            .assert()
            .success();
    }
    hanging_transaction(&bootstrap, "hang", 7000);

    // Found with the default 15-minute timeout (the record is 20 minutes old), by topic and
    // by broker; not in a topic without it.
    let found = json(&cluster, &["txn", "find-hanging", "-o", "json"]);
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["topic"], "hang");
    assert_eq!(found[0]["producer_id"], 7000);
    assert_eq!(found[0]["current_transaction_start_offset"], 0);
    let by_broker = json(
        &cluster,
        &["txn", "find-hanging", "--broker", "0", "-o", "json"],
    );
    assert_eq!(by_broker, found);
    let elsewhere = json(
        &cluster,
        &["txn", "find-hanging", "--topic", "quiet", "-o", "json"],
    );
    assert_eq!(elsewhere, serde_json::json!([]));
    let younger = json(
        &cluster,
        &[
            "txn",
            "find-hanging",
            "--max-transaction-timeout",
            "30",
            "-o",
            "json",
        ],
    );
    assert_eq!(younger, serde_json::json!([]));

    cluster
        .kf(&[
            "txn",
            "abort",
            "--topic",
            "hang",
            "--partition",
            "0",
            "--start-offset",
            "5",
        ])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "no open transaction starts at offset 5",
        ));
    cluster
        .kf(&[
            "txn",
            "abort",
            "--topic",
            "hang",
            "--partition",
            "0",
            "--start-offset",
            "0",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "Aborted the transaction of producer 7000",
        ));
    let found = json(&cluster, &["txn", "find-hanging", "-o", "json"]);
    assert_eq!(found, serde_json::json!([]));
    cluster
        .kf(&["produce", "hang"])
        .write_stdin("after\n")
        .assert()
        .success();
    // read_committed readers move past the aborted record to the next one.
    let out = cluster
        .kf(&[
            "consume",
            "hang",
            "-o",
            "beginning",
            "-c",
            "1",
            "--isolation",
            "read_committed",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "after\n");

    // By producer id and epoch, as for brokers before Kafka 3.0.
    hanging_transaction(&bootstrap, "hang", 7001);
    let found = json(
        &cluster,
        &["txn", "find-hanging", "--topic", "hang", "-o", "json"],
    );
    assert_eq!(found[0]["producer_id"], 7001);
    cluster
        .kf(&[
            "txn",
            "abort",
            "--topic",
            "hang",
            "--partition",
            "0",
            "--producer-id",
            "7001",
            "--producer-epoch",
            "0",
            "--coordinator-epoch",
            "-1",
            "-o",
            "json",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("\"producer_id\": 7001"));
    let found = json(
        &cluster,
        &["txn", "find-hanging", "--topic", "hang", "-o", "json"],
    );
    assert_eq!(found, serde_json::json!([]));
}

/// `kf txn trace -o json` lines until `last` (a state) appears for `transactional_id`, while
/// `work` runs once the trace is following.
fn trace_until(
    cluster: &TestCluster,
    transactional_id: &str,
    last: &str,
    work: impl FnOnce(),
) -> Vec<Value> {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kf"))
        .args([
            "txn",
            "trace",
            transactional_id,
            "-o",
            "json",
            "-b",
            &cluster.bootstrap(),
        ])
        .env("HOME", cluster.home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut ready = String::new();
    stderr.read_line(&mut ready).unwrap();
    assert!(ready.starts_with("Following transactions"), "{ready}");
    work();
    let (lines, received) = std::sync::mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut events = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let Ok(line) = received.recv_timeout(left) else {
            let _ = child.kill();
            panic!("no {last} within {TIMEOUT:?}: {events:#?}");
        };
        let event: Value = serde_json::from_str(&line).unwrap();
        let done = event["event"] == "transition" && event["state"] == last;
        events.push(event);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    events
}

/// The partitions of an event as `topic-partition` strings.
fn partitions(event: &Value) -> Vec<String> {
    event["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}-{}", p["topic"].as_str().unwrap(), p["partition"]))
        .collect()
}

/// Checks one transaction's events: the states in order (repeated Ongoing transitions, one
/// per AddPartitionsToTxn, counted once), the prepare's partitions, and one marker of `kind`
/// per partition between the prepare and the completion.
fn check_transaction(events: &[Value], from: &str, ending: [&str; 2], kind: &str, parts: &[&str]) {
    let mut states: Vec<(String, String)> = Vec::new();
    let mut markers = Vec::new();
    let mut seen_prepare = false;
    for e in events {
        if e["event"] == "marker" {
            assert!(seen_prepare, "marker before the prepare: {events:#?}");
            assert_eq!(e["marker"], kind);
            assert_eq!(e["state"], ending[0]);
            markers.extend(partitions(e));
            continue;
        }
        let step = (
            e["previous_state"].as_str().unwrap_or("-").to_string(),
            e["state"].as_str().unwrap().to_string(),
        );
        if step.1 == ending[0] {
            seen_prepare = true;
            assert_eq!(partitions(e), parts);
        }
        if step.1 == ending[1] {
            markers.sort();
            assert_eq!(markers, parts, "markers before {}: {events:#?}", ending[1]);
        }
        if step != ("Ongoing".to_string(), "Ongoing".to_string()) {
            states.push(step);
        }
        assert!(e["producer_id"].as_i64().unwrap() >= 0);
        assert!(e["timestamp"].as_i64().unwrap() > 0);
    }
    let expected = [
        (from, "Ongoing"),
        ("Ongoing", ending[0]),
        (ending[0], ending[1]),
    ];
    let tail: Vec<(&str, &str)> = states
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(tail, expected, "{events:#?}");
}

#[test]
fn trace_follows_a_librdkafka_commit_and_abort_with_their_markers() {
    let cluster = TestCluster::start(3);
    let bootstrap = cluster.bootstrap();
    cluster
        .kf(&["topic", "create", "orders", "-p", "3"])
        .assert()
        .success();
    let parts = ["orders-0", "orders-2"];
    let mut producer = None;
    let committed = trace_until(&cluster, "tx-traced", "CompleteCommit", || {
        producer = Some(rdkafka_transaction(
            &bootstrap,
            "tx-traced",
            "orders",
            &[0, 2],
            true,
        ));
    });
    let first = &committed[0];
    assert_eq!(
        (first["previous_state"].clone(), first["state"].clone()),
        (Value::Null, "Empty".into())
    );
    check_transaction(
        &committed,
        "Empty",
        ["PrepareCommit", "CompleteCommit"],
        "COMMIT",
        &parts,
    );

    let producer = producer.unwrap();
    let aborted = trace_until(&cluster, "tx-traced", "CompleteAbort", || {
        producer.begin_transaction().unwrap();
        for p in [0, 2] {
            producer
                .send(
                    BaseRecord::<(), _>::to("orders")
                        .payload("gone")
                        .partition(p),
                )
                .map_err(|(e, _)| e)
                .unwrap();
        }
        producer.flush(TIMEOUT).unwrap();
        producer.abort_transaction(TIMEOUT).unwrap();
    });
    check_transaction(
        &aborted,
        "CompleteCommit",
        ["PrepareAbort", "CompleteAbort"],
        "ABORT",
        &parts,
    );
    assert!(aborted.iter().all(|e| e["transactional_id"] == "tx-traced"));

    // A replay shows the same transitions from the log, without markers.
    let replay = cluster
        .kf(&["txn", "trace", "--from-beginning", "-o", "json", "-c", "6"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let states: Vec<String> = String::from_utf8_lossy(&replay)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["state"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(states[0], "Empty");
    assert!(states.contains(&"CompleteCommit".to_string()), "{states:?}");
}

/// Values a librdkafka read_committed consumer reads from `topic`-0 until `last`.
fn read_committed_until(bootstrap: &str, topic: &str, last: &str) -> Vec<String> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::Message;
    use rdkafka::{Offset, TopicPartitionList};
    let consumer: BaseConsumer = RdConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "txn-reader")
        .set("isolation.level", "read_committed")
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    assignment
        .add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&assignment).unwrap();
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut seen = Vec::new();
    while seen.last().map(String::as_str) != Some(last) {
        assert!(std::time::Instant::now() < deadline, "only {seen:?}");
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let message = message.unwrap();
            seen.push(String::from_utf8_lossy(message.payload().unwrap()).into_owned());
        }
    }
    seen
}

#[test]
fn produce_writes_its_input_in_transactions_and_aborts_one_with_a_failed_record() {
    let cluster = TestCluster::start(3);
    let bootstrap = cluster.bootstrap();
    cluster
        .kf(&["topic", "create", "loads", "-p", "1"])
        .assert()
        .success();
    cluster
        .kf(&[
            "produce",
            "loads",
            "--transactional-id",
            "loader",
            "--transaction-size",
            "2",
        ])
        .write_stdin("1\n2\n3\n4\n5\n")
        .assert()
        .success();
    let described = json_once_complete(&cluster, &["txn", "describe", "loader", "-o", "json"]);
    assert_eq!(described[0]["state"], "CompleteCommit");
    // Three transactions: five records and three commit markers.
    let producers = json(&cluster, &["txn", "producers", "loads", "-o", "json"]);
    assert_eq!(producers[0]["producer_id"], described[0]["producer_id"]);
    assert!(producers[0]["current_transaction_start_offset"].is_null());

    // Record 3 cannot be parsed: its transaction (3 and 4) is aborted, 1 and 2 stay.
    cluster
        .kf(&[
            "produce",
            "loads",
            "-f",
            "%k|%s",
            "-X",
            "transactional.id=loader",
            "--transaction-size",
            "2",
        ])
        .write_stdin("k|a\nk|b\nbad\nk|d\nk|e\n")
        .assert()
        .code(1)
        .stderr(predicates::str::contains("record 3 failed"))
        .stderr(predicates::str::contains(
            "aborted the transaction of records 3 to 4",
        ));
    cluster
        .kf(&["produce", "loads"])
        .write_stdin("end\n")
        .assert()
        .success();
    assert_eq!(
        read_committed_until(&bootstrap, "loads", "end"),
        ["1", "2", "3", "4", "5", "a", "b", "end"]
    );
    cluster
        .kf(&["produce", "loads", "--transaction-size", "2"])
        .write_stdin("x\n")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("needs a transactional id"));
}
