//! ApiKey 61 · DescribeProducers · v0
//!
//! The active producers of each named partition this broker leads, from the log's producer
//! state: producer id and epoch, last sequence and timestamp, coordinator epoch, and the first
//! offset of its open transaction (-1 when none).

use kafka_protocol::messages::describe_producers_response::{
    PartitionResponse, ProducerState, TopicResponse,
};
use kafka_protocol::messages::{
    DescribeProducersRequest, DescribeProducersResponse, ProducerId, RequestHeader,
};

use crate::broker::Broker;

pub fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: DescribeProducersRequest,
) -> DescribeProducersResponse {
    let image = broker.image();
    let topics = request
        .topics
        .iter()
        .map(|topic| {
            let partitions = topic
                .partition_indexes
                .iter()
                .map(|partition| {
                    let response = PartitionResponse::default().with_partition_index(*partition);
                    let producers = broker
                        .replicas
                        .leader(&image, &topic.name, *partition, -1)
                        .and_then(|(replica, _)| replica.log().map(|log| log.active_producers()));
                    match producers {
                        Ok(producers) => response.with_active_producers(
                            producers
                                .into_iter()
                                .map(|p| {
                                    ProducerState::default()
                                        .with_producer_id(ProducerId(p.producer_id))
                                        .with_producer_epoch(i32::from(p.producer_epoch))
                                        .with_last_sequence(p.last_sequence)
                                        .with_last_timestamp(p.last_timestamp)
                                        .with_coordinator_epoch(p.coordinator_epoch)
                                        .with_current_txn_start_offset(
                                            p.current_txn_start_offset.unwrap_or(-1),
                                        )
                                })
                                .collect(),
                        ),
                        Err(e) => response.with_error_code(e.code()),
                    }
                })
                .collect();
            TopicResponse::default()
                .with_name(topic.name.clone())
                .with_partitions(partitions)
        })
        .collect();
    DescribeProducersResponse::default().with_topics(topics)
}
