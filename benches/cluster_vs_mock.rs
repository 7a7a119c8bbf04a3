//! kf's cluster against librdkafka's mock cluster, driven by librdkafka in one run:
//! produce and consume of 200k 1 KiB records over 64 partitions with acks=all, the same records
//! read by a group member (subscribe, classic and KIP-848 protocols: time to all records, and
//! from subscribe to the first assignment and to the first record), plus the time to ready and the resident memory of an
//! idle 3-broker `kf cluster up`; and transactions: `kf bench produce --transactional-id
//! --transaction-size 1000` (kf's own producer) against both.
//!
//! Run: `cargo bench --bench cluster_vs_mock` (numbers go into BENCHMARKS.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kf::cluster::{Cluster, ClusterConfig};
use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Message, Offset, TopicPartitionList};

const RECORDS: usize = 200_000;
const RECORD_BYTES: usize = 1024;
const PARTITIONS: i32 = 64;
const TOPIC: &str = "bench";
const TIMEOUT: Duration = Duration::from_secs(120);

fn produce(bootstrap: &str) -> Duration {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .unwrap();
    let payload = vec![b'x'; RECORD_BYTES];
    let started = Instant::now();
    for i in 0..RECORDS {
        let key = (i as u32).to_be_bytes();
        let mut record = BaseRecord::to(TOPIC).key(&key[..]).payload(&payload[..]);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    producer.poll(Duration::from_millis(1));
                    record = back;
                }
                Err((e, _)) => panic!("produce: {e}"),
            }
        }
    }
    producer.flush(TIMEOUT).unwrap();
    started.elapsed()
}

fn consume(bootstrap: &str) -> Duration {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        // librdkafka's assign() needs a group id; the group is never joined.
        .set("group.id", "kf-bench")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "100")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(TOPIC, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let started = Instant::now();
    let mut count = 0;
    while count < RECORDS {
        assert!(started.elapsed() < TIMEOUT, "consumed {count} of {RECORDS}");
        if let Some(message) = consumer.poll(Duration::from_millis(100)) {
            let message = message.unwrap();
            assert_eq!(message.payload().map(<[u8]>::len), Some(RECORD_BYTES));
            count += 1;
        }
    }
    started.elapsed()
}

/// When a member was first given partitions.
struct FirstAssignment(Instant, std::sync::OnceLock<Duration>);

impl ClientContext for FirstAssignment {}

impl ConsumerContext for FirstAssignment {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if matches!(rebalance, Rebalance::Assign(tpl) if tpl.count() > 0) {
            let _ = self.1.set(self.0.elapsed());
        }
    }
}

/// From subscribe: to the first assignment, to the first record, to all records.
struct GroupRun {
    assigned: Duration,
    first: Duration,
    all: Duration,
}

/// One member subscribes with `protocol`: its run, or `None` if the broker does not serve the
/// protocol.
fn group_consume(bootstrap: &str, group: &str, protocol: &str) -> Option<GroupRun> {
    let started = Instant::now();
    let consumer: BaseConsumer<FirstAssignment> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("group.protocol", protocol)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "100")
        .create_with_context(FirstAssignment(started, std::sync::OnceLock::new()))
        .unwrap();
    consumer.subscribe(&[TOPIC]).unwrap();
    let mut first = None;
    let mut count = 0;
    while count < RECORDS {
        // Nothing assigned after 20 s: the broker does not serve this protocol.
        if first.is_none() && started.elapsed() > Duration::from_secs(20) {
            return None;
        }
        assert!(
            started.elapsed() < TIMEOUT,
            "{protocol}: consumed {count} of {RECORDS}"
        );
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(message)) => {
                assert_eq!(message.payload().map(<[u8]>::len), Some(RECORD_BYTES));
                first.get_or_insert_with(|| started.elapsed());
                count += 1;
            }
            // The mock may not speak the consumer protocol.
            Some(Err(e)) if count == 0 && protocol == "consumer" => {
                eprintln!("{protocol} group on {bootstrap}: {e}");
                return None;
            }
            Some(Err(e)) => panic!("{protocol}: {e}"),
            None => {}
        }
    }
    Some(GroupRun {
        assigned: consumer.context().1.get().copied().unwrap_or_default(),
        first: first.unwrap_or_default(),
        all: started.elapsed(),
    })
}

fn report_group(protocol: &str, kf: Option<GroupRun>, mock: Option<GroupRun>) {
    println!("group consume ({protocol} protocol): one member subscribes, reads all {RECORDS}");
    let line = |name: &str, run: &Option<GroupRun>| match run {
        Some(run) => println!(
            "  {name}  {}   assigned after {:>4} ms, first record after {:>4} ms",
            rate(run.all),
            run.assigned.as_millis(),
            run.first.as_millis()
        ),
        None => println!("  {name}  not served"),
    };
    line("kf cluster, 3 brokers on disk", &kf);
    line("librdkafka mock, 3 brokers    ", &mock);
    if let (Some(kf), Some(mock)) = (kf, mock) {
        println!(
            "  kf / mock throughput            {:.2}x",
            mock.all.as_secs_f64() / kf.all.as_secs_f64()
        );
    }
}

fn rate(elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    format!(
        "{:>7.3} s  {:>9.0} records/s  {:>7.1} MiB/s",
        secs,
        RECORDS as f64 / secs,
        (RECORDS * RECORD_BYTES) as f64 / secs / (1024.0 * 1024.0)
    )
}

fn report(what: &str, kf: Duration, mock: Duration) {
    println!("{what}: {RECORDS} records x {RECORD_BYTES} B, {PARTITIONS} partitions, acks=all");
    println!("  kf cluster, 3 brokers on disk   {}", rate(kf));
    println!("  librdkafka mock, 3 brokers      {}", rate(mock));
    println!(
        "  kf / mock throughput            {:.2}x",
        mock.as_secs_f64() / kf.as_secs_f64()
    );
}

/// Records and partitions of the transactional run (Kafka's perf test writes one topic).
const TXN_RECORDS: &str = "200000";
const TXN_SIZE: &str = "1000";
const TXN_TOPIC: &str = "txn-bench";

/// `kf bench produce --transactional-id` against `bootstrap`: its two summary lines.
fn transactional_produce(bootstrap: &str, transactional_id: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_kf"))
        .args([
            "bench",
            "produce",
            TXN_TOPIC,
            "-n",
            TXN_RECORDS,
            "-s",
            "1024",
        ])
        .args([
            "--transactional-id",
            transactional_id,
            "--transaction-size",
            TXN_SIZE,
        ])
        .args(["--reporting-interval", "600000", "-b", bootstrap])
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(output.status.success(), "kf bench produce failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains("records sent") || l.contains("transactions committed"))
        .map(str::to_string)
        .collect()
}

/// The records/sec figure of a `kf bench produce` summary.
fn records_per_sec(lines: &[String]) -> f64 {
    lines
        .iter()
        .find_map(|l| l.split(", ").nth(1)?.split(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Starts the real binary, waits for its ready banner, and reads its resident memory once idle.
fn idle_cluster_footprint() -> (Duration, u64) {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kf"))
        .args(["cluster", "up", "-n", "3", "-p", "0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = lines.next().unwrap().unwrap();
    let to_ready = started.elapsed();
    assert!(banner.contains("ready"), "{banner}");
    std::thread::sleep(Duration::from_secs(2));
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let rss_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let _ = child.kill();
    let _ = child.wait();
    (to_ready, rss_kib)
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cluster = runtime
        .block_on(Cluster::start(ClusterConfig {
            brokers: 3,
            base_port: 0,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            data_dir: dir.path().to_path_buf(),
            racks: Vec::new(),
            // As `kf cluster up` (a dev cluster) sets it.
            broker_properties: BTreeMap::from([(
                "group.initial.rebalance.delay.ms".to_string(),
                "0".to_string(),
            )]),
        }))
        .unwrap();
    let kf_bootstrap = cluster.bootstrap_servers();
    runtime.block_on(async {
        let admin: rdkafka::admin::AdminClient<_> = ClientConfig::new()
            .set("bootstrap.servers", &kf_bootstrap)
            .create()
            .unwrap();
        let topic = rdkafka::admin::NewTopic::new(
            TOPIC,
            PARTITIONS,
            rdkafka::admin::TopicReplication::Fixed(1),
        );
        let txn_topic =
            rdkafka::admin::NewTopic::new(TXN_TOPIC, 1, rdkafka::admin::TopicReplication::Fixed(1));
        admin
            .create_topics([&topic, &txn_topic], &rdkafka::admin::AdminOptions::new())
            .await
            .unwrap()
            .into_iter()
            .for_each(|r| {
                r.unwrap();
            });
    });

    let mock = MockCluster::new(3).unwrap();
    mock.create_topic(TOPIC, PARTITIONS, 1).unwrap();
    let mock_bootstrap = mock.bootstrap_servers();

    let kf_produce = produce(&kf_bootstrap);
    let mock_produce = produce(&mock_bootstrap);
    let kf_consume = consume(&kf_bootstrap);
    let mock_consume = consume(&mock_bootstrap);
    let groups: Vec<_> = ["classic", "consumer"]
        .into_iter()
        .map(|protocol| {
            let group = format!("bench-{protocol}");
            (
                protocol,
                group_consume(&kf_bootstrap, &group, protocol),
                group_consume(&mock_bootstrap, &group, protocol),
            )
        })
        .collect();
    report("produce", kf_produce, mock_produce);
    report("consume", kf_consume, mock_consume);
    for (protocol, kf, mock) in groups {
        report_group(protocol, kf, mock);
    }

    mock.create_topic(TXN_TOPIC, 1, 1).unwrap();
    let kf_txn = transactional_produce(&kf_bootstrap, "bench-kf");
    let mock_txn = transactional_produce(&mock_bootstrap, "bench-mock");
    println!(
        "transactional produce: kf bench produce, {TXN_RECORDS} records x 1024 B, one partition, \
         transactions of {TXN_SIZE}"
    );
    for (name, lines) in [("kf cluster", &kf_txn), ("librdkafka mock", &mock_txn)] {
        for line in lines.iter() {
            println!("  {name:<16} {line}");
        }
    }
    println!(
        "  kf / mock throughput            {:.2}x",
        records_per_sec(&kf_txn) / records_per_sec(&mock_txn)
    );
    runtime.block_on(cluster.shutdown());

    let (to_ready, rss_kib) = idle_cluster_footprint();
    println!("idle 3-broker `kf cluster up`");
    println!(
        "  time to ready banner (process start included)  {} ms",
        to_ready.as_millis()
    );
    println!(
        "  resident memory after 2 s idle                 {:.1} MiB",
        rss_kib as f64 / 1024.0
    );
}
