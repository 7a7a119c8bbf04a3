//! kf's cluster against librdkafka's mock cluster, driven by librdkafka in one run:
//! produce and consume of 200k 1 KiB records over 64 partitions with acks=all, at RF=1 and at
//! RF=3 (kf replicates to 3 brokers on disk; the mock is given RF=3 but does not replicate), kf
//! and the mock taking turns so that both see the same machine load; the p99 produce latency at
//! half of the saturating rate at each RF; the RF=1 records
//! read by a group member (subscribe, classic and KIP-848 protocols: time to all records, and
//! from subscribe to the first assignment and to the first record), once as a new group (no
//! committed offsets: librdkafka waits 100 ms before its ListOffsets, whatever the broker) and
//! once resuming (a group whose offsets an earlier member committed, the common restart: the
//! first record then comes as fast as the broker lets it), plus the time to ready and the resident memory of an
//! idle 3-broker `kf cluster up`; and transactions: `kf bench produce --transactional-id
//! --transaction-size 1000` (kf's own producer) against both.
//!
//! Run: `cargo bench --bench cluster_vs_mock` (numbers go into BENCHMARKS.md);
//! `cargo bench --bench cluster_vs_mock -- transactions` runs only the transactional part,
//! `KF_BENCH_ROUNDS` times (3) with totals, and
//! with `KF_BENCH_BASELINE=path/to/older/kf` also an older `kf` binary's producer in the same
//! run, for before/after numbers side by side. `cargo bench --bench cluster_vs_mock -- consume`
//! produces once and then runs only the consume comparison, `KF_BENCH_ROUNDS` times (3);
//! `-- replicated` runs only the RF=3 produce, consume and latency runs; `-- produce` runs only
//! the produce comparison (RF=1 and RF=3), `KF_BENCH_ROUNDS` times (3), with totals; `-- group`
//! produces once and then runs only the group comparison, `KF_BENCH_ROUNDS` times (3);
//! `-- latency` runs only the RF=3 latency, at a half, a quarter and an eighth of the slower
//! saturating rate, `KF_BENCH_ROUNDS` times (3), and `KF_BENCH_TIMELINE=1` adds each paced
//! run's p50 by tenth of the run and its Produce request count (to stderr).
//! `KF_BENCH_DEBUG=cgrp,fetch` prints the group members' librdkafka debug lines, stamped with
//! the time since subscribe.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kf::cluster::{Cluster, ClusterConfig};
use kf::commands::cluster::DEV_BROKER_DEFAULTS;
use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{
    BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer,
};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Message, Offset, TopicPartitionList};

const RECORDS: usize = 200_000;
const RECORD_BYTES: usize = 1024;
const PARTITIONS: i32 = 64;
const TOPIC: &str = "bench";
const TOPIC_RF3: &str = "bench-rf3";
const TIMEOUT: Duration = Duration::from_secs(120);
/// Records of each paced latency run.
const LATENCY_RECORDS: usize = 60_000;

fn produce(bootstrap: &str, topic: &str) -> Duration {
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
        let mut record = BaseRecord::to(topic).key(&key[..]).payload(&payload[..]);
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

/// Makes `bootstrap`'s group coordinator ready before anything is timed: the first group
/// request on kf creates `__consumer_offsets` (50 partitions, RF=3) and waits for its leaders, a
/// one-time cost the mock does not have, which the first consume round (librdkafka looks up the
/// coordinator of a consumer's `group.id` even when it only assigns) or group run paid.
fn warm_group_coordinator(bootstrap: &str) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "kf-bench")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(TOPIC, 0);
    consumer.committed_offsets(tpl, TIMEOUT).unwrap();
}

fn consume(bootstrap: &str, topic: &str) -> Duration {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        // librdkafka's assign() needs a group id; the group is never joined.
        .set("group.id", "kf-bench")
        .set("enable.auto.commit", "false")
        // librdkafka keeps one Fetch in flight per broker: one the broker holds for partitions
        // with nothing new keeps the next, for a partition whose queue just drained, waiting
        // (kf holds fetches as Kafka does; the mock answers at once). Both sides alike.
        .set("fetch.wait.max.ms", "10")
        // librdkafka stops fetching a partition for this long (1 s by default) once its local
        // queue holds `queued.min.messages`: a fast broker fills it, and the run measured the
        // client's sleep, the same on both sides.
        .set("fetch.queue.backoff.ms", "10")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    // Leaders known before the assignment: without them librdkafka puts off each partition's
    // first offset query by 500 ms, which the run measured instead of either cluster.
    consumer.fetch_metadata(Some(topic), TIMEOUT).unwrap();
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

/// Each record's time from `send` to its delivery report, in microseconds, with when it was
/// sent; and from librdkafka's statistics (`KF_BENCH_TIMELINE`), the Produce requests sent and
/// the most of them that awaited an answer at once on one connection.
struct LatencyContext {
    started: Instant,
    latencies_us: Mutex<Vec<(u64, u32)>>,
    requests: Mutex<(i64, i64)>,
}

impl ClientContext for LatencyContext {
    fn stats(&self, statistics: rdkafka::Statistics) {
        let produces = statistics
            .brokers
            .values()
            .map(|b| b.req.get("Produce").copied().unwrap_or(0))
            .sum();
        let in_flight = statistics
            .brokers
            .values()
            .map(|b| b.waitresp_cnt)
            .max()
            .unwrap_or(0);
        let mut requests = self.requests.lock().unwrap();
        *requests = (produces, requests.1.max(in_flight));
    }
}

impl ProducerContext for LatencyContext {
    /// When the record was sent, in nanoseconds since `started`.
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, sent_ns: usize) {
        assert!(result.is_ok(), "delivery failed");
        let now_ns = self.started.elapsed().as_nanos() as usize;
        let latency_us = u32::try_from(now_ns.saturating_sub(sent_ns) / 1000).unwrap_or(u32::MAX);
        self.latencies_us
            .lock()
            .unwrap()
            .push((sent_ns as u64, latency_us));
    }
}

/// `KF_BENCH_TIMELINE` set: each paced run also prints the p50 latency of each tenth of its
/// records in the order they were sent (a queue that grows through the run shows as a rising
/// line), the Produce requests sent and the most awaiting an answer on one connection.
fn timeline_wanted() -> bool {
    std::env::var_os("KF_BENCH_TIMELINE").is_some()
}

/// Produces `LATENCY_RECORDS` at `rate` records/s (in 1 ms steps), the same producer settings
/// as [`produce`]: (p50, p99) of the delivery latency.
fn produce_latency(bootstrap: &str, topic: &str, rate: f64) -> (Duration, Duration) {
    let context = LatencyContext {
        started: Instant::now(),
        latencies_us: Mutex::new(Vec::with_capacity(LATENCY_RECORDS)),
        requests: Mutex::new((0, 0)),
    };
    let timeline = timeline_wanted();
    // A threaded producer serves delivery reports as they come, not when the pacing loop polls.
    let producer: ThreadedProducer<LatencyContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("queue.buffering.max.messages", "1000000")
        .set("statistics.interval.ms", if timeline { "10" } else { "0" })
        .create_with_context(context)
        .unwrap();
    let payload = vec![b'x'; RECORD_BYTES];
    let started = Instant::now();
    let mut sent = 0;
    while sent < LATENCY_RECORDS {
        let due = ((started.elapsed().as_secs_f64() * rate) as usize).min(LATENCY_RECORDS);
        while sent < due {
            let key = (sent as u32).to_be_bytes();
            let sent_ns = producer.context().started.elapsed().as_nanos() as usize;
            producer
                .send(
                    BaseRecord::with_opaque_to(topic, sent_ns)
                        .key(&key[..])
                        .payload(&payload[..]),
                )
                .map_err(|(e, _)| e)
                .unwrap();
            sent += 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    producer.flush(TIMEOUT).unwrap();
    let mut sent_order = producer.context().latencies_us.lock().unwrap().clone();
    assert_eq!(sent_order.len(), LATENCY_RECORDS, "every record reported");
    if timeline {
        // The last statistics come after the flush.
        std::thread::sleep(Duration::from_millis(30));
        sent_order.sort_unstable();
        let tenths: Vec<String> = sent_order
            .chunks(LATENCY_RECORDS / 10)
            .map(|tenth| {
                let mut l: Vec<u32> = tenth.iter().map(|&(_, l)| l).collect();
                l.sort_unstable();
                format!("{:.1}", f64::from(l[l.len() / 2]) / 1e3)
            })
            .collect();
        let (produces, in_flight) = *producer.context().requests.lock().unwrap();
        eprintln!(
            "    {bootstrap} at {rate:.0}/s: p50 ms by tenth of the run [{}], {produces} Produce \
             requests ({:.1} records each), at most {in_flight} awaiting an answer on a connection",
            tenths.join(", "),
            LATENCY_RECORDS as f64 / produces.max(1) as f64
        );
    }
    let mut latencies: Vec<u32> = sent_order.into_iter().map(|(_, l)| l).collect();
    latencies.sort_unstable();
    let at = |q: f64| {
        Duration::from_micros(u64::from(
            latencies[((latencies.len() - 1) as f64 * q) as usize],
        ))
    };
    (at(0.50), at(0.99))
}

/// When a member was first given partitions.
struct FirstAssignment(Instant, std::sync::OnceLock<Duration>);

impl ClientContext for FirstAssignment {
    /// librdkafka's debug lines (`KF_BENCH_DEBUG`), stamped with the time since subscribe.
    fn log(&self, _level: rdkafka::config::RDKafkaLogLevel, fac: &str, message: &str) {
        eprintln!(
            "{:>8.1} ms {fac} {message}",
            self.0.elapsed().as_secs_f64() * 1e3
        );
    }
}

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
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("group.protocol", protocol)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        // As in `consume`: a held fetch does not delay the next one, and no 1 s pause of a
        // partition whose queue is full.
        .set("fetch.wait.max.ms", "10")
        .set("fetch.queue.backoff.ms", "10");
    if let Ok(debug) = std::env::var("KF_BENCH_DEBUG") {
        eprintln!("--- {protocol} group on {bootstrap}");
        config
            .set("debug", debug)
            .set_log_level(rdkafka::config::RDKafkaLogLevel::Debug);
    }
    let consumer: BaseConsumer<FirstAssignment> = config
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

/// The restart of a group: offset 0 of every partition committed for `group`, so that the member
/// measured next resumes from committed offsets (no ListOffsets, and none of librdkafka's 100 ms
/// wait before one). A consumer-protocol group's offsets are committed by a member that is given
/// all partitions and leaves; a classic group's by a consumer outside the group (generation -1,
/// as Kafka's tools reset offsets), since librdkafka's mock keeps a classic group rebalancing
/// after its only member left. False when the broker does not serve the protocol.
fn commit_group_start(bootstrap: &str, group: &str, protocol: &str) -> bool {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("group.protocol", protocol)
        .set("enable.auto.commit", "false")
        // Nothing is fetched before the commit: no fetch position is reset.
        .set("auto.offset.reset", "error")
        .create()
        .unwrap();
    let mut offsets = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        offsets
            .add_partition_offset(TOPIC, p, Offset::Offset(0))
            .unwrap();
    }
    if protocol == "classic" {
        consumer.commit(&offsets, CommitMode::Sync).unwrap();
        return true;
    }
    consumer.subscribe(&[TOPIC]).unwrap();
    let started = Instant::now();
    loop {
        if started.elapsed() > Duration::from_secs(20) {
            return false;
        }
        // Records or reset errors that come meanwhile do not matter: only the assignment does.
        let _ = consumer.poll(Duration::from_millis(10));
        if consumer.assignment().unwrap().count() == PARTITIONS as usize {
            consumer.commit(&offsets, CommitMode::Sync).unwrap();
            return true;
        }
    }
}

/// A group of `protocol` restarting: its offsets committed by an earlier member (see
/// [`commit_group_start`]), then one member subscribes and reads all records from them.
fn group_resume(bootstrap: &str, group: &str, protocol: &str) -> Option<GroupRun> {
    if !commit_group_start(bootstrap, group, protocol) {
        return None;
    }
    group_consume(bootstrap, group, protocol)
}

fn report_group(protocol: &str, kf: Option<GroupRun>, mock: Option<GroupRun>) {
    println!("group consume ({protocol} protocol): one member subscribes, reads all {RECORDS}");
    report_group_runs(kf, mock);
}

fn report_group_runs(kf: Option<GroupRun>, mock: Option<GroupRun>) {
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

fn report_resume(round: usize, protocol: &str, kf: Option<GroupRun>, mock: Option<GroupRun>) {
    println!(
        "round {round}: group resume ({protocol} protocol): offsets committed at 0, one member \
         subscribes, reads all {RECORDS}"
    );
    report_group_runs(kf, mock);
}

/// The p50 and p99 latency lines of a paced run on each side.
fn report_latency(kf: (Duration, Duration), mock: (Duration, Duration)) {
    for (name, (p50, p99)) in [
        ("kf cluster, 3 brokers on disk", kf),
        ("librdkafka mock, 3 brokers    ", mock),
    ] {
        println!(
            "  {name}  p50 {:>7.2} ms  p99 {:>7.2} ms",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
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

fn report_lines(kf: Duration, mock: Duration) {
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

/// `kf bench produce --transactional-id` (the binary `kf`) against `bootstrap`: its two
/// summary lines.
fn transactional_produce(
    kf: &str,
    bootstrap: &str,
    transactional_id: &str,
    records: &str,
) -> Vec<String> {
    let output = Command::new(kf)
        .args(["bench", "produce", TXN_TOPIC, "-n", records, "-s", "1024"])
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
            // The cluster `kf cluster up` starts: its dev defaults.
            broker_properties: DEV_BROKER_DEFAULTS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }))
        .unwrap();
    let kf_bootstrap = cluster.bootstrap_servers();
    let only_transactions = std::env::args().any(|a| a == "transactions");
    let only_replicated = std::env::args().any(|a| a == "replicated");
    let only_consume = std::env::args().any(|a| a == "consume");
    let only_produce = std::env::args().any(|a| a == "produce");
    let only_groups = std::env::args().any(|a| a == "group");
    let only_latency = std::env::args().any(|a| a == "latency");
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
        let replicated = rdkafka::admin::NewTopic::new(
            TOPIC_RF3,
            PARTITIONS,
            rdkafka::admin::TopicReplication::Fixed(3),
        );
        let txn_topic =
            rdkafka::admin::NewTopic::new(TXN_TOPIC, 1, rdkafka::admin::TopicReplication::Fixed(1));
        admin
            .create_topics(
                [&topic, &replicated, &txn_topic],
                &rdkafka::admin::AdminOptions::new(),
            )
            .await
            .unwrap()
            .into_iter()
            .for_each(|r| {
                r.unwrap();
            });
    });

    let mock = MockCluster::new(3).unwrap();
    mock.create_topic(TOPIC, PARTITIONS, 1).unwrap();
    mock.create_topic(TOPIC_RF3, PARTITIONS, 3).unwrap();
    let mock_bootstrap = mock.bootstrap_servers();
    warm_group_coordinator(&kf_bootstrap);
    warm_group_coordinator(&mock_bootstrap);
    if only_replicated {
        compare_clusters(&kf_bootstrap, &mock_bootstrap, &[TOPIC_RF3], false);
        runtime.block_on(cluster.shutdown());
        return;
    }
    if only_latency {
        compare_latency(&kf_bootstrap, &mock_bootstrap);
        runtime.block_on(cluster.shutdown());
        return;
    }
    if only_produce {
        compare_produce(&kf_bootstrap, &mock_bootstrap);
        runtime.block_on(cluster.shutdown());
        return;
    }
    if only_consume {
        compare_consume(&kf_bootstrap, &mock_bootstrap);
        runtime.block_on(cluster.shutdown());
        return;
    }
    if only_groups {
        compare_groups(&kf_bootstrap, &mock_bootstrap);
        runtime.block_on(cluster.shutdown());
        return;
    }
    if !only_transactions {
        compare_clusters(&kf_bootstrap, &mock_bootstrap, &[TOPIC, TOPIC_RF3], true);
    }

    mock.create_topic(TXN_TOPIC, 1, 1).unwrap();
    let mut binaries = vec![("", env!("CARGO_BIN_EXE_kf").to_string())];
    if let Ok(baseline) = std::env::var("KF_BENCH_BASELINE") {
        binaries.push((" (baseline)", baseline));
    }
    // The first transaction on a cluster pays the creation of `__transaction_state` (and
    // the first FindCoordinator's wait for it): a short warm-up on each side first.
    transactional_produce(&binaries[0].1, &kf_bootstrap, "bench-warm-up", TXN_SIZE);
    transactional_produce(&binaries[0].1, &mock_bootstrap, "bench-warm-up", TXN_SIZE);
    // One round in the full run; `-- transactions` runs `KF_BENCH_ROUNDS`, with totals.
    let rounds = if only_transactions { bench_rounds() } else { 1 };
    let mut totals = vec![(0.0, 0.0); binaries.len()];
    for round in 1..=rounds {
        for ((label, kf), (kf_total, mock_total)) in binaries.iter().zip(totals.iter_mut()) {
            let kf_txn = transactional_produce(
                kf,
                &kf_bootstrap,
                &format!("bench-kf{label}-{round}"),
                TXN_RECORDS,
            );
            let mock_txn = transactional_produce(
                kf,
                &mock_bootstrap,
                &format!("bench-mock{label}-{round}"),
                TXN_RECORDS,
            );
            let round_label = if rounds > 1 {
                format!(", round {round}")
            } else {
                String::new()
            };
            println!(
                "transactional produce{label}{round_label}: kf bench produce, {TXN_RECORDS} \
                 records x 1024 B, one partition, transactions of {TXN_SIZE}"
            );
            for (name, lines) in [("kf cluster", &kf_txn), ("librdkafka mock", &mock_txn)] {
                for line in lines.iter() {
                    println!("  {name:<16} {line}");
                }
            }
            let (kf_rate, mock_rate) = (records_per_sec(&kf_txn), records_per_sec(&mock_txn));
            println!(
                "  kf / mock throughput            {:.2}x",
                kf_rate / mock_rate
            );
            let records: f64 = TXN_RECORDS.parse().unwrap();
            *kf_total += records / kf_rate;
            *mock_total += records / mock_rate;
        }
    }
    if rounds > 1 {
        for ((label, _), (kf, mock)) in binaries.iter().zip(&totals) {
            println!(
                "transactional produce{label}, all {rounds} rounds: kf {kf:.3} s, mock {mock:.3} \
                 s, kf / mock {:.2}x",
                mock / kf
            );
        }
    }
    runtime.block_on(cluster.shutdown());
    if only_transactions {
        return;
    }

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

fn bench_rounds() -> usize {
    std::env::var("KF_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}

/// RF=3 latency only: one saturating produce on each side, then `KF_BENCH_ROUNDS` rounds of
/// paced runs at a half, a quarter and an eighth of the slower saturating rate, kf and the mock
/// taking turns at each rate.
fn compare_latency(kf_bootstrap: &str, mock_bootstrap: &str) {
    let kf = produce(kf_bootstrap, TOPIC_RF3);
    let mock = produce(mock_bootstrap, TOPIC_RF3);
    println!(
        "produce RF=3: {RECORDS} records x {RECORD_BYTES} B, {PARTITIONS} partitions, acks=all"
    );
    report_lines(kf, mock);
    let saturating = RECORDS as f64 / kf.max(mock).as_secs_f64();
    for round in 1..=bench_rounds() {
        for fraction in [2.0, 4.0, 8.0] {
            let rate = saturating / fraction;
            let kf = produce_latency(kf_bootstrap, TOPIC_RF3, rate);
            let mock = produce_latency(mock_bootstrap, TOPIC_RF3, rate);
            println!(
                "produce latency RF=3, round {round}: {LATENCY_RECORDS} records at {rate:.0} \
                 records/s (1/{fraction} of the slower saturating rate)"
            );
            report_latency(kf, mock);
        }
    }
}

/// Produce only: both topics produced to both clusters `KF_BENCH_ROUNDS` times, kf and the mock
/// taking turns.
fn compare_produce(kf_bootstrap: &str, mock_bootstrap: &str) {
    let rounds = bench_rounds();
    let mut totals = [
        (TOPIC, Duration::ZERO, Duration::ZERO),
        (TOPIC_RF3, Duration::ZERO, Duration::ZERO),
    ];
    for round in 1..=rounds {
        for (topic, kf_total, mock_total) in totals.iter_mut() {
            let kf = produce(kf_bootstrap, topic);
            let mock = produce(mock_bootstrap, topic);
            *kf_total += kf;
            *mock_total += mock;
            let rf = if *topic == TOPIC_RF3 { 3 } else { 1 };
            println!("produce RF={rf}, round {round}: {RECORDS} records x {RECORD_BYTES} B, {PARTITIONS} partitions, acks=all");
            report_lines(kf, mock);
        }
    }
    for (topic, kf, mock) in totals {
        let rf = if topic == TOPIC_RF3 { 3 } else { 1 };
        println!(
            "produce RF={rf}, all {rounds} rounds: kf {:.3} s, mock {:.3} s, kf / mock {:.2}x",
            kf.as_secs_f64(),
            mock.as_secs_f64(),
            mock.as_secs_f64() / kf.as_secs_f64()
        );
    }
}

/// Group consume only: the RF=1 topic produced once to both clusters, then read by a new group
/// of each protocol `KF_BENCH_ROUNDS` times, kf and the mock taking turns.
fn compare_groups(kf_bootstrap: &str, mock_bootstrap: &str) {
    let rounds = bench_rounds();
    produce(kf_bootstrap, TOPIC);
    produce(mock_bootstrap, TOPIC);
    for round in 1..=rounds {
        for protocol in ["classic", "consumer"] {
            let group = format!("bench-{protocol}-{round}");
            let kf = group_consume(kf_bootstrap, &group, protocol);
            let mock = group_consume(mock_bootstrap, &group, protocol);
            print!("round {round}: ");
            report_group(protocol, kf, mock);
            let group = format!("bench-resume-{protocol}-{round}");
            let kf = group_resume(kf_bootstrap, &group, protocol);
            let mock = group_resume(mock_bootstrap, &group, protocol);
            report_resume(round, protocol, kf, mock);
        }
    }
}

/// Consume only: both topics produced once to both clusters, then read `KF_BENCH_ROUNDS`
/// times, kf and the mock taking turns.
fn compare_consume(kf_bootstrap: &str, mock_bootstrap: &str) {
    let rounds = bench_rounds();
    for topic in [TOPIC, TOPIC_RF3] {
        produce(kf_bootstrap, topic);
        produce(mock_bootstrap, topic);
    }
    let mut totals = [
        (TOPIC, Duration::ZERO, Duration::ZERO),
        (TOPIC_RF3, Duration::ZERO, Duration::ZERO),
    ];
    for round in 1..=rounds {
        for (topic, kf_total, mock_total) in totals.iter_mut() {
            let kf = consume(kf_bootstrap, topic);
            let mock = consume(mock_bootstrap, topic);
            *kf_total += kf;
            *mock_total += mock;
            let rf = if *topic == TOPIC_RF3 { 3 } else { 1 };
            println!("consume RF={rf}, round {round}: {RECORDS} records x {RECORD_BYTES} B, {PARTITIONS} partitions");
            report_lines(kf, mock);
        }
    }
    for (topic, kf, mock) in totals {
        let rf = if topic == TOPIC_RF3 { 3 } else { 1 };
        println!(
            "consume RF={rf}, all {rounds} rounds: kf {:.3} s, mock {:.3} s, kf / mock {:.2}x",
            kf.as_secs_f64(),
            mock.as_secs_f64(),
            mock.as_secs_f64() / kf.as_secs_f64()
        );
    }
}

/// The librdkafka runs: produce, consume (of `topics`) and group consume (when `groups`)
/// against both clusters.
fn compare_clusters(kf_bootstrap: &str, mock_bootstrap: &str, topics: &[&str], groups: bool) {
    // kf and the mock take turns, so a burst of load from elsewhere hits both alike.
    let mut produced = Vec::new();
    for &topic in topics {
        let kf = produce(kf_bootstrap, topic);
        let mock = produce(mock_bootstrap, topic);
        produced.push((topic, kf, mock));
    }
    let mut consumed = Vec::new();
    for &topic in topics {
        let kf = consume(kf_bootstrap, topic);
        let mock = consume(mock_bootstrap, topic);
        consumed.push((topic, kf, mock));
    }
    // Both at the same offered load: half of the slower one's saturating rate.
    let latencies: Vec<_> = produced
        .iter()
        .map(|&(topic, kf, mock)| {
            let rate = RECORDS as f64 / kf.max(mock).as_secs_f64() / 2.0;
            let kf = produce_latency(kf_bootstrap, topic, rate);
            let mock = produce_latency(mock_bootstrap, topic, rate);
            (topic, rate, kf, mock)
        })
        .collect();
    let protocols: &[&str] = if groups {
        &["classic", "consumer"]
    } else {
        &[]
    };
    let groups: Vec<_> = protocols
        .iter()
        .map(|&protocol| {
            let group = format!("bench-{protocol}");
            let resume = format!("bench-resume-{protocol}");
            (
                protocol,
                (
                    group_consume(kf_bootstrap, &group, protocol),
                    group_consume(mock_bootstrap, &group, protocol),
                ),
                (
                    group_resume(kf_bootstrap, &resume, protocol),
                    group_resume(mock_bootstrap, &resume, protocol),
                ),
            )
        })
        .collect();
    for (what, runs) in [("produce", &produced), ("consume", &consumed)] {
        for &(topic, kf, mock) in runs.iter() {
            let rf = if topic == TOPIC_RF3 { 3 } else { 1 };
            println!(
                "{what} RF={rf}: {RECORDS} records x {RECORD_BYTES} B, {PARTITIONS} partitions, acks=all"
            );
            report_lines(kf, mock);
        }
    }
    for (topic, rate, kf, mock) in latencies {
        let rf = if topic == TOPIC_RF3 { 3 } else { 1 };
        println!(
            "produce latency RF={rf}: {LATENCY_RECORDS} records at {rate:.0} records/s (half the \
             slower saturating rate), acks=all, linger.ms=5"
        );
        report_latency(kf, mock);
    }
    for (protocol, (kf, mock), (kf_resume, mock_resume)) in groups {
        report_group(protocol, kf, mock);
        println!(
            "group resume ({protocol} protocol): offsets committed at 0, one member subscribes, \
             reads all {RECORDS}"
        );
        report_group_runs(kf_resume, mock_resume);
    }
}
