//! The seeded failure checker (issue #7 part 7): an idempotent acks=all librdkafka producer and
//! a consumer run against a 3-broker in-process cluster (RF=3, min.insync.replicas=2) while a
//! schedule derived from a seed kills, restarts, isolates and heals brokers, one at a time (the
//! cluster is whole again, every ISR full, before the next fault). Then it checks that every
//! acknowledged record is present exactly once, at the offset it was acknowledged at and in
//! order per partition; that what the consumer read across the failures is what the partition
//! holds; and that all replicas hold identical bytes once caught up.
//!
//! A killed broker stays down until the producer has had more records acknowledged; an
//! isolated one heals once the others elected leaders without it (clients still reach it, and
//! one that reaches only it learns nothing new until it heals, as with Kafka).
//!
//! A failure names the seed and prints the schedule; `KF_CHECKER_SEED=N` replays it. Which
//! broker a step names is looked up when it runs and the clients' timing is the machine's, so
//! a replay runs the same faults in the same order, not the same interleaving.

pub mod clients;
pub mod schedule;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use kf::cluster::Cluster;
use rdkafka::admin::{NewTopic, TopicReplication};
use rdkafka::consumer::Consumer;

use crate::common::{admin, admin_options, consumer, start_cluster, TIMEOUT};
use clients::{parse_value, read_all, ConsumerThread, LiveReads, ProducerThread, Read};
use schedule::{Fault, Schedule, Target, PARTITIONS};

pub const TOPIC: &str = "checked";

/// What a schedule that passed did.
#[derive(Debug)]
pub struct Outcome {
    pub acked: usize,
    /// Records whose delivery failed (neither required nor forbidden in the log).
    pub failed: usize,
}

/// Runs `schedule` on a new cluster in `dir`: `Err` describes the first broken property.
pub async fn run(schedule: &Schedule, dir: &Path) -> Result<Outcome, String> {
    let mut cluster = start_cluster(
        dir,
        3,
        &[
            ("broker.session.timeout.ms", "1500"),
            ("broker.heartbeat.interval.ms", "250"),
            ("replica.lag.time.max.ms", "2000"),
            ("offsets.topic.num.partitions", "1"),
        ],
    )
    .await;
    let result = drive(&mut cluster, schedule, dir).await;
    cluster.shutdown().await;
    result
}

async fn drive(cluster: &mut Cluster, schedule: &Schedule, dir: &Path) -> Result<Outcome, String> {
    let bootstrap = cluster.bootstrap_servers();
    let topic = NewTopic::new(TOPIC, PARTITIONS, TopicReplication::Fixed(3))
        .set("min.insync.replicas", "2");
    for result in admin(&bootstrap)
        .create_topics([&topic], &admin_options())
        .await
        .map_err(|e| format!("CreateTopics: {e}"))?
    {
        result.map_err(|e| format!("topic not created: {e:?}"))?;
    }
    wait_whole(cluster).await?;
    let producer = ProducerThread::start(&bootstrap, TOPIC);
    let reader = ConsumerThread::start(&bootstrap, TOPIC);
    for (i, step) in schedule.steps.iter().enumerate() {
        wait_acks(
            cluster,
            &producer,
            step.before,
            &format!("step {i} before its fault"),
        )
        .await?;
        let broker = resolve(cluster, step.target)?;
        match step.fault {
            Fault::Kill => cluster
                .kill_broker(broker)
                .await
                .map_err(|e| format!("step {i}: kill {broker}: {e}"))?,
            Fault::Isolate => cluster
                .isolate(broker)
                .map_err(|e| format!("step {i}: isolate {broker}: {e}"))?,
        }
        let when = format!("step {i} with broker {broker} impaired");
        match step.fault {
            Fault::Kill => wait_acks(cluster, &producer, step.during, &when).await?,
            // A client that reaches only the isolated broker learns nothing new from it until
            // it heals (as with Kafka): the other side elects leaders, then the broker heals
            // and the producer's progress is required again at the next step.
            Fault::Isolate => wait_leaders_moved(cluster, broker)
                .await
                .map_err(|e| format!("{when}: {e}"))?,
        }
        match step.fault {
            Fault::Kill => cluster
                .start_broker(broker)
                .await
                .map_err(|e| format!("step {i}: start {broker}: {e}"))?,
            Fault::Isolate => cluster
                .heal(Some(broker))
                .map_err(|e| format!("step {i}: heal {broker}: {e}"))?,
        }
        wait_whole(cluster)
            .await
            .map_err(|e| format!("step {i} after broker {broker} recovered: {e}"))?;
    }
    let deliveries = tokio::task::spawn_blocking(move || producer.finish())
        .await
        .map_err(|e| e.to_string())??;
    wait_whole(cluster).await?;
    wait_identical_replicas(dir).await?;
    let b = bootstrap.clone();
    let final_reads = tokio::task::spawn_blocking(move || {
        let c = consumer(&b, &[]);
        let mut high_watermarks = BTreeMap::new();
        for partition in 0..PARTITIONS {
            let (_, hw) = c
                .fetch_watermarks(TOPIC, partition, TIMEOUT)
                .map_err(|e| format!("ListOffsets: {e}"))?;
            high_watermarks.insert(partition, hw);
        }
        read_all(&b, TOPIC, &high_watermarks)
    })
    .await
    .map_err(|e| e.to_string())??;
    let live_reads = tokio::task::spawn_blocking(move || reader.finish())
        .await
        .map_err(|e| e.to_string())??;
    let acked = deliveries.offsets.lock().unwrap().clone();
    check_log(&final_reads, &acked)?;
    check_live_reads(&live_reads, &final_reads)?;
    let failed = deliveries.failed.lock().unwrap().len();
    Ok(Outcome {
        acked: acked.len(),
        failed,
    })
}

/// The broker a target names now.
fn resolve(cluster: &Cluster, target: Target) -> Result<i32, String> {
    let image = cluster.image().ok_or("no broker runs")?;
    let partition = |p: i32| {
        image
            .partition(TOPIC, p)
            .cloned()
            .ok_or_else(|| format!("{TOPIC}-{p} is not in the image"))
    };
    match target {
        Target::LeaderOf(p) => Ok(partition(p)?.leader),
        Target::FollowerOf(p) => {
            let state = partition(p)?;
            state
                .isr
                .iter()
                .copied()
                .find(|&r| r != state.leader)
                .ok_or_else(|| format!("{TOPIC}-{p} has no follower in its ISR {:?}", state.isr))
        }
        Target::Controller => cluster
            .controller_id()
            .ok_or_else(|| "no controller".into()),
        Target::Broker(id) => Ok(id),
    }
}

/// Waits until `more` records beyond those acknowledged now are acknowledged.
async fn wait_acks(
    cluster: &Cluster,
    producer: &ProducerThread,
    more: usize,
    when: &str,
) -> Result<(), String> {
    let target = producer.acked() + more;
    let deadline = Instant::now() + TIMEOUT;
    while producer.acked() < target {
        if Instant::now() > deadline {
            return Err(format!(
                "{when}: the producer made no progress ({} of {target} acknowledged); the controller {:?} sees {}",
                producer.acked(),
                cluster.controller_id(),
                partition_states(cluster)
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Waits until the brokers on the other side of `isolated` no longer name it the leader of
/// any partition of the topic.
async fn wait_leaders_moved(cluster: &Cluster, isolated: i32) -> Result<(), String> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let moved = (0..3).filter(|&b| b != isolated).all(|b| {
            cluster.broker(b).is_some_and(|broker| {
                let image = broker.image();
                (0..PARTITIONS).all(|p| {
                    image
                        .partition(TOPIC, p)
                        .is_some_and(|s| s.leader >= 0 && s.leader != isolated)
                })
            })
        });
        if moved {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the other brokers never elected leaders without broker {isolated}: {}",
                partition_states(cluster)
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until every broker runs and every partition of the topic has a leader and its whole
/// replica set in the ISR, as the controller's image says.
async fn wait_whole(cluster: &Cluster) -> Result<(), String> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let image = cluster.image();
        let whole = (0..3).all(|b| cluster.is_running(b) && !cluster.faults().is_isolated(b))
            && (0..PARTITIONS).all(|p| {
                image
                    .as_ref()
                    .and_then(|i| i.partition(TOPIC, p))
                    .is_some_and(|s| s.leader >= 0 && s.isr.len() == s.replicas.len())
            });
        if whole {
            return Ok(());
        }
        if Instant::now() > deadline {
            let states: Vec<String> = (0..PARTITIONS)
                .filter_map(|p| {
                    image
                        .as_ref()?
                        .partition(TOPIC, p)
                        .map(|s| format!("{s:?}"))
                })
                .collect();
            return Err(format!(
                "stuck: the ISR never became whole again: {states:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Each partition's leader, epoch and ISR in the controller's image, and each running
/// broker's own view: the leader and epoch it knows, its high watermark and log end.
fn partition_states(cluster: &Cluster) -> String {
    let image = cluster.image();
    (0..PARTITIONS)
        .map(|p| {
            let controller = match image.as_ref().and_then(|i| i.partition(TOPIC, p)) {
                Some(s) => format!(
                    "leader {} epoch {} isr {:?}",
                    s.leader, s.leader_epoch, s.isr
                ),
                None => "unknown".to_string(),
            };
            let brokers: Vec<String> = (0..3)
                .filter_map(|b| {
                    let broker = cluster.broker(b)?;
                    let own = broker.image();
                    let replica = broker.replicas.replica(&own, TOPIC, p).ok()?;
                    let offsets = replica.offsets().ok()?;
                    Some(format!(
                        "broker {b}: leader {} epoch {} hw {} end {}",
                        replica.partition.leader(),
                        replica.partition.leader_epoch(),
                        offsets.high_watermark,
                        offsets.log_end
                    ))
                })
                .collect();
            format!("{TOPIC}-{p}: {controller} [{}]", brokers.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The bytes of every segment of a partition on one broker, in offset order.
fn segments(dir: &Path, broker: i32, partition: i32) -> Vec<u8> {
    let partition_dir = dir
        .join(format!("broker-{broker}"))
        .join(format!("{TOPIC}-{partition}"));
    let mut files: Vec<_> = std::fs::read_dir(&partition_dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "log"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .flat_map(|f| std::fs::read(f).unwrap_or_default())
        .collect()
}

/// Waits until the three replicas of every partition hold the same bytes (the producer has
/// stopped and every ISR is whole, so they catch up to one log end).
async fn wait_identical_replicas(dir: &Path) -> Result<(), String> {
    let deadline = Instant::now() + TIMEOUT;
    for partition in 0..PARTITIONS {
        loop {
            let copies: Vec<Vec<u8>> = (0..3).map(|b| segments(dir, b, partition)).collect();
            if copies.iter().all(|c| c == &copies[0]) {
                break;
            }
            if Instant::now() > deadline {
                let sizes: Vec<usize> = copies.iter().map(Vec::len).collect();
                let first_difference = (0..copies.iter().map(Vec::len).min().unwrap_or(0))
                    .find(|&i| copies.iter().any(|c| c[i] != copies[0][i]));
                return Err(format!(
                    "the replicas of {TOPIC}-{partition} differ: sizes {sizes:?}, first differing byte {first_difference:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

/// The final log: offsets from 0 without gaps, each partition's records in the producer's
/// order and each once, every acknowledged record at the offset it was acknowledged at.
fn check_log(
    reads: &BTreeMap<i32, Vec<Read>>,
    acked: &BTreeMap<(i32, u64), i64>,
) -> Result<(), String> {
    let mut present: BTreeMap<(i32, u64), i64> = BTreeMap::new();
    for (&partition, records) in reads {
        let mut last_seq = None;
        for (i, read) in records.iter().enumerate() {
            if read.offset != i as i64 {
                return Err(format!(
                    "{TOPIC}-{partition}: record {i} is at offset {}",
                    read.offset
                ));
            }
            let (p, seq) = parse_value(&read.value).ok_or_else(|| {
                format!("{TOPIC}-{partition}@{}: a value not produced", read.offset)
            })?;
            if p != partition {
                return Err(format!(
                    "{TOPIC}-{partition}@{}: a record of partition {p}",
                    read.offset
                ));
            }
            if last_seq.is_some_and(|last| seq <= last) {
                return Err(format!(
                    "{TOPIC}-{partition}@{}: record {seq} after record {last_seq:?}: duplicated or out of order",
                    read.offset
                ));
            }
            last_seq = Some(seq);
            present.insert((partition, seq), read.offset);
        }
    }
    for (&(partition, seq), &offset) in acked {
        match present.get(&(partition, seq)) {
            None => {
                return Err(format!(
                    "{TOPIC}-{partition}: record {seq}, acknowledged at offset {offset}, is lost"
                ))
            }
            Some(&at) if at != offset => {
                return Err(format!(
                    "{TOPIC}-{partition}: record {seq} was acknowledged at offset {offset} but is at {at}"
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// What the consumer read while brokers failed is what the partitions hold: the same record at
/// each offset (never a record above the high watermark that a truncation later removed), each
/// offset once and in order: a consumer never goes back by itself when no acknowledged record
/// was lost (a rewind is a broker answering an offset or epoch question wrongly; librdkafka's
/// own account of its resets is printed with it).
fn check_live_reads(live: &LiveReads, reads: &BTreeMap<i32, Vec<Read>>) -> Result<(), String> {
    for (&partition, records) in &live.reads {
        let log = reads.get(&partition).map_or(&[][..], Vec::as_slice);
        let mut last = -1;
        for read in records {
            if read.offset <= last {
                return Err(format!(
                    "the consumer went back: it read {TOPIC}-{partition}@{} after @{last}; librdkafka said:\n  {}",
                    read.offset,
                    live.resets.join("\n  ")
                ));
            }
            last = read.offset;
            let held = usize::try_from(read.offset).ok().and_then(|i| log.get(i));
            if held != Some(read) {
                return Err(format!(
                    "the consumer read {:?} at {TOPIC}-{partition}@{}, the log holds {:?}",
                    String::from_utf8_lossy(&read.value),
                    read.offset,
                    held.map(|h| String::from_utf8_lossy(&h.value).into_owned())
                ));
            }
        }
    }
    Ok(())
}
