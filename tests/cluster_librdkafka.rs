//! The cluster against librdkafka (the `rdkafka` crate's bundled build): a client kf did not
//! write produces, consumes, lists offsets and administers topics on an in-process cluster.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use common::*;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaErrorCode;

const CODECS: [&str; 5] = ["none", "gzip", "snappy", "lz4", "zstd"];
const RECORDS_PER_CODEC: usize = 100_000;
const KEYS: usize = 997;

fn value_of(codec: &str, seq: usize) -> String {
    format!("{codec}|{seq}|{}", "v".repeat(seq % 64))
}

fn key_of(seq: usize) -> String {
    format!("key-{}", seq % KEYS)
}

/// Produces `count` keyed records with headers, compressed with `codec`, and waits for acks.
fn produce_all(bootstrap: &str, topic: &str, codec: &str, count: usize) {
    let producer = producer(bootstrap, &[("compression.type", codec)]);
    for seq in 0..count {
        let key = key_of(seq);
        let value = value_of(codec, seq);
        let seq_text = seq.to_string();
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: "codec",
                value: Some(codec),
            })
            .insert(Header {
                key: "seq",
                value: Some(&seq_text),
            })
            .insert(Header {
                key: "empty",
                value: None::<&str>,
            });
        let mut record = BaseRecord::to(topic)
            .key(&key)
            .payload(&value)
            .headers(headers);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((e, back)) if e.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) => {
                    producer.poll(Duration::from_millis(10));
                    record = back;
                }
                Err((e, _)) => panic!("produce failed: {e}"),
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(TIMEOUT).expect("every record acknowledged");
}

fn assign_from_beginning(consumer: &BaseConsumer, topic: &str, partitions: i32) {
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
}

struct Consumed {
    partition: i32,
    offset: i64,
    key: String,
    value: String,
    headers: Vec<(String, Option<String>)>,
}

fn consume_n(consumer: &BaseConsumer, n: usize) -> Vec<Consumed> {
    let deadline = Instant::now() + TIMEOUT * 2;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        assert!(
            Instant::now() < deadline,
            "only {} of {n} records consumed",
            out.len()
        );
        let Some(message) = consumer.poll(Duration::from_millis(500)) else {
            continue;
        };
        let m = message.expect("no consume error");
        let headers = m
            .headers()
            .map(|h| {
                h.iter()
                    .map(|h| {
                        (
                            h.key.to_string(),
                            h.value.map(|v| String::from_utf8(v.to_vec()).unwrap()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(Consumed {
            partition: m.partition(),
            offset: m.offset(),
            key: String::from_utf8(m.key().unwrap().to_vec()).unwrap(),
            value: String::from_utf8(m.payload().unwrap().to_vec()).unwrap(),
            headers,
        });
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_codec_round_trips_through_a_three_broker_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "events", 6).await;

    let records = tokio::task::spawn_blocking(move || {
        for codec in CODECS {
            produce_all(&bootstrap, "events", codec, RECORDS_PER_CODEC);
        }
        let consumer = consumer(&bootstrap, &[]);
        assign_from_beginning(&consumer, "events", 6);
        consume_n(&consumer, CODECS.len() * RECORDS_PER_CODEC)
    })
    .await
    .unwrap();

    let mut next_offset: HashMap<i32, i64> = HashMap::new();
    let mut partition_of_key: HashMap<String, i32> = HashMap::new();
    let mut last_seq: HashMap<(String, String), usize> = HashMap::new();
    let mut seen = vec![vec![false; RECORDS_PER_CODEC]; CODECS.len()];
    for r in &records {
        let expected = next_offset.entry(r.partition).or_insert(0);
        assert_eq!(
            r.offset, *expected,
            "offsets of partition {} are contiguous",
            r.partition
        );
        *expected += 1;

        let mut parts = r.value.splitn(3, '|');
        let codec = parts.next().unwrap().to_string();
        let seq: usize = parts.next().unwrap().parse().unwrap();
        assert_eq!(r.value, value_of(&codec, seq));
        assert_eq!(r.key, key_of(seq));
        assert_eq!(
            r.headers,
            vec![
                ("codec".to_string(), Some(codec.clone())),
                ("seq".to_string(), Some(seq.to_string())),
                ("empty".to_string(), None),
            ]
        );
        let partition = *partition_of_key.entry(r.key.clone()).or_insert(r.partition);
        assert_eq!(partition, r.partition, "one key, one partition");
        if let Some(previous) = last_seq.insert((codec.clone(), r.key.clone()), seq) {
            assert!(previous < seq, "per-key order kept for {}", r.key);
        }
        let codec_index = CODECS.iter().position(|c| *c == codec).unwrap();
        assert!(
            !seen[codec_index][seq],
            "{codec} record {seq} delivered once"
        );
        seen[codec_index][seq] = true;
    }
    assert!(seen.iter().flatten().all(|s| *s));
    assert_eq!(next_offset.len(), 6, "keys spread over every partition");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_offsets_earliest_latest_and_by_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "clock", 1).await;

    tokio::task::spawn_blocking(move || {
        let producer = producer(&bootstrap, &[("linger.ms", "100")]);
        // Ten records a second apart, batched together, so finding a timestamp needs the record
        // inside the batch, not just the batch.
        for i in 0..10i64 {
            let value = i.to_string();
            producer
                .send(
                    BaseRecord::<(), _>::to("clock")
                        .payload(&value)
                        .partition(0)
                        .timestamp(1_000_000 + i * 1000),
                )
                .unwrap();
        }
        producer.flush(TIMEOUT).unwrap();

        let consumer = consumer(&bootstrap, &[]);
        let (low, high) = consumer.fetch_watermarks("clock", 0, TIMEOUT).unwrap();
        assert_eq!((low, high), (0, 10));

        let mut query = TopicPartitionList::new();
        query
            .add_partition_offset("clock", 0, Offset::Offset(1_003_500))
            .unwrap();
        let found = consumer.offsets_for_times(query, TIMEOUT).unwrap();
        assert_eq!(
            found.find_partition("clock", 0).unwrap().offset(),
            Offset::Offset(4)
        );

        let mut past_end = TopicPartitionList::new();
        past_end
            .add_partition_offset("clock", 0, Offset::Offset(9_000_000))
            .unwrap();
        let found = consumer.offsets_for_times(past_end, TIMEOUT).unwrap();
        assert_eq!(
            found.find_partition("clock", 0).unwrap().offset(),
            Offset::End
        );
    })
    .await
    .unwrap();
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producing_to_a_missing_topic_creates_it() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[("num.partitions", "4")]).await;
    let bootstrap = cluster.bootstrap_servers();
    let partitions = tokio::task::spawn_blocking(move || {
        produce_all(&bootstrap, "born-on-first-write", "none", 100);
        let consumer = consumer(&bootstrap, &[]);
        let metadata = consumer
            .fetch_metadata(Some("born-on-first-write"), TIMEOUT)
            .unwrap();
        metadata.topics()[0].partitions().len()
    })
    .await
    .unwrap();
    assert_eq!(
        partitions, 4,
        "num.partitions applies to auto-created topics"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_survive_a_restart_on_the_same_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[("log.segment.bytes", "1048576")]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "durable", 3).await;
    tokio::task::spawn_blocking(move || produce_all(&bootstrap, "durable", "none", 20_000))
        .await
        .unwrap();
    cluster.shutdown().await;

    let cluster = start_cluster(dir.path(), 3, &[("log.segment.bytes", "1048576")]).await;
    let bootstrap = cluster.bootstrap_servers();
    let records = tokio::task::spawn_blocking(move || {
        let consumer = consumer(&bootstrap, &[]);
        assign_from_beginning(&consumer, "durable", 3);
        consume_n(&consumer, 20_000)
    })
    .await
    .unwrap();
    let mut seqs: Vec<usize> = records
        .iter()
        .map(|r| r.value.split('|').nth(1).unwrap().parse().unwrap())
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..20_000).collect::<Vec<_>>());
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_keeps_working_after_the_controller_stops() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = start_cluster(dir.path(), 3, &[]).await;
    let old_controller = cluster.controller_id().expect("a controller is elected");
    cluster.stop_broker(old_controller).await.unwrap();

    let deadline = Instant::now() + TIMEOUT;
    let new_controller = loop {
        match cluster.controller_id() {
            Some(id) if id != old_controller => break id,
            _ => {
                assert!(Instant::now() < deadline, "no new controller elected");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    assert_ne!(new_controller, old_controller);

    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "after-failover", 2).await;
    let brokers: BTreeMap<i32, String> = tokio::task::spawn_blocking(move || {
        let consumer = consumer(&bootstrap, &[]);
        let metadata = consumer
            .fetch_metadata(Some("after-failover"), TIMEOUT)
            .unwrap();
        assert_eq!(metadata.topics()[0].partitions().len(), 2);
        metadata
            .brokers()
            .iter()
            .map(|b| (b.id(), format!("{}:{}", b.host(), b.port())))
            .collect()
    })
    .await
    .unwrap();
    assert!(
        !brokers.contains_key(&old_controller),
        "a stopped broker is not listed"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_producer_gets_a_producer_id_and_keeps_order() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "exactly", 3).await;
    let records = tokio::task::spawn_blocking(move || {
        let producer = producer(
            &bootstrap,
            &[
                ("enable.idempotence", "true"),
                ("max.in.flight.requests.per.connection", "5"),
            ],
        );
        for seq in 0..3_000usize {
            let key = key_of(seq);
            let value = value_of("none", seq);
            producer
                .send(BaseRecord::to("exactly").key(&key).payload(&value))
                .map_err(|(e, _)| e)
                .unwrap();
            producer.poll(Duration::ZERO);
        }
        producer.flush(TIMEOUT).unwrap();
        let consumer = consumer(&bootstrap, &[]);
        assign_from_beginning(&consumer, "exactly", 3);
        consume_n(&consumer, 3_000)
    })
    .await
    .unwrap();
    let mut last: HashMap<String, usize> = HashMap::new();
    for r in &records {
        let seq: usize = r.value.split('|').nth(1).unwrap().parse().unwrap();
        if let Some(previous) = last.insert(r.key.clone(), seq) {
            assert!(previous < seq, "per-key order for {}", r.key);
        }
    }
    assert_eq!(records.len(), 3_000, "no duplicates, nothing lost");
    cluster.shutdown().await;
}

/// Two listeners stand for two networks: 127.0.0.1 and 127.0.0.2. A client that bootstraps
/// through one is told that listener's addresses, and produces and consumes through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_listener_answers_with_its_own_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(
        dir.path(),
        2,
        &[
            ("listeners", "INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.2:0"),
            (
                "listener.security.protocol.map",
                "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
            ),
            ("inter.broker.listener.name", "INTERNAL"),
        ],
    )
    .await;
    let topic = "two-networks";
    create_topic(&cluster.listener_bootstrap_servers("INTERNAL"), topic, 2).await;
    for (round, (listener, host)) in [("INTERNAL", "127.0.0.1"), ("EXTERNAL", "127.0.0.2")]
        .into_iter()
        .enumerate()
    {
        let bootstrap = cluster.listener_bootstrap_servers(listener);
        assert_eq!(bootstrap.matches(host).count(), 2, "{bootstrap}");
        let expected: BTreeMap<i32, String> = bootstrap
            .split(',')
            .enumerate()
            .map(|(id, addr)| (id as i32, addr.to_string()))
            .collect();
        // A group's coordinator too is named by its address on the listener asked.
        let (coordinator, address) =
            common::raw::coordinator_address(&bootstrap, "two-networks-group", 0).await;
        assert_eq!(
            expected.get(&coordinator),
            Some(&address),
            "{listener}'s FindCoordinator"
        );
        let seen = tokio::task::spawn_blocking(move || {
            let values: Vec<String> = (0..50).map(|i| format!("{listener}-{i}")).collect();
            let producer = producer(&bootstrap, &[]);
            for (i, value) in values.iter().enumerate() {
                let partition = (i % 2) as i32;
                producer
                    .send(
                        BaseRecord::to(topic)
                            .partition(partition)
                            .key(value)
                            .payload(value),
                    )
                    .map_err(|(e, _)| e)
                    .unwrap();
            }
            producer.flush(TIMEOUT).expect("every record acknowledged");
            let consumer = consumer(&bootstrap, &[]);
            let brokers: BTreeMap<i32, String> = consumer
                .fetch_metadata(Some(topic), TIMEOUT)
                .unwrap()
                .brokers()
                .iter()
                .map(|b| (b.id(), format!("{}:{}", b.host(), b.port())))
                .collect();
            assign_from_beginning(&consumer, topic, 2);
            // Both rounds' records are in the topic by now.
            let read: Vec<String> = consume_n(&consumer, 50 * (round + 1))
                .into_iter()
                .map(|c| c.value)
                .filter(|v| v.starts_with(listener))
                .collect();
            (brokers, values, read)
        })
        .await
        .unwrap();
        let (brokers, mut values, mut read) = seen;
        assert_eq!(brokers, expected, "{listener}'s Metadata");
        values.sort();
        read.sort();
        assert_eq!(read, values, "{listener}'s records");
    }
    // DescribeQuorum v2 lists each voter (every broker here) with both its listeners.
    let internal = cluster.listener_bootstrap_servers("INTERNAL");
    let external = cluster.listener_bootstrap_servers("EXTERNAL");
    let mut conn = common::raw::RawConnection::connect(internal.split(',').next().unwrap()).await;
    let quorum: kafka_protocol::messages::DescribeQuorumResponse = conn
        .call(
            kafka_protocol::messages::ApiKey::DescribeQuorum,
            2,
            &common::raw::describe_quorum_request(),
        )
        .await;
    let nodes: Vec<(i32, Vec<String>)> = quorum
        .nodes
        .iter()
        .map(|n| {
            let listeners = n
                .listeners
                .iter()
                .map(|l| format!("{}={}:{}", l.name.as_str(), l.host.as_str(), l.port))
                .collect();
            (n.node_id.0, listeners)
        })
        .collect();
    let expected: Vec<(i32, Vec<String>)> = internal
        .split(',')
        .zip(external.split(','))
        .enumerate()
        .map(|(id, (i, e))| {
            (
                id as i32,
                vec![format!("INTERNAL={i}"), format!("EXTERNAL={e}")],
            )
        })
        .collect();
    assert_eq!(nodes, expected, "DescribeQuorum's nodes");
    cluster.shutdown().await;
}

/// Every record of partition 0 up to the high watermark: (offset, key, value or tombstone).
fn read_partition(bootstrap: &str, topic: &str) -> Vec<(i64, String, Option<String>)> {
    let consumer = consumer(bootstrap, &[]);
    let (_, high) = consumer.fetch_watermarks(topic, 0, TIMEOUT).unwrap();
    assign_from_beginning(&consumer, topic, 1);
    let deadline = Instant::now() + TIMEOUT;
    let mut out = Vec::new();
    while out.last().is_none_or(|(offset, _, _)| offset + 1 < high) {
        assert!(
            Instant::now() < deadline,
            "read {} records of {topic}",
            out.len()
        );
        let Some(message) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        let m = message.expect("no consume error");
        let text = |b: Option<&[u8]>| b.map(|b| String::from_utf8(b.to_vec()).unwrap());
        out.push((m.offset(), text(m.key()).unwrap(), text(m.payload())));
    }
    out
}

/// A compacted topic: the broker's log cleaner rewrites the rolled segments, and librdkafka
/// reads back the last value per key at its original offset, tombstones gone once
/// delete.retention.ms has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_topic_keeps_the_last_value_per_key() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[("log.cleaner.backoff.ms", "50")]).await;
    let bootstrap = cluster.bootstrap_servers();
    let admin = admin(&bootstrap);
    let topic =
        rdkafka::admin::NewTopic::new("latest", 1, rdkafka::admin::TopicReplication::Fixed(1))
            .set("cleanup.policy", "compact")
            .set("segment.ms", "100")
            .set("min.cleanable.dirty.ratio", "0.01")
            .set("delete.retention.ms", "500");
    for result in admin
        .create_topics([&topic], &admin_options())
        .await
        .unwrap()
    {
        result.unwrap();
    }
    let after = tokio::task::spawn_blocking(move || {
        let producer = producer(&bootstrap, &[("linger.ms", "0")]);
        for round in 0..4 {
            for k in 0..10 {
                let key = format!("k{k}");
                let value = format!("v{round}");
                let record = BaseRecord::to("latest").key(&key).partition(0);
                let record = if round == 3 && k == 0 {
                    record // a tombstone for k0
                } else {
                    record.payload(&value)
                };
                producer.send(record).map_err(|(e, _)| e).unwrap();
            }
            producer.flush(TIMEOUT).unwrap();
            // The next batch is past segment.ms: it rolls the segment this round filled.
            std::thread::sleep(Duration::from_millis(150));
        }
        producer
            .send(
                BaseRecord::to("latest")
                    .key("end")
                    .payload("x")
                    .partition(0),
            )
            .map_err(|(e, _)| e)
            .unwrap();
        producer.flush(TIMEOUT).unwrap();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let after = read_partition(&bootstrap, "latest");
            if after.len() == 10 || Instant::now() > deadline {
                return after;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })
    .await
    .unwrap();
    let expected: Vec<(i64, String, Option<String>)> = (1..10)
        .map(|k| (30 + k as i64, format!("k{k}"), Some("v3".to_string())))
        .chain([(40, "end".to_string(), Some("x".to_string()))])
        .collect();
    assert_eq!(after, expected);
    cluster.shutdown().await;
}

/// Replication factor 3: the leader's broker is killed between two runs of an idempotent
/// acks=all producer; a follower from the ISR leads, librdkafka's producer and a consumer that
/// was reading before the failover follow it, every delivered record is read once and in order,
/// and the restarted broker rejoins the ISR.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_dies_a_follower_in_the_isr_leads_and_the_restarted_broker_rejoins() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = start_cluster(
        dir.path(),
        3,
        &[
            ("broker.session.timeout.ms", "1500"),
            ("broker.heartbeat.interval.ms", "250"),
            ("auto.leader.rebalance.enable", "false"),
        ],
    )
    .await;
    let bootstrap = cluster.bootstrap_servers();
    let admin = admin(&bootstrap);
    let topic =
        rdkafka::admin::NewTopic::new("failover", 1, rdkafka::admin::TopicReplication::Fixed(3))
            .set("min.insync.replicas", "2");
    for result in admin
        .create_topics([&topic], &admin_options())
        .await
        .unwrap()
    {
        result.unwrap();
    }
    // The broker asked may not have applied the topic yet (CreateTopics answers once the
    // controller committed it): ask until it names a leader.
    let leader_and_isr = |bootstrap: String| async move {
        tokio::task::spawn_blocking(move || {
            let consumer = consumer(&bootstrap, &[]);
            let deadline = Instant::now() + TIMEOUT;
            loop {
                let metadata = consumer.fetch_metadata(Some("failover"), TIMEOUT).unwrap();
                if let Some(p) = metadata.topics()[0]
                    .partitions()
                    .first()
                    .filter(|p| p.leader() >= 0)
                {
                    return (p.leader(), p.isr().to_vec());
                }
                assert!(Instant::now() < deadline, "failover-0 never had a leader");
                std::thread::sleep(Duration::from_millis(50));
            }
        })
        .await
        .unwrap()
    };
    let (leader, isr) = leader_and_isr(bootstrap.clone()).await;
    assert_eq!(isr.len(), 3, "{isr:?}");

    let produce = |from: usize, to: usize, bootstrap: String| {
        tokio::task::spawn_blocking(move || {
            let producer = producer(&bootstrap, &[("enable.idempotence", "true")]);
            for seq in from..to {
                let value = seq.to_string();
                producer
                    .send(BaseRecord::to("failover").key(&value).payload(&value))
                    .unwrap();
                producer.poll(Duration::ZERO);
            }
            producer.flush(TIMEOUT).expect("every record acknowledged");
        })
    };
    // One consumer reads across the failover: half before, half after.
    let (halfway, wait_halfway) = std::sync::mpsc::channel();
    let (failed_over, wait_failover) = std::sync::mpsc::channel::<()>();
    let consumer_bootstrap = bootstrap.clone();
    let reader = std::thread::spawn(move || {
        let consumer = consumer(&consumer_bootstrap, &[]);
        assign_from_beginning(&consumer, "failover", 1);
        let mut values = values_across_failures(&consumer, 1000);
        halfway.send(()).unwrap();
        wait_failover.recv().unwrap();
        values.extend(values_across_failures(&consumer, 1000));
        values
    });
    produce(0, 1000, bootstrap.clone()).await.unwrap();
    tokio::task::spawn_blocking(move || wait_halfway.recv_timeout(TIMEOUT * 2).unwrap())
        .await
        .unwrap();
    cluster.kill_broker(leader).await.unwrap();
    let survivors: String = bootstrap
        .split(',')
        .enumerate()
        .filter(|(i, _)| *i as i32 != leader)
        .map(|(_, a)| a.to_string())
        .collect::<Vec<_>>()
        .join(",");
    failed_over.send(()).unwrap();
    produce(1000, 2000, survivors.clone()).await.unwrap();
    let (new_leader, isr) = leader_and_isr(survivors.clone()).await;
    assert_ne!(new_leader, leader);
    assert!(!isr.contains(&leader), "{isr:?}");
    let values = tokio::task::spawn_blocking(move || reader.join().unwrap())
        .await
        .unwrap();
    let seqs: Vec<usize> = values.iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(seqs, (0..2000).collect::<Vec<_>>());

    cluster.start_broker(leader).await.unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let (_, isr) = leader_and_isr(cluster.bootstrap_servers()).await;
        if isr.contains(&leader) {
            break;
        }
        assert!(Instant::now() < deadline, "never rejoined the ISR: {isr:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    cluster.shutdown().await;
}

/// The values of the next `n` records; the transport errors librdkafka reports while a broker
/// is down are events, not failures.
fn values_across_failures(consumer: &BaseConsumer, n: usize) -> Vec<String> {
    let deadline = Instant::now() + TIMEOUT * 2;
    let mut values = Vec::with_capacity(n);
    while values.len() < n {
        assert!(
            Instant::now() < deadline,
            "only {} of {n} read",
            values.len()
        );
        match consumer.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => values.push(String::from_utf8(m.payload().unwrap().to_vec()).unwrap()),
            Some(Err(e)) => match e.rdkafka_error_code() {
                Some(
                    RDKafkaErrorCode::BrokerTransportFailure | RDKafkaErrorCode::AllBrokersDown,
                ) => {}
                _ => panic!("consume error: {e}"),
            },
            None => {}
        }
    }
    values
}

/// Retention and the log cleaner cover logs not opened since a restart: logs open on first
/// use, and neither pass may wait for a client to touch a partition before it looks at it.
/// The second start lowers `log.retention.ms` and lets the cleaner run; nothing reads or
/// writes either topic after it, and only the files on disk are watched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_and_the_cleaner_reach_logs_not_opened_since_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[("log.cleaner.backoff.ms", "3600000")]).await;
    let bootstrap = cluster.bootstrap_servers();
    let admin = admin(&bootstrap);
    let fixed = || rdkafka::admin::TopicReplication::Fixed(1);
    let expiring = rdkafka::admin::NewTopic::new("expiring", 1, fixed()).set("segment.ms", "100");
    let latest = rdkafka::admin::NewTopic::new("latest", 1, fixed())
        .set("segment.ms", "100")
        .set("cleanup.policy", "compact")
        .set("min.cleanable.dirty.ratio", "0.01");
    for result in admin
        .create_topics([&expiring, &latest], &admin_options())
        .await
        .unwrap()
    {
        result.unwrap();
    }
    tokio::task::spawn_blocking(move || {
        let producer = producer(&bootstrap, &[("linger.ms", "0")]);
        for round in 0..4 {
            for topic in ["expiring", "latest"] {
                for k in 0..10 {
                    let (key, value) = (format!("k{k}"), format!("v{round}"));
                    let record = BaseRecord::to(topic).key(&key).payload(&value).partition(0);
                    producer.send(record).map_err(|(e, _)| e).unwrap();
                }
            }
            producer.flush(TIMEOUT).unwrap();
            // The next round is past segment.ms: it rolls the segment this one filled.
            std::thread::sleep(Duration::from_millis(150));
        }
    })
    .await
    .unwrap();
    cluster.shutdown().await;
    let broker_dir = dir.path().join("broker-0");
    let first_segment = broker_dir
        .join("expiring-0")
        .join("00000000000000000000.log");
    assert!(first_segment.exists());

    let cluster = start_cluster(
        dir.path(),
        1,
        &[
            ("log.retention.ms", "1"),
            ("log.retention.check.interval.ms", "100"),
            ("log.cleaner.backoff.ms", "50"),
        ],
    )
    .await;
    let checkpoint = broker_dir.join("cleaner-offset-checkpoint");
    let cleaned = || {
        std::fs::read_to_string(&checkpoint)
            .unwrap_or_default()
            .lines()
            .any(|line| line.starts_with("latest 0 ") && !line.ends_with(" 0"))
    };
    let deadline = Instant::now() + TIMEOUT;
    while first_segment.exists() || !cleaned() {
        assert!(
            Instant::now() < deadline,
            "expired segment still there: {}, latest cleaned: {}",
            first_segment.exists(),
            cleaned()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cluster.shutdown().await;
}
