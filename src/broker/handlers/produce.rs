//! ApiKey 0 · Produce · v3-13
//!
//! Each partition's record batch is validated (magic 2, sizes, CRC-32C, then every record as
//! Kafka's LogValidator: framing, count, offset deltas, timestamps, keys on compacted topics,
//! compressed records decompressed), given its offsets and leader epoch in place, and appended
//! as the bytes it arrived as (see `log/`). A refused batch is answered with the records at
//! fault (`record_errors`, KIP-467) and nothing of it is stored. Topics are named by id from
//! v13 on.
//!
//! Idempotent producers: the log's producer state checks epochs and sequence numbers and answers
//! a retried batch with its original offsets.
//!
//! Transactional batches open the producer's transaction in the partition (the log's producer
//! state), which holds the last stable offset until the coordinator's marker closes it. From
//! v12 (a `transaction.version` 2 producer, KIP-890 part 2) the first transactional batch of a
//! transaction in a partition adds that partition to the transaction at its coordinator first
//! (`broker/implicit_add.rs`); the producer sends no AddPartitionsToTxn. Before v12 a
//! transaction's first batch in a partition is verified at the coordinator instead (KIP-890
//! part 1, `transaction.partition.verification.enable`): a partition the producer did not add
//! is refused with TRANSACTION_ABORTABLE (INVALID_TXN_STATE before v11). A Produce without a
//! transactional id is not verified, as in Kafka.
//!
//! Internal topics (`__consumer_offsets`, `__transaction_state`) are written only by their
//! coordinators: a client's Produce to one gets INVALID_TOPIC_EXCEPTION, as in Kafka.
//!
//! acks=all (through `replica/`): refused with NOT_ENOUGH_REPLICAS, nothing written, when the
//! ISR is smaller than `min.insync.replicas`; otherwise answered once the high watermark passes
//! the batch (REQUEST_TIMED_OUT after `timeout_ms`, NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR
//! shrank below `min.insync.replicas` meanwhile).
//!
//! Differs from Kafka: record-level differences are listed in `log/validator.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;

use crate::clock::now_ms;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::produce_response::{
    BatchIndexAndErrorMessage, PartitionProduceResponse, TopicProduceResponse,
};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse, RequestHeader, TopicName};
use kafka_protocol::protocol::StrBytes;
use uuid::Uuid;

use crate::broker::handlers::metadata::is_internal_topic;
use crate::broker::implicit_add::{self, ProducedPartition};
use crate::broker::Broker;
use crate::metadata::MetadataImage;
use crate::replica::{self, Acks, Appended, Replica, Wakes};

/// A Produce whose batches are appended (or refused): what is left is waiting for acks=all.
pub struct Appends {
    topics: Vec<(TopicName, Uuid, Vec<PartitionAppend>)>,
    timeout: Duration,
}

/// A partition's index and its batch's append, to be waited on.
type PartitionAppend = (i32, Result<Pending, AppendError>);

/// A partition of the request, looked up once for both the transaction check and the append.
type Target = (PartitionProduceData, Result<(Replica, i32), AppendError>);

/// Appends every batch of a Produce, in order, then wakes the partitions' waiters.
pub async fn append(broker: &Broker, header: &RequestHeader, request: ProduceRequest) -> Appends {
    let image = broker.image();
    let acks = Acks::from_wire(request.acks);
    let timeout = Duration::from_millis(u64::try_from(request.timeout_ms).unwrap_or(0));
    let now_ms = now_ms();
    let version = header.request_api_version;
    // What is kept of the request beside its records is copied out of it: a batch whose buffer
    // nothing else holds is stamped in place and kept for the followers, not copied
    // (`PartitionLog::append_produced`).
    let transactional_id = request
        .transactional_id
        .filter(|id| !id.is_empty())
        .map(|id| id.to_string());
    let targets: Vec<(TopicName, Uuid, Option<String>, Vec<Target>)> = request
        .topic_data
        .into_iter()
        .map(|topic| {
            let name = topic_name(&image, &topic, version);
            let partitions = topic
                .partition_data
                .into_iter()
                .map(|data| {
                    let leader = leader_of(broker, &image, name.as_deref(), data.index);
                    (data, leader)
                })
                .collect();
            let topic_name = TopicName(StrBytes::from_string(topic.name.to_string()));
            (topic_name, topic.topic_id, name, partitions)
        })
        .collect();
    let refused = match &transactional_id {
        Some(id) => {
            let produced: Vec<ProducedPartition<'_>> = targets
                .iter()
                .filter_map(|(_, _, name, partitions)| Some((name.as_deref()?, partitions)))
                .flat_map(|(name, partitions)| {
                    partitions.iter().filter_map(move |(data, leader)| {
                        let (replica, _) = leader.as_ref().ok()?;
                        Some((name, data.index, data.records.as_ref()?, replica))
                    })
                })
                .collect();
            implicit_add::add_partitions(broker, &image, id, version, &produced).await
        }
        None => BTreeMap::new(),
    };
    // Every batch is appended first, then the partitions' waiters wake together (a follower's
    // fetch carries the whole request); acks=all then waits for all of them at once, as
    // Kafka's DelayedProduce.
    let mut wakes = Wakes::default();
    // A batch stays in its request's buffer only as the request's one batch (the buffer is then
    // about its size). A request of several partitions holds all its batches until each is
    // appended, so that each is copied: its last batch, alone by then, would pin the whole
    // request while counted as one batch.
    let batches: usize = targets
        .iter()
        .map(|(.., partitions)| partitions.len())
        .sum();
    let held: Vec<Bytes> = if batches > 1 {
        targets
            .iter()
            .flat_map(|(.., partitions)| partitions.iter())
            .filter_map(|(data, _)| data.records.clone())
            .collect()
    } else {
        Vec::new()
    };
    let mut topics = Vec::with_capacity(targets.len());
    for (topic_name, topic_id, name, partitions) in targets {
        let partitions: Vec<_> = partitions
            .into_iter()
            .map(|(data, leader)| {
                let index = data.index;
                let refusal = match (&name, refused.is_empty()) {
                    (Some(name), false) => refused.get(&(name.clone(), index)),
                    _ => None,
                };
                let result = match (acks, refusal) {
                    (_, Some(error)) => Err(AppendError::new(
                        *error,
                        Some("the partition could not be added to the transaction".into()),
                    )),
                    (Some(acks), None) => leader.and_then(|(replica, leader_epoch)| {
                        append_partition(replica, leader_epoch, data, acks, now_ms, &mut wakes)
                    }),
                    (None, None) => Err(AppendError::new(ResponseError::InvalidRequiredAcks, None)),
                };
                (index, result)
            })
            .collect();
        topics.push((topic_name, topic_id, partitions));
    }
    drop(held);
    drop(wakes);
    Appends { topics, timeout }
}

impl Appends {
    /// The answer, once acks=all is met (or failed) for every batch. Every partition of every
    /// topic waits at once, so the request's timeout bounds the whole answer, as Kafka's one
    /// DelayedProduce per request.
    pub async fn answer(self) -> ProduceResponse {
        let timeout = self.timeout;
        let responses = self
            .topics
            .into_iter()
            .map(|(name, topic_id, partitions)| async move {
                let waits = partitions.into_iter().map(|(index, result)| async move {
                    let result = match result {
                        Ok(done) => done.replicated(timeout).await,
                        Err(e) => Err(e),
                    };
                    partition_response(index, result)
                });
                TopicProduceResponse::default()
                    .with_name(name)
                    .with_topic_id(topic_id)
                    .with_partition_responses(futures::future::join_all(waits).await)
            });
        ProduceResponse::default().with_responses(futures::future::join_all(responses).await)
    }
}

/// The topic's name: given by the request before v13, looked up from its id from v13 on.
fn topic_name(image: &MetadataImage, topic: &TopicProduceData, version: i16) -> Option<String> {
    if version >= 13 {
        image.topic_by_id(&topic.topic_id).map(|t| t.name.clone())
    } else {
        Some(topic.name.to_string())
    }
}

/// A batch the leader wrote, and what acks=all still waits for.
struct Pending {
    appended: Appended,
    replica: Replica,
    leader_epoch: i32,
    acks: Acks,
}

impl Pending {
    async fn replicated(self, timeout: Duration) -> Result<Appended, AppendError> {
        // A duplicate (a retried batch) waits too: its first attempt may not be replicated yet,
        // and `required_offset` is that original batch's end.
        if self.acks == Acks::All {
            self.replica
                .wait_replicated(self.appended.required_offset, self.leader_epoch, timeout)
                .await
                .map_err(|e| AppendError::new(e, None))?;
        }
        Ok(self.appended)
    }
}

struct AppendError {
    error: ResponseError,
    message: Option<String>,
    record_errors: Vec<BatchIndexAndErrorMessage>,
}

impl AppendError {
    fn new(error: ResponseError, message: Option<String>) -> Self {
        Self {
            error,
            message,
            record_errors: Vec::new(),
        }
    }
}

impl From<replica::AppendError> for AppendError {
    fn from(e: replica::AppendError) -> Self {
        let e = match e {
            replica::AppendError::Replica(e) => return Self::new(e, None),
            replica::AppendError::Log(e) => e,
        };
        let record_errors = e
            .record_errors()
            .iter()
            .map(|r| {
                BatchIndexAndErrorMessage::default()
                    .with_batch_index(r.batch_index)
                    .with_batch_index_error_message(Some(StrBytes::from_string(r.message.clone())))
            })
            .collect();
        Self {
            error: e.error(),
            message: Some(e.to_string()),
            record_errors,
        }
    }
}

/// The partition this broker leads, and its leader epoch: refused as Kafka does for an unknown
/// topic id, an internal topic, an unknown partition or one led elsewhere.
fn leader_of(
    broker: &Broker,
    image: &MetadataImage,
    topic: Option<&str>,
    partition: i32,
) -> Result<(Replica, i32), AppendError> {
    let Some(topic) = topic else {
        return Err(AppendError::new(ResponseError::UnknownTopicId, None));
    };
    if is_internal_topic(topic) {
        // Only the coordinators write their topics, as in Kafka.
        return Err(AppendError::new(
            ResponseError::InvalidTopicException,
            Some(format!("Cannot append to internal topic {topic}")),
        ));
    }
    broker
        .replicas
        .leader(image, topic, partition, -1)
        .map_err(|e| AppendError::new(e, None))
}

fn append_partition(
    replica: Replica,
    leader_epoch: i32,
    data: PartitionProduceData,
    acks: Acks,
    now_ms: i64,
    wakes: &mut Wakes,
) -> Result<Pending, AppendError> {
    let Some(records) = data.records.filter(|r| !r.is_empty()) else {
        return Err(AppendError::new(
            ResponseError::InvalidRecord,
            Some("empty record set".into()),
        ));
    };
    let appended =
        replica.append_records_waking_later(records, leader_epoch, acks, now_ms, wakes)?;
    Ok(Pending {
        appended,
        replica,
        leader_epoch,
        acks,
    })
}

fn partition_response(
    index: i32,
    result: Result<Appended, AppendError>,
) -> PartitionProduceResponse {
    let response = PartitionProduceResponse::default().with_index(index);
    match result {
        Ok(done) => response
            .with_base_offset(done.info.first_offset)
            .with_log_append_time_ms(done.info.log_append_time_ms.unwrap_or(-1))
            .with_log_start_offset(done.log_start_offset),
        Err(e) => response
            .with_error_code(e.error.code())
            .with_base_offset(-1)
            .with_log_append_time_ms(-1)
            .with_log_start_offset(-1)
            .with_record_errors(e.record_errors)
            .with_error_message(e.message.map(StrBytes::from_string)),
    }
}
