//! KIP-890 part 2 (`transaction.version` 2) on an in-process cluster: ApiVersions finalizes the
//! feature at the cluster's configured level; a raw-protocol TV2 producer's Produce v12 adds
//! its partition to the transaction without AddPartitionsToTxn and EndTxn v5 bumps the epoch on
//! every commit and abort (the markers carry it, and `__transaction_state` as `kf txn trace`
//! reads it); librdkafka, a classic-protocol client, commits and aborts at every level, and kf's
//! own producer follows the level. KIP-890 part 1: a transactional Produce before v12 is verified
//! at the coordinator. The next transaction's AddPartitionsToTxn waits for the previous one's
//! markers, and the previous one's Complete record for it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use common::raw::RawConnection;
use common::*;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::describe_producers_request::TopicRequest;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, ApiKey, ApiVersionsRequest,
    ApiVersionsResponse, DescribeProducersRequest, DescribeProducersResponse,
    DescribeTransactionsRequest, DescribeTransactionsResponse, EndTxnRequest, EndTxnResponse,
    FindCoordinatorRequest, FindCoordinatorResponse, InitProducerIdRequest, InitProducerIdResponse,
    ProduceRequest, ProduceResponse, ProducerId, TopicName, TransactionalId,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

const TXN_ID: &str = "tv2-raw";

fn str_bytes(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// `transaction.version` as one broker's ApiVersions v3 gives it: (supported max, finalized
/// level or `None` when not finalized).
async fn transaction_version(addr: &str) -> (i16, Option<i16>) {
    let mut conn = RawConnection::connect(addr).await;
    let response: ApiVersionsResponse = conn
        .call(
            ApiKey::ApiVersions,
            3,
            &ApiVersionsRequest::default()
                .with_client_software_name(str_bytes("kf-test"))
                .with_client_software_version(str_bytes("1")),
        )
        .await;
    let supported = response
        .supported_features
        .iter()
        .find(|f| f.name.as_str() == "transaction.version")
        .map(|f| {
            assert_eq!(f.min_version, 0);
            f.max_version
        })
        .expect("transaction.version supported");
    let finalized = response
        .finalized_features
        .iter()
        .find(|f| f.name.as_str() == "transaction.version")
        .map(|f| f.max_version_level);
    (supported, finalized)
}

/// A connection to `TXN_ID`'s coordinator and its broker id, asked until FindCoordinator
/// answers.
async fn coordinator(addrs: &[&str]) -> (RawConnection, i32) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut conn = RawConnection::connect(addrs[0]).await;
        let response: FindCoordinatorResponse = conn
            .call(
                ApiKey::FindCoordinator,
                3,
                &FindCoordinatorRequest::default()
                    .with_key(str_bytes(TXN_ID))
                    .with_key_type(1),
            )
            .await;
        if response.error_code == 0 {
            let id = response.node_id.0;
            return (RawConnection::connect(addrs[id as usize]).await, id);
        }
        assert!(Instant::now() < deadline, "no coordinator: {response:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// InitProducerId for `TXN_ID` at its coordinator. As a client does: a coordinator found a
/// moment before it has taken its partition over answers NOT_COORDINATOR or
/// COORDINATOR_LOAD_IN_PROGRESS; find it again and retry.
async fn init_producer_id(addrs: &[&str]) -> (RawConnection, i32, InitProducerIdResponse) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let (mut coord, id) = coordinator(addrs).await;
        let init: InitProducerIdResponse = coord
            .call(
                ApiKey::InitProducerId,
                5,
                &InitProducerIdRequest::default()
                    .with_transactional_id(Some(TransactionalId(str_bytes(TXN_ID))))
                    .with_transaction_timeout_ms(60_000)
                    .with_producer_id(ProducerId(-1))
                    .with_producer_epoch(-1),
            )
            .await;
        let retriable = [
            ResponseError::CoordinatorLoadInProgress.code(),
            ResponseError::CoordinatorNotAvailable.code(),
            ResponseError::NotCoordinator.code(),
        ];
        if !retriable.contains(&init.error_code) || Instant::now() > deadline {
            return (coord, id, init);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Produce v12 of one transactional record, with the transactional id and no
/// AddPartitionsToTxn before it.
fn produce_v12(
    producer_id: i64,
    producer_epoch: i16,
    sequence: i32,
    value: &'static str,
) -> ProduceRequest {
    txn_produce(("tv2", 0), (producer_id, producer_epoch), sequence, value)
}

/// A Produce of one transactional record to `topic`-`partition`, naming `TXN_ID`.
fn txn_produce(
    (topic, partition): (&str, i32),
    (producer_id, producer_epoch): (i64, i16),
    sequence: i32,
    value: &'static str,
) -> ProduceRequest {
    let record = Record {
        transactional: true,
        control: false,
        partition_leader_epoch: -1,
        producer_id,
        producer_epoch,
        timestamp_type: TimestampType::Creation,
        offset: 0,
        sequence,
        timestamp: kf::clock::now_ms(),
        key: None,
        value: Some(Bytes::from_static(value.as_bytes())),
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
    ProduceRequest::default()
        .with_transactional_id(Some(TransactionalId(str_bytes(TXN_ID))))
        .with_acks(-1)
        .with_timeout_ms(30_000)
        .with_topic_data(vec![TopicProduceData::default()
            .with_name(TopicName(str_bytes(topic)))
            .with_partition_data(vec![PartitionProduceData::default()
                .with_index(partition)
                .with_records(Some(batch.freeze()))])])
}

/// The error code of a one-partition Produce at `version`.
async fn produce_at(leader: &mut RawConnection, version: i16, request: &ProduceRequest) -> i16 {
    let response: ProduceResponse = leader.call(ApiKey::Produce, version, request).await;
    response.responses[0].partition_responses[0].error_code
}

/// Sends a Produce to the partition's leader, retrying NOT_ENOUGH_REPLICAS (the coordinator
/// still busy with the previous transaction's markers); returns the error code.
async fn produce(leader: &mut RawConnection, request: &ProduceRequest) -> i16 {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let response: ProduceResponse = leader.call(ApiKey::Produce, 12, request).await;
        let code = response.responses[0].partition_responses[0].error_code;
        if code != ResponseError::NotEnoughReplicas.code() || Instant::now() > deadline {
            return code;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn end_txn(
    conn: &mut RawConnection,
    producer_id: i64,
    epoch: i16,
    commit: bool,
) -> EndTxnResponse {
    let request = EndTxnRequest::default()
        .with_transactional_id(TransactionalId(str_bytes(TXN_ID)))
        .with_producer_id(ProducerId(producer_id))
        .with_producer_epoch(epoch)
        .with_committed(commit);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let response: EndTxnResponse = conn.call(ApiKey::EndTxn, 5, &request).await;
        // CONCURRENT_TRANSACTIONS: the previous transaction's markers are still going out.
        if response.error_code != 51 || Instant::now() > deadline {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// (state, producer epoch, partitions) of `TXN_ID`.
async fn describe(conn: &mut RawConnection) -> (String, i16, Vec<String>) {
    let response: DescribeTransactionsResponse = conn
        .call(
            ApiKey::DescribeTransactions,
            0,
            &DescribeTransactionsRequest::default()
                .with_transactional_ids(vec![TransactionalId(str_bytes(TXN_ID))]),
        )
        .await;
    let state = &response.transaction_states[0];
    assert_eq!(state.error_code, 0, "{state:?}");
    let partitions = state
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(move |p| format!("{}-{p}", t.topic.0))
        })
        .collect();
    (
        state.transaction_state.to_string(),
        state.producer_epoch,
        partitions,
    )
}

/// Values a read_committed (or read_uncommitted) librdkafka consumer reads from `topic`-0
/// until it has seen `last`.
fn read_until(bootstrap: &str, topic: &str, isolation: &str, last: &str) -> Vec<String> {
    let consumer: BaseConsumer = consumer(bootstrap, &[("isolation.level", isolation)]);
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&tpl).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let mut values = Vec::new();
    while values.last().map(String::as_str) != Some(last) {
        assert!(Instant::now() < deadline, "only {values:?}");
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let message = message.expect("consume");
            values.push(String::from_utf8(message.payload().unwrap_or_default().to_vec()).unwrap());
        }
    }
    values
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tv2_producer_adds_partitions_by_producing_and_every_end_bumps_the_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    let addrs: Vec<&str> = bootstrap.split(',').collect();
    create_topic(&bootstrap, "tv2", 1).await;
    // A new cluster finalizes transaction.version 2, as Kafka 4's.
    assert_eq!(transaction_version(addrs[0]).await, (2, Some(2)));

    let (mut coord, _, init) = init_producer_id(&addrs).await;
    assert_eq!(init.error_code, 0);
    let (pid, e0) = (init.producer_id.0, init.producer_epoch);
    let b = bootstrap.clone();
    let leader = tokio::task::spawn_blocking(move || {
        consumer(&b, &[])
            .fetch_metadata(Some("tv2"), TIMEOUT)
            .unwrap()
            .topics()[0]
            .partitions()[0]
            .leader()
    })
    .await
    .unwrap();
    let mut leader = RawConnection::connect(addrs[leader as usize]).await;

    // Transaction 1: produced without AddPartitionsToTxn; the leader added the partition.
    assert_eq!(
        produce(&mut leader, &produce_v12(pid, e0, 0, "one")).await,
        0
    );
    assert_eq!(
        describe(&mut coord).await,
        ("Ongoing".to_string(), e0, vec!["tv2-0".to_string()])
    );
    let commit = end_txn(&mut coord, pid, e0, true).await;
    assert_eq!(
        (
            commit.error_code,
            commit.producer_id.0,
            commit.producer_epoch
        ),
        (0, pid, e0 + 1),
        "EndTxn v5 bumps the epoch"
    );

    // Transaction 2, at the bumped epoch (sequences start again): aborted.
    assert_eq!(
        produce(&mut leader, &produce_v12(pid, e0 + 1, 0, "two")).await,
        0
    );
    let abort = end_txn(&mut coord, pid, e0 + 1, false).await;
    assert_eq!((abort.error_code, abort.producer_epoch), (0, e0 + 2));
    // A retry of that EndTxn (the epoch before its bump) gets the same answer...
    let retry = end_txn(&mut coord, pid, e0 + 1, false).await;
    assert_eq!((retry.error_code, retry.producer_epoch), (0, e0 + 2));
    // ...an older epoch is fenced, at the coordinator and at the leader.
    let stale = end_txn(&mut coord, pid, e0, false).await;
    assert_eq!(stale.error_code, 90, "PRODUCER_FENCED");
    assert_eq!(
        produce(&mut leader, &produce_v12(pid, e0, 1, "zombie")).await,
        47,
        "INVALID_PRODUCER_EPOCH"
    );

    // Transaction 3 ends the test's data.
    assert_eq!(
        produce(&mut leader, &produce_v12(pid, e0 + 2, 0, "last")).await,
        0
    );
    let commit = end_txn(&mut coord, pid, e0 + 2, true).await;
    assert_eq!((commit.error_code, commit.producer_epoch), (0, e0 + 3));

    let b = bootstrap.clone();
    let (committed, all) = tokio::task::spawn_blocking(move || {
        (
            read_until(&b, "tv2", "read_committed", "last"),
            read_until(&b, "tv2", "read_uncommitted", "last"),
        )
    })
    .await
    .unwrap();
    assert_eq!(committed, ["one", "last"]);
    assert_eq!(all, ["one", "two", "last"]);

    // The markers carry the bumped epochs: the partition's producer state, which each
    // marker's epoch moves, ends at the last one.
    let described: DescribeProducersResponse = leader
        .call(
            ApiKey::DescribeProducers,
            0,
            &DescribeProducersRequest::default().with_topics(vec![TopicRequest::default()
                .with_name(TopicName(str_bytes("tv2")))
                .with_partition_indexes(vec![0])]),
        )
        .await;
    let producers = &described.topics[0].partitions[0].active_producers;
    assert_eq!(producers.len(), 1, "{producers:?}");
    assert_eq!(producers[0].producer_epoch, i32::from(e0 + 3));
    assert_eq!(producers[0].current_txn_start_offset, -1);

    // kf txn trace's reader: every transition in __transaction_state carries the bumped epoch.
    let client = kf::client::Client::connect(kf::client::ClientConfig::new(&bootstrap))
        .await
        .unwrap();
    let mut follower = kf::client::txn_trace::TraceFollower::start(client, true)
        .await
        .unwrap();
    let mut transitions: Vec<(String, i16)> = Vec::new();
    let deadline = Instant::now() + TIMEOUT;
    while transitions.len() < 10 {
        assert!(Instant::now() < deadline, "trace: {transitions:?}");
        for event in follower.poll().await.unwrap() {
            if event.transactional_id.as_deref() == Some(TXN_ID) && event.marker.is_none() {
                transitions.push((event.state, event.producer_epoch));
            }
        }
    }
    let expected = [
        ("Empty", e0),
        ("Ongoing", e0),
        ("PrepareCommit", e0 + 1),
        ("CompleteCommit", e0 + 1),
        ("Ongoing", e0 + 1),
        ("PrepareAbort", e0 + 2),
        ("CompleteAbort", e0 + 2),
        ("Ongoing", e0 + 2),
        ("PrepareCommit", e0 + 3),
        ("CompleteCommit", e0 + 3),
    ]
    .map(|(state, epoch)| (state.to_string(), epoch));
    assert_eq!(transitions, expected);
    cluster.shutdown().await;
}

/// librdkafka speaks the classic protocol (EndTxn v1): it commits and aborts whatever level
/// the cluster finalized.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn librdkafka_commits_and_aborts_at_every_transaction_version() {
    for level in ["0", "2"] {
        let dir = tempfile::tempdir().unwrap();
        let cluster = start_cluster(dir.path(), 1, &[("transaction.version", level)]).await;
        let bootstrap = cluster.bootstrap_servers();
        let expected = if level == "0" { None } else { Some(2) };
        assert_eq!(transaction_version(&bootstrap).await, (2, expected));
        create_topic(&bootstrap, "classic", 1).await;
        let b = bootstrap.clone();
        let committed = tokio::task::spawn_blocking(move || {
            let producer = producer(&b, &[("transactional.id", "classic")]);
            producer.init_transactions(TIMEOUT).unwrap();
            for (value, commit) in [("kept", true), ("dropped", false), ("last", true)] {
                producer.begin_transaction().unwrap();
                producer
                    .send(
                        BaseRecord::<(), str>::to("classic")
                            .partition(0)
                            .payload(value),
                    )
                    .map_err(|(e, _)| e)
                    .unwrap();
                producer.flush(TIMEOUT).unwrap();
                if commit {
                    producer.commit_transaction(TIMEOUT).unwrap();
                } else {
                    producer.abort_transaction(TIMEOUT).unwrap();
                }
            }
            read_until(&b, "classic", "read_committed", "last")
        })
        .await
        .unwrap();
        assert_eq!(committed, ["kept", "last"], "transaction.version {level}");
        cluster.shutdown().await;
    }
}

/// A classic (v3) AddPartitionsToTxn of `topic`-`partition`: its error code and how long the
/// answer took.
async fn add_partition_v3(
    coord: &mut RawConnection,
    (producer_id, producer_epoch): (i64, i16),
    topic: &str,
    partition: i32,
) -> (i16, Duration) {
    let request = AddPartitionsToTxnRequest::default()
        .with_v3_and_below_transactional_id(TransactionalId(str_bytes(TXN_ID)))
        .with_v3_and_below_producer_id(ProducerId(producer_id))
        .with_v3_and_below_producer_epoch(producer_epoch)
        .with_v3_and_below_topics(vec![AddPartitionsToTxnTopic::default()
            .with_name(TopicName(str_bytes(topic)))
            .with_partitions(vec![partition])]);
    let started = Instant::now();
    let response: AddPartitionsToTxnResponse =
        coord.call(ApiKey::AddPartitionsToTxn, 3, &request).await;
    let code =
        response.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code;
    (code, started.elapsed())
}

/// The next transaction's AddPartitionsToTxn, sent while the previous one's markers are still
/// being written, waits for them instead of being answered CONCURRENT_TRANSACTIONS at once (which
/// costs librdkafka and Java clients a 20 ms back-off per transaction), at most 100 ms (Kafka's
/// `add.partitions.to.txn.retry.backoff.max.ms`), then gets CONCURRENT_TRANSACTIONS as Kafka
/// answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_next_add_partitions_waits_for_the_previous_transactions_markers() {
    let dir = tempfile::tempdir().unwrap();
    // One replica of `__transaction_state`: cutting the coordinator's link to a partition leader
    // stops its markers but not its own writes.
    let cluster = start_cluster(
        dir.path(),
        3,
        &[("transaction.state.log.replication.factor", "1")],
    )
    .await;
    let bootstrap = cluster.bootstrap_servers();
    let addrs: Vec<&str> = bootstrap.split(',').collect();
    create_topic(&bootstrap, "waits", 3).await;
    let (mut coord, coordinator, init) = init_producer_id(&addrs).await;
    assert_eq!(init.error_code, 0);
    let producer = (init.producer_id.0, init.producer_epoch);
    let end_v3 = |commit: bool| {
        EndTxnRequest::default()
            .with_transactional_id(TransactionalId(str_bytes(TXN_ID)))
            .with_producer_id(ProducerId(producer.0))
            .with_producer_epoch(producer.1)
            .with_committed(commit)
    };

    // Back to back: the next transaction's first add is answered once the markers are written,
    // never CONCURRENT_TRANSACTIONS before its 100 ms are up.
    assert_eq!(
        add_partition_v3(&mut coord, producer, "waits", 0).await.0,
        0
    );
    for _ in 0..5 {
        let ended: EndTxnResponse = coord.call(ApiKey::EndTxn, 3, &end_v3(true)).await;
        assert_eq!(ended.error_code, 0);
        let (code, took) = add_partition_v3(&mut coord, producer, "waits", 0).await;
        assert!(
            code == 0 || (code == 51 && took >= Duration::from_millis(100)),
            "{code} after {took:?}"
        );
        if code == 51 {
            let deadline = Instant::now() + TIMEOUT;
            while add_partition_v3(&mut coord, producer, "waits", 0).await.0 != 0 {
                assert!(Instant::now() < deadline, "never added");
            }
        }
        assert_eq!(
            describe(&mut coord).await,
            (
                "Ongoing".to_string(),
                producer.1,
                vec!["waits-0".to_string()]
            )
        );
    }

    // A partition whose leader the coordinator cannot reach: its marker waits, and so does the
    // next add, for 100 ms, then CONCURRENT_TRANSACTIONS.
    let controller = cluster.controller_id();
    let other = (0..3)
        .find(|b| *b != coordinator && Some(*b) != controller)
        .unwrap();
    let b = bootstrap.clone();
    let partition = tokio::task::spawn_blocking(move || {
        let metadata = consumer(&b, &[])
            .fetch_metadata(Some("waits"), TIMEOUT)
            .unwrap();
        metadata.topics()[0]
            .partitions()
            .iter()
            .find(|p| p.leader() == other)
            .map(|p| p.id())
    })
    .await
    .unwrap()
    .expect("a partition led by neither the coordinator nor the controller");
    assert_eq!(
        add_partition_v3(&mut coord, producer, "waits", partition)
            .await
            .0,
        0
    );
    cluster.cut_link(coordinator, other);
    let ended: EndTxnResponse = coord.call(ApiKey::EndTxn, 3, &end_v3(true)).await;
    assert_eq!(ended.error_code, 0);
    let (code, took) = add_partition_v3(&mut coord, producer, "waits", 0).await;
    assert_eq!(code, 51, "CONCURRENT_TRANSACTIONS");
    assert!(
        took >= Duration::from_millis(100),
        "answered after {took:?}"
    );
    assert_eq!(describe(&mut coord).await.0, "PrepareCommit");

    cluster.heal_link(coordinator, other);
    let deadline = Instant::now() + TIMEOUT;
    while add_partition_v3(&mut coord, producer, "waits", 0).await.0 != 0 {
        assert!(Instant::now() < deadline, "never added");
    }
    assert_eq!(
        describe(&mut coord).await,
        (
            "Ongoing".to_string(),
            producer.1,
            vec!["waits-0".to_string()]
        )
    );
    cluster.shutdown().await;
}

/// kf's own producer speaks the protocol the cluster finalized, as Kafka's Java producer: with
/// `transaction.version` 2 no AddPartitionsToTxn (its Produce v12 adds the partition, else no
/// marker would close the transaction and read_committed would stop before "kept") and an
/// epoch bump from every EndTxn v5; below 2 the classic protocol, whose epoch stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kf_producer_follows_the_finalized_transaction_version() {
    use kf::client::producer::{Producer, ProducerRecord};
    for level in ["0", "2"] {
        let dir = tempfile::tempdir().unwrap();
        let cluster = start_cluster(dir.path(), 1, &[("transaction.version", level)]).await;
        let bootstrap = cluster.bootstrap_servers();
        create_topic(&bootstrap, "kf-levels", 2).await;
        let mut config = kf::client::ClientConfig::new(&bootstrap);
        config.set("transactional.id", "kf-levels").unwrap();
        config.set("default.api.timeout.ms", "30000").unwrap();
        let client = kf::client::Client::connect(config).await.unwrap();
        let producer = Producer::new(client).await.unwrap();
        let first = producer.identity();
        for (value, commit) in [("kept", true), ("dropped", false), ("last", true)] {
            producer.begin_transaction().unwrap();
            for partition in 0..2 {
                producer
                    .send(ProducerRecord::new("kf-levels", value).with_partition(partition))
                    .await
                    .unwrap()
                    .await
                    .unwrap();
            }
            if commit {
                producer.commit_transaction().await.unwrap();
            } else {
                producer.abort_transaction().await.unwrap();
            }
        }
        let last = producer.identity();
        assert_eq!(last.producer_id, first.producer_id);
        let bumps = if level == "2" { 3 } else { 0 };
        assert_eq!(
            last.producer_epoch,
            first.producer_epoch + bumps,
            "transaction.version {level}"
        );
        producer.close().await.unwrap();
        let b = bootstrap.clone();
        let committed = tokio::task::spawn_blocking(move || {
            read_until(&b, "kf-levels", "read_committed", "last")
        })
        .await
        .unwrap();
        assert_eq!(committed, ["kept", "last"], "transaction.version {level}");
        cluster.shutdown().await;
    }
}

/// KIP-890 part 1: a transactional Produce before v12 opening a transaction in a partition is
/// verified at the coordinator (AddPartitionsToTxn `verify_only`), as Kafka 3.6+ does while
/// `transaction.partition.verification.enable` is set: a partition the producer did not add is
/// refused with TRANSACTION_ABORTABLE (v11) or INVALID_TXN_STATE (v10 and below) and nothing of
/// it is appended; with the setting off it is appended as before KIP-890.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_produce_to_a_partition_not_in_the_transaction_is_refused_after_verification() {
    for verification in ["true", "false"] {
        let dir = tempfile::tempdir().unwrap();
        let cluster = start_cluster(
            dir.path(),
            1,
            &[("transaction.partition.verification.enable", verification)],
        )
        .await;
        let bootstrap = cluster.bootstrap_servers();
        let addrs: Vec<&str> = bootstrap.split(',').collect();
        create_topic(&bootstrap, "verify", 2).await;
        let (mut coord, _, init) = init_producer_id(&addrs).await;
        assert_eq!(init.error_code, 0);
        let producer = (init.producer_id.0, init.producer_epoch);
        assert_eq!(
            add_partition_v3(&mut coord, producer, "verify", 0).await.0,
            0
        );
        let mut leader = RawConnection::connect(addrs[0]).await;
        let to = |partition: i32| txn_produce(("verify", partition), producer, 0, "v");
        // The added partition is verified and appended.
        assert_eq!(
            produce_at(&mut leader, 11, &to(0)).await,
            0,
            "verification {verification}"
        );
        if verification == "true" {
            for (version, error) in [
                (9, ResponseError::InvalidTxnState),
                (10, ResponseError::InvalidTxnState),
                (11, ResponseError::TransactionAbortable),
            ] {
                assert_eq!(
                    produce_at(&mut leader, version, &to(1)).await,
                    error.code(),
                    "Produce v{version}"
                );
            }
        } else {
            assert_eq!(produce_at(&mut leader, 11, &to(1)).await, 0);
        }
        // What the partition holds of the producer: nothing when refused.
        let described: DescribeProducersResponse = leader
            .call(
                ApiKey::DescribeProducers,
                0,
                &DescribeProducersRequest::default().with_topics(vec![TopicRequest::default()
                    .with_name(TopicName(str_bytes("verify")))
                    .with_partition_indexes(vec![1])]),
            )
            .await;
        let active = &described.topics[0].partitions[0].active_producers;
        assert_eq!(
            active.len(),
            usize::from(verification == "false"),
            "{active:?}"
        );
        cluster.shutdown().await;
    }
}

/// The states written to `__transaction_state` on `data_dir`'s broker 0, one list per batch, in
/// log order (one transactional id in the test: only its partition has records).
fn transaction_state_batches(data_dir: &std::path::Path) -> Vec<Vec<&'static str>> {
    let mut batches = Vec::new();
    for dir in std::fs::read_dir(data_dir.join("broker-0")).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("__transaction_state-") {
            continue;
        }
        let mut segments: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|f| f.unwrap().path())
            .filter(|f| f.extension().is_some_and(|e| e == "log"))
            .collect();
        segments.sort();
        for segment in segments {
            let mut bytes = Bytes::from(std::fs::read(segment).unwrap());
            while !bytes.is_empty() {
                let batch =
                    kafka_protocol::records::RecordBatchDecoder::decode(&mut bytes).unwrap();
                batches.push(
                    batch
                        .records
                        .iter()
                        .map(|r| {
                            let value = r.value.as_deref().unwrap();
                            kf::coord::txn::log_record::decode_value(value)
                                .unwrap()
                                .state
                                .name()
                        })
                        .collect(),
                );
            }
        }
    }
    batches
}

/// Once a transaction's markers are written, its Complete record waits
/// (`transaction.complete.linger.ms`) for the producer's next transaction and goes in the same
/// batch as that one's Ongoing record: one replicated write between two transactions. Any
/// other request for the id writes it first, on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_complete_record_waits_to_go_with_the_next_transactions_first_add() {
    let dir = tempfile::tempdir().unwrap();
    // A linger longer than the test: only requests write the Complete records here.
    let cluster = start_cluster(
        dir.path(),
        1,
        &[("transaction.complete.linger.ms", "600000")],
    )
    .await;
    let bootstrap = cluster.bootstrap_servers();
    let addrs: Vec<&str> = bootstrap.split(',').collect();
    create_topic(&bootstrap, "tv2", 1).await;
    let (mut coord, _, init) = init_producer_id(&addrs).await;
    assert_eq!(init.error_code, 0);
    let (pid, e0) = (init.producer_id.0, init.producer_epoch);
    let mut leader = RawConnection::connect(addrs[0]).await;

    assert_eq!(
        produce(&mut leader, &produce_v12(pid, e0, 0, "one")).await,
        0
    );
    assert_eq!(end_txn(&mut coord, pid, e0, true).await.error_code, 0);
    let b = bootstrap.clone();
    tokio::task::spawn_blocking(move || read_until(&b, "tv2", "read_committed", "one"))
        .await
        .unwrap();
    // The commit marker let "one" be read; the Complete record is held.
    assert_eq!(describe(&mut coord).await.0, "PrepareCommit");

    // The next transaction's first Produce adds its partition: Complete and Ongoing together.
    assert_eq!(
        produce(&mut leader, &produce_v12(pid, e0 + 1, 0, "two")).await,
        0
    );
    assert_eq!(
        describe(&mut coord).await,
        ("Ongoing".to_string(), e0 + 1, vec!["tv2-0".to_string()])
    );
    assert_eq!(
        transaction_state_batches(dir.path()),
        [
            vec!["Empty"],
            vec!["Ongoing"],
            vec!["PrepareCommit"],
            vec!["CompleteCommit", "Ongoing"],
        ]
    );

    // Another request (a producer restarting) finds the Complete record held: it is written
    // on its own first, then the restart's epoch bump.
    assert_eq!(end_txn(&mut coord, pid, e0 + 1, true).await.error_code, 0);
    let b = bootstrap.clone();
    tokio::task::spawn_blocking(move || read_until(&b, "tv2", "read_committed", "two"))
        .await
        .unwrap();
    let (_, _, restarted) = init_producer_id(&addrs).await;
    assert_eq!(
        (restarted.error_code, restarted.producer_epoch),
        (0, e0 + 3)
    );
    assert_eq!(
        transaction_state_batches(dir.path())[4..],
        [vec!["PrepareCommit"], vec!["CompleteCommit"], vec!["Empty"]]
    );
    cluster.shutdown().await;
}
