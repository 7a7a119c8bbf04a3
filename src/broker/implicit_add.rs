//! KIP-890 at a partition leader, for the first transactional batch of a transaction in a
//! partition (no transaction of that producer id and epoch open there yet) of a Produce that
//! names its transactional id, before it is appended: AddPartitionsToTxn v5 in the batched form
//! to the transaction's coordinator, through `inter_broker`, as Kafka's
//! AddPartitionsToTxnManager.
//! - Part 2: a `transaction.version` 2 producer (Produce v12+) sends no AddPartitionsToTxn; the
//!   leader adds the partition (`verify_only` false).
//! - Part 1: a Produce v11 or below is verified (`verify_only` true) while
//!   `transaction.partition.verification.enable` is set: a partition the producer did not add
//!   to its transaction is refused (TRANSACTION_ABORTABLE, which v10 and below get as
//!   INVALID_TXN_STATE), so a batch that would outlive its transaction is not appended.
//!
//! Coordinator errors become what Kafka's produce path answers: PRODUCER_FENCED as
//! INVALID_PRODUCER_EPOCH, and the retriable ones (CONCURRENT_TRANSACTIONS, the coordinator
//! moving or loading, an unreachable coordinator) as NOT_ENOUGH_REPLICAS, which a producer
//! retries without refreshing its metadata.
//!
//! Differs from Kafka: no VerificationGuard: the check is the log's producer state at the time
//! of the request.

use std::collections::BTreeMap;

use bytes::Bytes;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::add_partitions_to_txn_request::{
    AddPartitionsToTxnTopic, AddPartitionsToTxnTransaction,
};
use kafka_protocol::messages::{AddPartitionsToTxnRequest, ProducerId, TopicName, TransactionalId};
use kafka_protocol::protocol::StrBytes;

use super::Broker;
use crate::coord::txn::store::TRANSACTION_STATE_TOPIC;
use crate::coord::txn::TxnCoordinator;
use crate::metadata::MetadataImage;
use crate::protocol::batch::parse_batch_header;
use crate::replica::Replica;

/// The first Produce version whose transactional batches add their partition (KIP-890 part 2).
const IMPLICIT_ADD_PRODUCE_VERSION: i16 = 12;
/// The first Produce version whose producer knows TRANSACTION_ABORTABLE (older ones get
/// INVALID_TXN_STATE for a partition not in the transaction).
const TRANSACTION_ABORTABLE_PRODUCE_VERSION: i16 = 11;

/// A partition of a Produce request this broker leads: topic, partition, its records, and the
/// replica the request looked up (once, for this check and the append).
pub type ProducedPartition<'a> = (&'a str, i32, &'a Bytes, &'a Replica);

/// Adds to `transactional_id`'s transaction (from Produce v12) or verifies that it has (before
/// v12) every partition of `produced` whose batch is transactional and opens a transaction
/// there; returns the partitions that must not be appended, with the error to answer.
pub async fn add_partitions(
    broker: &Broker,
    image: &MetadataImage,
    transactional_id: &str,
    produce_version: i16,
    produced: &[ProducedPartition<'_>],
) -> BTreeMap<(String, i32), ResponseError> {
    let verify_only = produce_version < IMPLICIT_ADD_PRODUCE_VERSION;
    if verify_only && !broker.config.transaction_partition_verification_enable {
        return BTreeMap::new();
    }
    let mut needed: BTreeMap<(i64, i16), Vec<(String, i32)>> = BTreeMap::new();
    for (topic, partition, records, replica) in produced {
        let Ok(header) = parse_batch_header(records) else {
            continue; // the append refuses it with the right error
        };
        if !header.is_transactional() || header.is_control() {
            continue;
        }
        let open = replica
            .log()
            .ok()
            .map(|log| log.has_ongoing_transaction(header.producer_id, header.producer_epoch));
        if open == Some(false) {
            needed
                .entry((header.producer_id, header.producer_epoch))
                .or_default()
                .push((topic.to_string(), *partition));
        }
    }
    let mut refused = BTreeMap::new();
    for ((producer_id, producer_epoch), partitions) in needed {
        let errors = add_at_coordinator(
            broker,
            image,
            transactional_id,
            (producer_id, producer_epoch),
            verify_only,
            &partitions,
        )
        .await;
        for (tp, error) in partitions.into_iter().zip(errors) {
            if let Some(error) = error {
                refused.insert(tp, produce_error(error, produce_version));
            }
        }
    }
    refused
}

/// One error (or none) per partition, in order.
async fn add_at_coordinator(
    broker: &Broker,
    image: &MetadataImage,
    transactional_id: &str,
    (producer_id, producer_epoch): (i64, i16),
    verify_only: bool,
    partitions: &[(String, i32)],
) -> Vec<Option<ResponseError>> {
    let all = |e: ResponseError| vec![Some(e); partitions.len()];
    let txn_partition = TxnCoordinator::partition_for(broker, transactional_id);
    let Some(coordinator) = image
        .partition(TRANSACTION_STATE_TOPIC, txn_partition)
        .map(|p| p.leader)
        .filter(|leader| *leader >= 0)
    else {
        return all(ResponseError::CoordinatorNotAvailable);
    };
    let mut topics: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for (topic, partition) in partitions {
        topics.entry(topic).or_default().push(*partition);
    }
    let transaction = AddPartitionsToTxnTransaction::default()
        .with_transactional_id(TransactionalId(StrBytes::from_string(
            transactional_id.to_string(),
        )))
        .with_producer_id(ProducerId(producer_id))
        .with_producer_epoch(producer_epoch)
        .with_verify_only(verify_only)
        .with_topics(
            topics
                .into_iter()
                .map(|(topic, ps)| {
                    AddPartitionsToTxnTopic::default()
                        .with_name(TopicName(StrBytes::from_string(topic.to_string())))
                        .with_partitions(ps)
                })
                .collect(),
        );
    let request = AddPartitionsToTxnRequest::default().with_transactions(vec![transaction]);
    let response = match broker
        .peers
        .add_partitions_to_txn(broker.broker_id, coordinator, request)
        .await
    {
        Ok(response) => response,
        Err(_) => return all(ResponseError::NetworkException),
    };
    if let Some(error) = ResponseError::try_from_code(response.error_code) {
        return all(error);
    }
    let Some(result) = response.results_by_transaction.first() else {
        return all(ResponseError::UnknownServerError);
    };
    partitions
        .iter()
        .map(|(topic, partition)| {
            let code = result
                .topic_results
                .iter()
                .filter(|t| t.name.0.as_str() == topic)
                .flat_map(|t| t.results_by_partition.iter())
                .find(|p| p.partition_index == *partition)
                .map_or(ResponseError::UnknownServerError.code(), |p| {
                    p.partition_error_code
                });
            ResponseError::try_from_code(code)
        })
        .collect()
}

/// What Produce answers for a coordinator's error (Kafka's AddPartitionsToTxnManager and
/// ReplicaManager mapping).
fn produce_error(error: ResponseError, produce_version: i16) -> ResponseError {
    match error {
        ResponseError::ProducerFenced => ResponseError::InvalidProducerEpoch,
        ResponseError::TransactionAbortable
            if produce_version < TRANSACTION_ABORTABLE_PRODUCE_VERSION =>
        {
            ResponseError::InvalidTxnState
        }
        ResponseError::ConcurrentTransactions
        | ResponseError::NetworkException
        | ResponseError::CoordinatorLoadInProgress
        | ResponseError::CoordinatorNotAvailable
        | ResponseError::NotCoordinator => ResponseError::NotEnoughReplicas,
        other => other,
    }
}
