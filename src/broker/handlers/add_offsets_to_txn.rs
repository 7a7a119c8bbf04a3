//! ApiKey 25 · AddOffsetsToTxn · v0-4
//!
//! Adds the `__consumer_offsets` partition of the group to the producer's transaction, so the
//! group's TxnOffsetCommit becomes part of it (its marker then commits or aborts the offsets).
//! Before v2 PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::{AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, RequestHeader};

use crate::broker::Broker;
use crate::coord::internal_topic::partition_for;

const GROUP_METADATA_TOPIC: &str = "__consumer_offsets";

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: AddOffsetsToTxnRequest,
) -> AddOffsetsToTxnResponse {
    let partitions = broker
        .image()
        .topic(GROUP_METADATA_TOPIC)
        .map(|t| t.partitions.len() as i32)
        .filter(|n| *n > 0)
        .unwrap_or(broker.config.offsets_topic_num_partitions);
    let offsets_partition = partition_for(&request.group_id, partitions);
    let result = broker
        .txn_coordinator
        .add_partitions(
            broker,
            &request.transactional_id,
            request.producer_id.0,
            request.producer_epoch,
            vec![(GROUP_METADATA_TOPIC.to_string(), offsets_partition)],
        )
        .await;
    let error = match result {
        Ok(()) => 0,
        Err(ResponseError::ProducerFenced) if header.request_api_version < 2 => {
            ResponseError::InvalidProducerEpoch.code()
        }
        Err(e) => e.code(),
    };
    AddOffsetsToTxnResponse::default().with_error_code(error)
}
