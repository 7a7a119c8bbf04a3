//! ApiKey 0 · Produce · v3-13
//!
//! Each partition's record batches are validated (magic 2, sizes, CRC-32C), given their offsets
//! and leader epoch in place, and appended as the bytes they arrived as (see `log/`). Topics are
//! named by id from v13 on.
//!
//! Idempotent producers: the log's producer state checks epochs and sequence numbers and answers
//! a retried batch with its original offsets.
//!
//! Transactional batches open the producer's transaction in the partition (the log's producer
//! state), which holds the last stable offset until the coordinator's marker closes it.
//!
//! Differs from Kafka (until the issues that bring them): no replication, so acks=all waits for
//! nothing more than acks=1; no KIP-890 verification of transactional batches against the
//! coordinator (`transaction.partition.verification.enable`); records inside a compressed batch are not
//! decompressed to check each record, only the batch header and CRC.

use crate::clock::now_ms;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::produce_request::TopicProduceData;
use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse, RequestHeader};
use kafka_protocol::protocol::StrBytes;

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
                        Err((ResponseError::InvalidRequiredAcks, None))
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

type AppendError = (ResponseError, Option<String>);

fn append(
    broker: &Broker,
    image: &MetadataImage,
    topic: Option<&str>,
    records: Option<bytes::Bytes>,
    partition: i32,
    now_ms: i64,
) -> Result<Appended, AppendError> {
    let Some(topic) = topic else {
        return Err((ResponseError::UnknownTopicId, None));
    };
    let leader = broker
        .leader_partition(image, topic, partition)
        .map_err(|e| (e, None))?;
    let Some(records) = records.filter(|r| !r.is_empty()) else {
        return Err((
            ResponseError::InvalidRecord,
            Some("empty record set".into()),
        ));
    };
    let mut log = leader
        .log
        .lock()
        .map_err(|_| (ResponseError::KafkaStorageError, None))?;
    let info = log
        .append(&records, leader.leader_epoch, now_ms)
        .map_err(|e| (e.error(), Some(e.to_string())))?;
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
        Err((error, message)) => response
            .with_error_code(error.code())
            .with_base_offset(-1)
            .with_log_append_time_ms(-1)
            .with_log_start_offset(-1)
            .with_error_message(message.map(StrBytes::from_string)),
    }
}
