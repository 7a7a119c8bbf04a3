//! `__transaction_state` as the coordinator uses it: which partition a transactional id lives in,
//! appending a transition's record to that partition (only while this broker leads it in the
//! coordinator epoch the state was loaded in), and replaying a partition when this broker comes to
//! lead it.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use kafka_protocol::error::ResponseError;
use kafka_protocol::records::RecordBatchDecoder;
use tracing::warn;

use super::log_record::{
    decode_key, decode_value, encode_key, encode_value, value_version, TxnLogValue,
};
use super::state::TxnMetadata;
use crate::broker::Broker;
use crate::coord::internal_topic::InternalTopic;
use crate::coord::partition_loader::{CoordinatorAcks, CoordinatorRecord};

pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";

/// How `__transaction_state` is created (Kafka's TransactionLog topic configs).
pub fn transaction_state_topic(broker: &Broker) -> InternalTopic {
    let segment_bytes = broker
        .config
        .transaction_state_log_segment_bytes
        .to_string();
    InternalTopic {
        name: TRANSACTION_STATE_TOPIC,
        num_partitions: broker.config.transaction_state_log_num_partitions,
        replication_factor: broker.config.transaction_state_log_replication_factor,
        configs: BTreeMap::from([
            ("cleanup.policy".to_string(), "compact".to_string()),
            ("compression.type".to_string(), "uncompressed".to_string()),
            (
                "unclean.leader.election.enable".to_string(),
                "false".to_string(),
            ),
            (
                "min.insync.replicas".to_string(),
                broker.config.transaction_state_log_min_isr.to_string(),
            ),
            ("segment.bytes".to_string(), segment_bytes),
        ]),
    }
}

/// Appends transitions of `transactional_id` (a tombstone for a `None`) to its partition, in
/// one batch, and waits until the ISR has them, as Kafka's appendTransactionToLog (acks=all with
/// `request.timeout.ms`): only the leader in `coordinator_epoch` may, NOT_ENOUGH_REPLICAS below
/// `transaction.state.log.min.isr`, and log errors become the coordinator errors a client
/// retries on. Several transitions go together only when each follows from the one before: the
/// log keeps them in order, so the last being replicated means all are.
pub async fn append_transitions(
    broker: &Broker,
    partition: i32,
    coordinator_epoch: i32,
    transactional_id: &str,
    values: &[Option<&TxnMetadata>],
) -> Result<(), ResponseError> {
    debug_assert!(!values.is_empty());
    let key = encode_key(transactional_id);
    let version = value_version(broker.image().transaction_version());
    let records: Vec<CoordinatorRecord> = values
        .iter()
        .map(|value| CoordinatorRecord {
            key: key.clone(),
            value: value.map(|m| encode_value(&m.to_log_value(), version)),
        })
        .collect();
    let appended = broker.append_coordinator_records(
        TRANSACTION_STATE_TOPIC,
        partition,
        coordinator_epoch,
        CoordinatorAcks::All,
        None,
        &records,
    )?;
    let timeout =
        Duration::from_millis(u64::try_from(broker.config.request_timeout_ms).unwrap_or(0));
    broker
        .wait_coordinator_records_replicated(
            TRANSACTION_STATE_TOPIC,
            partition,
            coordinator_epoch,
            CoordinatorAcks::All,
            Some(appended.next_offset),
            timeout,
        )
        .await
}

/// The latest value of every transactional id in a partition of `__transaction_state`, read
/// from its start to its end; ids whose latest record is a tombstone are left out.
pub fn replay_partition(
    broker: &Broker,
    partition: i32,
) -> Result<(i32, HashMap<String, TxnLogValue>), ResponseError> {
    let image = broker.image();
    let (replica, leader_epoch) = broker
        .replicas
        .leader(&image, TRANSACTION_STATE_TOPIC, partition, -1)
        .map_err(|_| ResponseError::NotCoordinator)?;
    let log = replica.log().map_err(|_| ResponseError::NotCoordinator)?;
    let end = log.log_end_offset();
    let mut offset = log.log_start_offset();
    let mut latest: HashMap<String, Option<TxnLogValue>> = HashMap::new();
    while offset < end {
        let mut bytes = log
            .read(offset, 1 << 20, end)
            .map_err(|_| ResponseError::CoordinatorLoadInProgress)?;
        if bytes.is_empty() {
            break;
        }
        while !bytes.is_empty() {
            let set = RecordBatchDecoder::decode(&mut bytes)
                .map_err(|_| ResponseError::CoordinatorLoadInProgress)?;
            for record in set.records {
                offset = offset.max(record.offset + 1);
                if record.control {
                    continue;
                }
                let Some(key) = record.key.as_deref() else {
                    continue;
                };
                let Ok(id) = decode_key(key) else {
                    continue;
                };
                match record.value.as_deref().map(decode_value) {
                    None => {
                        latest.insert(id, None);
                    }
                    Some(Ok(value)) => {
                        latest.insert(id, Some(value));
                    }
                    Some(Err(e)) => warn!(partition, error = %e, "skipping a bad record"),
                }
            }
        }
    }
    let values = latest
        .into_iter()
        .filter_map(|(id, value)| value.map(|v| (id, v)))
        .collect();
    Ok((leader_epoch, values))
}
