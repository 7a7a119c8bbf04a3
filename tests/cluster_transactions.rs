//! Transactions (KIP-98) on an in-process cluster, driven by librdkafka's transactional producer
//! and read_committed / read_uncommitted consumers: commit and abort, zombie fencing (of
//! librdkafka's producer and of kf's own), the
//! coordinator aborting a transaction that outlived its timeout, a coordinator restarted while
//! a transaction is in PrepareCommit finishing it, and aborted ranges kept through DeleteRecords
//! and a broker restart (the `.txnindex` files).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use common::raw::RawConnection;
use common::*;
use kafka_protocol::messages::add_partitions_to_txn_request::{
    AddPartitionsToTxnTopic, AddPartitionsToTxnTransaction,
};
use kafka_protocol::messages::describe_producers_request::TopicRequest;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::write_txn_markers_request::{
    WritableTxnMarker, WritableTxnMarkerTopic,
};
use kafka_protocol::messages::{
    AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, ApiKey, DescribeProducersRequest,
    DescribeProducersResponse, DescribeTransactionsRequest, DescribeTransactionsResponse,
    FindCoordinatorRequest, FindCoordinatorResponse, ListTransactionsRequest,
    ListTransactionsResponse, ProduceRequest, ProduceResponse, ProducerId, TopicName,
    TransactionalId, WriteTxnMarkersRequest, WriteTxnMarkersResponse,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use rdkafka::admin::{NewTopic, TopicReplication};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaErrorCode;

fn txn_producer(bootstrap: &str, transactional_id: &str, extra: &[(&str, &str)]) -> BaseProducer {
    let mut config = vec![("transactional.id", transactional_id)];
    config.extend_from_slice(extra);
    let producer = producer(bootstrap, &config);
    producer
        .init_transactions(TIMEOUT)
        .expect("init_transactions");
    producer
}

fn send(producer: &BaseProducer, topic: &str, partition: i32, value: &str) {
    producer
        .send(
            BaseRecord::<(), str>::to(topic)
                .partition(partition)
                .payload(value),
        )
        .map_err(|(e, _)| e)
        .expect("send");
    producer.poll(Duration::ZERO);
}

/// Reads every partition of `topic` from the beginning until each has given `last` (or the
/// deadline passes) and returns the values read, per partition in order.
fn read_until(
    bootstrap: &str,
    topic: &str,
    partitions: &[i32],
    isolation: &str,
    last: &str,
) -> BTreeMap<i32, Vec<String>> {
    let consumer: BaseConsumer = consumer(bootstrap, &[("isolation.level", isolation)]);
    let mut tpl = TopicPartitionList::new();
    for p in partitions {
        tpl.add_partition_offset(topic, *p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let mut values: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut done = BTreeSet::new();
    let deadline = Instant::now() + TIMEOUT;
    while done.len() < partitions.len() && Instant::now() < deadline {
        let Some(message) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        let message = message.expect("consume");
        let value = String::from_utf8(message.payload().unwrap_or_default().to_vec()).unwrap();
        if value == last {
            done.insert(message.partition());
        }
        values.entry(message.partition()).or_default().push(value);
    }
    assert_eq!(
        done.len(),
        partitions.len(),
        "every partition reached {last}: {values:?}"
    );
    values
}

fn all_values(read: &BTreeMap<i32, Vec<String>>) -> BTreeSet<String> {
    read.values().flatten().cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_committed_sees_committed_records_and_read_uncommitted_all() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "orders", 3).await;

    let b = bootstrap.clone();
    tokio::task::spawn_blocking(move || {
        let producer = txn_producer(&b, "tx-commit-abort", &[]);
        producer.begin_transaction().unwrap();
        for i in 0..9 {
            send(&producer, "orders", i % 3, &format!("committed-{i}"));
        }
        producer.commit_transaction(TIMEOUT).expect("commit");
        producer.begin_transaction().unwrap();
        for i in 0..9 {
            send(&producer, "orders", i % 3, &format!("aborted-{i}"));
        }
        // librdkafka's abort wants the delivery reports polled first.
        producer.flush(TIMEOUT).expect("flush");
        producer.abort_transaction(TIMEOUT).expect("abort");
        producer.begin_transaction().unwrap();
        for p in 0..3 {
            send(&producer, "orders", p, "last");
        }
        producer.commit_transaction(TIMEOUT).expect("commit");
    })
    .await
    .unwrap();

    let b = bootstrap.clone();
    let (committed, uncommitted) = tokio::task::spawn_blocking(move || {
        (
            read_until(&b, "orders", &[0, 1, 2], "read_committed", "last"),
            read_until(&b, "orders", &[0, 1, 2], "read_uncommitted", "last"),
        )
    })
    .await
    .unwrap();
    let expected_committed: BTreeSet<String> = (0..9)
        .map(|i| format!("committed-{i}"))
        .chain(["last".to_string()])
        .collect();
    assert_eq!(all_values(&committed), expected_committed);
    assert_eq!(committed.values().map(Vec::len).sum::<usize>(), 12);
    let mut expected_all = expected_committed;
    expected_all.extend((0..9).map(|i| format!("aborted-{i}")));
    assert_eq!(all_values(&uncommitted), expected_all);
    // Control records (the markers) never reach the application.
    assert_eq!(uncommitted.values().map(Vec::len).sum::<usize>(), 21);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_producer_fences_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "fenced", 1).await;

    let b = bootstrap.clone();
    tokio::task::spawn_blocking(move || {
        let zombie = txn_producer(&b, "tx-zombie", &[]);
        zombie.begin_transaction().unwrap();
        send(&zombie, "fenced", 0, "zombie-before");
        zombie.flush(TIMEOUT).unwrap();

        let successor = txn_producer(&b, "tx-zombie", &[]);
        // The zombie is fenced: what it sends now is refused and its commit fails fatally.
        let _ = zombie.send(
            BaseRecord::<(), str>::to("fenced")
                .partition(0)
                .payload("zombie-after"),
        );
        let error = zombie
            .commit_transaction(TIMEOUT)
            .expect_err("fenced commit");
        let fenced = match &error {
            KafkaError::Transaction(e) => e.is_fatal() || e.code() == RDKafkaErrorCode::Fenced,
            _ => false,
        };
        assert!(fenced, "expected a fencing error, got {error:?}");

        successor.begin_transaction().unwrap();
        send(&successor, "fenced", 0, "successor");
        send(&successor, "fenced", 0, "last");
        successor.commit_transaction(TIMEOUT).expect("commit");
    })
    .await
    .unwrap();

    let b = bootstrap.clone();
    let committed = tokio::task::spawn_blocking(move || {
        read_until(&b, "fenced", &[0], "read_committed", "last")
    })
    .await
    .unwrap();
    assert_eq!(
        committed[&0],
        vec!["successor".to_string(), "last".to_string()]
    );
    cluster.shutdown().await;
}

/// kf's own transactional producer, on a kf cluster.
async fn kf_txn_producer(
    bootstrap: &str,
    transactional_id: &str,
) -> kf::client::producer::Producer {
    let mut config = kf::client::ClientConfig::new(bootstrap);
    config.set("transactional.id", transactional_id).unwrap();
    config.set("default.api.timeout.ms", "30000").unwrap();
    let client = kf::client::Client::connect(config).await.unwrap();
    kf::client::producer::Producer::new(client).await.unwrap()
}

fn is_fencing(error: &kf::client::error::ClientError) -> bool {
    use kafka_protocol::error::ResponseError;
    matches!(
        error.kafka_error(),
        Some(ResponseError::ProducerFenced | ResponseError::InvalidProducerEpoch)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_kf_producer_fences_the_first() {
    use kf::client::producer::ProducerRecord;
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "kf-fenced", 2).await;
    let record = |partition: i32, value: &'static str| {
        ProducerRecord::new("kf-fenced", value).with_partition(partition)
    };

    let zombie = kf_txn_producer(&bootstrap, "kf-zombie").await;
    zombie.begin_transaction().unwrap();
    zombie
        .send(record(0, "zombie-before"))
        .await
        .unwrap()
        .await
        .unwrap();

    let successor = kf_txn_producer(&bootstrap, "kf-zombie").await;
    assert!(successor.identity().producer_epoch > zombie.identity().producer_epoch);
    // To a partition already in its transaction (a Produce the leader refuses) and to a new
    // one (an AddPartitionsToTxn the coordinator refuses): both fail as fenced.
    let after = zombie.send(record(0, "zombie-after")).await.unwrap().await;
    assert!(after.is_err(), "a fenced producer's record was written");
    if let Ok(delivery) = zombie.send(record(1, "zombie-elsewhere")).await {
        assert!(
            delivery.await.is_err(),
            "a fenced producer's record was written"
        );
    }
    let commit = zombie
        .commit_transaction()
        .await
        .expect_err("fenced commit");
    assert!(
        is_fencing(&commit),
        "expected a fencing error, got {commit}"
    );
    // Fenced for good, as Kafka's producer: no new transaction either.
    let again = zombie
        .begin_transaction()
        .expect_err("fenced producer began");
    assert!(is_fencing(&again), "{again}");

    successor.begin_transaction().unwrap();
    for p in 0..2 {
        successor.send(record(p, "successor")).await.unwrap();
        successor.send(record(p, "last")).await.unwrap();
    }
    successor.commit_transaction().await.expect("commit");
    successor.close().await.unwrap();

    let b = bootstrap.clone();
    let committed = tokio::task::spawn_blocking(move || {
        read_until(&b, "kf-fenced", &[0, 1], "read_committed", "last")
    })
    .await
    .unwrap();
    for p in 0..2 {
        assert_eq!(committed[&p], ["successor", "last"], "partition {p}");
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hanging_transaction_is_aborted_after_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(
        dir.path(),
        1,
        &[(
            "transaction.abort.timed.out.transaction.cleanup.interval.ms",
            "200",
        )],
    )
    .await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "hang", 1).await;

    let b = bootstrap.clone();
    let hanging = tokio::task::spawn_blocking(move || {
        let short = [
            ("transaction.timeout.ms", "5000"),
            ("socket.timeout.ms", "5000"),
            ("message.timeout.ms", "5000"),
        ];
        let hanging = txn_producer(&b, "tx-hangs", &short);
        hanging.begin_transaction().unwrap();
        send(&hanging, "hang", 0, "never-committed");
        hanging.flush(TIMEOUT).unwrap();
        let other = txn_producer(&b, "tx-moves-on", &[]);
        other.begin_transaction().unwrap();
        send(&other, "hang", 0, "last");
        other.commit_transaction(TIMEOUT).expect("commit");
        // Kept alive (and silent) until the readers are done.
        hanging
    })
    .await
    .unwrap();

    let b = bootstrap.clone();
    let committed =
        tokio::task::spawn_blocking(move || read_until(&b, "hang", &[0], "read_committed", "last"))
            .await
            .unwrap();
    assert_eq!(committed[&0], vec!["last".to_string()]);
    // The abort marker (which let "last" be read) is written before CompleteAbort, as in Kafka.
    let mut state = describe_transaction(&bootstrap, "tx-hangs").await;
    for _ in 0..100 {
        if state != "PrepareAbort" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        state = describe_transaction(&bootstrap, "tx-hangs").await;
    }
    assert_eq!(state, "CompleteAbort");
    drop(hanging);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_coordinator_completes_a_prepared_commit() {
    let dir = tempfile::tempdir().unwrap();
    // One replica of `__transaction_state`: the coordinator stays the restarted broker, which
    // must finish the commit from its own log (with replicas, another broker would take over).
    let mut cluster = start_cluster(
        dir.path(),
        3,
        &[("transaction.state.log.replication.factor", "1")],
    )
    .await;
    let bootstrap = cluster.bootstrap_servers();
    let txn_id = "tx-restart";
    // Creates __transaction_state and tells which broker coordinates the id.
    let coordinator = find_transaction_coordinator(&bootstrap, txn_id).await;
    // A cut link loses the quorum's messages too: the broker cut off from the coordinator is
    // not the controller, so the coordinator's broker session and metadata go on.
    let controller = cluster.controller_id();
    let other = (0..3)
        .find(|b| *b != coordinator && Some(*b) != controller)
        .unwrap();
    create_topic(&bootstrap, "restart", 3).await;
    let partition = partition_led_by(&bootstrap, "restart", other);

    // The producer id comes first: the cut link may be the coordinator's way to the controller.
    let b = bootstrap.clone();
    let producer = tokio::task::spawn_blocking(move || txn_producer(&b, txn_id, &[]))
        .await
        .unwrap();
    // The coordinator cannot reach the partition's leader: the commit stops in PrepareCommit.
    cluster.cut_link(coordinator, other);
    tokio::task::spawn_blocking(move || {
        producer.begin_transaction().unwrap();
        send(&producer, "restart", partition, "prepared");
        send(&producer, "restart", partition, "last");
        producer.commit_transaction(TIMEOUT).expect("commit");
    })
    .await
    .unwrap();
    assert_eq!(
        describe_transaction(&bootstrap, txn_id).await,
        "PrepareCommit"
    );

    cluster.stop_broker(coordinator).await.unwrap();
    cluster.heal_link(coordinator, other);
    cluster.start_broker(coordinator).await.unwrap();

    let b = cluster.bootstrap_servers();
    let committed = tokio::task::spawn_blocking(move || {
        read_until(&b, "restart", &[partition], "read_committed", "last")
    })
    .await
    .unwrap();
    assert_eq!(
        committed[&partition],
        vec!["prepared".to_string(), "last".to_string()]
    );
    let deadline = Instant::now() + TIMEOUT;
    let mut state = describe_transaction(&cluster.bootstrap_servers(), txn_id).await;
    while state != "CompleteCommit" && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        state = describe_transaction(&cluster.bootstrap_servers(), txn_id).await;
    }
    assert_eq!(state, "CompleteCommit");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_apis_see_and_abort_a_transaction_written_without_a_coordinator() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start_cluster(dir.path(), 1, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, "raw", 1).await;
    let mut conn = RawConnection::connect(&bootstrap).await;
    let (producer_id, producer_epoch) = (424_242, 3);
    let produced: ProduceResponse = conn
        .call(
            ApiKey::Produce,
            9,
            &transactional_produce("raw", producer_id, producer_epoch),
        )
        .await;
    assert_eq!(produced.responses[0].partition_responses[0].error_code, 0);

    // The open transaction holds the last stable offset: DescribeProducers shows where it began.
    let producers: DescribeProducersResponse = conn
        .call(
            ApiKey::DescribeProducers,
            0,
            &DescribeProducersRequest::default().with_topics(vec![TopicRequest::default()
                .with_name(TopicName(StrBytes::from_static_str("raw")))
                .with_partition_indexes(vec![0])]),
        )
        .await;
    let partition = &producers.topics[0].partitions[0];
    assert_eq!(partition.error_code, 0);
    let producer = &partition.active_producers[0];
    assert_eq!(producer.producer_id, ProducerId(producer_id));
    assert_eq!(producer.producer_epoch, i32::from(producer_epoch));
    assert_eq!(producer.current_txn_start_offset, 0);

    // An admin aborts it with WriteTxnMarkers, as `kafka-transactions.sh abort` does.
    let marker = WritableTxnMarker::default()
        .with_producer_id(ProducerId(producer_id))
        .with_producer_epoch(producer_epoch)
        .with_transaction_result(false)
        .with_coordinator_epoch(0)
        .with_topics(vec![WritableTxnMarkerTopic::default()
            .with_name(TopicName(StrBytes::from_static_str("raw")))
            .with_partition_indexes(vec![0])]);
    let written: WriteTxnMarkersResponse = conn
        .call(
            ApiKey::WriteTxnMarkers,
            1,
            &WriteTxnMarkersRequest::default().with_markers(vec![marker.clone()]),
        )
        .await;
    assert_eq!(written.markers[0].topics[0].partitions[0].error_code, 0);
    // A stale epoch is refused.
    let stale: WriteTxnMarkersResponse = conn
        .call(
            ApiKey::WriteTxnMarkers,
            1,
            &WriteTxnMarkersRequest::default()
                .with_markers(vec![marker.with_producer_epoch(producer_epoch - 1)]),
        )
        .await;
    assert_eq!(
        stale.markers[0].topics[0].partitions[0].error_code,
        kafka_protocol::error::ResponseError::InvalidProducerEpoch.code()
    );

    let b = bootstrap.clone();
    tokio::task::spawn_blocking(move || {
        let producer = txn_producer(&b, "tx-after-raw", &[]);
        producer.begin_transaction().unwrap();
        send(&producer, "raw", 0, "last");
        producer.commit_transaction(TIMEOUT).expect("commit");
    })
    .await
    .unwrap();
    let b = bootstrap.clone();
    let committed =
        tokio::task::spawn_blocking(move || read_until(&b, "raw", &[0], "read_committed", "last"))
            .await
            .unwrap();
    assert_eq!(committed[&0], vec!["last".to_string()]);

    // ListTransactions: filters by state and producer id; unknown state names come back. A
    // coordinator partition moving (leader balancing on a loaded box) answers
    // COORDINATOR_LOAD_IN_PROGRESS for a moment.
    let deadline = Instant::now() + TIMEOUT;
    let listed = loop {
        let listed: ListTransactionsResponse = conn
            .call(
                ApiKey::ListTransactions,
                1,
                &ListTransactionsRequest::default()
                    .with_state_filters(vec![
                        StrBytes::from_static_str("CompleteCommit"),
                        StrBytes::from_static_str("Bogus"),
                    ])
                    .with_duration_filter(-1),
            )
            .await;
        if listed.error_code
            != kafka_protocol::error::ResponseError::CoordinatorLoadInProgress.code()
            || Instant::now() > deadline
        {
            break listed;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(listed.error_code, 0);
    assert_eq!(
        listed.unknown_state_filters,
        vec![StrBytes::from_static_str("Bogus")]
    );
    let ids: Vec<String> = listed
        .transaction_states
        .iter()
        .map(|t| t.transactional_id.to_string())
        .collect();
    assert_eq!(ids, vec!["tx-after-raw".to_string()]);
    let none: ListTransactionsResponse = conn
        .call(
            ApiKey::ListTransactions,
            1,
            &ListTransactionsRequest::default()
                .with_producer_id_filters(vec![ProducerId(producer_id)])
                .with_duration_filter(-1),
        )
        .await;
    assert!(none.transaction_states.is_empty());

    // KIP-890's verify-only form (v4, as brokers send it): a partition in the ongoing
    // transaction is NONE, one outside it TRANSACTION_ABORTABLE, a stale epoch PRODUCER_FENCED.
    create_topic(&bootstrap, "verify", 2).await;
    let b = bootstrap.clone();
    let open = tokio::task::spawn_blocking(move || {
        let producer = txn_producer(&b, "tx-verify", &[]);
        producer.begin_transaction().unwrap();
        send(&producer, "verify", 0, "open");
        producer.flush(TIMEOUT).unwrap();
        producer
    })
    .await
    .unwrap();
    let described: DescribeTransactionsResponse = conn
        .call(
            ApiKey::DescribeTransactions,
            0,
            &DescribeTransactionsRequest::default().with_transactional_ids(vec![TransactionalId(
                StrBytes::from_static_str("tx-verify"),
            )]),
        )
        .await;
    let txn = &described.transaction_states[0];
    assert_eq!(txn.transaction_state.as_str(), "Ongoing");
    let verify = |epoch: i16| {
        AddPartitionsToTxnTransaction::default()
            .with_transactional_id(TransactionalId(StrBytes::from_static_str("tx-verify")))
            .with_producer_id(txn.producer_id)
            .with_producer_epoch(epoch)
            .with_verify_only(true)
            .with_topics(vec![AddPartitionsToTxnTopic::default()
                .with_name(TopicName(StrBytes::from_static_str("verify")))
                .with_partitions(vec![0, 1])])
    };
    let verified: AddPartitionsToTxnResponse = conn
        .call(
            ApiKey::AddPartitionsToTxn,
            4,
            &AddPartitionsToTxnRequest::default().with_transactions(vec![
                verify(txn.producer_epoch),
                verify(txn.producer_epoch - 1),
            ]),
        )
        .await;
    let codes = |i: usize| -> Vec<i16> {
        verified.results_by_transaction[i].topic_results[0]
            .results_by_partition
            .iter()
            .map(|p| p.partition_error_code)
            .collect()
    };
    use kafka_protocol::error::ResponseError::{ProducerFenced, TransactionAbortable};
    assert_eq!(codes(0), vec![0, TransactionAbortable.code()]);
    assert_eq!(codes(1), vec![ProducerFenced.code(); 2]);
    drop(open);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn aborted_ranges_survive_deleted_records_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = start_cluster(dir.path(), 3, &[]).await;
    let bootstrap = cluster.bootstrap_servers();
    // segment.ms=1: nearly every batch starts a segment, so DeleteRecords removes whole ones.
    let topic = NewTopic::new("kept-aborts", 1, TopicReplication::Fixed(1)).set("segment.ms", "1");
    for result in admin(&bootstrap)
        .create_topics([&topic], &admin_options())
        .await
        .unwrap()
    {
        result.unwrap();
    }
    let b = bootstrap.clone();
    tokio::task::spawn_blocking(move || {
        let producer = txn_producer(&b, "tx-kept-aborts", &[]);
        producer.begin_transaction().unwrap();
        for i in 0..4 {
            send(&producer, "kept-aborts", 0, &format!("aborted-{i}"));
            producer.flush(TIMEOUT).unwrap();
            std::thread::sleep(Duration::from_millis(5));
        }
        producer.abort_transaction(TIMEOUT).expect("abort");
        producer.begin_transaction().unwrap();
        send(&producer, "kept-aborts", 0, "last");
        producer.commit_transaction(TIMEOUT).expect("commit");
    })
    .await
    .unwrap();
    // The first two aborted records go; the abort marker (offset 4) stays.
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset("kept-aborts", 0, Offset::Offset(2))
        .unwrap();
    let deleted = admin(&bootstrap)
        .delete_records(&tpl, &admin_options())
        .await
        .unwrap();
    assert_eq!(
        deleted.find_partition("kept-aborts", 0).unwrap().offset(),
        Offset::Offset(2)
    );

    let b = bootstrap.clone();
    let leader = tokio::task::spawn_blocking(move || {
        let metadata = consumer(&b, &[])
            .fetch_metadata(Some("kept-aborts"), TIMEOUT)
            .unwrap();
        metadata.topics()[0].partitions()[0].leader()
    })
    .await
    .unwrap();
    cluster.stop_broker(leader).await.unwrap();
    cluster.start_broker(leader).await.unwrap();
    let b = cluster.bootstrap_servers();
    let (committed, uncommitted) = tokio::task::spawn_blocking(move || {
        (
            read_until(&b, "kept-aborts", &[0], "read_committed", "last"),
            read_until(&b, "kept-aborts", &[0], "read_uncommitted", "last"),
        )
    })
    .await
    .unwrap();
    assert_eq!(committed[&0], vec!["last".to_string()]);
    assert_eq!(uncommitted[&0], ["aborted-2", "aborted-3", "last"]);
    // Kafka's layout: the abort is in the .txnindex of the segment holding its marker.
    let partition_dir = dir
        .path()
        .join(format!("broker-{leader}"))
        .join("kept-aborts-0");
    let indexes: Vec<_> = std::fs::read_dir(&partition_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txnindex"))
        .collect();
    assert_eq!(indexes.len(), 1, "{indexes:?}");
    assert_eq!(std::fs::metadata(&indexes[0]).unwrap().len(), 34);
    cluster.shutdown().await;
}

/// A Produce (v9) of one transactional batch, sent without asking any coordinator.
fn transactional_produce(topic: &str, producer_id: i64, producer_epoch: i16) -> ProduceRequest {
    let record = Record {
        transactional: true,
        control: false,
        partition_leader_epoch: -1,
        producer_id,
        producer_epoch,
        timestamp_type: TimestampType::Creation,
        offset: 0,
        sequence: 0,
        timestamp: 0,
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
    ProduceRequest::default()
        .with_acks(-1)
        .with_timeout_ms(30_000)
        .with_topic_data(vec![TopicProduceData::default()
            .with_name(TopicName(StrBytes::from_string(topic.to_string())))
            .with_partition_data(vec![PartitionProduceData::default()
                .with_index(0)
                .with_records(Some(batch.freeze()))])])
}

/// The broker id coordinating `transactional_id`, asked until the answer has no error.
async fn find_transaction_coordinator(bootstrap: &str, transactional_id: &str) -> i32 {
    let addr = bootstrap.split(',').next().unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut conn = RawConnection::connect(addr).await;
        let response: FindCoordinatorResponse = conn
            .call(
                ApiKey::FindCoordinator,
                3,
                &FindCoordinatorRequest::default()
                    .with_key(StrBytes::from_string(transactional_id.to_string()))
                    .with_key_type(1),
            )
            .await;
        if response.error_code == 0 {
            return response.node_id.0;
        }
        assert!(Instant::now() < deadline, "no coordinator: {response:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The state of `transactional_id` as DescribeTransactions gives it by its coordinator.
async fn describe_transaction(bootstrap: &str, transactional_id: &str) -> String {
    let coordinator = find_transaction_coordinator(bootstrap, transactional_id).await;
    let addrs: Vec<&str> = bootstrap.split(',').collect();
    let mut conn = RawConnection::connect(addrs[coordinator as usize]).await;
    let response: DescribeTransactionsResponse = conn
        .call(
            ApiKey::DescribeTransactions,
            0,
            &DescribeTransactionsRequest::default().with_transactional_ids(vec![TransactionalId(
                StrBytes::from_string(transactional_id.to_string()),
            )]),
        )
        .await;
    let state = &response.transaction_states[0];
    assert_eq!(state.error_code, 0, "{state:?}");
    state.transaction_state.to_string()
}

/// A partition of `topic` whose leader is `broker_id`.
fn partition_led_by(bootstrap: &str, topic: &str, broker_id: i32) -> i32 {
    let consumer: BaseConsumer = consumer(bootstrap, &[]);
    let metadata = consumer
        .fetch_metadata(Some(topic), TIMEOUT)
        .expect("metadata");
    metadata.topics()[0]
        .partitions()
        .iter()
        .find(|p| p.leader() == broker_id)
        .map(|p| p.id())
        .expect("a partition led by the broker")
}
