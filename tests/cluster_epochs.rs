//! Offset and epoch questions across kills and restarts (issue #7, KIP-320): what
//! OffsetForLeaderEpoch (key 23) and ListOffsets answer on a leader that was killed and started
//! again (its leader-epoch cache read back from `leader-epoch-checkpoint`, its log opened at
//! first use, its high watermark from `replication-offset-checkpoint`), checked on the wire
//! against Kafka's `LeaderEpochFileCache.endOffsetFor` and `Partition.fetchOffsetForTimestamp`,
//! and a librdkafka consumer that reads on across the same restarts without ever going back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::offset_for_leader_epoch_request::{
    OffsetForLeaderPartition, OffsetForLeaderTopic,
};
use kafka_protocol::messages::{
    elect_leaders_request, ApiKey, BrokerId, ElectLeadersRequest, ElectLeadersResponse,
    ListOffsetsRequest, ListOffsetsResponse, OffsetForLeaderEpochRequest,
    OffsetForLeaderEpochResponse, TopicName,
};
use kafka_protocol::protocol::StrBytes;
use kf::cluster::Cluster;
use rdkafka::admin::{NewTopic, TopicReplication};
use rdkafka::consumer::Consumer;
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::{Message, Offset, TopicPartitionList};

use common::raw::RawConnection;
use common::{admin, admin_options, consumer, producer, start_cluster, TIMEOUT};

const TOPIC: &str = "epochs";

/// Fast failure detection, and no leader balancing: leaders move only when a test says so.
const PROPERTIES: [(&str, &str); 4] = [
    ("broker.session.timeout.ms", "1500"),
    ("broker.heartbeat.interval.ms", "250"),
    ("replica.lag.time.max.ms", "2000"),
    ("auto.leader.rebalance.enable", "false"),
];

fn name(topic: &str) -> TopicName {
    TopicName(StrBytes::from_string(topic.to_string()))
}

fn addr(cluster: &Cluster, broker: i32) -> String {
    let endpoint = cluster
        .broker(broker)
        .expect("broker runs")
        .advertised_listeners[0]
        .clone();
    format!("{}:{}", endpoint.host, endpoint.port)
}

async fn create_topic(bootstrap: &str) {
    let topic = NewTopic::new(TOPIC, 1, TopicReplication::Fixed(3)).set("min.insync.replicas", "2");
    for result in admin(bootstrap)
        .create_topics([&topic], &admin_options())
        .await
        .unwrap()
    {
        result.expect("topic created");
    }
}

/// (leader, leader epoch, isr) of partition 0 in the controller's image.
fn state(cluster: &Cluster) -> (i32, i32, Vec<i32>) {
    let image = cluster.image().expect("a broker runs");
    let p = image.partition(TOPIC, 0).expect("partition 0 known");
    (p.leader, p.leader_epoch, p.isr.clone())
}

/// Waits until `done` holds for partition 0's (leader, epoch, isr) on every running broker's
/// own image (each answers from its own), and answers the controller's view then.
async fn wait_state(
    cluster: &Cluster,
    what: &str,
    done: impl Fn(i32, i32, &[i32]) -> bool,
) -> (i32, i32, Vec<i32>) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let (leader, epoch, isr) = state(cluster);
        let everywhere = (0..3).filter_map(|b| cluster.broker(b)).all(|broker| {
            broker
                .image()
                .partition(TOPIC, 0)
                .is_some_and(|p| p.leader_epoch == epoch && done(p.leader, epoch, &p.isr))
        });
        if done(leader, epoch, &isr) && everywhere {
            return (leader, epoch, isr);
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting until {what}: leader {leader} epoch {epoch} isr {isr:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn produce(bootstrap: &str, count: usize, tag: &str) {
    let bootstrap = bootstrap.to_string();
    let tag = tag.to_string();
    tokio::task::spawn_blocking(move || {
        let p = producer(&bootstrap, &[("enable.idempotence", "true")]);
        for i in 0..count {
            let value = format!("{tag}-{i}");
            p.send(BaseRecord::<(), _>::to(TOPIC).partition(0).payload(&value))
                .expect("queued");
        }
        p.flush(TIMEOUT).expect("acknowledged with acks=all");
    })
    .await
    .unwrap();
}

/// Makes `broker` (the partition's first replica) lead again through a preferred election.
async fn elect_preferred(cluster: &Cluster, broker: i32) -> i32 {
    let request = ElectLeadersRequest::default()
        .with_election_type(0)
        .with_topic_partitions(Some(vec![elect_leaders_request::TopicPartitions::default(
        )
        .with_topic(name(TOPIC))
        .with_partitions(vec![0])]))
        .with_timeout_ms(30_000);
    let mut conn = RawConnection::connect(&addr(cluster, broker)).await;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let response: ElectLeadersResponse = conn.call(ApiKey::ElectLeaders, 2, &request).await;
        let result = &response.replica_election_results[0].partition_result[0];
        // On a loaded box the preferred replica can drop out of the ISR again (a late fetch or
        // heartbeat) between the caller's wait and the election: Kafka then refuses it with
        // PREFERRED_LEADER_NOT_AVAILABLE; asked again once it is back.
        if result.error_code == ResponseError::PreferredLeaderNotAvailable.code()
            && Instant::now() < deadline
        {
            wait_state(cluster, "the ISR is whole again", |_, _, isr| {
                isr.len() == 3
            })
            .await;
            continue;
        }
        // Brokers fenced after missed heartbeats (a stalled box) can make the preferred
        // replica the leader before the call: Kafka answers ELECTION_NOT_NEEDED then, and the
        // wait below still checks it leads.
        if result.error_code == ResponseError::ElectionNotNeeded.code() {
            break;
        }
        assert_eq!(result.error_code, 0, "preferred election: {result:?}");
        break;
    }
    let (_, epoch, _) = wait_state(cluster, "the preferred replica leads", |l, _, _| {
        l == broker
    })
    .await;
    epoch
}

/// The partition's preferred replica (its first), once it leads with the whole ISR.
async fn preferred(cluster: &Cluster) -> i32 {
    let (leader, _, _) = wait_state(cluster, "the ISR is whole", |l, _, isr| {
        l >= 0 && isr.len() == 3
    })
    .await;
    let image = cluster.image().unwrap();
    let first = image.partition(TOPIC, 0).unwrap().replicas[0];
    assert_eq!(leader, first, "the first replica leads a new partition");
    first
}

/// OffsetForLeaderEpoch v4 as a consumer asks it (replica id -1): (error, epoch, end offset).
async fn end_offset_for(
    addr: &str,
    topic: &str,
    current_leader_epoch: i32,
    leader_epoch: i32,
) -> (i16, i32, i64) {
    let request = OffsetForLeaderEpochRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_topics(vec![OffsetForLeaderTopic::default()
            .with_topic(name(topic))
            .with_partitions(vec![OffsetForLeaderPartition::default()
                .with_partition(0)
                .with_current_leader_epoch(current_leader_epoch)
                .with_leader_epoch(leader_epoch)])]);
    let mut conn = RawConnection::connect(addr).await;
    let response: OffsetForLeaderEpochResponse =
        conn.call(ApiKey::OffsetForLeaderEpoch, 4, &request).await;
    let p = &response.topics[0].partitions[0];
    (p.error_code, p.leader_epoch, p.end_offset)
}

/// ListOffsets v7 latest for a read_uncommitted consumer: Ok(offset) or the error code.
async fn latest_offset(addr: &str) -> Result<i64, i16> {
    let request = ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_topics(vec![ListOffsetsTopic::default()
            .with_name(name(TOPIC))
            .with_partitions(vec![ListOffsetsPartition::default()
                .with_partition_index(0)
                .with_current_leader_epoch(-1)
                .with_timestamp(-1)])]);
    let mut conn = RawConnection::connect(addr).await;
    let response: ListOffsetsResponse = conn.call(ApiKey::ListOffsets, 7, &request).await;
    let p = &response.topics[0].partitions[0];
    match p.error_code {
        0 => Ok(p.offset),
        code => Err(code),
    }
}

/// The latest offset a just-elected leader answers, asked until it answers: never one behind
/// `committed` (Kafka answers OFFSET_NOT_AVAILABLE while its high watermark lags its epoch's
/// start, and a restarted broker's high watermark starts from its checkpoint).
async fn latest_once_available(addr: &str, committed: i64) -> i64 {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match latest_offset(addr).await {
            Ok(offset) => {
                assert!(
                    offset >= committed,
                    "latest {offset} is behind the committed {committed}"
                );
                return offset;
            }
            Err(code) => {
                assert_eq!(
                    code,
                    ResponseError::OffsetNotAvailable.code(),
                    "ListOffsets"
                );
                assert!(Instant::now() < deadline, "latest never became available");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

const NONE: i16 = 0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offset_for_leader_epoch_answers_as_kafka_on_a_killed_and_restarted_leader() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = start_cluster(dir.path(), 3, &PROPERTIES).await;
    create_topic(&cluster.bootstrap_servers()).await;
    let first = preferred(&cluster).await;
    let (_, e0, _) = state(&cluster);
    // The first leader dies before anything is written: the log's first epoch is a later one.
    cluster.kill_broker(first).await.unwrap();
    let (second, e1, _) = wait_state(&cluster, "another broker leads", |l, _, _| {
        l >= 0 && l != first
    })
    .await;
    produce(&cluster.bootstrap_servers(), 10, "e1").await;
    cluster.start_broker(first).await.unwrap();
    wait_state(
        &cluster,
        "the restarted broker rejoins the ISR",
        |_, _, isr| isr.len() == 3,
    )
    .await;
    let e2 = elect_preferred(&cluster, first).await;
    assert!(e0 < e1 && e1 < e2);
    let leader = addr(&cluster, first);
    // Its epochs: e1 from the batches it fetched as a follower, e2 from becoming leader, with
    // nothing written in e2 yet (Kafka's makeLeader records its start).
    assert_eq!(end_offset_for(&leader, TOPIC, e2, e1).await, (NONE, e1, 10));
    assert_eq!(end_offset_for(&leader, TOPIC, e2, e2).await, (NONE, e2, 10));
    // Older than the earliest epoch: the asked epoch, ending where the earliest starts.
    assert_eq!(end_offset_for(&leader, TOPIC, e2, e0).await, (NONE, e0, 0));
    // Newer than any, and undefined: no epoch, no offset, no error.
    assert_eq!(
        end_offset_for(&leader, TOPIC, -1, e2 + 3).await,
        (NONE, -1, -1)
    );
    assert_eq!(end_offset_for(&leader, TOPIC, -1, -1).await, (NONE, -1, -1));
    // The stated current leader epoch is checked first.
    let fenced = ResponseError::FencedLeaderEpoch.code();
    let unknown = ResponseError::UnknownLeaderEpoch.code();
    assert_eq!(
        end_offset_for(&leader, TOPIC, e1, e1).await,
        (fenced, -1, -1)
    );
    assert_eq!(
        end_offset_for(&leader, TOPIC, e2 + 1, e1).await,
        (unknown, -1, -1)
    );
    // Only the leader answers, even a replica holding the epoch.
    let not_leader = ResponseError::NotLeaderOrFollower.code();
    let follower = addr(&cluster, second);
    assert_eq!(
        end_offset_for(&follower, TOPIC, -1, e1).await,
        (not_leader, -1, -1)
    );
    let unknown_topic = ResponseError::UnknownTopicOrPartition.code();
    assert_eq!(
        end_offset_for(&leader, "nope", -1, 0).await,
        (unknown_topic, -1, -1)
    );
    assert_eq!(latest_once_available(&leader, 10).await, 10);

    // Records in e2, then the leader is killed and started again: its epochs come back from
    // its leader-epoch checkpoint, its high watermark from its replication-offset-checkpoint.
    produce(&cluster.bootstrap_servers(), 5, "e2").await;
    cluster.kill_broker(first).await.unwrap();
    let (_, e3, _) = wait_state(&cluster, "another broker leads", |l, _, _| {
        l >= 0 && l != first
    })
    .await;
    cluster.start_broker(first).await.unwrap();
    wait_state(
        &cluster,
        "the restarted broker rejoins the ISR",
        |_, _, isr| isr.len() == 3,
    )
    .await;
    let e4 = elect_preferred(&cluster, first).await;
    assert!(e3 < e4);
    let leader = addr(&cluster, first);
    assert_eq!(latest_once_available(&leader, 15).await, 15);
    assert_eq!(end_offset_for(&leader, TOPIC, e4, e1).await, (NONE, e1, 10));
    assert_eq!(end_offset_for(&leader, TOPIC, e4, e2).await, (NONE, e2, 15));
    // e3's leader wrote nothing: the epoch before it ends where e4 starts.
    assert_eq!(end_offset_for(&leader, TOPIC, e4, e3).await, (NONE, e2, 15));
    assert_eq!(end_offset_for(&leader, TOPIC, e4, e4).await, (NONE, e4, 15));
    let checkpoint = dir
        .path()
        .join(format!("broker-{first}"))
        .join("replication-offset-checkpoint");
    let deadline = Instant::now() + TIMEOUT;
    while !std::fs::read_to_string(&checkpoint)
        .unwrap_or_default()
        .contains(&format!("\n{TOPIC} 0 15\n"))
    {
        assert!(
            Instant::now() < deadline,
            "the checkpoint never held the high watermark: {:?}",
            std::fs::read_to_string(&checkpoint)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    cluster.shutdown().await;
}

/// Waits until the last offset the consumer read is `last`.
async fn wait_read(offsets: &Mutex<Vec<i64>>, last: i64) {
    let deadline = Instant::now() + TIMEOUT;
    while offsets.lock().unwrap().last() != Some(&last) {
        assert!(
            Instant::now() < deadline,
            "the consumer read up to {:?} of {}",
            offsets.lock().unwrap().last(),
            last + 1
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Stops the reader thread however the test ends (a panic must not leave it polling).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A librdkafka consumer (KIP-320: it validates its position with OffsetForLeaderEpoch after
/// each leader change) reads on while the leader is killed, started again and made leader once
/// more, twice: every offset once, in order, never going back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_never_goes_back_across_a_leader_s_kill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = start_cluster(dir.path(), 3, &PROPERTIES).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap).await;
    let first = preferred(&cluster).await;
    produce(&bootstrap, 50, "before").await;
    let stop = StopOnDrop(Arc::new(AtomicBool::new(false)));
    let offsets: Arc<Mutex<Vec<i64>>> = Arc::default();
    let (b, s, o) = (bootstrap.clone(), stop.0.clone(), offsets.clone());
    let reader = std::thread::spawn(move || {
        let c = consumer(
            &b,
            &[
                ("topic.metadata.refresh.interval.ms", "500"),
                ("fetch.wait.max.ms", "100"),
            ],
        );
        let mut assignment = TopicPartitionList::new();
        assignment
            .add_partition_offset(TOPIC, 0, Offset::Beginning)
            .unwrap();
        c.assign(&assignment).unwrap();
        while !s.load(Ordering::SeqCst) {
            if let Some(Ok(m)) = c.poll(Duration::from_millis(100)) {
                o.lock().unwrap().push(m.offset());
            }
        }
    });
    // The consumer has its position before the first kill. librdkafka keeps a ListOffsets for
    // the assigned BEGINNING that it sent a dead leader queued on that broker, and whenever it
    // completes (the broker back, or its handle dropped once Metadata leaves it out), answer or
    // error, librdkafka queries BEGINNING again, even while fetching, and reads from 0 again
    // (its `rd_kafka_toppar_handle_Offset`), whatever the brokers answer.
    wait_read(&offsets, 49).await;
    let mut committed = 50;
    for round in 0..2 {
        cluster.kill_broker(first).await.unwrap();
        wait_state(&cluster, "another broker leads", |l, _, _| {
            l >= 0 && l != first
        })
        .await;
        produce(&cluster.bootstrap_servers(), 50, &format!("down-{round}")).await;
        cluster.start_broker(first).await.unwrap();
        wait_state(
            &cluster,
            "the restarted broker rejoins the ISR",
            |_, _, isr| isr.len() == 3,
        )
        .await;
        elect_preferred(&cluster, first).await;
        produce(&cluster.bootstrap_servers(), 50, &format!("up-{round}")).await;
        committed += 100;
    }
    wait_read(&offsets, committed - 1).await;
    drop(stop);
    reader.join().unwrap();
    let offsets = offsets.lock().unwrap().clone();
    for pair in offsets.windows(2) {
        assert!(
            pair[1] == pair[0] + 1,
            "the consumer read @{} after @{}",
            pair[1],
            pair[0]
        );
    }
    assert_eq!(offsets.first(), Some(&0));
    assert_eq!(offsets.len() as i64, committed);
    cluster.shutdown().await;
}
