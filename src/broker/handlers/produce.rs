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
//! state), which holds the last stable offset until the coordinator's marker closes it.
//!
//! Internal topics (`__consumer_offsets`, `__transaction_state`) are written only by their
//! coordinators: a client's Produce to one gets INVALID_TOPIC_EXCEPTION, as in Kafka.
//!
//! Differs from Kafka (until the issues that bring them): no replication, so acks=all waits for
//! nothing more than acks=1; no KIP-890 verification of transactional batches against the
//! coordinator (`transaction.partition.verification.enable`); record-level differences are
//! listed in `log/validator.rs`.

use crate::clock::now_ms;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::produce_request::TopicProduceData;
use kafka_protocol::messages::produce_response::{
    BatchIndexAndErrorMessage, PartitionProduceResponse, TopicProduceResponse,
};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

use crate::broker::handlers::metadata::is_internal_topic;
use crate::broker::Broker;
use crate::metadata::MetadataImage;

pub async fn handle(
    broker: &Broker,
    header: &RequestHeader,
    request: ProduceRequest,
) -> ProduceResponse {
    let image = broker.image();
    let acks_valid = matches!(request.acks, -1..=1);
    let now_ms = now_ms();
    let mut appended = false;
    let responses = request
        .topic_data
        .into_iter()
        .map(|topic| {
            let name = topic_name(&image, &topic, header.request_api_version);
            let partition_responses = topic
                .partition_data
                .into_iter()
                .map(|data| {
                    let result = if acks_valid {
                        append(
                            broker,
                            &image,
                            name.as_deref(),
                            data.records,
                            data.index,
                            now_ms,
                        )
                    } else {
                        Err(AppendError::new(ResponseError::InvalidRequiredAcks, None))
                    };
                    appended |= result.is_ok();
                    partition_response(data.index, result)
                })
                .collect();
            TopicProduceResponse::default()
                .with_name(topic.name)
                .with_topic_id(topic.topic_id)
                .with_partition_responses(partition_responses)
        })
        .collect();
    if appended {
        broker.notify_append();
    }
    ProduceResponse::default().with_responses(responses)
}

/// The topic's name: given by the request before v13, looked up from its id from v13 on.
fn topic_name(image: &MetadataImage, topic: &TopicProduceData, version: i16) -> Option<String> {
    if version >= 13 {
        image.topic_by_id(&topic.topic_id).map(|t| t.name.clone())
    } else {
        Some(topic.name.to_string())
    }
}

struct Appended {
    base_offset: i64,
    log_append_time_ms: i64,
    log_start_offset: i64,
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

impl From<crate::log::LogError> for AppendError {
    fn from(e: crate::log::LogError) -> Self {
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

fn append(
    broker: &Broker,
    image: &MetadataImage,
    topic: Option<&str>,
    records: Option<bytes::Bytes>,
    partition: i32,
    now_ms: i64,
) -> Result<Appended, AppendError> {
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
    let leader = broker
        .leader_partition(image, topic, partition)
        .map_err(|e| AppendError::new(e, None))?;
    let Some(records) = records.filter(|r| !r.is_empty()) else {
        return Err(AppendError::new(
            ResponseError::InvalidRecord,
            Some("empty record set".into()),
        ));
    };
    let mut log = leader
        .log
        .lock()
        .map_err(|_| AppendError::new(ResponseError::KafkaStorageError, None))?;
    let info = log.append(&records, leader.leader_epoch, now_ms)?;
    Ok(Appended {
        base_offset: info.first_offset,
        log_append_time_ms: info.log_append_time_ms.unwrap_or(-1),
        log_start_offset: log.log_start_offset(),
    })
}

fn partition_response(
    index: i32,
    result: Result<Appended, AppendError>,
) -> PartitionProduceResponse {
    let response = PartitionProduceResponse::default().with_index(index);
    match result {
        Ok(done) => response
            .with_base_offset(done.base_offset)
            .with_log_append_time_ms(done.log_append_time_ms)
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
