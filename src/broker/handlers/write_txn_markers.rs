//! ApiKey 27 · WriteTxnMarkers · v1
//!
//! Writes commit or abort markers (control batches) for a producer's transaction at the end of
//! each named partition this broker leads. Sent by transaction coordinators through the
//! inter-broker path (`broker/inter_broker.rs`), and by admin tools to abort a hanging
//! transaction. A stale producer epoch is INVALID_PRODUCER_EPOCH, a stale coordinator epoch
//! TRANSACTION_COORDINATOR_FENCED (checked by the log's producer state). A marker for a
//! `__consumer_offsets` partition also completes the transaction's offsets there
//! (TxnOffsetCommit): the group coordinator materializes them on commit and drops them on
//! abort; while this broker has not loaded that partition the marker is refused with the
//! coordinator's error (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS) and the transaction
//! coordinator retries, as Kafka's group coordinator answers.
//!
//! Each marker is appended as acks=-1, as Kafka's: NOT_ENOUGH_REPLICAS below the effective
//! `min.insync.replicas`, and answered once the partition's ISR has it (REQUEST_TIMED_OUT after
//! `request.timeout.ms`), so a marker the coordinator counts as written survives a failover.
//!
//! Differs from Kafka: no authorization (Kafka restricts it to CLUSTER_ACTION).

use std::time::Duration;

use kafka_protocol::messages::write_txn_markers_request::WritableTxnMarker;
use kafka_protocol::messages::write_txn_markers_response::{
    WritableTxnMarkerPartitionResult, WritableTxnMarkerResult, WritableTxnMarkerTopicResult,
};
use kafka_protocol::messages::{WriteTxnMarkersRequest, WriteTxnMarkersResponse};

use crate::broker::Broker;
use crate::clock::now_ms;
use crate::coord::group::OFFSETS_TOPIC;
use crate::log::TxnMarker;

pub async fn handle(broker: &Broker, request: WriteTxnMarkersRequest) -> WriteTxnMarkersResponse {
    let mut markers = Vec::with_capacity(request.markers.len());
    for marker in &request.markers {
        markers.push(write_marker(broker, marker).await);
    }
    WriteTxnMarkersResponse::default().with_markers(markers)
}

/// Appends one marker to each named partition, then waits for all of them (of every topic) to
/// reach their ISR at once (Kafka appends markers with acks=-1 and `request.timeout.ms`).
async fn write_marker(broker: &Broker, marker: &WritableTxnMarker) -> WritableTxnMarkerResult {
    let image = broker.image();
    let txn_marker = TxnMarker {
        commit: marker.transaction_result,
        coordinator_epoch: marker.coordinator_epoch,
    };
    let timeout =
        Duration::from_millis(u64::try_from(broker.config.request_timeout_ms).unwrap_or(0));
    // Every partition is appended before any wait starts, so they all wait at once.
    let written: Vec<_> = marker
        .topics
        .iter()
        .flat_map(|topic| topic.partition_indexes.iter().map(move |p| (topic, *p)))
        .map(|(topic, partition)| {
            let offsets_topic = topic.name.as_str() == OFFSETS_TOPIC;
            let loaded = if offsets_topic {
                broker.groups.check_partition(partition)
            } else {
                Ok(())
            };
            let result = loaded
                .and_then(|()| broker.replicas.leader(&image, &topic.name, partition, -1))
                .and_then(|(replica, leader_epoch)| {
                    replica.check_min_isr()?;
                    let info = replica
                        .append_with(leader_epoch, |log| {
                            log.append_transaction_marker(
                                marker.producer_id.0,
                                marker.producer_epoch,
                                txn_marker,
                                leader_epoch,
                                now_ms(),
                            )
                        })
                        .map_err(|e| e.error())?;
                    Ok((replica, leader_epoch, info.last_offset + 1))
                });
            if result.is_ok() && offsets_topic {
                broker.groups.complete_transaction(
                    partition,
                    marker.producer_id.0,
                    marker.transaction_result,
                );
            }
            async move {
                match result {
                    Ok((replica, leader_epoch, required_offset)) => {
                        replica
                            .wait_replicated(required_offset, leader_epoch, timeout)
                            .await
                    }
                    Err(e) => Err(e),
                }
            }
        })
        .collect();
    let mut results = futures::future::join_all(written).await.into_iter();
    let topics = marker
        .topics
        .iter()
        .map(|topic| {
            let partitions = topic
                .partition_indexes
                .iter()
                .zip(results.by_ref())
                .map(|(partition, result)| {
                    WritableTxnMarkerPartitionResult::default()
                        .with_partition_index(*partition)
                        .with_error_code(result.err().map_or(0, |e| e.code()))
                })
                .collect();
            WritableTxnMarkerTopicResult::default()
                .with_name(topic.name.clone())
                .with_partitions(partitions)
        })
        .collect();
    WritableTxnMarkerResult::default()
        .with_producer_id(marker.producer_id)
        .with_topics(topics)
}
