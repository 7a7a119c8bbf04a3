//! ApiKey 65 · DescribeTransactions · v0
//!
//! The state of each named transactional id this broker coordinates: state, producer id and
//! epoch, timeout, start time and partitions. NOT_COORDINATOR for an id another broker
//! coordinates, TRANSACTIONAL_ID_NOT_FOUND for one never seen (or expired).
//!
//! Differs from Kafka: a finished transaction shows PrepareCommit/PrepareAbort for up to
//! `transaction.complete.linger.ms` (5 ms) after its markers are written, while its Complete
//! record waits for the producer's next transaction (`coord/txn/task.rs`); 0 is Kafka's timing.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::describe_transactions_response::{TopicData, TransactionState};
use kafka_protocol::messages::{
    DescribeTransactionsRequest, DescribeTransactionsResponse, ProducerId, RequestHeader, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;

pub fn handle(
    broker: &Broker,
    _header: &RequestHeader,
    request: DescribeTransactionsRequest,
) -> DescribeTransactionsResponse {
    let states = request
        .transactional_ids
        .into_iter()
        .map(|id| {
            let state = TransactionState::default()
                .with_transactional_id(id.clone())
                .with_producer_id(ProducerId(-1))
                .with_producer_epoch(-1)
                .with_transaction_start_time_ms(-1);
            if id.is_empty() {
                return state.with_error_code(ResponseError::InvalidRequest.code());
            }
            match broker.txn_coordinator.describe(broker, &id) {
                Ok(txn) => {
                    let mut topics: Vec<TopicData> = Vec::new();
                    for (topic, partition) in &txn.partitions {
                        match topics.last_mut() {
                            Some(t) if t.topic.as_str() == topic.as_str() => {
                                t.partitions.push(*partition)
                            }
                            _ => topics.push(
                                TopicData::default()
                                    .with_topic(TopicName(StrBytes::from_string(topic.clone())))
                                    .with_partitions(vec![*partition]),
                            ),
                        }
                    }
                    state
                        .with_transaction_state(StrBytes::from_static_str(txn.state.name()))
                        .with_transaction_timeout_ms(txn.txn_timeout_ms)
                        .with_transaction_start_time_ms(txn.txn_start_timestamp_ms)
                        .with_producer_id(ProducerId(txn.producer_id))
                        .with_producer_epoch(txn.producer_epoch)
                        .with_topics(topics)
                }
                Err(e) => state.with_error_code(e.code()),
            }
        })
        .collect();
    DescribeTransactionsResponse::default().with_transaction_states(states)
}
