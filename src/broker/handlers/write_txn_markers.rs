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
//! Differs from Kafka: no authorization (Kafka restricts it to CLUSTER_ACTION).

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
    let markers = request
        .markers
        .iter()
        .map(|marker| write_marker(broker, marker))
        .collect();
    WriteTxnMarkersResponse::default().with_markers(markers)
}

fn write_marker(broker: &Broker, marker: &WritableTxnMarker) -> WritableTxnMarkerResult {
    let image = broker.image();
    let txn_marker = TxnMarker {
        commit: marker.transaction_result,
        coordinator_epoch: marker.coordinator_epoch,
    };
    let topics = marker
        .topics
        .iter()
        .map(|topic| {
            let partitions = topic
                .partition_indexes
                .iter()
                .map(|partition| {
                    let offsets_topic = topic.name.as_str() == OFFSETS_TOPIC;
                    let loaded = if offsets_topic {
                        broker.groups.check_partition(*partition)
                    } else {
                        Ok(())
                    };
                    let result = loaded
                        .and_then(|()| broker.replicas.leader(&image, &topic.name, *partition, -1))
                        .and_then(|(replica, leader_epoch)| {
                            replica
                                .append_with(leader_epoch, |log| {
                                    log.append_transaction_marker(
                                        marker.producer_id.0,
                                        marker.producer_epoch,
                                        txn_marker,
                                        leader_epoch,
                                        now_ms(),
                                    )
                                })
                                .map_err(|e| e.error())
                        });
                    if result.is_ok() && offsets_topic {
                        broker.groups.complete_transaction(
                            *partition,
                            marker.producer_id.0,
                            marker.transaction_result,
                        );
                    }
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
