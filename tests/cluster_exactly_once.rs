//! Exactly-once consume-transform-produce (KIP-98, KIP-447) on an in-process cluster: librdkafka's
//! transactional producer sends a joined consumer's offsets with its group metadata
//! (TxnOffsetCommit), and the group's offsets change only when the transaction commits, also
//! when the group's coordinator restarts while the offsets are pending and after it restarts
//! once they are committed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::raw::{find_coordinator, RawConnection};
use common::*;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::{ApiKey, OffsetFetchRequest, OffsetFetchResponse, TopicName};
use kafka_protocol::protocol::StrBytes;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

const INPUT: &str = "eos-in";
const OUTPUT: &str = "eos-out";
const TXN_ID: &str = "eos-tx";

/// OffsetFetch v7 of the input partition from the group's coordinator, asked until the
/// coordinator has loaded the group: (partition error, committed offset).
async fn fetch_offset(
    bootstrap: &str,
    broker: i32,
    group: &str,
    require_stable: bool,
) -> (i16, i64) {
    let addrs: Vec<&str> = bootstrap.split(',').collect();
    let request = OffsetFetchRequest::default()
        .with_group_id(StrBytes::from_string(group.to_string()).into())
        .with_topics(Some(vec![OffsetFetchRequestTopic::default()
            .with_name(TopicName(StrBytes::from_static_str(INPUT)))
            .with_partition_indexes(vec![0])]))
        .with_require_stable(require_stable);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut conn = RawConnection::connect(addrs[broker as usize]).await;
        let response: OffsetFetchResponse = conn.call(ApiKey::OffsetFetch, 7, &request).await;
        let partition = &response.topics[0].partitions[0];
        let loading = [
            ResponseError::CoordinatorLoadInProgress.code(),
            ResponseError::NotCoordinator.code(),
        ];
        if !loading.contains(&partition.error_code) {
            return (partition.error_code, partition.committed_offset);
        }
        assert!(
            Instant::now() < deadline,
            "group never loaded: {response:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The offset librdkafka reads back for the group (OffsetFetch with require_stable, retried
/// while a transaction is pending).
fn committed(consumer: &BaseConsumer) -> Offset {
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(INPUT, 0);
    let offsets = consumer.committed_offsets(tpl, TIMEOUT).expect("committed");
    offsets.find_partition(INPUT, 0).unwrap().offset()
}

fn offsets(offset: i64) -> TopicPartitionList {
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(INPUT, 0, Offset::Offset(offset))
        .unwrap();
    tpl
}

/// One transaction: a record to the output and the group's offsets; committed or aborted.
fn transaction(producer: &BaseProducer, consumer: &BaseConsumer, offset: i64, commit: bool) {
    producer.begin_transaction().unwrap();
    producer
        .send(
            BaseRecord::<(), str>::to(OUTPUT)
                .partition(0)
                .payload("out"),
        )
        .map_err(|(e, _)| e)
        .expect("send");
    let metadata = consumer.group_metadata().expect("joined consumer");
    producer
        .send_offsets_to_transaction(&offsets(offset), &metadata, TIMEOUT)
        .expect("send_offsets_to_transaction");
    if commit {
        producer.commit_transaction(TIMEOUT).expect("commit");
    } else {
        producer.flush(TIMEOUT).expect("flush");
        producer.abort_transaction(TIMEOUT).expect("abort");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sent_offsets_commit_only_with_their_transaction_and_survive_restarts() {
    let dir = tempfile::tempdir().unwrap();
    // One replica of `__consumer_offsets`: the restarted coordinator itself replays the pending
    // offsets (with replicas, another broker would take the group over).
    let mut cluster =
        start_cluster(dir.path(), 3, &[("offsets.topic.replication.factor", "1")]).await;
    let bootstrap = cluster.bootstrap_servers();
    create_topic(&bootstrap, INPUT, 1).await;
    create_topic(&bootstrap, OUTPUT, 1).await;
    // A group coordinated by another broker than the transaction, so that restarting the
    // group's coordinator leaves the transaction's alone.
    let txn_coordinator = find_coordinator(&bootstrap, TXN_ID, 1).await;
    let mut group = String::new();
    let mut group_coordinator = txn_coordinator;
    for i in 0.. {
        group = format!("eos-group-{i}");
        group_coordinator = find_coordinator(&bootstrap, &group, 0).await;
        if group_coordinator != txn_coordinator {
            break;
        }
    }

    let (b, g) = (bootstrap.clone(), group.clone());
    let (producer, consumer) = tokio::task::spawn_blocking(move || {
        let consumer = consumer(&b, &[("group.id", g.as_str())]);
        consumer.subscribe(&[INPUT]).unwrap();
        let deadline = Instant::now() + TIMEOUT;
        while consumer.assignment().unwrap().count() == 0 {
            assert!(Instant::now() < deadline, "never assigned");
            let _ = consumer.poll(Duration::from_millis(100));
        }
        let producer = producer(&b, &[("transactional.id", TXN_ID)]);
        producer.init_transactions(TIMEOUT).expect("init");
        transaction(&producer, &consumer, 5, true);
        assert_eq!(committed(&consumer), Offset::Offset(5));
        transaction(&producer, &consumer, 8, false);
        assert_eq!(committed(&consumer), Offset::Offset(5));
        // Left open: the offsets are pending in the group's partition.
        producer.begin_transaction().unwrap();
        let metadata = consumer.group_metadata().unwrap();
        producer
            .send_offsets_to_transaction(&offsets(9), &metadata, TIMEOUT)
            .expect("send_offsets_to_transaction");
        (producer, consumer)
    })
    .await
    .unwrap();

    let unstable = ResponseError::UnstableOffsetCommit.code();
    assert_eq!(
        fetch_offset(&bootstrap, group_coordinator, &group, true).await,
        (unstable, -1)
    );
    assert_eq!(
        fetch_offset(&bootstrap, group_coordinator, &group, false).await,
        (0, 5)
    );

    // The pending offsets survive the group coordinator's restart (replayed from the log).
    cluster.stop_broker(group_coordinator).await.unwrap();
    cluster.start_broker(group_coordinator).await.unwrap();
    let bootstrap = cluster.bootstrap_servers();
    assert_eq!(
        fetch_offset(&bootstrap, group_coordinator, &group, true).await,
        (unstable, -1)
    );

    let consumer = tokio::task::spawn_blocking(move || {
        producer.commit_transaction(TIMEOUT).expect("commit");
        drop(producer);
        consumer
    })
    .await
    .unwrap();
    // The commit marker reaches the group's partition shortly after EndTxn answers.
    let deadline = Instant::now() + TIMEOUT;
    while fetch_offset(&bootstrap, group_coordinator, &group, true)
        .await
        .0
        == unstable
    {
        assert!(Instant::now() < deadline, "offsets never committed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        fetch_offset(&bootstrap, group_coordinator, &group, true).await,
        (0, 9)
    );
    let consumer = tokio::task::spawn_blocking(move || {
        assert_eq!(committed(&consumer), Offset::Offset(9));
        consumer
    })
    .await
    .unwrap();

    // Committed by the marker, they are still committed after another restart.
    cluster.stop_broker(group_coordinator).await.unwrap();
    cluster.start_broker(group_coordinator).await.unwrap();
    assert_eq!(
        fetch_offset(
            &cluster.bootstrap_servers(),
            group_coordinator,
            &group,
            true
        )
        .await,
        (0, 9)
    );
    drop(consumer);
    cluster.shutdown().await;
}
