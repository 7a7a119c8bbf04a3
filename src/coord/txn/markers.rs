//! Writing a transaction's markers: a WriteTxnMarkers request to the leader of each partition in
//! the transaction (all leaders at once, each with all its partitions in one request), through
//! the inter-broker path, retried until every partition has its marker (Kafka's
//! TransactionMarkerChannelManager). A partition whose topic is gone is skipped, as Kafka does
//! when it finds no leader for it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Weak;
use std::time::Duration;

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::write_txn_markers_request::{
    WritableTxnMarker, WritableTxnMarkerTopic,
};
use kafka_protocol::messages::{ProducerId, TopicName, WriteTxnMarkersRequest};
use kafka_protocol::protocol::StrBytes;
use tokio::sync::mpsc;
use tracing::{debug, warn};

use super::state::TopicPartition;
use super::task::Command;
use crate::broker::Broker;

const FIRST_BACKOFF: Duration = Duration::from_millis(20);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

pub(crate) async fn write_markers(
    broker: Weak<Broker>,
    task: mpsc::WeakUnboundedSender<Command>,
    coordinator_epoch: i32,
    producer_id: i64,
    producer_epoch: i16,
    commit: bool,
    partitions: Vec<TopicPartition>,
) {
    let mut pending: BTreeSet<TopicPartition> = partitions.into_iter().collect();
    let mut backoff = FIRST_BACKOFF;
    let started = std::time::Instant::now();
    loop {
        // The task is gone when its partition was unloaded: the next coordinator takes over.
        let (Some(broker), Some(task)) = (broker.upgrade(), task.upgrade()) else {
            return;
        };
        let image = broker.image();
        let mut by_leader: BTreeMap<i32, Vec<TopicPartition>> = BTreeMap::new();
        pending.retain(|(topic, p)| match image.partition(topic, *p) {
            Some(state) => {
                by_leader
                    .entry(state.leader)
                    .or_default()
                    .push((topic.clone(), *p));
                true
            }
            None => false,
        });
        // Every leader at once: a transaction's markers take the slowest leader's round trip,
        // not the sum of them.
        let requests = by_leader.into_iter().map(|(leader, partitions)| {
            let request = WriteTxnMarkersRequest::default().with_markers(vec![marker(
                coordinator_epoch,
                producer_id,
                producer_epoch,
                commit,
                &partitions,
            )]);
            let broker = &broker;
            async move {
                let sent = broker
                    .peers
                    .write_txn_markers(broker.broker_id, leader, request)
                    .await;
                (leader, sent)
            }
        });
        for (leader, sent) in futures::future::join_all(requests).await {
            let response = match sent {
                Ok(response) => response,
                Err(e) => {
                    debug!(leader, error = %e, "WriteTxnMarkers not delivered; retrying");
                    continue;
                }
            };
            let results = response
                .markers
                .iter()
                .flat_map(|m| &m.topics)
                .flat_map(|t| t.partitions.iter().map(move |p| (t, p)));
            for (topic, result) in results {
                let tp = (topic.name.to_string(), result.partition_index);
                match ResponseError::try_from_code(result.error_code) {
                    None => {
                        pending.remove(&tp);
                    }
                    Some(
                        e @ (ResponseError::InvalidProducerEpoch
                        | ResponseError::TransactionCoordinatorFenced),
                    ) => {
                        // This coordinator is stale: a newer one owns the transaction.
                        warn!(topic = %tp.0, partition = tp.1, error = ?e, "marker refused; giving up");
                        return;
                    }
                    Some(e) => {
                        debug!(topic = %tp.0, partition = tp.1, error = ?e, "marker not written; retrying")
                    }
                }
            }
        }
        if pending.is_empty() {
            debug!(
                micros = started.elapsed().as_micros() as u64,
                commit, "markers written"
            );
            let _ = task.send(Command::MarkersWritten);
            return;
        }
        drop((broker, task));
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

fn marker(
    coordinator_epoch: i32,
    producer_id: i64,
    producer_epoch: i16,
    commit: bool,
    partitions: &[TopicPartition],
) -> WritableTxnMarker {
    let mut topics: Vec<WritableTxnMarkerTopic> = Vec::new();
    for (topic, p) in partitions {
        match topics.last_mut() {
            Some(t) if t.name.as_str() == topic.as_str() => t.partition_indexes.push(*p),
            _ => topics.push(
                WritableTxnMarkerTopic::default()
                    .with_name(TopicName(StrBytes::from_string(topic.clone())))
                    .with_partition_indexes(vec![*p]),
            ),
        }
    }
    WritableTxnMarker::default()
        .with_producer_id(ProducerId(producer_id))
        .with_producer_epoch(producer_epoch)
        .with_transaction_result(commit)
        .with_topics(topics)
        .with_coordinator_epoch(coordinator_epoch)
}
