//! ApiKey 24 · AddPartitionsToTxn · v0-5
//!
//! v0-3 (from producers): adds partitions to the producer's transaction through its
//! transaction coordinator (`coord/txn`), which writes the Ongoing transition first. v4-5
//! (KIP-890, from brokers): a batch of transactions, each either added or, with `verify_only`,
//! checked (each partition NONE when it is in the ongoing transaction, TRANSACTION_ABORTABLE when
//! not). A partition of an unknown topic fails the whole transaction's request: that partition
//! gets UNKNOWN_TOPIC_OR_PARTITION, the others OPERATION_NOT_ATTEMPTED, as in Kafka. Before v2
//! PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH.
//!
//! Differs from Kafka: no authorization, so v4-5 is not restricted to brokers; an add (not
//! `verify_only`) that arrives while the producer's previous transaction is writing its markers
//! waits for them, up to 100 ms, instead of CONCURRENT_TRANSACTIONS at once (`coord/txn/task.rs`:
//! Kafka 4.0 waits likewise for a Produce's implicit add).

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::add_partitions_to_txn_request::{
    AddPartitionsToTxnTopic, AddPartitionsToTxnTransaction,
};
use kafka_protocol::messages::add_partitions_to_txn_response::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnResult, AddPartitionsToTxnTopicResult,
};
use kafka_protocol::messages::{
    AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, RequestHeader, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::Broker;
use crate::coord::txn::state::TopicPartition;

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: AddPartitionsToTxnRequest,
) -> AddPartitionsToTxnResponse {
    let version = header.request_api_version;
    if version < 4 {
        let transaction = AddPartitionsToTxnTransaction::default()
            .with_transactional_id(request.v3_and_below_transactional_id)
            .with_producer_id(request.v3_and_below_producer_id)
            .with_producer_epoch(request.v3_and_below_producer_epoch)
            .with_topics(request.v3_and_below_topics);
        let result = add_one(broker, version, transaction).await;
        return AddPartitionsToTxnResponse::default()
            .with_results_by_topic_v3_and_below(result.topic_results);
    }
    let mut results = Vec::with_capacity(request.transactions.len());
    for transaction in request.transactions {
        results.push(add_one(broker, version, transaction).await);
    }
    AddPartitionsToTxnResponse::default().with_results_by_transaction(results)
}

async fn add_one(
    broker: &Broker,
    version: i16,
    transaction: AddPartitionsToTxnTransaction,
) -> AddPartitionsToTxnResult {
    let partitions = flatten(&transaction.topics);
    let image = broker.image();
    let unknown: Vec<bool> = partitions
        .iter()
        .map(|(t, p)| image.partition(t, *p).is_none())
        .collect();
    let txn_id = transaction.transactional_id.to_string();
    let errors: Vec<Option<ResponseError>> = if unknown.iter().any(|u| *u) {
        unknown
            .iter()
            .map(|u| {
                Some(if *u {
                    ResponseError::UnknownTopicOrPartition
                } else {
                    ResponseError::OperationNotAttempted
                })
            })
            .collect()
    } else if transaction.verify_only {
        broker
            .txn_coordinator
            .verify_partitions(
                broker,
                &txn_id,
                transaction.producer_id.0,
                transaction.producer_epoch,
                &partitions,
            )
            .unwrap_or_else(|e| vec![Some(e); partitions.len()])
    } else {
        let result = broker
            .txn_coordinator
            .add_partitions(
                broker,
                &txn_id,
                transaction.producer_id.0,
                transaction.producer_epoch,
                partitions.clone(),
            )
            .await;
        let error = match result {
            Ok(()) => None,
            Err(ResponseError::ProducerFenced) if version < 2 => {
                Some(ResponseError::InvalidProducerEpoch)
            }
            Err(e) => Some(e),
        };
        vec![error; partitions.len()]
    };
    AddPartitionsToTxnResult::default()
        .with_transactional_id(transaction.transactional_id)
        .with_topic_results(results(&partitions, &errors))
}

fn flatten(topics: &[AddPartitionsToTxnTopic]) -> Vec<TopicPartition> {
    topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(|p| (t.name.to_string(), *p)))
        .collect()
}

fn results(
    partitions: &[TopicPartition],
    errors: &[Option<ResponseError>],
) -> Vec<AddPartitionsToTxnTopicResult> {
    debug_assert_eq!(partitions.len(), errors.len());
    let mut topics: Vec<AddPartitionsToTxnTopicResult> = Vec::new();
    for ((topic, partition), error) in partitions.iter().zip(errors) {
        let result = AddPartitionsToTxnPartitionResult::default()
            .with_partition_index(*partition)
            .with_partition_error_code(error.map_or(0, |e| e.code()));
        match topics
            .iter_mut()
            .find(|t| t.name.as_str() == topic.as_str())
        {
            Some(t) => t.results_by_partition.push(result),
            None => topics.push(
                AddPartitionsToTxnTopicResult::default()
                    .with_name(TopicName(StrBytes::from_string(topic.clone())))
                    .with_results_by_partition(vec![result]),
            ),
        }
    }
    topics
}
